// The one JavaScript checker of a parity file (fixtures/FORMAT.md, "Parity file"), for every
// caller: the engine's tests, the worker e2e test, Deno (tools/deno/predict.mjs) and the npm
// tarball's smoke test (tools/dist.py). Its Python twin is `digitnet verify` (verify.py,
// check_parity). No imports and nothing but atob: it runs in Node, Deno and browsers alike, and
// it takes an engine's outputs, so it checks whichever engine or install produced them.

// FORMAT.md's conformance tolerance on probabilities (exp()'s last bit is the platform's);
// Python's is digitnet.conformance.PROBABILITY_TOLERANCE. Every JS check imports it from here.
export const TOLERANCE = 1e-12;

// A case's input: its base64 pixel bytes / 255, in float64.
export const caseInput = (c) => Float64Array.from(atob(c.pixels), (ch) => ch.charCodeAt(0) / 255);

const argmax = (p) => Array.prototype.indexOf.call(p, Math.max(...p));

// max |a - b|; a missing array or another length is infinitely far, and so is NaN.
function maxDiff(got, want) {
  if (!got || got.length !== want.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (Number.isNaN(d)) return Infinity;
    if (d > worst) worst = d;
  }
  return worst;
}

// The same doubles, bit for bit (Object.is: the sign of a zero counts too).
const same = (got, want) =>
  !!got && got.length === want.length && want.every((v, i) => Object.is(got[i], v));

// How a case departs from an engine's outputs (`out` as forward() gives them: hidden, logits,
// probs), at the first layer where it does: { diff, what } or null. What the case carries is
// checked: hidden activations (format 3) and logits (formats 2 and 3) exactly, then the
// probabilities within TOLERANCE and the same digit on top.
export function drift(c, out) {
  const exact = (c.hidden ?? []).map((h, j) => [`hidden[${j}] activations`, out.hidden?.[j], h]);
  if (c.logits) exact.push(['logits', out.logits, c.logits]);
  for (const [what, got, want] of exact) {
    if (!same(got, want)) {
      const diff = maxDiff(got, want);
      return { diff, what: `${what} differ by ${diff} (exact)` };
    }
  }
  const diff = maxDiff(out.probs, c.probabilities);
  if (diff <= TOLERANCE && argmax(out.probs) === argmax(c.probabilities)) return null;
  return {
    diff,
    what: `probabilities differ by ${diff} (allowed ${TOLERANCE}) or pick another digit`,
  };
}

// Every case of a parity document through `run(x, k)` (x the case's input, k its position; it
// returns forward()'s outputs). Throws an Error naming the first failing case and, when more
// fail, the worst (the largest difference); else returns what was checked: the number of cases,
// how many had their logits and hidden activations compared exactly, the largest probability
// difference.
export function replay(parity, run, name = 'parity file') {
  const failures = [];
  const said = { cases: parity.cases.length, logits: 0, hidden: 0, worst: 0 };
  parity.cases.forEach((c, k) => {
    const out = run(caseInput(c), k);
    said.logits += c.logits ? 1 : 0;
    said.hidden += c.hidden ? 1 : 0;
    const d = drift(c, out);
    if (d) failures.push({ ...d, where: `cases[${k}] (${c.description})` });
    else said.worst = Math.max(said.worst, maxDiff(out.probs, c.probabilities));
  });
  if (failures.length) {
    const first = failures[0],
      worst = failures.reduce((w, f) => (f.diff > w.diff ? f : w));
    const count = `${failures.length} of ${said.cases} cases fail`;
    const more = failures.length > 1 ? `; ${count}, the worst ${worst.where}: ${worst.what}` : '';
    throw new Error(`${name}: ${first.where}: the engine's ${first.what}${more}`);
  }
  return said;
}
