// The engine's behaviour: results against a naive reference of FORMAT.md, forward against
// predict, input checks, info. Synthetic inputs and models: no MNIST needed here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadModel, preprocess } from '../src/index.js';
import { TOLERANCE, replay } from '../parity/replay.mjs';
import {
  FIXTURES,
  argmax,
  makeModel,
  maxDiff,
  readJSON,
  reference,
  rng,
  shippedModel,
  softmax,
} from './helpers.js';

// Inputs that reach every path of the engine: no ink, full ink, nonzero counts on both sides
// of multiples of eight (the block size), a dense random input, sparse random digits.
function inputs() {
  const r = rng(7),
    out = [];
  out.push({ name: 'all zeros', x: new Float64Array(784) });
  out.push({ name: 'all ones', x: new Float64Array(784).fill(1) });
  out.push({
    name: 'one pixel at the corner',
    x: Float64Array.from({ length: 784 }, (_, i) => (i === 0 ? 1 : 0)),
  });
  out.push({
    name: 'one pixel at the end',
    x: Float64Array.from({ length: 784 }, (_, i) => (i === 783 ? 0.5 : 0)),
  });
  out.push({ name: 'dense random in [0, 1]', x: Float64Array.from({ length: 784 }, () => r()) });
  for (const n of [1, 7, 8, 9, 15, 16, 17, 150, 151, 783]) {
    const x = new Float64Array(784);
    for (let k = 0; k < n; k++) x[Math.floor(r() * 784)] = r();
    out.push({ name: `about ${n} random nonzero pixels`, x });
  }
  return out;
}

// The naive reference sums input by input from +0 and adds the bias last, as FORMAT.md's
// reference does; the engine keeps that order, so every number must be the same double
// (Object.is: the sign of a zero counts too), probabilities included (same softmax steps).
function assertSame(got, want, what) {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    assert.ok(
      Object.is(got[i], want[i]),
      `${what}[${i}]: ${got[i]} vs reference ${want[i]} (diff ${got[i] - want[i]})`,
    );
  }
}

function checkAgainstReference(json, label) {
  const model = loadModel(json);
  for (const { name, x } of inputs()) {
    const got = model.forward(x),
      want = reference(json, x);
    assertSame(got.logits, want.logits, `${label}, ${name}: logits`);
    assert.equal(got.hidden.length, want.hidden.length);
    got.hidden.forEach((h, k) => {
      assertSame(h, want.hidden[k], `${label}, ${name}: hidden[${k}]`);
    });
    assertSame(got.probs, want.probs, `${label}, ${name}: probs`);
  }
}

test('equals the naive reference, bit for bit, on the shipped weights', () => {
  checkAgainstReference(shippedModel(), 'shipped model');
});

test('equals the naive reference with per-channel, per-layer and mixed quantization', () => {
  for (const quantization of ['per-channel', 'per-layer', 'mixed']) {
    checkAgainstReference(makeModel([784, 128, 64, 10], { quantization, seed: 3 }), quantization);
  }
});

test('any architecture the format allows: one layer, three hidden layers, odd widths', () => {
  checkAgainstReference(makeModel([784, 10], { seed: 4 }), '784-10');
  checkAgainstReference(makeModel([784, 33, 17, 5, 10], { seed: 5 }), '784-33-17-5-10');
});

test('4-bit and mixed-width layers, odd level counts (a padding nibble) included', () => {
  checkAgainstReference(makeModel([784, 128, 64, 10], { bits: [4, 4, 4], seed: 6 }), '4-bit');
  checkAgainstReference(makeModel([784, 33, 17, 5, 10], { bits: [4, 8, 4, 8], seed: 7 }), 'mixed');
  checkAgainstReference(
    makeModel([784, 3, 5, 10], { bits: [8, 4, 4], quantization: 'per-layer', seed: 8 }),
    '8-4-4 per layer',
  );
});

test('matches the parity file of the shipped weights version', () => {
  const json = shippedModel();
  const file = path.join(FIXTURES, 'weights', json.version, 'parity.json');
  assert.ok(
    fs.existsSync(file),
    `${file}: missing; the shipped weights version must have its parity file`,
  );
  const parity = readJSON(file);
  assert.equal(parity.weightsVersion, json.version);
  assert.ok(parity.cases.length > 0, 'parity file has no cases');
  const model = loadModel(json);
  const said = replay(parity, (x) => model.forward(x), file); // throws naming the worst case
  assert.equal(said.cases, parity.cases.length);
});

test('predict gives 10 probabilities that sum to 1', () => {
  const model = loadModel(shippedModel());
  for (const { name, x } of inputs()) {
    const p = model.predict(x);
    assert.ok(p instanceof Float64Array, name);
    assert.equal(p.length, 10, name);
    assert.ok(
      p.every((v) => v >= 0 && v <= 1),
      `${name}: ${p}`,
    );
    assert.ok(
      Math.abs(p.reduce((s, v) => s + v, 0) - 1) <= TOLERANCE,
      `${name}: sum ${p.reduce((s, v) => s + v, 0)}`,
    );
  }
});

