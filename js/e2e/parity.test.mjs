// The browser half of parity (nox -s e2e runs it in Chromium, Firefox and WebKit): both entries,
// @digitnet/engine and @digitnet/engine/wasm, on the demo's origin, give every parity digit of
// the pinned weights and every preprocessing case of fixtures/ the numbers Node and the Python
// reference give (browser-parity.mjs). The wasm entry runs its kernel under the demo's CSP,
// which allows 'wasm-unsafe-eval', and falls back to the core, with the same bits, under the
// same CSP without it (/nowasm/). The mutants of js/parity/mutants.mjs fail here too (each
// browser its share), so the check can fail in each browser.
//
//   DIGITNET_BROWSER=webkit node --test e2e/parity.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENTRIES, differences, mutants, parityPage, runEntry } from './browser-parity.mjs';
import { BROWSERS } from './browsers.mjs';
import { e2eBrowser, openDemo } from './demo-page.mjs';

const { browser, label } = await e2eBrowser();
const at = parityPage(browser);

for (const entry of Object.keys(ENTRIES)) {
  test(`${label} ${entry} entry: parity digits, preprocessing cases as Node, Python`, async () => {
    const out = await at.page.evaluate(runEntry, { entry: `/src/${ENTRIES[entry]}` });
    assert.equal(out.canCompile, true, "the demo's CSP refused WebAssembly");
    assert.equal(out.backend, entry === 'wasm' ? 'wasm' : 'js', 'the backend that ran');
    assert.deepEqual(differences(out, at.node), []);
    assert.deepEqual(at.page.console, [], 'console errors or warnings');
  });
}

test(`${label} the demo runs the wasm kernel; without wasm-unsafe-eval, the core`, async () => {
  const csp = async (path) =>
    (await fetch(`${at.server.url}${path}`)).headers.get('content-security-policy');
  assert.match(await csp('/demo/'), /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(await csp('/nowasm/demo/'), /wasm-unsafe-eval|unsafe-eval/);
  const shown = (p) =>
    p.evaluate(() => [window.digitnet.info.backend, document.querySelector('#facts').textContent]);
  const [backend, facts] = await shown(at.page);
  assert.equal(backend, 'wasm');
  assert.match(facts, /EngineWebAssembly SIMD/);
  const fallback = await openDemo(browser, at.server, {}, '/nowasm/demo/');
  try {
    const [backend2, facts2] = await shown(fallback);
    assert.equal(backend2, 'js');
    assert.match(facts2, /EngineJavaScript/);
    const out = await fallback.evaluate(runEntry, {
      entry: '/nowasm/src/wasm.js',
      base: '/nowasm',
    });
    assert.equal(out.canCompile, false, 'the page compiled WebAssembly despite its CSP');
    assert.equal(out.backend, 'js', 'the wasm entry fell back to the core');
    assert.deepEqual(differences(out, at.node), []);
    // the browser may report the refused compiles; nothing else may appear
    for (const m of fallback.console)
      assert.match(m, /WebAssembly|wasm|Content.Security.Policy|CSP/i, m);
  } finally {
    await fallback.close();
  }
});

// Each browser runs its share of the mutants (every third, by its place in BROWSERS), so the
// three browsers run them all between them and each shows its check failing, at a third of
// the time.
test(`${label} its share of js/parity/mutants.mjs fails the browser check`, async (t) => {
  const { applied, unapplied } = mutants();
  for (const [name, why] of Object.entries(unapplied))
    t.diagnostic(`${name}: not run, its patch does not apply to js/src (${why})`);
  const place = BROWSERS.indexOf(browser.name);
  const share = Object.keys(applied).filter((_, k) => k % BROWSERS.length === place);
  assert.ok(share.length > 0, `no mutant for ${browser.name}`);
  t.diagnostic(`mutants run here: ${share.join(', ')}; the others in the other browsers`);
  for (const name of share) {
    for (const entry of Object.keys(ENTRIES)) {
      const out = await at.page.evaluate(runEntry, {
        entry: `/e2e/mutant/${name}/${entry}/${ENTRIES[entry]}`,
      });
      if (entry === 'wasm') assert.equal(out.backend, 'wasm', `${name}: the mutant's kernel ran`);
      const found = differences(out, at.node);
      assert.notDeepEqual(found, [], `mutant ${name} (${entry} entry) passed the browser check`);
      t.diagnostic(`${name} (${entry}): ${found[0]}`);
    }
  }
});
