// EarlyStopping (Keras 3 semantics): wait counts epochs since the last improvement of `monitor` (by more
// than minDelta, beating `baseline` too when one is given); training stops at the end of the first epoch > 0
// that does not improve and has wait >= patience (an improving epoch never stops: TensorFlow.js does the
// same; tf.keras 2.x did not, keras-team/keras#16393); restoreBestWeights puts back the best epoch's weights
// when training ends, stopped or not; epochs before startFromEpoch are not looked at.
import { describe, expect, it, vi } from 'vitest';
import * as sn from '../../src/index.js';
import type { EarlyStoppingArgs } from '../../src/callbacks/early-stopping.js';
import { flipped, sameWeights, script, tinyData, tinyModel } from './fixtures.js';

/**
 * Drives an EarlyStopping by hand the way fit() does: onTrainBegin, then onEpochEnd(e, { [monitor]: v })
 * until it sets model.stopTraining. Returns the epoch it stopped at (-1: ran through).
 */
function drive(args: EarlyStoppingArgs, values: number[]) {
  const m = tinyModel();
  const es = sn.callbacks.earlyStopping(args);
  es.setModel(m);
  es.onTrainBegin();
  m.stopTraining = false;
  let stopped = -1;
  const waits: number[] = [];
  for (const [e, v] of values.entries()) {
    es.onEpochEnd(e, { loss: 1, [es.monitor]: v });
    waits.push(es.wait);
    if (m.stopTraining) { stopped = e; break; }
  }
  return { stopped, waits, es };
}

