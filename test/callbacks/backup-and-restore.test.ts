// BackupAndRestore (Keras semantics): a backup of weights, optimizer state and epoch after every epoch; a fit
// that finds one goes on from the next epoch, as the uninterrupted run would have; a normal end deletes it.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { sameWeights, tempDir } from './fixtures.js';
import { randomArray } from '../helpers.js';
import { saveHooks } from '../../src/io/atomic.js';
import { restoreBackup } from '../../src/io/training-backup.js';
import { doneLogs } from '../../src/engine/callback.js';

/** A backup folder as in-memory artifacts: what sn.loadModel({ modelJson, weights }) takes. */
async function readArtifacts(dir: string): Promise<{ modelJson: Record<string, unknown>; weights: Uint8Array }> {
  return { modelJson: JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')), weights: new Uint8Array(fs.readFileSync(path.join(dir, 'weights.bin'))) };
}

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => { ({ dir: root, cleanup } = await tempDir('backup')); });
afterAll(async () => { await cleanup(); });
let n = 0;
const fresh = () => path.join(root, `case-${n++}`);

const N = 24;
const x = sn.tensor(randomArray(N * 6 * 6 * 2, 5), [N, 6, 6, 2]);
const y = sn.utils.toCategorical(Int32Array.from({ length: N }, (_, i) => (i * 7) % 3), 3);

function build(optimizer: () => sn.Optimizer, filters = 4): sn.Sequential {
  const m = sn.sequential({ seed: 8 });
  m.add(sn.layers.conv2d({ filters, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2] }));
  m.add(sn.layers.dropout({ rate: 0.3 }));
  m.add(sn.layers.flatten());
  m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  m.compile({ optimizer: optimizer(), loss: 'categoricalCrossentropy', metrics: ['accuracy', 'mae'] });
  return m;
}

// the lab's optimizer with a warm-up from learning rate 0 (which tfjs' momentum form cannot hold) and steps down
const sgd = () => sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true });
const adam = () => sn.optimizers.adam({ learningRate: 0.01 });
const schedule = () => sn.callbacks.learningRateScheduler((epoch) => (epoch === 0 ? 0 : 0.05 * 0.5 ** Math.floor(epoch / 2)));

/** A callback that kills the run at the end of epoch `at`, before that epoch's backup (which runs after the others). */
const crashAt = (at: number): sn.CallbackHooks => ({ onEpochEnd: (e) => { if (e === at) throw new Error(`crash after epoch ${at + 1}`); } });

const fit = (m: sn.Sequential, callbacks: (sn.Callback | sn.CallbackHooks)[], epochs = 6) =>
  m.fit(x, y, { epochs, batchSize: 8, shuffle: true, seed: 21, verbose: 0, validationData: [x, y], callbacks: [schedule(), ...callbacks] });

/** A callback that kills the run at the end of batch `batch` of epoch `at` (listed before the backup: that batch is not backed up). */
const crashAtBatch = (at: number, batch: number): sn.CallbackHooks => {
  let epoch = -1;
  return { onEpochBegin: (e) => { epoch = e; }, onBatchEnd: (b) => { if (epoch === at && b === batch) throw new Error(`crash in epoch ${at + 1}, batch ${batch + 1}`); } };
};

describe('BatchValues in a run resumed mid-epoch', () => {
  it("gives each batch's own loss and metrics as the uninterrupted run's, from the resumed epoch's running sums", async () => {
    /** Per-batch own values, keyed epoch:batch. */
    const record = (into: Map<string, sn.Logs>) => {
      const own = new sn.callbacks.BatchValues();
      let epoch = -1;
      return [own, { onEpochBegin: (e: number) => { epoch = e; }, onBatchEnd: (b: number, logs?: sn.Logs) => { into.set(`${epoch}:${b}`, own.of(logs!)); } }];
    };
    const whole = new Map<string, sn.Logs>();
    await fit(build(adam), record(whole));
    const dir = fresh();
    const first = build(adam);
    await expect(fit(first, [sn.callbacks.backupAndRestore({ backupDir: dir, saveFreq: 2 }), crashAtBatch(1, 2)])).rejects.toThrow(/crash in epoch/);
    first.dispose();
    const resumed = new Map<string, sn.Logs>();
    await fit(build(adam), [sn.callbacks.backupAndRestore({ backupDir: dir, saveFreq: 2 }), ...record(resumed)]);
    expect([...resumed.keys()][0]).toBe('1:1'); // epoch 2 goes on after its first batch
    for (const [key, logs] of resumed) {
      for (const k of ['loss', 'accuracy', 'mae']) expect(logs[k], `${key} ${k}`).toBeCloseTo(whole.get(key)![k], 9);
    }
  });
});

