// The JS side of the differential tests (python/tests/test_fuzz.py): reads one JSON request per
// line on stdin and answers one JSON line on stdout, so a single node process serves a whole
// hypothesis run. Requests:
//   {"op": "load", "bytes": "<base64 of a model file>"}
//     -> {"field": null} if loadModel accepts it, else {"field": "<field>", "message": "..."}
//   {"op": "preprocess", "rgba": "<base64>", "width": W, "height": H, "ink": "alpha"}
//     -> {"out": "<base64 of 784 little-endian float64>"} or {"out": null}
//   {"op": "predict", "x": [...]} -> {"ok": true} or {"error": "TypeError", "message": "..."}
//   {"op": "run", "bytes": "<base64 of a model file>", "x": "<base64 of N x 784 float64>"}
//     -> as "load" if refused (the core and the wasm entry must agree), else {"core": ...,
//     "wasm": ...}: each the base64 of every input's 10 logits then its 10 probabilities
//     (NaN and infinities, which JSON cannot hold, are sent as {"float": "nan" | "inf" | "-inf"})
// An error that is not the loader's own is answered as {"crash": "..."}.
import readline from 'node:readline';
import { loadModel, preprocess } from '../../js/src/index.js';
import * as wasm from '../../js/src/wasm.js';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const shipped = fileURLToPath(new URL('../../js/model.json', import.meta.url));
let model;

// The logits and probabilities of each input, as one float64 array, in base64.
function outputs(model, x) {
  const out = [];
  for (let k = 0; k < x.length; k += 784) {
    const { logits, probs } = model.forward(x.subarray(k, k + 784));
    out.push(...logits, ...probs);
  }
  return Buffer.from(Float64Array.from(out).buffer).toString('base64');
}

function run(req) {
  const bytes = Buffer.from(req.bytes, 'base64'),
    x = new Float64Array(new Uint8Array(Buffer.from(req.x, 'base64')).buffer);
  const verdicts = [loadModel, wasm.loadModel].map((load) => {
    try {
      return { model: load(bytes) };
    } catch (e) {
      return { error: `${e.constructor.name}: ${e.message}` };
    }
  });
  if (verdicts[0].error !== verdicts[1].error)
    return { crash: `the entries disagree: ${verdicts[0].error} / ${verdicts[1].error}` };
  if (verdicts[0].error) return answer({ op: 'load', bytes: req.bytes });
  return { core: outputs(verdicts[0].model, x), wasm: outputs(verdicts[1].model, x) };
}

function answer(req) {
  if (req.op === 'run') return run(req);
  if (req.op === 'load') {
    try {
      loadModel(Buffer.from(req.bytes, 'base64'));
      return { field: null };
    } catch (e) {
      const m = /^loadModel: ([^:\s]+): [^\n]+$/.exec(e.message);
      const own = e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError;
      return m && own
        ? { field: m[1], message: e.message }
        : { crash: `${e.constructor.name}: ${e.message}` };
    }
  }
  if (req.op === 'preprocess') {
    const out = preprocess(
      new Uint8ClampedArray(Buffer.from(req.rgba, 'base64')),
      req.width,
      req.height,
      { ink: req.ink },
    );
    return { out: out && Buffer.from(out.buffer).toString('base64') };
  }
  if (req.op === 'predict') {
    model ??= loadModel(fs.readFileSync(shipped));
    // JSON has no NaN or infinities: they come as {"float": "nan" | "inf" | "-inf"}
    const x = req.x.map((v) =>
      v?.float ? { nan: NaN, inf: Infinity, '-inf': -Infinity }[v.float] : v,
    );
    try {
      model.predict(x);
      return { ok: true };
    } catch (e) {
      return { error: e.constructor.name, message: e.message };
    }
  }
  throw new Error(`unknown op ${req.op}`);
}

const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  let reply;
  try {
    reply = answer(JSON.parse(line));
  } catch (e) {
    reply = { crash: `${e.constructor.name}: ${e.message}` };
  }
  process.stdout.write(`${JSON.stringify(reply)}\n`);
}
