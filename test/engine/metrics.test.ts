// compile's value metrics (Keras' mae and mse, by any of their names) beside the accuracy: logged under the name
// given, val_ for validation, in evaluate; each the mean over every output value of |p − y| or (p − y)², unweighted
// by sample and class weights (Keras' metrics, not weighted_metrics); the running values on fit's batches.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { randomArray } from '../helpers.js';

const N = 20;
const x = sn.tensor(randomArray(N * 5, 3), [N, 5]);
const labels = Int32Array.from({ length: N }, (_, i) => (i * 7) % 3);
const y = sn.utils.toCategorical(labels, 3);

function classifier(metrics: string[], learningRate = 0.1): sn.Sequential {
  const m = sn.sequential({ seed: 4 });
  m.add(sn.layers.dense({ units: 8, activation: 'relu', inputShape: [5] }));
  m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  m.compile({ optimizer: sn.optimizers.sgd({ learningRate }), loss: 'categoricalCrossentropy', metrics });
  return m;
}

/** Mean of |p − t| (abs) or (p − t)² over every value, in float64, from predict's outputs. */
async function reference(m: sn.Sequential, xs: sn.Tensor, ts: sn.Tensor, kind: 'abs' | 'sq'): Promise<number> {
  const p = (await m.predict(xs)).data;
  let s = 0;
  for (let i = 0; i < p.length; i++) { const d = p[i] - ts.data[i]; s += kind === 'abs' ? Math.abs(d) : d * d; }
  return s / p.length;
}

