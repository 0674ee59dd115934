// MNIST's IDX files, read one way for the tests, the benchmarks, the parity run and the e2e
// tests. The folder is the one `digitnet data fetch` caches and prints: the nox sessions hand it
// in as DIGITNET_MNIST_DIR; run by hand without it, we ask `digitnet data fetch` ourselves.
// Errors are one line naming the file and the problem. Not a test itself.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export const TEST_IMAGES = 't10k-images-idx3-ubyte';
export const TEST_LABELS = 't10k-labels-idx1-ubyte';

let fetched;

// The folder of the MNIST files: $DIGITNET_MNIST_DIR, else where `digitnet data fetch` put them.
export function mnistDir() {
  if (process.env.DIGITNET_MNIST_DIR) return process.env.DIGITNET_MNIST_DIR;
  if (fetched === undefined) {
    let printed;
    try {
      printed = execFileSync('digitnet', ['data', 'fetch'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      const why = e.stderr?.trim() || e.message;
      throw new Error(
        `MNIST: set DIGITNET_MNIST_DIR or install digitnet (digitnet data fetch: ${why})`,
      );
    }
    fetched = path.dirname(printed.trim().split('\n')[0]);
  }
  return fetched;
}

// The bytes of one MNIST file of that folder, raw or gzipped.
export function mnistFile(name, dir = mnistDir()) {
  const raw = path.join(dir, name);
  if (fs.existsSync(raw)) return fs.readFileSync(raw);
  if (fs.existsSync(`${raw}.gz`)) return zlib.gunzipSync(fs.readFileSync(`${raw}.gz`));
  throw new Error(
    `${raw}: missing; run \`digitnet data fetch\` (or set DIGITNET_MNIST_DIR to its folder)`,
  );
}

// An IDX file of unsigned bytes with `dims` dimensions: its shape and data, every header field
// checked (the magic number, and a length that is exactly what the shape says).
export function parseIdx(bytes, name, dims) {
  const header = 4 + 4 * dims;
  if (bytes.length < header) throw new Error(`${name}: truncated IDX header`);
  const magic = bytes.readUInt32BE(0);
  if (magic !== 0x800 + dims)
    throw new Error(`${name}: magic number ${magic}, expected ${0x800 + dims}`);
  const shape = Array.from({ length: dims }, (_, k) => bytes.readUInt32BE(4 + 4 * k));
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== header + size) {
    throw new Error(`${name}: ${bytes.length} bytes, but its header says ${shape.join('x')}`);
  }
  return { shape, data: bytes.subarray(header) };
}

// 28x28 images: the pixel bytes of all of them, one image after another.
export function imageBytes(bytes, name) {
  const { shape, data } = parseIdx(bytes, name, 3);
  if (shape[1] !== 28 || shape[2] !== 28)
    throw new Error(`${name}: images of ${shape[1]}x${shape[2]}, expected 28x28`);
  return data;
}

// Pixels (784 bytes) to the input the format defines: pixel / 255 in float64.
export const toInput = (pixels) => Float64Array.from(pixels, (v) => v / 255);

// Each image of an IDX file as the model's input.
export function readInputs(bytes, name) {
  const data = imageBytes(bytes, name);
  return Array.from({ length: data.length / 784 }, (_, k) =>
    toInput(data.subarray(784 * k, 784 * (k + 1))),
  );
}
