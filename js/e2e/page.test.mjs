// The demo page itself, in each browser (nox -s e2e runs this file in Chromium, Firefox and
// WebKit): the model card shows the weights' metadata, and the page fits a 390 px phone.
//
//   DIGITNET_BROWSER=webkit node --test e2e/page.test.mjs    (DIGITNET_MODEL=/path/to/model.json)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { e2eBrowser, openDemo, startServer } from './demo-page.mjs';
import { loadModel } from '../src/index.js';
import { ROOT } from './server.mjs';

// A phone's width, and the demo framed at that width (see the phone test).
const PHONE = 390;
const FRAME = `<!doctype html><body style="margin:0"><iframe src="/demo/" width="${PHONE}"
  height="800" style="border:0"></iframe>`;
const MODEL = resolve(process.env.DIGITNET_MODEL || join(ROOT, 'model.json'));
const { browser, out: OUT, label } = await e2eBrowser();
let server, page;

before(async () => {
  server = await startServer({ model: MODEL, files: { 'phone.html': [FRAME, 'text/html'] } });
  page = await openDemo(browser, server);
});

after(async () => {
  await page?.close();
  await browser.close();
  await server?.close();
});

test(`${label} the model card shows the metadata`, async () => {
  const card = await page.evaluate(() => ({
    facts: Object.fromEntries(
      [...document.querySelectorAll('#facts div')].map((d) => [
        d.querySelector('dt').textContent,
        d.querySelector('dd').textContent,
      ]),
    ),
    curves: document.querySelectorAll('#curves svg polyline').length,
    curvesText: document.getElementById('curves').textContent,
    confusion: [...document.querySelectorAll('#confusion tbody tr')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => Number(td.textContent)),
    ),
    shift: [...document.querySelectorAll('#shift tbody tr')].map((tr) => tr.textContent),
    robustness: [...document.querySelectorAll('#robustness tbody td')].map((td) => td.textContent),
    bytes: window.digitnet.modelBytes,
  }));
  const model = await readFile(MODEL);
  // read in Node: a WebDriver answer need not keep an object's key order (WebKit's does not)
  const { info } = loadModel(model);
  assert.equal(card.bytes, model.length, 'size on the wire: bytes fetched');
  assert.match(
    card.facts['Size on the wire'],
    new RegExp(`^${model.length.toLocaleString('en')} bytes`),
  );
  assert.equal(card.facts['Weights version'], info.version);
  assert.equal(card.facts['int8 accuracy'], `${(info.int8Accuracy * 100).toFixed(2)} %`);
  assert.equal(
    card.curves,
    3,
    `loss, train and test accuracy curves (the page says: ${card.curvesText})`,
  );
  const { history } = JSON.parse(await readFile(join(dirname(MODEL), info.metadata.card), 'utf8'));
  assert.equal(card.facts.Epochs, String(history.length), 'epochs in the training history');
  assert.deepEqual(card.confusion, info.metadata.confusion, 'confusion matrix');
  const { shiftRobustness: shift } = info.metadata;
  assert.deepEqual(
    card.shift,
    [['0', info.int8Accuracy], ...['2', '3', '4'].map((k) => [k, shift[k]])].map(
      ([k, v]) => `${k}${(v * 100).toFixed(1)} %`,
    ),
    'shift robustness: 0, 2, 3, 4 px',
  );
  const suite = Object.values(info.metadata.robustness ?? {});
  assert.ok(suite.length >= 13, 'the pinned weights carry the robustness suite');
  assert.deepEqual(
    card.robustness,
    suite.map((v) => `${(v * 100).toFixed(1)} %`),
    'robustness suite, as in the card',
  );
  await page.screenshot(join(OUT, 'page.png'));
});

// A phone's width (390 CSS px). Where the driver emulates a phone (a touch screen, no hover),
// the page is checked as one; elsewhere in a 390 px window, or, where the browser's window
// cannot be that narrow (MiniBrowser's toolbar), in a 390 px iframe; the test says which.

test(`${label} on a 390 px phone: no horizontal scroll`, async (t) => {
  const mobile = browser.can.mobile === true;
  if (!mobile) t.diagnostic(`${browser.name}: no phone emulation (${browser.can.mobile})`);
  const phone = await openDemo(browser, server, { width: PHONE, height: 800, mobile });
  try {
    const framed = !mobile && (await phone.evaluate(() => innerWidth)) > PHONE;
    if (framed) {
      t.diagnostic(`${browser.name}: its window cannot be ${PHONE} px wide; checked in an iframe`);
      await phone.goto(`${server.url}/e2e/phone.html`);
      await phone.waitFor(() => frames[0]?.document.body?.dataset.state === 'ready');
    }
    const [scrollWidth, innerWidth] = await phone.evaluate((inFrame) => {
      const w = inFrame ? frames[0] : window;
      return [w.document.documentElement.scrollWidth, w.innerWidth];
    }, framed);
    await phone.screenshot(join(OUT, 'phone.png'));
    assert.ok(innerWidth <= PHONE, `a phone's window is ${PHONE} px wide, this one ${innerWidth}`);
    assert.ok(scrollWidth <= PHONE, `the page is ${scrollWidth} px wide on a ${PHONE} px phone`);
    assert.deepEqual(phone.console, []);
  } finally {
    await phone.close();
  }
});
