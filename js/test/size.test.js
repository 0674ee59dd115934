// Small and portable: the whole package (engine + preprocessing) within 3 KB minified and
// gzipped, bundled for the browser with nothing left external, and no Node-only API or eval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { measure } from '../scripts/size.js';
import { JS } from './helpers.js';

test('engine + preprocessing: at most 3 KB minified and gzipped', async () => {
  const { minified, gzipped, budget } = await measure();
  assert.ok(gzipped <= budget, `${gzipped} bytes gzipped (${minified} minified), budget ${budget}`);
});

test('bundles for the browser with no imports left over', async () => {
  const out = await build({
    entryPoints: [path.join(JS, 'src', 'index.js')], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent', metafile: true,
  });
  const inputs = Object.keys(out.metafile.inputs).map((f) => path.basename(f)).sort();
  const sources = fs.readdirSync(path.join(JS, 'src')).filter((f) => f.endsWith('.js')).sort();
  assert.deepEqual(inputs, sources, 'the bundle should be exactly src/*.js');
  assert.doesNotMatch(out.outputFiles[0].text, /\bimport\s*[({'"]/, 'the bundle still imports something');
});

test('no Node-only API, no eval, in src/', () => {
  const forbidden = [/\brequire\s*\(/, /\bprocess\./, /\bBuffer\b/, /['"]node:/, /\beval\s*\(/, /\bnew\s+Function\b/, /\bglobal\./, /__dirname|__filename/];
  for (const f of fs.readdirSync(path.join(JS, 'src'))) {
    const code = fs.readFileSync(path.join(JS, 'src', f), 'utf8').replace(/\/\/.*$/gm, '');
    for (const re of forbidden) assert.doesNotMatch(code, re, `src/${f} uses ${re}`);
  }
});

test('the engine core stays one screen (about 80 lines)', () => {
  const lines = fs.readFileSync(path.join(JS, 'src', 'engine.js'), 'utf8').trimEnd().split('\n').length;
  assert.ok(lines <= 90, `src/engine.js has ${lines} lines`);
});
