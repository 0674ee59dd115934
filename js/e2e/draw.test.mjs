// End to end: the demo page in a real headless Chromium, digits drawn with the browser's own
// mouse, pen and touch events. Each drawing's pad pixels, preprocessed input, activations,
// logits and probabilities go to artifacts/e2e/results.json for check_reference.py to
// recompute with the Python reference.
//
//   node --test js/e2e/            CHROMIUM=/path/to/chromium  DIGITNET_MODEL=/path/to/model.json
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { loadModel } from '../src/index.js';
import { ROOT, launchChromium, startServer } from './server.mjs';
import { DRAWINGS, strokePoints } from './strokes.mjs';
import { argmax } from '../test/helpers.js';
import { TEST_IMAGES, imageBytes, mnistFile, toInput } from '../test/mnist.js';

const OUT = resolve(ROOT, '..', 'artifacts', 'e2e');
const MODEL = resolve(process.env.DIGITNET_MODEL || join(ROOT, 'model.json'));
let server, browser, page;
const problems = { console: [], failed: [], offsite: [] };
const results = [];

before(async () => {
  await readFile(MODEL).catch(() => {
    throw new Error(`${MODEL}: missing; the page needs the pinned weights (or set DIGITNET_MODEL)`);
  });
  await rm(OUT, { recursive: true, force: true }); // a stale results.json must not pass
  await mkdir(OUT, { recursive: true });
  server = await startServer({ model: MODEL });
  browser = await launchChromium();
  page = await openPage({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 });
});

