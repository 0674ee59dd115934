// End to end: the demo page in a real browser (nox -s e2e runs this file in Chromium, Firefox
// and WebKit; see browsers.mjs), digits drawn with the browser's own mouse, touch and pen
// events. Each drawing's pad pixels, preprocessed input, activations, logits and probabilities
// go to artifacts/e2e/<browser>/results.json for check_reference.py to recompute with the
// Python reference.
//
//   DIGITNET_BROWSER=firefox node --test e2e/draw.test.mjs    (DIGITNET_MODEL=/path/to/model.json)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  clickClear,
  drawOn,
  e2eBrowser,
  offsite,
  openDemo,
  padToPage,
  settled,
  startServer,
} from './demo-page.mjs';
import { TOLERANCE } from '../parity/replay.mjs';
import { ROOT } from './server.mjs';
import { DRAWINGS } from './strokes.mjs';
import { argmax } from '../test/helpers.js';
import { percent } from '../demo/views.js';

const MODEL = resolve(process.env.DIGITNET_MODEL || join(ROOT, 'model.json'));
const { browser, out: OUT, label } = await e2eBrowser();
let server, page;
const consoles = [];
const results = [];

before(async () => {
  await readFile(MODEL).catch(() => {
    throw new Error(`${MODEL}: missing; the page needs the pinned weights (or set DIGITNET_MODEL)`);
  });
  await rm(join(OUT, 'results.json'), { force: true }); // a stale results.json must not pass
  server = await startServer({ model: MODEL });
  page = await openDemo(browser, server);
  consoles.push(page.console);
});

after(async () => {
  const model = await readFile(MODEL).catch(() => Buffer.alloc(0));
  const info = page
    ? await page.evaluate(() => ({
        version: window.digitnet.info?.version,
        bytes: window.digitnet.modelBytes,
      }))
    : {};
  const sha256 = createHash('sha256').update(model).digest('hex');
  const file = { path: MODEL, sha256, bytes: model.length, ...info };
  const doc = { browser: `${browser.name} ${browser.version}`, model: file, drawings: results };
  await writeFile(join(OUT, 'results.json'), `${JSON.stringify(doc)}\n`);
  await page?.close();
  await browser.close();
  await server?.close();
});

async function snapshot(p) {
  return p.evaluate(() => {
    const c = document.getElementById('pad');
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let bin = '';
    for (let i = 0; i < data.length; i += 0x8000)
      bin += String.fromCharCode(...data.subarray(i, i + 0x8000));
    const r = window.digitnet.lastResult;
    const views = Object.fromEntries(
      ['input', 'hidden0', 'hidden1'].map((id) => {
        // Read through a copy: repeated reads of the page's own canvases make Chromium warn.
        const v = document.getElementById(id),
          copy = document.createElement('canvas');
        Object.assign(copy, { width: v.width, height: v.height });
        const ctx = copy.getContext('2d', { willReadFrequently: true });
        ctx.drawImage(v, 0, 0);
        return [id, Array.from(ctx.getImageData(0, 0, v.width, v.height).data)];
      }),
    );
    return {
      views,
      width: c.width,
      height: c.height,
      rgba: btoa(bin),
      prediction: r.prediction,
      probs: r.probs,
      input: r.input,
      hidden: r.hidden,
      logits: r.logits,
      status: document.getElementById('status').textContent,
      guess: document.getElementById('guess').textContent,
      top: [...document.querySelectorAll('#top li')].map((li) => li.textContent),
    };
  });
}

// The colours views.js gives a unit that is off and the layer's most active unit.
const OFF = [16, 18, 40, 255],
  HOTTEST = [253, 231, 37, 255];
const rgbaAt = (px, i) => px.slice(4 * i, 4 * i + 4);

