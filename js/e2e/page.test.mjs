// The demo page itself, in each browser (nox -s e2e runs this file in Chromium, Firefox and
// WebKit): the model card shows the weights' metadata, and the page fits a 390 px phone.
//
//   DIGITNET_BROWSER=webkit node --test e2e/page.test.mjs    (DIGITNET_MODEL=/path/to/model.json)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { e2eBrowser, openDemo, startServer } from './demo-page.mjs';
import { loadModel } from '../src/index.js';
import { quantizedName } from '../demo/card.js';
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

// In the page: what the model card shows.
function readCard() {
  const texts = (selector) => [...document.querySelectorAll(selector)].map((e) => e.textContent);
  return {
    facts: Object.fromEntries(
      [...document.querySelectorAll('#facts div')].map((d) => [
        d.querySelector('dt').textContent,
        d.querySelector('dd').textContent,
      ]),
    ),
    curves: document.querySelectorAll('#curves svg polyline').length,
    curvesText: document.getElementById('curves').textContent,
    ticks: [...document.querySelectorAll('#curves svg')].map((g) =>
      [...g.querySelectorAll('text[text-anchor="end"]')].map((t) => t.textContent),
    ),
    confusion: [...document.querySelectorAll('#confusion tbody tr')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => Number(td.textContent)),
    ),
    tables: document.querySelectorAll('.card table').length,
    robustness: texts('#robustness tbody td'),
    notes: texts('.card .note'),
    purposeShown: !document.getElementById('purpose').hidden,
    intendedUse: document.getElementById('intended-use')?.textContent ?? null,
    limitations: texts('#limitations li'),
    bytes: window.digitnet.modelBytes,
  };
}

test(`${label} the model card shows the metadata`, async () => {
  const card = await page.evaluate(readCard);
  const model = await readFile(MODEL);
  // read in Node: a WebDriver answer need not keep an object's key order (WebKit's does not)
  const { info } = loadModel(model);
  assert.equal(card.bytes, model.length, 'size on the wire: bytes fetched');
  assert.match(
    card.facts['Size on the wire'],
    new RegExp(`^${model.length.toLocaleString('en')} bytes`),
  );
  assert.equal(card.facts['Weights version'], info.version);
  // the quantized network named by its layers' widths (int8 for 1.x, 4-bit layers from 2.0.0)
  const bits = JSON.parse(model).layers.map((L) => L.bits ?? 8);
  const q = quantizedName(bits);
  assert.equal(card.facts[`${q} accuracy`], `${(info.int8Accuracy * 100).toFixed(2)} %`);
  assert.equal(card.curves, 3, `loss, train and test accuracy (the page says: ${card.curvesText})`);
  const file = JSON.parse(await readFile(join(dirname(MODEL), info.metadata.card), 'utf8'));
  assert.equal(card.facts.Epochs, String(file.history.length), 'epochs in the training history');
  assert.deepEqual(card.confusion, info.metadata.confusion, 'confusion matrix');
  // one robustness table (the shifts are rows of the suite), the test digits as they are first
  assert.equal(card.tables, 2, 'the confusion matrix and the robustness table');
  const suite = Object.values(info.metadata.robustness ?? {});
  assert.ok(suite.length >= 13, 'the pinned weights carry the robustness suite');
  const pct = (v) => `${(v * 100).toFixed(1)} %`;
  assert.deepEqual(card.robustness, [info.int8Accuracy, ...suite].map(pct), 'robustness table');
  const widths = [...new Set(bits)].join(' and ');
  assert.ok(
    card.notes
      .join(' ')
      .includes(`${q} the same network with its weights rounded to ${widths}-bit`),
  );
  assert.match(card.notes.join(' '), /augmented.*below test accuracy/, 'train below test');
  for (const labels of card.ticks) assertRoundTicks(labels);
  const purpose = Boolean(file.intendedUse);
  assert.equal(card.purposeShown, purpose, 'intended use shown where the card has it');
  if (purpose) {
    assert.equal(card.intendedUse, file.intendedUse);
    assert.deepEqual(card.limitations, file.limitations);
  }
  await page.screenshot(join(OUT, 'page.png'));
});

// Axis labels on round ticks: equal steps of 1, 2 or 5 times a power of ten, each label a
// multiple of the step (no 0.063, 0.19 ...).
function assertRoundTicks(labels) {
  const v = labels.map(Number);
  assert.ok(v.length >= 3, `ticks ${labels}`);
  const step = v[1] - v[0];
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  assert.ok(
    [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6),
    `tick step ${step}: ${labels}`,
  );
  v.forEach((t, k) => {
    assert.ok(Math.abs(t - v[0] - k * step) < step * 1e-6, `ticks not evenly spaced: ${labels}`);
    assert.ok(
      Math.abs(t / step - Math.round(t / step)) < 1e-6,
      `tick ${t} off the step: ${labels}`,
    );
  });
}

// A card of formatVersion 2 carries intendedUse and limitations: the page shows both.
test(`${label} the model card shows what the model is for and its limitations`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'digitnet-card-'));
  const card = JSON.parse(readFileSync(join(dirname(MODEL), 'card.json'), 'utf8'));
  Object.assign(card, {
    intendedUse: 'One handwritten digit, centred, as MNIST draws them.',
    limitations: ['It always answers a digit.', 'Thin strokes: 87.9 %.'],
  });
  writeFileSync(join(dir, 'model.json'), readFileSync(MODEL));
  writeFileSync(join(dir, 'card.json'), JSON.stringify(card));
  const other = await startServer({ model: join(dir, 'model.json') });
  const p = await openDemo(browser, other);
  try {
    const shown = await p.evaluate(readCard);
    assert.equal(shown.purposeShown, true);
    assert.equal(shown.intendedUse, card.intendedUse);
    assert.deepEqual(shown.limitations, card.limitations);
  } finally {
    await p.close();
    await other.close();
    rmSync(dir, { recursive: true, force: true });
  }
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
    // the key hint (C, Esc) shows with a mouse, not on a touch-only device
    const keys = (p) => p.evaluate(() => getComputedStyle(document.querySelector('.keys')).display);
    assert.notEqual(await keys(page), 'none', 'the key hint on a desktop');
    if (mobile) assert.equal(await keys(phone), 'none', 'the key hint on a touch-only phone');
    assert.ok(innerWidth <= PHONE, `a phone's window is ${PHONE} px wide, this one ${innerWidth}`);
    assert.ok(scrollWidth <= PHONE, `the page is ${scrollWidth} px wide on a ${PHONE} px phone`);
    assert.deepEqual(phone.console, []);
  } finally {
    await phone.close();
  }
});
