// Deliberately broken engines and preprocessings: `nox -s parity` must fail on every one of them
// (python/tests/test_parity.py runs each). A mutant is a source patch on one file of js/src; its
// `find` text must occur exactly once, so a refactor cannot silently turn a mutant into a no-op.
export const MUTANTS = {
  'float32-weights': {
    file: 'engine.js',
    find: 'const W = new Float64Array(I * O);',
    replace: 'const W = new Float32Array(I * O);',
  },
  'float32-accumulation': {
    file: 'engine.js',
    find: 'const zs = net.map((L) => new Float64Array(L.O));',
    replace: 'const zs = net.map((L) => new Float32Array(L.O));',
  },
  'bias-rounded-6-decimals': {
    file: 'engine.js',
    find: 'b: Float64Array.from(bias)',
    replace: 'b: Float64Array.from(bias, (v) => Math.round(v * 1e6) / 1e6)',
  },
  // One weight of the first layer, at the centre pixel (inked in most digits), one step off.
  'weight-off-by-one-step': {
    file: 'engine.js',
    find: '  return { I, O, W, b:',
    replace: '  if (I === 784) W[(14 * 28 + 14) * O] += scales[0];\n  return { I, O, W, b:',
  },
  // The order the engine summed in before it followed the reference's: each pass's eight terms
  // summed, then added to z. Probabilities move by about 4e-15, inside their 1e-12 tolerance:
  // only the exact logits and activations checks see it.
  'eight-terms-summed-first': {
    file: 'engine.js',
    find: 'z[j] = z[j] + a0 * W[r0 + j]',
    replace: 'z[j] += a0 * W[r0 + j]',
  },
  'round-half-even-shift': {
    file: 'preprocess.js',
    find: 'const dx = Math.floor(14 - sx / mass + 0.5), dy = Math.floor(14 - sy / mass + 0.5);',
    replace: 'const even = (v) => { const f = Math.floor(v), d = v - f; return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f; };\n'
      + '  const dx = even(14 - sx / mass), dy = even(14 - sy / mass);',
  },
  'box-filter-off-by-one': {
    file: 'preprocess.js',
    find: 'inkAt(rgba, q + 4 * ox[n + 1], mode)',
    replace: 'inkAt(rgba, q + 4 * (ox[n + 1] + 1), mode)',
  },
};
