// TerminateOnNaN (Keras semantics): at the first batch whose loss is NaN or infinite it sets
// model.stopTraining; fit() then ends normally (epoch end and train end still run) and resolves with the
// History so far. Without it, fit() rejects at such a batch.
import { describe, expect, it, vi } from 'vitest';
import * as sn from '../../src/index.js';
import type { Logs } from '../../src/engine/callback.js';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, tinyData } from './fixtures.js';

/** A regression model that diverges at once: SGD with learning rate 1e30 on inputs of size ~1e6. */
function diverging() {
  const { x } = tinyData(8, 1);
  const big = sn.tensor(Float32Array.from(x.data, (v) => v * 1e6), [8, 4]);
  const target = sn.tensor(new Float32Array(8).fill(1), [8, 1]);
  const m = sn.sequential();
  m.add(sn.layers.dense({ units: 1, inputShape: [4] }));
  m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1e30 }), loss: 'meanSquaredError' });
  return { m, x: big, y: target };
}

describe('terminateOnNaN', () => {
  it('fit resolves, and training stopped right after the first non-finite batch', async () => {
    const { m, x, y } = diverging();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const events: string[] = [];
    const batchLosses: number[] = [];
    try {
      const h = await m.fit(x, y, {
        epochs: 5, batchSize: 2, verbose: 0, shuffle: false,
        callbacks: [
          sn.callbacks.terminateOnNaN(),
          {
            onEpochBegin: (e) => { events.push(`epochBegin${e}`); },
            onBatchBegin: (b) => { events.push(`batchBegin${b}`); },
            onBatchEnd: (b, logs) => { events.push(`batchEnd${b}`); batchLosses.push(logs!.loss); },
            onEpochEnd: (e) => { events.push(`epochEnd${e}`); },
            onTrainEnd: () => { events.push('trainEnd'); },
          },
        ],
      });
      const first = batchLosses.findIndex((l) => !Number.isFinite(l));
      expect(first).toBeGreaterThanOrEqual(0);
      expect(batchLosses).toHaveLength(first + 1); // no batch after the first non-finite one
      expect(batchLosses.slice(0, first).every(Number.isFinite)).toBe(true);
      expect(m.stopTraining).toBe(true);
      // this setup gives a finite loss on batch 0 and a non-finite one on batch 1 (4 batches per epoch)
      expect(first).toBe(1);
      expect(events).toEqual(['epochBegin0', 'batchBegin0', 'batchEnd0', 'batchBegin1', 'batchEnd1', 'epochEnd0', 'trainEnd']);
      expect(h.epoch).toEqual([0]);
      expect(Number.isFinite(h.history.loss[0])).toBe(false);
      expect(log).toHaveBeenCalledWith('Batch 1: Invalid loss, terminating training');
    } finally {
      log.mockRestore();
    }
  });

  it('with validation data fit resolves too: the epoch validates as NaN (as Keras\' evaluate of NaN weights) and onTrainEnd runs', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      for (const validation of [{ validationData: [diverging().x, diverging().y] as [sn.Tensor, sn.Tensor] }, { validationSplit: 0.25 }]) {
        const { m, x, y } = diverging();
        let end: Logs | undefined;
        const h = await m.fit(x, y, { epochs: 5, batchSize: 2, verbose: 0, shuffle: false, ...validation,
          callbacks: [sn.callbacks.terminateOnNaN(), { onTrainEnd: (logs) => { end = logs; } }] });
        const key = Object.keys(validation)[0];
        expect(h.epoch, key).toEqual([0]);
        expect(h.history.val_loss, key).toEqual([NaN]);
        expect(end?.val_loss, key).toBeNaN();
        expect(m.stopTraining).toBe(true);
      }
      // an epoch whose batches' losses are all finite but whose last update overflows the weights: that ends it too
      const x = sn.tensor(Float32Array.from({ length: 64 * 4 }, (_, i) => ((i * 7919) % 200) / 100 - 1), [64, 4]);
      const y = sn.tensor(Float32Array.from({ length: 64 }, (_, i) => i * 1e3), [64, 1]);
      const m = sn.sequential();
      m.add(sn.layers.dense({ units: 1, inputShape: [4] }));
      m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1e6 }), loss: 'meanSquaredError' });
      const h = await m.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0, validationSplit: 0.25, callbacks: [sn.callbacks.terminateOnNaN()] });
      expect(Number.isFinite(h.history.loss[0])).toBe(true);
      expect(h.history.val_loss).toEqual([NaN]);
      expect(log).toHaveBeenCalledWith('Epoch 1: the last update made the weights non-finite, terminating training');
      // without terminateOnNaN the same fit fails at that epoch's end, as before
      const again = sn.sequential();
      again.add(sn.layers.dense({ units: 1, inputShape: [4] }));
      again.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1e6 }), loss: 'meanSquaredError' });
      await expect(again.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0, validationSplit: 0.25 })).rejects.toThrow(/the weights became NaN or infinite .* in the last update of epoch 1/);
    } finally {
      log.mockRestore();
    }
  });

  it('a non-finite loss on an epoch\'s first batch, with validation, ends fit gracefully too', async () => {
    // one batch per epoch: epoch 1's loss is finite, epoch 2's first (and only) batch is not
    const { x } = tinyData(8, 1);
    const big = sn.tensor(Float32Array.from(x.data, (v) => v * 1e6), [8, 4]);
    const y = sn.tensor(new Float32Array(8).fill(1), [8, 1]);
    const m = sn.sequential();
    m.add(sn.layers.dense({ units: 1, inputShape: [4] }));
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1e25 }), loss: 'meanSquaredError' });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const h = await m.fit(big, y, { epochs: 4, batchSize: 8, verbose: 0, shuffle: false, validationData: [big, y], callbacks: [sn.callbacks.terminateOnNaN()] });
      expect(h.epoch).toEqual([0, 1]);
      expect(Number.isFinite(h.history.loss[0])).toBe(true);
      expect(Number.isFinite(h.history.loss[1])).toBe(false);
      expect(h.history.val_loss[1]).toBeNaN();
      expect(log).toHaveBeenCalledWith('Batch 0: Invalid loss, terminating training');
    } finally {
      log.mockRestore();
    }
  });

  it('with modelCheckpoint and backupAndRestore, the epoch stopped on non-finite weights is not written and fit resolves', async () => {
    const { dir, cleanup } = await tempDir('nan-ckpt');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
            const x = sn.tensor(Float32Array.from({ length: 64 * 4 }, (_, i) => ((i * 7919) % 200) / 100 - 1), [64, 4]);
      const y = sn.tensor(Float32Array.from({ length: 64 }, (_, i) => i * 1e3), [64, 1]);
      let lr = 0, h: sn.History | undefined;
      // the largest rate (by decades) whose run overflows the weights after its first epoch, losses all finite
      for (lr = 1e6; lr >= 1e2 && !h; lr /= 10) {
        const m = sn.sequential();
        m.add(sn.layers.dense({ units: 1, inputShape: [4] }));
        m.compile({ optimizer: sn.optimizers.sgd({ learningRate: lr }), loss: 'meanSquaredError' });
        const run = join(dir, `lr${lr}`);
        const r = await m.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0, shuffle: false, callbacks: [
          sn.callbacks.terminateOnNaN(),
          sn.callbacks.modelCheckpoint({ filepath: join(run, 'ckpt-{epoch:02d}') }),
          sn.callbacks.backupAndRestore({ backupDir: join(run, 'backup'), deleteCheckpoint: false }),
        ] });
        if (r.epoch.length >= 2 && r.epoch.length < 5 && r.history.loss.every(Number.isFinite)) {
          h = r;
          // the epochs before it were saved; the stopped one was not, with a warning naming the path
          expect(existsSync(join(run, 'ckpt-01', 'model.json'))).toBe(true);
          expect(existsSync(join(run, `ckpt-0${r.epoch.length}`))).toBe(false);
          expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^modelCheckpoint: epoch \d: the weights are NaN or infinite \(training diverged\); not saved to .*ckpt-0\d/));
          expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^backupAndRestore: epoch \d: the weights are NaN or infinite \(training diverged\); not backed up; the last good epoch's backup stays$/));
          expect(readdirSync(join(run, 'backup')).length).toBeGreaterThan(0);
        }
      }
      expect(h, 'no rate made the weights overflow with finite losses').toBeDefined();
    } finally {
      log.mockRestore();
      warn.mockRestore();
      await cleanup();
    }
  });

  it('checkpoints and backups every batch skip the update that overflowed the weights; the default deleteCheckpoint removes the backup at the end', async () => {
    const { dir, cleanup } = await tempDir('nan-batches');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const x = sn.tensor(Float32Array.from({ length: 64 * 4 }, (_, i) => ((i * 7919) % 200) / 100 - 1), [64, 4]);
      const y = sn.tensor(Float32Array.from({ length: 64 }, (_, i) => i * 1e3), [64, 1]);
      for (const lr of [1e2, 1e4, 1e6]) {
        const m = sn.sequential();
        m.add(sn.layers.dense({ units: 1, inputShape: [4] }));
        m.compile({ optimizer: sn.optimizers.sgd({ learningRate: lr }), loss: 'meanSquaredError' });
        const run = join(dir, `lr${lr}`);
        const h = await m.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0, shuffle: false, callbacks: [
          sn.callbacks.terminateOnNaN(),
          sn.callbacks.modelCheckpoint({ filepath: join(run, 'ckpt-{epoch}-{batch}'), saveFreq: 1 }),
          sn.callbacks.backupAndRestore({ backupDir: join(run, 'backup'), saveFreq: 1 }),
        ] });
        expect(m.stopTraining, `lr ${lr}`).toBe(true); // it diverged, and fit resolved
        expect(h.epoch.length).toBeGreaterThan(0);
        expect(existsSync(join(run, 'backup')), `lr ${lr}`).toBe(false); // deleted at the end, as Keras'
        // every checkpoint written loads (none holds the overflowed weights)
        for (const name of existsSync(run) ? readdirSync(run).filter((n) => n.startsWith('ckpt-')) : []) {
          expect((await sn.loadModel(join(run, name))).countParams()).toBe(5);
        }
      }
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^modelCheckpoint: epoch \d: the weights are NaN or infinite \(training diverged\); not saved to .*ckpt-\d-\d/));
    } finally {
      log.mockRestore();
      warn.mockRestore();
      await cleanup();
    }
  });

  it('without it, the same fit rejects with "the loss became ..."', async () => {
    const { m, x, y } = diverging();
    const ends: number[] = [];
    await expect(m.fit(x, y, { epochs: 5, batchSize: 2, verbose: 0, shuffle: false, callbacks: [{ onEpochEnd: (e) => { ends.push(e); } }] }))
      .rejects.toThrow(/^fit: the loss became (NaN|-?Infinity) at epoch 1, batch 2; lower the learning rate or check the data$/);
    expect(ends).toEqual([]);
  });

  it('driven by hand: only a NaN or infinite loss stops training', () => {
    const { m } = diverging();
    const cb = sn.callbacks.terminateOnNaN();
    cb.setModel(m);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      for (const logs of [{ loss: 1e30 }, { loss: 0 }, { accuracy: NaN }, {}] as Logs[]) {
        cb.onBatchEnd(0, logs);
        expect(m.stopTraining).toBe(false);
      }
      cb.onBatchEnd(0, undefined);
      expect(m.stopTraining).toBe(false);
      for (const bad of [NaN, Infinity, -Infinity]) {
        m.stopTraining = false;
        cb.onBatchEnd(7, { loss: bad });
        expect(m.stopTraining).toBe(true);
      }
      expect(log).toHaveBeenCalledTimes(3);
      expect(log).toHaveBeenLastCalledWith('Batch 7: Invalid loss, terminating training');
    } finally {
      log.mockRestore();
    }
  });

  it('a normal fit with terminateOnNaN runs all its epochs', async () => {
    const { x, y } = tinyData(8, 1);
    const m = sn.sequential();
    m.add(sn.layers.dense({ units: 2, activation: 'softmax', inputShape: [4] }));
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const h = await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [sn.callbacks.terminateOnNaN()] });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(m.stopTraining).toBe(false);
  });
});
