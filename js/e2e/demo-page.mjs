// What the e2e tests share: the browser they run in (nox -s e2e names it in $DIGITNET_BROWSER;
// chromium when run by hand), the label that names it and its version in every test's name,
// the demo server, and the demo page's controls (the pad, the Clear button, the prediction).
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { launch } from './browsers.mjs';
import { ROOT, startServer } from './server.mjs';
import { strokePoints } from './strokes.mjs';

export const OUT_ROOT = resolve(ROOT, '..', 'artifacts', 'e2e');

// The browser of this run, launched once per test file, and where its screenshots go.
export async function e2eBrowser() {
  const browser = await launch(process.env.DIGITNET_BROWSER || 'chromium');
  const out = join(OUT_ROOT, browser.name);
  await mkdir(out, { recursive: true });
  return { browser, out, label: `[${browser.name} ${browser.version}]` };
}

export { startServer };

// The demo (or the same site under /nowasm/), loaded and ready to draw on.
export async function openDemo(browser, server, options = {}, path = '/demo/') {
  const page = await browser.newPage(options);
  await page.goto(`${server.url}${path}`);
  await page.waitFor(() => ['ready', 'error'].includes(document.body.dataset.state));
  const state = await page.evaluate(() => document.body.dataset.state);
  if (state !== 'ready') throw new Error(`${path}: the page did not load (${page.console})`);
  return page;
}

// Pad pixel (0..280) -> viewport coordinates, through the canvas's CSS box and border.
export async function padToPage(page) {
  const box = await page.evaluate(() => {
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

// A drawing of strokes.mjs, drawn by the browser's own mouse, finger or pen.
export async function drawOn(page, drawing, pointerType = 'mouse') {
  const toPage = await padToPage(page);
  await page.strokes(
    strokePoints(drawing).map((stroke) => stroke.map(toPage)),
    pointerType,
  );
}

// The page predicts on the next animation frame; wait until its result is for the pad as drawn.
export const settled = (page) =>
  page.waitFor(() => {
    const d = window.digitnet;
    return d.lastResult && d.lastResult.drawn === d.drawn;
  });

export async function clickClear(page) {
  const [x, y] = await page.evaluate(() => {
    const r = document.getElementById('clear').getBoundingClientRect();
    return [r.left + r.width / 2, r.top + r.height / 2];
  });
  await page.click([x, y]);
  await settled(page);
}

// Every resource the page loaded that is not from the test server (the CSP should refuse them).
export const offsite = (page, origin) =>
  page.evaluate(
    (o) =>
      performance
        .getEntriesByType('resource')
        .map((e) => e.name)
        .filter((u) => !u.startsWith(`${o}/`)),
    origin,
  );
