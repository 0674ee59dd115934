// The JS half of `nox -s parity`: run both backends, the core (src/index.js) and the wasm entry
// (src/wasm.js), or a deliberately broken mutant of each, on every input the Python side will
// check, and write the results as raw float64 (little-endian), so no number is ever rounded on
// its way between the languages.
//
//   node parity/outputs.mjs CONFIG_JSON
//
// CONFIG_JSON: {"out": DIR, "images": T10K_IMAGES, "cases": [CASES_JSON, ...], "mutant": NAME|null,
//               "versions": [{"version": "X.Y.Z", "model": MODEL_JSON, "parity": PARITY_JSON}]}
// DIR receives one .f64 file per output and manifest.json, which names each output's file, rows
// and width: the layout is written here once and Python reads it from there. Keys start with the
// backend ("js/", "wasm/"). Preprocessing does not depend on the weights and runs once per
// backend; everything else runs per version. A null result (an empty drawing) is a NaN-filled row.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BACKENDS, mutantSources } from './mutants.mjs';
import kernels from './kernels.mjs';
import { readInputs, toInput } from '../data/mnist.js';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const src = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

// The backend's entry, from js/src or from a patched copy of it. A patched kernel.wat comes
// with its compiled bytes (kernels.mjs), written where the entry imports the kernel from.
async function engine(name, backend) {
  const entry = BACKENDS[backend];
  if (!name) return import(pathToFileURL(path.join(src, entry)).href);
  const files = Object.fromEntries(
    fs.readdirSync(src).map((f) => [f, fs.readFileSync(path.join(src, f), 'utf8')]),
  );
  const patched = mutantSources(name, backend, files, kernels);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `digitnet-mutant-${name}-${backend}-`));
  for (const [f, text] of Object.entries(patched)) fs.writeFileSync(path.join(dir, f), text);
  return import(pathToFileURL(path.join(dir, entry)).href);
}

const manifest = { outputs: {} };
const write = (key, rows, width) => {
  const out = new Float64Array(rows.length * width);
  rows.forEach((r, k) => {
    if (r) out.set(r, k * width);
    else out.fill(NaN, k * width, (k + 1) * width);
  });
  const file = `${key.replaceAll('/', '-')}.f64`;
  fs.writeFileSync(path.join(config.out, file), new Uint8Array(out.buffer));
  manifest.outputs[key] = { file, rows: rows.length, width };
};

const images = readInputs(fs.readFileSync(config.images), config.images);
const cases = config.cases.flatMap((file) => JSON.parse(fs.readFileSync(file, 'utf8')).cases);

async function run(backend) {
  const { loadModel, preprocess } = await engine(config.mutant, backend);
  const drawn = cases.map((c) =>
    preprocess(new Uint8ClampedArray(Buffer.from(c.rgba, 'base64')), c.width, c.height, {
      ink: c.ink,
    }),
  );
  write(`${backend}/preprocess`, drawn, 784);
  for (const { version, model: modelPath, parity: parityPath } of config.versions) {
    const model = loadModel(fs.readFileSync(modelPath, 'utf8'));
    // A wasm entry that fell back to the core would compare the core twice and prove nothing.
    if (backend === 'wasm' && model.info.backend !== 'wasm')
      throw new Error(`the wasm entry runs on ${model.info.backend} here`);
    const key = `${backend}/${version}`;
    const parity = JSON.parse(fs.readFileSync(parityPath, 'utf8')).cases;
    const onParity = parity.map((c) => model.forward(toInput(Buffer.from(c.pixels, 'base64'))));
    write(
      `${key}/parity`,
      onParity.map((f) => f.probs),
      10,
    );
    write(
      `${key}/parityLogits`,
      onParity.map((f) => f.logits),
      10,
    );
    write(
      `${key}/mnist`,
      images.map((x) => model.predict(x)),
      10,
    );
    const forward = images.map((x) => model.forward(x));
    write(
      `${key}/logits`,
      forward.map((f) => f.logits),
      10,
    );
    const width = model.info.architecture.slice(1, -1).reduce((s, w) => s + w, 0);
    write(
      `${key}/hidden`,
      forward.map((f) => Float64Array.from(f.hidden.flatMap((h) => [...h]))),
      width,
    );
    write(
      `${key}/drawings`,
      drawn.map((x) => x && model.predict(x)),
      10,
    );
    // classify's default top 3: digits, then probabilities
    const top = images.map((x) => model.classify(x));
    write(
      `${key}/classify`,
      top.map((t) => [...t.map((c) => c.digit), ...t.map((c) => c.probability)]),
      6,
    );
  }
}

for (const backend of Object.keys(BACKENDS)) await run(backend);
manifest.backends = Object.keys(BACKENDS);
fs.writeFileSync(path.join(config.out, 'manifest.json'), JSON.stringify(manifest, null, 1));
