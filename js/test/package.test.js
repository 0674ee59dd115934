// The package as npm users get it: package.json's promises, the pinned weights in the packed
// tarball (SHA-256, fixtures/index.json, byte-identical to the published file), and a fresh
// project that installs the tarball, imports it as a site would and type-checks against it.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { loadModel, preprocess } from '../src/index.js';
import { ENTRIES } from '../entries.mjs';
import { replay } from '../parity/replay.mjs';
import { FIXTURES, JS, pkg, readJSON, sha256 } from './helpers.js';

const npm = (args, cwd) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

// The files of a .tgz as {path: Buffer}: gunzip, then 512-byte ustar headers (name, octal size).
function untar(tgz) {
  const tar = zlib.gunzipSync(tgz),
    files = {};
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0; ) {
    const field = (start, len) =>
      tar
        .subarray(at + start, at + start + len)
        .toString('latin1')
        .replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim(), 8);
    const name = (field(345, 155) ? `${field(345, 155)}/` : '') + field(0, 100);
    if (field(156, 1) === '0' || field(156, 1) === '')
      files[name] = tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

let tmp, tarball, files;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'digitnet-engine-pack-'));
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', tmp], JS));
  tarball = path.join(tmp, packed.filename);
  files = untar(fs.readFileSync(tarball));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('package.json: name, module type, exports, files, engines, no runtime dependencies', () => {
  assert.equal(pkg.name, '@digitnet/engine');
  assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.license, 'MIT');
  assert.equal(pkg.sideEffects, false);
  assert.equal(pkg.engines.node, '>=20.19');
  assert.deepEqual(pkg.exports, {
    '.': { types: './index.d.ts', default: './src/index.js' },
    './wasm': { types: './wasm.d.ts', default: './src/wasm.js' },
    './model.json': './model.json',
    './card.json': './card.json',
    './package.json': './package.json',
  });
  for (const { exportPath, file } of Object.values(ENTRIES))
    assert.equal(pkg.exports[exportPath].default, `./src/${file}`, 'js/entries.mjs');
  assert.equal(pkg.dependencies, undefined, 'the engine has no dependencies at run time');
  for (const [name, version] of Object.entries(pkg.devDependencies))
    assert.match(version, /^\d+\.\d+\.\d+$/, `${name} is not pinned exactly`);
});

// engines claims what CI tests: its minimum is the oldest Node of ci.yml's js job, and the Node
// running these tests (.ci/run's) is within it.
test('engines: the oldest Node that CI tests, and this Node satisfies it', () => {
  const ci = fs.readFileSync(path.join(JS, '..', '.github', 'workflows', 'ci.yml'), 'utf8');
  const matrix = /^ +node: \[([^\]]+)\]$/m.exec(ci)?.[1];
  const key = (v) => v.split('.').map(Number);
  const older = (a, b) => key(a)[0] - key(b)[0] || (key(a)[1] ?? 0) - (key(b)[1] ?? 0);
  const oldest = [...matrix.matchAll(/"([\d.]+)"/g)].map((m) => m[1]).sort(older)[0];
  assert.equal(pkg.engines.node, `>=${oldest}`);
  assert.ok(older(process.versions.node, oldest) >= 0, `Node ${process.versions.node}`);
});

