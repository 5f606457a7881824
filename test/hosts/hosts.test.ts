// One package, every host: the same script (test/hosts/script.mjs) — load the kernels, fit a small CNN for a
// few steps, save and load it in memory, decode images from bytes, predict — gives the same bits in
// Node 20, Node 22, 24 and 26 (every LTS line after 20; 26 the Active one), Deno, Bun, a Chromium page, a Chromium Web Worker and workerd, each importing
// 'simdnet' through the export condition of its kind. Also: a browser bundle reaches no node: module,
// and require('simdnet') works (require(esm)) or says what to do instead.
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/chromium.mjs';
import { bundle, consumerProject, firstAnswer, freePort, HOSTS, ROOT, runJson, startWorkerd, staticServer } from './hosts.js';

type Result = Record<string, unknown>;
// the LTS lines after Node 20: 22 and 24 (maintenance, until 2027-04 and 2028-04) and 26 (Active LTS since 2026-10)
const LTS = ([['Node 22', HOSTS.node22, 'node22'], ['Node 24', HOSTS.node24, 'node24'], ['Node 26', HOSTS.node26, 'node26']] as const).map(([name, bin, folder]) => {
  const have = existsSync(bin);
  if (!have) console.log(`${name} skipped: install it with \`npm ci --prefix test/hosts/${folder}\` (.ci/run does)`);
  return { name, bin, have };
});
let dir = '';
let reference: Result | null = null;
const servers: Server[] = [];

beforeAll(() => {
  dir = consumerProject();
  const r = runJson(process.execPath, ['run-module.mjs'], dir);
  if (!r.result) throw new Error(`Node 20 could not run the script: ${r.stderr}`);
  reference = r.result;
});
afterAll(() => { for (const s of servers) s.close(); });

/** The same bits as in this Node: weights, predictions, decoded image, losses. */
function expectSame(result: Result | null, host: string, stderr = ''): void {
  expect(result, `${host}: ${stderr}`).not.toBeNull();
  expect(result!.error, host).toBeUndefined();
  const { ms: _a, ...ours } = result!;
  const { ms: _b, ...ref } = reference!;
  delete ours.indexeddb;
  expect(ours, host).toEqual(ref);
  process.stdout.write(`${host}: weights ${String(result!.weights)}, predictions ${String(result!.predictions)}, ${String(result!.ms)} ms\n`);
}

describe('simdnet in every host', () => {
  it('Node 20: the reference run; loading the model back gives the same weights and predictions', () => {
    expect(reference!.backend).toBe('simd');
    expect(reference!.loadedWeights).toBe(reference!.weights);
    expect(reference!.loadedPredictions).toBe(reference!.predictions);
    expect((reference!.loss as number[])[2]).toBeLessThan((reference!.loss as number[])[0]);
  });

  it('Node 20: require(\'simdnet\') works; without require(esm) it says to use import()', () => {
    expectSame(runJson(process.execPath, ['run-require.cjs'], dir).result, 'Node 20 require');
    const old = runJson(process.execPath, ['--no-experimental-require-module', 'run-require.cjs'], dir);
    expect(old.status).toBe(1);
    expect(old.stderr).toMatch(/simdnet is an ES module, which this Node \(v\d+\.\d+\.\d+\) cannot require\(\); load it with `const sn = await import\('simdnet'\)`/);
  });

  for (const { name, bin, have } of LTS) {
    it.skipIf(!have)(`${name}: import and require`, () => {
      const r = runJson(bin, ['run-module.mjs'], dir);
      expectSame(r.result, name, r.stderr);
      const req = runJson(bin, ['run-require.cjs'], dir);
      expectSame(req.result, `${name} require`, req.stderr);
    });
  }

  it('Deno', () => {
    const r = runJson(HOSTS.deno, ['run', '--no-lock', '--allow-read', '--allow-env', '--allow-sys', 'run-module.mjs'], dir, { DENO_NO_UPDATE_CHECK: '1' });
    expectSame(r.result, 'Deno', r.stderr);
  });

  it('Bun', () => {
    const r = runJson(HOSTS.bun, ['run-module.mjs'], dir);
    expectSame(r.result, 'Bun', r.stderr);
  });

  it('a browser bundle (esbuild --platform=browser, only the .wasm files external) reaches no node: module', async () => {
    const meta = await bundle(join(dir, 'browser-entry.mjs'), join(dir, 'browser.js'), []);
    const inputs = Object.keys(meta.inputs);
    expect(inputs.filter((f) => f.startsWith('node:') || /(^|\/)host\/node\.js$/.test(f))).toEqual([]);
    expect(inputs.some((f) => f.endsWith('dist/src/browser.js'))).toBe(true);
    const imports = Object.values(meta.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports).toEqual([]);
  });

  it('workerd (Cloudflare Workers), the kernels handed in as a compiled module', async () => {
    const meta = await bundle(join(dir, 'workerd-entry.mjs'), join(dir, 'workerd.js'), ['workerd', 'worker']);
    expect(Object.keys(meta.inputs).some((f) => f.startsWith('node:'))).toBe(false);
    cpSync(join(ROOT, 'dist/wasm/simd.wasm'), join(dir, 'simd.wasm'));
    const port = await freePort();
    const proc = startWorkerd(dir, 'workerd.js', [{ name: 'simd.wasm', kind: 'wasm' }], port);
    let stderr = '';
    proc.stderr!.on('data', (d) => { stderr += d; });
    try {
      const res = await firstAnswer(`http://127.0.0.1:${port}/`, undefined, 20_000, proc);
      expectSame((await res.json()) as Result, 'workerd', stderr);
    } finally {
      proc.kill();
    }
  }, 60_000);

  describe.skipIf(!existsSync(HOSTS.chromium))('Chromium (Debian\'s chromium, headless)', () => {
    let base = '';
    beforeAll(async () => {
      await bundle(join(dir, 'browser-entry.mjs'), join(dir, 'browser.js'), []);
      cpSync(join(ROOT, 'dist/wasm'), join(dir, 'wasm'), { recursive: true });
      writeFileSync(join(dir, 'page.html'), '<!doctype html><script type="module" src="/browser.js"></script>');
      writeFileSync(join(dir, 'worker.html'), '<!doctype html><script>const w = new Worker("/browser.js", { type: "module" }); w.onmessage = (e) => { window.hostResult = e.data; };</script>');
      const server = await staticServer(dir);
      servers.push(server);
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    for (const [name, page] of [['a page', 'page.html'], ['a module Web Worker', 'worker.html']]) {
      it(name, async () => {
        const browser = await launchChromium();
        try {
          const tab = await browser.newPage();
          const log: string[] = [];
          tab.on('console', (m) => log.push(m.text()));
          tab.on('pageerror', (e) => log.push(e.message));
          await tab.goto(`${base}/${page}`);
          await tab.waitForFunction(() => (window as unknown as { hostResult?: unknown }).hostResult !== undefined, undefined, { timeout: 60_000 });
          const r = await tab.evaluate(() => (window as unknown as { hostResult: Result }).hostResult);
          expect(r.indexeddb, log.join('\n')).toBe('same predictions');
          expectSame(r, `Chromium, ${name}`, log.join('\n'));
        } finally {
          await browser.close();
        }
      }, 90_000);
    }
  });
});
