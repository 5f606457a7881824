// Opens a sweep's report.html in headless Chromium (Debian's, via playwright-core) with the network cut off,
// checks that every chart drew and that the page asked for nothing outside itself, and saves a screenshot.
//   node scripts/screenshot-report.mjs sweep-lab/report.html bench/sweep-lab/report.png [height]
import { launchChromium } from './chromium.mjs';
import path from 'node:path';

export async function openReport(file, { screenshot, height = 2200 } = {}) {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height }, offline: true });
    const page = await context.newPage();
    const requests = [];
    page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
    await page.goto(`file://${path.resolve(file)}`);
    const charts = await page.$$eval('figure svg', (svgs) => svgs.map((s) => {
      const b = s.getBoundingClientRect();
      return { width: b.width, height: b.height, marks: s.querySelectorAll('path, rect, line').length };
    }));
    const tables = await page.$$eval('table', (t) => t.length);
    if (screenshot) await page.screenshot({ path: screenshot, clip: { x: 0, y: 0, width: 1200, height } });
    return { charts, tables, requests, title: await page.title() };
  } finally {
    await browser.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, out, height] = process.argv.slice(2);
  if (!file || !out) { console.error('usage: node scripts/screenshot-report.mjs REPORT.html OUT.png [height]'); process.exit(2); }
  const r = await openReport(file, { screenshot: out, height: height ? Number(height) : undefined });
  console.log(`${r.title}: ${r.charts.length} charts, ${r.tables} tables, ${r.requests.length} network requests; screenshot ${out}`);
  if (r.requests.length || r.charts.some((c) => c.width === 0 || c.marks === 0)) process.exit(1);
}