test('the tarball holds the package and nothing else', () => {
  const names = Object.keys(files)
    .map((f) => f.replace(/^package\//, ''))
    .sort();
  const sources = fs
    .readdirSync(path.join(JS, 'src'))
    .filter((f) => f.endsWith('.js') || f === 'kernel.wat')
    .map((f) => `src/${f}`);
  assert.deepEqual(
    names,
    [
      'LICENSE',
      'README.md',
      'card.json',
      'index.d.ts',
      'model.json',
      'package.json',
      'wasm.d.ts',
      ...sources,
    ].sort(),
  );
  for (const f of sources)
    assert.deepEqual(
      files[`package/${f}`],
      fs.readFileSync(path.join(JS, f)),
      `${f} differs in the tarball`,
    );
});

test('the packed model.json is the pinned, published weights version, byte for byte', () => {
  const { weightsVersion, weightsSha256 } = pkg.digitnet;
  assert.match(weightsVersion, /^\d+\.\d+\.\d+$/);
  assert.match(weightsSha256, /^[0-9a-f]{64}$/);
  const packed = files['package/model.json'];
  assert.ok(packed, 'model.json is not in the tarball');
  assert.equal(sha256(packed), weightsSha256, 'packed model.json does not have the pinned SHA-256');

  const entry = readJSON(path.join(FIXTURES, 'index.json')).weights[weightsVersion];
  assert.ok(entry, `fixtures/index.json has no weights version ${weightsVersion}`);
  assert.equal(
    entry.files['model.json'].sha256,
    weightsSha256,
    'the pin differs from fixtures/index.json',
  );
  assert.equal(entry.files['model.json'].size, packed.length);
  const published = fs.readFileSync(path.join(FIXTURES, 'weights', weightsVersion, 'model.json'));
  assert.ok(
    published.equals(packed),
    `packed model.json differs from fixtures/weights/${weightsVersion}/model.json`,
  );
  assert.ok(
    fs.readFileSync(path.join(JS, 'model.json')).equals(packed),
    'js/model.json differs from the packed one',
  );
  assert.equal(
    JSON.parse(packed).version,
    weightsVersion,
    "the file's own version is not the pinned one",
  );
  // the model card beside it (metadata.card), for training curves: the published one, too
  const card = files['package/card.json'];
  assert.equal(JSON.parse(packed).metadata.card, 'card.json');
  assert.equal(
    sha256(card),
    entry.files['card.json'].sha256,
    'packed card.json differs from fixtures/index.json',
  );
  assert.ok(
    fs.readFileSync(path.join(JS, 'card.json')).equals(card),
    'js/card.json differs from the packed one',
  );
});

// A site that installs the tarball: no network needed (no dependencies), imports by package name.
const CONSUMER_JS = `
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { loadModel, preprocess } from '@digitnet/engine';
import * as fast from '@digitnet/engine/wasm';
import weights from '@digitnet/engine/model.json' with { type: 'json' };
const require = createRequire(import.meta.url);
const viaRequire = require('@digitnet/engine/model.json');
const { version } = require('@digitnet/engine/package.json');
const model = loadModel(weights);
const x = Float64Array.from(Buffer.from(process.argv[2], 'base64'), (v) => v / 255);
// a drawing: a vertical bar on a transparent 100x100 canvas
const rgba = new Uint8ClampedArray(100 * 100 * 4);
for (let y = 20; y < 80; y++) for (let i = 45; i < 55; i++) rgba[(y * 100 + i) * 4 + 3] = 255;
console.log(JSON.stringify({
  version,
  info: model.info.version,
  sameFile: JSON.stringify(viaRequire) === JSON.stringify(weights),
  probs: Array.from(model.predict(x)),
  forward: {
    hidden: model.forward(x).hidden.map((h) => Array.from(h)),
    logits: Array.from(model.forward(x).logits),
  },
  backend: fast.loadModel(weights).info.backend,
  fastProbs: Array.from(fast.loadModel(weights).predict(x)),
  drawn: Array.from(loadModel(viaRequire).predict(preprocess(rgba, 100, 100))),
}));
`;

// Typed use of the public API; each @ts-expect-error must be an error, or tsc fails.
const CONSUMER_TS = `
import {
  loadModel, preprocess, type Classification, type Model, type ModelInfo, type ForwardResult,
} from '@digitnet/engine';
import { loadModel as loadFast, type WasmModel, weights as pin } from '@digitnet/engine/wasm';
import weights from '@digitnet/engine/model.json' with { type: 'json' };
const sri: \`sha256-\${string}\` = pin.integrity;
const pinned: { version: string; bytes: number } = pin;
// @ts-expect-error: the pin is read-only
pin.bytes = 1;
const model: Model = loadModel(weights);
const fromText: Model = loadModel(JSON.stringify(weights));
const probs: Float64Array = model.predict(new Array<number>(784).fill(0));
const f: ForwardResult = fromText.forward(new Float32Array(784));
const hidden: Float64Array[] = f.hidden;
const info: ModelInfo = model.info;
const arch: readonly number[] = info.architecture;
const acc: number | null = info.int8Accuracy;
const q: 'per-channel' | 'per-layer' | 'mixed' = info.quantization;
const viaWasm: WasmModel = loadFast(weights);
const backend: 'wasm' | 'js' = viaWasm.info.backend;
const asCore: Model = viaWasm;
const top: Classification[] = model.classify(new Float64Array(784), 5);
const first: number = viaWasm.classify([])[0].digit;
// @ts-expect-error: the core's info has no backend
model.info.backend;
const x: Float64Array | null = preprocess(new Uint8ClampedArray(16), 2, 2, { ink: 'dark' });
if (x) model.predict(x);
// @ts-expect-error: predict takes numbers
model.predict(['0.5']);
// @ts-expect-error: ink is one of three modes
preprocess(new Uint8ClampedArray(16), 2, 2, { ink: 'blue' });
// @ts-expect-error: probabilities are not writable as numbers[]
const wrong: number[] = model.predict([]);
// @ts-expect-error: info is read-only
model.info.version = '2.0.0';
export { probs, hidden, arch, acc, q, wrong, backend, asCore, top, first, sri, pinned };
`;

// CommonJS (README: from Node 20.19, the engines minimum, require() loads the ESM package)
function requiresAsCommonJs(site) {
  const cjs = `const { loadModel, weights } = require('@digitnet/engine');
const model = loadModel(require('@digitnet/engine/model.json'));
console.log(JSON.stringify([model.info.version, weights.version]));`;
  fs.writeFileSync(path.join(site, 'consumer.cjs'), cjs);
  const required = execFileSync(process.execPath, ['--no-warnings', 'consumer.cjs'], {
    cwd: site,
    encoding: 'utf8',
  });
  assert.deepEqual(JSON.parse(required), [
    pkg.digitnet.weightsVersion,
    pkg.digitnet.weightsVersion,
  ]);
}

// The typed consumer compiles under strict TypeScript, each @ts-expect-error an error.
function typeChecks(site) {
  fs.writeFileSync(path.join(site, 'consumer.ts'), CONSUMER_TS);
  fs.writeFileSync(
    path.join(site, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        resolveJsonModule: true,
        types: [],
        skipLibCheck: false,
      },
      files: ['consumer.ts'],
    }),
  );
  const tsc = path.join(JS, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', site], {
      cwd: site,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    assert.fail(`tsc --noEmit failed on a TypeScript consumer:\n${e.stdout}${e.stderr}`);
  }
}

