// The demo page: load the pinned weights, read the pad at most once per animation frame,
// show what the network sees and says. The engine is @digitnet/engine/wasm: its WebAssembly
// kernel where the page's CSP allows 'wasm-unsafe-eval' (index.html's does), else the core
// with the same bits; the page says which ran. `window.digitnet` holds the last result, as plain
// arrays, for anyone who wants the numbers (the end-to-end test reads it).
import { loadModel, preprocess } from '../src/wasm.js';
import { createPad } from './pad.js';
import {
  renderConfusion,
  renderCurves,
  renderFacts,
  quantizedName,
  renderPurpose,
  renderRobustness,
} from './card.js';
import { createBars, drawActivations, drawInput, el, percent, renderTop } from './views.js';

const $ = (id) => document.getElementById(id);
const MODEL_URL = new URL('../model.json', import.meta.url);

const state = {
  info: null,
  modelBytes: null,
  drawn: 0, // bumped by every change to the pad
  predictions: 0, // network runs: at most one per animation frame, however many events arrive
  lastResult: null, // {drawn, prediction, top, probs, input, hidden, logits} for the pad at `drawn`
};
window.digitnet = state;

let model = null;
let scheduled = false;
let announce = false;
const setBars = createBars($('bars'));
const pad = createPad($('pad'), (what) => {
  state.drawn++;
  if (what !== 'draw') announce = true; // speak once per stroke, not sixty times a second
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(update);
  }
});

function update() {
  scheduled = false;
  if (!model) return;
  const { data, width, height } = pad.pixels();
  const x = preprocess(data, width, height, { ink: 'alpha' });
  let result = {
    drawn: state.drawn,
    prediction: null,
    top: null,
    probs: null,
    input: null,
    hidden: null,
    logits: null,
  };
  if (x) {
    state.predictions++;
    const { probs, hidden, logits } = model.forward(x);
    const top = model.classify(x); // the top 3, from the same probabilities
    result = {
      drawn: state.drawn,
      prediction: top[0].digit,
      top,
      probs: Array.from(probs),
      input: Array.from(x),
      hidden: hidden.map((h) => Array.from(h)),
      logits: Array.from(logits),
    };
  }
  state.lastResult = result;
  show(result);
}

function show({ prediction, top, probs, input, hidden }) {
  setBars(probs, prediction);
  renderTop($('top'), top);
  drawInput($('input'), input);
  drawActivations($('hidden0'), hidden?.[0]);
  drawActivations($('hidden1'), hidden?.[1]);
  $('guess').textContent = probs ? String(prediction) : '?';
  $('mini').textContent = probs ? `Reads ${prediction} (${percent(probs[prediction])})` : '';
  if (announce && !pad.drawing) {
    announce = false;
    $('status').textContent = probs
      ? `Prediction: ${prediction} (${percent(probs[prediction])})`
      : 'Nothing drawn yet. Draw a digit on the pad.';
  }
}

function isTyping(target) {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))
  );
}

$('clear').addEventListener('click', () => pad.clear());
document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
  if (e.key === 'Escape' || e.key === 'c' || e.key === 'C') {
    e.preventDefault();
    pad.clear();
  }
});

async function start() {
  const res = await fetch(MODEL_URL);
  if (!res.ok) throw new Error(`${MODEL_URL.pathname}: HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const doc = JSON.parse(new TextDecoder().decode(bytes));
  model = loadModel(doc);
  const bits = doc.layers.map((L) => L.bits ?? 8); // FORMAT.md: 8 when absent
  for (const span of document.querySelectorAll('.quantized'))
    span.textContent = quantizedName(bits);
  state.info = model.info;
  state.modelBytes = bytes.length;

  const { info } = model;
  const card = await loadCard(info);
  const facts = renderFacts($('facts'), info, bytes.length, card.history, bits, card.previous);
  renderPurpose($('purpose'), card);
  renderCurves($('curves'), card);
  renderConfusion($('confusion'), info.metadata.confusion);
  renderRobustness($('robustness'), { ...info.metadata, int8Accuracy: info.int8Accuracy });
  gzipSize(bytes).then((n) => {
    if (n)
      facts['Size on the wire'].append(
        el('small', { textContent: ` (${(n / 1024).toFixed(1)} KiB gzipped)` }),
      );
  });

  announce = true;
  update();
  document.body.dataset.state = 'ready';
}

// The model card, `metadata.card`: a file beside the model (its history, recipe, intended use
// and limitations), or a note saying why there is none.
async function loadCard({ version, metadata }) {
  if (typeof metadata.card !== 'string')
    return { note: 'This model file has no training history.' };
  const url = new URL(metadata.card, MODEL_URL);
  const res = await fetch(url);
  if (!res.ok) return { note: `No training history: ${url.pathname} answered HTTP ${res.status}.` };
  const card = await res.json();
  if (card.format !== 'digitnet-card' || card.weightsVersion !== version) {
    return { note: `No training history: ${url.pathname} is not the card of weights ${version}.` };
  }
  return card;
}

// What a server with gzip would send; skipped where CompressionStream is missing.
async function gzipSize(bytes) {
  if (typeof CompressionStream !== 'function') return null;
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

start().catch((err) => {
  document.body.dataset.state = 'error';
  $('status').textContent = `Could not load the model: ${err.message}`;
  console.error(err);
});
