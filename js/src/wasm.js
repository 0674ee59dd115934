// @digitnet/engine/wasm: the core's API and results, with each layer computed by a WebAssembly
// SIMD kernel (kernel.wat) that sums in the core's order, so every number is the same bits.
// Where WebAssembly cannot be compiled (a page whose CSP lacks 'wasm-unsafe-eval', a runtime
// without SIMD, no WebAssembly at all) the model runs on the core instead: `info.backend` says
// which. Synchronous like the core: the kernel is a few hundred bytes, inlined, so compiling it
// with `new WebAssembly.Module` is allowed even on a browser's main thread (limit: 4 KB).
import { loadModel as load } from './index.js';
import { network } from './engine.js';
import kernel from './kernel.wasm.js';

let compiled; // the kernel's WebAssembly.Module once tried; null where it cannot be compiled

function compile() {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Uint8Array.from(atob(kernel), (c) => c.charCodeAt(0)));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

// Memory: the kernel's list of nonzero inputs (16 bytes per input of the widest layer), the
// input x, then per layer its weights (rows padded to a multiple of 8 outputs, s bytes), biases
// and outputs z. Weights are validate.js's, dequantized once for both entries.
function layout(layers) {
  let top = 16 * layers.reduce((m, L) => Math.max(m, L.I), 0); // no spread: 140,002 layers
  const x = top;
  top += 8 * layers[0].I;
  const plan = layers.map(({ I, O, relu }) => {
    const s = Math.ceil(O / 8) * 64,
      w = top,
      b = w + I * s,
      z = b + s;
    top = z + s;
    return { I, O, s, w, b, z, floor: relu ? 0 : -1 / 0 };
  });
  return { x, plan, pages: Math.ceil(top / 65536) };
}

function fill(F, layers, plan) {
  layers.forEach(({ I, O, W, b: bias }, k) => {
    const { s, w, b } = plan[k];
    for (let i = 0; i < I; i++) F.set(W.subarray(i * O, i * O + O), (w + i * s) / 8);
    F.set(bias, b / 8);
  });
}

// The kernel's version of engine.js's `network`: the same `run(x, hidden)` contract (logits in
// a scratch buffer, hidden activations copied), or null if WebAssembly is not available here.
function wasmNetwork(layers) {
  const module = compile();
  if (!module) return null;
  let instance;
  try {
    instance = new WebAssembly.Instance(module);
  } catch {
    return null; // WebKit compiles under a CSP without 'wasm-unsafe-eval', then refuses this
  }
  const { m: memory, f: layerOutputs } = instance.exports;
  const { x, plan, pages } = layout(layers);
  try {
    memory.grow(pages);
  } catch {
    return null; // more than a module may have here (the runtime's cap, 4 GiB): the core runs it
  }
  const F = new Float64Array(memory.buffer);
  fill(F, layers, plan);
  for (const L of plan) L.view = F.subarray(L.z / 8, L.z / 8 + L.O);
  const logits = plan[plan.length - 1].view;
  return function run(input, hidden) {
    F.set(input, x / 8);
    let a = x;
    for (const { I, s, w, b, z, floor, view } of plan) {
      layerOutputs(a, I, w, s, b, z, floor);
      a = z;
      if (hidden && floor === 0) hidden.push(view.slice());
    }
    return logits;
  };
}

export function loadModel(json) {
  let backend = 'js';
  const model = load(json, (layers) => {
    const run = wasmNetwork(layers);
    if (!run) return network(layers);
    backend = 'wasm';
    return run;
  });
  model.info.backend = backend;
  return model;
}

export { preprocess } from './preprocess.js';
export { weights } from './weights.js';
