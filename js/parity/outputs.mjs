// The JS half of `nox -s parity`: run the engine (or a deliberately broken mutant of it) on every
// input the Python side will check, and write the results as raw float64 (little-endian), so no
// number is ever rounded on its way between the languages.
//
//   node parity/outputs.mjs CONFIG_JSON
//
// CONFIG_JSON: {"out": DIR, "images": T10K_IMAGES, "cases": CASES_JSON, "mutant": NAME or null,
//               "versions": [{"version": "X.Y.Z", "model": MODEL_JSON, "parity": PARITY_JSON}]}
// DIR receives one .f64 file per output and manifest.json, which names each output's file, rows
// and width: the layout is written here once and Python reads it from there. Preprocessing does
// not depend on the weights and runs once; everything else runs per version. A null result
// (an empty drawing) is a NaN-filled row.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MUTANTS } from './mutants.mjs';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const src = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

async function engine(name) {
  if (!name) return import(pathToFileURL(path.join(src, 'index.js')).href);
  const m = MUTANTS[name];
  if (!m) throw new Error(`unknown mutant ${name}; known: ${Object.keys(MUTANTS).join(', ')}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `digitnet-mutant-${name}-`));
  for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  const text = fs.readFileSync(path.join(dir, m.file), 'utf8');
  if (text.split(m.find).length !== 2) throw new Error(`mutant ${name}: the patched text must occur once in ${m.file}`);
  fs.writeFileSync(path.join(dir, m.file), text.replace(m.find, () => m.replace));
  return import(pathToFileURL(path.join(dir, 'index.js')).href);
}

const manifest = { outputs: {} };
const write = (key, rows, width) => {
  const out = new Float64Array(rows.length * width);
  rows.forEach((r, k) => (r ? out.set(r, k * width) : out.fill(NaN, k * width, (k + 1) * width)));
  const file = `${key.replaceAll('/', '-')}.f64`;
  fs.writeFileSync(path.join(config.out, file), new Uint8Array(out.buffer));
  manifest.outputs[key] = { file, rows: rows.length, width };
};
const pixels = (bytes) => Float64Array.from(bytes, (v) => v / 255);

const { loadModel, preprocess } = await engine(config.mutant);
const idx = fs.readFileSync(config.images);
const n = idx.readUInt32BE(4);
const images = Array.from({ length: n }, (_, k) => pixels(idx.subarray(16 + 784 * k, 16 + 784 * (k + 1))));
const cases = JSON.parse(fs.readFileSync(config.cases, 'utf8')).cases;
const drawn = cases.map((c) => preprocess(new Uint8ClampedArray(Buffer.from(c.rgba, 'base64')), c.width, c.height, { ink: c.ink }));
write('preprocess', drawn, 784);

for (const { version, model: modelPath, parity: parityPath } of config.versions) {
  const model = loadModel(fs.readFileSync(modelPath, 'utf8'));
  const parity = JSON.parse(fs.readFileSync(parityPath, 'utf8')).cases;
  const onParity = parity.map((c) => model.forward(pixels(Buffer.from(c.pixels, 'base64'))));
  write(`${version}/parity`, onParity.map((f) => f.probs), 10);
  write(`${version}/parityLogits`, onParity.map((f) => f.logits), 10);
  write(`${version}/mnist`, images.map((x) => model.predict(x)), 10);
  const forward = images.map((x) => model.forward(x));
  write(`${version}/logits`, forward.map((f) => f.logits), 10);
  const width = model.info.architecture.slice(1, -1).reduce((s, w) => s + w, 0);
  write(`${version}/hidden`, forward.map((f) => Float64Array.from(f.hidden.flatMap((h) => [...h]))), width);
  write(`${version}/drawings`, drawn.map((x) => x && model.predict(x)), 10);
}
fs.writeFileSync(path.join(config.out, 'manifest.json'), JSON.stringify(manifest, null, 1));
