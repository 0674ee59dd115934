// nox -s bench: median time per digit of onnxruntime-web's wasm backend (one thread, float32,
// `await session.run` per digit, as a page would call it), of @digitnet/engine's `predict` (the
// core) and of @digitnet/engine/wasm's, on the 10,000 MNIST test digits in the same process.
// Each round runs every engine on every digit, the order rotating from round to round, so that
// a burst of load on the (shared) machine hits all three alike; the spread is the range of the
// per-round medians. Prints one JSON object.
//
//   node bench/ort/compare.mjs MODEL_ONNX T10K_IMAGES_IDX [model.json] [rounds, default 6]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { loadModel } from '../../js/src/index.js';
import { loadModel as loadWasm } from '../../js/src/wasm.js';
import { median } from '../../js/bench/stats.js';
import { imageBytes, toInput } from '../../js/data/mnist.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const [onnxPath, imagesPath, modelPath = path.join(here, '..', '..', 'js', 'model.json'), rounds = '6'] = process.argv.slice(2);
if (!imagesPath) {
  console.error('usage: node bench/ort/compare.mjs MODEL_ONNX T10K_IMAGES_IDX [model.json] [rounds]');
  process.exit(2);
}

const images = imageBytes(fs.readFileSync(imagesPath), imagesPath);
const n = images.length / 784;
const pixels = (k) => images.subarray(784 * k, 784 * (k + 1));
const x64 = Array.from({ length: n }, (_, k) => toInput(pixels(k)));
const x32 = x64.map((x) => Float32Array.from(x)); // onnxruntime-web's float32 input

ort.env.wasm.numThreads = 1; // the engines use one thread too
const session = await ort.InferenceSession.create(fs.readFileSync(onnxPath), { executionProviders: ['wasm'] });
const text = fs.readFileSync(modelPath, 'utf8');
const core = loadModel(text), fast = loadWasm(text);
if (fast.info.backend !== 'wasm') throw new Error(`the wasm entry runs on ${fast.info.backend} here`);

const engines = {
  ort: async (k) => session.run({ x: new ort.Tensor('float32', x32[k], [1, 784]) }),
  core: (k) => core.predict(x64[k]),
  wasm: (k) => fast.predict(x64[k]),
};
const names = Object.keys(engines);
const WARMUP = 2, ROUNDS = Number(rounds);
const times = Object.fromEntries(names.map((e) => [e, []]));
const perRound = Object.fromEntries(names.map((e) => [e, []]));
for (let r = 0; r < WARMUP + ROUNDS; r++) {
  for (const name of names.map((_, k) => names[(k + r) % names.length])) {
    const f = engines[name], round = [];
    for (let k = 0; k < n; k++) {
      const t0 = performance.now();
      if (name === 'ort') await f(k);
      else f(k);
      round.push((performance.now() - t0) * 1000);
    }
    if (r >= WARMUP) { times[name].push(...round); perRound[name].push(median(round)); }
  }
}
let agree = 0;
for (let k = 0; k < n; k++) {
  const q = (await engines.ort(k)).probs.data, p = fast.predict(x64[k]);
  if (p.indexOf(Math.max(...p)) === q.indexOf(Math.max(...q))) agree++;
}
const us = Object.fromEntries(names.map((e) => [e, median(times[e])]));
const fixed = (v) => +v.toFixed(2);
console.log(JSON.stringify({
  onnxruntimeWeb: JSON.parse(fs.readFileSync(path.join(here, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')).version,
  node: process.version,
  digits: n,
  rounds: ROUNDS,
  ortMedianUs: fixed(us.ort),
  engineMedianUs: fixed(us.core),
  wasmMedianUs: fixed(us.wasm),
  roundMedianRangeUs: Object.fromEntries(names.map((e) => [e, [Math.min(...perRound[e]), Math.max(...perRound[e])].map(fixed)])),
  ratio: fixed(us.ort / us.core), // onnxruntime-web / core
  wasmRatio: fixed(us.ort / us.wasm), // onnxruntime-web / wasm entry
  wasmRatioPerRound: perRound.ort.map((v, r) => fixed(v / perRound.wasm[r])),
  argmaxAgreement: agree / n,
  loadavg: os.loadavg().map(fixed),
}, null, 2));
