// Shared by the tests: paths, the shipped model, MNIST files, synthetic models and a naive
// reference of FORMAT.md's semantics to hold the optimised engine against. Not a test itself.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../src/index.js';

export const JS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = path.resolve(JS, '..');
export const FIXTURES = path.join(ROOT, 'fixtures');
export const pkg = JSON.parse(fs.readFileSync(path.join(JS, 'package.json'), 'utf8'));

export const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');
export const readJSON = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

// A conformance case's document as bytes (`documentBytes` holds one character per byte).
export const documentBytes = (c) =>
  'document' in c
    ? new TextEncoder().encode(c.document)
    : Uint8Array.from(c.documentBytes, (ch) => ch.charCodeAt(0));

// null if loadModel accepts `source`, else the field its error names; any other throw fails:
// the loader's errors are TypeError/RangeError/SyntaxError, one line, `loadModel: <field>: ...`.
export function verdict(source) {
  try {
    loadModel(source);
    return null;
  } catch (e) {
    assert.ok(
      e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError,
      `${e.constructor.name}: ${e.message}`,
    );
    const m = /^loadModel: ([^:\s]+): [^\n]+$/.exec(e.message);
    assert.ok(m, `not "loadModel: <field>: <one line>": ${e.message}`);
    return m[1];
  }
}

// The committed copy the package ships as @digitnet/engine/model.json, parsed afresh each call
// so a test may mutate it.
export const shippedModel = () => readJSON(path.join(JS, 'model.json'));

// MNIST's files, one reader for the tests, benchmarks, parity and e2e (data/mnist.js).
export {
  TEST_IMAGES,
  TEST_LABELS,
  imageBytes,
  mnistFile,
  parseIdx,
  toInput,
} from '../data/mnist.js';

// A small deterministic PRNG (mulberry32): synthetic models and inputs, the same every run.
export function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// int8 weights to and from the file's base64.
export const toBase64 = (q) => Buffer.from(Int8Array.from(q).buffer).toString('base64');
export const fromBase64 = (s) => new Int8Array(Buffer.from(s, 'base64'));

// Softmax with the maximum subtracted, as FORMAT.md writes it.
export function softmax(z) {
  const m = Math.max(...z),
    e = Array.from(z, (v) => Math.exp(v - m)),
    total = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / total);
}

// 4-bit levels, given in the file's neuron-major order, two a byte, high nibble first, a zero
// padding nibble after an odd count (FORMAT.md), to base64.
export function pack4(levels) {
  const b = new Uint8Array((levels.length + 1) >> 1);
  levels.forEach((v, t) => {
    b[t >> 1] |= (v & 15) << (t % 2 ? 0 : 4);
  });
  return Buffer.from(b).toString('base64');
}

// The level from input i to output j of layer L, whose weights decode to the bytes q, as
// FORMAT.md states it: int8 input by input, or 4-bit neuron by neuron (level t = j*I + i, in
// byte t >> 1, high nibble first).
export function level(L, q, i, j) {
  if (L.bits !== 4) return q[i * L.outputs + j];
  const t = j * L.inputs + i,
    byte = q[t >> 1] & 255,
    nibble = t % 2 ? byte & 15 : byte >> 4;
  return nibble > 7 ? nibble - 16 : nibble;
}

// A valid digitnet-mlp v1 model with the given layer sizes and random int8 weights.
// quantization: 'per-channel', 'per-layer' or 'mixed' (alternating, per-channel first); bits:
// each layer's width (4 or 8; none: 8 and no `bits` key), 4-bit levels random in -7..7.
export function makeModel(sizes, { quantization = 'per-channel', seed = 1, bits } = {}) {
  const r = rng(seed);
  const layers = sizes.slice(1).map((O, k) => {
    const I = sizes[k];
    const four = bits?.[k] === 4;
    const q = Int8Array.from({ length: I * O }, () =>
      four ? Math.round(r() * 14) - 7 : Math.round(r() * 254) - 127,
    );
    const perChannel = quantization === 'per-channel' || (quantization === 'mixed' && k % 2 === 0);
    return {
      inputs: I,
      outputs: O,
      activation: k === sizes.length - 2 ? 'softmax' : 'relu',
      ...(bits ? { bits: bits[k] } : {}),
      weights: four ? pack4(q) : toBase64(q),
      ...(perChannel
        ? { scales: Array.from({ length: O }, () => 0.001 + r() * 0.02) }
        : { scale: 0.004 + r() * 0.01 }),
      bias: Array.from({ length: O }, () => r() - 0.5),
    };
  });
  return {
    format: 'digitnet-mlp',
    formatVersion: 1,
    version: '0.0.1',
    layers,
    metadata: { note: 'synthetic' },
  };
}

// FORMAT.md's inference, written as plainly as possible: W[i][j] = level * s_j, then
// z_j = sum_i x_i W[i][j] + b_j in input order, ReLU, softmax with the maximum subtracted.
export function reference(model, x) {
  let a = Array.from(x),
    hidden = [],
    logits;
  for (const L of model.layers) {
    const q = fromBase64(L.weights);
    const z = [];
    for (let j = 0; j < L.outputs; j++) {
      const s = L.scales ? L.scales[j] : L.scale;
      let sum = 0;
      for (let i = 0; i < L.inputs; i++) sum += a[i] * (level(L, q, i, j) * s);
      z.push(sum + L.bias[j]);
    }
    if (L.activation === 'relu') {
      a = z.map((v) => Math.max(v, 0));
      hidden.push(a);
    } else {
      logits = z;
      a = softmax(z);
    }
  }
  return { probs: a, hidden, logits };
}

// Largest absolute difference, with where it is, so a failure shows how far apart and where.
export function maxDiff(got, want) {
  assert.equal(got.length, want.length, 'lengths differ');
  let worst = { diff: 0, at: -1 };
  for (let i = 0; i < got.length; i++) {
    const diff = Math.abs(got[i] - want[i]);
    if (!(diff <= worst.diff)) worst = { diff, at: i, got: got[i], want: want[i] };
  }
  return worst;
}

export const argmax = (p) => Array.prototype.indexOf.call(p, Math.max(...p));
