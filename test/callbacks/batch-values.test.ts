// BatchValues recovers each batch's own loss and metrics from Keras' batch logs (the epoch's running averages).
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { tinyData, tinyModel } from './fixtures.js';

const rows = (t: sn.Tensor, from: number, count: number) => {
  const per = t.size / t.shape[0];
  return sn.tensor(t.data.slice(from * per, (from + count) * per), [count, ...t.shape.slice(1)]);
};

describe('BatchValues', () => {
  it('inverts running averages weighted by batch size, and starts again at reset()', () => {
    const own = new sn.callbacks.BatchValues();
    // own losses 1, 2, 4 over batches of 4, 4, 2 samples: running 1, 1.5, (4 + 8 + 8) / 10
    const got = [{ batch: 0, size: 4, loss: 1 }, { batch: 1, size: 4, loss: 1.5 }, { batch: 2, size: 2, loss: 2 }].map((l) => own.of(l));
    expect(got.map((l) => l.loss)).toEqual([1, 2, 4]);
    expect(got.map((l) => l.size)).toEqual([4, 4, 2]);
    own.reset();
    expect(own.of({ batch: 0, size: 3, loss: 0.5 }).loss).toBe(0.5);
    expect(() => own.of({ batch: 0, loss: 1 })).toThrow(/BatchValues.of: the logs hold no batch size \(undefined\)/);
  });

  it("a fit's batch logs give back each batch's own loss and accuracy, as evaluating it with the weights it started from", async () => {
    const { x, y } = tinyData(10, 3);
    const m = tinyModel();
    const own = new sn.callbacks.BatchValues();
    const before: sn.Tensor[][] = [], running: number[] = [], recovered: { loss: number; accuracy: number }[] = [];
    await m.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0, callbacks: [{
      onEpochBegin: () => { own.reset(); },
      onBatchBegin: () => { before.push(m.getWeights()); },
      onBatchEnd: (_b, logs) => { running.push(logs!.loss); const b = own.of(logs!); recovered.push({ loss: b.loss, accuracy: b.accuracy }); },
    }] });
    expect(recovered).toHaveLength(6); // 3 batches (4, 4, 2 samples) in each of 2 epochs
    const judge = tinyModel();
    for (let i = 0; i < 6; i++) {
      const b = i % 3, count = b === 2 ? 2 : 4;
      judge.setWeights(before[i]);
      const e = await judge.evaluate(rows(x, b * 4, count), rows(y, b * 4, count), { batchSize: count });
      expect(recovered[i].loss, `batch ${i}`).toBeCloseTo(e.loss, 5);
      expect(recovered[i].accuracy, `batch ${i}`).toBeCloseTo(e.accuracy!, 6);
    }
    // the logs themselves are running averages: the second batch's differs from its own loss
    expect(Math.abs(running[1] - recovered[1].loss)).toBeGreaterThan(1e-4);
  });
});
