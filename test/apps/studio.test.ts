// The Studio (apps/studio) built as `npm run studio` builds it and driven in headless Chromium (Debian's
// chromium, via playwright-core): generate a small face set, stop a long run with Stop, train the lab CNN 4
// epochs with Adam on 2 threads, check the History, the charts and the results, predict a photo, save to
// IndexedDB, reload the page, load, and get the identical prediction, and again through the downloaded
// model.json + weights.bin picked back (which TensorFlow.js loads too); bad inputs give errors in the page;
// no page error and no request beyond the page's origin.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, chromiumPresent, launchChromium } from '../../scripts/chromium.mjs';
import * as sn from '../../src/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const present = chromiumPresent();
if (!present) console.log(`studio browser test skipped: ${CHROMIUM} is not installed (apt-get install -y chromium)`);

type Built = { outdir: string; metafile: { inputs: Record<string, unknown>; outputs: Record<string, { inputs: Record<string, unknown> }> }; sizes: Record<string, { bytes: number; gzip: number }> };
let built: Built;
let server: Server | null = null;
const tmp = mkdtempSync(join(tmpdir(), 'simdnet-studio-'));

beforeAll(async () => {
  const { buildStudio } = await import('../../apps/studio/build.mjs');
  built = await buildStudio(join(tmp, 'site')) as Built;
}, 120_000);
afterAll(() => { server?.close(); });

/** Generated photos per person the page trains on (few: the test stays quick), and the validation share of them. */
const PER_PERSON = 6;
const VAL = Math.ceil(16 * PER_PERSON * 0.15);

/** A generated face photo the page has not trained on (the next one of a person), as a JPEG file. */
async function facePhotoFile(): Promise<string> {
  const photo = [...sn.data.facePhotos({ seed: 0, perPerson: PER_PERSON + 1 })].find((p) => p.label === 'K' && p.number === PER_PERSON + 1)!;
  const jpeg = (await import('jpeg-js')).default;
  const rgba = new Uint8Array(384 * 286 * 4).map((_, i) => (i % 4 === 3 ? 255 : photo.image.data[i >> 2]));
  const file = join(tmp, 'K_next.jpg');
  writeFileSync(file, jpeg.encode({ data: rgba, width: 384, height: 286 }, 90).data);
  return file;
}

/** expect.poll with room for a busy machine (its default gives up after a second). */
const poll = <T>(fn: () => Promise<T> | T, timeout = 60_000) => expect.poll(fn, { timeout, interval: 100 });

