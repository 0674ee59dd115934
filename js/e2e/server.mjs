// The e2e tests' server. The site is the demo's own: js/demo/serve.py, the script `nox -s demo`
// runs, started on 127.0.0.1 and a free port (python3, or $PYTHON), so what is tested is what
// users run. In front of it, on its own free port, a small proxy that every browser talks to
// (no driver-specific request interception, which WebKitWebDriver lacks):
//   - everything is passed through to serve.py unchanged, and every answer of 400 or more is
//     recorded in `failed`;
//   - /nowasm/PATH is serve.py's PATH under the page's CSP without 'wasm-unsafe-eval' (header
//     and <meta>), the page on which @digitnet/engine/wasm must fall back to the core;
//   - /e2e/NAME (and /nowasm/e2e/NAME) answers `files[NAME]` ([body, content type]), what a
//     test hands the browser.
// `model` (a path) replaces the pinned js/model.json, to try other weights on the same page;
// /card.json, the model card, comes from beside it.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SERVE = join(ROOT, 'demo', 'serve.py');
const NO_WASM = '/nowasm';

export async function startServer({ model = join(ROOT, 'model.json'), files = {} } = {}) {
  const site = await startServePy(model);
  const failed = [];
  const front = http.createServer((req, res) => {
    const nowasm = req.url.startsWith(`${NO_WASM}/`);
    const target = nowasm ? req.url.slice(NO_WASM.length) : req.url;
    const path = new URL(target, 'http://x').pathname;
    if (!path.startsWith('/e2e/')) return proxy(`${site.url}${target}`, nowasm, req, res, failed);
    const file = files[path.slice('/e2e/'.length)];
    if (!file) failed.push(`${req.url}: HTTP 404`);
    res.writeHead(file ? 200 : 404, { 'Content-Type': file?.[1] ?? 'text/plain' });
    res.end(file?.[0] ?? 'not found');
  });
  await new Promise((ok) => front.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${front.address().port}`,
    failed,
    close: async () => {
      front.closeAllConnections();
      await new Promise((ok) => front.close(ok));
      await site.close();
    },
  };
}

// One request passed to serve.py; under /nowasm/, with the CSP's 'wasm-unsafe-eval' removed.
function proxy(url, nowasm, req, res, failed) {
  const upstream = http.request(url, { method: req.method }, (answer) => {
    if (answer.statusCode >= 400) failed.push(`${req.url}: HTTP ${answer.statusCode}`);
    const chunks = [];
    answer.on('data', (c) => chunks.push(c));
    answer.on('end', () => {
      const headers = { ...answer.headers };
      let body = Buffer.concat(chunks);
      if (nowasm) {
        headers['content-security-policy'] = withoutWasm(headers['content-security-policy']);
        if (/^text\/html/.test(headers['content-type'] ?? ''))
          body = Buffer.from(withoutWasm(body.toString('utf8')));
        headers['content-length'] = String(body.length);
      }
      res.writeHead(answer.statusCode, headers).end(body);
    });
  });
  upstream.on('error', (e) => {
    failed.push(`${req.url}: ${e.message}`);
    res.writeHead(502).end();
  });
  upstream.end();
}

const withoutWasm = (text) => text?.replaceAll(" 'wasm-unsafe-eval'", '');

function startServePy(model) {
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