describe('earlyStopping on scripted sequences (expected epochs worked out by hand from the Keras algorithm)', () => {
  it('patience 2, val_loss: stops at epoch 3, two epochs after the best (epoch 1)', () => {
    //                                        e0 best  e1 best  e2 w1  e3 w2 → stop
    const r = drive({ patience: 2 }, [1.0, 0.9, 0.95, 0.92, 0.8, 0.7]);
    expect(r.stopped).toBe(3);
    expect(r.waits).toEqual([0, 0, 1, 2]);
    expect(r.es.stoppedEpoch).toBe(3);
    expect(r.es.bestEpoch).toBe(1);
    expect(r.es.best).toBe(0.9);
  });

  it('patience 3: an improvement resets the wait', () => {
    // e0 best 0.5 | e1 w1 | e2 best 0.4 | e3 w1 | e4 w2 (0.41 > 0.4) | e5 best 0.39 | e6 w1 | e7 w2 | e8 w3 → stop
    const r = drive({ patience: 3 }, [0.5, 0.6, 0.4, 0.45, 0.41, 0.39, 0.5, 0.5, 0.5, 0.3]);
    expect(r.stopped).toBe(8);
    expect(r.waits).toEqual([0, 1, 0, 1, 2, 0, 1, 2, 3]);
    expect(r.es.bestEpoch).toBe(5);
  });

  it('an equal value is no improvement', () => {
    expect(drive({ patience: 1 }, [0.5, 0.5, 0.4]).stopped).toBe(1);
  });

  it('minDelta: improvements smaller than minDelta count as no improvement', () => {
    const values = [1.0, 0.97, 0.96, 0.9, 0.89, 0.88, 0.86, 0.85];
    // without minDelta every epoch improves: it never stops
    expect(drive({ patience: 3 }, values).stopped).toBe(-1);
    // minDelta 0.05: e0 best 1.0 | e1 0.97 ≥ 0.95: w1 | e2 w2 | e3 0.9 < 0.95: best, w0 | e4 0.89 ≥ 0.85: w1 | e5 w2 | e6 w3 → stop
    const r = drive({ patience: 3, minDelta: 0.05 }, values);
    expect(r.stopped).toBe(6);
    expect(r.waits).toEqual([0, 1, 2, 0, 1, 2, 3]);
    expect(r.es.bestEpoch).toBe(3);
    // Keras takes abs(min_delta)
    expect(drive({ patience: 3, minDelta: -0.05 }, values).stopped).toBe(6);
  });

  it('baseline: improving epochs that do not beat the baseline do not reset the wait (but do not stop)', () => {
    // baseline 0.5, patience 2: every epoch is a best that does not beat 0.5: the wait grows, nothing stops
    const r = drive({ patience: 2, baseline: 0.5 }, [0.9, 0.8, 0.7, 0.6]);
    expect(r.stopped).toBe(-1);
    expect(r.waits).toEqual([1, 2, 3, 4]);
    expect(r.es.bestEpoch).toBe(3);
    // e0 best, w1 | e1 best, w2 | e2 0.85 no improvement, w3 >= 2 → stop
    expect(drive({ patience: 2, baseline: 0.5 }, [0.9, 0.8, 0.85, 0.7]).stopped).toBe(2);
    // e0 w1 | e1 0.45 beats best and baseline: w0 | e2 w1 | e3 0.46 w2 → stop
    expect(drive({ patience: 2, baseline: 0.5 }, [0.9, 0.45, 0.5, 0.46, 0.44, 0.6]).stopped).toBe(3);
  });

  it('baseline in max mode (val_accuracy): must rise above the baseline', () => {
    // baseline 0.8, patience 2: e0 0.5 w1 | e1 0.85 > 0.8: w0 | e2 0.9 w0 | e3 0.85 w1 | e4 0.9 w2 → stop
    const r = drive({ monitor: 'val_accuracy', patience: 2, baseline: 0.8 }, [0.5, 0.85, 0.9, 0.85, 0.9, 0.95]);
    expect(r.es.mode).toBe('max');
    expect(r.stopped).toBe(4);
    expect(r.waits).toEqual([1, 0, 0, 1, 2]);
  });

  it("mode auto is 'max' for val_accuracy: stops two epochs after the highest value", () => {
    // e0 best | e1 best 0.6 | e2 0.6 w1 | e3 0.55 w2 → stop
    const r = drive({ monitor: 'val_accuracy', patience: 2 }, [0.5, 0.6, 0.6, 0.55, 0.7]);
    expect(r.es.mode).toBe('max');
    expect(r.stopped).toBe(3);
    expect(r.es.best).toBe(0.6);
  });

  it("explicit modes: 'max' on loss stops when loss keeps falling; 'min' on accuracy when accuracy keeps rising", () => {
    expect(drive({ monitor: 'loss', mode: 'max', patience: 2 }, [1, 0.9, 0.8, 0.7]).stopped).toBe(2);
    expect(drive({ monitor: 'loss', mode: 'min', patience: 2 }, [1, 0.9, 0.8, 0.7]).stopped).toBe(-1);
    expect(drive({ monitor: 'accuracy', mode: 'min', patience: 1 }, [0.5, 0.6, 0.7]).stopped).toBe(1);
    expect(() => sn.callbacks.earlyStopping({ mode: 'up' as 'max' })).toThrow(`earlyStopping: mode must be 'auto', 'min' or 'max', got "up"`);
  });

  it('with a baseline it misses the wait counts from epoch 0; the first epoch that does not improve stops', () => {
    const r = drive({ patience: 1, baseline: 0.1 }, [0.9, 0.95]);
    expect(r.waits).toEqual([1, 2]);
    expect(r.stopped).toBe(1);
  });

  it('patience 0 (the default): an improving epoch never stops, the first that does not improve does (Keras 3, tfjs; not tf.keras 2.x: keras-team/keras#16393)', () => {
    const r = drive({}, [1.0, 0.9, 0.8]);
    expect(r.es.patience).toBe(0);
    expect(r.stopped).toBe(-1);
    expect(drive({}, [1.0, 0.9, 0.95, 0.8]).stopped).toBe(2);
  });

  it('startFromEpoch: the epochs before it are not looked at', () => {
    // e0, e1 ignored (0.5 would be the best) | e2 0.7 best | e3 0.8 w1 → stop
    const r = drive({ patience: 1, startFromEpoch: 2 }, [0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(r.stopped).toBe(3);
    expect(r.waits).toEqual([0, 0, 0, 1]);
    expect(r.es.bestEpoch).toBe(2);
    expect(() => sn.callbacks.earlyStopping({ startFromEpoch: -1 })).toThrow('earlyStopping: startFromEpoch must be a non-negative integer, got -1');
  });

  it('a missing monitored quantity warns and never stops', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const m = tinyModel();
      const es = sn.callbacks.earlyStopping({ patience: 1 });
      es.setModel(m);
      es.onTrainBegin();
      for (let e = 0; e < 4; e++) es.onEpochEnd(e, { loss: 1 });
      expect(m.stopTraining).toBe(false);
      expect(warn).toHaveBeenCalledWith("earlyStopping: monitored quantity 'val_loss' is not available; available: loss");
    } finally {
      warn.mockRestore();
    }
  });

  it('checks patience', () => {
    expect(() => sn.callbacks.earlyStopping({ patience: -1 })).toThrow('earlyStopping: patience must be a non-negative integer, got -1');
    expect(() => sn.callbacks.earlyStopping({ patience: 1.5 })).toThrow('earlyStopping: patience must be a non-negative integer, got 1.5');
  });
});