describe('simdnet Studio', () => {
  it('bundles the page without simdnet and the worker with it, neither reaching a node: module', () => {
    const outputs = Object.entries(built.metafile.outputs);
    const inputsOf = (name: string) => Object.keys(outputs.find(([f]) => f.endsWith(name))![1].inputs);
    expect(inputsOf('main.js').some((f) => f.includes('uplot'))).toBe(true);
    expect(inputsOf('main.js').filter((f) => f.includes('dist/src/'))).toEqual([]);
    expect(inputsOf('worker.js')).toContain('dist/src/browser.js');
    expect(Object.keys(built.metafile.inputs).filter((f) => f.startsWith('node:') || f.includes('host/node'))).toEqual([]);
    for (const f of ['index.html', 'main.js', 'worker.js', 'main.css', 'wasm/relaxed-simd-shared.wasm']) expect(built.sizes[f].bytes).toBeGreaterThan(0);
  });

  it('type-checks with the DOM types only (no Node types in the page or the worker)', () => {
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'apps/studio/tsconfig.json')], { encoding: 'utf8', timeout: 120_000 });
    expect(tsc.stdout + tsc.stderr, 'tsc').toBe('');
    expect(tsc.status).toBe(0);
  }, 120_000);

  it.skipIf(!present)('trains 4 epochs with Adam on 2 threads, draws the charts, predicts, and keeps the model through a reload', async () => {
    const { startStudioServer } = await import('../../apps/studio/serve.mjs');
    server = (await startStudioServer({ dir: built.outdir, port: 0 })) as Server;
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const photo = await facePhotoFile();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [], foreign: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('request', (r) => { if (!r.url().startsWith(origin) && !/^(blob|data):/.test(r.url())) foreign.push(r.url()); });
      const byId = (id: string) => page.getByTestId(id);
      const ready = () => page.waitForSelector('#env[data-ready="yes"]', { timeout: 60_000 });
      await page.goto(`${origin}/`);
      await ready();
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

      // every form control has a label
      expect(await page.evaluate(() => [...document.querySelectorAll('input, select')].filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute('aria-label')).map((e) => e.id))).toEqual([]);

      // bad inputs: photos of one class, a model.json without its weights, a model that does not take photos
      const a1 = { name: 'A_0001.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a jpeg') };
      await byId('files').setInputFiles([a1, { ...a1, name: 'A_0002.jpg' }]);
      await poll(() => page.textContent('#data-error')).toContain('one class only (A)');
      await byId('load-files').setInputFiles([{ name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['weights.bin'], weights: [] }] })) }]);
      await poll(() => page.textContent('#model-error')).toContain('model.json needs weights.bin: pick it together with model.json');
      const dense = sn.sequential();
      dense.add(sn.layers.dense({ units: 2, activation: 'softmax', inputShape: [4] }));
      const notPhotos = await dense.toArtifacts();
      await byId('load-files').setInputFiles([
        { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(notPhotos.modelJson)) },
        { name: 'weights.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(notPhotos.weights) }]);
      await poll(() => page.textContent('#model-error')).toContain('model.json does not fit the Studio: it takes inputs of shape [4]');

      await byId('per-person').fill(String(PER_PERSON));
      await byId('generate').click();
      await poll(() => page.textContent('#split'), 120_000).toContain(`Split: ${16 * PER_PERSON - VAL} train / ${VAL} validation photos`);
      expect(await page.locator('.class-card').count()).toBe(16);

      // Stop ends training after the current batch
      await byId('epochs').fill('50');
      await byId('train').click();
      await poll(() => byId('status').textContent(), 120_000).toMatch(/epoch \d+ \/ 50 done/);
      await byId('stop').click();
      await poll(() => byId('status').textContent(), 120_000).toMatch(/^done \(stopped after \d+ of 50 epochs\)/);

      await byId('optimizer').selectOption('adam');
      expect(await byId('lr').inputValue()).toBe('0.001');
      await byId('epochs').fill('4');
      await byId('threads').fill('2');
      await byId('train').click();
      await poll(() => byId('status').textContent(), 240_000).toMatch(/^done/);

      const history = JSON.parse((await byId('history').textContent())!) as Record<string, number[]>;
      process.stdout.write(`studio: ${await byId('status').textContent()}\n  loss ${history.loss.map((l) => l.toFixed(3)).join(' ')}\n`);
      expect(history.loss).toHaveLength(4);
      expect(history.val_accuracy).toHaveLength(4);
      expect(history.loss[3]).toBeLessThan(history.loss[0]);
      // the charts drew: the loss chart's canvas holds the train and validation colours
      const painted = await page.evaluate(() => {
        const canvas = document.querySelector('[data-testid="loss-chart"] canvas') as HTMLCanvasElement;
        const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let train = 0, val = 0;
        for (let i = 0; i < d.length; i += 4) {
          if (d[i + 3] > 200 && Math.abs(d[i] - 0x0a) < 30 && Math.abs(d[i + 1] - 0x58) < 30 && Math.abs(d[i + 2] - 0xca) < 30) train++;
          if (d[i + 3] > 200 && Math.abs(d[i] - 0xd9) < 30 && Math.abs(d[i + 1] - 0x48) < 30 && Math.abs(d[i + 2] - 0x0f) < 30) val++;
        }
        return { train, val };
      });
      expect(painted.train).toBeGreaterThan(100);
      expect(painted.val).toBeGreaterThan(100);
      expect(await page.locator('#confusion tbody tr').count()).toBe(16);

      // a photo gets a prediction; a file that is no image gets an error
      await byId('predict-file').setInputFiles(photo);
      await poll(() => byId('prediction').textContent()).toMatch(/^[A-Z] \(\d+\.\d %\)$/);
      const before = { text: await byId('prediction').textContent(), p: await byId('prediction').getAttribute('data-probabilities') };
      expect(JSON.parse(before.p!)).toHaveLength(16);
      await page.screenshot({ path: join(ROOT, 'dist/studio-test.png'), fullPage: true }).catch(() => undefined);
      await byId('predict-file').setInputFiles({ name: 'broken.jpg', mimeType: 'image/jpeg', buffer: Buffer.from([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]) });
      await poll(() => page.textContent('#predict-error')).toContain('broken.jpg');

      // usable at 375 px: nothing wider than the window
      await page.setViewportSize({ width: 375, height: 800 });
      await poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

      await byId('save').click();
      await poll(() => byId('model-status').textContent()).toContain('Saved in this browser');
      await page.reload();
      await ready();
      await byId('load').click();
      await poll(() => byId('model-status').textContent()).toContain('Loaded indexeddb://simdnet-studio');
      await byId('predict-file').setInputFiles(photo);
      await poll(() => byId('prediction').getAttribute('data-probabilities')).not.toBeNull();
      expect({ text: await byId('prediction').textContent(), p: await byId('prediction').getAttribute('data-probabilities') }).toEqual(before);

      // Download gives model.json and weights.bin, which load back by picking them: the same prediction again
      const downloads: import('playwright-core').Download[] = [];
      page.on('download', (d) => downloads.push(d));
      await byId('download').click();
      await poll(() => downloads.length).toBe(2);
      const saved = await Promise.all(downloads.map(async (d) => { const f = join(tmp, d.suggestedFilename()); await d.saveAs(f); return f; }));
      expect(saved.map((f) => f.slice(tmp.length + 1)).sort()).toEqual(['model.json', 'weights.bin']);
      // ... and TensorFlow.js reads them: its prediction of the photo matches the page's
      const tf = await import('@tensorflow/tfjs');
      await tf.setBackend('cpu');
      const json = JSON.parse(readFileSync(join(tmp, 'model.json'), 'utf8'));
      const bin = readFileSync(join(tmp, 'weights.bin'));
      const tfModel = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
      const x = sn.io.imageToTensor(sn.io.decodeImage(readFileSync(photo)), { size: [42, 42], channels: 3 });
      const tfProbabilities = Array.from((tfModel.predict(tf.tensor(x.data as Float32Array, [1, 42, 42, 3])) as import('@tensorflow/tfjs').Tensor).dataSync());
      const pageProbabilities = JSON.parse(before.p!) as number[];
      expect(Math.max(...tfProbabilities.map((v, i) => Math.abs(v - pageProbabilities[i])))).toBeLessThan(1e-5);
      await page.reload();
      await ready();
      await byId('load-files').setInputFiles(saved);
      await poll(() => byId('model-status').textContent()).toContain('Loaded model.json');
      await byId('predict-file').setInputFiles(photo);
      await poll(() => byId('prediction').getAttribute('data-probabilities')).not.toBeNull();
      expect({ text: await byId('prediction').textContent(), p: await byId('prediction').getAttribute('data-probabilities') }).toEqual(before);

      expect(errors).toEqual([]);
      expect(foreign).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 400_000);
});
