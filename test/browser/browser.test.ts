// The browser example, driven in headless Chromium (Debian's `chromium`, via playwright-core): the page
// trains the lab's CNN for an epoch on generated faces with several workers over one shared memory.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumPresent, launchChromium } from '../../scripts/chromium.mjs';

const present = chromiumPresent();
if (!present) console.log(`browser test skipped: ${CHROMIUM} is not installed (apt-get install -y chromium)`);

let server: Server | null = null;
afterAll(() => { server?.close(); });

describe('browser', () => {
  it.skipIf(!present)('trains the lab CNN for an epoch on several Web Workers, and the loss falls', async () => {
    const { startServer } = await import('../../examples/browser/serve.mjs');
    server = (await startServer(0)) as Server;
    const port = (server.address() as AddressInfo).port;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const console: string[] = [];
      page.on('console', (m) => console.push(m.text()));
      await page.goto(`http://127.0.0.1:${port}/examples/browser/?threads=2&images=1024`);
      await page.waitForFunction(() => (window as unknown as { simdnetResult?: unknown }).simdnetResult !== undefined, undefined, { timeout: 240_000 });
      const r = await page.evaluate(() => (window as unknown as { simdnetResult: Record<string, unknown> }).simdnetResult) as {
        type: string; message?: string; losses: number[]; threads: number; workerTasks: number[]; crossOriginIsolated: boolean; shared: boolean; imgPerSec: number; backend: string;
      };
      const status = await page.textContent('#status');
      process.stdout.write(`browser: ${status}\n`);
      expect(r.type, r.message ?? console.join('\n')).toBe('done');
      expect(r.crossOriginIsolated).toBe(true);
      expect(r.shared).toBe(true);
      expect(r.threads).toBe(2);
      expect(r.workerTasks.length).toBeGreaterThanOrEqual(1); // a helper worker besides the training worker
      expect(r.workerTasks[0]).toBeGreaterThan(10);            // ... and it really computed
      const first = r.losses.slice(0, 4).reduce((a, b) => a + b) / 4, last = r.losses.slice(-4).reduce((a, b) => a + b) / 4;
      expect(last).toBeLessThan(first);
      await page.screenshot({ path: 'examples/browser/screenshot.png' }).catch(() => undefined);
    } finally {
      await browser.close();
    }
  }, 300_000);
});
