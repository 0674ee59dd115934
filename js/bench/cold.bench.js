// Benchmark: the cost of a cold first `loadModel`, each in a fresh Node process (nothing
// compiled yet, no memory reused): the core, the wasm entry (which also compiles its kernel on
// that first call) and the original engine's load (bench/original.js), as ratios to the last.
// Processes alternate between the three, so a burst of load on the machine hits all alike.
//
//   node bench/cold.bench.js [model.json] [runs, default 15]
//
// Prints one JSON object. The model file is read and parsed before the clock starts.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median } from './stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const modelPath = process.argv[2] || path.join(here, '..', 'model.json');
const RUNS = Number(process.argv[3] || 15);
const url = (f) => JSON.stringify(pathToFileURL(path.join(here, f)).href);

const ENTRIES = {
  core: `const { loadModel } = await import(${url('../src/index.js')}); const load = loadModel;`,
  wasm: `const { loadModel } = await import(${url('../src/wasm.js')});
    const load = (j) => { if (loadModel(j).info.backend !== 'wasm') throw new Error('no wasm'); };`,
  original: `const { baseline } = await import(${url('original.js')}); const load = baseline;`,
};

function firstCallMs(name) {
  const script = `import fs from 'node:fs';
    ${ENTRIES[name]}
    const json = JSON.parse(fs.readFileSync(${JSON.stringify(modelPath)}, 'utf8'));
    const t = performance.now();
    load(json);
    console.log(performance.now() - t);`;
  return Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
  );
}

const times = Object.fromEntries(Object.keys(ENTRIES).map((n) => [n, []]));
for (let r = 0; r < RUNS; r++)
  for (const name of Object.keys(ENTRIES)) times[name].push(firstCallMs(name));
const ms = Object.fromEntries(Object.entries(times).map(([n, xs]) => [n, +median(xs).toFixed(2)]));
const range = Object.fromEntries(
  Object.entries(times).map(([n, xs]) => [
    n,
    [Math.min(...xs), Math.max(...xs)].map((v) => +v.toFixed(2)),
  ]),
);
console.log(
  JSON.stringify(
    {
      node: process.version,
      runs: RUNS,
      firstCallMedianMs: ms,
      firstCallRangeMs: range,
      ratioToOriginal: {
        core: +(ms.core / ms.original).toFixed(2),
        wasm: +(ms.wasm / ms.original).toFixed(2),
      },
      loadavg: os.loadavg().map((v) => +v.toFixed(2)),
    },
    null,
    2,
  ),
);
