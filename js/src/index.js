// @digitnet/engine: load a digitnet-mlp v1 model, predict digits from 784 pixel intensities.
import { validate } from './validate.js';
import { network, softmax } from './engine.js';

// Inputs are checked on every call: a wrong length or a NaN would otherwise give plausible
// looking probabilities, and so would pixel bytes 0..255 that were not divided by 255. The
// model is defined on [0, 1] and preprocess() never leaves it (its last step clamps to 1).
function checkInput(x, n, fn) {
  const fail = (E, msg) => {
    throw new E(`${fn}: ${msg}`);
  };
  if (typeof x !== 'object' || typeof x?.length !== 'number')
    fail(TypeError, `expected an array-like of ${n} numbers, got ${typeof x}`);
  if (x.length !== n) fail(RangeError, `expected ${n} values, got ${x.length}`);
  for (let i = 0; i < n; i++) {
    const v = x[i],
      number = typeof v === 'number';
    if (!(number && v >= 0 && v <= 1))
      fail(
        number ? RangeError : TypeError,
        `x[${i}] is ${number || v === null ? v : typeof v}; ` +
          'expected numbers in [0, 1] (pixel bytes / 255)',
      );
  }
}

const orNull = (v) => (typeof v === 'number' ? v : null);

// `net` is for the wasm entry (src/wasm.js), which brings its own kernel.
export function loadModel(json, net = network) {
  const { version, metadata, layers } = validate(json);
  const run = net(layers);
  const n = 784; // validate() checked that the first layer takes the 28x28 pixels
  const channels = layers.filter((L) => L.perChannel).length;
  const info = {
    version,
    architecture: [n, ...layers.map((L) => L.O)],
    quantization: channels === layers.length ? 'per-channel' : channels ? 'mixed' : 'per-layer',
    floatAccuracy: orNull(metadata.floatAccuracy),
    int8Accuracy: orNull(metadata.int8Accuracy),
    metadata,
  };
  return {
    info,
    predict(x) {
      checkInput(x, n, 'predict');
      return softmax(run(x));
    },
    // The k most probable digits, most probable first; sort is stable, so ties keep the lower
    // digit first. k is an integer >= 0 (FORMAT.md; Python refuses the same), and splice(0, k)
    // takes min(k, 10) of them.
    classify(x, k = 3) {
      if (!(Number.isInteger(k) && k >= 0))
        throw new RangeError(
          `classify: k is ${typeof k === 'number' ? k : typeof k}; expected an integer >= 0`,
        );
      checkInput(x, n, 'classify');
      return Array.from(softmax(run(x)), (probability, digit) => ({ digit, probability }))
        .sort((a, b) => b.probability - a.probability)
        .splice(0, k);
    },
    forward(x) {
      checkInput(x, n, 'forward');
      const hidden = [];
      const logits = run(x, hidden).slice();
      return { probs: softmax(logits), hidden, logits };
    },
  };
}

export { preprocess } from './preprocess.js';
export { weights } from './weights.js';
