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
// none (webkit.mjs). Pointer input is the same W3C action list everywhere (BiDi
// input.performActions or WebDriver's Perform Actions; page-api.mjs), so a stroke means the
// same to all three.
// Paths: $CHROMIUM, $FIREFOX, $WEBKIT_WEBDRIVER, $MINIBROWSER override the Debian ones.
import puppeteer from 'puppeteer-core';
import { makePage } from './page-api.mjs';
import { launchWebKit } from './webkit.mjs';

export const BROWSERS = ['chromium', 'firefox', 'webkit'];

const PATHS = {
  chromium: process.env.CHROMIUM || '/usr/bin/chromium',
  firefox: process.env.FIREFOX || '/usr/bin/firefox-esr',
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
