// Small and portable: the core (engine + preprocessing) within 3,817 B minified and gzipped,
// the wasm entry (kernel inlined, core as its fallback) within 4,724 B, each bundled for the
// browser with nothing left external, and no Node-only API or eval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { ENTRIES, measure } from '../scripts/size.js';
import { JS } from './helpers.js';

test('the core within 3,817 B and the wasm entry within 4,724 B, min+gz', async () => {
  assert.equal(ENTRIES.core.budget, 3817);
  assert.equal(ENTRIES.wasm.budget, 4724);
  for (const name of Object.keys(ENTRIES)) {
    const { minified, gzipped, budget } = await measure(name);
    assert.ok(
      gzipped <= budget,
      `${name}: ${gzipped} bytes gzipped (${minified} minified), budget ${budget}`,
    );
  }
});

// The core never carries the kernel; the wasm entry is everything in src/.
const BUNDLES = {
  'index.js': ['engine.js', 'index.js', 'preprocess.js', 'validate.js', 'weights.js'],
  'wasm.js': fs.readdirSync(path.join(JS, 'src')).filter((f) => f.endsWith('.js')),
};

test('each entry bundles for the browser with no imports left over', async () => {
  for (const [entry, sources] of Object.entries(BUNDLES)) {
    const out = await build({
      entryPoints: [path.join(JS, 'src', entry)],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      metafile: true,
    });
    const inputs = Object.keys(out.metafile.inputs)
      .map((f) => path.basename(f))
      .sort();
    assert.deepEqual(inputs, [...sources].sort(), `the bundle of ${entry}`);
    assert.doesNotMatch(
      out.outputFiles[0].text,
      /\bimport\s*[({'"]/,
      `the bundle of ${entry} still imports something`,
    );
  }
});

test('no Node-only API, no eval, in src/', () => {
  const forbidden = [
    /\brequire\s*\(/,
    /\bprocess\./,
    /\bBuffer\b/,
    /['"]node:/,
    /\beval\s*\(/,
    /\bnew\s+Function\b/,
    /\bglobal\./,
    /__dirname|__filename/,
  ];
  for (const f of fs.readdirSync(path.join(JS, 'src'))) {
    const code = fs.readFileSync(path.join(JS, 'src', f), 'utf8').replace(/\/\/.*$/gm, '');
    for (const re of forbidden) assert.doesNotMatch(code, re, `src/${f} uses ${re}`);
  }
});

test('the engine core stays one screen (about 80 lines)', () => {
  const lines = fs
    .readFileSync(path.join(JS, 'src', 'engine.js'), 'utf8')
    .trimEnd()
    .split('\n').length;
  assert.ok(lines <= 90, `src/engine.js has ${lines} lines`);
});
