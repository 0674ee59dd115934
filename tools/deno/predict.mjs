// The README's claim that the engine runs in Deno, checked (nox -s js runs this with the Deno
// pinned beside it, reading the repository and nothing else): both entries load the pinned
// weights, js/model.json, and give every parity digit of that version the probabilities the
// Python reference recorded (within 1e-12, the conformance level) and its most probable digit;
// the wasm entry must run its kernel. Exits non-zero on the first difference.
//
//   tools/deno/node_modules/.bin/deno run --allow-read=. tools/deno/predict.mjs
import { loadModel } from '../../js/src/index.js';
import { loadModel as loadWasm } from '../../js/src/wasm.js';

const root = new URL('../../', import.meta.url);
const read = (path) => Deno.readTextFile(new URL(path, root));

const pinned = JSON.parse(await read('js/package.json')).digitnet.weightsVersion;
const text = await read('js/model.json');
const { cases } = JSON.parse(await read(`fixtures/weights/${pinned}/parity.json`));

for (const [entry, load] of [
  ['core', loadModel],
  ['wasm', loadWasm],
]) {
  const model = load(text);
  if (entry === 'wasm' && model.info.backend !== 'wasm') {
    throw new Error(`the wasm entry runs on ${model.info.backend} in Deno`);
  }
  for (const c of cases) {
    const pixels = Uint8Array.from(atob(c.pixels), (ch) => ch.charCodeAt(0));
    const x = Float64Array.from(pixels, (v) => v / 255);
    const probs = model.predict(x);
    const worst = Math.max(...c.probabilities.map((p, j) => Math.abs(p - probs[j])));
    if (!(worst <= 1e-12))
      throw new Error(`${entry}: parity digit #${c.index}: probabilities ${worst} off`);
    const want = c.probabilities.indexOf(Math.max(...c.probabilities));
    const [top] = model.classify(x, 1);
    if (top.digit !== want)
      throw new Error(`${entry}: parity digit #${c.index} reads ${top.digit}, not ${want}`);
  }
}
const what = `${cases.length} parity digits as recorded (core and wasm)`;
console.log(`deno ${Deno.version.deno}: weights ${pinned}, ${what}`);
