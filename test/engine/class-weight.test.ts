// fit's classWeight (Keras' class_weight, tfjs' classWeight): each sample's loss counts its class' weight and the
// batch's loss is Σ weight · loss / n. Checked against tfjs 4.22's fit (weights and logged losses after the same
// steps) for the classification losses and a regression one, and by invariants that hold exactly.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { tfjsOracle } from '../tfjs-oracle.js';
import { randomArray } from '../helpers.js';

const { tf, record } = tfjsOracle('classWeight');

const N = 24;
const xs = sn.tensor(randomArray(N * 4, 11, -1, 1), [N, 4]);
const ids = Int32Array.from({ length: N }, (_, i) => [0, 0, 0, 1, 2, 0, 1, 0][i % 8]); // imbalanced: 15 / 6 / 3
const CLASS_WEIGHT = { 0: 0.5, 1: 2, 2: 4 };

interface Case { loss: string; units: number; activation: string; y: () => sn.Tensor; tfY: () => ReturnType<typeof tf.tensor>; weight: Record<number, number> }
const CASES: Case[] = [
  { loss: 'categoricalCrossentropy', units: 3, activation: 'softmax', y: () => sn.utils.toCategorical(ids, 3),
    tfY: () => tf.oneHot(tf.tensor1d(ids, 'int32'), 3), weight: CLASS_WEIGHT },
  { loss: 'sparseCategoricalCrossentropy', units: 3, activation: 'softmax', y: () => sn.tensor(ids, [N]),
    tfY: () => tf.tensor2d(Float32Array.from(ids), [N, 1]), weight: CLASS_WEIGHT },
  { loss: 'binaryCrossentropy', units: 1, activation: 'sigmoid', y: () => sn.tensor(Float32Array.from(ids, (c) => (c ? 1 : 0)), [N, 1]),
    tfY: () => tf.tensor2d(Float32Array.from(ids, (c) => (c ? 1 : 0)), [N, 1]), weight: { 0: 0.7, 1: 3 } },
  { loss: 'meanSquaredError', units: 3, activation: 'linear', y: () => sn.utils.toCategorical(ids, 3),
    tfY: () => tf.oneHot(tf.tensor1d(ids, 'int32'), 3), weight: CLASS_WEIGHT },
  { loss: 'meanAbsoluteError', units: 3, activation: 'sigmoid', y: () => sn.utils.toCategorical(ids, 3),
    tfY: () => tf.oneHot(tf.tensor1d(ids, 'int32'), 3), weight: CLASS_WEIGHT },
  // probabilities not from a softmax (the unfused kernel), and several sigmoid outputs (the class: the argmax)
  { loss: 'categoricalCrossentropy', units: 3, activation: 'sigmoid', y: () => sn.utils.toCategorical(ids, 3),
    tfY: () => tf.oneHot(tf.tensor1d(ids, 'int32'), 3), weight: CLASS_WEIGHT },
  { loss: 'binaryCrossentropy', units: 3, activation: 'sigmoid', y: () => sn.utils.toCategorical(ids, 3),
    tfY: () => tf.oneHot(tf.tensor1d(ids, 'int32'), 3), weight: CLASS_WEIGHT },
];

function ours(c: Case, seed = 9): sn.Sequential {
  const m = sn.sequential({ seed });
  m.add(sn.layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }));
  m.add(sn.layers.dense({ units: c.units, activation: c.activation as 'softmax' }));
  m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.1, momentum: 0.9 }), loss: c.loss, metrics: ['accuracy'] });
  return m;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((d, v, i) => Math.max(d, Math.abs(v - b[i])), 0);

