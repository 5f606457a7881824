// Custom callbacks passed to fit(): hook objects (tfjs' CustomCallbackArgs) and Callback subclasses, run in
// list order, every hook awaited before fit goes on; unknown hook names are rejected. Also the History
// fit() returns and model.stopTraining.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { Callback, CallbackList, toCallback, type Logs } from '../../src/engine/callback.js';
import { sameWeights, tinyData, tinyModel } from './fixtures.js';

const VALID = 'onTrainBegin, onTrainEnd, onEpochBegin, onEpochEnd, onBatchBegin, onBatchEnd';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('hook objects passed to fit', () => {
  it('an unknown hook name makes fit reject with a message listing the valid hooks, before any training', async () => {
    const { x, y } = tinyData(8, 1);
    const m = tinyModel();
    const w0 = m.getWeights();
    let began = 0;
    await expect(m.fit(x, y, {
      epochs: 2, batchSize: 4, verbose: 0,
      callbacks: [{ onTrainBegin: () => { began++; } }, { onEpochEnd: () => {}, onEpochFinish: () => {} } as never],
    })).rejects.toThrow(`fit: callbacks[1] has unknown hook(s) onEpochFinish; valid: ${VALID}`);
    expect(began).toBe(0);
    expect(sameWeights(m.getWeights(), w0)).toBe(true);
  });

  it('lists every unknown name (e.g. Keras snake_case hooks, tfjs onYield)', () => {
    expect(() => toCallback({ on_epoch_end: () => {}, onYield: () => {}, onBatchEnd: () => {} } as never, 0))
      .toThrow(`fit: callbacks[0] has unknown hook(s) on_epoch_end, onYield; valid: ${VALID}`);
  });

  it('rejects things that are neither a Callback nor a hook object', async () => {
    const { x, y } = tinyData(8, 1);
    await expect(tinyModel().fit(x, y, { epochs: 1, verbose: 0, callbacks: [42 as never] }))
      .rejects.toThrow('fit: callbacks[0] must be a Callback or an object of hooks, got number');
    expect(() => toCallback((() => {}) as never, 2)).toThrow('fit: callbacks[2] must be a Callback or an object of hooks, got function');
  });

  it('async hooks are awaited in order: each hook finishes before the next hook or batch starts', async () => {
    const { x, y } = tinyData(8, 1);
    const m = tinyModel();
    const ev: string[] = [];
    const slow = (name: string, ms: number) => ({
      onTrainBegin: async () => { ev.push(`${name}:trainBegin>`); await sleep(ms); ev.push(`${name}:trainBegin<`); },
      onEpochBegin: async (e: number) => { ev.push(`${name}:epochBegin${e}>`); await sleep(ms); ev.push(`${name}:epochBegin${e}<`); },
      onBatchEnd: async (b: number) => { ev.push(`${name}:batchEnd${b}>`); await sleep(ms); ev.push(`${name}:batchEnd${b}<`); },
      onEpochEnd: async (e: number) => { ev.push(`${name}:epochEnd${e}>`); await sleep(ms); ev.push(`${name}:epochEnd${e}<`); },
      onTrainEnd: async () => { ev.push(`${name}:trainEnd>`); await sleep(ms); ev.push(`${name}:trainEnd<`); },
    });
    class Sync extends Callback {
      onBatchBegin(b: number) { ev.push(`sync:batchBegin${b}`); }
      onEpochEnd(e: number) { ev.push(`sync:epochEnd${e}`); }
    }
    // a: slow, b: fast; if hooks were not awaited, b's events would overtake a's
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [slow('a', 15), slow('b', 1), new Sync()] });
    const epoch = (e: number) => [
      `a:epochBegin${e}>`, `a:epochBegin${e}<`, `b:epochBegin${e}>`, `b:epochBegin${e}<`,
      'sync:batchBegin0', 'a:batchEnd0>', 'a:batchEnd0<', 'b:batchEnd0>', 'b:batchEnd0<',
      'sync:batchBegin1', 'a:batchEnd1>', 'a:batchEnd1<', 'b:batchEnd1>', 'b:batchEnd1<',
      `a:epochEnd${e}>`, `a:epochEnd${e}<`, `b:epochEnd${e}>`, `b:epochEnd${e}<`, `sync:epochEnd${e}`,
    ];
    expect(ev).toEqual([
      'a:trainBegin>', 'a:trainBegin<', 'b:trainBegin>', 'b:trainBegin<',
      ...epoch(0), ...epoch(1),
      'a:trainEnd>', 'a:trainEnd<', 'b:trainEnd>', 'b:trainEnd<',
    ]);
  });

  it('an async hook can stop training: the awaited result is honoured before the next epoch', async () => {
    const { x, y } = tinyData(8, 1);
    const m = tinyModel();
    const h = await m.fit(x, y, {
      epochs: 10, batchSize: 4, verbose: 0,
      callbacks: [{ onEpochEnd: async (e) => { await sleep(5); if (e === 2) m.stopTraining = true; } }],
    });
    expect(h.epoch).toEqual([0, 1, 2]);
  });

  it('stopTraining set in onBatchEnd ends the epoch after that batch; epoch end and train end still run', async () => {
    const { x, y } = tinyData(8, 1);
    const m = tinyModel();
    const ev: string[] = [];
    const h = await m.fit(x, y, {
      epochs: 3, batchSize: 2, verbose: 0,
      callbacks: [{
        onBatchEnd: (b) => { ev.push(`b${b}`); if (b === 1) m.stopTraining = true; },
        onEpochEnd: (e, logs) => { ev.push(`e${e}`); expect(Number.isFinite(logs!.loss)).toBe(true); },
        onTrainEnd: () => { ev.push('end'); },
      }],
    });
    expect(ev).toEqual(['b0', 'b1', 'e0', 'end']);
    expect(h.epoch).toEqual([0]);
    // stopTraining is cleared by the next fit
    const h2 = await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    expect(h2.epoch).toEqual([0, 1]);
  });

  it('a hook that throws (or rejects) makes fit reject with its error', async () => {
    const { x, y } = tinyData(8, 1);
    await expect(tinyModel().fit(x, y, { epochs: 2, verbose: 0, callbacks: [{ onEpochEnd: () => { throw new Error('boom'); } }] }))
      .rejects.toThrow('boom');
    await expect(tinyModel().fit(x, y, { epochs: 2, verbose: 0, callbacks: [{ onBatchBegin: async () => { await sleep(1); throw new Error('async boom'); } }] }))
      .rejects.toThrow('async boom');
  });

  it('hooks get Keras-shaped logs, and Callback subclasses get the model and the params', async () => {
    const { x, y } = tinyData(10, 1);
    const m = tinyModel();
    const seen: { batch: Logs[]; epoch: Logs[]; end?: Logs } = { batch: [], epoch: [] };
    class Spy extends Callback {
      onTrainBegin() {
        expect(this.model).toBe(m);
        const { validates, progress, ...rest } = this.params;
        expect(progress).toMatchObject({ batches: 0, seen: 0 }); // fit's running sums of the epoch in progress: none yet
        expect(rest).toEqual({ epochs: 2, steps: 3, samples: 10, batchSize: 4, verbose: 0, metrics: ['accuracy'], doValidation: true });
        expect(validates?.(0)).toBe(true); // every epoch: no validationFreq
      }
      onBatchEnd(_b: number, logs?: Logs) { seen.batch.push({ ...logs }); }
      onEpochEnd(_e: number, logs?: Logs) { seen.epoch.push({ ...logs }); }
      onTrainEnd(logs?: Logs) { seen.end = { ...logs }; }
    }
    const h = await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, validationData: [x, y], callbacks: [new Spy()] });
    expect(seen.batch.map((l) => Object.keys(l))).toEqual(Array(6).fill(['batch', 'size', 'loss', 'accuracy']));
    expect(seen.batch.map((l) => [l.batch, l.size])).toEqual([[0, 4], [1, 4], [2, 2], [0, 4], [1, 4], [2, 2]]);
    expect(seen.epoch.map((l) => Object.keys(l))).toEqual(Array(2).fill(['loss', 'accuracy', 'val_loss', 'val_accuracy']));
    // a batch's logs: the epoch's running means so far (Keras'), so the epoch's last batch logs the epoch's loss
    expect(seen.batch[2].loss).toBe(seen.epoch[0].loss);
    expect(seen.batch[5].accuracy).toBe(seen.epoch[1].accuracy);
    expect(seen.end).toEqual(seen.epoch[1]); // onTrainEnd gets the last epoch's logs, as Keras'
    expect(h.history).toEqual({
      loss: seen.epoch.map((l) => l.loss), accuracy: seen.epoch.map((l) => l.accuracy),
      val_loss: seen.epoch.map((l) => l.val_loss), val_accuracy: seen.epoch.map((l) => l.val_accuracy),
    });
  });

  it('CallbackList.call awaits each callback in turn', async () => {
    const ev: string[] = [];
    const list = new CallbackList([
      toCallback({ onEpochEnd: async (e) => { await sleep(10); ev.push(`first ${e}`); } }, 0),
      toCallback({ onEpochEnd: (e, logs) => { ev.push(`second ${e} ${logs!.loss}`); } }, 1),
    ]);
    await list.call('onEpochEnd', 3, { loss: 0.5 });
    expect(ev).toEqual(['first 3', 'second 3 0.5']);
  });
});

