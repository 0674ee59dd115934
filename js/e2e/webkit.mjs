// WebKit for the e2e harness (browsers.mjs): WebKitGTK's WebKitWebDriver (W3C WebDriver, no
// BiDi) with its MiniBrowser, through selenium-webdriver, on an Xvfb display started here when
// there is none. $WEBKIT_WEBDRIVER and $MINIBROWSER override the Debian paths.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import { Capabilities, WebDriver } from 'selenium-webdriver';
import { Executor, HttpClient } from 'selenium-webdriver/http/index.js';
import { Command, Name } from 'selenium-webdriver/lib/command.js';
import { makePage } from './page-api.mjs';

const PATHS = {
  webdriver: process.env.WEBKIT_WEBDRIVER || '/usr/bin/WebKitWebDriver',
  minibrowser: process.env.MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
};

export async function launchWebKit() {
  const display = process.env.DISPLAY ? null : await startXvfb();
  const env = { ...process.env, ...(display && { DISPLAY: display.name }) };
  const port = await freePort();
  const driver = spawn(PATHS.webdriver, [`--port=${port}`], { env, stdio: 'ignore' });
  const stop = () => {
    driver.kill();
    display?.child.kill();
  };
  process.once('exit', stop);
  const url = `http://127.0.0.1:${port}`;
  await waitForDriver(url, driver);
  // WebKitWebDriver allows one session (one MiniBrowser); each page is a window of it.
  const caps = new Capabilities({
    'webkitgtk:browserOptions': { binary: PATHS.minibrowser, args: ['--automation'] },
  });
  const session = await WebDriver.createSession(new Executor(new HttpClient(url)), caps);
  await session.manage().setTimeouts({ script: 600_000, pageLoad: 60_000 });
  const windows = { first: await session.getWindowHandle(), firstFree: true, current: null };
  return {
    version: (await session.getCapabilities()).get('browserVersion'),
    newPage: (options) => webkitPage(session, windows, options),
    close: async () => {
      process.off('exit', stop);
      await session.quit().catch(() => {});
      stop();
    },
  };
}

async function webkitPage(driver, windows, { width = 1100, height = 900 } = {}) {
  let handle = windows.first;
  if (windows.firstFree) windows.firstFree = false;
  else {
    await driver.switchTo().window(windows.first); // a new window needs a current one
    await driver.switchTo().newWindow('window');
    handle = await driver.getWindowHandle();
    windows.current = handle;
  }
  // Every command goes to this page's window: switch to it first when another was used last.
  const on =
    (f) =>
    async (...a) => {
      if (windows.current !== handle) await driver.switchTo().window(handle);
      windows.current = handle;
      return f(...a);
    };
  await on(fitViewport)(driver, width, height);
  const consoleLines = [];
  return makePage({
    console: consoleLines,
    goto: on(async (target) => {
      await driver.get(target);
      await driver.executeScript(WATCH_CONSOLE);
    }),
    evaluate: on(async (fn, ...args) => {
      const out = await driver.executeScript(fn, ...args);
      consoleLines.push(...((await driver.executeScript(READ_CONSOLE)) ?? []));
      return out;
    }),
    perform: on((actions) =>
      driver.execute(new Command(Name.ACTIONS).setParameter('actions', actions)),
    ),
    screenshot: on(async (path) =>
      writeFile(path, Buffer.from(await driver.takeScreenshot(), 'base64')),
    ),
    // the first window stays (closing the last one would end the session): it goes blank
    close: on(async () => {
      if (handle === windows.first) {
        await driver.get('about:blank');
        windows.firstFree = true;
      } else {
        await driver.close();
        windows.current = null;
      }
    }),
  });
}

// WebKitWebDriver has no console events: the page's errors, warnings, uncaught errors and CSP
// refusals are caught from the load event on (installed by goto, read after each evaluate).
const WATCH_CONSOLE = `
  const lines = (window.__e2eConsole = []);
  for (const level of ['error', 'warn']) {
    const original = console[level];
    console[level] = (...a) => {
      lines.push(level + ': ' + a.join(' '));
      original.apply(console, a);
    };
  }
  addEventListener('error', (e) => lines.push('uncaught: ' + e.message));
  addEventListener('unhandledrejection', (e) => lines.push('uncaught: ' + e.reason));
  addEventListener('securitypolicyviolation', (e) =>
    lines.push('error: CSP refused ' + e.violatedDirective + ' ' + e.blockedURI));`;
const READ_CONSOLE = 'return (window.__e2eConsole || []).splice(0);';

// The window size that gives a viewport of width x height (MiniBrowser's frame takes some).
async function fitViewport(driver, width, height) {
  const window = driver.manage().window();
  await window.setRect({ width, height, x: 0, y: 0 });
  const [w, h] = await driver.executeScript('return [innerWidth, innerHeight]');
  if (w !== width || h !== height)
    await window.setRect({ width: 2 * width - w, height: 2 * height - h });
}

function startXvfb() {
  return new Promise((ok, fail) => {
    const child = spawn(
      'Xvfb',
      ['-displayfd', '3', '-screen', '0', '1600x1200x24', '-nolisten', 'tcp'],
      {
        stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
      },
    );
    child.once('error', (e) => fail(new Error(`Xvfb: ${e.message} (apt-get install xvfb)`)));
    let out = '';
    child.stdio[3].setEncoding('utf8').on('data', (s) => {
      out += s;
      if (out.includes('\n')) ok({ name: `:${out.trim()}`, child });
    });
  });
}

function freePort() {
  return new Promise((ok) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function waitForDriver(url, child) {
  let exited = null;
  child.once('exit', (code) => {
    exited = code;
  });
  child.once('error', (e) => {
    exited = e.message;
  });
  for (let tries = 0; tries < 100; tries++) {
    if (exited !== null) throw new Error(`${PATHS.webdriver} exited (${exited})`);
    const up = await fetch(`${url}/status`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${PATHS.webdriver}: no answer on ${url}`);
}