describe('classWeight against tfjs 4.22 fit', () => {
  for (const c of CASES) {
    it(`${c.loss}: the weights and the logged (weighted) losses of 2 epochs equal tfjs' within 1e-5`, async () => {
      const m = ours(c);
      const t = tf.sequential();
      t.add(tf.layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }));
      t.add(tf.layers.dense({ units: c.units, activation: c.activation as 'softmax' }));
      t.compile({ optimizer: tf.train.momentum(0.1, 0.9), loss: c.loss });
      t.setWeights(m.getWeights().map((w) => tf.tensor(w.data as Float32Array, [...w.shape])));
      const h = await m.fit(xs, c.y(), { epochs: 2, batchSize: 8, shuffle: false, verbose: 0, classWeight: c.weight });
      const tx = tf.tensor2d(xs.data as Float32Array, [N, 4]), ty = c.tfY();
      const th = await t.fit(tx, ty, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0, classWeight: c.weight });
      const lossDiff = maxDiff(h.history.loss, th.history.loss as number[]);
      const weightDiff = Math.max(...t.getWeights().map((w, i) => maxDiff(w.dataSync(), m.getWeights()[i].data)));
      record(`${c.loss} ${c.activation}: logged losses`, lossDiff);
      record(`${c.loss} ${c.activation}: weights after 6 steps`, weightDiff);
      expect(lossDiff).toBeLessThan(1e-5);
      expect(weightDiff).toBeLessThan(1e-5);
      // and the weighting matters here: without it the run differs
      const plain = ours(c);
      const hp = await plain.fit(xs, c.y(), { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 });
      expect(maxDiff(hp.history.loss, h.history.loss)).toBeGreaterThan(1e-3);
      tx.dispose(); ty.dispose(); t.dispose(); m.dispose(); plain.dispose();
    });
  }
});

describe('classWeight invariants', () => {
  const c = CASES[0];
  it('every weight 1 trains as no classWeight (to rounding); every weight 2 as twice the learning rate of plain SGD', async () => {
    const a = ours(c), b = ours(c);
    const ha = await a.fit(xs, c.y(), { epochs: 2, batchSize: 8, verbose: 0, seed: 3 });
    const hb = await b.fit(xs, c.y(), { epochs: 2, batchSize: 8, verbose: 0, seed: 3, classWeight: [1, 1, 1] });
    expect(maxDiff(ha.history.loss, hb.history.loss)).toBeLessThan(1e-6);
    a.getWeights().forEach((w, i) => expect(maxDiff(w.data, b.getWeights()[i].data)).toBeLessThan(1e-6));
    const plain = (lr: number) => {
      const m = sn.sequential({ seed: 4 });
      m.add(sn.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] }));
      m.compile({ optimizer: sn.optimizers.sgd({ learningRate: lr }), loss: 'categoricalCrossentropy' });
      return m;
    };
    const twice = plain(0.2), doubled = plain(0.1);
    await twice.fit(xs, c.y(), { epochs: 2, batchSize: 8, verbose: 0, seed: 3 });
    const hd = await doubled.fit(xs, c.y(), { epochs: 2, batchSize: 8, verbose: 0, seed: 3, classWeight: { 0: 2, 1: 2, 2: 2 } });
    twice.getWeights().forEach((w, i) => expect(maxDiff(w.data, doubled.getWeights()[i].data)).toBeLessThan(1e-6));
    expect(hd.history.loss[0]).toBeGreaterThan(1.5); // the logged loss is the weighted one: twice the ≈ 1.1 of chance
    for (const m of [a, b, twice, doubled]) m.dispose();
  });

  it('two threads train as one, bit for bit', async () => {
    const a = ours(c), b = ours(c);
    await a.fit(xs, c.y(), { epochs: 2, batchSize: 8, verbose: 0, seed: 3, classWeight: CLASS_WEIGHT, threads: 1 });
    await b.fit(xs, c.y(), { epochs: 2, batchSize: 8, verbose: 0, seed: 3, classWeight: CLASS_WEIGHT, threads: 2 });
    a.getWeights().forEach((w, i) => expect(b.getWeights()[i].data).toEqual(w.data));
    a.dispose(); b.dispose();
  });

  it('a single output\'s soft label takes its class rounded half to even (Keras\' tf.round): 0.5 is class 0, 0.7 class 1', async () => {
    const m = sn.sequential({ seed: 2 });
    m.add(sn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [4] }));
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const half = sn.tensor(new Float32Array(N).fill(0.5), [N, 1]);
    await expect(m.fit(xs, half, { verbose: 0, classWeight: { 1: 1 } })).rejects.toThrow('fit: classWeight has no weight for class 0, which y holds (sample 0)');
    await m.fit(xs, half, { verbose: 0, classWeight: { 0: 1 } });
    await expect(m.fit(xs, sn.tensor(new Float32Array(N).fill(0.7), [N, 1]), { verbose: 0, classWeight: { 0: 1 } })).rejects.toThrow(/no weight for class 1/);
    m.dispose();
  });

  it('fitDataset with the same batches trains as fit, bit for bit; accuracy and validation stay unweighted', async () => {
    const y = c.y();
    const a = ours(c), b = ours(c);
    const ha = await a.fit(xs, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0, classWeight: CLASS_WEIGHT, validationData: [xs, y] });
    const batches = [0, 8, 16].map((f) => ({ xs: sn.tensor(xs.data.slice(f * 4, f * 4 + 32), [8, 4]), ys: sn.tensor(y.data.slice(f * 3, f * 3 + 24), [8, 3]) }));
    const hb = await b.fitDataset(() => batches, { epochs: 2, verbose: 0, classWeight: CLASS_WEIGHT, validationData: [xs, y] });
    expect(hb.history.loss).toEqual(ha.history.loss);
    a.getWeights().forEach((w, i) => expect(b.getWeights()[i].data).toEqual(w.data));
    const ev = await a.evaluate(xs, y);
    expect(ha.history.val_loss[1]).toBeCloseTo(ev.loss, 6); // validation: the plain loss
    a.dispose(); b.dispose();
  });
});

