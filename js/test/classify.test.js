// model.classify(x, k = 3) on both entries: the k most probable digits as {digit, probability},
// most probable first, ties lower digit first, the probabilities predict's own numbers. Python's
// Model.classify gives the same (python/tests/test_classify.py; nox -s parity on all of MNIST).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as core from '../src/index.js';
import * as wasm from '../src/wasm.js';
import {
  TEST_IMAGES,
  argmax,
  imageBytes,
  makeModel,
  mnistFile,
  shippedModel,
  toBase64,
  toInput,
} from './helpers.js';

const ENTRIES = { core, wasm };
let images;
const digit = (k) => {
  images ??= imageBytes(mnistFile(TEST_IMAGES), TEST_IMAGES);
  return toInput(images.subarray(784 * k, 784 * (k + 1)));
};

// The order classify must give, computed the obvious way: by probability, then by digit.
const expected = (p, k) =>
  Array.from(p, (probability, d) => ({ digit: d, probability }))
    .sort((a, b) => b.probability - a.probability || a.digit - b.digit)
    .slice(0, Math.max(0, Math.min(k, 10)));

for (const [name, entry] of Object.entries(ENTRIES)) {
  test(`${name}: the top k digits, most probable first, with predict's probabilities`, () => {
    const model = entry.loadModel(shippedModel());
    for (let k = 0; k < 50; k++) {
      const x = digit(k),
        p = model.predict(x);
      const top = model.classify(x);
      assert.equal(top.length, 3, 'k defaults to 3');
      assert.deepEqual(top, expected(p, 3));
      assert.deepEqual(model.classify(x, 10), expected(p, 10));
      assert.equal(top[0].digit, argmax(p), 'the first is the argmax');
      for (const { digit: d, probability } of model.classify(x, 10))
        assert.ok(Object.is(probability, p[d]));
    }
  });

  test(`${name}: k from 0 to 10, all ten above; a destructured classify works`, () => {
    const model = entry.loadModel(shippedModel()),
      x = digit(0);
    const all = model.classify(x, 10);
    for (let k = 0; k <= 10; k++)
      assert.deepEqual(model.classify(x, k), all.slice(0, k), `k = ${k}`);
    assert.deepEqual(model.classify(x, 11), all);
    assert.deepEqual(model.classify(x, 2 ** 53), all);
    assert.deepEqual(model.classify(x), all.slice(0, 3));
    const { classify } = model; // no `this`
    assert.deepEqual(classify(x, 2), all.slice(0, 2));
  });

  // FORMAT.md, "classify": k is an integer >= 0; Python's Model.classify refuses the same.
  test(`${name}: a k that is not an integer >= 0 is refused, before x is looked at`, () => {
    const model = entry.loadModel(shippedModel());
    for (const k of [-1, 2.5, NaN, Infinity, -Infinity, '3', true, null, 3n, Symbol('k'), [3]])
      for (const x of [digit(0), null])
        assert.throws(() => model.classify(x, k), {
          name: 'RangeError',
          message: /^classify: k is [^;]+; expected an integer >= 0$/,
        });
  });

  test(`${name}: the refusal names the k: a number by its value, anything else by its type`, () => {
    const model = entry.loadModel(shippedModel());
    for (const [k, shown] of [
      [2.5, '2.5'],
      [-1, '-1'],
      [NaN, 'NaN'],
      ['3', 'string'],
      [3n, 'bigint'],
    ])
      assert.throws(() => model.classify(digit(0), k), {
        message: `classify: k is ${shown}; expected an integer >= 0`,
      });
  });

  test(`${name}: ties keep the lower digit first`, () => {
    // Zero weights and equal biases: all ten logits equal, every probability exactly 0.1.
    const json = makeModel([784, 10]);
    json.layers[0].weights = toBase64(new Int8Array(7840));
    json.layers[0].bias = new Array(10).fill(0.25);
    const model = entry.loadModel(json),
      x = digit(3);
    assert.deepEqual(Array.from(model.predict(x)), new Array(10).fill(0.1));
    assert.deepEqual(
      model.classify(x, 10).map((c) => c.digit),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    // Two-way ties among the less probable: a model whose logits are 2, 1, 1, 0, 0, ...
    json.layers[0].bias = [0, 0, 1, 0, 2, 0, 1, 0, 0, 0];
    const tied = entry
      .loadModel(json)
      .classify(x, 10)
      .map((c) => c.digit);
    assert.deepEqual(tied, [4, 2, 6, 0, 1, 3, 5, 7, 8, 9]);
  });

  test(`${name}: bad inputs are refused as predict refuses them, named classify`, () => {
    const model = entry.loadModel(shippedModel());
    for (const x of [null, new Float64Array(783), [...new Float64Array(783), 255]]) {
      let predicted, classified;
      try {
        model.predict(x);
      } catch (e) {
        predicted = e;
      }
      try {
        model.classify(x);
      } catch (e) {
        classified = e;
      }
      assert.ok(classified, 'classify accepted a bad input');
      assert.equal(classified.constructor, predicted.constructor);
      assert.equal(classified.message, predicted.message.replace(/^predict:/, 'classify:'));
    }
  });
}

test('both entries classify alike', () => {
  const a = core.loadModel(shippedModel()),
    b = wasm.loadModel(shippedModel());
  for (let k = 0; k < 200; k++)
    assert.deepEqual(b.classify(digit(k), 10), a.classify(digit(k), 10));
});
