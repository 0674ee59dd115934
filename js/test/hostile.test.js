// Hostile input, second pass (issue 23): messages without raw control characters (item 4), the
// object API judged on a snapshot of own data properties and files of 140,002 layers (item 7),
// and the wasm entry falling back to the core when its memory cannot grow (item 8). Each case
// runs on both entries, which must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as core from '../src/index.js';
import * as wasm from '../src/wasm.js';
import { TOLERANCE } from '../parity/replay.mjs';
import { JS, makeModel, shippedModel, toBase64 } from './helpers.js';

const ENTRIES = { core, wasm };
const PRINTABLE = /^[ -~]*$/;

// The message each entry gives for `doc`, which must be the same for both (or null if valid).
function message(doc) {
  const got = Object.values(ENTRIES).map(({ loadModel }) => {
    try {
      loadModel(typeof doc === 'function' ? doc() : doc);
      return null;
    } catch (e) {
      return `${e.name}: ${e.message}`;
    }
  });
  assert.equal(got[0], got[1], 'the core and the wasm entry disagree');
  return got[0];
}

// --- item 4: every character outside printable ASCII escaped, as Python writes it -------------

test('a file starting with ESC[2J is named, not replayed to the terminal', () => {
  const text = '\x1b[2J\x1b[H{"format": 1}';
  for (const doc of [text, new TextEncoder().encode(text)]) {
    const m = message(doc);
    assert.match(m, /^SyntaxError: loadModel: model: invalid JSON \(.*\\u001b.*\)$/);
    assert.match(m, PRINTABLE);
  }
});

// The same strings, shown the same way by Python's loader (python/tests/test_hostile_api.py).
export const SHOWN = [
  ['\x1b[2J', '"\\u001b[2J"'],
  ['a\nb\r\tc', '"a\\nb\\r\\tc"'],
  ['\u2028\u2029\u0085\u202e\u200f', '"\\u2028\\u2029\\u0085\\u202e\\u200f"'],
  ['\x7f\u00e9\ud83d\ude00', '"\\u007f\\u00e9\\ud83d\\ude00"'],
  ['\ud800 lone', '"\\ud800 lone"'],
  ['"quoted" \\', '"\\"quoted\\" \\\\"'],
];

test('strings in messages: control, separator and bidi characters escaped', () => {
  for (const [value, shown] of SHOWN) {
    const doc = { ...shippedModel(), format: value };
    const m = message(doc);
    assert.equal(m, `TypeError: loadModel: format: expected "digitnet-mlp", got ${shown}`);
    assert.match(m, PRINTABLE);
    assert.match(message(JSON.stringify(doc)), PRINTABLE);
  }
});

// --- item 7: limits, holes, getters, Proxies, Symbols, a polluted prototype --------------------

// A valid model of 784 -> 1 -> 1 -> ... -> 1 -> 10 with `layers` layers: each hidden layer is
// 1 -> 1 with weight 1 and scale 1, so every activation stays small.
function deep(layers) {
  const m = makeModel([784, 1, 10]);
  const hidden = {
    inputs: 1,
    outputs: 1,
    activation: 'relu',
    weights: 'AQ==',
    scale: 1,
    bias: [0],
  };
  const middle = Array.from({ length: layers - 2 }, () => ({ ...hidden }));
  return { ...m, layers: [m.layers[0]].concat(middle, [m.layers[1]]) }; // no spread: the stack
}

test('a valid file of 140,002 layers loads and predicts on both entries', () => {
  const doc = JSON.stringify(deep(140002));
  const x = new Float64Array(784).fill(0.5);
  const p = core.loadModel(doc).predict(x);
  assert.equal(Math.abs(p.reduce((a, b) => a + b) - 1) < TOLERANCE, true);
  const fast = wasm.loadModel(doc);
  assert.deepEqual(Array.from(fast.predict(x)), Array.from(p));
  assert.equal(fast.info.architecture.length, 140003);
});

test('holes in layers are refused at load, by both entries', () => {
  const m = makeModel([784, 4, 10]);
  assert.equal(
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is tested
    message({ ...m, layers: [, ...m.layers] }),
    'TypeError: loadModel: layers[0]: expected an object, got undefined',
  );
  const sparse = [...m.layers];
  sparse.length = 2 ** 32 - 1; // a hole at 2 and a length no loop could walk: layers[1] is
  assert.equal(
    message({ ...m, layers: sparse }), // not the last, so its activation is the first fault
    'TypeError: loadModel: layers[1].activation: expected "relu", got "softmax"',
  );
  const bias = [...m.layers[0].bias];
  delete bias[2];
  delete bias[3]; // two holes: the copy stops past the first, the length stays 4
  const layers = [{ ...m.layers[0], bias }, m.layers[1]];
  assert.equal(
    message({ ...m, layers }),
    'TypeError: loadModel: layers[0].bias[2]: expected a finite number, got undefined',
  );
});

test('a getter is not a data property: it is never called, and the field is missing', () => {
  let calls = 0;
  const m = shippedModel();
  Object.defineProperty(m, 'format', {
    enumerable: true,
    get: () => (calls++ ? 'digitnet-mlp' : 'x'),
  });
  assert.equal(message(m), 'TypeError: loadModel: format: expected "digitnet-mlp", got undefined');
  assert.equal(calls, 0);
});