describe('sampleWeight (Keras\' sample_weight)', () => {
  const c = CASES[0];
  const sw = Float32Array.from({ length: N }, (_, i) => [0.2, 1, 3, 0][i % 4] + i / 100);

  it('one SGD epoch equals tfjs minimizing mean(weight · per-sample cross-entropy) batch by batch, within 1e-6', async () => {
    const m = sn.sequential({ seed: 5 });
    m.add(sn.layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }));
    m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
    const t = tf.sequential();
    t.add(tf.layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }));
    t.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
    t.setWeights(m.getWeights().map((w) => tf.tensor(w.data as Float32Array, [...w.shape])));
    const h = await m.fit(xs, c.y(), { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, sampleWeight: sn.tensor(sw, [N]) });
    const opt = tf.train.sgd(0.1), y = c.y();
    const losses: number[] = [];
    for (let f = 0; f < N; f += 8) {
      const xb = tf.tensor2d(xs.data.slice(f * 4, f * 4 + 32) as Float32Array, [8, 4]), yb = tf.tensor2d(y.data.slice(f * 3, f * 3 + 24) as Float32Array, [8, 3]);
      const wb = tf.tensor1d(sw.slice(f, f + 8));
      const l = opt.minimize(() => tf.mean(tf.mul(tf.metrics.categoricalCrossentropy(yb, t.apply(xb) as ReturnType<typeof tf.tensor>), wb)) as ReturnType<typeof tf.scalar>, true);
      losses.push(l!.dataSync()[0]);
      tf.dispose([xb, yb, wb, l!]);
    }
    const weightDiff = Math.max(...t.getWeights().map((w, i) => maxDiff(w.dataSync(), m.getWeights()[i].data)));
    const lossDiff = Math.abs(h.history.loss[0] - losses.reduce((a, b) => a + b, 0) / losses.length);
    record('sampleWeight, categoricalCrossentropy: weights after 3 steps', weightDiff);
    record('sampleWeight, categoricalCrossentropy: logged loss', lossDiff);
    expect(weightDiff).toBeLessThan(1e-6);
    expect(lossDiff).toBeLessThan(1e-6);
    m.dispose(); t.dispose();
  });

  it('the weights of the classes given per sample train as classWeight, bit for bit; with classWeight the two multiply', async () => {
    const y = c.y();
    const perClass = Float32Array.from(ids, (k) => CLASS_WEIGHT[k as 0 | 1 | 2]);
    const a = ours(c), b = ours(c), both = ours(c), product = ours(c);
    await a.fit(xs, y, { epochs: 2, batchSize: 8, verbose: 0, seed: 6, classWeight: CLASS_WEIGHT });
    await b.fit(xs, y, { epochs: 2, batchSize: 8, verbose: 0, seed: 6, sampleWeight: Array.from(perClass) });
    a.getWeights().forEach((w, i) => expect(b.getWeights()[i].data).toEqual(w.data));
    await both.fit(xs, y, { epochs: 2, batchSize: 8, verbose: 0, seed: 6, classWeight: CLASS_WEIGHT, sampleWeight: sw });
    await product.fit(xs, y, { epochs: 2, batchSize: 8, verbose: 0, seed: 6, sampleWeight: sw.map((v, i) => v * perClass[i]) });
    both.getWeights().forEach((w, i) => expect(maxDiff(product.getWeights()[i].data, w.data)).toBeLessThan(1e-6));
    for (const m of [a, b, both, product]) m.dispose();
  });

  it('evaluate weighs each sample\'s loss: Σ w · loss / n of the per-sample losses; the accuracy is not weighted', async () => {
    const m = ours(c, 8), y = c.y();
    const each = await Promise.all(Array.from({ length: N }, (_, i) => m.evaluate(sn.tensor(xs.data.slice(i * 4, i * 4 + 4), [1, 4]), sn.tensor(y.data.slice(i * 3, i * 3 + 3), [1, 3]))));
    const weighted = await m.evaluate(xs, y, { sampleWeight: sw, batchSize: 5 });
    const expected = each.reduce((t, e, i) => t + sw[i] * e.loss, 0) / N;
    expect(Math.abs(weighted.loss - expected)).toBeLessThan(1e-6);
    expect(weighted.accuracy).toBe((await m.evaluate(xs, y)).accuracy);
    await expect(m.evaluate(xs, y, { sampleWeight: sw.slice(1) })).rejects.toThrow(`evaluate: sampleWeight has ${N - 1} weights but x has ${N} samples`);
    m.dispose();
  });

  it('validation is weighted as Keras weighs it: validationSplit splits the weights, validationData takes a third element', async () => {
    const y = c.y();
    const cut = Math.floor(N * (1 - 0.25)); // Keras' split point
    const head = (t: sn.Tensor, w: number) => sn.tensor(t.data.slice(0, cut * w), [cut, w]);
    const tail = (t: sn.Tensor, w: number) => sn.tensor(t.data.slice(cut * w), [N - cut, w]);
    const a = ours(c), b = ours(c);
    const ha = await a.fit(xs, y, { epochs: 2, batchSize: 8, verbose: 0, seed: 2, validationSplit: 0.25, sampleWeight: sw });
    const hb = await b.fit(head(xs, 4), head(y, 3), {
      epochs: 2, batchSize: 8, verbose: 0, seed: 2, sampleWeight: sw.slice(0, cut), validationData: [tail(xs, 4), tail(y, 3), sw.slice(cut)],
    });
    expect(ha.history).toEqual(hb.history);
    a.getWeights().forEach((w, i) => expect(b.getWeights()[i].data).toEqual(w.data));
    const ev = await a.evaluate(tail(xs, 4), tail(y, 3), { sampleWeight: sw.slice(cut) });
    expect(Math.abs(ha.history.val_loss[1] - ev.loss)).toBeLessThan(1e-6);
    expect(Math.abs(ev.loss - (await a.evaluate(tail(xs, 4), tail(y, 3))).loss)).toBeGreaterThan(1e-3); // the weights matter
    await expect(b.fit(xs, y, { verbose: 0, validationData: [xs, y, sw.slice(2)] })).rejects.toThrow(`fit: validationData[2] has ${N - 2} weights but validationData[0] has ${N} samples`);
    a.dispose(); b.dispose();
  });

  it('sampleWeight all 1 trains as none with a partial last batch and shuffling, and a resumed run (initialEpoch) weighs by its epoch\'s order', async () => {
    const n = 22, x22 = sn.tensor(xs.data.slice(0, n * 4), [n, 4]), y22 = sn.tensor(c.y().data.slice(0, n * 3), [n, 3]);
    const w22 = sw.slice(0, n);
    const a = ours(c), b = ours(c);
    await a.fit(x22, y22, { epochs: 2, batchSize: 8, verbose: 0, seed: 4 });
    await b.fit(x22, y22, { epochs: 2, batchSize: 8, verbose: 0, seed: 4, sampleWeight: new Float32Array(n).fill(1) });
    a.getWeights().forEach((w, i) => expect(maxDiff(b.getWeights()[i].data, w.data)).toBeLessThan(1e-6));
    const whole = ours(c, 12), first = ours(c, 12);
    await whole.fit(x22, y22, { epochs: 3, batchSize: 8, verbose: 0, seed: 4, sampleWeight: w22 });
    await first.fit(x22, y22, { epochs: 1, batchSize: 8, verbose: 0, seed: 4, sampleWeight: w22 });
    const resumed = await sn.loadModel(await first.toArtifacts({ includeOptimizer: true }));
    await resumed.fit(x22, y22, { epochs: 3, initialEpoch: 1, batchSize: 8, verbose: 0, seed: 4, sampleWeight: w22 });
    whole.getWeights().forEach((w, i) => expect(maxDiff(resumed.getWeights()[i].data, w.data)).toBeLessThan(1e-4));
    for (const m of [a, b, whole, first, resumed]) m.dispose();
  });

  it('bad weights are named, before any step', async () => {
    const m = ours(c);
    const y = c.y();
    await expect(m.fit(xs, y, { verbose: 0, sampleWeight: new Float32Array(N - 1) })).rejects.toThrow(`fit: sampleWeight has ${N - 1} weights but x has ${N} samples`);
    await expect(m.fit(xs, y, { verbose: 0, sampleWeight: sw.map((v, i) => (i === 5 ? -1 : v)) })).rejects.toThrow('fit: sampleWeight[5] must be a finite number >= 0, got -1');
    await expect(m.fit(xs, y, { verbose: 0, sampleWeight: sw.map((v, i) => (i === 2 ? NaN : v)) })).rejects.toThrow('fit: sampleWeight[2] must be a finite number >= 0, got NaN');
    await expect(m.fit(xs, y, { verbose: 0, sampleWeight: sn.tensor(new Float32Array(N * 2), [N, 2]) }))
      .rejects.toThrow(`fit: sampleWeight must be one weight per sample of x (a tensor of shape [${N}], or an array), got shape [${N}, 2]`);
    await expect(m.fit(xs, y, { verbose: 0, sampleWeight: 'heavy' as unknown as number[] })).rejects.toThrow(/fit: sampleWeight must be one weight per sample/);
    expect(m.optimizer!.iterations).toBe(0);
    m.dispose();
  });
});

