// preprocess against fixtures/PREPROCESS.md: hand-worked cases, errors, ink 'auto', and every
// case of fixtures/preprocess/cases.json and cases-2.json (written by the Python twin) within
// the conformance tolerance, with identical nulls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { TOLERANCE } from '../parity/replay.mjs';
import { preprocess } from '../src/preprocess.js';

const CASES = new URL('../../fixtures/preprocess/cases.json', import.meta.url);

// Alpha-only RGBA of a width x height canvas with {"x,y": alpha} set.
function canvas(width, height, alphas = {}) {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (const [key, a] of Object.entries(alphas)) {
    const [x, y] = key.split(',').map(Number);
    rgba[(y * width + x) * 4 + 3] = a;
  }
  return rgba;
}

// The expected frame: value on columns [x0, x1) and rows [y0, y1), added onto `into`.
function block(value, [x0, x1], [y0, y1], into = new Float64Array(784)) {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) into[y * 28 + x] += value;
  return into;
}

// Steps 6-7 written out from the spec: sequential row-major sums over all 784 pixels.
function specShift(frame) {
  let m = 0,
    sx = 0,
    sy = 0;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const v = frame[y * 28 + x];
      m = m + v;
      sx = sx + x * v;
      sy = sy + y * v;
    }
  }
  return [Math.floor(14 - sx / m + 0.5), Math.floor(14 - sy / m + 0.5)];
}

function maxDiff(a, b) {
  let worst = 0,
    at = -1;
  for (let i = 0; i < 784; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > worst || Number.isNaN(d)) {
      worst = d;
      at = i;
    }
  }
  return { worst, at };
}

function assertFrame(got, want, what) {
  assert.ok(got instanceof Float64Array && got.length === 784, `${what}: a Float64Array(784)`);
  const { worst, at } = maxDiff(got, want);
  assert.equal(
    worst,
    0,
    `${what}: pixel (${at % 28}, ${Math.floor(at / 28)}) is ${got[at]}, expected ${want[at]}`,
  );
}

// --- hand-worked cases (PREPROCESS.md, "Worked examples") ---------------------------------

test('a single opaque pixel becomes a 20x20 block, shifted half up to 5..24', () => {
  // 1x1 box -> 20x20 ones at 4..23, centre 13.5 -> floor(14 - 13.5 + 0.5) = 1 (alpha ink:
  // the default, 'auto', finds an opaque 1x1 canvas all background)
  const one = preprocess(canvas(1, 1, { '0,0': 255 }), 1, 1, { ink: 'alpha' });
  assertFrame(one, block(1, [5, 25], [5, 25]), '1x1');
  // anywhere in a larger canvas: only the box matters
  assertFrame(preprocess(canvas(9, 4, { '8,3': 255 }), 9, 4), block(1, [5, 25], [5, 25]), '9x4');
});

test('two pixels side by side (2x1 box -> 20x10)', () => {
  // columns 4..13 = 1, 14..23 = 0.4 * 1.25 = 0.5, rows 9..18; M = 150, Sx = 1775,
  // cx = 11.83 -> dx 2; cy = 13.5 -> dy 1
  const want = block(0.5, [16, 26], [10, 20], block(1, [6, 16], [10, 20]));
  assertFrame(preprocess(canvas(2, 1, { '0,0': 255, '1,0': 102 }), 2, 1), want, '2x1');
});

test('a negative half rounds up: 14 - cx = -1.5 gives dx = -1', () => {
  // bar .25 0 0 .5 .25: 5x1 box -> 20x4 at rows 12..15, source column j on columns
  // 4j+4..4j+7; cx = .25*5.5 + .5*17.5 + .25*21.5 = 15.5 -> dx -1; cy = 13.5 -> dy 1
  const want = block(0.25, [3, 7], [13, 17]);
  block(0.5, [15, 19], [13, 17], want);
  block(0.25, [19, 23], [13, 17], want);
  assertFrame(preprocess(canvas(5, 1, { '0,0': 51, '3,0': 102, '4,0': 51 }), 5, 1), want, 'bar');
});

test('ink formulas, in the specified operation order, for each mode', () => {
  const [r, g, b, a] = [100, 150, 200, 180];
  const rgba = new Uint8Array([r, g, b, a]);
  for (const [ink, value] of [
    ['alpha', a / 255],
    ['dark', (a / 255) * (1 - (r + g + b) / 765)],
    ['light', (a / 255) * ((r + g + b) / 765)],
  ]) {
    const v = Math.min(value * 1.25, 1);
    // 400 additions of a non-dyadic value: the shift is whatever the spec's sums give
    const [dx, dy] = specShift(block(v, [4, 24], [4, 24]));
    assertFrame(
      preprocess(rgba, 1, 1, { ink }),
      block(v, [4 + dx, 24 + dx], [4 + dy, 24 + dy]),
      ink,
    );
  }
});

