// `nox -s examples`: each example, built as its README says, served, and driven in Chromium,
// Firefox and WebKit (js/e2e/browsers.mjs; DIGITNET_BROWSERS=chromium,... for fewer): a 7 drawn
// with the mouse must read 7, the weights must load with their integrity
// (a page served a model.json with one byte changed must refuse it), and the Vite build must
// keep the weights out of its script. The Node example classifies MNIST test digits.
//   node examples/check.mjs      (after npm ci in js/, examples/vite, examples/node and
//                                 `npm run build` in examples/vite; nox -s examples does it)
// DIGITNET_MNIST_DIR: the MNIST folder (`digitnet data fetch` prints it).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROWSERS, launch } from '../js/e2e/browsers.mjs';
import { strokePoints } from '../js/e2e/strokes.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ENGINE = resolve(HERE, '..', 'js'); // the package's files, as npm installs them
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json' };

// What each browser example serves: its own folder (the Vite one: its build), and the package
// at /engine/ for the two that load it without a bundler.
const SITES = {
  static: { root: join(HERE, 'static'), engine: true },
  worker: { root: join(HERE, 'worker'), engine: true },
  vite: { root: join(HERE, 'vite', 'dist'), engine: false },
};

function fileFor(site, path) {
  const [root, rest] =
    site.engine && path.startsWith('/engine/')
      ? [ENGINE, path.slice('/engine/'.length)]
      : [site.root, path.slice(1) || 'index.html'];
  const file = normalize(join(root, rest));
  const allowed = root === ENGINE ? /^(src\/[a-z.]+\.js|model\.json)$/ : /^[\w./-]+$/;
  return file.startsWith(root + sep) && allowed.test(rest) ? file : null;
}

// A static server on 127.0.0.1; with `tamper`, every model*.json it serves has one byte changed.
function serve(site, tamper) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = fileFor(site, path);
    let body;
    try {
      body = file && readFileSync(file);
    } catch {}
    if (!body) return res.writeHead(404).end();
    if (tamper && /model[^/]*\.json$/.test(path)) body[body.indexOf('"createdAt"') + 15] ^= 1;
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(body);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

// The 7 of the e2e tests, drawn with the mouse on the page's pad.
async function drawSeven(page) {
  const [left, top] = await page.evaluate(() => {
    const box = document.getElementById('pad').getBoundingClientRect();
    return [box.left, box.top];
  });
  const strokes = strokePoints({ digit: 7, box: [70, 40, 140, 200] });
  await page.strokes(
    strokes.map((stroke) => stroke.map(([x, y]) => [left + x, top + y])),
    'mouse',
  );
}

const text = (id) => document.getElementById(id).textContent;

// One example in one browser: its status line, then (weights loaded) the digit of a drawn 7.
async function run(browser, name, tamper) {
  const server = await serve(SITES[name], tamper);
  const page = await browser.newPage({ width: 600, height: 500 });
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const loaded = (id) =>
      /integrity checked|could not load/.test(document.getElementById(id).textContent);
    await page.waitFor(loaded, 'status');
    const said = await page.evaluate(text, 'status');
    if (tamper) return /could not load the weights/.test(said) ? 'refused' : `accepted: ${said}`;
    if (!said.includes('integrity checked')) return `no weights: ${said}`;
    await drawSeven(page);
    await page.waitFor((id) => /\d/.test(document.getElementById(id).textContent), 'digit');
    const errors = page.console.filter((line) => line.startsWith('uncaught'));
    return errors.length ? errors.join('; ') : `read ${await page.evaluate(text, 'digit')}`;
  } catch (e) {
    return `${e.message.split('\n')[0]}; page console: ${page.console.join('; ') || 'empty'}`;
  } finally {
    await page.close();
    server.close();
  }
}

// The Vite build keeps the weights out of the script: a separate model-*.json asset.
function viteAssets() {
  const assets = join(HERE, 'vite', 'dist', 'assets');
  const files = readdirSync(assets);
  const scripts = files.filter((f) => f.endsWith('.js'));
  const inlined = scripts.filter((f) => readFileSync(join(assets, f), 'utf8').includes('"layers"'));
  const model = files.filter((f) => /^model-.*\.json$/.test(f));
  return model.length === 1 && !inlined.length ? 'weights a separate asset' : 'weights bundled';
}

function nodeExample() {
  const dir = process.env.DIGITNET_MNIST_DIR;
  const files = ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map((f) => join(dir, f));
  const script = join(HERE, 'node', 'classify.mjs');
  return execFileSync(process.execPath, [script, ...files, '1000'], { encoding: 'utf8' }).trim();
}

const failures = [];
const check = (what, got, ok) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: ${got}`);
  if (!ok) failures.push(what);
};
check('vite build', viteAssets(), viteAssets() === 'weights a separate asset');
const node = nodeExample();
const right = Number(/: (\d+) of 1000 /.exec(node)?.[1]);
check('node example', node, right >= 980);
const names = process.env.DIGITNET_BROWSERS?.split(',') ?? BROWSERS;
for (const engine of names) {
  const browser = await launch(engine);
  try {
    for (const name of Object.keys(SITES)) {
      const read = await run(browser, name, false);
      check(`${name} in ${engine}, a drawn 7`, read, read === 'read 7');
      const tampered = await run(browser, name, true);
      check(`${name} in ${engine}, a tampered model.json`, tampered, tampered === 'refused');
    }
  } finally {
    await browser.close();
  }
}
console.log(failures.length ? `EXAMPLES FAILED: ${failures.join(', ')}` : 'EXAMPLES OK');
process.exitCode = failures.length ? 1 : 0;
