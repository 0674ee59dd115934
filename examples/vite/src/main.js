// A drawing pad that classifies what is drawn, with @digitnet/engine from npm. The weights are
// not bundled into the script: `?url` makes Vite emit model.json as a separate asset, fetched
// once with its integrity (the browser refuses any other bytes).
import { loadModel, preprocess, weights } from '@digitnet/engine';
import modelUrl from '@digitnet/engine/model.json?url';

const status = document.getElementById('status');
const digit = document.getElementById('digit');
const pad = document.getElementById('pad');
const ctx = pad.getContext('2d', { willReadFrequently: true });

// The weights are a separate file; integrity makes the browser refuse any other bytes.
async function load() {
  const res = await fetch(modelUrl, { integrity: weights.integrity });
  const model = loadModel(await res.arrayBuffer());
  status.textContent = `weights ${model.info.version}, integrity checked`;
  return model;
}
const model = await load().catch((e) => {
  status.textContent = `could not load the weights: ${e.message}`;
});

// A white canvas with a black pen: preprocess's default ink ('auto') reads it.
function clear() {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, pad.width, pad.height);
  digit.textContent = '';
}
clear();
Object.assign(ctx, { lineWidth: 18, lineCap: 'round', lineJoin: 'round' });

let last = null;
pad.addEventListener('pointerdown', (e) => {
  last = [e.offsetX, e.offsetY];
});
pad.addEventListener('pointermove', (e) => {
  if (!last) return;
  ctx.beginPath();
  ctx.moveTo(...last);
  ctx.lineTo(e.offsetX, e.offsetY);
  ctx.stroke();
  last = [e.offsetX, e.offsetY];
});
pad.addEventListener('pointerup', () => {
  last = null;
  const { data, width, height } = ctx.getImageData(0, 0, pad.width, pad.height);
  const x = preprocess(data, width, height); // null if nothing is drawn
  if (model && x) digit.textContent = model.classify(x, 1)[0].digit;
});
document.getElementById('clear').addEventListener('click', clear);
