// nox -s bench: what a user on a slow link waits for, in headless Chromium. For each weights
// version and each runtime (the core @digitnet/engine, the wasm entry @digitnet/engine/wasm, and
// onnxruntime-web's wasm backend serving the same model as ONNX), a fresh browser context (empty
// cache) opens a page over an emulated link (CDP Network.emulateNetworkConditions: 1.6 Mbit/s
// down, 750 kbit/s up, 150 ms latency) that fetches the runtime's code and the weights in
// parallel, loads the model and classifies one MNIST test digit. Times are from the navigation's
// start (performance.now()): code fetched, weights fetched, model loaded, first prediction. The
// server gzips every response (level 9), as a web server would. Rounds interleave the runs; a
// figure is the median over rounds. Prints one JSON object.
//
//   node bench/ort/cold.mjs [--out FILE] [--rounds N] VERSION=MODEL_JSON,MODEL_ONNX ...
//
// Chromium: /usr/bin/chromium or $CHROMIUM, through playwright-core (no browser download).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { median } from '../../js/bench/stats.js';
import { imageBytes, mnistDir, TEST_IMAGES } from '../../js/data/mnist.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.join(here, '..', '..');
const ORT = path.join(here, 'node_modules', 'onnxruntime-web', 'dist');
const LINK = { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 };
const RUNTIMES = ['core', 'wasm', 'ort'];
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";

function options(argv) {
  const out = { file: null, rounds: 3, versions: {} };
  for (let k = 0; k < argv.length; k++) {
    if (argv[k] === '--out') out.file = argv[++k];
    else if (argv[k] === '--rounds') out.rounds = Number(argv[++k]);
    else {
      const [version, files] = argv[k].split('=');
      const [json, onnx] = (files || '').split(',');
      if (!json || !onnx || !fs.existsSync(json) || !fs.existsSync(onnx)) usage(argv[k]);
      out.versions[version] = { json, onnx };
    }
  }
  if (!Object.keys(out.versions).length || !(out.rounds >= 1)) usage('no VERSION=MODEL_JSON,MODEL_ONNX');
  return out;
}

function usage(what) {
  console.error(`usage: node bench/ort/cold.mjs [--out FILE] [--rounds N] VERSION=MODEL_JSON,MODEL_ONNX ... (${what}: missing)`);
  process.exit(2);
}

// The page's script: its runtime's code and the weights fetched in parallel, then load, then one
// classify of the digit in the page; each milestone's performance.now() goes to window.cold.
const ENGINE_PAGE = (entry, version, digit) => `
const mark = {};
const stamp = (name) => (value) => ((mark[name] = performance.now()), value);
const [{ loadModel }, bytes] = await Promise.all([
  import('/js/src/${entry}').then(stamp('code')),
  fetch('/w/${version}/model.json').then((r) => r.arrayBuffer()).then(stamp('weights')),
]);
const model = stamp('loaded')(loadModel(new Uint8Array(bytes)));
const x = Float64Array.from(${JSON.stringify(digit)}, (v) => v / 255);
window.cold = { ...mark, digit: model.classify(x, 1)[0].digit, first: performance.now() };`;

const ORT_PAGE = (version, digit) => `
const mark = {};
const stamp = (name) => (value) => ((mark[name] = performance.now()), value);
const [ort, bytes] = await Promise.all([
  import('/ort/ort.wasm.min.mjs').then(stamp('code')),
  fetch('/w/${version}/model.onnx').then((r) => r.arrayBuffer()).then(stamp('weights')),
]);
ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = '/ort/';
const session = stamp('loaded')(await ort.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ['wasm'] }));
const x = new ort.Tensor('float32', Float32Array.from(${JSON.stringify(digit)}, (v) => v / 255), [1, 784]);
const p = (await session.run({ x })).probs.data;
window.cold = { ...mark, digit: p.indexOf(Math.max(...p)), first: performance.now() };`;

