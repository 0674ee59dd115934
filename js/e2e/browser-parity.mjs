// The browser half of parity: an engine entry run in a browser (a page or a module worker) on
// every digit of the pinned weights' parity.json and every preprocessing case of fixtures/
// (runEntry), its numbers compared with Node's (the same function run in Node on js/src) and
// with the Python reference's recorded in fixtures/ (the parity file through js/parity/
// replay.mjs, the one JS checker of it): inputs, hidden activations, logits and classify's digit
// to the bit, probabilities within TOLERANCE.
import { readdirSync, readFileSync } from 'node:fs';
import { after, before } from 'node:test';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MUTANTS, mutantSources } from '../parity/mutants.mjs';
import kernels from '../parity/kernels.mjs';
import { TOLERANCE, replay } from '../parity/replay.mjs';
import { openDemo } from './demo-page.mjs';
import { ROOT, startServer } from './server.mjs';
import { ENTRIES as TABLE } from '../entries.mjs';

const FIXTURES = join(ROOT, '..', 'fixtures');
const SRC = join(ROOT, 'src');
// entry -> file (@digitnet/engine, .../wasm) and entry -> mutants.mjs's backend name, from the
// one table of the engine's entries
export const ENTRIES = Object.fromEntries(Object.entries(TABLE).map(([k, e]) => [k, e.file]));
const BACKEND_OF = Object.fromEntries(Object.entries(TABLE).map(([k, e]) => [k, e.backend]));

// What the test server hands the browser under /e2e/: the fixtures (every preprocessing case
// file's cases as one list), and every mutant's patched js/src at /e2e/mutant/NAME/ENTRY/FILE.
export function parityFiles() {
  const json = 'application/json';
  const files = {
    'parity.json': [readFileSync(fixturePath(), 'utf8'), json],
    'cases.json': [JSON.stringify({ cases: preprocessingCases() }), json],
  };
  for (const [name, byEntry] of Object.entries(mutants().applied))
    for (const [entry, sources] of Object.entries(byEntry))
      for (const [file, text] of Object.entries(sources))
        files[`mutant/${name}/${entry}/${file}`] = [text, 'text/javascript'];
  return files;
}

// Every mutant of js/parity/mutants.mjs as js/src patched for each entry (`applied`), and the
// ones whose patch no longer applies to js/src with why (`unapplied`: test_parity fails on
// those; the browsers run the others).
let built;
export function mutants() {
  if (built) return built;
  const src = Object.fromEntries(
    readdirSync(SRC).map((f) => [f, readFileSync(join(SRC, f), 'utf8')]),
  );
  built = { applied: {}, unapplied: {} };
  for (const name of Object.keys(MUTANTS)) {
    try {
      built.applied[name] = Object.fromEntries(
        Object.keys(ENTRIES).map((e) => [e, mutantSources(name, BACKEND_OF[e], src, kernels)]),
      );
    } catch (e) {
      built.unapplied[name] = e.message;
    }
  }
  return built;
}

// fixtures/preprocess/cases.json, cases-2.json, ...: published case files never change, new
// cases come in a new file; every one is checked.
function preprocessingCases() {
  const dir = join(FIXTURES, 'preprocess');
  const number = (f) => Number(/^cases(?:-(\d+))?\.json$/.exec(f)?.[1] ?? 1);
  const names = readdirSync(dir).filter((f) => /^cases(-\d+)?\.json$/.test(f));
  names.sort((a, b) => number(a) - number(b));
  return names.flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')).cases);
}

// The pinned weights' parity file (js/model.json is that version).
function fixturePath() {
  const { weightsVersion } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).digitnet;
  return join(FIXTURES, 'weights', weightsVersion, 'parity.json');
}

