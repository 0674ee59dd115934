// js/parity/replay.mjs, the JS parity-file checker: it passes the engine on the shipped version's
// parity file, and it fires on each level FORMAT.md names (hidden activations and logits exact,
// probabilities within the tolerance), naming the first failing case and the worst.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadModel } from '../src/index.js';
import { TOLERANCE, caseInput, replay } from '../parity/replay.mjs';
import { FIXTURES, readJSON, shippedModel } from './helpers.js';

const model = loadModel(shippedModel());
const run = (x) => model.forward(x);

// The shipped version's parity file as format 3: each case with the engine's own activations.
function format3() {
  const parity = readJSON(path.join(FIXTURES, 'weights', model.info.version, 'parity.json'));
  for (const c of parity.cases) {
    const { hidden, logits } = model.forward(caseInput(c));
    c.hidden = hidden.map((h) => Array.from(h));
    c.logits = Array.from(logits);
  }
  return { ...parity, formatVersion: 3 };
}

test('passes the engine, counting what it compared exactly', () => {
  const parity = format3();
  const said = replay(parity, run);
  assert.equal(said.cases, parity.cases.length);
  assert.equal(said.hidden, parity.cases.length);
  assert.equal(said.logits, parity.cases.length);
  assert.ok(said.worst <= TOLERANCE);
});

test('fires on one activation, naming the layer; on several cases, naming the worst', () => {
  const parity = format3();
  const h = parity.cases[5].hidden[1];
  h[h.indexOf(Math.max(...h))] += 1e-6;
  const hidden = /^file: cases\[5\] \(.*\): the engine's hidden\[1\] activations differ by 9\.99/;
  assert.throws(
    () => replay(parity, run, 'file'),
    (e) => hidden.test(e.message),
  );
  assert.throws(() => replay(parity, run, 'file'), /\d*e-7 \(exact\)$/);
  parity.cases[9].logits[0] += 1e-3;
  parity.cases[12].probabilities[0] += 1e-9;
  const worst =
    /; 3 of \d+ cases fail, the worst cases\[9\] \(.*\): logits differ by 0\.00(099|100)/;
  assert.throws(
    () => replay(parity, run, 'file'),
    (e) => e.message.startsWith('file: cases[5] (') && worst.test(e.message),
  );
});

test('fires on probabilities beyond the tolerance, and on a missing output', () => {
  const parity = format3();
  parity.cases[0].probabilities[3] += 1e-9;
  assert.throws(() => replay(parity, run), /cases\[0\] .*probabilities differ by 1\.0\d*e-9/);
  assert.throws(
    () => replay(format3(), (x) => ({ ...model.forward(x), hidden: [] })),
    /cases\[0\] .*hidden\[0\] activations differ by Infinity/,
  );
});
