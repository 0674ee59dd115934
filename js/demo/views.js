// What the page shows as you draw: the probabilities (bars and classify's top 3), the network's
// input and activations. The model card is card.js. Built with DOM APIs only; colours and
// sizes go through element.style, which the CSP allows.

// A probability as a percentage, with the decimals that tell it from 0 % and 100 % (two
// significant digits of the gap): 99.9970 %, not 100.0 %; 0.0021 %, not 0.0 %. Below a
// millionth of a percent from either end: 1.2e-9 %, or > 99.999999 %.
export function percent(p) {
  const gap = Math.min(p, 1 - p) * 100;
  if (!(gap > 0)) return `${p >= 1 ? 100 : 0} %`;
  if (gap < 1e-6) return p < 0.5 ? `${(p * 100).toExponential(1)} %` : '> 99.999999 %';
  return `${(p * 100).toFixed(Math.max(1, 1 - Math.floor(Math.log10(gap))))} %`;
}

// A fixed number of decimals, for figures that are not one of the ten probabilities.
export const percentFixed = (p, digits = 1) => `${(p * 100).toFixed(digits)} %`;

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

export function createBars(list) {
  const rows = [];
  for (let d = 0; d < 10; d++) {
    const fill = el('div', { className: 'fill' });
    const pct = el('span', { className: 'pct', textContent: '–' });
    const li = el(
      'li',
      {},
      el('span', { textContent: String(d) }),
      el('div', { className: 'track' }, fill),
      pct,
    );
    list.append(li);
    rows.push({ li, fill, pct });
  }
  // `top`: the digit the model reads (model.classify's first), highlighted; none without probs
  return (probs, top = -1) => {
    rows.forEach(({ li, fill, pct }, d) => {
      const p = probs ? probs[d] : 0;
      fill.style.transform = `scaleX(${p})`;
      pct.textContent = probs ? percent(p) : '–';
      li.classList.toggle('top', d === top);
    });
  };
}

// model.classify's top 3 (digit and probability, most likely first), or nothing.
export function renderTop(list, top) {
  list.replaceChildren(
    ...(top ?? []).map(({ digit, probability }) =>
      el('li', {}, el('strong', { textContent: String(digit) }), ` ${percent(probability)}`),
    ),
  );
}

// The 28x28 input as MNIST shows it: white ink on black.
export function drawInput(canvas, x) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(28, 28),
    px = img.data;
  for (let i = 0; i < 784; i++) {
    px[4 * i] = px[4 * i + 1] = px[4 * i + 2] = x ? Math.round(x[i] * 255) : 0;
    px[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// One heat square per unit, scaled to the layer's largest activation in this frame.
export function drawActivations(canvas, a) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(canvas.width, canvas.height);
  let max = 0;
  if (a) for (const v of a) max = Math.max(max, v);
  for (let i = 0; i < canvas.width * canvas.height; i++) {
    heat(a && max > 0 ? a[i] / max : 0, img.data, i * 4);
  }
  ctx.putImageData(img, 0, 0);
}

// Dark blue -> teal -> yellow: bright means active, readable on the black background.
const STOPS = [
  [16, 18, 40],
  [33, 145, 140],
  [253, 231, 37],
];

// The colour of t in [0, 1] as opaque RGBA, written into px at offset o.
function heat(t, px, o) {
  const s = Math.min(Math.max(t, 0), 1) * 2;
  const k = Math.min(Math.floor(s), 1);
  const f = s - k;
  for (let j = 0; j < 3; j++)
    px[o + j] = Math.round(STOPS[k][j] + (STOPS[k + 1][j] - STOPS[k][j]) * f);
  px[o + 3] = 255;
}
