// Firefox ESR for the engine tests (tests/test_engines.py), over WebDriver BiDi
// with puppeteer-core: no geckodriver needed. One JSON command per line on stdin,
// one JSON answer per line on stdout: {"value": ...} or {"error": "..."}.
//   {"op": "goto", "url"}, {"op": "js", "expression"}, {"op": "click", "selector"},
//   {"op": "draw", "strokes": [[[x, y], ...], ...]} (the mouse, in page pixels),
//   {"op": "errors"}: console errors and uncaught exceptions since the last call.
import { createInterface } from 'node:readline';
import puppeteer from 'puppeteer-core';

const [width, height] = (process.env.VIEWPORT ?? '1024x768').split('x').map(Number);
const browser = await puppeteer.launch({
  browser: 'firefox',
  executablePath: process.env.FIREFOX ?? '/usr/bin/firefox-esr',
  headless: true,
  // A closed network: no update checks, telemetry or captive-portal probes.
  extraPrefsFirefox: {
    'app.update.enabled': false, 'network.captive-portal-service.enabled': false,
    'datareporting.policy.dataSubmissionEnabled': false, 'toolkit.telemetry.enabled': false,
  },
});
const page = await browser.newPage();
await page.setViewport({ width, height });
let errors = [];
page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
page.on('pageerror', (error) => errors.push(String(error)));

const ops = {
  goto: ({ url }) => page.goto(url),
  js: ({ expression }) => page.evaluate(expression),
  click: ({ selector }) => page.click(selector),
  async draw({ strokes }) {
    for (const stroke of strokes) {
      await page.mouse.move(...stroke[0]);
      await page.mouse.down();
      for (const point of stroke.slice(1)) await page.mouse.move(...point);
      await page.mouse.up();
    }
  },
  errors: () => errors.splice(0),
};

for await (const line of createInterface({ input: process.stdin })) {
  const { op, ...args } = JSON.parse(line);
  try {
    const value = await ops[op](args);
    console.log(JSON.stringify({ value: op === 'js' || op === 'errors' ? value ?? null : null }));
  } catch (error) {
    console.log(JSON.stringify({ error: String(error?.message ?? error) }));
  }
}
await browser.close();
