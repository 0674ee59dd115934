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
  ['not an object', () => null, null, 'model: expected an object, got null'],
  ['a number', () => 42, null, 'model: expected an object, got 42'],
  ['an array', () => [], null, 'model: expected an object, got 0 items'],
  ['JSON text of an array', () => '[1]', null, 'model: expected an object, got 1 items'],
  ['JSON text that is not JSON', () => '{"format": ', null, /^model: invalid JSON \(.+\)$/],
  // V8's own message quotes the text: its whitespace, newlines included, runs as one space
  [
    'JSON text broken after blank lines',
    () => '{"a":\n\n  x}',
    null,
    /^model: invalid JSON \(.*"\{"a": x\}".*\)$/,
  ],

  [
    'format missing',
    perChannel,
    (m) => delete m.format,
    'format: expected "digitnet-mlp", got undefined',
  ],
  [
    'format unknown',
    perChannel,
    (m) => {
      m.format = 'digitnet-cnn';
    },
    'format: expected "digitnet-mlp", got "digitnet-cnn"',
  ],
  [
    'formatVersion missing',
    perChannel,
    (m) => delete m.formatVersion,
    'formatVersion: expected 1, got undefined',
  ],
  [
    'formatVersion 2',
    perChannel,
    (m) => {
      m.formatVersion = 2;
    },
    'formatVersion: expected 1, got 2',
  ],
  [
    'formatVersion a string',
    perChannel,
    (m) => {
      m.formatVersion = '1';
    },
    'formatVersion: expected 1, got "1"',
  ],
  [
    'version missing',
    perChannel,
    (m) => delete m.version,
    'version: expected an ASCII X.Y.Z version, got undefined',
  ],
  [
    'version not X.Y.Z',
    perChannel,
    (m) => {
      m.version = '1.0';
    },
    'version: expected an ASCII X.Y.Z version, got "1.0"',
  ],
  [
    'version with a v',
    perChannel,
    (m) => {
      m.version = 'v1.0.0';
    },
    'version: expected an ASCII X.Y.Z version, got "v1.0.0"',
  ],
  [
    'version with a leading zero',
    perChannel,
    (m) => {
      m.version = '1.01.0';
    },
    'version: expected an ASCII X.Y.Z version, got "1.01.0"',
  ],
  [
    'version a number',
    perChannel,
    (m) => {
      m.version = 1;
    },
    'version: expected an ASCII X.Y.Z version, got 1',
  ],
  [
    'metadata missing',
    perChannel,
    (m) => delete m.metadata,
    'metadata: expected an object, got undefined',
  ],
  [
    'metadata an array',
    perChannel,
    (m) => {
      m.metadata = [];
    },
    'metadata: expected an object, got 0 items',
  ],
  [
    'metadata null',
    perChannel,
    (m) => {
      m.metadata = null;
    },
    'metadata: expected an object, got null',
  ],
  [
    'layers missing',
    perChannel,
    (m) => delete m.layers,
    'layers: expected a non-empty array, got undefined',
  ],
  [
    'layers empty',
    perChannel,
    (m) => {
      m.layers = [];
    },
    'layers: expected a non-empty array, got 0 items',
  ],
  [
    'a layer not an object',
    perChannel,
    (m) => {
      m.layers[1] = 'dense';
    },
    'layers[1]: expected an object, got "dense"',
  ],
  [
    'an activation that is an object',
    perChannel,
    (m) => {
      m.layers[0].activation = { name: 'relu' };
    },
    'layers[0].activation: expected "relu", got an object',
  ],

  [
    'inputs missing',
    perChannel,
    (m) => delete m.layers[0].inputs,
    'layers[0].inputs: expected 784, got undefined',
  ],
  [
    'outputs missing',
    perChannel,
    (m) => delete m.layers[2].outputs,
    'layers[2].outputs: expected 10, got undefined',
  ],
  [
    'inputs not an integer',
    perChannel,
    (m) => {
      m.layers[1].inputs = 127.5;
    },
    'layers[1].inputs: expected 128, got 127.5',
  ],
  [
    'inputs a string',
    perChannel,
    (m) => {
      m.layers[0].inputs = '784';
    },
    'layers[0].inputs: expected 784, got "784"',
  ],
  [
    'outputs zero',
    perChannel,
    (m) => {
      m.layers[1].outputs = 0;
    },
    'layers[1].outputs: expected a positive integer, got 0',
  ],
  [
    'outputs negative',
    perChannel,
    (m) => {
      m.layers[0].outputs = -128;
    },
    'layers[0].outputs: expected a positive integer, got -128',
  ],
  [
    'first layer not 784 inputs',
    perChannel,
    (m) => {
      m.layers[0].inputs = 783;
    },
    'layers[0].inputs: expected 784, got 783',
  ],
  [
    'sizes do not chain',
    perChannel,
    (m) => {
      m.layers[1].inputs = 64;
    },
    'layers[1].inputs: expected 128, got 64',
  ],
  [
    'last layer not 10 outputs',
    perChannel,
    (m) => {
      m.layers[2].outputs = 9;
    },
    'layers[2].outputs: expected 10, got 9',
  ],
  [
    'a single layer not ending in 10',
    () => makeModel([784, 12]),
    null,
    'layers[0].outputs: expected 10, got 12',
  ],

  [
    'activation missing',
    perChannel,
    (m) => delete m.layers[0].activation,
    'layers[0].activation: expected "relu", got undefined',
  ],
  [
    'softmax on a hidden layer',
    perChannel,
    (m) => {
      m.layers[1].activation = 'softmax';
    },
    'layers[1].activation: expected "relu", got "softmax"',
  ],
  [
    'relu on the last layer',
    perChannel,
    (m) => {
      m.layers[2].activation = 'relu';
    },
    'layers[2].activation: expected "softmax", got "relu"',
  ],
  [
    'unknown activation',
    perChannel,
    (m) => {
      m.layers[0].activation = 'tanh';
    },
    'layers[0].activation: expected "relu", got "tanh"',
  ],

  [
    'weights missing',
    perChannel,
    (m) => delete m.layers[1].weights,
    'layers[1].weights: expected a canonical base64 string, got undefined',
  ],
  [
    'weights an array',
    perChannel,
    (m) => {
      m.layers[2].weights = [1, 2];
    },
    'layers[2].weights: expected a canonical base64 string, got 2 items',
  ],
  [
    'weights with a bad character',
    perChannel,
    (m) => {
      m.layers[0].weights = `!${m.layers[0].weights.slice(1)}`;
    },
    /^layers\[0\]\.weights: expected a canonical base64 string, got "!/,
  ],
  [
    'weights in base64url',
    perChannel,
    (m) => {
      m.layers[2].weights = m.layers[2].weights.replace(/\+/g, '-').replace(/\//g, '_');
    },
    /^layers\[2\]\.weights: expected a canonical base64 string, got "/,
  ],
  [
    'weights with "=" inside',
    perChannel,
    (m) => {
      m.layers[2].weights = `AAA=${m.layers[2].weights}`;
    },
    /^layers\[2\]\.weights: expected a canonical base64 string, got "/,
  ],
  [
    'weights with a line break',
    perChannel,
    (m) => {
      const w = m.layers[2].weights;
      m.layers[2].weights = `${w.slice(0, 76)}\n${w.slice(76)}`;
    },
    /^layers\[2\]\.weights: expected a canonical base64 string, got "/,
  ],
  [
    'weights without padding',
    perChannel,
    (m) => {
      m.layers[2].weights = m.layers[2].weights.replace(/=+$/, '');
    },
    /^layers\[2\]\.weights: expected a canonical base64 string, got "/,
  ],
  [
    'weights one byte short',
    perChannel,
    (m) => {
      m.layers[1].weights = toBase64(fromBase64(m.layers[1].weights).subarray(1));
    },
    'layers[1].weights: expected 8192 bytes, got 8191',
  ],
  [
    'weights one byte long',
    perChannel,
    (m) => {
      m.layers[2].weights = toBase64([...fromBase64(m.layers[2].weights), 1]);
    },
    'layers[2].weights: expected 640 bytes, got 641',
  ],
  [
    'weights of the transposed size',
    perChannel,
    (m) => {
      m.layers[1].inputs = 64;
      m.layers[1].outputs = 128;
    },
    'layers[1].inputs: expected 128, got 64',
  ],
  [
    'weights holding -128',
    perChannel,
    (m) => {
      const q = fromBase64(m.layers[0].weights);
      q[1000] = -128;
      m.layers[0].weights = toBase64(q);
    },
    'layers[0].weights: byte 1000 is -128 (expected -127..127)',
  ],
  [
    'a 4-bit level of -8 (the high nibble of byte 3: level 6)',
    () => makeModel([784, 10], { bits: [4] }),
    (m) => {
      const q = fromBase64(m.layers[0].weights);
      q[3] = (q[3] & 0x0f) | 0x80;
      m.layers[0].weights = toBase64(q);
    },
    'layers[0].weights: nibble 6 is -8 (expected -7..7)',
  ],
  [
    'a width of 2 bits',
    perChannel,
    (m) => {
      m.layers[0].bits = 2;
    },
    'layers[0].bits: expected 4 or 8, got 2',
  ],
  [
    'a long string shown by its first 40 characters',
    perChannel,
    (m) => {
      m.layers[0].activation = 'x'.repeat(50);
    },
    `layers[0].activation: expected "relu", got "${'x'.repeat(40)}"`,
  ],

  [
    'both scales and scale',
    perChannel,
    (m) => {
      m.layers[1].scale = 0.01;
    },
    'layers[1].scales: expected one of "scales" and "scale"',
  ],
  [
    'neither scales nor scale',
    perChannel,
    (m) => delete m.layers[0].scales,
    'layers[0].scales: expected one of "scales" and "scale"',
  ],
  [
    'scales one short',
    perChannel,
    (m) => m.layers[1].scales.pop(),
    'layers[1].scales: expected 64 items, got 63 items',
  ],
  [
    'scales one long',
    perChannel,
    (m) => m.layers[2].scales.push(0.01),
    'layers[2].scales: expected 10 items, got 11 items',
  ],
  [
    'scales not an array',
    perChannel,
    (m) => {
      m.layers[0].scales = 0.01;
    },
    'layers[0].scales: expected 128 items, got 0.01',
  ],
  [
    'a scale zero',
    perChannel,
    (m) => {
      m.layers[0].scales[5] = 0;
    },
    'layers[0].scales[5]: expected a positive number with 127*s finite, got 0',
  ],
  [
    'a scale negative',
    perChannel,
    (m) => {
      m.layers[0].scales[127] = -0.01;
    },
    'layers[0].scales[127]: expected a positive number with 127*s finite, got -0.01',
  ],
  [
    'a scale NaN',
    perChannel,
    (m) => {
      m.layers[1].scales[0] = NaN;
    },
    'layers[1].scales[0]: expected a positive number with 127*s finite, got NaN',
  ],
  [
    'a scale infinite (1e999 in the JSON text)',
    () => JSON.stringify(perChannel()).replace(/"scales":\[[^,]+,/, '"scales":[1e999,'),
    null,
    'layers[0].scales[0]: expected a positive number with 127*s finite, got Infinity',
  ],
  [
    'a scale a string',
    perChannel,
    (m) => {
      m.layers[2].scales[3] = '0.01';
    },
    'layers[2].scales[3]: expected a positive number with 127*s finite, got "0.01"',
  ],
  [
    'a scale null',
    perChannel,
    (m) => {
      m.layers[2].scales[9] = null;
    },
    'layers[2].scales[9]: expected a positive number with 127*s finite, got null',
  ],
  [
    'per-layer scale zero',
    perLayer,
    (m) => {
      m.layers[1].scale = 0;
    },
    'layers[1].scale: expected a positive number with 127*s finite, got 0',
  ],
  [
    'per-layer scale negative',
    perLayer,
    (m) => {
      m.layers[0].scale = -1;
    },
    'layers[0].scale: expected a positive number with 127*s finite, got -1',
  ],
  [
    'per-layer scale infinite',
    perLayer,
    (m) => {
      m.layers[2].scale = Infinity;
    },
    'layers[2].scale: expected a positive number with 127*s finite, got Infinity',
  ],
  [
    'per-layer scale a list',
    perLayer,
    (m) => {
      m.layers[2].scale = [0.01];
    },
    'layers[2].scale: expected a positive number with 127*s finite, got 1 items',
  ],

  [
    'bias missing',
    perChannel,
    (m) => delete m.layers[1].bias,
    'layers[1].bias: expected 64 items, got undefined',
  ],
  [
    'bias one short',
    perLayer,
    (m) => m.layers[0].bias.pop(),
    'layers[0].bias: expected 128 items, got 127 items',
  ],
  [
    'bias of the next layer',
    perChannel,
    (m) => {
      m.layers[1].bias = m.layers[2].bias;
    },
    'layers[1].bias: expected 64 items, got 10 items',
  ],
  [
    'a bias NaN',
    perChannel,
    (m) => {
      m.layers[2].bias[4] = NaN;
    },
    'layers[2].bias[4]: expected a finite number, got NaN',
  ],
  [
    'a bias infinite (-1e999 in the JSON text)',
    () => JSON.stringify(perChannel()).replace(/"bias":\[[^,]+,/, '"bias":[-1e999,'),
    null,
    'layers[0].bias[0]: expected a finite number, got -Infinity',
  ],
  [
    'a bias null',
    perChannel,
    (m) => {
      m.layers[0].bias[0] = null;
    },
    'layers[0].bias[0]: expected a finite number, got null',
  ],
  [
    'a bias a string',
    perChannel,
    (m) => {
      m.layers[1].bias[63] = '0';
    },
    'layers[1].bias[63]: expected a finite number, got "0"',
  ],

  [
    'a scale whose 127 multiple overflows',
    perChannel,
    (m) => {
      m.layers[1].scales[2] = 1e307;
    },
    'layers[1].scales[2]: expected a positive number with 127*s finite, got 1e+307',
  ],
  [
    'per-layer scale of 1e308',
    perLayer,
    (m) => {
      m.layers[0].scale = 1e308;
    },
    'layers[0].scale: expected a positive number with 127*s finite, got 1e+308',
  ],
  [
    'weights with stray bits in the last char',
    perChannel,
    (m) => {
      m.layers[2].weights = m.layers[2].weights
        .replace(/(.)=*$/, (c) => String.fromCharCode(c.charCodeAt(0) ^ 1))
        .padEnd(m.layers[2].weights.length, '=');
    },
    /^layers\[2\]\.weights: expected a canonical base64 string, got "/,
  ],
  [
    'version with a trailing newline',
    perChannel,
    (m) => {
      m.version = '1.0.0\n';
    },
    'version: expected an ASCII X.Y.Z version, got "1.0.0\\n"',
  ],
  [
    'version with a fullwidth digit',
    perChannel,
    (m) => {
      m.version = '1.0.1\uff10';
    },
    'version: expected an ASCII X.Y.Z version, got "1.0.1\\uff10"', // escaped, as Python shows it
  ],
  [
    'huge declared outputs with a per-layer scale',
    perLayer,
    (m) => {
      m.layers[0].outputs = 1e9;
      m.layers[1].inputs = 1e9;
    },
    'layers[0].bias: expected 1000000000 items, got 128 items',
  ],
  [
    'outputs 2^32 with a per-layer scale',
    perLayer,
    (m) => {
      m.layers[0].outputs = 2 ** 32;
      m.layers[1].inputs = 2 ** 32;
    },
    'layers[0].bias: expected 4294967296 items, got 128 items',
  ],
  [
    'metadata nested 65 deep',
    perLayer,
    (m) => {
      let v = [];
      for (let i = 0; i < 62; i++) v = [v];
      m.metadata.deep = v;
    },
    'model: nested deeper than 64 levels',
  ],
  [
    'a cyclic object',
    perLayer,
    (m) => {
      m.metadata.self = m;
    },
    'model: nested deeper than 64 levels',
  ],
  ['bytes that are not UTF-8', () => Uint8Array.of(0x7b, 0xff, 0x7d), null, 'model: invalid UTF-8'],
  [
    'an ArrayBuffer that is not UTF-8',
    () => Uint8Array.of(0xc0, 0xaf).buffer,
    null,
    'model: invalid UTF-8',
  ],
];

// JSON text cannot hold NaN or Infinity (JSON.stringify writes null): such a model is tested
// as an object only. A case given as text (1e999) is tested as that text, its bytes and the
// bytes' ArrayBuffer.
const jsonSafe = (m) =>
  JSON.stringify(m, (_key, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? assert.fail('non-finite') : v,
  );
function plainObject(v) {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

// What JSON cannot carry: a non-finite number or a cycle, anywhere inside.
function uncarried(v, within = new Set()) {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (v === null || typeof v !== 'object') return false;
  if (within.has(v)) return true;
  within.add(v);
  const found = Object.values(v).some((x) => uncarried(x, within));
  within.delete(v);
  return found;
}

function forms(model) {
  if (typeof model === 'string') {
    const bytes = new TextEncoder().encode(model);
    return [model, bytes, bytes.buffer];
  }
  if (
    model === null ||
    typeof model !== 'object' ||
    Array.isArray(model) ||
    ArrayBuffer.isView(model) ||
    model instanceof ArrayBuffer
  )
    return [model];
  try {
    jsonSafe(model);
  } catch {
    return [model];
  }
  return [model, ...forms(JSON.stringify(model))];
}

for (const [what, base, change, message] of CASES) {
  test(`rejects: ${what}`, () => {
    const model = base();
    change?.(model);
    // Each broken model stays broken as text and as bytes: the same check runs on every form.
    const all = forms(model);
    // A model that JSON can carry is checked as text and bytes too: every string, and every
    // plain object without a non-finite number or a cycle.
    if (typeof model === 'string') assert.equal(all.length, 3, `${what}: not checked as bytes`);
    else if (plainObject(model) && !uncarried(model))
      assert.equal(all.length, 4, `${what}: not checked as text and bytes`);
    for (const form of all) {
      assert.throws(
        () => loadModel(form),
        (e) => {
          const Want = String(message).includes('model: invalid ') ? SyntaxError : TypeError;
          assert.ok(e instanceof Want, `${e.constructor.name}: ${e.message}`);
          if (message instanceof RegExp)
            assert.match(e.message.replace(/^loadModel: /, ''), message);
          else assert.equal(e.message, `loadModel: ${message}`);
          return true;
        },
        `form ${typeof form === 'string' ? 'text' : form?.constructor?.name}`,
      );
    }
  });
}

test('the text cases above (1e999) are checked in every form, not skipped', () => {
  const text = CASES.filter(([, base]) => typeof base() === 'string');
  assert.ok(text.length >= 3);
  for (const [, base] of text) assert.equal(forms(base()).length, 3);
});

test('accepts valid variants: per-layer, mixed, extra fields, other widths, JSON text', () => {
  for (const m of [
    perChannel(),
    perLayer(),
    makeModel([784, 10]),
    makeModel([784, 7, 10], { quantization: 'mixed' }),
  ]) {
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
  const m = perChannel(),
    copy = structuredClone(m);
  loadModel(m);
  assert.deepEqual(m, copy);
});