function serve(versions, digit) {
  const zipped = new Map(); // each file gzipped once, as a server's cache would hold it
  const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
  const file = (p) => {
    if (!zipped.has(p)) zipped.set(p, gzipSync(fs.readFileSync(p), { level: 9 }));
    return zipped.get(p);
  };
  const route = (url) => {
    const q = new URL(url, 'http://x');
    const [, top, a, b] = q.pathname.split('/');
    if (q.pathname === '/') return [Buffer.from(`<!doctype html><meta charset="utf-8"><title>cold</title><script type="module" src="/page.js${q.search}"></script>`), 'text/html', false];
    if (top === 'page.js') {
      const runtime = q.searchParams.get('runtime'), version = q.searchParams.get('v');
      const code = runtime === 'ort' ? ORT_PAGE(version, digit) : ENGINE_PAGE(runtime === 'wasm' ? 'wasm.js' : 'index.js', version, digit);
      return [Buffer.from(code), 'text/javascript', false];
    }
    if (top === 'w' && versions[a] && (b === 'model.json' || b === 'model.onnx'))
      return [file(versions[a][b === 'model.json' ? 'json' : 'onnx']), 'application/octet-stream', true];
    const dir = top === 'ort' ? ORT : top === 'js' && a === 'src' ? path.join(ROOT, 'js', 'src') : null;
    const name = top === 'ort' ? a : b;
    if (dir && name && /^[\w.-]+$/.test(name) && fs.existsSync(path.join(dir, name)))
      return [file(path.join(dir, name)), types[path.extname(name)] || 'application/octet-stream', true];
    return null;
  };
  const server = http.createServer((req, res) => {
    const found = route(req.url);
    if (!found) return res.writeHead(404).end();
    const [body, type, gz] = found;
    res.writeHead(200, { 'Content-Type': type, 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store', ...(gz ? { 'Content-Encoding': 'gzip' } : {}) });
    res.end(body);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, zipped })));
}

// One cold start: a new context (no cache), the slow link, the page, its milestones.
async function coldStart(browser, port, runtime, version) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', LINK);
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/?runtime=${runtime}&v=${version}`);
    await page.waitForFunction(() => window.cold, null, { timeout: 300_000 }).catch(() => {
      throw new Error(`${runtime} ${version}: the page did not finish: ${errors.join('; ') || 'timeout'}`);
    });
    return await page.evaluate(() => window.cold);
  } finally {
    await context.close();
  }
}

const opts = options(process.argv.slice(2));
const images = imageBytes(fs.readFileSync(path.join(mnistDir(), TEST_IMAGES)), TEST_IMAGES);
const digit = Array.from(images.subarray(0, 784)); // MNIST test digit #0, a 7
const { server, zipped } = await serve(opts.versions, digit);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
const runs = {};
try {
  for (let r = 0; r < opts.rounds; r++) {
    for (const version of Object.keys(opts.versions)) {
      for (const runtime of RUNTIMES) {
        const key = `${version} ${runtime}`;
        const t = await coldStart(browser, server.address().port, runtime, version);
        if (t.digit !== 7) throw new Error(`${key}: classified test digit #0 (a 7) as ${t.digit}`);
        (runs[key] ||= []).push(t);
      }
    }
  }
} finally {
  await browser.close();
  server.close();
}

const ms = (v) => Math.round(v);
const figures = Object.fromEntries(
  Object.entries(runs).map(([key, ts]) => [
    key,
    Object.fromEntries(['code', 'weights', 'loaded', 'first'].map((m) => [`${m}Ms`, ms(median(ts.map((t) => t[m])))])),
  ]),
);
const gzBytes = (p) => zipped.get(p)?.length ?? null;
const result = {
  browser: 'Chromium (headless)',
  link: { downMbps: 1.6, upMbps: 0.75, latencyMs: 150 },
  rounds: opts.rounds,
  onnxruntimeWeb: JSON.parse(fs.readFileSync(path.join(here, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')).version,
  gzipBytes: Object.fromEntries(
    Object.entries(opts.versions).map(([v, f]) => [v, { modelJson: gzBytes(f.json), modelOnnx: gzBytes(f.onnx) }]),
  ),
  firstPredictionMs: figures,
  // time to first prediction against onnxruntime-web's, same version (how many times sooner)
  ratioOrtOver: Object.fromEntries(
    Object.keys(opts.versions).flatMap((v) =>
      ['core', 'wasm'].map((e) => [`${v} ${e}`, +(figures[`${v} ort`].firstMs / figures[`${v} ${e}`].firstMs).toFixed(2)]),
    ),
  ),
  loadavg: os.loadavg().map((v) => +v.toFixed(2)),
};
const text = JSON.stringify(result, null, 2);
console.log(text);
if (opts.file) fs.writeFileSync(opts.file, `${text}\n`);
