// Strict reader of a `digitnet-mlp` formatVersion 1 model file. fixtures/FORMAT.md states the
// rules and the order they are checked in; fixtures/conformance/model-cases.json is their test
// suite, which the Python loader passes too, so both name the same field on the same file.
// Every rejection names the field and says what was expected. Nothing proportional to a
// declared size is allocated before that size is checked against the data (a 1 KB file saying
// "outputs": 1e9 is refused at once). Returns the layers with their weights dequantized.

const fail = (field, msg, E = TypeError) => {
  throw new E(`loadModel: ${field}: ${msg}`);
};
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
// Every UTF-16 unit outside printable ASCII written \uXXXX (ESC, newlines, U+2028, U+0085,
// U+202E...): a message stays one line and cannot clear a terminal or reorder text. Python's
// errors.printable is its twin; strings are shown JSON-quoted first, as Python's json.dumps.
const printable = (s) =>
  s.replace(/[^ -~]/g, (c) => `\\u${c.charCodeAt().toString(16).padStart(4, 0)}`);
const show = (v) =>
  typeof v === 'string'
    ? printable(JSON.stringify(v.slice(0, 40)))
    : Array.isArray(v)
      ? `${v.length} items`
      : isObject(v)
        ? 'an object'
        : String(v); // a symbol too: after snapshot() no function or getter is left to call
const finite = (v) => typeof v === 'number' && v - v === 0;
// int8 values reach +-127, so 127 * scale must be finite for every weight to be (one rule for
// every width: a 4-bit layer's +-7 is then finite too).
const isScale = (v) => finite(v) && v > 0 && v * 127 < 1 / 0;

// obj[key] if it passes `ok` (a missing key shows as undefined); `at` + key is the field's path.
// Own keys only: a key on a polluted Object.prototype is not the file's.
const own = (obj, key) => (Object.hasOwn(obj, key) ? obj[key] : undefined);
function get(obj, key, at, ok, expected) {
  const v = own(obj, key);
  if (!ok(v)) fail(at + key, `expected ${expected}, got ${show(v)}`);
  return v;
}

// obj[key]: n numbers that pass `ok`. The count is checked first: a wrong length (scales or
// bias taken from a neighbouring layer) is the likelier mistake, and the message says so.
function numbers(obj, key, at, n, ok, what) {
  const v = get(obj, key, at, (v) => Array.isArray(v) && v.length === n, `${n} items`);
  for (let i = 0; i < n; i++)
    if (!ok(v[i])) fail(`${at + key}[${i}]`, `expected a ${what}, got ${show(v[i])}`);
  return v;
}

// Base64 (RFC 4648, padded) to a binary string, one char per byte. atob decodes natively (a JS
// loop over 134 kB would dominate a cold start) but it forgives whitespace, missing padding and
// stray bits in the last char, so re-encoding must give the text back: only the canonical
// encoding passes, as in Python. That also refuses anything not a string (atob coerces it, but a
// non-string never equals btoa's output), and when atob throws, b stays undefined and btoa(b) is
// "dW5kZWZpbmVk", which atob decodes.
function bytes(s, n, field) {
  let b;
  try {
    b = atob(s);
  } catch {}
  if (btoa(b) !== s) fail(field, `expected a canonical base64 string, got ${show(s)}`);
  if (b.length !== n) fail(field, `expected ${n} bytes, got ${b.length}`);
  return b;
}

// A layer's weights, dequantized once (FORMAT.md: W[i][j] = level * s_j in float64), as a
// Float64Array in [inputs][outputs] order, whatever the file's width: 8 bits are stored in that
// order, a byte each; 4 bits neuron by neuron, level t = j*I + i in byte t >> 1, high nibble
// first. Level t's bits are shifted to the top of 32 and back, which sign-extends them. The
// minimum (-128, -8) has no positive twin: the quantizer never writes it.
//
// Also each output's reach (FORMAT.md, "Overflow"): R[j] = sum_i reach[i] * |W[i][j]|, each
// sum taken input by input from +0 as the engine sums (either order of t visits a neuron's
// inputs in increasing i), for the bound that validate() adds |b_j| to.
function dequantize(s, I, O, bits, scales, field, reach) {
  const n = I * O,
    b = bytes(s, (n * bits + 7) >> 3, field),
    W = new Float64Array(n),
    R = new Float64Array(O);
  for (let t = 0; t < n; t++) {
    const v = (b.charCodeAt((t * bits) >> 3) << (24 + ((t * bits) & 7))) >> (32 - bits),
      j = bits < 8 ? (t / I) | 0 : t % O,
      i = bits < 8 ? t % I : (t / O) | 0;
    if (v === -1 << (bits - 1))
      fail(field, `${bits < 8 ? 'nibble' : 'byte'} ${t} is ${v} (expected ${v + 1}..${-v - 1})`);
    const w = v * scales[j];
    W[i * O + j] = w;
    R[j] += reach[i] * Math.abs(w);
  }
  if ((n * bits) & 4 && b.charCodeAt(n >> 1) & 15) fail(field, `nibble ${n} is not 0`);
  return [W, R];
}

