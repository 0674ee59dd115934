// @digitnet/engine: load a digitnet-mlp v1 model, predict digits from 784 pixel intensities.
import { validate } from './validate.js';
import { network, softmax } from './engine.js';

// Inputs are checked on every call: a wrong length or a NaN would otherwise give plausible
// looking probabilities. Finite values outside [0, 1] are accepted: the math is defined for
// them, and a preprocessing step may round a hair past 1.
function checkInput(x, n, fn) {
  if (x === null || typeof x !== 'object' || typeof x.length !== 'number') {
    throw new TypeError(`${fn}: expected an array-like of ${n} numbers, got ${x === null ? null : typeof x}`);
  }
  if (x.length !== n) throw new RangeError(`${fn}: expected ${n} values, got ${x.length}`);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (typeof v !== 'number' || v - v !== 0) {
      const number = typeof v === 'number';
      throw new (number ? RangeError : TypeError)(`${fn}: x[${i}] is ${number || v === null ? v : typeof v}; expected finite numbers in [0, 1]`);
    }
  }
}

const orNull = (v) => (typeof v === 'number' ? v : null);

export function loadModel(json) {
  const { version, metadata, layers } = validate(json);
  const run = network(layers);
  const n = layers[0].inputs;
  const channels = layers.filter((L) => L.perChannel).length;
  const info = {
    version,
    architecture: [n, ...layers.map((L) => L.outputs)],
    quantization: channels === layers.length ? 'per-channel' : channels ? 'mixed' : 'per-layer',
    floatAccuracy: orNull(metadata.floatAccuracy),
    int8Accuracy: orNull(metadata.int8Accuracy),
    metadata,
  };
  return {
    info,
    predict(x) {
      checkInput(x, n, 'predict');
      return softmax(run(x, null));
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
