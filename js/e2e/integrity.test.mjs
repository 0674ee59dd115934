// `weights.integrity` in each browser (nox -s e2e runs this file in Chromium, Firefox and
// WebKit): fetch(url, { integrity }) refuses a model.json that is not the pinned file (one byte
// changed, same size), and on the right bytes it resolves and loadModel gives the pinned
// version. The demo's server serves the engine's sources and, with
// --model, whichever model.json the test names.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { e2eBrowser } from './demo-page.mjs';
import { ROOT, startServer } from './server.mjs';

const PINNED = readFileSync(join(ROOT, 'model.json'));
const { browser, label } = await e2eBrowser();
let tmp;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'digitnet-integrity-'));
});
after(async () => {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
});

// In a page of the server: the engine's `weights`, then fetch('/model.json', { integrity })
// and loadModel on what it gave, or the error fetch threw.
async function fetchWithIntegrity(model) {
  const server = await startServer({ model });
  const page = await browser.newPage();
  try {
    await page.goto(`${server.url}/demo/`);
    return await page.evaluate(async () => {
      const { loadModel, weights } = await import('/src/index.js');
      let res;
      try {
        res = await fetch('/model.json', { integrity: weights.integrity });
      } catch (e) {
        return { fetched: false, weights, error: `${e.name}: ${e.message}` };
      }
      const bytes = new Uint8Array(await res.arrayBuffer());
      return {
        fetched: true,
        weights,
        bytes: bytes.length,
        version: loadModel(bytes).info.version,
      };
    });
  } finally {
    await page.close();
    await server.close();
  }
}

test(`${label} fetch with weights.integrity refuses a tampered model.json`, async () => {
  // one digit of metadata.createdAt changed: same size, and a file loadModel would accept
  const tampered = Buffer.from(PINNED);
  const at = tampered.indexOf('"createdAt":"') + '"createdAt":"'.length + 3;
  tampered[at] = tampered[at] === 0x30 ? 0x31 : 0x30;
  const path = join(tmp, 'model.json');
  writeFileSync(path, tampered);
  const got = await fetchWithIntegrity(path);
  assert.equal(got.fetched, false, 'the browser accepted bytes that are not the pinned file');
  assert.match(got.error, /^TypeError: /); // a network error, as the Fetch standard says
  assert.match(got.weights.integrity, /^sha256-[A-Za-z0-9+/]{43}=$/);
});

test(`${label} fetch with weights.integrity accepts the pinned model.json`, async () => {
  const got = await fetchWithIntegrity(join(ROOT, 'model.json'));
  assert.equal(got.fetched, true, got.error);
  assert.equal(got.bytes, PINNED.length);
  assert.equal(got.bytes, got.weights.bytes);
  assert.equal(got.version, got.weights.version);
});
