// Keras' train_on_batch / test_on_batch / predict_on_batch (tfjs' trainOnBatch, predictOnBatch): one batch at a
// time, for loops a user writes (a GAN's alternating steps). Successive trainOnBatch calls train as fit's one-batch
// epochs do, dropout draws included.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';

const n = 6;
const x = sn.tensor(Float32Array.from({ length: n * 5 }, (_, i) => Math.sin(i * 1.7)), [n, 5]);
const y = sn.utils.toCategorical(Int32Array.from({ length: n }, (_, i) => i % 3), 3);

function model(metrics: string[] = []) {
  const m = sn.sequential({ seed: 5 });
  m.add(sn.layers.dense({ units: 8, activation: 'relu', inputShape: [5] }));
  m.add(sn.layers.dropout({ rate: 0.4 }));
  m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  m.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.05 }), loss: 'categoricalCrossentropy', metrics });
  return m;
}

describe('trainOnBatch, testOnBatch, predictOnBatch', () => {
  it("three trainOnBatch calls train as fit's three one-batch epochs, bit for bit, and return each step's loss", async () => {
    const a = model(), b = model();
    const losses = [await a.trainOnBatch(x, y), await a.trainOnBatch(x, y), await a.trainOnBatch(x, y)];
    const h = await b.fit(x, y, { epochs: 3, batchSize: n, shuffle: false, verbose: 0 });
    expect(losses).toEqual(h.history.loss);
    expect(a.getWeights().map((w) => Array.from(w.data))).toEqual(b.getWeights().map((w) => Array.from(w.data)));
    // the dropout draws go on from step to step: three fits of one epoch (each starting at the first step's draw) differ
    const c = model();
    for (let i = 0; i < 3; i++) await c.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
    expect(c.getWeights().map((w) => Array.from(w.data))).not.toEqual(a.getWeights().map((w) => Array.from(w.data)));
  });

  it('with metrics: [loss, ...metrics] in compile\'s order; testOnBatch and predictOnBatch take the whole tensor as one batch', async () => {
    const m = model(['accuracy', 'mae']);
    const r = await m.trainOnBatch(x, y) as number[];
    expect(r).toHaveLength(3);
    const t = await m.testOnBatch(x, y) as number[];
    const e = await m.evaluate(x, y, { batchSize: n });
    expect(t).toEqual([e.loss, e.accuracy, e.mae]);
    expect((await m.predictOnBatch(x)).data).toEqual((await m.predict(x)).data);
    const plain = model();
    expect(typeof await plain.testOnBatch(x, y)).toBe('number');
  });

  it('sample and class weights apply as in fit; errors name the function called', async () => {
    const a = model(), b = model();
    const w = Float32Array.from({ length: n }, (_, i) => 1 + i);
    expect(await a.trainOnBatch(x, y, { sampleWeight: w })).toEqual((await b.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0, sampleWeight: w })).history.loss[0]);
    await expect(a.trainOnBatch(x, sn.tensor(new Float32Array(n * 2), [n, 2]))).rejects.toThrow(/^trainOnBatch: /);
    await expect(a.trainOnBatch(x, y, { epochs: 3 } as never)).rejects.toThrow(/^trainOnBatch: unknown option epochs/);
    await expect(a.testOnBatch(x, sn.tensor(new Float32Array(n * 2), [n, 2]))).rejects.toThrow(/^testOnBatch: /);
    await expect(a.predictOnBatch(sn.tensor(new Float32Array(n * 4), [n, 4]))).rejects.toThrow(/^predictOnBatch: /);
    // a step that diverges names the call, not an epoch
    const wild = sn.sequential();
    wild.add(sn.layers.dense({ units: 3, inputShape: [5] }));
    wild.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1e30 }), loss: 'meanSquaredError' });
    const big = sn.tensor(Float32Array.from(x.data, (v) => v * 1e20), [n, 5]);
    let error = '';
    for (let i = 0; i < 4 && !error; i++) await wild.trainOnBatch(big, y).catch((e: Error) => { error = e.message; });
    expect(error).toMatch(/^trainOnBatch: the (loss|weights) became .* (at this batch|in this batch's update) \(trainOnBatch call \d\)/);
    const uncompiled = sn.sequential();
    uncompiled.add(sn.layers.dense({ units: 2, inputShape: [5] }));
    await expect(uncompiled.trainOnBatch(x, y)).rejects.toThrow('trainOnBatch: the model must be compiled first: call model.compile({ optimizer, loss })');
  });
});
