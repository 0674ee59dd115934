// docs/demo.png, the README's picture: the demo page in headless Chromium with a 7 drawn by the
// e2e tests' mouse, as the page shows it (then cropped to the pad and the prediction).
//   cd js && node ../docs/screenshot.mjs && python ../docs/crop.py
import { launch } from '../js/e2e/browsers.mjs';
import { drawOn, openDemo, settled, startServer } from '../js/e2e/demo-page.mjs';

const browser = await launch('chromium');
const server = await startServer();
try {
  const page = await openDemo(browser, server, { width: 1000, height: 700 });
  await drawOn(page, { digit: 7, box: [70, 40, 140, 200] });
  await settled(page);
  await page.screenshot(new URL('demo-full.png', import.meta.url).pathname);
} finally {
  await server.close();
  await browser.close();
}