test('dark ink on white paper and light ink on black paper', () => {
  // bar 1 1 .25 .25 as black/grey-204 on white (dark) and white/grey-51 on black (light):
  // 4x1 box -> 20x5, cx 10.5 (a hair less for dark) -> dx 4, cy 13 -> dy 1
  for (const [ink, greys] of [
    ['dark', [0, 0, 204, 204]],
    ['light', [255, 255, 51, 51]],
  ]) {
    const rgba = new Uint8ClampedArray(greys.flatMap((v) => [v, v, v, 255]));
    const want = new Float64Array(784);
    greys.forEach((v, j) => {
      const level = ink === 'dark' ? 1 - (3 * v) / 765 : (3 * v) / 765;
      block(Math.min(level * 1.25, 1), [8 + 5 * j, 13 + 5 * j], [12, 17], want);
    });
    assertFrame(preprocess(rgba, 4, 1, { ink }), want, ink);
  }
});

// --- behaviour ----------------------------------------------------------------------------

test('empty drawings give null: nothing, faint ink, blank paper in each mode', () => {
  assert.equal(preprocess(canvas(5, 4), 5, 4), null);
  assert.equal(preprocess(canvas(3, 3, { '1,1': 12 }), 3, 3), null); // 12/255 = 0.047
  assert.notEqual(preprocess(canvas(3, 3, { '1,1': 13 }), 3, 3), null); // 13/255 = 0.051
  const white = new Uint8ClampedArray(24).fill(255);
  const black = new Uint8ClampedArray(24).map((_, i) => (i % 4 === 3 ? 255 : 0));
  assert.equal(preprocess(white, 3, 2, { ink: 'dark' }), null);
  assert.equal(preprocess(black, 3, 2, { ink: 'light' }), null);
  assert.notEqual(preprocess(black, 3, 2, { ink: 'alpha' }), null); // opaque black is ink by alpha
  assert.equal(preprocess(black, 3, 2), null); // 'auto': all background, no contrast
});

test('faint ink outside the box is dropped, inside it is kept', () => {
  const strong = { '0,0': 255, '3,0': 255 };
  const base = preprocess(canvas(4, 3, strong), 4, 3);
  assertFrame(preprocess(canvas(4, 3, { ...strong, '1,2': 12 }), 4, 3), base, 'outside');
  const inside = preprocess(canvas(4, 3, { ...strong, '1,0': 12 }), 4, 3);
  assert.ok(inside.reduce((s, v) => s + v) > base.reduce((s, v) => s + v));
});

test('Uint8Array and Uint8ClampedArray, default and explicit options agree', () => {
  const c = canvas(6, 5, { '1,1': 200, '4,3': 90, '2,4': 255 });
  const want = preprocess(c, 6, 5);
  assertFrame(preprocess(new Uint8Array(c), 6, 5), want, 'Uint8Array');
  assertFrame(preprocess(c, 6, 5, {}), want, '{}');
  assertFrame(preprocess(c, 6, 5, { ink: undefined }), want, 'ink undefined');
  assertFrame(preprocess(c, 6, 5, { ink: 'alpha' }), want, "ink 'alpha'");
  assert.ok([...want].every((v) => v >= 0 && v <= 1));
});

test('fast enough for live drawing on a 280x280 canvas', () => {
  const W = 280,
    rgba = new Uint8ClampedArray(W * W * 4);
  for (let y = 0; y < W; y++) {
    for (let x = 0; x < W; x++) {
      const cover = Math.max(0, Math.min(1, 10.5 - Math.abs(Math.hypot(x - 140, y - 140) - 80)));
      rgba[(y * W + x) * 4 + 3] = Math.round(cover * 255);
    }
  }
  for (let i = 0; i < 20; i++) preprocess(rgba, W, W); // warm up
  const start = performance.now();
  for (let i = 0; i < 50; i++) preprocess(rgba, W, W);
  const ms = (performance.now() - start) / 50;
  assert.ok(ms < 8, `${ms.toFixed(2)} ms per call (about 0.5 ms expected)`);
});

// --- errors -------------------------------------------------------------------------------

