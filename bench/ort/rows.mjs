// The browser half of `nox -s bench` as one table, a row per browser: the median per digit of
// each runtime (with the range of its per-round medians) and onnxruntime-web's time over ours.
//
//   node bench/ort/rows.mjs artifacts/bench-chromium.json artifacts/bench-firefox.json ...
import fs from 'node:fs';

const range = ([lo, hi]) => `${lo}-${hi}`;
const rows = process.argv.slice(2).map((file) => {
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  const { ort, core, wasm } = r.roundMedianRangeUs;
  const perRound = r.wasmRatioPerRound;
  return [
    r.browser,
    `${r.wasmMedianUs} µs (${range(wasm)})`,
    `${r.engineMedianUs} µs (${range(core)})`,
    `${r.ortMedianUs} µs (${range(ort)})`,
    `${r.wasmRatio}x (per round ${Math.min(...perRound)}-${Math.max(...perRound)}x)`,
    `${r.ratio}x`,
    String(r.wasmSameBitsAsCore),
  ];
});
const head = ['browser', 'wasm entry', 'core', 'onnxruntime-web', 'ort / wasm', 'ort / core', 'same bits'];
for (const row of [head, head.map(() => '---'), ...rows]) console.log(`| ${row.join(' | ')} |`);