describe('backupAndRestore({ saveFreq: n }): backed up every n batches, a run killed mid-epoch goes on mid-epoch', () => {
  // 24 samples in batches of 8: 3 batches an epoch; saveFreq counts batches across epochs (every 2: after batches 2, 4,
  // 6, ... of the run, i.e. epoch 1's 2nd, epoch 2's 1st, ...); each case is killed before its batch's backup
  for (const [label, freq, at, batch, partial] of [
    ['in epoch 2 (its first batch done; a count restarted each epoch would have backed up its second)', 2, 1, 2, { epoch: 1, batches: 1 }],
    ['in the first epoch, before any epoch was done', 2, 0, 2, { epoch: 0, batches: 2 }],
    ['after an epoch\'s last batch was backed up but not its end (validation, callbacks)', 3, 1, 0, { epoch: 0, batches: 3 }]] as const) {
    it(`killed ${label}: the same weights and per-epoch logs as the uninterrupted run, bit for bit`, async () => {
      const whole = build(adam);
      const h = await fit(whole, []);
      const dir = fresh();
      const first = build(adam);
      await expect(fit(first, [sn.callbacks.backupAndRestore({ backupDir: dir, saveFreq: freq }), crashAtBatch(at, batch)])).rejects.toThrow(/crash in epoch/);
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      expect(json.userDefinedMetadata.simdnet_backup).toMatchObject({ epoch: partial.epoch - 1, partial });
      first.dispose();
      const again = build(adam);
      const backup = sn.callbacks.backupAndRestore({ backupDir: dir, saveFreq: freq });
      const h2 = await fit(again, [backup]);
      expect(h2.epoch).toEqual([0, 1, 2, 3, 4, 5].slice(partial.epoch));
      // the resumed epoch's loss is the whole epoch's: the running sums of its first batches came back with the backup
      expect(h2.history.loss).toEqual(h.history.loss.slice(partial.epoch));
      expect(h2.history.val_loss).toEqual(h.history.val_loss.slice(partial.epoch));
      expect(h2.history.accuracy).toEqual(h.history.accuracy.slice(partial.epoch));
      expect(h2.history.mae).toEqual(h.history.mae.slice(partial.epoch)); // a value metric's running sum came back too
      expect(sameWeights(again.getWeights(), whole.getWeights())).toBe(true);
      expect(fs.existsSync(dir)).toBe(false);
      whole.dispose(); again.dispose();
    });
  }

  it('a value metric goes on from its running sum; a backup without one (other metrics, or made before them) is refused for it before anything is restored', async () => {
    const accuracyOnly = () => {
      const m = build(adam);
      m.compile({ optimizer: adam(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      return m;
    };
    const dir = fresh();
    const first = accuracyOnly();
    await expect(fit(first, [sn.callbacks.backupAndRestore({ backupDir: dir, saveFreq: 2 }), crashAtBatch(1, 2)])).rejects.toThrow(/crash in epoch/);
    const file = path.join(dir, 'model.json'), json = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(json.userDefinedMetadata.simdnet_backup.partial.sums).toEqual({});
    // as a backup written before value metrics existed: no sums at all
    delete json.userDefinedMetadata.simdnet_backup.partial.sums;
    fs.writeFileSync(file, JSON.stringify(json));
    const withMae = build(adam), before = withMae.getWeights();
    await expect(fit(withMae, [sn.callbacks.backupAndRestore({ backupDir: dir, saveFreq: 2 })])).rejects.toThrow(
      /backupAndRestore: the backup in .* does not fit this run: its epoch in progress \(epoch 2, 1 batch done\) kept no running sum of mae: the interrupted run was compiled with other metrics/);
    expect(sameWeights(withMae.getWeights(), before)).toBe(true); // nothing restored
    // the run's own metrics go on from it, as the uninterrupted run
    const whole = accuracyOnly();
    const h = await fit(whole, []);
    const again = accuracyOnly();
    const h2 = await fit(again, [sn.callbacks.backupAndRestore({ backupDir: dir, saveFreq: 2 })]);
    expect(h2.history.accuracy).toEqual(h.history.accuracy.slice(1));
    expect(h2.history.loss).toEqual(h.history.loss.slice(1));
    for (const m of [first, withMae, whole, again]) m.dispose();
  });

  it('with a batch count, no backup is written at an epoch\'s end (Keras), and saveFreq is checked', async () => {
    expect(() => sn.callbacks.backupAndRestore({ backupDir: 'x', saveFreq: 0 })).toThrow("backupAndRestore: saveFreq must be 'epoch' or a number of batches >= 1, got 0");
    expect(() => sn.callbacks.backupAndRestore({ backupDir: 'x', saveFreq: 'batch' as never })).toThrow(/saveFreq must be 'epoch' or a number of batches/);
    const dir = fresh();
    const m = build(adam);
    // 3 batches an epoch, every 4: the first backup is in epoch 2 (after its first batch); killed as epoch 2 begins, after epoch 1's end
    const killAt2 = { onEpochBegin: (e: number) => { if (e === 1) throw new Error('killed at epoch 2'); } };
    await expect(fit(m, [sn.callbacks.backupAndRestore({ backupDir: dir, saveFreq: 4 }), killAt2], 3)).rejects.toThrow(/killed at epoch 2/);
    expect(fs.existsSync(dir)).toBe(false);
    m.dispose();
  });

  it("a schedule of the rate itself (Keras' (epoch, lr) => lr · factor) does not apply twice to the epoch resumed", async () => {
    const halving = () => sn.callbacks.learningRateScheduler((epoch, lr) => (epoch === 0 ? 0.02 : lr * 0.5));
    const rates: number[] = [];
    const watch = (into: number[]) => ({ onEpochEnd: (_e: number, logs?: sn.Logs) => { if (logs?.lr !== undefined) into.push(logs.lr); } });
    const run = (m: sn.Sequential, callbacks: (sn.Callback | sn.CallbackHooks)[]) =>
      m.fit(x, y, { epochs: 5, batchSize: 8, shuffle: true, seed: 21, verbose: 0, callbacks: [halving(), ...callbacks] });
    const whole = build(adam);
    await run(whole, [watch(rates)]);
    const dir = fresh();
    const first = build(adam);
    await expect(run(first, [sn.callbacks.backupAndRestore({ backupDir: dir, saveFreq: 2 }), crashAtBatch(3, 1)])).rejects.toThrow(/crash/);
    const again = build(adam), resumedRates: number[] = [];
    await run(again, [sn.callbacks.backupAndRestore({ backupDir: dir, saveFreq: 2 }), watch(resumedRates)]);
    expect(rates).toEqual([0.02, 0.01, 0.005, 0.0025, 0.00125]);
    expect(resumedRates).toEqual(rates.slice(3)); // epochs 4 and 5: 0.0025 then 0.00125, not 0.00125 then 0.000625
    expect(sameWeights(again.getWeights(), whole.getWeights())).toBe(true);
    first.dispose(); whole.dispose(); again.dispose();
  });

  it('a mid-epoch backup fitted with another batch size is refused, naming what it had done, and the model is left as it was', async () => {
    const dir = fresh();
    const first = build(adam);
    await expect(fit(first, [sn.callbacks.backupAndRestore({ backupDir: dir, saveFreq: 2 }), crashAtBatch(1, 2)])).rejects.toThrow(/crash/);
    const again = build(adam);
    const before = again.getWeights();
    await expect(again.fit(x, y, { epochs: 6, batchSize: 12, verbose: 0, callbacks: [sn.callbacks.backupAndRestore({ backupDir: dir, saveFreq: 2 })] }))
      .rejects.toThrow('it had done 1 batches (8 samples) of epoch 2, which this data (2 batches of 12 an epoch) cannot continue');
    expect(sameWeights(again.getWeights(), before)).toBe(true);
    expect(again.optimizer!.iterations).toBe(0);
    first.dispose(); again.dispose();
  });

  it('a batch whose loss is NaN is not backed up: fit says so itself, terminateOnNaN stops cleanly, the last good backup stays', async () => {
    const n = 24;
    const bad = sn.tensor(Float32Array.from(x.data, (v, i) => (i >= 16 * 72 ? v * 1e30 : v)), [n, 6, 6, 2]); // the third batch overflows
    const dir = fresh();
    const m = build(() => sn.optimizers.sgd({ learningRate: 0.01 }));
    const run = (callbacks: (sn.Callback | sn.CallbackHooks)[]) => m.fit(bad, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0, callbacks });
    // the overflowing batch's update makes the next batch's loss NaN (epoch 2, batch 1): fit's own message, not a save's
    await expect(run([sn.callbacks.backupAndRestore({ backupDir: dir, saveFreq: 1 })])).rejects.toThrow(/fit: the loss became NaN at epoch 2, batch 1/);
    const kept = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).userDefinedMetadata.simdnet_backup;
    expect(kept.partial).toMatchObject({ epoch: 0, batches: 3 }); // the last batch with a finite loss
    fs.rmSync(dir, { recursive: true, force: true });
    const m2 = build(() => sn.optimizers.sgd({ learningRate: 0.01 }));
    const h = await m2.fit(bad, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0,
      callbacks: [sn.callbacks.terminateOnNaN(), sn.callbacks.backupAndRestore({ backupDir: dir, saveFreq: 1, deleteCheckpoint: false })] });
    expect(h.epoch).toEqual([0, 1]); // stopped in epoch 2 (its logs hold the NaN, as Keras'), cleanly
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).userDefinedMetadata.simdnet_backup.partial).toMatchObject({ epoch: 0, batches: 3 });
    m.dispose(); m2.dispose();
  });
});