test('forward agrees with predict and exposes the hidden activations', () => {
  const json = shippedModel();
  const model = loadModel(json);
  for (const { name, x } of inputs()) {
    const f = model.forward(x);
    assert.deepEqual(f.probs, model.predict(x), name);
    assert.deepEqual(
      f.hidden.map((h) => h.length),
      json.layers.slice(0, -1).map((L) => L.outputs),
      name,
    );
    assert.ok(
      f.hidden.every((h) => h instanceof Float64Array && h.every((v) => v >= 0)),
      `${name}: hidden not ReLU'd`,
    );
    assert.ok(f.logits instanceof Float64Array && f.logits.length === 10, name);
    assert.equal(argmax(f.logits), argmax(f.probs), name);
    // softmax of the returned logits gives the returned probabilities
    assert.ok(maxDiff(f.probs, softmax(f.logits)).diff <= 1e-15, name);
  }
});

test('every call returns new arrays, and mutating them changes nothing', () => {
  const model = loadModel(shippedModel());
  const x = inputs()[6].x;
  const a = model.predict(x),
    f1 = model.forward(x);
  const keep = {
    a: a.slice(),
    probs: f1.probs.slice(),
    logits: f1.logits.slice(),
    hidden: f1.hidden.map((h) => h.slice()),
  };
  const b = model.predict(inputs()[1].x),
    f2 = model.forward(inputs()[1].x);
  assert.notEqual(a, b);
  assert.notEqual(f1.logits, f2.logits);
  f1.hidden.forEach((h, k) => {
    assert.notEqual(h, f2.hidden[k]);
  });
  assert.deepEqual(
    { a, probs: f1.probs, logits: f1.logits, hidden: f1.hidden },
    keep,
    'a later call overwrote returned arrays',
  );
  a.fill(NaN);
  f1.hidden[0].fill(-1);
  f1.logits.fill(0);
  assert.deepEqual(model.predict(x), keep.a);
});

test("the model does not keep or modify the caller's input", () => {
  const model = loadModel(shippedModel());
  const x = inputs()[6].x,
    copy = x.slice();
  const p = model.predict(x);
  assert.deepEqual(x, copy);
  x.fill(0);
  assert.deepEqual(model.predict(copy), p);
});

test('accepts any array-like of numbers', () => {
  const model = loadModel(shippedModel());
  const x = inputs()[6].x;
  const want = model.predict(x);
  const like = { length: 784 };
  x.forEach((v, i) => {
    like[i] = v;
  });
  for (const [name, input] of [
    ['Array', Array.from(x)],
    ['array-like object', like],
  ]) {
    assert.deepEqual(model.predict(input), want, name);
  }
  // Float32 rounds the values, so compare with the float64 of the same float32 values
  const f32 = Float32Array.from(x);
  assert.deepEqual(model.predict(f32), model.predict(Float64Array.from(f32)));
  const binary = Uint8Array.from(x, (v) => (v > 0.5 ? 1 : 0));
  assert.deepEqual(model.predict(binary), model.predict(Array.from(binary)));
});

test('the JSON text loads the same model as the parsed object', () => {
  const json = shippedModel();
  const x = inputs()[6].x;
  assert.deepEqual(loadModel(JSON.stringify(json)).predict(x), loadModel(json).predict(x));
});

test('wrong inputs are refused with what was expected', () => {
  const model = loadModel(shippedModel());
  const good = () => new Array(784).fill(0.5);
  const with_ = (i, v) => {
    const x = good();
    x[i] = v;
    return x;
  };
  const range = 'expected numbers in [0, 1] (pixel bytes / 255)';
  const cases = [
    [undefined, TypeError, 'expected an array-like of 784 numbers, got undefined'],
    [null, TypeError, 'expected an array-like of 784 numbers, got object'],
    [784, TypeError, 'expected an array-like of 784 numbers, got number'],
    ['0'.repeat(784), TypeError, 'expected an array-like of 784 numbers, got string'],
    [{}, TypeError, 'expected an array-like of 784 numbers, got object'],
    [new Array(783).fill(0), RangeError, 'expected 784 values, got 783'],
    [new Array(785).fill(0), RangeError, 'expected 784 values, got 785'],
    [[], RangeError, 'expected 784 values, got 0'],
    [new Float64Array(28 * 28 * 4), RangeError, 'expected 784 values, got 3136'],
    [with_(12, NaN), RangeError, `x[12] is NaN; ${range}`],
    [with_(0, Infinity), RangeError, `x[0] is Infinity; ${range}`],
    [with_(783, -Infinity), RangeError, `x[783] is -Infinity; ${range}`],
    [Float32Array.from(with_(5, NaN)), RangeError, `x[5] is NaN; ${range}`],
    // pixel bytes not divided by 255, and values just outside [0, 1]
    [Uint8Array.from({ length: 784 }, (_, i) => i % 256), RangeError, `x[2] is 2; ${range}`],
    [Float64Array.from({ length: 784 }, (_, i) => i % 256), RangeError, `x[2] is 2; ${range}`],
    [with_(9, 255), RangeError, `x[9] is 255; ${range}`],
    [with_(9, 1.0000000000000002), RangeError, `x[9] is 1.0000000000000002; ${range}`],
    [with_(9, -Number.MIN_VALUE), RangeError, `x[9] is -5e-324; ${range}`],
    [with_(9, -1), RangeError, `x[9] is -1; ${range}`],
    [with_(3, '0.5'), TypeError, `x[3] is string; ${range}`],
    [with_(3, '0'), TypeError, `x[3] is string; ${range}`],
    [with_(4, null), TypeError, `x[4] is null; ${range}`],
    [with_(5, undefined), TypeError, `x[5] is undefined; ${range}`],
    [with_(6, false), TypeError, `x[6] is boolean; ${range}`],
    [with_(6, true), TypeError, `x[6] is boolean; ${range}`],
    [with_(7, 1n), TypeError, `x[7] is bigint; ${range}`],
    [with_(8, [0.5]), TypeError, `x[8] is object; ${range}`],
    [with_(8, new Number(0.5)), TypeError, `x[8] is object; ${range}`],
    [new Array(784), TypeError, `x[0] is undefined; ${range}`],
  ];
  for (const fn of ['predict', 'forward']) {
    for (const [x, name, message] of cases) {
      assert.throws(
        () => model[fn](x),
        (e) => {
          assert.equal(
            e.constructor,
            name,
            `${fn}: ${message}: got ${e.constructor.name}: ${e.message}`,
          );
          assert.equal(e.message, `${fn}: ${message}`);
          return true;
        },
      );
    }
  }
});

