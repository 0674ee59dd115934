// @digitnet/engine/wasm: the committed kernel is the .wat's, it runs here (Node has SIMD), and
// every number it gives is the core's to the bit: probabilities, logits and activations, on the
// published weights and on synthetic models of odd widths, on MNIST and on awkward inputs. Where
// WebAssembly cannot be compiled it falls back to the core with the same results; errors are
// the core's. nox -s parity runs all 10,000 MNIST test digits; e2e runs it in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as core from '../src/index.js';
import * as wasm from '../src/wasm.js';
import {
  MODULE,
  MUTANT_KERNELS,
  assemble,
  moduleText,
  mutantKernelsText,
} from '../scripts/build-wasm.js';
import {
  documentBytes,
  FIXTURES,
  JS,
  TEST_IMAGES,
  imageBytes,
  makeModel,
  mnistFile,
  reference,
  rng,
  shippedModel,
  toInput,
} from './helpers.js';

const WASM_URL = pathToFileURL(path.join(JS, 'src', 'wasm.js')).href;

// Object.is element by element: +0 and -0 differ, NaN equals NaN; the first difference named.
function assertSameBits(got, want, what) {
  assert.equal(got.length, want.length, `${what}: lengths`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i]))
      assert.fail(`${what}[${i}]: ${got[i]} vs the core's ${want[i]}`);
  }
}

function assertSameForward(fast, slow, x, what) {
  const a = fast.forward(x),
    b = slow.forward(x);
  assertSameBits(a.logits, b.logits, `${what} logits`);
  assertSameBits(a.probs, b.probs, `${what} probs`);
  assert.equal(a.hidden.length, b.hidden.length);
  a.hidden.forEach((h, k) => {
    assertSameBits(h, b.hidden[k], `${what} hidden[${k}]`);
  });
  assertSameBits(fast.predict(x), b.probs, `${what} predict`);
}

test('the committed kernel module is what `npm run build:wasm` makes of kernel.wat', async () => {
  const wasmBytes = await assemble();
  assert.equal(
    fs.readFileSync(MODULE, 'utf8'),
    moduleText(wasmBytes),
    'run `npm run build:wasm` in js/ and commit src/kernel.wasm.js',
  );
  // Browsers refuse to compile a module over 4 KB synchronously on the main thread.
  assert.ok(wasmBytes.length < 1024, `${wasmBytes.length} bytes of wasm`);
  // and the parity mutants' kernels (nox -s parity runs them without a toolkit)
  assert.equal(
    fs.readFileSync(MUTANT_KERNELS, 'utf8'),
    await mutantKernelsText(),
    'run `npm run build:wasm` in js/ and commit parity/kernels.mjs',
  );
});

test("the kernel runs here, and info is the core's plus the backend", () => {
  const json = shippedModel();
  const fast = wasm.loadModel(json),
    slow = core.loadModel(json);
  assert.equal(fast.info.backend, 'wasm');
  const { backend, ...rest } = fast.info;
  assert.deepEqual(rest, slow.info);
  assert.deepEqual(Object.keys(fast).sort(), Object.keys(slow).sort());
  assert.equal(wasm.preprocess, core.preprocess);
});

test("the published weights: the core's bits on MNIST test digits and parity digits", () => {
  const fast = wasm.loadModel(shippedModel()),
    slow = core.loadModel(shippedModel());
  const data = imageBytes(mnistFile(TEST_IMAGES), TEST_IMAGES);
  for (let k = 0; k < 2000; k++)
    assertSameForward(
      fast,
      slow,
      toInput(data.subarray(784 * k, 784 * (k + 1))),
      `test digit #${k}`,
    );
  const version = JSON.parse(fs.readFileSync(path.join(JS, 'package.json'), 'utf8')).digitnet
    .weightsVersion;
  const parity = JSON.parse(
    fs.readFileSync(path.join(FIXTURES, 'weights', version, 'parity.json'), 'utf8'),
  );
  for (const c of parity.cases)
    assertSameForward(
      fast,
      slow,
      toInput(Buffer.from(c.pixels, 'base64')),
      `parity digit #${c.index}`,
    );
});

// Inputs the kernel must treat exactly as the core: nothing inked, everything inked, -0 (skipped
// as zero by both), the smallest subnormal, one pixel, random sparse and dense images.
function awkwardInputs() {
  const r = rng(7);
  const inputs = {
    zeros: new Float64Array(784),
    ones: new Float64Array(784).fill(1),
    negativeZeros: new Float64Array(784).fill(-0),
    subnormal: new Float64Array(784).fill(5e-324),
    onePixel: Object.assign(new Float64Array(784), { 400: 1 }),
    lastPixel: Object.assign(new Float64Array(784), { 783: 0.5 }),
    plainArray: Array.from({ length: 784 }, (_, i) => (i % 3 ? 0 : r())),
  };
  for (let k = 0; k < 20; k++)
    inputs[`random${k}`] = Float64Array.from({ length: 784 }, () => (r() < k / 20 ? r() : 0));
  return inputs;
}