describe('backupAndRestore: an interrupted run, fitted again, goes on where it stopped', () => {
  it("a run compiled with 'adamw' goes on when compiled again with adam({ weightDecay: 0.004 }) (the same update; AdamW saves as Adam)", async () => {
    const dir = fresh();
    const first = build(() => sn.optimizers.adamw({ learningRate: 0.01 }));
    await expect(fit(first, [sn.callbacks.backupAndRestore({ backupDir: dir }), crashAt(1)])).rejects.toThrow(/crash after epoch 2/);
    const again = build(() => sn.optimizers.adam({ learningRate: 0.01, weightDecay: 0.004 }));
    const backup = sn.callbacks.backupAndRestore({ backupDir: dir });
    await fit(again, [backup], 3);
    expect(backup.restored).toMatchObject({ epoch: 0 });
    const other = build(() => sn.optimizers.adam({ learningRate: 0.01 }));
    await expect(fit(first, [sn.callbacks.backupAndRestore({ backupDir: dir }), crashAt(1)])).rejects.toThrow(/crash/);
    await expect(fit(other, [sn.callbacks.backupAndRestore({ backupDir: dir })], 3)).rejects.toThrow(/weightDecay: 0.004\), this model is compiled with adam\(beta1/);
    first.dispose(); again.dispose(); other.dispose();
  });

  for (const [name, opt] of [['SGD (Nesterov momentum, warm-up from rate 0)', sgd], ['Adam', adam]] as const) {
    it(`${name}: the same weights and losses as the uninterrupted run, bit for bit; the backup is gone at the end`, async () => {
      const whole = build(opt);
      const h = await fit(whole, []);
      const dir = fresh();

      const first = build(opt);
      await expect(fit(first, [sn.callbacks.backupAndRestore({ backupDir: dir }), crashAt(3)])).rejects.toThrow(/crash after epoch 4/);
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      expect(json.userDefinedMetadata.simdnet_backup).toMatchObject({ epoch: 2, optimizer: { name: opt().name } });
      first.dispose();

      // a new process would build and compile the model as the script does, then fit again
      const again = build(opt);
      const backup = sn.callbacks.backupAndRestore({ backupDir: dir });
      const h2 = await fit(again, [backup]);
      expect(backup.restored).toMatchObject({ epoch: 2, learningRate: 0.025 });
      // the logs of the epochs done before the crash come back with it
      expect(backup.restored!.history.epoch).toEqual([0, 1, 2]);
      expect(backup.restored!.history.history.val_loss).toEqual(h.history.val_loss.slice(0, 3));
      expect(backup.restored!.history.history.accuracy).toEqual(h.history.accuracy.slice(0, 3));
      expect(h2.epoch).toEqual([3, 4, 5]);
      expect(h2.history.loss).toEqual(h.history.loss.slice(3));
      expect(h2.history.val_loss).toEqual(h.history.val_loss.slice(3));
      expect(sameWeights(again.getWeights(), whole.getWeights())).toBe(true);
      expect(fs.existsSync(dir)).toBe(false); // ended normally: deleted
      whole.dispose(); again.dispose();
    });
  }

  it('without a backup, fit starts at initialEpoch and backs up every epoch; deleteCheckpoint: false keeps the last', async () => {
    const dir = fresh();
    const m = build(adam);
    const epochs: number[] = [];
    const backup = sn.callbacks.backupAndRestore({ backupDir: dir, deleteCheckpoint: false });
    const backedUp = () => JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).userDefinedMetadata.simdnet_backup.epoch as number;
    // the backup of epoch e is written after this hook at e, before it at e + 1
    const watch = { onEpochBegin: (e: number) => { if (e > 1) epochs.push(backedUp()); } };
    const h = await m.fit(x, y, { epochs: 4, initialEpoch: 1, batchSize: 8, verbose: 0, callbacks: [backup, watch] });
    epochs.push(backedUp());
    expect(backup.restored).toBeNull();
    expect(h.epoch).toEqual([1, 2, 3]);
    expect(epochs).toEqual([1, 2, 3]);
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    // fitted again: the backup says the run is done, so no epoch runs (Keras: the same)
    const before = m.getWeights();
    const h2 = await m.fit(x, y, { epochs: 4, batchSize: 8, verbose: 0, callbacks: [sn.callbacks.backupAndRestore({ backupDir: dir })] });
    expect(h2.epoch).toEqual([]);
    expect(sameWeights(m.getWeights(), before)).toBe(true);
    expect(fs.existsSync(dir)).toBe(false);
    m.dispose();
  });

  it('the backup is also a model file: sn.loadModel reads it, SGD\'s velocity in its own form included', async () => {
    const dir = fresh();
    const m = build(sgd);
    await fit(m, [sn.callbacks.backupAndRestore({ backupDir: dir, deleteCheckpoint: false })], 3);
    for (const loaded of [await sn.loadModel(dir), await sn.loadModel(await readArtifacts(dir))]) {
      expect(sameWeights(loaded.getWeights(), m.getWeights())).toBe(true);
      const [a, b] = [m, loaded].map((x) => x.optimizerWeights('test', true));
      expect(b.map((e) => e.name)).toEqual(a.map((e) => e.name));
      b.forEach((e, i) => expect(e.data).toEqual(a[i].data));
      expect(a[1].data.some((v) => v !== 0)).toBe(true); // there is momentum to get wrong
      loaded.dispose();
    }
    m.dispose();
  });

  it('the checkpoint catches up on the epochs done: its best is theirs, so a worse resumed epoch does not replace the model', async () => {
    const dir = fresh(), out = fresh();
    const first = build(sgd);
    const ckpt = () => sn.callbacks.modelCheckpoint({ filepath: out, monitor: 'val_loss', saveBestOnly: true });
    await expect(fit(first, [ckpt(), sn.callbacks.backupAndRestore({ backupDir: dir }), crashAt(3)])).rejects.toThrow(/crash/);
    const done = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).userDefinedMetadata.simdnet_backup.history.history.val_loss as number[];
    first.dispose();
    const again = build(sgd);
    const c = ckpt();
    let bestAtStart = NaN;
    await fit(again, [c, sn.callbacks.backupAndRestore({ backupDir: dir }), { onEpochBegin: (e) => { if (e === 3) bestAtStart = c.best; } }]);
    expect(done).toHaveLength(3);
    expect(bestAtStart).toBe(Math.min(...done));
    again.dispose();
  });

  it('a backup set aside and restored is gone once the run goes on: a later fresh run starts at epoch 1 (even under this pid)', async () => {
    const dir = fresh();
    const a = build(adam);
    await fit(a, [sn.callbacks.backupAndRestore({ backupDir: dir, deleteCheckpoint: false })], 2);
    // what a kill between a replacement's two renames leaves, named as this very process (a pid reused: PID 1 in a container)
    fs.renameSync(dir, `${dir}.replaced-${process.pid}-${Date.now().toString(36)}-abcdef`);
    const b = build(adam);
    expect((await fit(b, [sn.callbacks.backupAndRestore({ backupDir: dir })], 4)).epoch).toEqual([2, 3]);
    expect(fs.readdirSync(path.dirname(dir)).filter((n) => n.startsWith(path.basename(dir)))).toEqual([]);
    const c = build(adam);
    expect((await fit(c, [sn.callbacks.backupAndRestore({ backupDir: dir })], 3)).epoch).toEqual([0, 1, 2]);
    for (const m of [a, b, c]) m.dispose();
  });

  it('earlyStopping and reduceLROnPlateau catch up on the epochs done: the resumed run reduces the rate and stops where the uninterrupted one did', async () => {
    // validation labels flipped: the better the model learns, the worse val_loss gets — the rate is cut, then training stops
    const yFlipped = sn.utils.toCategorical(Int32Array.from({ length: N }, (_, i) => ((i * 7) % 3 + 1) % 3), 3);
    const callbacks = () => [sn.callbacks.reduceLROnPlateau({ patience: 1, factor: 0.5 }), sn.callbacks.earlyStopping({ patience: 4 })];
    const run = (m: sn.Sequential, extra: (sn.Callback | sn.CallbackHooks)[]) =>
      m.fit(x, y, { epochs: 12, batchSize: 8, shuffle: true, seed: 21, verbose: 0, validationData: [x, yFlipped], callbacks: [...callbacks(), ...extra] });
    const whole = build(sgd);
    const h = await run(whole, []);
    expect(h.epoch.length).toBeLessThan(12); // it stopped early
    expect(new Set(h.history.lr).size).toBeGreaterThan(2); // and cut the rate more than once
    const dir = fresh();
    const first = build(sgd);
    await expect(run(first, [sn.callbacks.backupAndRestore({ backupDir: dir }), { onEpochBegin: (e: number) => { if (e === 3) throw new Error('killed'); } }])).rejects.toThrow('killed');
    const again = build(sgd);
    const h2 = await run(again, [sn.callbacks.backupAndRestore({ backupDir: dir })]);
    expect(h2.epoch).toEqual(h.epoch.slice(3));
    expect(h2.history.lr).toEqual(h.history.lr.slice(3));
    expect(h2.history.loss).toEqual(h.history.loss.slice(3));
    expect(sameWeights(again.getWeights(), whole.getWeights())).toBe(true);
    // a run that had stopped early and kept its backup (deleteCheckpoint: false, or killed before deleting it) is done
    const kept = fresh();
    const stopped = build(sgd);
    const h3 = await run(stopped, [sn.callbacks.backupAndRestore({ backupDir: kept, deleteCheckpoint: false })]);
    expect(h3.epoch).toEqual(h.epoch);
    const rerun = build(sgd);
    const h4 = await run(rerun, [sn.callbacks.backupAndRestore({ backupDir: kept })]);
    expect(h4.epoch).toEqual([]);
    expect(sameWeights(rerun.getWeights(), whole.getWeights())).toBe(true);
    for (const m of [whole, first, again, stopped, rerun]) m.dispose();
  });

  it('a backup\'s logs without the epochs of each key: a key logged every epoch counts, one that skipped epochs is left out', () => {
    expect(doneLogs({ epoch: [0, 1, 2], history: { loss: [3, 2, 1], val_loss: [5, 4] } })).toEqual([
      { epoch: 0, logs: { loss: 3 } }, { epoch: 1, logs: { loss: 2 } }, { epoch: 2, logs: { loss: 1 } }]);
    expect(doneLogs({ epoch: [0, 1, 2], history: { loss: [3, 2, 1], val_loss: [5, 4] }, epochsOf: { loss: [0, 1, 2], val_loss: [1, 2] } })[2].logs)
      .toEqual({ loss: 1, val_loss: 4 });
  });

  it('ends an epoch after the other callbacks, wherever it is listed: an epoch\'s backup records what they did', async () => {
    const dir = fresh();
    const m = build(adam);
    const seen: number[] = [];
    const backedUp = () => (fs.existsSync(path.join(dir, 'model.json')) ? JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).userDefinedMetadata.simdnet_backup.epoch : -1);
    await fit(m, [sn.callbacks.backupAndRestore({ backupDir: dir }), { onEpochEnd: () => { seen.push(backedUp()); } }], 3);
    expect(seen).toEqual([-1, 0, 1]); // a hook listed after it still runs before it
    m.dispose();
  });

  it('a run killed while its backup was being replaced restores the backup set aside', async () => {
    const dir = fresh();
    let release = () => {};
    let asides = 0;
    saveHooks.afterStep = (step) => {
      if (step !== 'aside' || ++asides !== 2) return;
      return new Promise<void>((resolve) => { release = resolve; }); // the second replacement stops between its renames
    };
    const m = build(adam);
    const epochWeights: sn.Tensor[][] = [];
    const running = fit(m, [{ onEpochEnd: () => { epochWeights.push(m.getWeights()); } }, sn.callbacks.backupAndRestore({ backupDir: dir })], 4);
    try {
      while (asides < 2) await new Promise((r) => setTimeout(r, 1));
      expect(fs.existsSync(dir)).toBe(false); // what a kill here leaves: no folder, the previous backup beside it
      const other = build(adam);
      const state = await restoreBackup(other, dir, 'test');
      expect(state?.epoch).toBe(1); // the backup of epoch 2 (0-based 1) was set aside while epoch 3's went in
      expect(sameWeights(other.getWeights(), epochWeights[1])).toBe(true);
      other.dispose();
    } finally {
      release();
      saveHooks.afterStep = undefined;
    }
    await running;
    m.dispose();
  });
});

