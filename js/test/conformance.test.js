// The loader contract written once (fixtures/conformance/model-cases.json), run on loadModel:
// every case in every form a caller can hand it (bytes, ArrayBuffer, text, the parsed object),
// the same verdict and the same field as the file says (python/tests/test_conformance.py runs
// the same cases on the Python loader); and no small file can make it allocate or hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { documentBytes, FIXTURES, JS, readJSON, verdict } from './helpers.js';

const FILE = path.join(FIXTURES, 'conformance', 'model-cases.json');
const { cases } = readJSON(FILE);

function forms(c) {
  const bytes = documentBytes(c);
  const out = [
    ['Uint8Array', bytes],
    ['ArrayBuffer', bytes.slice().buffer],
    ['Buffer', Buffer.from(bytes)],
  ];
  if ('document' in c) {
    out.push(['text', c.document]);
    let parsed;
    try {
      parsed = JSON.parse(c.document);
    } catch {
      return out;
    }
    out.push(['parsed', parsed]);
  }
  return out;
}

test('the conformance file has cases of every kind', () => {
  assert.equal(readJSON(FILE).format, 'digitnet-model-cases');
  assert.ok(cases.length >= 150, `${cases.length} cases`);
  assert.ok(cases.some((c) => c.valid) && cases.some((c) => !c.valid));
  assert.ok(
    cases.some((c) => 'documentBytes' in c),
    'no case with bytes that are not UTF-8',
  );
});

for (const c of cases) {
  test(`conformance: ${c.description}`, () => {
    const want = c.valid ? null : c.field;
    for (const [form, source] of forms(c)) {
      const got = verdict(source);
      assert.equal(got, want, `${form}: ${got === null ? 'accepted' : `rejected at ${got}`}`);
    }
  });
}

// Every case loaded in a child process with a 64 MB JavaScript heap, reporting its peak
// resident memory: a loader that allocates anything proportional to a declared size (outputs =
// 1e9 with a per-layer scale once filled an array of 1e9 scales) crashes or exceeds 100 MB.
// The timeout guards against a hang; it is not a speed test (the cases load in about a second).
const CHILD = `
import fs from 'node:fs';
import { loadModel } from './src/index.js';
const { cases } = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
const docs = cases.map((c) => ('document' in c
  ? new TextEncoder().encode(c.document)
  : Uint8Array.from(c.documentBytes, (ch) => ch.charCodeAt(0))));
const before = process.resourceUsage().maxRSS;
let n = 0;
for (const d of docs) {
  try { loadModel(d); } catch (e) { if (!/^loadModel: /.test(e.message)) throw e; }
  n++;
}
console.log(JSON.stringify({ n, grewKB: process.resourceUsage().maxRSS - before }));
`;

test('no case allocates 100 MB or hangs (child process, 64 MB heap)', () => {
  const child = spawnSync(
    process.execPath,
    ['--max-old-space-size=64', '--input-type=module', '-e', CHILD, FILE],
    { cwd: JS, encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(
    child.status,
    0,
    `exit ${child.status} ${child.signal ?? ''}: ${child.stderr.slice(-1500)}`,
  );
  const { n, grewKB } = JSON.parse(child.stdout);
  assert.equal(n, cases.length);
  assert.ok(grewKB < 100 * 1024, `peak resident memory grew by ${Math.round(grewKB / 1024)} MB`);
});