test('a Proxy is asked once per key, never through get, and judged on that answer', () => {
  const asked = new Map();
  const spy = (target, where) =>
    new Proxy(target, {
      get(t, k) {
        asked.set(`get ${where}.${String(k)}`, 1);
        return t[k];
      },
      getOwnPropertyDescriptor(t, k) {
        const key = `${where}.${String(k)}`;
        asked.set(key, (asked.get(key) ?? 0) + 1);
        return Reflect.getOwnPropertyDescriptor(t, k);
      },
    });
  const m = makeModel([784, 4, 10]);
  const doc = () => spy({ ...m, layers: m.layers.map((L, k) => spy(L, `layers[${k}]`)) }, 'doc');
  for (const { loadModel } of Object.values(ENTRIES)) {
    asked.clear();
    const x = new Float64Array(784).fill(0.25);
    assert.deepEqual(
      Array.from(loadModel(doc()).predict(x)),
      Array.from(core.loadModel(m).predict(x)),
    );
    assert.deepEqual(
      [...asked].filter(([k, n]) => k.startsWith('get ') || n !== 1),
      [],
      'each own property read once, by its descriptor',
    );
  }
});

test('symbols: as values they are shown, as keys they are not the file', () => {
  const m = shippedModel();
  assert.equal(
    message({ ...m, version: Symbol('1.0.0') }),
    'TypeError: loadModel: version: expected an ASCII X.Y.Z version, got Symbol(1.0.0)',
  );
  const { format, ...rest } = m;
  assert.equal(
    message({ ...rest, [Symbol('format')]: format }),
    'TypeError: loadModel: format: expected "digitnet-mlp", got undefined',
  );
  assert.equal(message({ ...m, [Symbol('x')]: 1 }), null);
});

test('a polluted Object.prototype or Array.prototype does not change a verdict', () => {
  const m = makeModel([784, 4, 10], { quantization: 'per-layer' });
  const { scale, ...noScale } = m.layers[0];
  const { format, ...noFormat } = m;
  const cases = [
    [
      { ...m, layers: [noScale, m.layers[1]] },
      'TypeError: loadModel: layers[0].scales: expected one of "scales" and "scale"',
    ],
    [
      // biome-ignore lint/suspicious/noSparseArray: the hole is what is tested
      { ...m, layers: [, m.layers[1]] },
      'TypeError: loadModel: layers[0]: expected an object, got undefined',
    ],
    [noFormat, 'TypeError: loadModel: format: expected "digitnet-mlp", got undefined'],
  ];
  const clean = cases.map(([doc]) => message(doc));
  const polluted = { scale, scales: [1, 1, 1, 1], format };
  Object.assign(Object.prototype, polluted);
  Array.prototype[0] = m.layers[0];
  try {
    cases.forEach(([doc, want], k) => {
      assert.equal(message(doc), want);
      assert.equal(clean[k], want);
    });
  } finally {
    for (const key in polluted) delete Object.prototype[key];
    delete Array.prototype[0];
  }
});

// --- item 8: the wasm entry under a memory cap ------------------------------------------------

test('the wasm entry falls back to the core when its memory cannot grow', () => {
  const url = pathToFileURL(path.join(JS, 'src', 'wasm.js')).href;
  const script = `import { loadModel } from ${JSON.stringify(url)};
    import fs from 'node:fs';
    const m = loadModel(fs.readFileSync(${JSON.stringify(path.join(JS, 'model.json'))}));
    const p = Array.from(m.predict(new Float64Array(784).fill(0.5)));
    console.log(JSON.stringify({ backend: m.info.backend, p }));`;
  // The shipped model needs 14 pages of 64 KiB in the kernel's layout: 8 are not enough.
  const run = spawnSync(
    process.execPath,
    ['--wasm-max-mem-pages=8', '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.equal(out.backend, 'js');
  const want = core.loadModel(shippedModel()).predict(new Float64Array(784).fill(0.5));
  assert.deepEqual(out.p, Array.from(want));
});

test('an N -> 1 layer: the wasm entry answers as the core does', () => {
  const doc = makeModel([784, 3000, 1, 10]);
  const x = new Float64Array(784).fill(1 / 3);
  assert.deepEqual(
    Array.from(wasm.loadModel(doc).predict(x)),
    Array.from(core.loadModel(doc).predict(x)),
  );
  assert.equal(toBase64([1]), 'AQ==');
});

// --- item 1: no valid file gives a non-finite number ------------------------------------------

test('every conformance case is refused or predicts finite numbers on both entries', async () => {
  const { readJSON, FIXTURES, documentBytes } = await import('./helpers.js');
  const cases = readJSON(path.join(FIXTURES, 'conformance', 'model-cases.json')).cases;
  const inputs = [new Float64Array(784), new Float64Array(784).fill(1)];
  inputs.push(Float64Array.from({ length: 784 }, (_, i) => (i % 7) / 6));
  let loaded = 0;
  for (const c of cases) {
    for (const { loadModel } of Object.values(ENTRIES)) {
      let m;
      try {
        m = loadModel(documentBytes(c));
      } catch {
        continue; // refused: conformance.test.js checks that it should be
      }
      loaded++;
      for (const x of inputs) {
        const { probs, logits, hidden } = m.forward(x);
        for (const v of [...probs, ...logits, ...hidden.flatMap((h) => [...h])])
          assert.ok(Number.isFinite(v), `${c.description}: ${v}`);
      }
    }
  }
  assert.ok(loaded >= 80, `${loaded} loaded`);
});