describe('compile metrics: mae and mse', () => {
  it('evaluate gives each under the name compile was given, equal to the mean over every output value', async () => {
    const m = classifier(['accuracy', 'mae', 'mean_squared_error']);
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
    const e = await m.evaluate(x, y, { batchSize: 7 });
    expect(Object.keys(e)).toEqual(['loss', 'accuracy', 'mae', 'mean_squared_error']);
    expect(e.mae).toBeCloseTo(await reference(m, x, y, 'abs'), 6);
    expect(e.mean_squared_error).toBeCloseTo(await reference(m, x, y, 'sq'), 6);
    expect(m.metrics).toEqual(['accuracy', 'mae', 'mean_squared_error']);
  });

  it("fit logs them per epoch and for the validation data, in compile's order; with the weights still (rate 0), the epoch's value is the data's", async () => {
    const m = classifier(['mse', 'acc', 'MAE'], 0);
    const h = await m.fit(x, y, { epochs: 2, batchSize: 6, verbose: 0, validationData: [x, y] });
    expect(Object.keys(h.history)).toEqual(['loss', 'mse', 'acc', 'MAE', 'val_loss', 'val_mse', 'val_acc', 'val_MAE']);
    const mae = await reference(m, x, y, 'abs'), mse = await reference(m, x, y, 'sq');
    for (const e of [0, 1]) {
      expect(h.history.MAE[e]).toBeCloseTo(mae, 6);
      expect(h.history.mse[e]).toBeCloseTo(mse, 6);
      expect(h.history.val_MAE[e]).toBeCloseTo(mae, 6);
    }
  });

  it('change no weight: training with them gives the weights training without them gives, bit for bit (plain, classWeight, two threads)', async () => {
    for (const opts of [{}, { classWeight: { 0: 3, 1: 1, 2: 0.5 } }, { threads: 2 }]) {
      const runs = [];
      for (const metrics of [[], ['mae', 'mse', 'accuracy']]) {
        const m = classifier(metrics, 0.3);
        await m.fit(x, y, { epochs: 3, batchSize: 6, verbose: 0, seed: 1, ...opts });
        runs.push(m.getWeights().map((w) => Array.from(w.data)));
        m.dispose();
      }
      expect(runs[1], JSON.stringify(opts)).toEqual(runs[0]);
    }
  });

  it('are not weighted by sampleWeight or classWeight (Keras\' metrics), while the loss is', async () => {
    const m = classifier(['mae'], 0);
    const plain = await m.evaluate(x, y);
    const sw = Float32Array.from({ length: N }, (_, i) => (i % 4 === 0 ? 3 : 0.5));
    const weighted = await m.evaluate(x, y, { sampleWeight: sw });
    expect(weighted.loss).not.toBeCloseTo(plain.loss, 4);
    expect(weighted.mae).toBeCloseTo(plain.mae!, 7);
    const h = await m.fit(x, y, { epochs: 1, batchSize: 5, verbose: 0, classWeight: { 0: 5, 1: 1, 2: 1 } });
    expect(h.history.mae[0]).toBeCloseTo(plain.mae!, 6);
  });

  it("a batch's logs hold the epoch's running mean up to it, as Keras' (tfjs' hold the batch's own): the last one is the epoch's", async () => {
    const m = classifier(['mae'], 0);
    const perBatch: { mae: number; loss: number; size: number }[] = [];
    const h = await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, shuffle: false, callbacks: [{ onBatchEnd: (_b, logs) => { perBatch.push({ mae: logs!.mae, loss: logs!.loss, size: logs!.size }); } }] });
    expect(perBatch.map((b) => b.size)).toEqual([8, 8, 4]);
    expect(perBatch[2].mae).toBe(h.history.mae[0]);
    expect(perBatch[2].loss).toBe(h.history.loss[0]);
    expect(new Set(perBatch.map((b) => b.mae)).size).toBe(3);
    // the first batch's running mean is its own value: the same model (learning rate 0) evaluated on that batch
    const again = classifier(['mae'], 0);
    const first = await again.evaluate(sn.tensor(x.data.slice(0, 8 * x.size / N), [8, ...x.shape.slice(1)]), sn.tensor(y.data.slice(0, 8 * y.size / N), [8, ...y.shape.slice(1)]), { batchSize: 8 });
    expect(perBatch[0].mae).toBeCloseTo(first.mae!, 6);
  });

  it('a regression model: loss mse with metrics mae, saved and loaded with them', async () => {
    const m = sn.sequential({ seed: 2 });
    m.add(sn.layers.dense({ units: 2, inputShape: [5] }));
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['mae'] });
    const target = sn.tensor(randomArray(N * 2, 9), [N, 2]);
    const h = await m.fit(x, target, { epochs: 3, batchSize: 10, verbose: 0 });
    expect(h.history.mae).toHaveLength(3);
    const { modelJson, weights } = await m.toArtifacts();
    const back = await sn.loadModel({ modelJson, weights });
    expect(back.metrics).toEqual(['mae']);
    const e = await back.evaluate(x, target);
    expect(e.mae).toBeCloseTo(await reference(back, x, target, 'abs'), 6);
    expect(e.loss).toBeCloseTo(await reference(back, x, target, 'sq'), 6);
  });

  it('a resume whose epoch in progress has no running sum of a value metric is refused (a hand-written resumeFrom)', async () => {
    class Resumer extends sn.Callback {
      resumeFrom() {
        return { epoch: 0, done: { epoch: [], history: {} }, partial: { epoch: 0, batches: 1, lossSum: 1, correct: 2, judged: 8, seen: 8 } };
      }
    }
    const m = classifier(['accuracy', 'mae']);
    await expect(m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, callbacks: [new Resumer()] }))
      .rejects.toThrow("fit: the restored run's epoch in progress has no running sum of mae: it was compiled with other metrics");
    // the accuracy alone goes on from the hits
    const a = classifier(['accuracy']);
    expect((await a.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, callbacks: [new Resumer()] })).history.accuracy).toHaveLength(1);
  });

  it('refuses the same metric twice, a value metric with class-id labels, and unknown names', () => {
    expect(() => classifier(['mae', 'mean_absolute_error'])).toThrow('compile: metrics mae and mean_absolute_error are the same metric; give it once');
    expect(() => classifier(['accuracy', 'acc'])).toThrow('compile: metrics accuracy and acc are the same metric; give it once');
    const sparse = sn.sequential();
    sparse.add(sn.layers.dense({ units: 3, activation: 'softmax', inputShape: [5] }));
    expect(() => sparse.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['mse'] }))
      .toThrow("compile: metric mse compares outputs with targets shaped like them; sparseCategoricalCrossentropy's labels are class ids");
    expect(() => classifier(['rmse'])).toThrow(/compile: unknown metric "rmse"; valid: accuracy, acc, .*mae, mse/);
  });
});
