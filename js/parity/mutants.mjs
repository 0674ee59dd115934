// Deliberately broken engines and preprocessings: `nox -s parity` must fail on every one of them,
// on both backends (python/tests/test_parity.py runs each). A mutant is a list of source patches
// on js/src per backend: `js` for the core (src/index.js), `wasm` for the wasm entry
// (src/wasm.js, src/kernel.wat), `both` for the files they share (preprocessing). Every mutant
// applies to both backends. Each `find` text must occur exactly once in its file, so a refactor
// cannot silently turn a mutant into a no-op. Patches on kernel.wat are compiled ahead by
// `npm run build:wasm` into parity/kernels.mjs (no WebAssembly toolkit needed at parity time).

// The kernel's four accumulators, each patched the same way.
const accumulators = (patch) =>
  [0, 1, 2, 3].map((k) => {
    const load = `(v128.load offset=${16 * k} (local.get $p))`;
    const product = `(f64x2.mul (local.get $a) ${load})`;
    const find = `(local.set $c${k} (f64x2.add (local.get $c${k}) ${product}))`;
    return { file: 'kernel.wat', find, replace: patch(find) };
  });

export const MUTANTS = {
  // Both entries take their weights and biases from validate.js, dequantized once.
  'float32-weights': {
    both: [
      {
        file: 'validate.js',
        find: 'W = new Float64Array(n),',
        replace: 'W = new Float32Array(n),',
      },
    ],
  },
  // The core stores its sums in float32; the kernel rounds each sum to float32 after every term.
  'float32-accumulation': {
    js: [
      {
        file: 'engine.js',
        find: 'const zs = net.map((L) => new Float64Array(L.O));',
        replace: 'const zs = net.map((L) => new Float32Array(L.O));',
      },
    ],
    wasm: accumulators((set) => {
      const demoted = '(f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.add';
      return `${set.replace('(f64x2.add', demoted)}))`;
    }),
  },
  'bias-rounded-6-decimals': {
    both: [
      {
        file: 'validate.js',
        find: 'b: Float64Array.from(bias)',
        replace: 'b: Float64Array.from(bias, (v) => Math.round(v * 1e6) / 1e6)',
      },
    ],
  },
  // One weight of the first layer, at the centre pixel (inked in most digits), one step off.
  'weight-off-by-one-step': {
    both: [
      {
        file: 'validate.js',
        find: '  return [W, R];',
        replace: '  if (I === 784) W[(14 * 28 + 14) * O] += scales[0];\n  return [W, R];',
      },
    ],
  },
  // The order the core summed in before it followed the reference's: each pass's terms (eight
  // then, four now) summed, then added to z. Probabilities move by about 4e-15, inside their
  // tolerance (replay.mjs): only the exact logits and activations checks see it. The kernel's
  // version of the same drift: its terms added in reverse order, last input first.
  'eight-terms-summed-first': {
    js: [
      {
        file: 'engine.js',
        find: 'z[j] = z[j] + a0 * W[r0 + j]',
        replace: 'z[j] += a0 * W[r0 + j]',
      },
    ],
    wasm: [
      {
        file: 'kernel.wat',
        find: '(local.set $q (i32.const 0))',
        replace: '(local.set $q (local.get $e))',
      },
      {
        file: 'kernel.wat',
        find: '(br_if $done (i32.ge_u (local.get $q) (local.get $e)))',
        replace:
          '(br_if $done (i32.eqz (local.get $q)))\n' +
          '          (local.set $q (i32.sub (local.get $q) (i32.const 16)))',
      },
      {
        file: 'kernel.wat',
        find: '(local.set $q (i32.add (local.get $q) (i32.const 16)))',
        replace: '',
      },
    ],
  },
  'round-half-even-shift': {
    both: [
      {
        file: 'preprocess.js',
        find: 'const dx = Math.floor(14 - cx + 0.5),\n    dy = Math.floor(14 - cy + 0.5),',
        replace:
          'const even = (v) => {\n' +
          '    const f = Math.floor(v), d = v - f;\n' +
          '    return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;\n' +
          '  };\n' +
          '  const dx = even(14 - cx), dy = even(14 - cy),',
      },
    ],
  },
  'box-filter-off-by-one': {
    both: [
      {
        file: 'preprocess.js',
        find: 'inkAt(rgba, q + 4 * wx[n + 1], mode, b)',
        replace: 'inkAt(rgba, q + 4 * (wx[n + 1] + 1), mode, b)',
      },
    ],
  },
  // ink 'auto' reading the border's upper median: fixtures/preprocess/cases-2.json's 4x1 case
  'auto-upper-median': {
    both: [
      {
        file: 'preprocess.js',
        find: '[(sums.length - 1) >> 1]',
        replace: '[sums.length >> 1]',
      },
    ],
  },
};

export { BACKENDS } from '../entries.mjs'; // backend -> entry file

// The patches of one mutant on one backend (an error if it has none: every mutant applies).
export function patchesFor(name, backend) {
  const m = MUTANTS[name];
  if (!m) throw new Error(`unknown mutant ${name}; known: ${Object.keys(MUTANTS).join(', ')}`);
  const patches = [...(m.both || []), ...(m[backend] || [])];
  if (!patches.length) throw new Error(`mutant ${name} has no patch for the ${backend} backend`);
  return patches;
}

// `files` (name -> text) with the patches applied; each find must occur exactly once.
export function applyPatches(files, patches, name) {
  const out = { ...files };
  for (const { file, find, replace } of patches) {
    if (typeof out[file] !== 'string' || out[file].split(find).length !== 2) {
      throw new Error(`mutant ${name}: the patched text must occur once in ${file}: ${find}`);
    }
    out[file] = out[file].replace(find, () => replace);
  }
  return out;
}

// The js/src files (name -> text) of one mutant's backend: `files` patched, and a patched
// kernel.wat's compiled bytes (`kernels`, parity/kernels.mjs) as kernel.wasm.js, which is
// where the wasm entry imports its kernel from. Node's parity run and the browsers' both use it.
export function mutantSources(name, backend, files, kernels) {
  const patches = patchesFor(name, backend);
  const patched = applyPatches(files, patches, name);
  if (patches.some((p) => p.file === 'kernel.wat')) {
    if (!kernels[name])
      throw new Error(
        `mutant ${name}: no compiled kernel in parity/kernels.mjs; ` +
          'run `npm run build:wasm` in js/',
      );
    patched['kernel.wasm.js'] = `export default '${kernels[name]}';\n`;
  }
  return patched;
}