describe('sn.utils.balancedClassWeight (scikit-learn\'s compute_class_weight(\'balanced\'))', () => {
  it('n / (classes present · count) for ids and one-hot rows; with it each class weighs the same in total', () => {
    // scikit-learn: compute_class_weight('balanced', classes=[0, 1, 2], y=[0, 0, 0, 1, 2, 2]) = [0.667, 2, 1]
    expect(sn.utils.balancedClassWeight([0, 0, 0, 1, 2, 2])).toEqual({ 0: 6 / 9, 1: 2, 2: 1 });
    expect(sn.utils.balancedClassWeight(sn.utils.toCategorical([0, 0, 0, 1, 2, 2], 3))).toEqual({ 0: 6 / 9, 1: 2, 2: 1 });
    expect(sn.utils.balancedClassWeight(Int32Array.of(2, 0, 0))).toEqual({ 0: 0.75, 2: 1.5 }); // only the classes present
    const w = sn.utils.balancedClassWeight(ids);
    const totals = [0, 1, 2].map((c) => ids.filter((k) => k === c).length * w[c]);
    totals.forEach((t) => expect(t).toBeCloseTo(N / 3, 10));
    expect(() => sn.utils.balancedClassWeight([0, 1.5])).toThrow('balancedClassWeight: y[1] = 1.5 is not a class id (a non-negative integer)');
    expect(() => sn.utils.balancedClassWeight([])).toThrow('balancedClassWeight: y holds no samples');
  });
});

