// Types of @digitnet/engine/wasm: the core's API (index.d.ts), computed by a WebAssembly SIMD
// kernel where the page allows it, by the core elsewhere; the results are the same bits.
import type { Model, ModelFile, ModelInfo } from './index.js';

export type * from './index.js';
export { preprocess, weights } from './index.js';

export interface WasmModelInfo extends ModelInfo {
  /**
   * 'wasm' where the kernel runs; 'js' where WebAssembly could not be compiled (a CSP without
   * 'wasm-unsafe-eval', no SIMD, no WebAssembly) and the core computes instead.
   */
  readonly backend: 'wasm' | 'js';
}

export interface WasmModel extends Model {
  readonly info: WasmModelInfo;
}

/**
 * `loadModel` of @digitnet/engine, with the WebAssembly kernel when it can be compiled here.
 * Synchronous; every result is the same as the core's, bit for bit.
 * @throws the core's errors, for the same files.
 */
export function loadModel(json: ModelFile | object | string | Uint8Array | ArrayBuffer): WasmModel;