describe('backupAndRestore: a folder that is not this run\'s backup is refused, and nothing changes', () => {
  async function backupOf(model: sn.Sequential): Promise<string> {
    const dir = fresh();
    await fit(model, [sn.callbacks.backupAndRestore({ backupDir: dir, deleteCheckpoint: false })], 1);
    model.dispose();
    return dir;
  }
  const refused = async (dir: string, m: sn.Sequential, re: RegExp) => {
    const before = m.getWeights();
    const list = () => (fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? fs.readdirSync(dir).sort() : []);
    const files = list();
    await expect(fit(m, [sn.callbacks.backupAndRestore({ backupDir: dir })])).rejects.toThrow(re);
    expect(sameWeights(m.getWeights(), before)).toBe(true);
    expect(m.optimizer!.iterations).toBe(0);
    expect(list()).toEqual(files);
    m.dispose();
  };

  it('a backup of another model (other shapes) names the weight that differs', async () => {
    const dir = await backupOf(build(adam, 4));
    await refused(dir, build(adam, 5), /backupAndRestore: the backup in .* is of another model: weight 1 \(.*\) has shape \[3,3,2,4\], this model's \[3,3,2,5\]; delete it to start training afresh/);
  });

  it('a backup made with another optimizer, or other settings of it', async () => {
    const dir = await backupOf(build(adam));
    await refused(dir, build(sgd), /backupAndRestore: the backup in .* was trained with adam\(.*\), this model is compiled with sgd\(momentum: 0.9, useNesterov: true\)/);
    const nesterov = await backupOf(build(sgd));
    await refused(nesterov, build(() => sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9 })),
      /was trained with sgd\(momentum: 0.9, useNesterov: true\), this model is compiled with sgd\(momentum: 0.9, useNesterov: false\)/);
  });

  it('an optimizer state that does not fit (a damaged entry) puts the weights back', async () => {
    const dir = await backupOf(build(adam));
    const file = path.join(dir, 'model.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    const entry = json.weightsManifest[0].weights.find((w: { group?: string; name: string }) => w.group === 'optimizer' && w.name.endsWith('/m'));
    entry.name = entry.name.replace(/\/m$/, '/q');
    fs.writeFileSync(file, JSON.stringify(json));
    await refused(dir, build(adam), /optimizer state entry 1 is .*\/q of shape/);
  });

  it('a folder modelCheckpoint writes to too: refused at the first backup, the checkpoint\'s model kept', async () => {
    const dir = fresh();
    const m = build(adam);
    await expect(fit(m, [sn.callbacks.modelCheckpoint({ filepath: dir }), sn.callbacks.backupAndRestore({ backupDir: dir })]))
      .rejects.toThrow(/backupAndRestore: .* holds a saved model that is not this run's backup \(is it modelCheckpoint's filepath too\?\); give backupAndRestore a folder of its own: nothing was written/);
    const kept = await sn.loadModel(dir);
    expect(sameWeights(kept.getWeights(), m.getWeights())).toBe(true);
    kept.dispose(); m.dispose();
  });

  it('a saved model, a folder of other files, a file, a damaged backup', async () => {
    const saved = fresh();
    const m = build(adam);
    await m.save(saved);
    await refused(saved, m, /holds a saved model, not a training backup \(its model.json has no simdnet_backup entry\)/);
    const other = fresh();
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'notes.txt'), 'mine');
    await refused(other, build(adam), /backupAndRestore: .* holds files but no backup \(notes.txt\)/);
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, 'x');
    await refused(file, build(adam), /backupAndRestore: backupDir .* is a file, not a folder/);
    const cut = await backupOf(build(adam));
    fs.truncateSync(path.join(cut, 'weights.bin'), 100);
    await refused(cut, build(adam), /weights.bin holds 100 bytes but .* lists \d+/);
  });

  it('an empty folder is no backup: training starts afresh', async () => {
    const dir = fresh();
    fs.mkdirSync(dir);
    const m = build(adam);
    const h = await fit(m, [sn.callbacks.backupAndRestore({ backupDir: dir })], 2);
    expect(h.epoch).toEqual([0, 1]);
    m.dispose();
  });

  it('bad arguments name themselves', () => {
    expect(() => sn.callbacks.backupAndRestore({ backupDir: '' })).toThrow(/backupAndRestore: backupDir must be a non-empty folder path, got ""/);
    expect(() => sn.callbacks.backupAndRestore({ backupDir: 'b', saveFreq: 2.5 })).toThrow(/saveFreq must be 'epoch' or a number of batches >= 1, got 2.5/);
    expect(() => sn.callbacks.backupAndRestore({ backupDir: 'b', backup_dir: 'c' } as never)).toThrow(/backupAndRestore.*backup_dir/);
    expect(() => sn.callbacks.backupAndRestore(undefined as never)).toThrow(/expected \{ backupDir/);
  });
});
