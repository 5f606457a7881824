// The Studio's figures for the README: training speed in the page vs Node (the same session.ts code, the
// same face set, recipe and thread count), the time from opening the page to the end of the first epoch,
// and the bundle sizes. Page and Node runs alternate, so a busy machine slows both alike.
//   npm run build && node apps/studio/measure.mjs [--rounds 2] [--epochs 3] [--threads 2] [--optimizer sgd|adam]
//                                                 [--per-person N] [--screenshot FILE]
// Node runs with --experimental-wasm-relaxed-simd (Node 20), so both sides use the relaxed-SIMD kernels.
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { buildStudio, ROOT } from './build.mjs';
import { startStudioServer } from './serve.mjs';
import { launchChromium } from '../../scripts/chromium.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({ options: {
  rounds: { type: 'string', default: '2' }, epochs: { type: 'string', default: '3' }, threads: { type: 'string', default: '2' },
  screenshot: { type: 'string' }, 'node-run': { type: 'boolean', default: false }, 'per-person': { type: 'string' },
  optimizer: { type: 'string', default: 'sgd' },
} });
const epochs = Number(opts.epochs), threads = Number(opts.threads), perPerson = opts['per-person'] ? Number(opts['per-person']) : null;
const LR = { sgd: 0.01, adam: 0.001, adagrad: 0.01, rmsprop: 0.001 };
if (!(opts.optimizer in LR)) throw new Error(`--optimizer must be one of ${Object.keys(LR).join(', ')}, got ${opts.optimizer}`);
const recipe = { optimizer: opts.optimizer, lr: LR[opts.optimizer], momentum: 0.9, nesterov: true, lrDrop: 0.5, dropEvery: 10, epochs, batchSize: 32, threads, seed: 0, testSize: 0.15 };

/** Node's side: session.ts bundled against simdnet's Node entry, run in this (child) process. */
async function nodeRun() {
  const out = path.join(ROOT, 'dist/studio-node/session.mjs');
  await esbuild.build({
    entryPoints: [path.join(HERE, 'src/session.ts')], outfile: out, bundle: true, format: 'esm', platform: 'node', logLevel: 'silent',
    plugins: [{ name: 'simdnet-node', setup: (b) => b.onResolve({ filter: /^simdnet$/ }, () => ({ path: path.join(ROOT, 'dist/src/index.js'), external: true })) }],
  });
  const sn = await import(path.join(ROOT, 'dist/src/index.js'));
  const s = await import(out);
  await sn.ready();
  const t0 = performance.now();
  const photos = s.renderFaces(sn, recipe.seed, perPerson);
  const renderSeconds = (performance.now() - t0) / 1000;
  const split = s.splitIndices(sn, photos.labels, photos.classNames.length, recipe.testSize, recipe.seed);
  const model = s.buildModel(sn, photos.classNames.length, recipe);
  const outcome = await s.trainModel(sn, model, photos, split, recipe);
  console.log(JSON.stringify({ backend: sn.backend(), photos: photos.labels.length, renderSeconds, epochRates: outcome.epochRates, imgPerSec: s.steadyRate(outcome.epochRates), loss: outcome.history.loss }));
  sn.shutdownThreads();
}

