// The page draws and keeps the strokes; the engine runs in a module worker (worker.js), which
// gets the strokes, draws them itself and answers with the top three digits. The page never
// loads the engine or the weights.
const status = document.getElementById('status');
const digit = document.getElementById('digit');
const pad = document.getElementById('pad');
const ctx = pad.getContext('2d');
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });

worker.onmessage = ({ data }) => {
  if (data.error) status.textContent = `could not load the weights: ${data.error}`;
  else if (data.ready) status.textContent = `weights ${data.ready}, integrity checked`;
  else digit.textContent = data.top.length ? data.top[0].digit : '';
};

let strokes = [];
function clear() {
  strokes = [];
  ctx.clearRect(0, 0, pad.width, pad.height);
  digit.textContent = '';
}
Object.assign(ctx, { lineWidth: 18, lineCap: 'round', lineJoin: 'round' });
pad.addEventListener('pointerdown', (e) => {
  strokes.push([[e.offsetX, e.offsetY]]);
});
pad.addEventListener('pointermove', (e) => {
  const stroke = e.buttons ? strokes.at(-1) : null;
  if (!stroke) return;
  ctx.beginPath();
  ctx.moveTo(...stroke.at(-1));
  ctx.lineTo(e.offsetX, e.offsetY);
  ctx.stroke();
  stroke.push([e.offsetX, e.offsetY]);
});
pad.addEventListener('pointerup', () => {
  worker.postMessage({ strokes, width: pad.width, height: pad.height });
});
document.getElementById('clear').addEventListener('click', clear);
