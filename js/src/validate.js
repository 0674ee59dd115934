// Strict reader of a `digitnet-mlp` formatVersion 1 model file (fixtures/FORMAT.md is the
// contract). Every rejection names the field and says what was expected, so a bad file is
// fixed from the message alone. Returns the layers with their weights decoded from base64.

const fail = (field, msg) => { throw new TypeError(`loadModel: ${field}: ${msg}`); };
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v) => (typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : v && typeof v === 'object' ? 'an object' : String(v));
const finite = (v) => typeof v === 'number' && v - v === 0;
const isPositive = (v) => finite(v) && v > 0;
const isSize = (v) => Number.isInteger(v) && v > 0;

// obj[key] if present and `ok`; `at` + key is the field's path in messages.
function get(obj, key, at, ok, expected) {
  const field = at + key;
  if (!(key in obj)) fail(field, `missing (expected ${expected})`);
  if (!ok(obj[key])) fail(field, `expected ${expected}, got ${show(obj[key])}`);
  return obj[key];
}

// obj[key]: n numbers that pass `ok`. The count is checked first: a wrong length (scales or
// bias taken from a neighbouring layer) is the likelier mistake, and the message says so.
function numbers(obj, key, at, n, ok, what) {
  const field = at + key, v = get(obj, key, at, Array.isArray, `an array of ${n} ${what}s`);
  if (v.length !== n) fail(field, `expected ${n} ${what}s, got ${v.length}`);
  for (let i = 0; i < n; i++) if (!ok(v[i])) fail(`${field}[${i}]`, `expected a ${what}, got ${show(v[i])}`);
  return v;
}

// Base64 (RFC 4648, padded) to a binary string, one char per byte, which the engine reads as
// int8. atob decodes natively (a JS loop over 134 kB would dominate a cold start) but it
// forgives whitespace and missing padding, so re-encoding must give the text back (which
// also refuses stray bits in the last char: never written by any base64 encoder).
function bytes(s, n, field) {
  let b;
  try {
    b = atob(s);
  } catch {
    fail(field, 'invalid base64');
  }
  if (b.length !== n) fail(field, `expected base64 of ${n} bytes, got ${b.length} bytes`);
  if (btoa(b) !== s) fail(field, 'invalid base64: expected "=" padding and no whitespace');
  const bad = b.indexOf('\x80'); // -128 has no positive twin: the quantizer never writes it
  if (bad >= 0) fail(field, `byte ${bad} is -128, expected int8 values in -127..127`);
  return b;
}

export function validate(json) {
  if (typeof json === 'string') {
    try { json = JSON.parse(json); } catch (e) { fail('model', `invalid JSON (${e.message})`); }
  }
  if (!isObject(json)) fail('model', `expected an object or JSON text, got ${show(json)}`);
  get(json, 'format', '', (v) => v === 'digitnet-mlp', '"digitnet-mlp"');
  get(json, 'formatVersion', '', (v) => v === 1, '1');
  const version = get(json, 'version', '', (v) => typeof v === 'string' && /^(0|[1-9]\d*)(\.(0|[1-9]\d*)){2}$/.test(v), 'a semver X.Y.Z string');
  const metadata = get(json, 'metadata', '', isObject, 'an object');
  const layers = get(json, 'layers', '', (v) => Array.isArray(v) && v.length > 0, 'a non-empty array');

  let width = 784; // the 28x28 pixels, then each layer's outputs
  return { version, metadata, layers: layers.map((L, k) => {
    const at = `layers[${k}].`, last = k === layers.length - 1;
    if (!isObject(L)) fail(`layers[${k}]`, `expected an object, got ${show(L)}`);
    const I = get(L, 'inputs', at, isSize, 'a positive integer');
    const O = get(L, 'outputs', at, isSize, 'a positive integer');
    if (I !== width) fail(`${at}inputs`, `expected ${width}${k ? ` (layers[${k - 1}].outputs)` : ''}, got ${I}`);
    if (last && O !== 10) fail(`${at}outputs`, `expected 10 on the last layer, got ${O}`);
    width = O;
    const activation = last ? 'softmax' : 'relu';
    get(L, 'activation', at, (v) => v === activation, `"${activation}"`);
    const perChannel = 'scales' in L;
    if (perChannel === ('scale' in L)) fail(`${at}scales`, `expected either "scales" or "scale", got ${perChannel ? 'both' : 'neither'}`);
    const scales = perChannel
      ? numbers(L, 'scales', at, O, isPositive, 'finite positive number')
      : new Array(O).fill(get(L, 'scale', at, isPositive, 'a finite positive number'));
    const bias = numbers(L, 'bias', at, O, finite, 'finite number');
    const weights = bytes(get(L, 'weights', at, (v) => typeof v === 'string', 'a base64 string'), I * O, `${at}weights`);
    return { inputs: I, outputs: O, activation, weights, scales, bias, perChannel };
  }) };
}