test('the ends of [0, 1] are inputs: 0, -0, 1 and 0/1 bytes', () => {
  const model = loadModel(shippedModel());
  const x = Float64Array.from({ length: 784 }, (_, i) => [0, -0, 1, 0.5][i % 4]);
  assert.deepEqual(model.predict(x), model.predict(Array.from(x, (v) => v + 0)));
  const bits = Uint8Array.from({ length: 784 }, (_, i) => i % 3 === 0);
  assert.deepEqual(model.predict(bits), model.predict(Float64Array.from(bits)));
});

test('info describes the loaded file', () => {
  const json = shippedModel();
  const { info } = loadModel(json);
  assert.equal(info.version, json.version);
  assert.deepEqual(info.architecture, [784, ...json.layers.map((L) => L.outputs)]);
  assert.deepEqual(
    loadModel(json).info.architecture,
    [784, 128, 64, 10],
    'the shipped model is 784-128-64-10',
  );
  assert.equal(
    info.quantization,
    json.layers.every((L) => 'scales' in L) ? 'per-channel' : 'per-layer',
  );
  assert.equal(info.floatAccuracy, json.metadata.floatAccuracy);
  assert.equal(info.int8Accuracy, json.metadata.int8Accuracy);
  assert.equal(typeof info.int8Accuracy, 'number');
  assert.deepEqual(info.metadata, json.metadata);

  const synthetic = (quantization) => loadModel(makeModel([784, 20, 10], { quantization })).info;
  assert.equal(synthetic('per-channel').quantization, 'per-channel');
  assert.equal(synthetic('per-layer').quantization, 'per-layer');
  assert.equal(synthetic('mixed').quantization, 'mixed');
  assert.deepEqual(synthetic('mixed').architecture, [784, 20, 10]);
  assert.equal(synthetic('mixed').int8Accuracy, null, 'no accuracy in the metadata: null');
});

test('preprocess is exported and feeds predict: a drawn 1 reads 1, a drawn 0 reads 0', () => {
  assert.equal(typeof preprocess, 'function');
  const model = loadModel(shippedModel());
  const w = 100,
    h = 100;
  const draw = (inked) => {
    const rgba = new Uint8ClampedArray(w * h * 4);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) if (inked(x, y)) rgba[(y * w + x) * 4 + 3] = 255;
    return preprocess(rgba, w, h);
  };
  const one = draw((x, y) => y >= 20 && y < 80 && x >= 45 && x < 55); // a vertical bar
  const ring = (x, y) =>
    y >= 20 && y < 80 && x >= 30 && x < 70 && (y < 28 || y > 72 || x < 38 || x > 62);
  for (const [digit, x] of [
    [1, one],
    [0, draw(ring)],
  ]) {
    assert.equal(x.length, 784);
    const p = model.predict(x);
    assert.ok(Math.abs(p.reduce((s, v) => s + v, 0) - 1) <= TOLERANCE);
    assert.equal(
      argmax(p),
      digit,
      `a drawn ${digit} reads ${argmax(p)}: ${Array.from(p, (v) => v.toFixed(3))}`,
    );
    assert.ok(p[digit] > 0.9, `a drawn ${digit} at ${p[digit]}`);
  }
  assert.equal(
    preprocess(new Uint8ClampedArray(w * h * 4), w, h),
    null,
    'an empty drawing gives null',
  );
});
