// loadModel's checks: every reject case of FORMAT.md, each built by breaking one field of a
// valid model, and the exact message, which must name the field and what was expected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../src/index.js';
import { fromBase64, makeModel, shippedModel, toBase64 } from './helpers.js';

const perChannel = () => makeModel([784, 128, 64, 10], { quantization: 'per-channel' });
const perLayer = () => makeModel([784, 128, 64, 10], { quantization: 'per-layer' });

// [what is broken, base model, change, message after "loadModel: "]
const CASES = [
  ['not an object', () => null, null, 'model: expected an object or JSON text, got null'],
  ['a number', () => 42, null, 'model: expected an object or JSON text, got 42'],
  ['an array', () => [], null, 'model: expected an object or JSON text, got an object'],
  ['JSON text of an array', () => '[1]', null, 'model: expected an object or JSON text, got an object'],
  ['JSON text that is not JSON', () => '{"format": ', null, /^model: invalid JSON \(.+\)$/],

  ['format missing', perChannel, (m) => delete m.format, 'format: missing (expected "digitnet-mlp")'],
  ['format unknown', perChannel, (m) => { m.format = 'digitnet-cnn'; }, 'format: expected "digitnet-mlp", got "digitnet-cnn"'],
  ['formatVersion missing', perChannel, (m) => delete m.formatVersion, 'formatVersion: missing (expected 1)'],
  ['formatVersion 2', perChannel, (m) => { m.formatVersion = 2; }, 'formatVersion: expected 1, got 2'],
  ['formatVersion a string', perChannel, (m) => { m.formatVersion = '1'; }, 'formatVersion: expected 1, got "1"'],
  ['version missing', perChannel, (m) => delete m.version, 'version: missing (expected a semver X.Y.Z string)'],
  ['version not X.Y.Z', perChannel, (m) => { m.version = '1.0'; }, 'version: expected a semver X.Y.Z string, got "1.0"'],
  ['version with a v', perChannel, (m) => { m.version = 'v1.0.0'; }, 'version: expected a semver X.Y.Z string, got "v1.0.0"'],
  ['version with a leading zero', perChannel, (m) => { m.version = '1.01.0'; }, 'version: expected a semver X.Y.Z string, got "1.01.0"'],
  ['version a number', perChannel, (m) => { m.version = 1; }, 'version: expected a semver X.Y.Z string, got 1'],
  ['metadata missing', perChannel, (m) => delete m.metadata, 'metadata: missing (expected an object)'],
  ['metadata an array', perChannel, (m) => { m.metadata = []; }, 'metadata: expected an object, got an object'],
  ['metadata null', perChannel, (m) => { m.metadata = null; }, 'metadata: expected an object, got null'],
  ['layers missing', perChannel, (m) => delete m.layers, 'layers: missing (expected a non-empty array)'],
  ['layers empty', perChannel, (m) => { m.layers = []; }, 'layers: expected a non-empty array, got an object'],
  ['a layer not an object', perChannel, (m) => { m.layers[1] = 'dense'; }, 'layers[1]: expected an object, got "dense"'],

  ['inputs missing', perChannel, (m) => delete m.layers[0].inputs, 'layers[0].inputs: missing (expected a positive integer)'],
  ['outputs missing', perChannel, (m) => delete m.layers[2].outputs, 'layers[2].outputs: missing (expected a positive integer)'],
  ['inputs not an integer', perChannel, (m) => { m.layers[1].inputs = 127.5; }, 'layers[1].inputs: expected a positive integer, got 127.5'],
  ['inputs a string', perChannel, (m) => { m.layers[0].inputs = '784'; }, 'layers[0].inputs: expected a positive integer, got "784"'],
  ['outputs zero', perChannel, (m) => { m.layers[1].outputs = 0; }, 'layers[1].outputs: expected a positive integer, got 0'],
  ['outputs negative', perChannel, (m) => { m.layers[0].outputs = -128; }, 'layers[0].outputs: expected a positive integer, got -128'],
  ['first layer not 784 inputs', perChannel, (m) => { m.layers[0].inputs = 783; }, 'layers[0].inputs: expected 784, got 783'],
  ['sizes do not chain', perChannel, (m) => { m.layers[1].inputs = 64; }, 'layers[1].inputs: expected 128 (layers[0].outputs), got 64'],
  ['last layer not 10 outputs', perChannel, (m) => { m.layers[2].outputs = 9; }, 'layers[2].outputs: expected 10 on the last layer, got 9'],
  ['a single layer not ending in 10', () => makeModel([784, 12]), null, 'layers[0].outputs: expected 10 on the last layer, got 12'],

  ['activation missing', perChannel, (m) => delete m.layers[0].activation, 'layers[0].activation: missing (expected "relu")'],
  ['softmax on a hidden layer', perChannel, (m) => { m.layers[1].activation = 'softmax'; }, 'layers[1].activation: expected "relu", got "softmax"'],
  ['relu on the last layer', perChannel, (m) => { m.layers[2].activation = 'relu'; }, 'layers[2].activation: expected "softmax", got "relu"'],
  ['unknown activation', perChannel, (m) => { m.layers[0].activation = 'tanh'; }, 'layers[0].activation: expected "relu", got "tanh"'],

  ['weights missing', perChannel, (m) => delete m.layers[1].weights, 'layers[1].weights: missing (expected a base64 string)'],
  ['weights an array', perChannel, (m) => { m.layers[2].weights = [1, 2]; }, 'layers[2].weights: expected a base64 string, got an object'],
  ['weights with a bad character', perChannel, (m) => { m.layers[0].weights = `!${m.layers[0].weights.slice(1)}`; }, 'layers[0].weights: invalid base64'],
  ['weights in base64url', perChannel, (m) => { m.layers[2].weights = m.layers[2].weights.replace(/\+/g, '-').replace(/\//g, '_'); }, 'layers[2].weights: invalid base64'],
  ['weights with "=" inside', perChannel, (m) => { m.layers[2].weights = `AAA=${m.layers[2].weights}`; }, 'layers[2].weights: invalid base64'],
  ['weights with a line break', perChannel, (m) => { const w = m.layers[2].weights; m.layers[2].weights = `${w.slice(0, 76)}\n${w.slice(76)}`; }, 'layers[2].weights: invalid base64: expected "=" padding and no whitespace'],
  ['weights without padding', perChannel, (m) => { m.layers[2].weights = m.layers[2].weights.replace(/=+$/, ''); }, 'layers[2].weights: invalid base64: expected "=" padding and no whitespace'],
  ['weights one byte short', perChannel, (m) => { m.layers[1].weights = toBase64(fromBase64(m.layers[1].weights).subarray(1)); }, 'layers[1].weights: expected base64 of 8192 bytes, got 8191 bytes'],
  ['weights one byte long', perChannel, (m) => { m.layers[2].weights = toBase64([...fromBase64(m.layers[2].weights), 1]); }, 'layers[2].weights: expected base64 of 640 bytes, got 641 bytes'],
  ['weights of the transposed size', perChannel, (m) => { m.layers[1].inputs = 64; m.layers[1].outputs = 128; }, 'layers[1].inputs: expected 128 (layers[0].outputs), got 64'],
  ['weights holding -128', perChannel, (m) => { const q = fromBase64(m.layers[0].weights); q[1000] = -128; m.layers[0].weights = toBase64(q); }, 'layers[0].weights: byte 1000 is -128, expected int8 values in -127..127'],

  ['both scales and scale', perChannel, (m) => { m.layers[1].scale = 0.01; }, 'layers[1].scales: expected either "scales" or "scale", got both'],
  ['neither scales nor scale', perChannel, (m) => delete m.layers[0].scales, 'layers[0].scales: expected either "scales" or "scale", got neither'],
  ['scales one short', perChannel, (m) => m.layers[1].scales.pop(), 'layers[1].scales: expected 64 finite positive numbers, got 63'],
  ['scales one long', perChannel, (m) => m.layers[2].scales.push(0.01), 'layers[2].scales: expected 10 finite positive numbers, got 11'],
  ['scales not an array', perChannel, (m) => { m.layers[0].scales = 0.01; }, 'layers[0].scales: expected an array of 128 finite positive numbers, got 0.01'],
  ['a scale zero', perChannel, (m) => { m.layers[0].scales[5] = 0; }, 'layers[0].scales[5]: expected a finite positive number, got 0'],
  ['a scale negative', perChannel, (m) => { m.layers[0].scales[127] = -0.01; }, 'layers[0].scales[127]: expected a finite positive number, got -0.01'],
  ['a scale NaN', perChannel, (m) => { m.layers[1].scales[0] = NaN; }, 'layers[1].scales[0]: expected a finite positive number, got NaN'],
  ['a scale infinite (1e999 in the JSON text)', () => JSON.stringify(perChannel()).replace(/"scales":\[[^,]+,/, '"scales":[1e999,'), null, 'layers[0].scales[0]: expected a finite positive number, got Infinity'],
  ['a scale a string', perChannel, (m) => { m.layers[2].scales[3] = '0.01'; }, 'layers[2].scales[3]: expected a finite positive number, got "0.01"'],
  ['a scale null', perChannel, (m) => { m.layers[2].scales[9] = null; }, 'layers[2].scales[9]: expected a finite positive number, got null'],
  ['per-layer scale zero', perLayer, (m) => { m.layers[1].scale = 0; }, 'layers[1].scale: expected a finite positive number, got 0'],
  ['per-layer scale negative', perLayer, (m) => { m.layers[0].scale = -1; }, 'layers[0].scale: expected a finite positive number, got -1'],
  ['per-layer scale infinite', perLayer, (m) => { m.layers[2].scale = Infinity; }, 'layers[2].scale: expected a finite positive number, got Infinity'],
  ['per-layer scale a list', perLayer, (m) => { m.layers[2].scale = [0.01]; }, 'layers[2].scale: expected a finite positive number, got an object'],

  ['bias missing', perChannel, (m) => delete m.layers[1].bias, 'layers[1].bias: missing (expected an array of 64 finite numbers)'],
  ['bias one short', perLayer, (m) => m.layers[0].bias.pop(), 'layers[0].bias: expected 128 finite numbers, got 127'],
  ['bias of the next layer', perChannel, (m) => { m.layers[1].bias = m.layers[2].bias; }, 'layers[1].bias: expected 64 finite numbers, got 10'],
  ['a bias NaN', perChannel, (m) => { m.layers[2].bias[4] = NaN; }, 'layers[2].bias[4]: expected a finite number, got NaN'],
  ['a bias infinite (-1e999 in the JSON text)', () => JSON.stringify(perChannel()).replace(/"bias":\[[^,]+,/, '"bias":[-1e999,'), null, 'layers[0].bias[0]: expected a finite number, got -Infinity'],
  ['a bias null', perChannel, (m) => { m.layers[0].bias[0] = null; }, 'layers[0].bias[0]: expected a finite number, got null'],
  ['a bias a string', perChannel, (m) => { m.layers[1].bias[63] = '0'; }, 'layers[1].bias[63]: expected a finite number, got "0"'],
];

for (const [what, base, change, message] of CASES) {
  test(`rejects: ${what}`, () => {
    const model = base();
    change?.(model);
    // Each broken model stays broken as text too: the same check runs on parsed JSON.
    const forms = typeof model === 'object' && model !== null && !Array.isArray(model) ? [model, JSON.stringify(model)] : [model];
    for (const form of forms) {
      if (typeof form === 'string' && /NaN|Infinity/.test(message)) continue; // JSON cannot say NaN
      assert.throws(() => loadModel(form), (e) => {
        assert.ok(e instanceof TypeError, `${e.constructor.name}: ${e.message}`);
        if (message instanceof RegExp) assert.match(e.message.replace(/^loadModel: /, ''), message);
        else assert.equal(e.message, `loadModel: ${message}`);
        return true;
      });
    }
  });
}

test('accepts valid variants: per-layer, mixed, extra fields, other widths, JSON text', () => {
  for (const m of [perChannel(), perLayer(), makeModel([784, 10]), makeModel([784, 7, 10], { quantization: 'mixed' })]) {
    assert.doesNotThrow(() => loadModel(m));
    assert.doesNotThrow(() => loadModel(JSON.stringify(m)));
  }
  const extra = perChannel();
  extra.comment = 'fields the format does not define are ignored';
  extra.layers[0].note = 'so are these';
  assert.doesNotThrow(() => loadModel(extra));
  assert.doesNotThrow(() => loadModel(shippedModel()));
});

test('the base models are valid: every rejection above comes from its one change', () => {
  assert.doesNotThrow(() => loadModel(perChannel()));
  assert.doesNotThrow(() => loadModel(perLayer()));
});

test('loadModel does not modify the object it is given', () => {
  const m = perChannel(), copy = structuredClone(m);
  loadModel(m);
  assert.deepEqual(m, copy);
});
