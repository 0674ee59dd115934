// The package's cost to a web page, per entry: each bundled and minified with esbuild, then
// gzipped. The core (src/index.js: engine + preprocessing) within 3,817 B; the wasm entry
// (src/wasm.js: the kernel inlined, and the core as its fallback) within 4,724 B. Prints JSON;
// exits 1 over a budget. test/size.test.js runs it.
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ENTRIES as TABLE } from '../entries.mjs';

// Budgets in bytes, minified + gzipped: 3 KiB and 4 KiB until ink 'auto' and the preprocessing
// split into PREPROCESS.md's steps (issues 24 and 25) took the core from 3,066 to about 3,270;
// reading 4-bit layers (weights 2.0.0, issue 26) added 68 B and the `weights` export (issue 24)
// 85 B; the hostile-input pass (issue 23: the overflow bounds, a snapshot of own data
// properties, escaped messages, classify's k) 359 B; each time the budget grew by the least
// that holds it (3,328 -> 3,340 -> 3,432 -> 3,784); validate.js split into parse, validateLayer
// and validate, as validate.py is (issue 25: no function over 60 lines), 20 B (3,804); naming
// an rgba without a class (Object.create(null)) instead of a template string's own TypeError,
// found by mutation testing (issue 22), 13 B (3,817).
const BUDGETS = { core: 3817, wasm: 4724 };
export const ENTRIES = Object.fromEntries(
  Object.entries(TABLE).map(([name, { file }]) => [name, { file, budget: BUDGETS[name] }]),
);

export async function measure(name = 'core') {
  const { file, budget } = ENTRIES[name];
  const entry = fileURLToPath(new URL(`../src/${file}`, import.meta.url));
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0].contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length, budget };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = {};
  for (const name of Object.keys(ENTRIES)) sizes[name] = await measure(name);
  console.log(JSON.stringify(sizes));
  if (Object.values(sizes).some((s) => s.gzipped > s.budget)) process.exitCode = 1;
}
