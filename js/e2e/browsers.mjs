// One browser harness, three engines: Chromium (Blink, V8), Firefox (Gecko, SpiderMonkey) and
// WebKit (JavaScriptCore), each started by name from Debian's packages (never a downloaded
// browser) and driven through one interface, so every e2e test, the browser benchmark and the
// examples are written once.
//
//   import { BROWSERS, launch } from './browsers.mjs';
//   const browser = await launch('firefox');      // 'chromium' | 'firefox' | 'webkit'
//   browser.name, browser.version                 // 'firefox', '153.8.0'
//   browser.can.touch, browser.can.pen            // true, or why this driver cannot send them
//   const page = await browser.newPage({ width, height, mobile });  // mobile: phone emulation,
//                                                 // true or why not (browser.can.mobile)
//   await page.goto(url);                         // waits for the load event
//   await page.evaluate(fn, ...args);             // fn runs in the page; JSON-like args and
//                                                 // result; a returned promise is awaited
//   await page.waitFor(fn, arg, ms);              // until fn(arg) is truthy in the page
//   await page.strokes(points, 'mouse');          // strokes: [[[x, y], ...], ...] in CSS pixels
//                                                 // of the viewport; 'mouse' | 'touch' | 'pen'
//   await page.click([x, y]);  await page.press('Escape');  await page.actions([...W3C])
//   page.console                                  // ['error: ...', 'warn: ...', 'uncaught: ...']
//   await page.screenshot(path);  await page.close();  await browser.close();
//
// Chromium and Firefox: puppeteer-core over WebDriver BiDi (Chromium through the chromium-bidi
// mapper puppeteer bundles). WebKit: WebKitGTK's WebKitWebDriver (W3C WebDriver, no BiDi) with
// its MiniBrowser, through selenium-webdriver, on an Xvfb display started here when there is
// none. Pointer input is the same W3C action list everywhere (BiDi input.performActions or
// WebDriver's Perform Actions), so a stroke means the same to all three.
// Paths: $CHROMIUM, $FIREFOX, $WEBKIT_WEBDRIVER, $MINIBROWSER override the Debian ones.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import puppeteer from 'puppeteer-core';
import { Capabilities, WebDriver } from 'selenium-webdriver';
import { Executor, HttpClient } from 'selenium-webdriver/http/index.js';
import { Command, Name } from 'selenium-webdriver/lib/command.js';

export const BROWSERS = ['chromium', 'firefox', 'webkit'];

const PATHS = {
  chromium: process.env.CHROMIUM || '/usr/bin/chromium',
  firefox: process.env.FIREFOX || '/usr/bin/firefox-esr',
  webdriver: process.env.WEBKIT_WEBDRIVER || '/usr/bin/WebKitWebDriver',
  minibrowser: process.env.MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
};

// What each driver can send, found by trying (a `can` that is a string says why not, and a
// test that needs it prints that instead of passing silently).
const CAN = {
  chromium: { touch: true, pen: true, mobile: true },
  firefox: {
    touch: true,
    pen: "Firefox's WebDriver BiDi has no pen pointer ('Unimplemented pointerMove for pen')",
    mobile: "puppeteer's Firefox has no mobile or touch-screen emulation",
  },
  webkit: {
    touch: 'WebKitWebDriver delivers touch pointer actions as mouse events',
    pen: "WebKitWebDriver's pen sends no move after pointerdown once the page captures the pointer",
    mobile: 'WebKitWebDriver has no mobile or touch-screen emulation',
  },
};

export async function launch(name) {
  if (!BROWSERS.includes(name))
    throw new Error(`unknown browser ${JSON.stringify(name)}; known: ${BROWSERS.join(', ')}`);
  const browser = name === 'webkit' ? await launchWebKit() : await launchPuppeteer(name);
  return { name, can: CAN[name], ...browser };
}

// ---- Chromium and Firefox: puppeteer-core over WebDriver BiDi --------------------------------

async function launchPuppeteer(name) {
  const chromium = name === 'chromium';
  const browser = await puppeteer.launch({
    browser: chromium ? 'chrome' : 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: PATHS[name],
    headless: true,
    protocolTimeout: 600_000, // the benchmark evaluates for minutes
    args: chromium
      ? ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking']
      : [],
    extraPrefsFirefox: { 'browser.shell.checkDefaultBrowser': false },
  });
  const version = (await browser.version()).split('/')[1];
  return {
    version,
    newPage: (options) => puppeteerPage(browser, options),
    close: () => browser.close(),
  };
}

async function puppeteerPage(browser, { width = 1100, height = 900, mobile = false } = {}) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const touch = mobile === true;
  await page.setViewport({
    width,
    height,
    deviceScaleFactor: touch ? 2 : 1,
    isMobile: touch,
    hasTouch: touch,
  });
  const consoleLines = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') consoleLines.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleLines.push(`uncaught: ${e.message}`));
  // The BiDi browsing context (puppeteer's own, pinned version): the W3C action lists that
  // puppeteer's mouse and touchscreen also end in, here with pen too.
  const perform = (actions) => page.mainFrame().browsingContext.performActions(actions);
  return makePage({
    console: consoleLines,
    goto: (url) => page.goto(url, { waitUntil: 'load' }),
    evaluate: (fn, ...args) => page.evaluate(fn, ...args),
    perform,
    screenshot: (path) => page.screenshot({ path, fullPage: true }),
    close: () => context.close(),
  });
}

// ---- WebKit: WebKitWebDriver and MiniBrowser, W3C WebDriver through selenium-webdriver ------

async function launchWebKit() {
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

// ---- the one page interface, on top of each driver's goto/evaluate/perform -------------------

function makePage({ goto, evaluate, perform, ...rest }) {
  // Each stroke: move to its first point, press, move through the rest, release.
  async function strokes(list, pointerType = 'mouse') {
    const move = ([x, y]) => ({ type: 'pointerMove', x: Math.round(x), y: Math.round(y) });
    for (const [first, ...more] of list) {
      const actions = [
        move(first),
        { type: 'pointerDown', button: 0 },
        ...more.map(move),
        { type: 'pointerUp', button: 0 },
      ];
      await perform([{ type: 'pointer', id: pointerType, parameters: { pointerType }, actions }]);
    }
  }
  const key = (type, value) => ({ type, value: KEYS[value] ?? value });
  return {
    ...rest,
    goto,
    evaluate,
    strokes,
    actions: perform, // raw W3C action sequences, for what strokes() does not cover
    click: (point) => strokes([[point]]),
    press: (name) =>
      perform([
        { type: 'key', id: 'keyboard', actions: [key('keyDown', name), key('keyUp', name)] },
      ]),
    async waitFor(fn, arg, timeout = 15_000) {
      const end = Date.now() + timeout;
      while (!(await evaluate(fn, arg))) {
        if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${fn}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

const KEYS = { Escape: '\uE00C', Enter: '\uE007' };