async function pageRun(browser, origin, screenshot) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${origin}/`);
  await page.waitForSelector('#env[data-ready="yes"]', { timeout: 120_000 });
  if (perPerson) await page.getByTestId('per-person').fill(String(perPerson));
  await page.getByTestId('optimizer').selectOption(opts.optimizer); // the learning rate follows: Keras' default
  await page.getByTestId('epochs').fill(String(epochs));
  await page.getByTestId('threads').fill(String(threads));
  await page.getByTestId('generate').click();
  await page.waitForFunction(() => /^Split:/.test(document.querySelector('#split')?.textContent ?? ''), undefined, { timeout: 300_000 });
  await page.getByTestId('train').click();
  await page.waitForFunction(() => /^(done|training failed)/.test(document.querySelector('[data-testid=status]')?.textContent ?? ''), undefined, { timeout: 900_000 });
  const status = await page.getByTestId('status').textContent();
  const timings = JSON.parse(await page.getByTestId('timings').textContent());
  const env = await page.textContent('#env');
  if (screenshot) {
    await page.getByTestId('predict-file').setInputFiles(path.join(ROOT, 'dist/studio-node/face.jpg')).catch(() => undefined);
    await page.waitForFunction(() => /\(/.test(document.querySelector('[data-testid=prediction]')?.textContent ?? ''), undefined, { timeout: 30_000 }).catch(() => undefined);
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  await page.close();
  if (errors.length || !status.startsWith('done')) throw new Error(`page run failed: ${status}\n${errors.join('\n')}`);
  const rates = timings.imgPerSec;
  const steady = rates.length > 1 ? rates.slice(1) : rates;
  return { env, status, timings, imgPerSec: steady.reduce((a, b) => a + b, 0) / steady.length };
}

async function main() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`CPU: ${cpu}, ${os.cpus().length} cores; Node ${process.version}; load average at start: ${load()}`);
  const { outdir, sizes } = await buildStudio();
  const kb = (n) => (n / 1024).toFixed(1);
  const js = ['main.js', 'worker.js', 'main.css', 'style.css', 'index.html'];
  const sum = (k) => js.reduce((s, f) => s + sizes[f][k], 0);
  console.log(`bundle: ${js.map((f) => `${f} ${kb(sizes[f].bytes)} KB (${kb(sizes[f].gzip)} gzip)`).join(', ')}`);
  console.log(`  page total ${kb(sum('bytes'))} KB minified, ${kb(sum('gzip'))} KB gzip; kernels fetched: wasm/relaxed-simd-shared.wasm ${kb(sizes['wasm/relaxed-simd-shared.wasm'].bytes)} KB (${kb(sizes['wasm/relaxed-simd-shared.wasm'].gzip)} gzip)`);
  // a face photo for the screenshot's prediction
  await mkdir(path.join(ROOT, 'dist/studio-node'), { recursive: true });
  const sn = await import(path.join(ROOT, 'dist/src/index.js'));
  const face = [...sn.data.facePhotos({ seed: 0 })].find((p) => p.split === 'test');
  const jpeg = (await import('jpeg-js')).default;
  const rgba = new Uint8Array(384 * 286 * 4).map((_, i) => (i % 4 === 3 ? 255 : face.image.data[i >> 2]));
  (await import('node:fs')).writeFileSync(path.join(ROOT, 'dist/studio-node/face.jpg'), jpeg.encode({ data: rgba, width: 384, height: 286 }, 90).data);

  const server = await startStudioServer({ dir: outdir, port: 0 });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchChromium();
  const version = browser.version();
  const rows = [];
  try {
    for (let r = 0; r < Number(opts.rounds); r++) {
      const p = await pageRun(browser, origin, r === Number(opts.rounds) - 1 ? opts.screenshot : undefined);
      console.log(`round ${r + 1} page  (Chromium ${version}): ${p.imgPerSec.toFixed(0)} img/s (epochs ${p.timings.imgPerSec.join(' / ')}), ` +
        `kernels ready ${p.timings.kernelsReady} ms, photos ready ${p.timings.dataReady} ms, first epoch ${p.timings.firstEpoch} ms after opening; ${p.env}; load ${load()}`);
      const child = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', fileURLToPath(import.meta.url), '--node-run', '--epochs', String(epochs), '--threads', String(threads), '--optimizer', opts.optimizer, ...(perPerson ? ['--per-person', String(perPerson)] : [])], { encoding: 'utf8', timeout: 1_800_000 });
      if (child.status !== 0) throw new Error(`node run failed: ${child.stderr}`);
      const n = JSON.parse(child.stdout.trim().split('\n').pop());
      console.log(`round ${r + 1} node  (${process.version}, ${n.backend}): ${n.imgPerSec.toFixed(0)} img/s (epochs ${n.epochRates.map((x) => x.toFixed(0)).join(' / ')}), rendering ${n.photos} photos ${n.renderSeconds.toFixed(1)} s; load ${load()}`);
      rows.push({ page: p.imgPerSec, node: n.imgPerSec });
    }
  } finally {
    await browser.close();
    server.close();
  }
  const page = rows.map((r) => r.page), node = rows.map((r) => r.node);
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  console.log(`page / node: ${(mean(page) / mean(node)).toFixed(2)} (means over ${rows.length} alternating rounds: ${mean(page).toFixed(0)} vs ${mean(node).toFixed(0)} img/s, ${threads} threads)`);
}

if (opts['node-run']) await nodeRun(); else await main();