/**
 * fit() with a scripted val_loss and an EarlyStopping, recording each epoch's own weights (the recorder runs
 * before earlyStopping, so a restore at the end is not in them).
 */
async function fitScripted(es: ReturnType<typeof sn.callbacks.earlyStopping>, valLoss: number[], epochs: number) {
  const { x, y } = tinyData(8, 2);
  const m = tinyModel();
  const atEnd: sn.Tensor[][] = [];
  const h = await m.fit(x, y, {
    epochs, batchSize: 4, verbose: 0, validationData: [x, y],
    callbacks: [{ onEpochEnd: () => { atEnd.push(m.getWeights()); } }, script('val_loss', valLoss), es],
  });
  return { m, h, atEnd, x };
}

describe('earlyStopping in fit', () => {
  it('stops fit at the epoch Keras would for a scripted val_loss, and fit resolves with the History so far', async () => {
    const { x, y } = tinyData(8, 1);
    const m = tinyModel();
    const es = sn.callbacks.earlyStopping({ monitor: 'val_loss', patience: 2 });
    const begun: number[] = [];
    let trainEnd = 0;
    const h = await m.fit(x, y, {
      epochs: 20, batchSize: 4, verbose: 0, validationData: [x, y],
      // best at epoch 2 (0.6); epochs 3 and 4 do not improve → stop at the end of epoch 4
      callbacks: [{ onEpochBegin: (e) => { begun.push(e); } }, script('val_loss', [0.9, 0.7, 0.6, 0.65, 0.6, 0.5, 0.4]), es, { onTrainEnd: () => { trainEnd++; } }],
    });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(begun).toEqual([0, 1, 2, 3, 4]);
    expect(es.stoppedEpoch).toBe(4);
    expect(es.bestEpoch).toBe(2);
    expect(m.stopTraining).toBe(true);
    expect(trainEnd).toBe(1);
  });

  it('on a real rising val_loss (labels flipped) with patience 2: best is epoch 0, stops at epoch 2', async () => {
    const { x, y } = tinyData(8, 1);
    const m = tinyModel();
    const es = sn.callbacks.earlyStopping({ patience: 2 });
    const h = await m.fit(x, y, { epochs: 10, batchSize: 4, verbose: 0, validationData: [x, flipped(y)], callbacks: [es] });
    const v = h.history.val_loss;
    expect(v[1]).toBeGreaterThan(v[0]);
    expect(v[2]).toBeGreaterThan(v[0]);
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(es.bestEpoch).toBe(0);
    expect(es.stoppedEpoch).toBe(2);
  });

  it('restoreBestWeights puts back the weights of the best epoch when it stops', async () => {
    const es = sn.callbacks.earlyStopping({ patience: 3, restoreBestWeights: true });
    // best at epoch 1, stop at epoch 4
    const { m, h, atEnd, x } = await fitScripted(es, [0.9, 0.7, 0.8, 0.75, 0.72, 0.1], 20);
    expect(h.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(es.bestEpoch).toBe(1);
    expect(sameWeights(m.getWeights(), atEnd[1])).toBe(true);
    expect(sameWeights(m.getWeights(), atEnd[4])).toBe(false);
    // the restored model predicts as the epoch-1 model did
    const probe = tinyModel();
    probe.setWeights(atEnd[1]);
    expect(Array.from((await m.predict(x)).data)).toEqual(Array.from((await probe.predict(x)).data));
  });

  it('restoreBestWeights on a real rising val_loss: back to the weights after epoch 0', async () => {
    const { x, y } = tinyData(8, 3);
    const m = tinyModel();
    const atEnd: sn.Tensor[][] = [];
    await m.fit(x, y, {
      epochs: 10, batchSize: 4, verbose: 0, validationData: [x, flipped(y)],
      callbacks: [{ onEpochEnd: () => { atEnd.push(m.getWeights()); } }, sn.callbacks.earlyStopping({ patience: 2, restoreBestWeights: true })],
    });
    expect(atEnd).toHaveLength(3);
    expect(sameWeights(m.getWeights(), atEnd[0])).toBe(true);
    // and evaluating gives the best val_loss again
    const ev = await m.evaluate(x, flipped(y));
    const first = tinyModel();
    first.setWeights(atEnd[0]);
    expect(ev.loss).toBe((await first.evaluate(x, flipped(y))).loss);
  });

  it('restoreBestWeights restores the best epoch\'s weights when training ends without stopping early (Keras 3)', async () => {
    const es = sn.callbacks.earlyStopping({ patience: 10, restoreBestWeights: true });
    const { m, h, atEnd } = await fitScripted(es, [0.5, 0.6, 0.7], 3);
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(es.stoppedEpoch).toBe(0);
    expect(sameWeights(atEnd[0], atEnd[2])).toBe(false);
    expect(sameWeights(m.getWeights(), atEnd[0])).toBe(true);
  });

  it('without restoreBestWeights the final weights stay', async () => {
    const { x, y } = tinyData(8, 3);
    const m = tinyModel();
    const atEnd: sn.Tensor[][] = [];
    await m.fit(x, y, {
      epochs: 10, batchSize: 4, verbose: 0, validationData: [x, flipped(y)],
      callbacks: [{ onEpochEnd: () => { atEnd.push(m.getWeights()); } }, sn.callbacks.earlyStopping({ patience: 2 })],
    });
    expect(sameWeights(m.getWeights(), atEnd[2])).toBe(true);
  });

  it('is reset by each fit (Keras: on_train_begin resets wait, best, stopped_epoch)', async () => {
    const { x, y } = tinyData(8, 1);
    const m = tinyModel();
    const es = sn.callbacks.earlyStopping({ patience: 1 });
    const h1 = await m.fit(x, y, { epochs: 10, batchSize: 4, verbose: 0, validationData: [x, y], callbacks: [script('val_loss', [0.5, 0.6]), es] });
    expect(h1.epoch).toEqual([0, 1]);
    // a fresh fit starts from best = Infinity: 0.9 at epoch 0 is an improvement, 0.8 at epoch 1 too
    const h2 = await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, validationData: [x, y], callbacks: [script('val_loss', [0.9, 0.8, 0.7]), es] });
    expect(h2.epoch).toEqual([0, 1, 2]);
    expect(es.stoppedEpoch).toBe(0);
  });

  it('verbose 1 reports the stop on train end with the 1-based epoch, like Keras', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const { x, y } = tinyData(8, 1);
      const m = tinyModel();
      await m.fit(x, y, {
        epochs: 10, batchSize: 4, verbose: 0, validationData: [x, y],
        callbacks: [script('val_loss', [0.5, 0.6, 0.7]), sn.callbacks.earlyStopping({ patience: 2, verbose: 1, restoreBestWeights: true })],
      });
      expect(log.mock.calls.map((c) => c[0])).toEqual([
        'Epoch 3: early stopping',
        'Restoring model weights from the end of the best epoch: 1.',
      ]);
    } finally {
      log.mockRestore();
    }
  });
});
