// A static server for the demo on 127.0.0.1 and a free port, rooted at js/ so that the page's
// ../src/ and ../model.json resolve as they do in the package. `model` (a path) replaces the
// pinned js/model.json, to try other weights on the same page; /card.json, the model card,
// comes from beside it.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export function startServer({ model = join(ROOT, 'model.json') } = {}) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/') {
      res.writeHead(302, { Location: '/demo/' }).end();
      return;
    }
    const beside = { '/model.json': model, '/card.json': join(dirname(model), 'card.json') }[path];
    const file = beside ?? resolve(ROOT, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    const type = TYPES[extname(file)];
    if (!type || (!beside && !file.startsWith(ROOT + sep)) || req.method !== 'GET') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${path}\n`);
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${path}\n`);
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      ok({ url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(done)) });
    });
  });
}
