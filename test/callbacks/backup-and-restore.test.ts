// BackupAndRestore (Keras semantics): a backup of weights, optimizer state and epoch after every epoch; a fit
// that finds one goes on from the next epoch, as the uninterrupted run would have; a normal end deletes it.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { sameWeights, tempDir } from './fixtures.js';
import { randomArray } from '../helpers.js';

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
  m.compile({ optimizer: optimizer(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

// the lab's optimizer with a warm-up from learning rate 0 (which tfjs' momentum form cannot hold) and steps down
const sgd = () => sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true });
const adam = () => sn.optimizers.adam({ learningRate: 0.01 });
const schedule = () => sn.callbacks.learningRateScheduler((epoch) => (epoch === 0 ? 0 : 0.05 * 0.5 ** Math.floor(epoch / 2)));

/** A callback that kills the run at the end of epoch `at` (after the callbacks before it ran). */
const crashAt = (at: number): sn.CallbackHooks => ({ onEpochEnd: (e) => { if (e === at) throw new Error(`crash after epoch ${at + 1}`); } });

const fit = (m: sn.Sequential, callbacks: (sn.Callback | sn.CallbackHooks)[], epochs = 6) =>
  m.fit(x, y, { epochs, batchSize: 8, shuffle: true, seed: 21, verbose: 0, validationData: [x, y], callbacks: [schedule(), ...callbacks] });

describe('backupAndRestore: an interrupted run, fitted again, goes on where it stopped', () => {
  for (const [name, opt] of [['SGD (Nesterov momentum, warm-up from rate 0)', sgd], ['Adam', adam]] as const) {
    it(`${name}: the same weights and losses as the uninterrupted run, bit for bit; the backup is gone at the end`, async () => {
      const whole = build(opt);
      const h = await fit(whole, []);
      const dir = fresh();

      const first = build(opt);
      await expect(fit(first, [sn.callbacks.backupAndRestore({ backupDir: dir }), crashAt(2)])).rejects.toThrow(/crash after epoch 3/);
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      expect(json.userDefinedMetadata.simdnet_backup).toMatchObject({ epoch: 2, optimizer: opt().toConfig().class_name });
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
    const watch = { onEpochEnd: (e: number) => { epochs.push(JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).userDefinedMetadata.simdnet_backup.epoch); expect(e).toBe(epochs.at(-1)); } };
    const h = await m.fit(x, y, { epochs: 4, initialEpoch: 1, batchSize: 8, verbose: 0, callbacks: [backup, watch] });
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

  it('the backup is also a model file: sn.loadModel reads it (with its optimizer state left out of tfjs\' form)', async () => {
    const dir = fresh();
    const m = build(adam);
    await fit(m, [sn.callbacks.backupAndRestore({ backupDir: dir, deleteCheckpoint: false })], 2);
    const loaded = await sn.loadModel(dir);
    expect(sameWeights(loaded.getWeights(), m.getWeights())).toBe(true);
    m.dispose(); loaded.dispose();
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

  it('a backup made with another optimizer', async () => {
    const dir = await backupOf(build(adam));
    await refused(dir, build(sgd), /backupAndRestore: the backup in .* was trained with Adam, this model is compiled with Momentum/);
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
    expect(() => sn.callbacks.backupAndRestore({ backupDir: 'b', saveFreq: 10 as unknown as 'epoch' })).toThrow(/only saveFreq 'epoch' is supported, got 10/);
    expect(() => sn.callbacks.backupAndRestore({ backupDir: 'b', backup_dir: 'c' } as never)).toThrow(/backupAndRestore.*backup_dir/);
    expect(() => sn.callbacks.backupAndRestore(undefined as never)).toThrow(/expected \{ backupDir/);
  });
});