test('every invalid argument throws an error naming the field', () => {
  const ok = new Uint8ClampedArray(4);
  const cases = [
    [
      [[0, 0, 0, 255], 1, 1],
      TypeError,
      /rgba: expected a Uint8ClampedArray or Uint8Array, got Array/,
    ],
    [[new Float32Array(4), 1, 1], TypeError, /rgba: expected .*got Float32Array/],
    [[new Int8Array(4), 1, 1], TypeError, /rgba: expected/],
    [[null, 1, 1], TypeError, /rgba: expected .*got null/],
    [[undefined, 1, 1], TypeError, /rgba: expected .*got undefined/],
    [['abcd', 1, 1], TypeError, /rgba: expected .*got String$/],
    [[Object.create(null), 1, 1], TypeError, /rgba: expected .*got object$/], // no class
    [[ok, 1.5, 1], TypeError, /width: expected a positive integer, got 1.5/],
    [[ok, '1', 1], TypeError, /width: expected a positive integer/],
    [[ok, NaN, 1], TypeError, /width: expected a positive integer/],
    [[ok, 1, undefined], TypeError, /height: expected a positive integer/],
    [[ok, 1, Infinity], TypeError, /height: expected a positive integer/],
    [[new Uint8Array(0), 0, 1], RangeError, /width: expected a positive integer, got 0/],
    [[ok, 1, -1], RangeError, /height: expected a positive integer, got -1/],
    [
      [new Uint8Array(8), 1, 1],
      RangeError,
      /rgba: expected width\*height\*4 = 4 bytes for 1x1, got 8/,
    ],
    [[new Uint8Array(12), 2, 2], RangeError, /= 16 bytes for 2x2, got 12/],
    [[ok, 1, 1, null], TypeError, /options: expected an object, got null/],
    [[ok, 1, 1, 'dark'], TypeError, /options: expected an object, got dark/],
    [[ok, 1, 1, { mode: 'dark' }], TypeError, /options: expected no key but ink, got mode/],
    [
      [ok, 1, 1, { ink: 'Dark' }],
      RangeError,
      /options.ink: expected alpha, dark, light, auto, got Dark/,
    ],
    [[ok, 1, 1, { ink: '' }], RangeError, /options.ink: expected alpha, dark, light/],
    [
      [ok, 1, 1, { ink: null }],
      TypeError,
      /options.ink: expected alpha, dark, light, auto, got null/,
    ],
    [[ok, 1, 1, { ink: 1 }], TypeError, /options.ink: expected/],
  ];
  for (const [args, type, message] of cases) {
    assert.throws(
      () => preprocess(...args),
      (e) => e instanceof type && message.test(e.message) && e.message.startsWith('preprocess: '),
      `preprocess(${args.map((a) => inspect(a)).join(', ')}) should throw ${type.name}: ${message}`,
    );
  }
});

// --- ink 'auto', the default -------------------------------------------------------------

// Grey levels (0 = background) drawn three ways: alpha on a transparent canvas, black on white
// and white on black (opaque).
function threeWays(levels) {
  const ways = { transparent: [], 'black on white': [], 'white on black': [] };
  for (const v of levels) {
    ways.transparent.push(0, 0, 0, v);
    ways['black on white'].push(255 - v, 255 - v, 255 - v, 255);
    ways['white on black'].push(v, v, v, 255);
  }
  return Object.entries(ways).map(([way, bytes]) => [way, new Uint8ClampedArray(bytes)]);
}

test("'auto' is the default and reads an opaque canvas against its border's background", () => {
  // contrast ink (765 - 3v) / 765 and 3v / 765 round to the alpha ink v / 255's float
  const levels = Array.from({ length: 30 * 20 }, (_, p) => {
    const x = p % 30,
      y = Math.floor(p / 30);
    return (x - 15) ** 2 / 49 + (y - 10) ** 2 / 36 < 1 ? (37 * p) % 256 : 0;
  });
  const [[, transparent], ...opaque] = threeWays(levels);
  const want = preprocess(transparent, 30, 20, { ink: 'alpha' });
  assert.deepEqual(preprocess(transparent, 30, 20), want);
  for (const [way, rgba] of opaque) {
    assert.deepEqual(preprocess(rgba, 30, 20), want, way);
    assert.deepEqual(preprocess(rgba, 30, 20, { ink: 'auto' }), want, way);
  }
  // the old default on black on white: every pixel is opaque, so all of it is ink
  const square = preprocess(opaque[0][1], 30, 20, { ink: 'alpha' });
  assert.equal(square.filter((v) => v === 1).length, 20 * 13); // a solid 20x13 block
});

// --- the shared fixture file --------------------------------------------------------------

