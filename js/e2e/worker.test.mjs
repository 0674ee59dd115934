// The README's claim that the engine runs in workers, checked in each browser (nox -s e2e runs
// this file in Chromium, Firefox and WebKit): both entries, @digitnet/engine and
// @digitnet/engine/wasm, imported by a module Web Worker on the demo server's origin, load the
// pinned weights and give every parity digit and preprocessing case the numbers Node and the
// Python reference give (browser-parity.mjs: the same replay as on the page), the wasm entry on
// its kernel.
//
//   DIGITNET_BROWSER=firefox node --test e2e/worker.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENTRIES, differences, parityPage, runEntry } from './browser-parity.mjs';
import { e2eBrowser } from './demo-page.mjs';

// The worker: a module script running the replay when asked, answering once.
const WORKER = `const runEntry = ${runEntry};
self.onmessage = async ({ data }) => {
  try {
    postMessage(await runEntry(data));
  } catch (e) {
    postMessage({ error: String(e) });
  }
};`;

const { browser, label } = await e2eBrowser();
const at = parityPage(browser, { 'worker.js': [WORKER, 'text/javascript'] });

// Runs in the page: one module worker per call.
function inWorker(request) {
  return new Promise((done, fail) => {
    const worker = new Worker('/e2e/worker.js', { type: 'module' });
    worker.onmessage = ({ data }) => {
      worker.terminate();
      done(data);
    };
    worker.onerror = (e) => {
      worker.terminate();
      fail(new Error(`worker: ${e.message ?? 'failed to start'}`));
    };
    worker.postMessage(request);
  });
}

for (const entry of Object.keys(ENTRIES)) {
  test(`${label} ${entry} entry in a module Web Worker: parity digits as in Node`, async () => {
    const out = await at.page.evaluate(inWorker, { entry: `/src/${ENTRIES[entry]}` });
    assert.equal(out.error, undefined, `the worker failed: ${out.error}`);
    assert.equal(out.scope, 'DedicatedWorkerGlobalScope', 'ran in a dedicated worker');
    assert.equal(out.backend, entry === 'wasm' ? 'wasm' : 'js', 'the backend that ran');
    assert.deepEqual(differences(out, at.node), []);
    assert.deepEqual(at.page.console, [], 'console errors or warnings');
  });
}
