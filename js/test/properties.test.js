// Properties with fast-check: the loader on random damage to a valid model, predict's input
// rule, and preprocessing's invariants. (The twins against each other, and the two loaders
// against each other, are python/tests/test_fuzz.py: it drives this package from Python.)
// The normal run is short; `nox -s fuzz` sets FC_NUM_RUNS (and FC_SEED, printed; fast-check
// prints the seed and path of any counterexample, to replay with FC_SEED and fc's `path`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadModel, preprocess } from '../src/index.js';
import * as wasm from '../src/wasm.js';
import { makeModel, shippedModel, verdict } from './helpers.js';

const numRuns = Number(process.env.FC_NUM_RUNS || 150);
// fixed: the short run is the same every time
const seed = process.env.FC_SEED === undefined ? 42 : Number(process.env.FC_SEED);
fc.configureGlobal({ numRuns, seed });

// Every path inside a JSON value (keys and indices), long arrays sampled at both ends.
function paths(v, at = []) {
  if (v === null || typeof v !== 'object') return [];
  const keys = Array.isArray(v) ? (v.length > 8 ? [0, v.length - 1] : v.keys()) : Object.keys(v);
  return [...keys].flatMap((k) => [[...at, k], ...paths(v[k], [...at, k])]);
}

const BASE = makeModel([784, 3, 10], { quantization: 'mixed', seed: 11 });
const PATHS = paths(BASE);
const damage = fc.array(
  fc.record({
    path: fc.constantFrom(...PATHS),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(784, 784.0, 1e306, 1e307, 5e-324, -0, '1.0.0\n', '1.0.１', 'AAAA', 2 ** 32),
    ),
    remove: fc.boolean(),
  }),
  { minLength: 1, maxLength: 3 },
);

function apply(changes) {
  const m = structuredClone(BASE);
  for (const { path, value, remove } of changes) {
    let box = m;
    for (const k of path.slice(0, -1)) {
      if (box === null || typeof box !== 'object') return m;
      box = box[k];
    }
    if (box === null || typeof box !== 'object') continue;
    const k = path.at(-1);
    if (remove && Array.isArray(box)) box.splice(k, 1);
    else if (remove) delete box[k];
    else box[k] = structuredClone(value); // each document its own copy: disguise() edits one
  }
  return m;
}

test('loader: random damage, as object, text or bytes: its own error or a model', () => {
  fc.assert(
    fc.property(damage, (changes) => {
      const m = apply(changes);
      const text = JSON.stringify(m);
      const got = verdict(m);
      // -0 becomes 0 in JSON text and nothing else differs: every form gets the same verdict
      assert.equal(verdict(text), got, 'text');
      assert.equal(verdict(new TextEncoder().encode(text)), got, 'bytes');
    }),
  );
});

test('loader: any JSON value at all is refused cleanly, never crashing', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
      const field = verdict(JSON.stringify(v));
      assert.notEqual(field, null);
    }),
  );
});

test('loader: any bytes at all are refused cleanly', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      assert.notEqual(verdict(b), null);
    }),
  );
});

// Issue 23 item 7: the object API is judged on a snapshot of own data properties. A damaged
// document is disguised (getters, symbol keys, holes, Proxies, a polluted prototype) and must
// get its plain twin's verdict, where a getter's property is undefined and a hole an undefined
// item, on both entries, the message word for word.
const disguises = fc.array(
  fc.record({
    path: fc.constantFrom(...PATHS),
    how: fc.constantFrom('getter', 'symbol', 'hole', 'proxy', 'polluted'),
  }),
  { minLength: 1, maxLength: 4 },
);

function container(doc, path) {
  let box = doc;
  for (const k of path.slice(0, -1)) {
    if (box === null || typeof box !== 'object') return null;
    box = box[k];
  }
  return box !== null && typeof box === 'object' ? box : null;
}

function disguise(changes, steps) {
  const hostile = apply(changes),
    plain = apply(changes),
    polluted = [];
  for (const { path, how } of steps.filter((s) => s.how !== 'proxy')) {
    const [box, twin, k] = [container(hostile, path), container(plain, path), path.at(-1)];
    if (!box || !twin || !Object.hasOwn(box, k)) continue;
    if (how === 'getter') {
      let calls = 0;
      const value = box[k];
      Object.defineProperty(box, k, { enumerable: true, get: () => (calls++ ? value : 0) });
      twin[k] = undefined;
    } else if (how === 'symbol') box[Symbol(String(k))] = box[k];
    else if (how === 'hole' && Array.isArray(box)) {
      delete box[k];
      twin[k] = undefined;
    } else if (how === 'polluted') {
      // missing from both, and on Object.prototype (arrays inherit it too) with its valid value
      polluted.push([String(k), box[k]]);
      delete box[k];
      delete twin[k];
    }
  }
  for (const { path } of steps.filter((s) => s.how === 'proxy')) {
    const box = container(hostile, path),
      k = path.at(-1),
      d = box && Object.getOwnPropertyDescriptor(box, k); // a getter's value stays hidden
    if (d && 'value' in d && d.value !== null && typeof d.value === 'object')
      box[k] = new Proxy(d.value, {});
  }
  return { hostile, plain, polluted };
}