describe('classWeight: bad input is named', () => {
  const c = CASES[0];
  it('a class of the data without a weight, bad keys and values, a model without one class per sample', async () => {
    const m = ours(c);
    const before = m.getWeights();
    await expect(m.fit(xs, c.y(), { verbose: 0, classWeight: { 0: 1, 1: 1 } }))
      .rejects.toThrow('fit: classWeight has no weight for class 2, which y holds (sample 4); give every class a weight');
    await expect(m.fit(xs, c.y(), { verbose: 0, classWeight: { 0: 1, 1: -1, 2: 1 } })).rejects.toThrow('fit: classWeight[1] must be a finite number >= 0, got -1');
    await expect(m.fit(xs, c.y(), { verbose: 0, classWeight: { a: 1 } as unknown as Record<number, number> }))
      .rejects.toThrow("fit: classWeight's keys must be class indices 0, 1, ..., got \"a\"");
    await expect(m.fit(xs, c.y(), { verbose: 0, classWeight: {} })).rejects.toThrow('fit: classWeight gives no class a weight');
    await expect(m.fit(xs, c.y(), { verbose: 0, classWeight: 2 as unknown as number[] })).rejects.toThrow(/fit: classWeight must be \{ \[class index\]: weight \}/);
    await expect(m.fit(xs, c.y(), { verbose: 0, classWeight: new Map() as unknown as number[] })).rejects.toThrow(/fit: classWeight must be \{ \[class index\]: weight \}/);
    for (const bad of [NaN, Infinity, '2']) {
      await expect(m.fit(xs, c.y(), { verbose: 0, classWeight: { 0: 1, 1: bad as number, 2: 1 } })).rejects.toThrow(`fit: classWeight[1] must be a finite number >= 0, got`);
    }
    await expect(m.fit(xs, c.y(), { verbose: 0, classWeight: { 0: 1, 1: 1, 2: 1, 7: 1 } }))
      .rejects.toThrow("fit: classWeight gives class 7 a weight, but the model's 3 outputs tell classes 0-2 only");
    await expect(m.fit(xs, c.y(), { verbose: 0, classWeight: [CLASS_WEIGHT] as unknown as number[] })).rejects.toThrow(/tfjs' per-output form.*pass \{ \[class index\]: weight \} itself/);
    expect(m.getWeights().every((w, i) => maxDiff(w.data, before[i].data) === 0)).toBe(true); // refused before a step
    const batch = { xs: sn.tensor(xs.data.slice(0, 32), [8, 4]), ys: sn.tensor(c.y().data.slice(0, 24), [8, 3]) };
    const zeros = { xs: batch.xs, ys: sn.utils.toCategorical(new Int32Array(8), 3) };
    let steps = 0;
    await expect(m.fitDataset(() => [zeros, zeros, batch], { verbose: 0, classWeight: { 0: 1, 1: 1 }, callbacks: [{ onBatchEnd: () => { steps++; } }] }))
      .rejects.toThrow('fitDataset: classWeight has no weight for class 2, which epoch 1 batch 3 holds (its sample 4); give every class a weight (the batches before it have trained the model already)');
    expect(steps).toBe(2);
    const empty = ours(c);
    await empty.fit(xs, c.y(), { verbose: 0, epochs: 1, classWeight: [] }); // tfjs: an empty list weighs nothing
    empty.dispose();
    m.dispose();
    const seq = sn.sequential();
    seq.add(sn.layers.embedding({ inputDim: 5, outputDim: 2, inputLength: 3 }));
    seq.add(sn.layers.simpleRNN({ units: 2, returnSequences: true }));
    seq.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await expect(seq.fit(sn.tensor(new Float32Array(6), [2, 3]), sn.tensor(new Float32Array(12), [2, 3, 2]), { verbose: 0, classWeight: [1] }))
      .rejects.toThrow('fit: classWeight needs one class per sample, but the model gives [3, 2] per sample');
    seq.dispose();
  });
});
