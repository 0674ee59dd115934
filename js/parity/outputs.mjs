// The JS half of `nox -s parity`: run the engine (or a deliberately broken mutant of it) on every
// input the Python side will check, and write the results as raw float64 (little-endian), so no
// number is ever rounded on its way between the languages.
//
//   node parity/outputs.mjs MODEL_JSON PARITY_JSON T10K_IMAGES CASES_JSON OUT_DIR [MUTANT]
//
// OUT_DIR receives parity.f64 (cases x 10), mnist.f64 (10000 x 10, from predict), logits.f64
// and hidden.f64 (10000 x 10 and 10000 x the hidden widths summed, from forward), preprocess.f64
// (cases x 784, NaN-filled for a null result) and drawings.f64 (cases x 10, NaN-filled for a
// null drawing).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MUTANTS } from './mutants.mjs';

const [modelPath, parityPath, imagesPath, casesPath, outDir, mutant] = process.argv.slice(2);
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

const { loadModel, preprocess } = await engine(mutant);
const model = loadModel(fs.readFileSync(modelPath, 'utf8'));
const write = (name, rows, width) => {
  const out = new Float64Array(rows.length * width);
  rows.forEach((r, k) => (r ? out.set(r, k * width) : out.fill(NaN, k * width, (k + 1) * width)));
  fs.writeFileSync(path.join(outDir, name), new Uint8Array(out.buffer));
};
const pixels = (bytes) => Float64Array.from(bytes, (v) => v / 255);

const parity = JSON.parse(fs.readFileSync(parityPath, 'utf8')).cases;
write('parity.f64', parity.map((c) => model.predict(pixels(Buffer.from(c.pixels, 'base64')))), 10);

const idx = fs.readFileSync(imagesPath);
const n = idx.readUInt32BE(4);
const images = Array.from({ length: n }, (_, k) => pixels(idx.subarray(16 + 784 * k, 16 + 784 * (k + 1))));
write('mnist.f64', images.map((x) => model.predict(x)), 10);
const forward = images.map((x) => model.forward(x));
write('logits.f64', forward.map((f) => f.logits), 10);
const width = model.info.architecture.slice(1, -1).reduce((s, w) => s + w, 0);
write('hidden.f64', forward.map((f) => Float64Array.from(f.hidden.flatMap((h) => [...h]))), width);

const cases = JSON.parse(fs.readFileSync(casesPath, 'utf8')).cases;
const pre = cases.map((c) => preprocess(new Uint8ClampedArray(Buffer.from(c.rgba, 'base64')), c.width, c.height, { ink: c.ink }));
write('preprocess.f64', pre, 784);
write('drawings.f64', pre.map((x) => x && model.predict(x)), 10);