test('a fresh project installs the tarball, imports it as a site would and predicts', () => {
  const site = path.join(tmp, 'site');
  fs.mkdirSync(site);
  fs.writeFileSync(
    path.join(site, 'package.json'),
    JSON.stringify({ name: 'site', private: true, type: 'module' }),
  );
  npm(['install', '--offline', tarball], site);
  const installed = path.join(site, 'node_modules', '@digitnet', 'engine');
  assert.equal(
    sha256(fs.readFileSync(path.join(installed, 'model.json'))),
    pkg.digitnet.weightsSha256,
  );

  const parity = readJSON(
    path.join(FIXTURES, 'weights', pkg.digitnet.weightsVersion, 'parity.json'),
  );
  const c = parity.cases[0];
  fs.writeFileSync(path.join(site, 'consumer.mjs'), CONSUMER_JS);
  const out = JSON.parse(
    execFileSync(process.execPath, ['--no-warnings', 'consumer.mjs', c.pixels], {
      cwd: site,
      encoding: 'utf8',
    }),
  );
  assert.equal(out.version, pkg.version);
  assert.equal(out.info, pkg.digitnet.weightsVersion);
  assert.ok(out.sameFile, 'import attributes and require load different model.json');
  // the installed package's outputs on the version's first parity case, as the file says
  replay({ cases: [c] }, () => ({ ...out.forward, probs: out.probs }), 'the installed package');
  assert.equal(out.backend, 'wasm');
  assert.deepEqual(out.fastProbs, out.probs, '@digitnet/engine/wasm differs from the core');

  // the drawing, through the installed package, equals the same through this source tree
  const rgba = new Uint8ClampedArray(100 * 100 * 4);
  for (let y = 20; y < 80; y++) for (let i = 45; i < 55; i++) rgba[(y * 100 + i) * 4 + 3] = 255;
  const local = loadModel(readJSON(path.join(JS, 'model.json'))).predict(
    preprocess(rgba, 100, 100),
  );
  assert.deepEqual(out.drawn, Array.from(local));

  requiresAsCommonJs(site);
  typeChecks(site);
});