describe('History', () => {
  it('holds the epoch numbers (from initialEpoch) and per-key lists; a new fit starts a new History', async () => {
    const { x, y } = tinyData(8, 1);
    const m = tinyModel();
    const h1 = await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    const h2 = await m.fit(x, y, { epochs: 5, initialEpoch: 2, batchSize: 4, verbose: 0, validationData: [x, y] });
    expect(h1.epoch).toEqual([0, 1]);
    expect(Object.keys(h1.history).sort()).toEqual(['accuracy', 'loss']);
    expect(h2.epoch).toEqual([2, 3, 4]);
    expect(Object.keys(h2.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(h2.history.loss).toHaveLength(3);
    expect(h2).toBeInstanceOf(sn.History);
  });

  it('epochs 0 (or initialEpoch >= epochs) runs no epoch but still calls train begin / end', async () => {
    const { x, y } = tinyData(8, 1);
    const ev: string[] = [];
    const hooks = { onTrainBegin: () => { ev.push('begin'); }, onEpochBegin: () => { ev.push('epoch'); }, onTrainEnd: () => { ev.push('end'); } };
    const h = await tinyModel().fit(x, y, { epochs: 0, verbose: 0, callbacks: [hooks] });
    expect(h.epoch).toEqual([]);
    expect(h.history).toEqual({});
    await tinyModel().fit(x, y, { epochs: 2, initialEpoch: 2, verbose: 0, callbacks: [hooks] });
    expect(ev).toEqual(['begin', 'end', 'begin', 'end']);
  });
});
