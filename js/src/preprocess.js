// A drawing (RGBA canvas pixels) -> the 784 floats MNIST-trained weights expect, exactly as
// fixtures/PREPROCESS.md specifies: ink, bounding box, area resampling into 20x20, gain, a
// centre-of-mass shift to (14, 14) in a 28x28 frame. Every float operation and every sum runs
// in the spec's order, so the Python twin (digitnet.preprocess) agrees bit for bit; each step
// is one function here and there, under the same name.

// The ink formulas (mode 0-2), then 'auto', which picks alpha or contrast (mode 3).
const INKS = ['alpha', 'dark', 'light', 'auto'];

function fail(Err, field, expected, got) {
  throw new Err(`preprocess: ${field}: expected ${expected}, got ${got}`);
}

function check(rgba, width, height, options) {
  if (!(rgba instanceof Uint8ClampedArray || rgba instanceof Uint8Array)) {
    // its class's name, null or undefined, or 'object' for an object without a class (which a
    // template string cannot turn into text: it threw a TypeError of its own)
    const got = rgba?.constructor?.name ?? (rgba && typeof rgba);
    fail(TypeError, 'rgba', 'a Uint8ClampedArray or Uint8Array', got);
  }
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ]) {
    if (!Number.isInteger(v)) fail(TypeError, name, 'a positive integer', v);
    if (v <= 0) fail(RangeError, name, 'a positive integer', v);
  }
  const n = width * height * 4;
  if (rgba.length !== n)
    fail(RangeError, 'rgba', `width*height*4 = ${n} bytes for ${width}x${height}`, rgba.length);
  if (options === null || typeof options !== 'object')
    fail(TypeError, 'options', 'an object', options);
  for (const k in options) if (k !== 'ink') fail(TypeError, 'options', 'no key but ink', k);
  const ink = options.ink === undefined ? 'auto' : options.ink;
  const mode = INKS.indexOf(ink);
  if (mode < 0)
    fail(typeof ink === 'string' ? RangeError : TypeError, 'options.ink', INKS.join(', '), ink);
  return mode;
}

// 1. The ink: [mode, background]. 'auto' is alpha on a canvas with any transparency, else
// contrast with the background, the lower median of r + g + b over the border pixels (a digit
// touching the edge moves a median little, a mean a lot).
function chooseInk(rgba, width, height, mode) {
  if (mode < 3) return [mode, 0];
  if (rgba.some((v, q) => q % 4 > 2 && v < 255)) return [0, 0];
  const sums = [];
  for (let y = 0, q = 0; y < height; y++)
    for (let x = 0; x < width; x++, q += 4)
      if (y === 0 || y === height - 1 || x === 0 || x === width - 1)
        sums.push(rgba[q] + rgba[q + 1] + rgba[q + 2]);
  return [3, sums.sort((a, c) => a - c)[(sums.length - 1) >> 1]];
}

// The ink of the pixel at byte offset q (step 1's formulas); b: the contrast's background.
function inkAt(rgba, q, mode, b) {
  const a = rgba[q + 3] / 255,
    s = rgba[q] + rgba[q + 1] + rgba[q + 2];
  if (mode === 0) return a;
  if (mode === 3) return 2 * b >= 765 ? Math.max(b - s, 0) / b : Math.max(s - b, 0) / (765 - b);
  return a * (mode === 1 ? 1 - s / 765 : s / 765);
}

// 2. The bounding box [x0, y0, w, h] of ink > 0.05, or null.
function inkBox(rgba, width, height, mode, b) {
  let x0 = width,
    y0 = -1,
    x1 = -1,
    y1 = -1;
  for (let y = 0, q = 0; y < height; y++) {
    for (let x = 0; x < width; x++, q += 4) {
      if (inkAt(rgba, q, mode, b) > 0.05) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y0 < 0) y0 = y;
        y1 = y;
      }
    }
  }
  return x1 < 0 ? null : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

