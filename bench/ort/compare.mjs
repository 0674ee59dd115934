// nox -s bench: median time per digit of onnxruntime-web's wasm backend (one thread, float32,
// `await session.run` per digit, as a page would call it) and of @digitnet/engine's `predict`,
// on the 10,000 MNIST test digits in the same run. Prints one JSON object.
//
//   node bench/ort/compare.mjs MODEL_ONNX T10K_IMAGES_IDX [model.json]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { loadModel } from '../../js/src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const [onnxPath, imagesPath, modelPath = path.join(here, '..', '..', 'js', 'model.json')] = process.argv.slice(2);
if (!imagesPath) {
  console.error('usage: node bench/ort/compare.mjs MODEL_ONNX T10K_IMAGES_IDX [model.json]');
  process.exit(2);
}

const idx = fs.readFileSync(imagesPath);
const n = idx.readUInt32BE(4);
const pixels = (k) => idx.subarray(16 + 784 * k, 16 + 784 * (k + 1));
const x32 = Array.from({ length: n }, (_, k) => Float32Array.from(pixels(k), (v) => v / 255));
const x64 = Array.from({ length: n }, (_, k) => Float64Array.from(pixels(k), (v) => v / 255));

ort.env.wasm.numThreads = 1; // the engine uses one thread too
const session = await ort.InferenceSession.create(fs.readFileSync(onnxPath), { executionProviders: ['wasm'] });
const model = loadModel(fs.readFileSync(modelPath, 'utf8'));

const median = (xs) => Float64Array.from(xs).sort()[xs.length >> 1];
const WARMUP = 2, ROUNDS = 5;
const times = { ort: [], engine: [] };
let agree = 0;
for (let r = 0; r < WARMUP + ROUNDS; r++) {
  for (const name of r % 2 ? ['engine', 'ort'] : ['ort', 'engine']) {
    for (let k = 0; k < n; k++) {
      const t0 = performance.now();
      if (name === 'ort') await session.run({ x: new ort.Tensor('float32', x32[k], [1, 784]) });
      else model.predict(x64[k]);
      if (r >= WARMUP) times[name].push((performance.now() - t0) * 1000);
    }
  }
}
for (let k = 0; k < n; k++) {
  const q = (await session.run({ x: new ort.Tensor('float32', x32[k], [1, 784]) })).probs.data, p = model.predict(x64[k]);
  if (p.indexOf(Math.max(...p)) === q.indexOf(Math.max(...q))) agree++;
}
const ortUs = median(times.ort), engineUs = median(times.engine);
console.log(JSON.stringify({
  onnxruntimeWeb: JSON.parse(fs.readFileSync(path.join(here, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')).version,
  digits: n,
  rounds: ROUNDS,
  ortMedianUs: +ortUs.toFixed(2),
  engineMedianUs: +engineUs.toFixed(2),
  ratio: +(ortUs / engineUs).toFixed(2),
  argmaxAgreement: agree / n,
}, null, 2));
