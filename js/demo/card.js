// The model card on the page: the weights' facts, what the model is for and where it breaks,
// the training curves, the confusion matrix and the robustness suite. Read from model.json's
// metadata and the card file beside it (card.json, fixtures/FORMAT.md). DOM APIs only.
import { chart } from './chart.js';
import { el, percentFixed } from './views.js';

const num = (v) => typeof v === 'number' && Number.isFinite(v);

// What ran: @digitnet/engine/wasm's kernel, or the core it falls back to (the same bits).
const ENGINES = { wasm: 'WebAssembly SIMD', js: 'JavaScript' };

// The quantized network's name from its layers' widths: int8, int4, or 4/4/8-bit when mixed.
export function quantizedName(bits) {
  if (bits.every((b) => b === bits[0])) return `int${bits[0]}`;
  return `${bits.join('/')}-bit`;
}

// The facts, then a sentence on the two accuracies; returns the <dd> of each fact by name.
// `previous` (cards from 2.0.0): the version these weights replace, its accuracy and size.
export function renderFacts(dl, info, bytes, history, bits, previous) {
  const q = quantizedName(bits);
  const { createdAt } = info.metadata;
  const accuracy = (v) => (num(v) ? percentFixed(v, 2) : null);
  const facts = [
    ['Weights version', info.version],
    ['Engine', ENGINES[info.backend ?? 'js']],
    ['Architecture', info.architecture.join('→')],
    ['Float accuracy', accuracy(info.floatAccuracy)],
    [`${q} accuracy`, accuracy(info.int8Accuracy)],
    ['Size on the wire', `${bytes.toLocaleString('en')} bytes`],
    ['Weights it replaces', replaced(previous, accuracy)],
    ['Quantization', info.quantization],
    ['Epochs', Array.isArray(history) ? history.length : null],
    ['Trained', typeof createdAt === 'string' ? createdAt.slice(0, 10) : null],
  ];
  const cells = {};
  for (const [name, value] of facts) {
    if (value === null || value === undefined || value === '') continue;
    const dd = el('dd', { textContent: String(value) });
    dl.append(el('div', {}, el('dt', { textContent: name }), dd));
    cells[name] = dd;
  }
  const widths = [...new Set(bits)].join(' and ');
  if (cells['Float accuracy'] && cells[`${q} accuracy`])
    dl.after(
      el('p', {
        id: 'accuracy-note',
        className: 'note',
        textContent:
          'Both accuracies are on the 10,000 MNIST test digits: float is the trained network ' +
          `in float64, ${q} the same network with its weights rounded to ${widths}-bit ` +
          'integers, the file this page runs.',
      }),
    );
  return cells;
}

const replaced = (p, accuracy) =>
  p && num(p.modelGzipBytes)
    ? `${p.weightsVersion}: ${accuracy(p.int8Accuracy)}, ` +
      `${(p.modelGzipBytes / 1024).toFixed(1)} KiB gzipped`
    : null;

// The card's intendedUse and limitations (cards from formatVersion 2), where it has them.
export function renderPurpose(section, card) {
  const { intendedUse, limitations } = card;
  if (typeof intendedUse !== 'string' || !Array.isArray(limitations)) return;
  section.append(
    el('p', { id: 'intended-use', textContent: intendedUse }),
    el('ul', { id: 'limitations' }, ...limitations.map((t) => el('li', { textContent: t }))),
  );
  section.hidden = false;
}

// Two line charts from the card's history: loss, and train/test accuracy, per epoch; and why
// training accuracy sits below test accuracy when the recipe augments the training digits.
export function renderCurves(box, card) {
  // Cards before 1.1.0 spell the history's keys in snake_case; later ones in camelCase.
  const rows = (Array.isArray(card.history) ? card.history.filter((h) => num(h.epoch)) : []).map(
    (h) => ({
      ...h,
      trainAccuracy: h.trainAccuracy ?? h.train_accuracy,
      testAccuracy: h.testAccuracy ?? h.test_accuracy,
    }),
  );
  if (!rows.length) {
    box.append(el('p', { textContent: card.note ?? 'No training history.' }));
    return;
  }
  const first = rows[0],
    last = rows[rows.length - 1];
  const fmt = (v) => (num(v) ? v.toPrecision(3) : '?');
  const pct = (v) => (num(v) ? percentFixed(v, 2) : '?');
  const final = `train ${pct(last.trainAccuracy)}, test ${pct(last.testAccuracy)}`;
  box.append(
    chart('loss', 'Training loss per epoch', rows, [['loss', 'train loss']], {
      summary: `Loss fell from ${fmt(first.loss)} to ${fmt(last.loss)} over ${rows.length} epochs.`,
    }),
    chart(
      'acc',
      'Accuracy per epoch',
      rows,
      [
        ['trainAccuracy', 'train'],
        ['testAccuracy', 'test'],
      ],
      {
        summary: `Final accuracy: ${final}.`,
        asPercent: true,
      },
    ),
  );
  const r = card.recipe ?? {};
  if ([r.maxShift, r.rotate, r.scale, r.elasticRms].some((v) => num(v) && v > 0))
    box.append(
      el('p', {
        id: 'augmentation-note',
        className: 'note',
        textContent:
          'Training accuracy is measured on the training digits as the network saw them: ' +
          'augmented (moved, rotated, scaled, distorted, thickened or thinned at random), ' +
          'harder than the plain test digits, which is why it sits below test accuracy.',
      }),
    );
}

export function renderConfusion(table, confusion) {
  if (!Array.isArray(confusion) || confusion.length !== 10) {
    table.append(el('caption', { textContent: 'No confusion matrix in this model file.' }));
    return;
  }
  table.append(
    el('caption', {
      textContent:
        "Rows: true digit; columns: the quantized model's prediction. Correct in blue, errors " +
        'in red.',
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

// The robustness suite (FORMAT.md): the quantized model's accuracy on the test digits under
// each fixed transform, the worst last. Files before 1.1.0 carry only the shifts: those rows.
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

export function renderRobustness(table, { robustness, shiftRobustness, int8Accuracy }) {
  const shifts =
    shiftRobustness &&
    Object.fromEntries(Object.entries(shiftRobustness).map(([k, v]) => [`shift${k}`, v]));
  const suite = robustness ?? shifts;
  if (!suite || typeof suite !== 'object') {
    table.append(el('caption', { textContent: 'No robustness figures in this model file.' }));
    return;
  }
  const cell = (v) => el('td', { textContent: num(v) ? percentFixed(v, 1) : '–' });
  const row = (name, v) => el('tr', {}, el('th', { scope: 'row', textContent: name }), cell(v));
  table.append(
    el('caption', {
      textContent: "The quantized model's accuracy on the 10,000 MNIST test digits, transformed.",
    }),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', { scope: 'col', textContent: 'Test digits' }),
        el('th', { scope: 'col', textContent: 'Accuracy' }),
      ),
    ),
    el(
      'tbody',
      {},
      row('as they are', int8Accuracy),
      ...Object.entries(suite).map(([k, v]) => row(TRANSFORMS[k] ?? k, v)),
    ),
  );
}
