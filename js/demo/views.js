// What the page shows: probability bars, the network's input and activations, the model card.
// Built with DOM APIs only; colours and sizes go through element.style, which the CSP allows.

const SVG = 'http://www.w3.org/2000/svg';

export const percent = (p, digits = 1) => `${(p * 100).toFixed(digits)} %`;

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  node.append(...children);
  return node;
}

// ---- live views ---------------------------------------------------------------------------

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

// ---- model card ---------------------------------------------------------------------------

// What ran: @digitnet/engine/wasm's kernel, or the core it falls back to (the same bits).
const ENGINES = { wasm: 'WebAssembly SIMD', js: 'JavaScript' };

export function renderFacts(dl, info, bytes, history) {
  const { createdAt } = info.metadata;
  const epochs = Array.isArray(history) ? history.length : null;
  const facts = [
    ['Weights version', info.version],
    ['Engine', ENGINES[info.backend ?? 'js']],
    ['Architecture', info.architecture.join('→')],
    ['Float accuracy', num(info.floatAccuracy) ? percent(info.floatAccuracy, 2) : null],
    ['int8 accuracy', num(info.int8Accuracy) ? percent(info.int8Accuracy, 2) : null],
    ['Size on the wire', `${bytes.toLocaleString('en')} bytes`],
    ['Quantization', info.quantization],
    ['Epochs', epochs],
    ['Trained', typeof createdAt === 'string' ? createdAt.slice(0, 10) : null],
  ];
  const cells = {};
  for (const [name, value] of facts) {
    if (value === null || value === undefined || value === '') continue;
    const dd = el('dd', { textContent: String(value) });
    dl.append(el('div', {}, el('dt', { textContent: name }), dd));
    cells[name] = dd;
  }
  return cells;
}

const num = (v) => typeof v === 'number' && Number.isFinite(v);

// Two line charts from the model card's history: loss, and train/test accuracy, per epoch.
export function renderCurves(box, history, note = 'No training history.') {
  // Cards before 1.1.0 spell the history's keys in snake_case; later ones in camelCase.
  const rows = (Array.isArray(history) ? history.filter((h) => num(h.epoch)) : []).map((h) => ({
    ...h,
    trainAccuracy: h.trainAccuracy ?? h.train_accuracy,
    testAccuracy: h.testAccuracy ?? h.test_accuracy,
  }));
  if (!rows.length) {
    box.append(el('p', { textContent: note }));
    return;
  }
  const last = rows[rows.length - 1];
  box.append(
    chart(
      'loss',
      'Training loss per epoch',
      rows,
      [['loss', 'train loss']],
      `Loss fell from ${fmt(rows[0].loss)} to ${fmt(last.loss)} over ${rows.length} epochs.`,
    ),
  );
  box.append(
    chart(
      'acc',
      'Accuracy per epoch',
      rows,
      [
        ['trainAccuracy', 'train'],
        ['testAccuracy', 'test'],
      ],
      `Final accuracy: train ${pct(last.trainAccuracy)}, test ${pct(last.testAccuracy)}.`,
      true,
    ),
  );
}

const fmt = (v) => (num(v) ? v.toPrecision(3) : '?');
const pct = (v) => (num(v) ? percent(v, 2) : '?');

