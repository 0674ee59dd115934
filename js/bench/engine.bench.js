// Benchmark: median time of one `predict` (batch size 1) on the 10,000 MNIST test digits, for
// the core (@digitnet/engine), the wasm entry (@digitnet/engine/wasm) and the straightforward
// engine, in the same run with rounds interleaved; and loadModel's warm time for both entries.
// (bench/cold.bench.js measures a cold first call, each in a fresh process.)
//
//   node bench/engine.bench.js [t10k-images-idx3-ubyte (file or its folder)] [model.json]
//
// Prints one JSON object on stdout. A plain script, not a test: timings depend on the machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../src/index.js';
import { loadModel as loadWasm } from '../src/wasm.js';
import { baseline } from './original.js';
import { median } from './stats.js';
import { argmax } from '../test/helpers.js';
import { TEST_IMAGES, mnistDir, readInputs } from '../data/mnist.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const modelPath = process.argv[3] || path.join(here, '..', 'model.json');

// The images file, or its folder; by default the folder nox hands in (data/mnist.js).
let images;
try {
  let imagesPath = process.argv[2] || mnistDir();
  if (fs.statSync(imagesPath, { throwIfNoEntry: false })?.isDirectory())
    imagesPath = path.join(imagesPath, TEST_IMAGES);
  images = readInputs(fs.readFileSync(imagesPath), imagesPath);
} catch (e) {
  console.error(`engine.bench.js: ${e.message}`); // one line: a missing or malformed file
  process.exit(2);
}
const text = fs.readFileSync(modelPath, 'utf8');
const json = JSON.parse(text);

const model = loadModel(json),
  fast = loadWasm(json);
if (fast.info.backend !== 'wasm')
  throw new Error(`the wasm entry runs on ${fast.info.backend} here`);
const loads = { core: [], coreText: [], wasm: [], wasmText: [] };
for (let r = 0; r < 50; r++) {
  for (const [name, load, source] of [
    ['core', loadModel, json],
    ['coreText', loadModel, text],
    ['wasm', loadWasm, json],
    ['wasmText', loadWasm, text],
  ]) {
    const t = performance.now();
    load(source);
    loads[name].push(performance.now() - t);
  }
}
const slow = baseline(json);
const engines = { wasm: fast.predict, core: model.predict, baseline: slow };

// Every call timed on its own (batch size 1); each round runs every engine on every digit, the
// order rotating from round to round so that none profits from the others' warm caches or
// suffers from a burst of load on the machine more than the others. Warm-up rounds let the JIT
// settle. The spread is the range of the per-round medians.
const WARMUP = 2,
  ROUNDS = 6;
const names = Object.keys(engines);
const times = Object.fromEntries(names.map((n) => [n, []]));
const rounds = Object.fromEntries(names.map((n) => [n, []]));
for (let r = 0; r < WARMUP + ROUNDS; r++) {
  const order = names.map((_, k) => names[(k + r) % names.length]);
  for (const name of order) {
    const f = engines[name],
      round = [];
    for (const x of images) {
      const t0 = performance.now();
      f(x);
      round.push((performance.now() - t0) * 1000);
    }
    if (r >= WARMUP) {
      times[name].push(...round);
      rounds[name].push(median(round));
    }
  }
}
let agree = 0;
for (const x of images) {
  if (model.classify(x, 1)[0].digit === argmax(slow(x))) agree++;
}

const us = Object.fromEntries(names.map((n) => [n, median(times[n])]));
const spread = (n) => [Math.min(...rounds[n]), Math.max(...rounds[n])].map((v) => +v.toFixed(2));
const ms = (xs) => +median(xs).toFixed(3);
console.log(
  JSON.stringify(
    {
      node: process.version,
      digits: images.length,
      rounds: ROUNDS,
      engineMedianUs: +us.core.toFixed(2),
      wasmMedianUs: +us.wasm.toFixed(2),
      baselineMedianUs: +us.baseline.toFixed(2),
      roundMedianRangeUs: {
        core: spread('core'),
        wasm: spread('wasm'),
        baseline: spread('baseline'),
      },
      ratio: +(us.baseline / us.core).toFixed(2),
      wasmRatio: +(us.baseline / us.wasm).toFixed(2),
      wasmOverCore: +(us.core / us.wasm).toFixed(2),
      engineMeanUs: +(times.core.reduce((s, v) => s + v, 0) / times.core.length).toFixed(2),
      loadModelMs: ms(loads.core),
      loadModelFromTextMs: ms(loads.coreText),
      wasmLoadModelMs: ms(loads.wasm),
      wasmLoadModelFromTextMs: ms(loads.wasmText),
      argmaxAgreement: agree / images.length,
      // other work on the machine skews every engine
      loadavg: os.loadavg().map((v) => +v.toFixed(2)),
      targets: {
        ratioAtLeast6: us.baseline / us.core >= 6,
        loadModelMsAtMost2: median(loads.core) <= 2 && median(loads.wasm) <= 2,
      },
    },
    null,
    2,
  ),
);
