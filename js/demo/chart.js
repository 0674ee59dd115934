// A line chart per epoch as SVG (the model card's loss and accuracy curves), on round ticks.
import { el } from './views.js';

const SVG = 'http://www.w3.org/2000/svg';
const num = (v) => typeof v === 'number' && Number.isFinite(v);

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  node.append(...children);
  return node;
}

// Round axis ticks: about `count` steps of 1, 2 or 5 times a power of ten, covering lo..hi.
// The 1e-9s absorb float rounding (0.6 / 0.2 is 2.9999999999999996).
export function niceTicks(lo, hi, count = 4) {
  const raw = (hi - lo) / count,
    power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].find((m) => m * power >= raw * (1 - 1e-9)) * power;
  const first = Math.floor(lo / step + 1e-9),
    n = Math.ceil(hi / step - 1e-9) - first;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return Array.from({ length: n + 1 }, (_, k) => +((first + k) * step).toFixed(decimals + 1));
}

const BOX = { W: 360, H: 200, L: 46, R: 10, T: 10, B: 30 };

// The y range and its ticks: the values' range, padded, on round ticks, never below 0 (losses
// and accuracies are not negative) nor, for accuracies, above 100 %.
function yAxis(values, asPercent) {
  let lo = Math.min(...values),
    hi = Math.max(...values);
  if (!(hi > lo)) [lo, hi] = [lo - 0.5, hi + 0.5];
  const pad = (hi - lo) * 0.08;
  const scale = asPercent ? 100 : 1;
  const lower = Math.max(lo - pad, 0) * scale,
    upper = (asPercent ? Math.min(hi + pad, 1) : hi + pad) * scale;
  const ticks = niceTicks(lower, upper).map((t) => t / scale);
  const step = (ticks[1] - ticks[0]) * scale;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return { ticks, label: (v) => (v * scale).toFixed(decimals) };
}

export function chart(id, title, rows, series, { summary, asPercent = false }) {
  const { W, H, L, R, T, B } = BOX;
  const values = series.flatMap(([key]) => rows.map((r) => r[key]).filter(num));
  const { ticks, label } = yAxis(values, asPercent);
  const lo = ticks[0],
    hi = ticks[ticks.length - 1];
  const e0 = rows[0].epoch,
    e1 = rows[rows.length - 1].epoch;
  const x = (e) => L + (e1 > e0 ? (e - e0) / (e1 - e0) : 0.5) * (W - L - R);
  const y = (v) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  const ids = { title: `curve-${id}-title`, desc: `curve-${id}-desc` };
  const root = svg(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      role: 'img',
      'aria-labelledby': ids.title,
      'aria-describedby': ids.desc,
    },
    svg('title', { id: ids.title }, title),
    svg('desc', { id: ids.desc }, summary),
  );
  for (const v of ticks)
    root.append(
      svg('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }),
      svg('text', { x: L - 4, y: y(v) + 4, 'text-anchor': 'end' }, label(v)),
    );
  const step = Math.max(1, Math.ceil(rows.length / 8));
  rows.forEach((r, i) => {
    if (i % step === 0 || i === rows.length - 1)
      root.append(svg('text', { x: x(r.epoch), y: H - B + 14, 'text-anchor': 'middle' }, r.epoch));
  });
  root.append(
    svg('text', { x: (L + W - R) / 2, y: H - 3, 'text-anchor': 'middle' }, 'epoch'),
    svg('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }),
    svg('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }),
  );
  root.append(...series.flatMap(([key], s) => plot(rows, key, s, x, y)));
  return el('figure', {}, root, legend(title + (asPercent ? ' (%)' : ''), series, summary));
}

// One series: its line, and a dot per epoch while the dots stay apart.
function plot(rows, key, s, x, y) {
  const kept = rows.filter((r) => num(r[key]));
  const line = svg('polyline', {
    class: `series s${s}`,
    points: kept.map((r) => `${x(r.epoch)},${y(r[key])}`).join(' '),
  });
  if (rows.length > 20) return [line];
  return [
    line,
    ...kept.map((r) => svg('circle', { class: `dot${s}`, cx: x(r.epoch), cy: y(r[key]), r: 2.5 })),
  ];
}

function legend(title, series, summary) {
  const box = el(
    'figcaption',
    { className: 'legend' },
    el('strong', { textContent: title }),
    el('br'),
  );
  series.forEach(([, name], s) => {
    box.append(el('span', { className: `swatch s${s}` }), name, ' ');
  });
  box.append(el('br'), summary);
  return box;
}
