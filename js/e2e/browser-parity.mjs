// The browser half of parity: an engine entry run in a browser (a page or a module worker) on
// every digit of the pinned weights' parity.json and every preprocessing case of fixtures/,
// its numbers compared with Node's (the same function run in Node on js/src) and with the
// Python reference's recorded in fixtures/: inputs, hidden activations, logits and classify's
// digit to the bit, probabilities within TOLERANCE.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MUTANTS, mutantSources } from '../parity/mutants.mjs';
import kernels from '../parity/kernels.mjs';
import { ROOT } from './server.mjs';

export const TOLERANCE = 1e-12; // fixtures/FORMAT.md: probabilities (exp() is the runtime's)
const FIXTURES = join(ROOT, '..', 'fixtures');
const SRC = join(ROOT, 'src');
export const ENTRIES = { core: 'index.js', wasm: 'wasm.js' }; // @digitnet/engine, .../wasm
const BACKEND_OF = { core: 'js', wasm: 'wasm' }; // mutants.mjs's names for the same entries

// What the test server hands the browser under /e2e/: the fixtures, and every mutant's patched
// js/src at /e2e/mutant/NAME/ENTRY/FILE.
export function parityFiles() {
  const json = 'application/json';
  const files = {
    'parity.json': [readFileSync(fixturePath(), 'utf8'), json],
    'cases.json': [readFileSync(join(FIXTURES, 'preprocess', 'cases.json'), 'utf8'), json],
  };
  const src = Object.fromEntries(
    readdirSync(SRC).map((f) => [f, readFileSync(join(SRC, f), 'utf8')]),
  );
  for (const name of Object.keys(MUTANTS))
    for (const entry of Object.keys(ENTRIES))
      for (const [file, text] of Object.entries(
        mutantSources(name, BACKEND_OF[entry], src, kernels),
      ))
        files[`mutant/${name}/${entry}/${file}`] = [text, 'text/javascript'];
  return files;
}

// The pinned weights' parity file (js/model.json is that version).
function fixturePath() {
  const { weightsVersion } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).digitnet;
  return join(FIXTURES, 'weights', weightsVersion, 'parity.json');
}

// Runs where the engine runs (page, worker, Node); self-contained, as it is sent as source.
// One row per input: the input, each hidden layer, logits, probabilities, classify's digit;
// a drawing with no ink is a row of NaN. Rows come back as base64 of float64, no number rounded.
export async function replay({ entry, base = '' }) {
  const { loadModel, preprocess } = await import(entry);
  const get = async (u) => fetch(`${base}${u}`);
  const model = loadModel(new Uint8Array(await (await get('/model.json')).arrayBuffer()));
  const { cases: digits } = await (await get('/e2e/parity.json')).json();
  const { cases } = await (await get('/e2e/cases.json')).json();
  const width = model.info.architecture.reduce((a, b) => a + b, 0) + 11;
  const bytes = (b64) => Uint8ClampedArray.from(atob(b64), (c) => c.charCodeAt(0));
  const row = (x) => {
    if (!x) return new Float64Array(width).fill(NaN);
    const f = model.forward(x);
    const parts = [x, ...f.hidden, f.logits, model.predict(x), [model.classify(x, 1)[0].digit]];
    return Float64Array.from(parts.flatMap((p) => Array.from(p)));
  };
  const encode = (rows) => {
    const all = new Uint8Array(Float64Array.from(rows.flatMap((r) => Array.from(r))).buffer);
    let s = '';
    for (let i = 0; i < all.length; i += 0x8000)
      s += String.fromCharCode(...all.subarray(i, i + 0x8000));
    return btoa(s);
  };
  let canCompile = true; // and instantiate: WebKit refuses only that under a CSP without wasm
  try {
    new WebAssembly.Instance(new WebAssembly.Module(Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0)));
  } catch {
    canCompile = false;
  }
  const draw = (c) => preprocess(bytes(c.rgba), c.width, c.height, { ink: c.ink });
  return {
    backend: model.info.backend ?? 'js',
    canCompile,
    scope: globalThis.constructor.name,
    architecture: model.info.architecture,
    digits: encode(digits.map((c) => row(Float64Array.from(bytes(c.pixels), (v) => v / 255)))),
    cases: encode(cases.map((c) => row(draw(c)))),
  };
}

// The same replay in Node, on js/src (the reference the browsers are held to, itself held to
// Python by nox -s parity), reading the fixtures from the test server.
export const replayInNode = (server, entry = 'core') =>
  replay({ entry: pathToFileURL(join(SRC, ENTRIES[entry])).href, base: server.url });

// Every way a browser's replay differs from Node's and from the Python reference's numbers in
// fixtures/: one line per quantity that differs, with how many rows and the worst one.
export function differences(got, node) {
  const hidden = node.architecture.slice(1, -1).reduce((a, b) => a + b, 0);
  const at = [
    ['input', 784],
    ['hidden', hidden],
    ['logits', 10],
    ['probabilities', 10],
    ['digit', 1],
  ];
  const parity = JSON.parse(readFileSync(fixturePath(), 'utf8')).cases;
  const cases = JSON.parse(readFileSync(join(FIXTURES, 'preprocess', 'cases.json'), 'utf8')).cases;
  const lines = [];
  for (const [set, about] of [
    ['digits', parity],
    ['cases', cases],
  ]) {
    const g = rows(got[set], node.architecture),
      n = rows(node[set], node.architecture);
    let start = 0;
    for (const [what, width] of at) {
      const cut = (r) => r.subarray(start, start + width);
      const tol = what === 'probabilities' ? TOLERANCE : 0;
      lines.push(compare(`${set}: ${what} vs Node`, g.map(cut), n.map(cut), tol, about));
      if (set === 'digits' && what === 'logits')
        lines.push(
          compare(
            'digits: logits vs Python',
            g.map(cut),
            about.map((c) => c.logits),
            0,
            about,
          ),
        );
      if (set === 'digits' && what === 'probabilities') {
        const python = about.map((c) => c.probabilities);
        lines.push(compare('digits: probabilities vs Python', g.map(cut), python, tol, about));
      }
      if (set === 'cases' && what === 'input') {
        const python = about.map((c) => c.expected ?? new Array(784).fill(NaN));
        lines.push(compare('cases: preprocessed input vs Python', g.map(cut), python, 0, about));
      }
      start += width;
    }
  }
  return lines.filter(Boolean);
}

function rows(b64, architecture) {
  const width = architecture.reduce((a, b) => a + b, 0) + 11;
  const all = new Float64Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer);
  return Array.from({ length: all.length / width }, (_, k) =>
    all.subarray(k * width, (k + 1) * width),
  );
}

// null when every row agrees; else a line naming how many rows differ and the worst one.
function compare(what, got, want, tolerance, about) {
  let bad = 0,
    worst = { diff: -1 };
  got.forEach((row, k) => {
    let diff = 0;
    for (let i = 0; i < row.length; i++) {
      const a = row[i],
        b = want[k][i];
      if (
        tolerance === 0
          ? Object.is(a, b)
          : (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= tolerance
      )
        continue;
      diff = Math.max(diff, Number.isNaN(a - b) ? Infinity : Math.abs(a - b) || Number.MIN_VALUE);
    }
    if (diff > 0) bad++;
    if (diff > worst.diff) worst = { diff, k };
  });
  if (got.length !== want.length) return `${what}: ${got.length} rows, expected ${want.length}`;
  if (!bad) return null;
  const { k, diff } = worst;
  const name = about[k].description;
  return `${what}: ${bad} of ${got.length} differ; worst #${k} (${name}) by ${diff}`;
}
