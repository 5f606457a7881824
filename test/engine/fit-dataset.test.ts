// fitDataset: training on streamed batches equals fit() on the same batches in the same order, bit for
// bit; imageDataset streams a folder exactly as loadImageFolder + fit would see it; bad datasets and
// bad batches get errors that name the epoch and the batch.
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as sn from '../../src/index.js';
import { Random } from '../../src/random.js';
import { rand } from '../helpers.js';

const N = 22, SHAPE = [6, 6, 2], CLASSES = 3;
const x = sn.tensor(rand(N * 72, 1, 0, 1), [N, ...SHAPE]);
const y = sn.utils.toCategorical(Array.from({ length: N }, (_, i) => i % CLASSES), CLASSES);

function net(): sn.Sequential {
  const m = sn.sequential({ seed: 4 });
  m.add(sn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: SHAPE }));
  m.add(sn.layers.dropout({ rate: 0.3 }));
  m.add(sn.layers.flatten());
  m.add(sn.layers.dense({ units: CLASSES, activation: 'softmax' }));
  m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** fit()'s batches as a dataset: each epoch the next shuffle of Random(seed), batches in order. */
function asDataset(seed: number, batchSize: number): () => Iterable<{ xs: sn.Tensor; ys: sn.Tensor }> {
  const rng = new Random(seed);
  return function* () {
    const order = Int32Array.from({ length: N }, (_, i) => i);
    rng.shuffle(order);
    for (let from = 0; from < N; from += batchSize) {
      const idx = order.subarray(from, Math.min(N, from + batchSize));
      const xs = new Float32Array(idx.length * 72), ys = new Float32Array(idx.length * CLASSES);
      idx.forEach((r, i) => { xs.set(x.data.subarray(r * 72, r * 72 + 72), i * 72); ys.set(y.data.subarray(r * CLASSES, (r + 1) * CLASSES), i * CLASSES); });
      yield { xs: sn.tensor(xs, [idx.length, ...SHAPE]), ys: sn.tensor(ys, [idx.length, CLASSES]) };
    }
  };
}

const bits = (m: sn.Sequential) => m.getWeights().map((w) => Array.from(w.data));

/** The small dropout CNN the resuming tests train over the image folder (6×6 RGB, 3 classes). */
function dropoutCnn(seed: number, optimizer: sn.Optimizer | string, metrics: string[] = []): sn.Sequential {
  const m = sn.sequential({ seed });
  m.add(sn.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 3] }));
  m.add(sn.layers.dropout({ rate: 0.2 }));
  m.add(sn.layers.flatten());
  m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  m.compile({ optimizer, loss: 'categoricalCrossentropy', metrics });
  return m;
}

