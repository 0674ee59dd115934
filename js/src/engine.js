// The inference core: FORMAT.md's semantics in float64, to the bit. Weights are dequantized
// once; a prediction is then one sparse matrix-vector product per layer and a softmax. Each
// output starts at +0, adds input x weight input by input in increasing order, then its bias:
// the Python reference's order, so logits and activations equal the reference's exactly.

// One layer: z = sum_i x_i W[i] + b (Python's engine.affine), then ReLU on a hidden layer
// (not named `affine`, which in Python stops before the ReLU), visiting only the nonzero x_i: about
// 80 % of an MNIST digit's pixels and half of a ReLU layer's outputs are zero, and skipping them
// is exact (adding +-0 to a sum that starts at +0 changes nothing). Four rows per pass over z
// load and store each z_j a quarter as often; JS adds left to right, so the terms still arrive
// one at a time in input order. (Eight rows were about 15 % faster but cost the bytes that
// `classify` needed within the 3 KB budget; @digitnet/engine/wasm is the fast path.)
function layerOutputs({ I, O, W, b, relu }, x, z, rows, vals) {
  let n = 0;
  for (let i = 0; i < I; i++) {
    const v = x[i];
    if (v !== 0) {
      rows[n] = i * O;
      vals[n++] = v;
    }
  }
  z.fill(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const r0 = rows[k],
      r1 = rows[k + 1],
      r2 = rows[k + 2],
      r3 = rows[k + 3];
    const a0 = vals[k],
      a1 = vals[k + 1],
      a2 = vals[k + 2],
      a3 = vals[k + 3];
    for (let j = 0; j < O; j++)
      z[j] = z[j] + a0 * W[r0 + j] + a1 * W[r1 + j] + a2 * W[r2 + j] + a3 * W[r3 + j];
  }
  for (; k < n; k++) {
    const r = rows[k],
      a = vals[k];
    for (let j = 0; j < O; j++) z[j] += a * W[r + j];
  }
  for (let j = 0; j < O; j++) {
    const v = z[j] + b[j];
    z[j] = relu && v < 0 ? 0 : v;
  }
  return z;
}

// Subtracting the maximum keeps every exp(.) in (0, 1]: no overflow, same probabilities.
export function softmax(z) {
  const m = Math.max(...z);
  const p = new Float64Array(z.length);
  let s = 0;
  for (let j = 0; j < z.length; j++) s += p[j] = Math.exp(z[j] - m);
  for (let j = 0; j < z.length; j++) p[j] /= s;
  return p;
}

// Scratch buffers are allocated here, once: a prediction allocates only what it returns.
// `run(x, hidden)` returns the logits in a scratch buffer (copy before keeping them) and, if
// `hidden` is an array, appends a copy of each hidden layer's activations to it.
// `net` is validate.js's layers: their weights W are dequantized, in [inputs][outputs] order.
export function network(net) {
  const width = net.reduce((m, L) => Math.max(m, L.I), 0); // no spread: 140,002 layers
  const rows = new Int32Array(width),
    vals = new Float64Array(width);
  const zs = net.map((L) => new Float64Array(L.O));
  return function run(x, hidden) {
    let a = x;
    for (let k = 0; k < net.length; k++) {
      a = layerOutputs(net[k], a, zs[k], rows, vals);
      if (hidden && net[k].relu) hidden.push(a.slice());
    }
    return a;
  };
}