// Runs where the engine runs (page, worker, Node); self-contained, as it is sent as source.
// One row per input: the input, each hidden layer, logits, probabilities, classify's digit;
// a drawing with no ink is a row of NaN. Rows come back as base64 of float64, no number rounded.
export async function runEntry({ entry, base = '' }) {
  const { loadModel, preprocess } = await import(entry);
  const get = async (u) => fetch(`${base}${u}`);
  const model = loadModel(new Uint8Array(await (await get('/model.json')).arrayBuffer()));
  const { cases: digits } = await (await get('/e2e/parity.json')).json();
  const { cases } = await (await get('/e2e/cases.json')).json();
  const width = model.info.architecture.reduce((a, b) => a + b, 0) + 11; // + probs, digit
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
    // a digit's input as replay.mjs's caseInput makes it: pixel / 255 in float64
    digits: encode(digits.map((c) => row(Float64Array.from(bytes(c.pixels), (v) => v / 255)))),
    cases: encode(cases.map((c) => row(draw(c)))),
  };
}

// The same run in Node, on js/src (the reference the browsers are held to, itself held to
// Python by nox -s parity), reading the fixtures from the test server.
export const runInNode = (server, entry = 'core') =>
  runEntry({ entry: pathToFileURL(join(SRC, ENTRIES[entry])).href, base: server.url });

// Every way a browser's run differs from Node's and from the Python reference's numbers in
// fixtures/: one line per quantity that differs, with how many rows and the worst one.
export function differences(got, node) {
  const arch = node.architecture;
  const parity = JSON.parse(readFileSync(fixturePath(), 'utf8'));
  const cases = preprocessingCases();
  const lines = [];
  for (const [set, about] of [
    ['digits', parity.cases],
    ['cases', cases],
  ]) {
    const g = rows(got[set], arch),
      n = rows(node[set], arch);
    for (const [what, cut] of Object.entries(fields(arch))) {
      const tol = what === 'probabilities' ? TOLERANCE : 0;
      lines.push(compare(`${set}: ${what} vs Node`, g.map(cut), n.map(cut), tol, about));
    }
  }
  // Python's numbers: the parity file through its one JS checker, the cases' expected inputs.
  const digits = rows(got.digits, arch);
  const { logits, probabilities } = fields(arch);
  const run = (_x, k) => ({
    hidden: hiddenLayers(digits[k], arch),
    logits: logits(digits[k]),
    probs: probabilities(digits[k]),
  });
  try {
    replay(parity, run, 'the pinned parity.json');
  } catch (e) {
    lines.push(`digits vs Python: ${e.message}`);
  }
  const expected = cases.map((c) => c.expected ?? new Array(784).fill(NaN));
  const input = rows(got.cases, arch).map(fields(arch).input);
  lines.push(compare('cases: preprocessed input vs Python', input, expected, 0, cases));
  return lines.filter(Boolean);
}

// A row's parts, as runEntry lays them out.
function fields(architecture) {
  const [I, ...widths] = architecture,
    O = widths.pop();
  const H = widths.reduce((a, b) => a + b, 0);
  const part = (start, n) => (r) => r.subarray(start, start + n);
  return {
    input: part(0, I),
    hidden: part(I, H),
    logits: part(I + H, O),
    probabilities: part(I + H + O, O),
    digit: part(I + H + 2 * O, 1),
  };
}

// A row's hidden activations, one array per hidden layer.
function hiddenLayers(row, architecture) {
  const starts = architecture
    .slice(0, -1)
    .map((_, k) => architecture.slice(0, k + 1).reduce((a, b) => a + b, 0));
  return architecture.slice(1, -1).map((w, k) => row.subarray(starts[k], starts[k] + w));
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

// The set-up of a test file that runs entries in `browser`: before its tests, the test server
// (the fixtures, the mutants and `extra` files under /e2e/), Node's run and the demo page, in
// the returned object; after them, all closed.
export function parityPage(browser, extra = {}) {
  const at = {};
  before(async () => {
    at.server = await startServer({ files: { ...parityFiles(), ...extra } });
    at.node = await runInNode(at.server);
    at.page = await openDemo(browser, at.server);
  });
  after(async () => {
    await at.page?.close();
    await browser.close();
    await at.server?.close();
  });
  return at;
}