// What is judged: a copy of the document made of its own data properties, each read once (by
// its descriptor: no getter runs, an accessor reads as undefined, a Proxy is asked once per
// key), into plain objects (fromEntries keeps "__proto__" an ordinary key) and arrays whose
// holes read as undefined. An array claiming more length than it has keys keeps its length but
// is copied only up to just past its first hole, where every check of it stops (nothing after
// it is judged), so a sparse array of length 2^32 costs nothing. Arrays and objects nest at
// most 64 deep (the file itself is level 1): no reader needs deep recursion (Python's json
// gives up near 1000), and a cyclic object is refused, not looped on. A Proxy whose trap
// throws gets its own error back.
function snapshot(v, depth) {
  if (!v || typeof v !== 'object') return v;
  if (depth > 64) fail('model', 'nested deeper than 64 levels');
  const D = Object.getOwnPropertyDescriptors(v),
    copy = (d) => snapshot(d?.value, depth + 1); // an accessor has no value: undefined
  return Array.isArray(v)
    ? Object.assign(
        Array.from({ length: Math.min(D.length.value, Object.keys(D).length) }, (_, i) =>
          copy(own(D, i)),
        ),
        { length: D.length.value },
      )
    : Object.fromEntries(Object.entries(D).map(([k, d]) => [k, copy(d)]));
}

// The document: bytes decoded as strict UTF-8 (a leading byte-order mark is dropped, as Python
// does), text parsed as JSON, then the snapshot of it that is judged.
function parse(json) {
  if (json instanceof ArrayBuffer || ArrayBuffer.isView(json)) {
    try {
      json = new TextDecoder('utf-8', { fatal: true }).decode(json);
    } catch {
      fail('model', 'invalid UTF-8', SyntaxError);
    }
  }
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json);
    } catch (e) {
      fail('model', `invalid JSON (${printable(e.message.replace(/\s+/g, ' '))})`, SyntaxError);
    }
  }
  return snapshot(json, 1);
}

// Layer k (the last when `last`), whose inputs must be `width` and can be as far from 0 as
// `reach` says: the layer, with its weights dequantized, and the reach of its outputs.
function validateLayer(L, k, last, width, reach) {
  const at = `layers[${k}].`;
  if (!isObject(L)) fail(`layers[${k}]`, `expected an object, got ${show(L)}`);
  // Sizes are integers as JSON Schema counts them (784.0 is 784). Layer k's inputs are
  // layer k-1's outputs (784 for the first), and the last layer gives the 10 digits.
  const I = get(L, 'inputs', at, (v) => v === width, width);
  const O = get(
    L,
    'outputs',
    at,
    (v) => (last ? v === 10 : Number.isInteger(v) && v > 0),
    last ? 10 : 'a positive integer',
  );
  const activation = last ? 'softmax' : 'relu';
  get(L, 'activation', at, (v) => v === activation, `"${activation}"`);
  // the weight width: 8 when absent (every 1.x file), else 4 or 8
  const bits = get(L, 'bits', at, (v) => v === undefined || v === 4 || v === 8, '4 or 8') || 8;
  const perChannel = Object.hasOwn(L, 'scales');
  if (perChannel === Object.hasOwn(L, 'scale'))
    fail(`${at}scales`, 'expected one of "scales" and "scale"');
  const what = 'positive number with 127*s finite';
  const scale = perChannel
    ? numbers(L, 'scales', at, O, isScale, what)
    : get(L, 'scale', at, isScale, `a ${what}`);
  const bias = numbers(L, 'bias', at, O, finite, 'finite number');
  // Per layer, one scale per output, made only now: O is the checked length of `bias`.
  const scales = perChannel ? scale : bias.map(() => scale);
  const [W, R] = dequantize(own(L, 'weights'), I, O, bits, scales, `${at}weights`, reach);
  // FORMAT.md, "Overflow": |z_j| <= R[j] + |b_j|. A layer whose outputs could pass the
  // limit for some input is refused, so no activation, logit or probability is ever
  // infinite or NaN; the bounds are the next layer's reach.
  const next = R.map((z, j) => {
    z += Math.abs(bias[j]);
    if (!(z <= 2 ** 1023 * 1.9375)) fail(`layers[${k}]`, `output ${j} can reach ${z}`);
    return z;
  });
  return [{ I, O, W, b: Float64Array.from(bias), relu: !last, perChannel }, next];
}

export function validate(json) {
  json = parse(json);
  if (!isObject(json)) fail('model', `expected an object, got ${show(json)}`);
  get(json, 'format', '', (v) => v === 'digitnet-mlp', '"digitnet-mlp"');
  get(json, 'formatVersion', '', (v) => v === 1, '1');
  const version = get(
    json,
    'version',
    '',
    (v) => typeof v === 'string' && /^(0|[1-9]\d*)(\.(0|[1-9]\d*)){2}$/.test(v),
    'an ASCII X.Y.Z version',
  );
  const metadata = get(json, 'metadata', '', isObject, 'an object');
  const layers = get(
    json,
    'layers',
    '',
    (v) => Array.isArray(v) && v.length > 0,
    'a non-empty array',
  );
  let width = 784; // the 28x28 pixels, then each layer's outputs
  let reach = new Float64Array(784).fill(1); // how far each input can be from 0: pixels in [0, 1]
  return {
    version,
    metadata,
    layers: layers.map((L, k) => {
      const [layer, next] = validateLayer(L, k, k === layers.length - 1, width, reach);
      width = layer.O;
      reach = next;
      return layer;
    }),
  };
}