// Every case of a fixture file within TOLERANCE, nulls exactly where the file has them.
function reproduces(file, version, least) {
  const doc = JSON.parse(readFileSync(new URL(file, CASES), 'utf8'));
  assert.equal(doc.format, 'digitnet-preprocess-cases');
  assert.equal(doc.formatVersion, 1);
  assert.equal(doc.version, version);
  assert.ok(doc.cases.length >= least, `${doc.cases.length} cases`);
  let worst = { diff: 0, description: null };
  let nulls = 0;
  for (const c of doc.cases) {
    const rgba = new Uint8ClampedArray(Buffer.from(c.rgba, 'base64'));
    assert.equal(rgba.length, c.width * c.height * 4, c.description);
    const out = preprocess(rgba, c.width, c.height, { ink: c.ink });
    if (c.expected === null) {
      assert.equal(out, null, `${c.description}: expected null`);
      nulls++;
      continue;
    }
    assert.notEqual(out, null, `${c.description}: got null`);
    assert.equal(c.expected.length, 784, c.description);
    const { worst: diff, at } = maxDiff(out, c.expected);
    if (diff > worst.diff || Number.isNaN(diff))
      worst = { diff, description: c.description, at, got: out[at], want: c.expected[at] };
  }
  assert.ok(nulls > 0 && nulls < doc.cases.length);
  assert.ok(worst.diff <= TOLERANCE, `worst case: ${JSON.stringify(worst)}`);
}

test('reproduces every case of fixtures/preprocess/cases.json within the tolerance', () => {
  reproduces('cases.json', 1, 200);
});

test('step 7: ink shifted out of the frame is dropped, not wrapped onto another line', () => {
  // A solid line along one edge of a 20x20 canvas and one faint pixel (ink 13/255 > 0.05) at
  // the middle of the opposite edge: the centre of mass sits by the line, so the shift of about
  // 10 px pushes the faint pixel 5 px beyond the frame's far edge (both ways, both axes). What
  // is left is the line.
  for (const [way, line, faint] of [
    ['columns', (k) => `0,${k}`, '19,10'],
    ['columns', (k) => `19,${k}`, '0,10'],
    ['rows', (k) => `${k},0`, '10,19'],
    ['rows', (k) => `${k},19`, '10,0'],
  ]) {
    const alphas = Object.fromEntries(Array.from({ length: 20 }, (_, k) => [line(k), 255]));
    const frame = preprocess(canvas(20, 20, { ...alphas, [faint]: 13 }), 20, 20);
    const lit = [...frame.keys()].filter((p) => frame[p] > 0);
    const along = way === 'columns' ? (p) => p % 28 : (p) => Math.floor(p / 28);
    assert.equal(lit.length, 20, way);
    assert.equal(new Set(lit.map(along)).size, 1, `${way}: one line, nothing else`);
  }
});

// An opaque 30x20 canvas: a black block of 24x14 inside (more than half of all pixels), grey 200
// (r + g + b = 600) on `greys` border pixels, white (765) everywhere else.
function bordered(greys) {
  const rgba = new Uint8ClampedArray(30 * 20 * 4).fill(255);
  const paint = (x, y, v) => rgba.fill(v, (y * 30 + x) * 4, (y * 30 + x) * 4 + 3);
  for (let y = 3; y < 17; y++) for (let x = 3; x < 27; x++) paint(x, y, 0);
  for (const [x, y] of greys) paint(x, y, 200);
  return rgba;
}

test("'auto': the background is the lower median of the border's pixels, every side of it", () => {
  // 96 border pixels; the lower median is the 48th smallest. Each canvas has 47 grey and 49
  // white ones, one side all white: the median is white (765), so 'auto' reads as 'dark' (the
  // three sums used, 0, 600 and 765, give the same floats either way), but the grey becomes
  // the median once that side is left out, or black once the inside counts.
  const side = {
    top: (_x, y) => y === 0,
    bottom: (_x, y) => y === 19,
    left: (x, y) => x === 0 && y > 0 && y < 19,
    right: (x, y) => x === 29 && y > 0 && y < 19,
  };
  const border = [];
  for (let y = 0; y < 20; y++)
    for (let x = 0; x < 30; x++) if (y % 19 === 0 || x % 29 === 0) border.push([x, y]);
  for (const [name, white] of Object.entries(side)) {
    const greys = border.filter(([x, y]) => !white(x, y)).slice(0, 47);
    const rgba = bordered(greys);
    assert.deepEqual(preprocess(rgba, 30, 20), preprocess(rgba, 30, 20, { ink: 'dark' }), name);
  }
});

test("reproduces every case of fixtures/preprocess/cases-2.json (ink 'auto') as well", () => {
  reproduces('cases-2.json', 2, 40);
});