describe('fitDataset', () => {
  it('trains exactly as fit() on the same batches (weights and history bit-identical, dropout included)', async () => {
    const a = net(), b = net();
    const ha = await a.fit(x, y, { epochs: 3, batchSize: 5, seed: 7, verbose: 0, validationData: [x, y] });
    const hb = await b.fitDataset(asDataset(7, 5), { epochs: 3, seed: 7, verbose: 0, validationData: [x, y], validationBatchSize: 5, batchesPerEpoch: 5 });
    expect(bits(b)).toEqual(bits(a));
    expect(hb.history).toEqual(ha.history);
    // without batchesPerEpoch (length unknown) the step seeds still count the same steps
    const c = net();
    await c.fitDataset(asDataset(7, 5), { epochs: 3, seed: 7, verbose: 0 });
    expect(bits(c)).toEqual(bits(a));
    a.dispose(); b.dispose(); c.dispose();
  });

  it('takes async iterables and datasets as validation data; batchesPerEpoch caps an endless dataset', async () => {
    const m = net();
    async function* endless() { for (;;) yield { xs: x, ys: y }; }
    const h = await m.fitDataset(() => endless(), { epochs: 2, batchesPerEpoch: 3, verbose: 0, validationData: asDataset(1, 8) });
    expect(h.history.loss).toHaveLength(2);
    expect(h.history.val_accuracy).toHaveLength(2);
    m.dispose();
  });

  it('with batchesPerEpoch one generator runs on across epochs, as tfjs: no batch skipped, closed at the end; running out stops training with a warning', async () => {
    const taken: number[] = [];
    let closed = 0;
    async function* numbered(count: number) {
      try {
        for (let i = 0; i < count; i++) { taken.push(i); yield { xs: sn.tensor(x.data.slice(i * 72, (i + 1) * 72), [1, ...SHAPE]), ys: sn.tensor(y.data.slice(i * 3, i * 3 + 3), [1, 3]) }; }
      } finally { closed++; }
    }
    const m = net();
    const h = await m.fitDataset(numbered(100), { epochs: 3, batchesPerEpoch: 2, verbose: 0 });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(taken).toEqual([0, 1, 2, 3, 4, 5]); // each batch trained once, none pulled and dropped
    expect(closed).toBe(1);
    taken.length = 0;
    const warn = console.warn, warnings: string[] = [];
    console.warn = (w: string) => { warnings.push(w); };
    try {
      const short = await m.fitDataset(numbered(5), { epochs: 4, batchesPerEpoch: 2, verbose: 0 });
      expect(short.epoch).toEqual([0, 1, 2]);
    } finally { console.warn = warn; }
    expect(taken).toEqual([0, 1, 2, 3, 4]);
    expect(warnings.join('\n')).toMatch(/fitDataset: the dataset ran out after 1 of the 2 batches of epoch 3; training stops/);
    // running out exactly at an epoch's end stops the same way: the epoch that got no batch is not run
    warnings.length = 0;
    console.warn = (w: string) => { warnings.push(w); };
    try {
      const even = await m.fitDataset(numbered(4), { epochs: 4, batchesPerEpoch: 2, verbose: 0 });
      expect(even.epoch).toEqual([0, 1]);
    } finally { console.warn = warn; }
    expect(warnings.join('\n')).toMatch(/fitDataset: the dataset ran out after 0 of the 2 batches of epoch 3; training stops/);
    m.dispose();
  });

  it('refuses, by epoch and batch: a spent generator, a batch that is not { xs, ys }, wrong shapes, NaN', async () => {
    const m = net();
    const gen = asDataset(1, 8)();
    await expect(m.fitDataset(gen, { epochs: 2, verbose: 0 })).rejects.toThrow(
      /fitDataset: the data gave no batches in epoch 2 \(a generator can be iterated only once: pass a function/);
    await expect(m.fitDataset([{ xs: x }] as never, { verbose: 0 })).rejects.toThrow(/fitDataset: epoch 1 batch 1 must be \{ xs, ys \}/);
    await expect(m.fitDataset([{ xs: sn.tensor(new Float32Array(50), [1, 5, 5, 2]), ys: y }], { verbose: 0 }))
      .rejects.toThrow(/fitDataset: epoch 1 batch 1\.xs must have shape \[n, 6, 6, 2\]/);
    const bad = x.data.slice(); bad[100] = NaN;
    await expect(m.fitDataset([{ xs: x, ys: y }, { xs: sn.tensor(bad, x.shape), ys: y }], { verbose: 0 }))
      .rejects.toThrow(/fitDataset: epoch 1 batch 2\.xs contains 1 NaN or infinite value\(s\), first at flat index 100/);
    await expect(m.fitDataset(42 as never, { verbose: 0 })).rejects.toThrow(/dataset must be an iterable or async iterable/);
    m.dispose();
  });
});

describe('imageDataset', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simdnet-dataset-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  // 3 people x 7 photos of odd sizes, PNG, sub-folder layout
  const r = new Random(9);
  for (const person of ['A', 'C', 'D']) {
    fs.mkdirSync(path.join(dir, person));
    for (let i = 0; i < 7; i++) {
      const png = new PNG({ width: 9 + i, height: 11 });
      for (let j = 0; j < png.data.length; j++) png.data[j] = j % 4 === 3 ? 255 : Math.floor(r.uniform(0, 256));
      fs.writeFileSync(path.join(dir, person, `${i}.png`), PNG.sync.write(png));
    }
  }

  for (const workers of [2, 0]) {
    it(`streams the folder as loadImageFolder + fit would see it (${workers ? `${workers} decoding threads` : 'decoded in place'})`, async () => {
      const opts = { size: [6, 6] as [number, number], channels: 3 as const };
      const loaded = await sn.data.loadImageFolder(dir, opts);
      const model = () => {
        const m = sn.sequential({ seed: 2 });
        m.add(sn.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 3] }));
        m.add(sn.layers.flatten());
        m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
        m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
        return m;
      };
      const a = model(), b = model();
      await a.fit(loaded.x, sn.utils.toCategorical(loaded.y, 3), { epochs: 2, batchSize: 4, seed: 5, verbose: 0 });
      const ds = sn.data.imageDataset(dir, { ...opts, batchSize: 4, seed: 5, workers });
      await b.fitDataset(ds, { epochs: 2, seed: 5, verbose: 0 });
      expect(ds.size).toBe(21);
      expect(ds.batches).toBe(6);
      expect(ds.classNames).toEqual(['A', 'C', 'D']);
      expect(bits(b)).toEqual(bits(a));
      a.dispose(); b.dispose();
    });
  }

  it('a run resumed with initialEpoch (from a checkpoint with its optimizer state) draws the batches of the run it continues', async () => {
    const opts = { size: [6, 6] as [number, number], channels: 3 as const, batchSize: 4, seed: 5, workers: 0 };
    const model = () => dropoutCnn(2, 'adam');
    const whole = model();
    await whole.fitDataset(sn.data.imageDataset(dir, opts), { epochs: 3, seed: 5, verbose: 0 });
    const first = model();
    await first.fitDataset(sn.data.imageDataset(dir, opts), { epochs: 1, seed: 5, verbose: 0 });
    const resumed = await sn.loadModel(await first.toArtifacts({ includeOptimizer: true }));
    await resumed.fitDataset(sn.data.imageDataset(dir, opts), { epochs: 3, initialEpoch: 1, seed: 5, verbose: 0 });
    expect(bits(resumed)).toEqual(bits(whole));
    // and in-memory fit with initialEpoch still equals it
    const loaded = await sn.data.loadImageFolder(dir, { size: [6, 6], channels: 3 });
    const viaFit = await sn.loadModel(await first.toArtifacts({ includeOptimizer: true }));
    await viaFit.fit(loaded.x, sn.utils.toCategorical(loaded.y, 3), { epochs: 3, initialEpoch: 1, batchSize: 4, seed: 5, verbose: 0 });
    expect(bits(viaFit)).toEqual(bits(whole));
    for (const m of [whole, first, resumed, viaFit]) m.dispose();
  });

  it('backupAndRestore over an imageDataset: a run killed after epoch 2\'s backup and fitted again equals the uninterrupted run, bit for bit', async () => {
    const opts = { size: [6, 6] as [number, number], channels: 3 as const, batchSize: 4, seed: 5, workers: 0 };
    const model = () => dropoutCnn(3, sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }));
    const backupDir = path.join(dir, '..', `backup-${process.pid}`);
    const whole = model();
    await whole.fitDataset(sn.data.imageDataset(dir, opts), { epochs: 4, seed: 5, verbose: 0 });
    const killed = model();
    const crash = { onEpochBegin: (e: number) => { if (e === 2) throw new Error('killed'); } };
    await expect(killed.fitDataset(sn.data.imageDataset(dir, opts), { epochs: 4, seed: 5, verbose: 0, callbacks: [sn.callbacks.backupAndRestore({ backupDir }), crash] }))
      .rejects.toThrow('killed');
    const again = model();
    const h = await again.fitDataset(sn.data.imageDataset(dir, opts), { epochs: 4, seed: 5, verbose: 0, callbacks: [sn.callbacks.backupAndRestore({ backupDir })] });
    expect(h.epoch).toEqual([2, 3]);
    expect(bits(again)).toEqual(bits(whole));
    for (const m of [whole, killed, again]) m.dispose();
  });

  it('backupAndRestore({ saveFreq: 3 }) over an imageDataset: killed mid-epoch and fitted again, it skips the batches done and ends as the uninterrupted run, bit for bit', async () => {
    const opts = { size: [6, 6] as [number, number], channels: 3 as const, batchSize: 4, seed: 5, workers: 0 };
    const model = () => dropoutCnn(3, sn.optimizers.adam({ learningRate: 0.01 }), ['accuracy']);
    const backupDir = path.join(dir, '..', `backup-batches-${process.pid}`);
    const whole = model();
    const hw = await whole.fitDataset(sn.data.imageDataset(dir, opts), { epochs: 3, seed: 5, verbose: 0 });
    const killed = model();
    let batches = 0;
    const crash = { onBatchEnd: () => { if (++batches === 5) throw new Error('killed'); } }; // after the backup of the 3rd batch
    await expect(killed.fitDataset(sn.data.imageDataset(dir, opts), { epochs: 3, seed: 5, verbose: 0, callbacks: [crash, sn.callbacks.backupAndRestore({ backupDir, saveFreq: 3 })] }))
      .rejects.toThrow('killed');
    const again = model();
    const h = await again.fitDataset(sn.data.imageDataset(dir, opts), { epochs: 3, seed: 5, verbose: 0, callbacks: [sn.callbacks.backupAndRestore({ backupDir, saveFreq: 3 })] });
    expect(h.epoch).toEqual(hw.epoch.slice(hw.epoch.length - h.epoch.length));
    expect(h.history.loss).toEqual(hw.history.loss.slice(hw.epoch.length - h.epoch.length));
    expect(bits(again)).toEqual(bits(whole));
    for (const m of [whole, killed, again]) m.dispose();
  });

  it('a resumed run over a dataset of unknown length warns that its dropout draws are not the uninterrupted run\'s', async () => {
    const m = sn.sequential();
    m.add(sn.layers.dense({ units: 2, activation: 'softmax', inputShape: [3] }));
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const batch = { xs: sn.tensor([1, 2, 3, 4, 5, 6], [2, 3]), ys: sn.tensor([1, 0, 0, 1], [2, 2]) };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await m.fitDataset(() => [batch], { epochs: 2, initialEpoch: 1, verbose: 0 });
      expect(String(warn.mock.calls[0][0])).toMatch(/^fitDataset: initialEpoch 1 with a dataset of unknown length: .*give batchesPerEpoch/);
    } finally {
      warn.mockRestore();
    }
    m.dispose();
  });

  it('keeps its decoding threads from epoch to epoch (same batches), and close() ends them', async () => {
    const wt = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
    const Original = wt.Worker;
    let started = 0;
    wt.Worker = class extends Original { constructor(...a: ConstructorParameters<typeof Original>) { super(...a); started++; } };
    try {
      const epochs = async (ds: sn.data.ImageDataset, n: number) => {
        const out: number[][] = [];
        for (let e = 0; e < n; e++) for await (const { xs } of ds) out.push(Array.from(xs.data.subarray(0, 8)));
        return out;
      };
      const opts = { size: [6, 6] as [number, number], batchSize: 4, seed: 3, workers: 2 };
      const ds = sn.data.imageDataset(dir, opts);
      const kept = await epochs(ds, 3);
      expect(started).toBe(2);
      // an epoch left half way settles its decodes and keeps the threads too
      for await (const _ of ds) break;
      expect(started).toBe(2);
      await ds.close();
      await epochs(ds, 1);
      expect(started).toBe(4);
      // closed while an epoch runs: the epoch fails saying so, and the next starts new threads
      await expect((async () => { for await (const _ of ds) await ds.close(); })()).rejects.toThrow('imageDataset: the dataset was closed (ds.close()) while an epoch ran');
      expect(started).toBe(4);
      expect((await epochs(ds, 1)).length).toBe(6);
      expect(started).toBe(6);
      await ds.close();
      const fresh = sn.data.imageDataset(dir, { ...opts, workers: 0 });
      expect(await epochs(fresh, 3)).toEqual(kept);
    } finally {
      wt.Worker = Original;
    }
  });

  it('a photo that cannot be decoded fails the epoch naming the file', async () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'simdnet-dataset-bad-'));
    try {
      fs.mkdirSync(path.join(bad, 'A')); fs.mkdirSync(path.join(bad, 'B'));
      fs.copyFileSync(path.join(dir, 'A', '0.png'), path.join(bad, 'A', '0.png'));
      fs.writeFileSync(path.join(bad, 'B', 'broken.png'), Buffer.from('not a png at all'));
      const m = sn.sequential();
      m.add(sn.layers.flatten({ inputShape: [6, 6, 3] }));
      m.add(sn.layers.dense({ units: 2, activation: 'softmax' }));
      m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
      await expect(m.fitDataset(sn.data.imageDataset(bad, { size: [6, 6], batchSize: 2 }), { verbose: 0 }))
        .rejects.toThrow(/broken\.png/);
      m.dispose();
    } finally { fs.rmSync(bad, { recursive: true, force: true }); }
  });

  for (const workers of [2, 0]) {
    it(`a photo decoded ahead that fails rejects fitDataset when its batch comes, never as an unhandled rejection (${workers} threads)`, async () => {
      const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'simdnet-dataset-late-'));
      const unhandled: unknown[] = [];
      const spy = (e: unknown) => { unhandled.push(e); };
      process.on('unhandledRejection', spy);
      try {
        fs.mkdirSync(path.join(bad, 'A')); fs.mkdirSync(path.join(bad, 'B'));
        for (let i = 0; i < 6; i++) fs.copyFileSync(path.join(dir, 'A', `${i}.png`), path.join(bad, 'A', `${i}.png`));
        fs.writeFileSync(path.join(bad, 'B', 'zz_broken.png'), Buffer.from('not a png at all'));
        const m = sn.sequential();
        m.add(sn.layers.flatten({ inputShape: [6, 6, 3] }));
        m.add(sn.layers.dense({ units: 2, activation: 'softmax' }));
        m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
        // in order, one photo a batch, three ahead: the broken one's batch fails while the first ones are awaited
        const ds = sn.data.imageDataset(bad, { size: [6, 6], batchSize: 1, shuffle: false, prefetch: 3, workers });
        await expect(m.fitDataset(ds, { verbose: 0 })).rejects.toThrow(/zz_broken\.png/);
        await new Promise((r) => setTimeout(r, 50)); // a stray rejection would have been reported by now
        expect(unhandled).toEqual([]);
        await ds.close();
        m.dispose();
      } finally {
        process.off('unhandledRejection', spy);
        fs.rmSync(bad, { recursive: true, force: true });
      }
    });
  }

  it('checks its options by name', () => {
    expect(() => sn.data.imageDataset(dir, { batchSize: 0 })).toThrow(/imageDataset: batchSize must be an integer ≥ 1, got 0/);
    expect(() => sn.data.imageDataset(dir, { size: [0, 3] })).toThrow(/imageDataset: size must be \[height, width\]/);
    expect(() => sn.data.imageDataset(dir, { labelMode: 'onehot' as never })).toThrow(/labelMode must be 'categorical' or 'int'/);
  });
});