function message(load, doc) {
  try {
    load(doc);
    return null;
  } catch (e) {
    return `${e.constructor.name}: ${e.message}`;
  }
}

test("loader: a disguised document gets its plain twin's verdict, on both entries", () => {
  fc.assert(
    fc.property(damage, disguises, (changes, steps) => {
      const { hostile, plain, polluted } = disguise(changes, steps);
      const want = message(loadModel, plain);
      for (const [k, v] of polluted) Object.prototype[k] = v;
      try {
        assert.equal(message(loadModel, hostile), want, 'core');
        assert.equal(message(wasm.loadModel, hostile), want, 'wasm');
      } finally {
        for (const [k] of polluted) delete Object.prototype[k];
      }
    }),
  );
});

const model = loadModel(shippedModel());

test('inputs: predict takes 784 numbers exactly when every one is in [0, 1]', () => {
  const anyDouble = fc.oneof(
    fc.double({ min: 0, max: 1 }),
    fc.double(),
    fc.constantFrom(255, 1 + 2 ** -52, -Number.MIN_VALUE, -0, 1, 0),
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(783), anyDouble), { maxLength: 4 }), (changes) => {
      const x = new Float64Array(784).fill(0.5);
      for (const [i, v] of changes) x[i] = v;
      const bad = x.findIndex((v) => !(v >= 0 && v <= 1));
      if (bad < 0) assert.equal(model.predict(x).length, 10);
      else
        assert.throws(
          () => model.predict(x),
          (e) => e instanceof RangeError && e.message.startsWith(`predict: x[${bad}] is `),
        );
    }),
  );
});

// A canvas with a few strokes or pixels, any ink mode.
const canvas = fc.record({
  width: fc.integer({ min: 1, max: 60 }),
  height: fc.integer({ min: 1, max: 60 }),
  marks: fc.array(
    fc.record({
      x: fc.nat(59),
      y: fc.nat(59),
      w: fc.integer({ min: 1, max: 8 }),
      h: fc.integer({ min: 1, max: 8 }),
      rgba: fc.array(fc.nat(255), { minLength: 4, maxLength: 4 }),
    }),
    { maxLength: 5 },
  ),
  ink: fc.constantFrom('alpha', 'dark', 'light'),
});

function paint({ width, height, marks }, W = width, H = height, dx = 0, dy = 0) {
  const rgba = new Uint8ClampedArray(W * H * 4);
  if (W !== width || H !== height)
    // transparent white: no ink in any mode
    for (let i = 0; i < W * H; i++) rgba.set([255, 255, 255, 0], i * 4);
  for (const { x, y, w, h, rgba: c } of marks) {
    for (let j = y; j < Math.min(y + h, height); j++)
      for (let i = x; i < Math.min(x + w, width); i++) rgba.set(c, ((j + dy) * W + i + dx) * 4);
  }
  return rgba;
}

// PREPROCESS.md's ink of each pixel, from its table (not the engine's code): over 0.05 anywhere?
function hasInk(rgba, ink) {
  for (let q = 0; q < rgba.length; q += 4) {
    const a = rgba[q + 3] / 255,
      s = rgba[q] + rgba[q + 1] + rgba[q + 2];
    const v = ink === 'alpha' ? a : ink === 'dark' ? a * (1 - s / 765) : a * (s / 765);
    if (v > 0.05) return true;
  }
  return false;
}

test('preprocess: null or 784 values in [0, 1], whatever is drawn', () => {
  fc.assert(
    fc.property(canvas, (c) => {
      const rgba = paint(c);
      const out = preprocess(rgba, c.width, c.height, { ink: c.ink });
      // null means no pixel has ink over 0.05 (PREPROCESS.md's rule, computed here from its table)
      assert.equal(out === null, !hasInk(rgba, c.ink), 'null if and only if no ink');
      if (out === null) return;
      assert.equal(out.length, 784);
      assert.ok(
        out.every((v) => v >= 0 && v <= 1),
        'outside [0, 1]',
      );
      assert.ok(
        out.some((v) => v > 0),
        'ink found but nothing drawn',
      );
    }),
  );
});

test('preprocess: where the drawing sits on a larger empty canvas changes nothing', () => {
  const placed = fc.tuple(canvas, fc.nat(30), fc.nat(30), fc.nat(30), fc.nat(30));
  fc.assert(
    fc.property(placed, ([c, left, top, right, bottom]) => {
      const W = c.width + left + right,
        H = c.height + top + bottom;
      const alone = preprocess(paint(c), c.width, c.height, { ink: c.ink });
      const inside = preprocess(paint(c, W, H, left, top), W, H, { ink: c.ink });
      assert.deepEqual(inside, alone);
    }),
  );
});
