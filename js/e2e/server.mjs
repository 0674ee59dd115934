// The e2e tests' server and browser. The server is the demo's own: js/demo/serve.py, the
// script `nox -s demo` runs, started on 127.0.0.1 and a free port (python3, or $PYTHON).
// `model` (a path) replaces the pinned js/model.json, to try other weights on the same page;
// /card.json, the model card, comes from beside it.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SERVE = join(ROOT, 'demo', 'serve.py');

export function startServer({ model = join(ROOT, 'model.json') } = {}) {
  const python = process.env.PYTHON || 'python3';
  const child = spawn(python, [SERVE, '--port', '0', '--model', model, '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((done) => child.once('exit', done));
  const orphan = () => child.kill(); // node exiting on a failure must not leave it running
  process.once('exit', orphan);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s) => {
    stderr += s;
  });
  return new Promise((ok, fail) => {
    let stdout = '';
    child.once('error', (e) => fail(new Error(`${python} ${SERVE}: ${e.message}`)));
    child.once('exit', (code) => fail(new Error(`${SERVE} exited (${code}): ${stderr.trim()}`)));
    child.stdout.setEncoding('utf8').on('data', (s) => {
      stdout += s;
      const found = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout);
      if (!found) return;
      ok({
        url: `http://127.0.0.1:${found[1]}`,
        close: () => {
          process.off('exit', orphan);
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
  });
}

// Debian's Chromium ($CHROMIUM, else /usr/bin/chromium: never a downloaded browser), headless.
export function launchChromium() {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  return chromium.launch({ executablePath, args, headless: true });
}
