// Classify MNIST test digits with @digitnet/engine in Node:
//   node classify.mjs t10k-images-idx3-ubyte t10k-labels-idx1-ubyte [COUNT]
// (the MNIST test files; `digitnet data fetch` prints where it caches them). The weights file is
// read from the package and checked against `weights.integrity` first, as a browser would.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadModel, weights } from '@digitnet/engine';

const [images, labels, count = '10000'] = process.argv.slice(2);
if (!labels) {
  console.error('usage: node classify.mjs IMAGES_IDX LABELS_IDX [COUNT]');
  process.exit(2);
}

const bytes = readFileSync(createRequire(import.meta.url).resolve('@digitnet/engine/model.json'));
const digest = `sha256-${createHash('sha256').update(bytes).digest('base64')}`;
if (digest !== weights.integrity) throw new Error(`model.json is not weights ${weights.version}`);
const model = loadModel(bytes);

// IDX files: a 16-byte header, then 28x28 bytes per image; labels after an 8-byte header.
const pixels = readFileSync(images).subarray(16);
const answers = readFileSync(labels).subarray(8);
const n = Math.min(Number(count), answers.length);
let right = 0;
for (let i = 0; i < n; i++) {
  const x = Float64Array.from(pixels.subarray(i * 784, (i + 1) * 784), (v) => v / 255);
  if (model.classify(x, 1)[0].digit === answers[i]) right++;
}
console.log(`weights ${model.info.version}: ${right} of ${n} test digits right`);
