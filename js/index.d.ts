// Types of @digitnet/engine. The model file format is specified in digitnet's
// fixtures/FORMAT.md (`digitnet-mlp`, formatVersion 1).

/** One layer of a `digitnet-mlp` v1 file: int8 weights in base64, `scales` or `scale`. */
export interface LayerFile {
  inputs: number;
  outputs: number;
  activation: 'relu' | 'softmax';
  /** base64 of inputs*outputs int8 values, row-major [inputs][outputs]. */
  weights: string;
  /** Per-channel quantization: one positive scale per output (exclusive with `scale`). */
  scales?: number[];
  /** Per-layer quantization: one positive scale (exclusive with `scales`). */
  scale?: number;
  bias: number[];
}

/** A parsed `digitnet-mlp` v1 model file. */
export interface ModelFile {
  format: 'digitnet-mlp';
  formatVersion: 1;
  /** The weights version, X.Y.Z. */
  version: string;
  layers: LayerFile[];
  /** The model card: accuracies, training history, ... Not used by inference. */
  metadata: Record<string, unknown>;
}

export interface ModelInfo {
  /** The weights version, e.g. "1.0.0". */
  readonly version: string;
  /** Layer widths from input to output, e.g. [784, 128, 64, 10]. */
  readonly architecture: readonly number[];
  /** From the file: every layer has `scales`, every layer has `scale`, or some of each. */
  readonly quantization: 'per-channel' | 'per-layer' | 'mixed';
  /** metadata.floatAccuracy (float model, 10,000 MNIST test digits), or null if absent. */
  readonly floatAccuracy: number | null;
  /** metadata.int8Accuracy (this int8 model, 10,000 MNIST test digits), or null if absent. */
  readonly int8Accuracy: number | null;
  /** The file's metadata object, as loaded. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface ForwardResult {
  /** The 10 class probabilities (softmax), as `predict` returns them. */
  probs: Float64Array;
  /**
   * Activations (after ReLU) of each hidden layer, e.g. 128 then 64 values: the same doubles
   * as digitnet's Python reference (the engine sums in the reference's order).
   */
  hidden: Float64Array[];
  /** The last layer's 10 values before softmax, the same doubles as the Python reference's. */
  logits: Float64Array;
}

/** One entry of `classify`'s answer. */
export interface Classification {
  /** 0-9. */
  digit: number;
  probability: number;
}

export interface Model {
  /**
   * Probabilities of the digits 0-9 for one image: 784 intensities, row-major 28x28, 0 for
   * background and 1 for ink (MNIST bytes / 255). Any array-like of numbers works.
   * Values outside [0, 1] (NaN and infinities too) are refused: pixel bytes must be divided
   * by 255. Every call returns a new array.
   * @throws {TypeError} if `x` is not array-like or an element is not a number.
   * @throws {RangeError} if `x` does not have 784 elements or an element is outside [0, 1].
   */
  predict(x: ArrayLike<number>): Float64Array;
  /** Like `predict`, also returning the hidden activations and the logits (new arrays). */
  forward(x: ArrayLike<number>): ForwardResult;
  /**
   * The `k` most probable digits (default 3), most probable first; ties keep the lower digit
   * first. The probabilities are `predict`'s. `k` is clamped to 0..10 and truncated.
   * @throws like `predict`, with messages starting "classify:".
   */
  classify(x: ArrayLike<number>, k?: number): Classification[];
  readonly info: ModelInfo;
}

/**
 * Check a `digitnet-mlp` v1 model (its bytes as strict UTF-8, its JSON text or the parsed
 * object) by FORMAT.md's loader rules and dequantize it.
 * @throws {TypeError} naming the field, e.g.
 *   "loadModel: layers[1].scales: expected 64 items, got 63 items".
 * @throws {SyntaxError} for bytes that are not UTF-8 or text that is not JSON
 *   ("loadModel: model: invalid JSON (...)").
 */
export function loadModel(json: ModelFile | object | string | Uint8Array | ArrayBuffer): Model;

export interface PreprocessOptions {
  /**
   * Which pixels are ink: "auto" (the default: alpha ink where the canvas has any
   * transparency, else the contrast with the background read from the border, dark strokes
   * on light paper or light on dark), "alpha" (strokes on a transparent canvas), "dark" (dark
   * strokes on a light background) or "light" (light strokes on a dark one).
   */
  ink?: 'auto' | 'alpha' | 'dark' | 'light';
}

/**
 * Turn a drawing (RGBA bytes, e.g. a canvas's `getImageData(...).data`) into the 784-value
 * input of `predict`, the way MNIST digits were made (fixtures/PREPROCESS.md). Returns null
 * for a drawing without ink.
 * @throws {TypeError|RangeError} for a wrong buffer type or size, or a bad option.
 */
export function preprocess(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
  options?: PreprocessOptions,
): Float64Array | null;

/**
 * The pinned weights, the package's `model.json` (`@digitnet/engine/model.json`): its version,
 * its Subresource Integrity string and its size in bytes. Serve the file beside your page and
 * fetch it with `fetch(url, { integrity: weights.integrity })`: the browser refuses bytes that
 * are not these (a stale cache, a proxy, a wrong file). Written by `nox -s pin`.
 */
export const weights: {
  readonly version: string;
  readonly integrity: `sha256-${string}`;
  readonly bytes: number;
};
