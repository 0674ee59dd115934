// The README's claim that the engine runs in Deno, checked (nox -s js runs this with the Deno
// pinned beside it, reading the repository and nothing else): both entries load the pinned
// weights, js/model.json, and reproduce every parity digit of that version as the Python
// reference recorded it (js/parity/replay.mjs: activations and logits exactly where the file
// carries them, probabilities within the conformance tolerance) and classify it as the file's
// most probable digit; the wasm entry must run its kernel. Exits non-zero on a difference.
//
//   tools/deno/node_modules/.bin/deno run --allow-read=. tools/deno/predict.mjs
import { ENTRIES } from '../../js/entries.mjs';
import { caseInput, replay } from '../../js/parity/replay.mjs';

const root = new URL('../../', import.meta.url);
const read = (path) => Deno.readTextFile(new URL(path, root));

const pinned = JSON.parse(await read('js/package.json')).digitnet.weightsVersion;
const text = await read('js/model.json');
const parity = JSON.parse(await read(`fixtures/weights/${pinned}/parity.json`));
const { cases } = parity;

for (const [entry, { file, backend }] of Object.entries(ENTRIES)) {
  const { loadModel } = await import(`../../js/src/${file}`);
  const model = loadModel(text);
  if ((model.info.backend ?? 'js') !== backend) {
    throw new Error(`the ${entry} entry runs on ${model.info.backend} in Deno`);
  }
  const run = (x) => ({ ...model.forward(x), probs: model.predict(x) });
  replay(parity, run, `${entry}: weights ${pinned} parity file`);
  for (const c of cases) {
    const want = c.probabilities.indexOf(Math.max(...c.probabilities));
    const [top] = model.classify(caseInput(c), 1);
    if (top.digit !== want)
      throw new Error(`${entry}: parity digit #${c.index} reads ${top.digit}, not ${want}`);
  }
}
const what = `${cases.length} parity digits as recorded (${Object.keys(ENTRIES).join(' and ')})`;
console.log(`deno ${Deno.version.deno}: weights ${pinned}, ${what}`);