// Records the drawing for check_reference.py, then checks what the page shows.
function record(name, expected, { views, ...s }) {
  assert.ok(s.probs && s.input, `${name}: the page saw no drawing`);
  results.push({ name, expected, ...s });
  // The input view is the network's input as grey levels; each activation view marks the
  // units that are off and the layer's most active unit.
  s.input.forEach((v, i) => {
    const g = Math.round(v * 255);
    assert.deepEqual(rgbaAt(views.input, i), [g, g, g, 255], `${name}: input view, pixel ${i}`);
  });
  s.hidden.forEach((h, k) => {
    const px = views[`hidden${k}`],
      top = argmax(h);
    assert.equal(px.length, 4 * h.length, `${name}: hidden${k} view has a square per unit`);
    assert.deepEqual(rgbaAt(px, top), HOTTEST, `${name}: hidden${k} view, most active unit ${top}`);
    h.forEach((a, i) => {
      if (a === 0)
        assert.deepEqual(rgbaAt(px, i), OFF, `${name}: hidden${k} view, unit ${i} is off`);
    });
  });
  assert.equal(s.input.length, 784, `${name}: input length`);
  assert.equal(s.probs.length, 10, `${name}: probabilities length`);
  const sum = s.probs.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < TOLERANCE, `${name}: probabilities sum to ${sum}`);
  const pct = percent(s.probs[s.prediction]);
  assert.equal(s.status, `Prediction: ${s.prediction} (${pct})`, `${name}: aria-live text`);
  assert.equal(s.guess, String(s.prediction), `${name}: the large guess`);
  // the top 3 as classify ranks them (most likely first, ties to the lower digit), each shown
  // with a precision that tells it from 0 %, 100 % and the others
  const top3 = s.probs
    .map((q, d) => [d, q])
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, 3);
  assert.deepEqual(
    s.top,
    top3.map(([d, q]) => `${d} ${percent(q)}`),
    `${name}: the top 3`,
  );
  top3.forEach(([d, q], k) => {
    const shown = s.top[k].split(' ')[1];
    if (q < 1) assert.notEqual(shown, '100', `${name}: ${d} at ${q} shows as 100 %`);
    if (q > 0) assert.doesNotMatch(shown, /^0(\.0*)?$/, `${name}: ${d} at ${q} shows as 0 %`);
    if (k && q !== top3[k - 1][1])
      assert.notEqual(s.top[k].split(' ')[1], s.top[k - 1].split(' ')[1], `${name}: ${s.top}`);
  });
  assert.equal(
    s.prediction,
    expected,
    `${name}: expected ${expected}, the page predicts ${s.prediction} (top 3: ${s.top.join(', ')})`,
  );
}

test('percent tells probabilities apart from 0 %, 100 % and each other', () => {
  const cases = [
    [0.5, '50.0 %'],
    [0.99997, '99.9970 %'],
    [2.1e-5, '0.0021 %'],
    [0.0123, '1.2 %'],
    [0.987654, '98.8 %'],
    [1, '100 %'],
    [0, '0 %'],
    [1 - TOLERANCE, '> 99.999999 %'],
    [1.2e-11, '1.2e-9 %'],
  ];
  for (const [p, text] of cases) assert.equal(percent(p), text, `percent(${p})`);
});

for (const drawing of DRAWINGS) {
  test(`${label} draws ${drawing.name} with a mouse and reads ${drawing.digit}`, async () => {
    await clickClear(page);
    await drawOn(page, drawing);
    await settled(page);
    const s = await snapshot(page);
    await page.screenshot(join(OUT, `${drawing.name}.png`));
    record(drawing.name, drawing.digit, s);
  });
}

// A finger and a pen: the browser's own touch and pen pointer events, where its driver can
// send them (browsers.mjs says where it cannot, and the test prints why it did not run).
for (const [pointerType, drawing] of [
  ['touch', DRAWINGS.find((d) => d.digit === 7)],
  ['pen', DRAWINGS.find((d) => d.digit === 1)],
]) {
  const name = `${pointerType}-${drawing.name}`;
  const title = `draws ${drawing.name} with ${pointerType} and reads ${drawing.digit}`;
  test(`${label} ${title}`, async (t) => {
    const can = browser.can[pointerType];
    if (can !== true) return t.skip(`${browser.name} cannot send ${pointerType} input: ${can}`);
    await clickClear(page);
    await page.evaluate(() => {
      window.seenPointers = new Set();
      document
        .getElementById('pad')
        .addEventListener('pointermove', (e) => window.seenPointers.add(e.pointerType));
    });
    await drawOn(page, drawing, pointerType);
    await settled(page);
    const seen = await page.evaluate(() => [...window.seenPointers]);
    assert.deepEqual(seen, [pointerType], 'pointer types the pad saw');
    const s = await snapshot(page);
    await page.screenshot(join(OUT, `${name}.png`));
    record(name, drawing.digit, s);
  });
}

