// The package's cost to a web page: src/index.js (engine + preprocessing) bundled and minified
// with esbuild, then gzipped. Prints JSON; exits 1 over the budget. test/size.test.js runs it.
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const BUDGET = 3 * 1024; // bytes, minified + gzipped

export async function measure() {
  const entry = fileURLToPath(new URL('../src/index.js', import.meta.url));
  const out = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', write: false, logLevel: 'silent' });
  const code = out.outputFiles[0].contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length, budget: BUDGET };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const size = await measure();
  console.log(JSON.stringify(size));
  if (size.gzipped > BUDGET) process.exitCode = 1;
}
