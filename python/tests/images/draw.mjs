// How the images beside this script were made: a 7 drawn with real mouse events on a 280x280
// canvas in headless Chromium (the e2e tests' strokes), exported by the canvas itself:
// seven.png (filled white, black pen: an opaque canvas), seven.jpg (the same as JPEG) and
// seven-transparent.png (black pen on a transparent canvas, as the demo's pad).
//   cd js && node ../python/tests/images/draw.mjs
import { writeFileSync } from 'node:fs';
import { launch } from '../../../js/e2e/browsers.mjs';
import { strokePoints } from '../../../js/e2e/strokes.mjs';

const PAGE = `<canvas id="c" width="280" height="280"></canvas><script>
const c = document.getElementById('c'), ctx = c.getContext('2d');
let last = null;
window.setUp = (fill) => {
  ctx.clearRect(0, 0, 280, 280);
  if (fill) { ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, 280, 280); }
  Object.assign(ctx, { strokeStyle: '#000', lineWidth: 18, lineCap: 'round', lineJoin: 'round' });
};
c.onmousedown = (e) => { last = [e.offsetX, e.offsetY]; };
c.onmousemove = (e) => {
  if (!last) return;
  ctx.beginPath(); ctx.moveTo(...last); ctx.lineTo(e.offsetX, e.offsetY); ctx.stroke();
  last = [e.offsetX, e.offsetY];
};
c.onmouseup = () => { last = null; };
</script>`;

const browser = await launch('chromium');
const page = await browser.newPage({ width: 400, height: 400 });
await page.goto(`data:text/html,${encodeURIComponent(`<body style="margin:0">${PAGE}</body>`)}`);
const drawing = { digit: 7, box: [70, 40, 140, 200] };
for (const [name, fill, type] of [
  ['seven.png', true, 'image/png'],
  ['seven.jpg', true, 'image/jpeg'],
  ['seven-transparent.png', false, 'image/png'],
]) {
  await page.evaluate((f) => window.setUp(f), fill);
  await page.strokes(strokePoints(drawing), 'mouse');
  const url = await page.evaluate((t) => document.getElementById('c').toDataURL(t, 0.9), type);
  writeFileSync(new URL(name, import.meta.url), Buffer.from(url.split(',')[1], 'base64'));
}
await browser.close();