// 3. Longer side 20, shorter max(1, round half up of short*20/long), in exact integers.
function scaledSize(w, h) {
  const long = Math.max(w, h),
    other = Math.max(1, Math.floor((40 * Math.min(w, h) + long) / (2 * long)));
  return w >= h ? [20, other] : [other, 20];
}

// 4. (dest, src, weight) triples resampling n source pixels onto t: in units where the line is
// n*t long, dest i covers [i*n, (i+1)*n), src j covers [j*t, (j+1)*t), the weight is their
// overlap, an exact integer. Flat [dest, src, weight, ...], ordered by dest, then src.
function overlaps(n, t) {
  const out = [];
  for (let i = 0, j = 0, pos = 0; i < t && j < n; ) {
    const ei = (i + 1) * n,
      ej = (j + 1) * t,
      e = Math.min(ei, ej);
    out.push(i, j, e - pos);
    pos = e;
    if (e === ei) i++;
    if (e === ej) j++;
  }
  return out;
}

// 4. Area resampling, rows then columns, each sum in ascending source order. Names as in
// PREPROCESS.md and digitnet.preprocess: wx/wy are Wx/Wy, rows is R, img is A (then G).
function resampleRows(rgba, width, [x0, y0, w, h], mode, b, tw) {
  const rows = new Float64Array(h * tw),
    wx = overlaps(w, tw);
  for (let k = 0; k < h; k++) {
    const q = ((y0 + k) * width + x0) * 4;
    for (let n = 0; n < wx.length; n += 3)
      rows[k * tw + wx[n]] += wx[n + 2] * inkAt(rgba, q + 4 * wx[n + 1], mode, b);
  }
  return rows;
}

function resampleColumns(rows, h, tw, th) {
  const img = new Float64Array(th * tw),
    wy = overlaps(h, th);
  for (let n = 0; n < wy.length; n += 3)
    for (let i = 0; i < tw; i++) img[wy[n] * tw + i] += wy[n + 2] * rows[wy[n + 1] * tw + i];
  return img;
}

// 5. The mean (A / (w * h)), times the gain, clamped at 1.
function gain(img, area) {
  return img.map((v) => Math.min((v / area) * 1.25, 1));
}

// 6. The centre of mass [cx, cy] of img placed at (left, top), summed row-major.
function centreOfMass(img, tw, left, top) {
  let mass = 0,
    sx = 0,
    sy = 0;
  img.forEach((v, p) => {
    mass += v;
    sx += (left + (p % tw)) * v;
    sy += (top + Math.floor(p / tw)) * v;
  });
  return [sx / mass, sy / mass];
}

// 7. Whole-pixel shift by floor(14 - c + 0.5), halves up (not Math.round: the spec's formula
// is the contract). Pixels shifted out of the frame are dropped. img's row m lands on the
// frame's row top + m + dy, its column i on column left + i + dx.
function shift(img, tw, left, top, [cx, cy]) {
  const dx = Math.floor(14 - cx + 0.5),
    dy = Math.floor(14 - cy + 0.5),
    out = new Float64Array(784);
  img.forEach((v, p) => {
    const row = top + Math.floor(p / tw) + dy,
      col = left + (p % tw) + dx;
    if (row >= 0 && row < 28 && col >= 0 && col < 28) out[row * 28 + col] = v;
  });
  return out;
}

export function preprocess(rgba, width, height, options = {}) {
  const [mode, b] = chooseInk(rgba, width, height, check(rgba, width, height, options));
  const box = inkBox(rgba, width, height, mode, b);
  if (!box) return null;
  const [tw, th] = scaledSize(box[2], box[3]);
  const rows = resampleRows(rgba, width, box, mode, b, tw);
  const img = gain(resampleColumns(rows, box[3], tw, th), box[2] * box[3]);
  const left = (28 - tw) >> 1,
    top = (28 - th) >> 1;
  return shift(img, tw, left, top, centreOfMass(img, tw, left, top));
}