// A fresh context on the demo, watched: everything it loads must come from our server
// (anything else is recorded and refused), and its console must stay clean.
async function openPage(options) {
  const context = await browser.newContext(options);
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${server.url}/`)) return route.continue();
    problems.offsite.push(url);
    return route.abort('blockedbyclient');
  });
  const p = await context.newPage();
  p.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning')
      problems.console.push(`${m.type()}: ${m.text()}`);
  });
  p.on('pageerror', (e) => problems.console.push(`uncaught: ${e.message}`));
  p.on('requestfailed', (r) => problems.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  p.on('response', (r) => {
    if (r.status() >= 400) problems.failed.push(`${r.url()}: HTTP ${r.status()}`);
  });
  await p.goto(`${server.url}/demo/`);
  await p.waitForSelector('body[data-state="ready"]', { timeout: 15000 });
  return p;
}

after(async () => {
  const model = await readFile(MODEL).catch(() => Buffer.alloc(0));
  const info = page
    ? await page.evaluate(() => ({
        version: window.digitnet.info?.version,
        bytes: window.digitnet.modelBytes,
      }))
    : {};
  await writeFile(
    join(OUT, 'results.json'),
    `${JSON.stringify({
      model: {
        path: MODEL,
        sha256: createHash('sha256').update(model).digest('hex'),
        bytes: model.length,
        ...info,
      },
      drawings: results,
    })}\n`,
  );
  await browser?.close();
  await server?.close();
});

// Pad pixel (0..280) -> page coordinates, through the canvas's CSS box and border.
async function padToPage(p) {
  const box = await p.evaluate(() => {
    const c = document.getElementById('pad');
    const r = c.getBoundingClientRect();
    return {
      x: r.left + c.clientLeft,
      y: r.top + c.clientTop,
      sx: c.clientWidth / c.width,
      sy: c.clientHeight / c.height,
    };
  });
  return ([x, y]) => [box.x + x * box.sx, box.y + y * box.sy];
}

async function draw(p, drawing) {
  const toPage = await padToPage(p);
  for (const stroke of strokePoints(drawing)) {
    const [first, ...rest] = stroke.map(toPage);
    await p.mouse.move(...first);
    await p.mouse.down();
    for (const q of rest) await p.mouse.move(...q);
    await p.mouse.up();
  }
}

// A finger: touchStart, touchMove along the stroke, touchEnd, as the browser gets them.
async function drawWithTouch(p, drawing) {
  const toPage = await padToPage(p);
  const cdp = await p.context().newCDPSession(p);
  const touch = (type, points) =>
    cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map(([x, y]) => ({ x, y })) });
  for (const stroke of strokePoints(drawing)) {
    const [first, ...rest] = stroke.map(toPage);
    await touch('touchStart', [first]);
    for (const q of rest) await touch('touchMove', [q]);
    await touch('touchEnd', []);
  }
  await cdp.detach();
}

// The page predicts on the next animation frame; wait until its result is for the pad as drawn.
const settled = (p) =>
  p.waitForFunction(
    () => {
      const d = window.digitnet;
      return d.lastResult && d.lastResult.drawn === d.drawn;
    },
    null,
    { timeout: 5000 },
  );

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
  assert.ok(Math.abs(sum - 1) < 1e-12, `${name}: probabilities sum to ${sum}`);
  const pct = `${(s.probs[s.prediction] * 100).toFixed(1)} %`;
  assert.equal(s.status, `Prediction: ${s.prediction} (${pct})`, `${name}: aria-live text`);
  assert.equal(s.guess, String(s.prediction), `${name}: the large guess`);
  const top3 = s.probs
    .map((q, d) => [d, q])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3);
  assert.equal(
    s.prediction,
    expected,
    `${name}: expected ${expected}, the page predicts ${s.prediction} ` +
      `(top 3: ${top3.map(([d, q]) => `${d} ${(q * 100).toFixed(1)} %`).join(', ')})`,
  );
}

for (const drawing of DRAWINGS) {
  test(`draws ${drawing.name} and reads ${drawing.digit}`, async () => {
    await page.getByRole('button', { name: 'Clear' }).click();
    await settled(page);
    await draw(page, drawing);
    await settled(page);
    const s = await snapshot(page);
    await page.screenshot({ path: join(OUT, `${drawing.name}.png`) });
    record(drawing.name, drawing.digit, s);
  });
}

// A pen: the browser's own pen events (CDP Input.dispatchMouseEvent with pointerType "pen").
test('draws a one with a pen and reads 1', async () => {
  await page.getByRole('button', { name: 'Clear' }).click();
  await settled(page);
  await page.evaluate(() => {
    window.seenPointers = new Set();
    document
      .getElementById('pad')
      .addEventListener('pointermove', (e) => window.seenPointers.add(e.pointerType));
  });
  const toPage = await padToPage(page);
  const cdp = await page.context().newCDPSession(page);
  const pen = (type, [x, y], buttons) =>
    cdp.send('Input.dispatchMouseEvent', {
      type,
      x,
      y,
      button: 'left',
      buttons,
      clickCount: 1,
      pointerType: 'pen',
    });
  const one = DRAWINGS.find((d) => d.digit === 1);
  for (const stroke of strokePoints(one)) {
    const [first, ...rest] = stroke.map(toPage);
    await pen('mousePressed', first, 1);
    for (const q of rest) await pen('mouseMoved', q, 1);
    await pen('mouseReleased', rest.at(-1) ?? first, 0);
  }
  await cdp.detach();
  await settled(page);
  assert.deepEqual(
    await page.evaluate(() => [...window.seenPointers]),
    ['pen'],
    'pointer types the pad saw',
  );
  const s = await snapshot(page);
  await page.screenshot({ path: join(OUT, 'pen-one.png') });
  record('pen-one', 1, s);
});

// Sixty pointer moves inside one task (as a fast pen can deliver between two frames): the pad
// takes every one, the network runs once, on the next frame, and sees the pad as it ends.
test('sixty moves within one frame give one prediction, of the final pad', async () => {
  await page.getByRole('button', { name: 'Clear' }).click();
  await settled(page);
  const toPage = await padToPage(page);
  await page.mouse.move(...toPage([140, 40]));
  await page.mouse.down();
  await settled(page);
  const r = await page.evaluate(
    (box) => {
      const d = window.digitnet,
        pad = document.getElementById('pad'),
        r0 = pad.getBoundingClientRect();
      const before = { drawn: d.drawn, predictions: d.predictions };
      for (let k = 1; k <= 60; k++) {
        const [x, y] = [140 + 30 * Math.sin(k / 10), 40 + 3.5 * k];
        pad.dispatchEvent(
          new PointerEvent('pointermove', {
            pointerId: 1,
            pointerType: 'mouse',
            isPrimary: true,
            bubbles: true,
            buttons: 1,
            clientX: r0.left + box.x + x * box.sx,
            clientY: r0.top + box.y + y * box.sy,
          }),
        );
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
    },
    await page.evaluate(() => {
      const c = document.getElementById('pad');
      return {
        x: c.clientLeft,
        y: c.clientTop,
        sx: c.clientWidth / c.width,
        sy: c.clientHeight / c.height,
      };
    }),
  );
  await page.mouse.up();
  assert.equal(r.moves, 60, 'pointer moves the pad took');
  assert.equal(r.during, 0, 'predictions made while the moves were arriving');
  assert.equal(r.after, 1, 'predictions made on the next frames');
  assert.ok(r.current, 'the prediction is of the pad after the last move');
});

test('C and Escape clear the pad and the prediction', async () => {
  for (const key of ['c', 'Escape']) {
    await draw(page, DRAWINGS[0]);
    await settled(page);
    assert.notEqual(await page.evaluate(() => window.digitnet.lastResult.prediction), null);
    await page.keyboard.press(key);
    await settled(page);
    const s = await page.evaluate(() => ({
      r: window.digitnet.lastResult,
      status: document.getElementById('status').textContent,
      ink: (() => {
        const c = document.getElementById('pad');
        return c
          .getContext('2d')
          .getImageData(0, 0, c.width, c.height)
          .data.some((v, i) => i % 4 === 3 && v !== 0);
      })(),
    }));
    assert.equal(s.ink, false, `${key}: ink left on the pad`);
    assert.equal(s.r.prediction, null, `${key}: a prediction is left`);
    assert.match(s.status, /Nothing drawn/, `${key}: status text`);
  }
});

test('the model card shows the metadata', async () => {
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
    info: window.digitnet.info,
    bytes: window.digitnet.modelBytes,
  }));
  const model = await readFile(MODEL);
  assert.equal(card.bytes, model.length, 'size on the wire: bytes fetched');
  assert.match(
    card.facts['Size on the wire'],
    new RegExp(`^${model.length.toLocaleString('en')} bytes`),
  );
  assert.equal(card.facts['Weights version'], card.info.version);
  assert.equal(card.facts['int8 accuracy'], `${(card.info.int8Accuracy * 100).toFixed(2)} %`);
  assert.equal(
    card.curves,
    3,
    `loss, train and test accuracy curves (the page says: ${card.curvesText})`,
  );
  const { history } = JSON.parse(
    await readFile(join(dirname(MODEL), card.info.metadata.card), 'utf8'),
  );
  assert.equal(card.facts.Epochs, String(history.length), 'epochs in the training history');
  assert.deepEqual(card.confusion, card.info.metadata.confusion, 'confusion matrix');
  const { shiftRobustness: shift } = card.info.metadata;
  assert.deepEqual(
    card.shift,
    [['0', card.info.int8Accuracy], ...['2', '3', '4'].map((k) => [k, shift[k]])].map(
      ([k, v]) => `${k}${(v * 100).toFixed(1)} %`,
    ),
    'shift robustness: 0, 2, 3, 4 px',
  );
  const suite = Object.values(card.info.metadata.robustness ?? {});
  assert.ok(suite.length >= 13, 'the pinned weights carry the robustness suite');
  assert.deepEqual(
    card.robustness,
    suite.map((v) => `${(v * 100).toFixed(1)} %`),
    'robustness suite, as in the card',
  );
  await page.screenshot({ path: join(OUT, 'page.png'), fullPage: true });
});

test('on a phone: fits the screen and reads a seven drawn with a finger', async () => {
  const phone = await openPage({
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  const seven = DRAWINGS.find((d) => d.digit === 7);
  await drawWithTouch(phone, seven);
  await settled(phone);
  const s = await snapshot(phone);
  await phone.screenshot({ path: join(OUT, 'phone-touch-seven.png') });
  const [scrollWidth, innerWidth] = await phone.evaluate(() => [
    document.documentElement.scrollWidth,
    window.innerWidth,
  ]);
  await phone.context().close();
  assert.ok(
    scrollWidth <= innerWidth,
    `phone: the page is ${scrollWidth} px wide in a ${innerWidth} px window`,
  );
  record('phone-touch-seven', 7, s);
});

test('no console error, failed request or request off the local server', () => {
  assert.deepEqual(
    problems,
    { console: [], failed: [], offsite: [] },
    'console errors or warnings, failed requests, requests off the local server',
  );
});

// --- @digitnet/engine/wasm in Chromium: the fast path where the page's CSP allows compiling
// WebAssembly, the fallback to the core where it does not, the same bits either way. ---

// MNIST's 10,000 test digits (the folder nox -s e2e hands in as DIGITNET_MNIST_DIR, read by
// test/mnist.js) and every preprocessing case of the fixtures.
async function testData() {
  const { cases } = JSON.parse(
    await readFile(join(ROOT, '..', 'fixtures', 'preprocess', 'cases.json'), 'utf8'),
  );
  return { images: imageBytes(mnistFile(TEST_IMAGES), TEST_IMAGES), cases };
}

// A page of the demo server, watched for console messages, with the test data served at
// /e2e-data/ by the browser itself (the server serves only the page's files) and, if `csp` is
// given, the page's CSP (header and <meta>) replaced by it.
async function wasmPage(csp, data) {
  const context = await browser.newContext();
  const consoleErrors = [];
  let metaReplaced = false;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${server.url}/`)) return route.continue();
    problems.offsite.push(url);
    return route.abort('blockedbyclient');
  });
  await context.route(`${server.url}/e2e-data/*`, (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop();
    const body = name === 'mnist.bin' ? data.images : Buffer.from(JSON.stringify(data.cases));
    return route.fulfill({ status: 200, body, contentType: 'application/octet-stream' });
  });
  if (csp) {
    await context.route(`${server.url}/demo/`, async (route) => {
      const res = await route.fetch();
      const old = res.headers()['content-security-policy'];
      const body = (await res.text()).replace(
        /(http-equiv="Content-Security-Policy"\s+content=")[^"]+/,
        `$1${csp}`,
      );
      metaReplaced = body.includes(csp); // checked by the test: an assert here would hang the page
      return route.fulfill({
        response: res,
        body,
        headers: { ...res.headers(), 'content-security-policy': csp, 'x-replaced-csp': old },
      });
    });
  }
  const p = await context.newPage();
  p.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.text());
  });
  p.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
  const response = await p.goto(`${server.url}/demo/`);
  await p.waitForSelector('body[data-state="ready"]', { timeout: 15000 });
  return {
    p,
    consoleErrors,
    metaReplaced,
    csp: response.headers()['content-security-policy'],
    close: () => context.close(),
  };
}