function chart(id, title, rows, series, summary, asPercent = false) {
  const W = 360,
    H = 200,
    L = 46,
    R = 10,
    T = 10,
    B = 30;
  const values = series.flatMap(([key]) => rows.map((r) => r[key]).filter(num));
  let lo = Math.min(...values),
    hi = Math.max(...values);
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = (hi - lo) * 0.08;
  lo = Math.max(lo - pad, 0); // losses and accuracies are never negative,
  hi = asPercent ? Math.min(hi + pad, 1) : hi + pad; // and accuracies never above 100 %
  const e0 = rows[0].epoch,
    e1 = rows[rows.length - 1].epoch;
  const x = (e) => L + (e1 > e0 ? (e - e0) / (e1 - e0) : 0.5) * (W - L - R);
  const y = (v) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);

  const titleId = `curve-${id}-title`,
    descId = `curve-${id}-desc`;
  const root = svg(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      role: 'img',
      'aria-labelledby': titleId,
      'aria-describedby': descId,
    },
    svg('title', { id: titleId }, title),
    svg('desc', { id: descId }, summary),
  );

  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    root.append(
      svg('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }),
      svg(
        'text',
        { x: L - 4, y: y(v) + 4, 'text-anchor': 'end' },
        asPercent ? `${(v * 100).toFixed(1)}` : v.toPrecision(2),
      ),
    );
  }
  const step = Math.max(1, Math.ceil(rows.length / 8));
  rows.forEach((r, i) => {
    if (i % step === 0 || i === rows.length - 1) {
      root.append(svg('text', { x: x(r.epoch), y: H - B + 14, 'text-anchor': 'middle' }, r.epoch));
    }
  });
  root.append(
    svg('text', { x: (L + W - R) / 2, y: H - 3, 'text-anchor': 'middle' }, 'epoch'),
    svg('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }),
    svg('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }),
  );

  series.forEach(([key], s) => {
    const pts = rows.filter((r) => num(r[key])).map((r) => `${x(r.epoch)},${y(r[key])}`);
    root.append(svg('polyline', { class: `series s${s}`, points: pts.join(' ') }));
    if (rows.length > 20) return; // dots only while they stay apart
    for (const r of rows)
      if (num(r[key]))
        root.append(svg('circle', { class: `dot${s}`, cx: x(r.epoch), cy: y(r[key]), r: 2.5 }));
  });

  const legend = el(
    'figcaption',
    { className: 'legend' },
    el('strong', { textContent: `${title}${asPercent ? ' (%)' : ''}` }),
    el('br'),
  );
  series.forEach(([, label], s) => {
    legend.append(el('span', { className: `swatch s${s}` }), label, ' ');
  });
  legend.append(el('br'), summary);
  return el('figure', {}, root, legend);
}

export function renderConfusion(table, confusion) {
  if (!Array.isArray(confusion) || confusion.length !== 10) {
    table.append(el('caption', { textContent: 'No confusion matrix in this model file.' }));
    return;
  }
  table.append(
    el('caption', {
      textContent:
        "Rows: true digit; columns: the int8 model's prediction. Correct in blue, errors in red.",
    }),
  );
  const head = el(
    'tr',
    {},
    el('th', { scope: 'col', className: 'corner', textContent: 'true \\ pred.' }),
  );
  for (let d = 0; d < 10; d++) head.append(el('th', { scope: 'col', textContent: String(d) }));
  table.append(el('thead', {}, head));
  const body = el('tbody');
  confusion.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    const tr = el('tr', {}, el('th', { scope: 'row', textContent: String(t) }));
    row.forEach((count, p) => {
      // sqrt makes a 1 % error rate visible next to a 99 % diagonal
      const a = Math.sqrt(count / total);
      const td = el('td', { textContent: String(count) });
      td.style.backgroundColor =
        t === p ? `rgba(11, 87, 208, ${a})` : `rgba(197, 34, 31, ${Math.min(1, a * 1.5)})`;
      if (a > 0.55) td.classList.add('dark');
      tr.append(td);
    });
    body.append(tr);
  });
  table.append(body);
}

export function renderShift(table, shift, int8Accuracy) {
  if (!shift || typeof shift !== 'object') {
    table.append(el('caption', { textContent: 'No shift robustness in this model file.' }));
    return;
  }
  table.append(
    el('caption', {
      textContent: 'int8 accuracy on the MNIST test digits moved by that many pixels.',
    }),
  );
  const rows = [
    ['0', int8Accuracy],
    ...Object.keys(shift)
      .sort((a, b) => a - b)
      .map((k) => [k, shift[k]]),
  ];
  table.append(
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', { scope: 'col', textContent: 'Shift (px)' }),
        el('th', { scope: 'col', textContent: 'Accuracy' }),
      ),
    ),
  );
  table.append(
    el(
      'tbody',
      {},
      ...rows.map(([k, v]) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row', textContent: k }),
          el('td', { textContent: num(v) ? percent(v, 1) : '–' }),
        ),
      ),
    ),
  );
}

// The robustness suite of the model card (FORMAT.md): int8 accuracy on test digits under each
// fixed transform, the worst last. Files before 1.1.0 carry only the shifts (shown above).
const TRANSFORMS = {
  shift2: 'shifted 2 px',
  shift3: 'shifted 3 px',
  shift4: 'shifted 4 px',
  rotateMinus20: 'rotated 20° clockwise',
  rotateMinus10: 'rotated 10° clockwise',
  rotate10: 'rotated 10° counter-clockwise',
  rotate20: 'rotated 20° counter-clockwise',
  scale80: 'scaled to 0.8',
  scale120: 'scaled to 1.2',
  thinning: 'thinner strokes (3x3 erosion)',
  thickening: 'thicker strokes (3x3 dilation)',
  elastic: 'elastic distortion',
  worst: 'the worst of these',
};

export function renderRobustness(table, suite) {
  if (!suite || typeof suite !== 'object') {
    table.append(el('caption', { textContent: 'No robustness suite in this model file.' }));
    return;
  }
  table.append(
    el('caption', { textContent: 'int8 accuracy on the MNIST test digits, transformed.' }),
  );
  const head = el(
    'tr',
    {},
    el('th', { scope: 'col', textContent: 'Test digits' }),
    el('th', { scope: 'col', textContent: 'Accuracy' }),
  );
  const rows = Object.entries(suite).map(([k, v]) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row', textContent: TRANSFORMS[k] ?? k }),
      el('td', { textContent: num(v) ? percent(v, 1) : '–' }),
    ),
  );
  table.append(el('thead', {}, head), el('tbody', {}, ...rows));
}
