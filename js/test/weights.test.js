// `import { weights } from '@digitnet/engine'` describes the package's own model.json: the pinned
// version, the Subresource Integrity string a page hands to fetch(url, { integrity }), the size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { weights } from '../src/index.js';
import { weights as viaWasm } from '../src/wasm.js';

const model = readFileSync(new URL('../model.json', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

test('weights: the pinned version, integrity and size of model.json', () => {
  const digest = createHash('sha256').update(model);
  assert.deepEqual(weights, {
    version: pkg.digitnet.weightsVersion,
    integrity: `sha256-${digest.copy().digest('base64')}`,
    bytes: model.length,
  });
  assert.equal(digest.digest('hex'), pkg.digitnet.weightsSha256);
  assert.equal(viaWasm, weights, 'the wasm entry exports the same object');
});