// In the page: both entries on every MNIST test digit and every preprocessing case; whether
// the page may compile WebAssembly at all; and the wasm entry's logits for a few digits.
function runBothEntries() {
  return async () => {
    const [core, wasm] = await Promise.all([import('/src/index.js'), import('/src/wasm.js')]);
    const bytes = new Uint8Array(await (await fetch('/model.json')).arrayBuffer());
    const slow = core.loadModel(bytes),
      fast = wasm.loadModel(bytes);
    const images = new Uint8Array(await (await fetch('/e2e-data/mnist.bin')).arrayBuffer());
    const cases = await (await fetch('/e2e-data/cases.json')).json();
    let canCompile = true;
    try {
      new WebAssembly.Module(Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0));
    } catch {
      canCompile = false;
    }
    const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
    const differ = [];
    const check = (x, what) => {
      const a = fast.forward(x),
        b = slow.forward(x);
      const ok =
        same(a.probs, b.probs) &&
        same(a.logits, b.logits) &&
        a.hidden.every((h, k) => same(h, b.hidden[k])) &&
        same(fast.predict(x), b.probs);
      if (!ok) differ.push(what);
      return a;
    };
    const n = images.length / 784,
      logits = [];
    for (let k = 0; k < n; k++) {
      const f = check(
        Float64Array.from(images.subarray(784 * k, 784 * (k + 1)), (v) => v / 255),
        `test digit #${k}`,
      );
      if (k < 50) logits.push(Array.from(f.logits));
    }
    let drawn = 0;
    cases.forEach((c, k) => {
      const rgba = Uint8ClampedArray.from(atob(c.rgba), (ch) => ch.charCodeAt(0));
      const x = wasm.preprocess(rgba, c.width, c.height, { ink: c.ink });
      if (x) {
        drawn++;
        check(x, `preprocessing case ${k}`);
      }
    });
    return {
      backend: fast.info.backend,
      canCompile,
      digits: n,
      drawn,
      differ: differ.slice(0, 5),
      differCount: differ.length,
      logits,
    };
  };
}