// Sixty pointer moves inside one task (as a fast pen can deliver between two frames): the pad
// takes every one, the network runs once, on the next frame, and sees the pad as it ends.
test(`${label} sixty moves within one frame give one prediction, of the final pad`, async () => {
  await clickClear(page);
  const toPage = await padToPage(page);
  const [x, y] = toPage([140, 40]).map(Math.round);
  const mouse = (actions) => [
    { type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' }, actions },
  ];
  await page.evaluate(() => {
    document.getElementById('pad').addEventListener('pointerdown', (e) => {
      window.downId = e.pointerId;
    });
  });
  await page.actions(
    mouse([
      { type: 'pointerMove', x, y },
      { type: 'pointerDown', button: 0 },
    ]),
  );
  await settled(page);
  const r = await page.evaluate(sixtyMoves);
  await page.actions(mouse([{ type: 'pointerUp', button: 0 }]));
  assert.equal(r.moves, 60, 'pointer moves the pad took');
  assert.equal(r.during, 0, 'predictions made while the moves were arriving');
  assert.equal(r.after, 1, 'predictions made on the next frames');
  assert.ok(r.current, 'the prediction is of the pad after the last move');
});

// In the page: sixty pointermove events of the pointer that is down, dispatched in one task.
function sixtyMoves() {
  const d = window.digitnet,
    pad = document.getElementById('pad'),
    r0 = pad.getBoundingClientRect();
  const sx = pad.clientWidth / pad.width,
    sy = pad.clientHeight / pad.height;
  const before = { drawn: d.drawn, predictions: d.predictions };
  for (let k = 1; k <= 60; k++) {
    const [x, y] = [140 + 30 * Math.sin(k / 10), 40 + 3.5 * k];
    const at = {
      clientX: r0.left + pad.clientLeft + x * sx,
      clientY: r0.top + pad.clientTop + y * sy,
    };
    const init = { pointerId: window.downId, pointerType: 'mouse', isPrimary: true, buttons: 1 };
    pad.dispatchEvent(new PointerEvent('pointermove', { ...init, ...at, bubbles: true }));
  }
  const during = d.predictions;
  return new Promise((done) =>
    requestAnimationFrame(() =>
      requestAnimationFrame(() =>
        done({
          moves: d.drawn - before.drawn,
          during: during - before.predictions,
          after: d.predictions - before.predictions,
          current: d.lastResult.drawn === d.drawn,
        }),
      ),
    ),
  );
}

test(`${label} C and Escape clear the pad and the prediction`, async () => {
  for (const key of ['c', 'Escape']) {
    await drawOn(page, DRAWINGS[0]);
    await settled(page);
    assert.notEqual(await page.evaluate(() => window.digitnet.lastResult.prediction), null);
    await page.press(key);
    await settled(page);
    await page.waitFor(() => window.digitnet.lastResult.prediction === null);
    const s = await page.evaluate(() => {
      const c = document.getElementById('pad');
      const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      return {
        ink: data.some((v, i) => i % 4 === 3 && v !== 0),
        status: document.getElementById('status').textContent,
      };
    });
    assert.equal(s.ink, false, `${key}: ink left on the pad`);
    assert.match(s.status, /Nothing drawn/, `${key}: status text`);
  }
});

test(`${label} no console error, failed request or request off the local server`, async () => {
  assert.deepEqual(
    {
      console: consoles.flat(),
      failed: server.failed,
      offsite: await offsite(page, server.url),
    },
    { console: [], failed: [], offsite: [] },
    'console errors or warnings, failed requests, requests off the local server',
  );
});
