// The shipped weights on the 10,000 real MNIST test digits: this engine must reproduce the
// int8 accuracy (and the confusion matrix, where recorded) that `digitnet export` measured with
// the Python reference, exactly. Needs MNIST: `digitnet data fetch`, or DIGITNET_MNIST_DIR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../src/index.js';
import {
  TEST_IMAGES,
  TEST_LABELS,
  argmax,
  mnistFile,
  parseIdx,
  sha256,
  shippedModel,
  toInput,
} from './helpers.js';

test('shipped weights: MNIST test accuracy equals metadata.int8Accuracy exactly', () => {
  const json = shippedModel();
  const { metadata } = json;
  assert.equal(typeof metadata.int8Accuracy, 'number', 'the shipped model records no int8Accuracy');

  const files = {};
  for (const name of [TEST_IMAGES, TEST_LABELS]) {
    files[name] = mnistFile(name);
    // The model card names the data it was measured on (digitnet verify refuses a version that
    // does not); other data cannot reproduce it.
    assert.equal(
      typeof metadata.dataSha256?.[name],
      'string',
      `metadata.dataSha256 has no ${name}`,
    );
    assert.equal(
      sha256(files[name]),
      metadata.dataSha256[name],
      `${name}: not the file the shipped model was evaluated on`,
    );
  }
  const images = parseIdx(files[TEST_IMAGES], TEST_IMAGES, 3);
  const labels = parseIdx(files[TEST_LABELS], TEST_LABELS, 1);
  assert.deepEqual(images.shape, [10000, 28, 28]);
  assert.deepEqual(labels.shape, [10000]);

  const model = loadModel(json);
  const confusion = Array.from({ length: 10 }, () => new Array(10).fill(0));
  let correct = 0;
  for (let k = 0; k < 10000; k++) {
    const p = model.predict(toInput(images.data.subarray(k * 784, (k + 1) * 784)));
    const guess = argmax(p),
      label = labels.data[k];
    confusion[label][guess]++;
    if (guess === label) correct++;
  }
  // Python's (pred == y).mean() is the same correctly rounded division.
  assert.equal(correct / 10000, metadata.int8Accuracy, `${correct}/10000 correct`);
  assert.ok(Array.isArray(metadata.confusion), 'the shipped model records no confusion matrix');
  assert.deepEqual(confusion, metadata.confusion, 'confusion matrix differs from the model card');
});