// The page's logits for the first digits, against the core in Node: the same bits.
async function assertLogitsAsNode(out, images) {
  const model = loadModel(await readFile(MODEL));
  out.logits.forEach((l, k) => {
    const want = Array.from(model.forward(toInput(images.subarray(784 * k, 784 * (k + 1)))).logits);
    assert.deepEqual(l, want, `test digit #${k}: logits in Chromium vs Node`);
  });
}
test('wasm entry, fast path: wasm-unsafe-eval in the CSP, the kernel, same bits', async () => {
  const data = await testData();
  const csp = [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const page2 = await wasmPage(csp, data);
  try {
    assert.equal(page2.csp, csp);
    assert.ok(page2.metaReplaced, "the page's CSP <meta> was not replaced");
    const out = await page2.p.evaluate(runBothEntries());
    assert.equal(out.canCompile, true, 'the page could not compile WebAssembly');
    assert.equal(out.backend, 'wasm');
    assert.equal(out.digits, 10000);
    assert.ok(out.drawn > 200, `${out.drawn} preprocessing cases with ink`);
    assert.deepEqual(
      out.differ,
      [],
      `${out.differCount} inputs where the wasm entry's numbers are not the core's`,
    );
    await assertLogitsAsNode(out, data.images);
    assert.deepEqual(page2.consoleErrors, []);
  } finally {
    await page2.close();
  }
});

test("wasm entry, fallback: the demo's CSP, no wasm-unsafe-eval, the core, same bits", async () => {
  const data = await testData();
  const page2 = await wasmPage(null, data);
  try {
    assert.match(page2.csp, /default-src 'self'/);
    assert.doesNotMatch(
      page2.csp,
      /wasm-unsafe-eval|unsafe-eval/,
      "the demo server's CSP allows WebAssembly: this test would prove nothing",
    );
    const out = await page2.p.evaluate(runBothEntries());
    assert.equal(out.canCompile, false, 'the page compiled WebAssembly despite its CSP');
    assert.equal(out.backend, 'js');
    assert.equal(out.digits, 10000);
    assert.deepEqual(
      out.differ,
      [],
      `${out.differCount} inputs where the fallback's numbers are not the core's`,
    );
    await assertLogitsAsNode(out, data.images);
    // Chromium reports each refused compile; nothing else may appear
    for (const m of page2.consoleErrors)
      assert.match(m, /WebAssembly|wasm-unsafe-eval|Content Security Policy/, m);
  } finally {
    await page2.close();
  }
});