test('synthetic models of odd widths and every quantization: the same bits as the core', () => {
  const shapes = [
    [784, 10],
    [784, 1, 10],
    [784, 5, 10],
    [784, 13, 7, 10],
    [784, 9, 17, 33, 10],
    [784, 300, 10],
  ];
  for (const [s, shape] of shapes.entries()) {
    for (const quantization of ['per-channel', 'per-layer', 'mixed', '4-bit']) {
      const bits =
        quantization === '4-bit' ? shape.slice(1).map((_, k) => 4 << (k % 2)) : undefined;
      const json = makeModel(shape, { quantization, seed: 11 + s, bits });
      const fast = wasm.loadModel(json),
        slow = core.loadModel(json);
      assert.equal(fast.info.backend, 'wasm');
      for (const [name, x] of Object.entries(awkwardInputs())) {
        const what = `${shape.join('-')} ${quantization}, ${name}`;
        assertSameForward(fast, slow, x, what);
        assertSameBits(
          fast.forward(x).logits,
          reference(json, x).logits,
          `${what} vs the plain reference`,
        );
      }
    }
  }
});

test('models keep their own memory; results are fresh arrays, not views of it', () => {
  const a = wasm.loadModel(makeModel([784, 16, 10], { seed: 1 })),
    b = wasm.loadModel(makeModel([784, 16, 10], { seed: 2 }));
  const x = awkwardInputs().random10;
  const pa = a.predict(x),
    pb = b.predict(x);
  assertSameBits(a.predict(x), pa, 'a after b');
  assert.notDeepEqual(Array.from(pa), Array.from(pb));
  const f = a.forward(x),
    kept = structuredClone(f);
  f.logits.fill(7);
  f.hidden[0].fill(7);
  f.probs.fill(7);
  assert.deepEqual(a.forward(x), kept, 'writing into a result changed the next one');
  a.forward(awkwardInputs().ones);
  assert.notDeepEqual(a.forward(awkwardInputs().ones), kept);
  const g = a.forward(x);
  a.forward(awkwardInputs().ones);
  assert.deepEqual(g, kept, 'a later call changed an earlier result');
});

test("bad files and bad inputs: the core's errors, word for word", () => {
  const { cases } = JSON.parse(
    fs.readFileSync(path.join(FIXTURES, 'conformance', 'model-cases.json'), 'utf8'),
  );
  const outcome = (f) => {
    try {
      f();
      return 'ok';
    } catch (e) {
      return `${e.constructor.name}: ${e.message}`;
    }
  };
  for (const c of cases) {
    const bytes = documentBytes(c);
    assert.equal(
      outcome(() => wasm.loadModel(bytes)),
      outcome(() => core.loadModel(bytes)),
      c.description,
    );
  }
  const fast = wasm.loadModel(shippedModel()),
    slow = core.loadModel(shippedModel());
  const bad = [
    null,
    5,
    'x'.repeat(784),
    new Float64Array(783),
    [...new Float64Array(783), 2],
    [...new Float64Array(783), NaN],
    [...new Float64Array(783), '0.5'],
    new Array(784),
  ];
  for (const x of bad) {
    for (const fn of ['predict', 'forward', 'classify']) {
      const got = outcome(() => fast[fn](x));
      assert.notEqual(got, 'ok', `${fn}(${String(x).slice(0, 20)})`);
      assert.equal(
        got,
        outcome(() => slow[fn](x)),
      );
    }
  }
});

// A fresh copy of the module (its own compile cache) run with `WebAssembly` replaced.
async function withWebAssembly(replacement, f) {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly');
  Object.defineProperty(globalThis, 'WebAssembly', { ...saved, value: replacement });
  try {
    return await f(await import(`${WASM_URL}?fresh=${Math.random()}`));
  } finally {
    Object.defineProperty(globalThis, 'WebAssembly', saved);
  }
}

test('falls back to the core, same results, where WebAssembly cannot be compiled', async () => {
  const refuse = (why) => ({
    ...WebAssembly,
    Module: class {
      constructor() {
        throw new WebAssembly.CompileError(why);
      }
    },
  });
  const runtimes = {
    'a CSP without wasm-unsafe-eval': refuse(
      'WebAssembly.Module(): Refused to compile or instantiate WebAssembly module because ' +
        "'unsafe-eval' is not an allowed source",
    ),
    'a runtime without SIMD': refuse('WebAssembly.Module(): invalid local type v128'),
    'no WebAssembly at all': undefined,
  };
  const json = shippedModel(),
    slow = core.loadModel(json),
    x = awkwardInputs().random12;
  for (const [what, replacement] of Object.entries(runtimes)) {
    await withWebAssembly(replacement, ({ loadModel }) => {
      const m = loadModel(json);
      assert.equal(m.info.backend, 'js', what);
      assertSameForward(m, slow, x, what);
    });
  }
});

test('no WebAssembly for real: node --jitless has none, and the entry still works', () => {
  const script = `import { loadModel } from ${JSON.stringify(WASM_URL)};
    import fs from 'node:fs';
    const m = loadModel(fs.readFileSync(${JSON.stringify(path.join(JS, 'model.json'))}));
    const p = Array.from(m.predict(new Float64Array(784).fill(0.5)));
    console.log(JSON.stringify({ has: typeof WebAssembly, backend: m.info.backend, p }));`;
  const run = spawnSync(process.execPath, ['--jitless', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.equal(out.has, 'undefined');
  assert.equal(out.backend, 'js');
  assertSameBits(
    out.p,
    core.loadModel(shippedModel()).predict(new Float64Array(784).fill(0.5)),
    'jitless',
  );
});
