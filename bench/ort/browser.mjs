// nox -s bench, in a browser (chromium, firefox or webkit: js/e2e/browsers.mjs, the e2e harness;
// nox runs all three): onnxruntime-web's wasm backend (one thread, float32), the
// core (@digitnet/engine) and the wasm entry (@digitnet/engine/wasm) on the same MNIST test
// digits, on one page that loads each runtime in turn, rounds interleaved with the order
// rotating. Prints one JSON object.
//
//   node bench/ort/browser.mjs [--browser NAME] [--out FILE] MODEL_ONNX [T10K_IMAGES_IDX] [model.json] [rounds, default 6]
//
// NAME defaults to chromium; T10K_IMAGES_IDX to the MNIST cache of `digitnet data fetch`; --out
// also writes the JSON to FILE (nox -s bench: artifacts/bench-NAME.json).
// A page's clock is coarse (performance.now() is rounded to 100 us, or 5 us on a cross-origin
// isolated page, which this one is), so calls are timed in batches of BATCH consecutive digits:
// a figure is the median over batches of (batch time / BATCH). The page is served from 127.0.0.1 with a CSP that
// allows compiling WebAssembly ('wasm-unsafe-eval'), as a site using either runtime needs.
// The browsers are Debian's (js/e2e/browsers.mjs says how each is driven; no browser download).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../../js/e2e/browsers.mjs';
import { imageBytes, mnistDir, TEST_IMAGES } from '../../js/data/mnist.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(here, '..', '..');
const args = process.argv.slice(2);
const browserName = args[0] === '--browser' ? args.splice(0, 2)[1] : 'chromium';
const outFile = args[0] === '--out' ? args.splice(0, 2)[1] : null;
const [onnxPath, imagesPath = path.join(mnistDir(), TEST_IMAGES), modelPath = path.join(ROOT, 'js', 'model.json'), rounds = '6'] = args;
if (!onnxPath || !fs.existsSync(imagesPath)) {
  console.error(`usage: node bench/ort/browser.mjs [--browser NAME] [--out FILE] MODEL_ONNX [T10K_IMAGES_IDX] [model.json] [rounds]${onnxPath ? ` (${imagesPath}: missing; run \`digitnet data fetch\`)` : ''}`);
  process.exit(2);
}
const BATCH = 100;
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";

const PAGE = `<!doctype html><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>digitnet bench</title><script type="module" src="/bench.js"></script>`;

// Runs in the page: load the three runtimes, then time rounds when asked.
const SCRIPT = `
import * as ort from '/ort/ort.wasm.min.mjs';
import * as core from '/js/src/index.js';
import * as wasm from '/js/src/wasm.js';
import { median } from '/js/bench/stats.js';
ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = '/ort/';
const get = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer());
const [onnx, model, images] = await Promise.all([get('/model.onnx'), get('/model.json'), get('/images.bin')]);
const session = await ort.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
const slow = core.loadModel(model), fast = wasm.loadModel(model);
const n = images.length / 784;
const pixels = (k) => images.subarray(784 * k, 784 * (k + 1));
const x32 = Array.from({ length: n }, (_, k) => Float32Array.from(pixels(k), (v) => v / 255));
const x64 = Array.from({ length: n }, (_, k) => Float64Array.from(pixels(k), (v) => v / 255));
const engines = {
  ort: async (k) => session.run({ x: new ort.Tensor('float32', x32[k], [1, 784]) }),
  core: (k) => slow.predict(x64[k]),
  wasm: (k) => fast.predict(x64[k]),
};
window.bench = async (warmup, rounds, batch) => {
  const names = Object.keys(engines), batches = {}, perRound = {};
  for (const e of names) { batches[e] = []; perRound[e] = []; }
  for (let r = 0; r < warmup + rounds; r++) {
    for (const name of names.map((_, k) => names[(k + r) % names.length])) {
      const f = engines[name], round = [];
      for (let k0 = 0; k0 + batch <= n; k0 += batch) {
        const t0 = performance.now();
        if (name === 'ort') for (let k = k0; k < k0 + batch; k++) await f(k);
        else for (let k = k0; k < k0 + batch; k++) f(k);
        round.push((performance.now() - t0) * 1000 / batch);
      }
      if (r >= warmup) { batches[name].push(...round); perRound[name].push(median(round)); }
    }
  }
  let agree = 0, sameBits = 0;
  for (let k = 0; k < n; k++) {
    const q = (await engines.ort(k)).probs.data, p = fast.predict(x64[k]), c = slow.predict(x64[k]);
    if (p.indexOf(Math.max(...p)) === q.indexOf(Math.max(...q))) agree++;
    if (p.every((v, j) => Object.is(v, c[j]))) sameBits++;
  }
  return { isolated: crossOriginIsolated, userAgent: navigator.userAgent, backend: fast.info.backend, digits: n, us: Object.fromEntries(names.map((e) => [e, median(batches[e])])), perRound, agree, sameBits };
};
document.title = 'ready';
`;

function serve() {
  const images = imageBytes(fs.readFileSync(imagesPath), imagesPath);
  const files = {
    '/': [PAGE, 'text/html'],
    '/bench.js': [SCRIPT, 'text/javascript'],
    '/model.onnx': [fs.readFileSync(onnxPath), 'application/octet-stream'],
    '/model.json': [fs.readFileSync(modelPath), 'application/json'],
    '/images.bin': [images, 'application/octet-stream'],
  };
  const dirs = { '/js/src/': path.join(ROOT, 'js', 'src'), '/js/bench/': path.join(ROOT, 'js', 'bench'), '/ort/': path.join(here, 'node_modules', 'onnxruntime-web', 'dist') };
  const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x').pathname;
    let body = files[url];
    const dir = Object.keys(dirs).find((d) => url.startsWith(d));
    const name = dir && path.basename(url);
    if (!body && name && fs.existsSync(path.join(dirs[dir], name))) body = [fs.readFileSync(path.join(dirs[dir], name)), types[path.extname(name)] || 'application/octet-stream'];
    if (!body) { res.writeHead(404).end(); return; }
    res.writeHead(200, {
      'Content-Type': body[1], 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store',
      'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', // a 5 us clock
    }).end(body[0]);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

const server = await serve();
const browser = await launch(browserName);
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitFor(() => document.title === 'ready', null, 120_000).catch(() => {
    throw new Error(`the bench page did not load in ${browserName}: ${page.console.join('; ') || 'timeout'}`);
  });
  const out = await page.evaluate(([w, r, b]) => window.bench(w, r, b), [2, Number(rounds), BATCH]);
  if (out.backend !== 'wasm') throw new Error(`the wasm entry ran on ${out.backend} in ${browserName}`);
  const fixed = (v) => +v.toFixed(2);
  const names = Object.keys(out.us);
  const result = JSON.stringify({
    browser: `${browser.name} ${browser.version}`,
    userAgent: out.userAgent,
    crossOriginIsolated: out.isolated,
    onnxruntimeWeb: JSON.parse(fs.readFileSync(path.join(here, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')).version,
    digits: out.digits,
    rounds: Number(rounds),
    batch: BATCH,
    ortMedianUs: fixed(out.us.ort),
    engineMedianUs: fixed(out.us.core),
    wasmMedianUs: fixed(out.us.wasm),
    roundMedianRangeUs: Object.fromEntries(names.map((e) => [e, [Math.min(...out.perRound[e]), Math.max(...out.perRound[e])].map(fixed)])),
    ratio: fixed(out.us.ort / out.us.core),
    wasmRatio: fixed(out.us.ort / out.us.wasm),
    wasmRatioPerRound: out.perRound.ort.map((v, r) => fixed(v / out.perRound.wasm[r])),
    argmaxAgreement: out.agree / out.digits,
    wasmSameBitsAsCore: out.sameBits / out.digits,
    loadavg: os.loadavg().map(fixed),
  }, null, 2);
  console.log(result);
  if (outFile) fs.writeFileSync(outFile, `${result}\n`);
} finally {
  await browser.close();
  server.close();
}
