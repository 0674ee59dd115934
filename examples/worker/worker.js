// A module worker: loads the engine and the weights (fetched with their integrity), then for
// each message of strokes draws them on an OffscreenCanvas and answers with the top three
// digits. (Import maps do not reach workers: the engine is imported by its path.)
import { loadModel, preprocess, weights } from './engine/src/index.js';

const ready = fetch('./engine/model.json', { integrity: weights.integrity })
  .then((res) => res.arrayBuffer())
  .then((bytes) => {
    const model = loadModel(bytes);
    postMessage({ ready: model.info.version });
    return model;
  })
  .catch((e) => postMessage({ error: e.message }));

self.onmessage = async ({ data: { strokes, width, height } }) => {
  const model = await ready;
  if (!model) return;
  const ctx = new OffscreenCanvas(width, height).getContext('2d');
  Object.assign(ctx, { lineWidth: 18, lineCap: 'round', lineJoin: 'round' });
  for (const [first, ...rest] of strokes) {
    ctx.beginPath();
    ctx.moveTo(...first);
    for (const p of rest) ctx.lineTo(...p);
    ctx.stroke();
  }
  const x = preprocess(ctx.getImageData(0, 0, width, height).data, width, height);
  postMessage({ top: x ? model.classify(x, 3) : [] });
};
