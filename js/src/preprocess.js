// A drawing (RGBA canvas pixels) -> the 784 floats MNIST-trained weights expect, exactly as
// fixtures/PREPROCESS.md specifies: ink, bounding box, area resampling into 20x20, gain, a
// centre-of-mass shift to (14, 14) in a 28x28 frame. Every float operation and every sum runs
// in the spec's order, so the Python twin (digitnet.preprocess) agrees bit for bit.

const INKS = ['alpha', 'dark', 'light'];

// (dest, src, weight) triples resampling n source pixels onto t: in units where the line is
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

// The ink of the pixel at byte offset q; mode indexes INKS.
function inkAt(rgba, q, mode) {
  const a = rgba[q + 3] / 255;
  if (mode === 0) return a;
  const lum = (rgba[q] + rgba[q + 1] + rgba[q + 2]) / 765;
  return a * (mode === 1 ? 1 - lum : lum);
}

function fail(Err, field, expected, got) {
  throw new Err(`preprocess: ${field}: expected ${expected}, got ${got}`);
}

function check(rgba, width, height, options) {
  if (!(rgba instanceof Uint8ClampedArray || rgba instanceof Uint8Array)) {
    fail(TypeError, 'rgba', 'a Uint8ClampedArray or Uint8Array', rgba?.constructor?.name ?? rgba);
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
  const ink = options.ink === undefined ? 'alpha' : options.ink;
  const mode = INKS.indexOf(ink);
  if (mode < 0)
    fail(typeof ink === 'string' ? RangeError : TypeError, 'options.ink', INKS.join(', '), ink);
  return mode;
}

export function preprocess(rgba, width, height, options = {}) {
  const mode = check(rgba, width, height, options);

  // 1-2. Ink per pixel and the bounding box of ink > 0.05.
  let x0 = width,
    y0 = -1,
    x1 = -1,
    y1 = -1;
  for (let y = 0, q = 0; y < height; y++) {
    for (let x = 0; x < width; x++, q += 4) {
      if (inkAt(rgba, q, mode) > 0.05) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y0 < 0) y0 = y;
        y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const w = x1 - x0 + 1,
    h = y1 - y0 + 1;

  // 3. Longer side 20, shorter max(1, round half up of short*20/long), in exact integers.
  const long = Math.max(w, h),
    other = Math.max(1, Math.floor((40 * Math.min(w, h) + long) / (2 * long)));
  const tw = w >= h ? 20 : other,
    th = w >= h ? other : 20;

  // 4. Area resampling, rows then columns, each sum in ascending source order. Names as in
  // PREPROCESS.md and digitnet.preprocessing: wx/wy are Wx/Wy, rows is R, img is A (then V, G).
  const rows = new Float64Array(h * tw);
  const wx = overlaps(w, tw),
    wy = overlaps(h, th);
  for (let k = 0; k < h; k++) {
    const q = ((y0 + k) * width + x0) * 4;
    for (let n = 0; n < wx.length; n += 3)
      rows[k * tw + wx[n]] += wx[n + 2] * inkAt(rgba, q + 4 * wx[n + 1], mode);
  }
  const img = new Float64Array(th * tw);
  for (let n = 0; n < wy.length; n += 3) {
    const m = wy[n],
      k = wy[n + 1],
      wt = wy[n + 2];
    for (let i = 0; i < tw; i++) img[m * tw + i] += wt * rows[k * tw + i];
  }

  // 5-6. Gain and clamp; placement at floor((28 - size) / 2); centre of mass, summed row-major.
  const left = (28 - tw) >> 1,
    top = (28 - th) >> 1;
  let mass = 0,
    sx = 0,
    sy = 0;
  for (let m = 0; m < th; m++) {
    for (let i = 0; i < tw; i++) {
      const v = Math.min((img[m * tw + i] / (w * h)) * 1.25, 1);
      img[m * tw + i] = v;
      mass += v;
      sx += (left + i) * v;
      sy += (top + m) * v;
    }
  }

  // 7. Whole-pixel shift by floor(14 - c + 0.5), halves up (not Math.round: the spec's formula
  // is the contract). Pixels shifted out of the frame are dropped.
  const dx = Math.floor(14 - sx / mass + 0.5),
    dy = Math.floor(14 - sy / mass + 0.5);
  const out = new Float64Array(784);
  // img's row m lands on the frame's row `row` = top + m + dy, its column i on column `col` =
  // left + i + dx (Python's x, y are where img's pixel (0, 0) lands: col = x + i, row = y + m).
  for (let m = 0; m < th; m++) {
    const row = top + m + dy;
    if (row < 0 || row > 27) continue;
    for (let i = 0; i < tw; i++) {
      const col = left + i + dx;
      if (col >= 0 && col < 28) out[row * 28 + col] = img[m * tw + i];
    }
  }
  return out;
}
