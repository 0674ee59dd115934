;; The WebAssembly SIMD kernel of @digitnet/engine/wasm: one layer, z = max(x W + b, floor), in
;; float64, summing in the reference's order so that the results are the core's to the bit.
;; `npm run build:wasm` compiles this file into kernel.wasm.js; test/wasm.test.js checks that the
;; committed bytes are this file's.
;;
;; f(x, n, w, s, b, z, floor), all addresses in bytes:
;;   x: n float64 inputs;  w: n rows of weights, s bytes apart (s a multiple of 64: the outputs
;;   padded with zero weights to a multiple of 8);  b, z: s/8 biases and outputs;  floor: 0 for
;;   ReLU, -Infinity for none (max(v, -Infinity) is v).
;; Addresses 0 .. 16n hold the nonzero inputs, one 16-byte entry each: the value, then the
;; address of its row.
;;
;; Why the bits are the core's: each output starts at +0 and adds x_i * W_ij for the nonzero x_i
;; in increasing i, one rounded multiply and one rounded add per term (WebAssembly has no fused
;; multiply-add outside relaxed SIMD), then adds its bias. Skipping zero inputs is exact (the
;; sum starts at +0, and +0 + -0 is +0). pmax(v, 0) is `v < 0 ? 0 : v`, the core's ReLU.
;; Eight outputs (four f64x2 accumulators) per pass over the nonzero inputs keep the sums in
;; registers: each weight is loaded once, each sum stored once (eight accumulators and two
;; measured slower in V8).
(module
  (memory (export "m") 0)
  (func (export "f")
    (param $x i32) (param $n i32) (param $w i32) (param $s i32) (param $b i32) (param $z i32)
    (param $floor f64)
    (local $e i32) (local $j i32) (local $q i32) (local $p i32) (local $v f64)
    (local $a v128) (local $zero v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    ;; The nonzero inputs and their rows, in increasing order (n >= 1). Branchless: every input's
    ;; entry is written, and kept (e advanced) only if nonzero; a branch here mispredicts on the
    ;; edges of every stroke (measured: 8.4 -> 7.5 us per predict).
    (loop $gather
      (f64.store (local.get $e) (local.tee $v (f64.load (local.get $x))))
      (i32.store offset=8 (local.get $e) (local.get $w))
      (local.set $e (i32.add (local.get $e) (i32.shl (f64.ne (local.get $v) (f64.const 0)) (i32.const 4))))
      (local.set $w (i32.add (local.get $w) (local.get $s)))
      (local.set $x (i32.add (local.get $x) (i32.const 8)))
      (br_if $gather (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    ;; Eight outputs at a time: the sums over the nonzero inputs, stored raw in z.
    (loop $outputs
      (local.set $c0 (local.get $zero)) (local.set $c1 (local.get $zero))
      (local.set $c2 (local.get $zero)) (local.set $c3 (local.get $zero))
      (local.set $q (i32.const 0))
      (block $done
        (loop $terms
          (br_if $done (i32.ge_u (local.get $q) (local.get $e)))
          (local.set $a (v128.load64_splat (local.get $q)))
          (local.set $p (i32.add (i32.load offset=8 (local.get $q)) (local.get $j)))
          (local.set $c0 (f64x2.add (local.get $c0) (f64x2.mul (local.get $a) (v128.load offset=0 (local.get $p)))))
          (local.set $c1 (f64x2.add (local.get $c1) (f64x2.mul (local.get $a) (v128.load offset=16 (local.get $p)))))
          (local.set $c2 (f64x2.add (local.get $c2) (f64x2.mul (local.get $a) (v128.load offset=32 (local.get $p)))))
          (local.set $c3 (f64x2.add (local.get $c3) (f64x2.mul (local.get $a) (v128.load offset=48 (local.get $p)))))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br $terms)))
      (local.set $p (i32.add (local.get $z) (local.get $j)))
      (v128.store offset=0 (local.get $p) (local.get $c0))
      (v128.store offset=16 (local.get $p) (local.get $c1))
      (v128.store offset=32 (local.get $p) (local.get $c2))
      (v128.store offset=48 (local.get $p) (local.get $c3))
      (br_if $outputs (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 64))) (local.get $s))))
    ;; Then the bias, and ReLU (or nothing): z = max(z + b, floor), two outputs at a time.
    (local.set $a (f64x2.splat (local.get $floor)))
    (local.set $p (i32.add (local.get $z) (local.get $s)))
    (loop $bias
      (v128.store (local.get $z)
        (f64x2.pmax (f64x2.add (v128.load (local.get $z)) (v128.load (local.get $b))) (local.get $a)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br_if $bias (i32.lt_u (local.tee $z (i32.add (local.get $z) (i32.const 16))) (local.get $p)))))
)
