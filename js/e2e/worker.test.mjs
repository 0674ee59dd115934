// The README's claim that the engine runs in workers, checked: both entries (@digitnet/engine
// and @digitnet/engine/wasm) imported by a module Web Worker in headless Chromium, on the demo
// server's origin, load the pinned weights and predict every parity digit of the pinned
// version as the core does in Node: the same logits to the bit, probabilities within the
// conformance tolerance (exp() may differ by an ulp between Chromium's and Node's V8) and the
// same digits; and as the parity file records them (js/parity/replay.mjs).
//
//   node --test e2e/worker.test.mjs      CHROMIUM=/path/to/chromium
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel } from '../src/index.js';
import { TOLERANCE, caseInput, replay } from '../parity/replay.mjs';
import { ROOT, launchChromium, startServer } from './server.mjs';

// The worker: a module script that imports the engine from the server's /src/ as a page would.
// The server serves only the demo's files, so the browser is handed this one at /e2e-worker.js.
const WORKER = `
const entries = { core: '/src/index.js', wasm: '/src/wasm.js' };
self.onmessage = async ({ data: { entry, inputs } }) => {
  try {
    const { loadModel } = await import(entries[entry]);
    const model = loadModel(await (await fetch('/model.json')).text());
    postMessage({
      scope: self.constructor.name,
      hasDocument: typeof document !== 'undefined',
      backend: model.info.backend ?? 'js',
      logits: inputs.map((x) => Array.from(model.forward(x).logits)),
      hidden: inputs.map((x) => model.forward(x).hidden.map((h) => Array.from(h))),
      probs: inputs.map((x) => Array.from(model.predict(x))),
      digits: inputs.map((x) => model.classify(x, 1)[0].digit),
    });
  } catch (e) {
    postMessage({ error: String(e) });
  }
};`;

let server, browser, page;
const consoleErrors = [];

before(async () => {
  server = await startServer();
  browser = await launchChromium();
  const context = await browser.newContext();
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url === `${server.url}/e2e-worker.js`) {
      return route.fulfill({ status: 200, body: WORKER, contentType: 'text/javascript' });
    }
    return url.startsWith(`${server.url}/`) ? route.continue() : route.abort('blockedbyclient');
  });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
  await page.goto(`${server.url}/demo/`);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 15000 });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

// Runs in the page: one module worker per call, answering once.
function inWorker({ entry, inputs }) {
  return new Promise((done, fail) => {
    const worker = new Worker('/e2e-worker.js', { type: 'module' });
    worker.onmessage = ({ data }) => {
      worker.terminate();
      done(data);
    };
    worker.onerror = (e) => {
      worker.terminate();
      fail(new Error(`worker: ${e.message ?? 'failed to start'}`));
    };
    worker.postMessage({ entry, inputs });
  });
}

async function pinnedParity() {
  const pinned = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).digitnet
    .weightsVersion;
  const file = join(ROOT, '..', 'fixtures', 'weights', pinned, 'parity.json');
  return JSON.parse(await readFile(file, 'utf8'));
}

for (const entry of ['core', 'wasm']) {
  test(`${entry} entry in a module Web Worker: every parity digit as in Node`, async () => {
    const parity = await pinnedParity();
    const inputs = parity.cases.map((c) => Array.from(caseInput(c)));
    const out = await page.evaluate(inWorker, { entry, inputs });
    assert.equal(out.error, undefined, `the worker failed: ${out.error}`);
    assert.equal(out.scope, 'DedicatedWorkerGlobalScope', 'ran in a dedicated worker');
    assert.equal(out.hasDocument, false, 'a worker has no document');
    // The worker's script carries no CSP, so the wasm entry may compile its kernel there.
    assert.equal(out.backend, entry === 'wasm' ? 'wasm' : 'js', 'the backend that ran');
    const model = loadModel(await readFile(join(ROOT, 'model.json')));
    inputs.forEach((x, k) => {
      const { logits, probs } = model.forward(x);
      assert.deepEqual(
        out.logits[k],
        Array.from(logits),
        `parity digit #${k}: logits in the worker vs Node`,
      );
      const worst = Math.max(...out.probs[k].map((p, j) => Math.abs(p - probs[j])));
      assert.ok(worst <= TOLERANCE, `parity digit #${k}: probabilities ${worst} from Node's`);
      assert.equal(out.digits[k], model.classify(x, 1)[0].digit, `parity digit #${k}: classify`);
    });
    const recorded = (_x, k) => ({
      hidden: out.hidden[k],
      logits: out.logits[k],
      probs: out.probs[k],
    });
    replay(parity, recorded, `${entry} entry in a worker`);
    assert.deepEqual(consoleErrors, []);
  });
}
