// Outputs with more axes than [classes] — a prediction per step ([steps, classes]: a Dense after a recurrent layer
// returning sequences) or per pixel ([h, w, classes]: a softmax convolution) — as Keras computes them: the losses,
// the accuracy and sparse labels work along the last axis, and the loss is the mean over the positions of each
// sample, then over the samples. Checked against TensorFlow.js (evaluate, one fit step) and against a float64
// reference for sample weights. An output per step after an embedding's maskZero leaves the padded steps out, as
// Keras 3 and tf.keras 2.12+ do: checked against the unpadded sequences and against a float64 reference.
import type * as TF from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { modelTopology } from '../../src/io/topology.js';
import type { Sequential } from '../../src/engine/sequential.js';
import { Tensor } from '../../src/tensor.js';
import { maxRelError, rand } from '../helpers.js';
import { tfjsOracle } from '../tfjs-oracle.js';

const { tf, record } = tfjsOracle('per-position outputs');
const TOL = 1e-5;

async function tfjsTwin(m: Sequential, loss: string): Promise<TF.LayersModel> {
  const t = await tf.models.modelFromJSON({ modelTopology: modelTopology(m) } as unknown as TF.io.ModelJSON);
  t.setWeights(m.getWeights().map((w) => tf.tensor(w.data, [...w.shape])));
  t.compile({ optimizer: tf.train.sgd(0.5), loss, metrics: ['accuracy'] });
  return t;
}

/** Class ids in [0, classes) for `count` positions. */
const ids = (count: number, classes: number, seed: number): Float32Array => rand(count, seed, 0, classes).map(Math.floor);
const oneHot = (labels: Float32Array, classes: number): Float32Array => {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((c, i) => { out[i * classes + c] = 1; });
  return out;
};

function segmenter(): Sequential {
  const m = sn.sequential({ seed: 3 });
  m.add(sn.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [5, 4, 2] }));
  m.add(sn.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'softmax' }));
  return m;
}

function tagger(): Sequential {
  const m = sn.sequential({ seed: 4 });
  m.add(sn.layers.embedding({ inputDim: 12, outputDim: 5, inputShape: [6] }));
  m.add(sn.layers.lstm({ units: 4, returnSequences: true }));
  m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  return m;
}

describe('a prediction per pixel (softmax convolution) or per step (Dense after returnSequences)', () => {
  for (const loss of ['categoricalCrossentropy', 'sparseCategoricalCrossentropy'] as const) {
    it(`evaluate: ${loss}'s loss and the accuracy per pixel, as tfjs'`, async () => {
      const m = segmenter();
      m.compile({ optimizer: 'sgd', loss, metrics: ['accuracy'] });
      const n = 6, labels = ids(n * 5 * 4, 3, 11);
      const x = new Tensor(rand(n * 5 * 4 * 2, 10), [n, 5, 4, 2]);
      const y = loss === 'sparseCategoricalCrossentropy' ? new Tensor(labels, [n, 5, 4]) : new Tensor(oneHot(labels, 3), [n, 5, 4, 3]);
      const got = await m.evaluate(x, y);
      const t = await tfjsTwin(m, loss);
      const ty = loss === 'sparseCategoricalCrossentropy' ? tf.tensor(labels, [n, 5, 4, 1]) : tf.tensor(y.data, [...y.shape]);
      const [tl, ta] = (t.evaluate(tf.tensor(x.data, [...x.shape]), ty) as TF.Scalar[]).map((s) => s.dataSync()[0]);
      record(`${loss} per pixel, loss`, Math.abs(got.loss - tl) / tl);
      expect(Math.abs(got.loss - tl) / tl, `loss ${got.loss} vs tfjs ${tl}`).toBeLessThan(TOL);
      expect(got.loss).toBeLessThan(2); // a per-pixel mean near ln 3, not a sum over the 20 pixels
      expect(got.accuracy).toBeCloseTo(ta, 6);
      // the accuracy is the share of pixels whose argmax is the label
      const p = await m.predict(x), classes = await m.predictClasses(x);
      expect(classes.length).toBe(n * 20);
      let hits = 0;
      for (let i = 0; i < n * 20; i++) {
        const row = Array.from(p.data.subarray(3 * i, 3 * i + 3));
        expect(classes[i]).toBe(row.indexOf(Math.max(...row)));
        if (classes[i] === labels[i]) hits++;
      }
      expect(got.accuracy).toBeCloseTo(hits / (n * 20), 12);
    });
  }

  it('one fit step of a per-step tagger (embedding → lstm(returnSequences) → dense softmax) gives tfjs\' loss and weights', async () => {
    const m = tagger();
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const n = 5, tokens = ids(n * 6, 12, 21), labels = ids(n * 6, 3, 22);
    const t = await tfjsTwin(m, 'sparseCategoricalCrossentropy');
    const h = await m.fit(new Tensor(tokens, [n, 6]), new Tensor(labels, [n, 6]), { batchSize: n, epochs: 1, shuffle: false, verbose: 0 });
    const th = await t.fit(tf.tensor(tokens, [n, 6]), tf.tensor(labels, [n, 6, 1]), { batchSize: n, epochs: 1, shuffle: false, verbose: 0 });
    const tl = th.history.loss[0] as number;
    record('tagger fit step, loss', Math.abs(h.history.loss[0] - tl) / tl);
    expect(Math.abs(h.history.loss[0] - tl) / tl, `loss ${h.history.loss[0]} vs tfjs ${tl}`).toBeLessThan(TOL);
    expect(h.history.accuracy[0]).toBeCloseTo(th.history.acc?.[0] as number ?? th.history.accuracy[0] as number, 6);
    const ours = m.getWeights(), theirs = t.getWeights().map((w) => w.dataSync() as Float32Array);
    ours.forEach((w, i) => {
      const err = maxRelError(w.data as Float32Array, theirs[i]);
      record(`tagger fit step, weight ${i}`, err);
      expect(err, `weight ${i} after the step`).toBeLessThan(1e-4);
    });
  });

  it('sample weights weigh each sample\'s mean over its positions (Σ w · loss / n, as Keras)', async () => {
    const m = tagger();
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0 }), loss: 'categoricalCrossentropy' });
    const n = 4, tokens = ids(n * 6, 12, 31), labels = ids(n * 6, 3, 32);
    const x = new Tensor(tokens, [n, 6]), y = new Tensor(oneHot(labels, 3), [n, 6, 3]);
    const w = [0.5, 2, 0, 1.25];
    const p = await m.predict(x);
    let want = 0;
    for (let b = 0; b < n; b++) {
      let sample = 0;
      for (let s = 0; s < 6; s++) sample -= Math.log(p.data[(b * 6 + s) * 3 + labels[b * 6 + s]]);
      want += w[b] * (sample / 6);
    }
    want /= n;
    const h = await m.fit(x, y, { batchSize: n, epochs: 1, shuffle: false, verbose: 0, sampleWeight: w });
    expect(Math.abs(h.history.loss[0] - want) / want, `loss ${h.history.loss[0]} vs ${want}`).toBeLessThan(1e-6);
    expect(Math.abs((await m.evaluate(x, y, { sampleWeight: w })).loss - want) / want).toBeLessThan(1e-6);
    // the same with class ids, and evaluated two samples at a time
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0 }), loss: 'sparseCategoricalCrossentropy' });
    expect(Math.abs((await m.evaluate(x, new Tensor(labels, [n, 6]), { sampleWeight: w, batchSize: 2 })).loss - want) / want).toBeLessThan(1e-6);
  });

  it('a tagger takes sequences of any length: each length its own positions, the shared prefix the same predictions', async () => {
    const m = sn.sequential({ seed: 6 });
    m.add(sn.layers.embedding({ inputDim: 12, outputDim: 5, inputShape: [null] as unknown as number[] }));
    m.add(sn.layers.gru({ units: 4, returnSequences: true }));
    m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const long = ids(2 * 7, 12, 41), short = new Float32Array(2 * 4);
    for (let b = 0; b < 2; b++) short.set(long.subarray(b * 7, b * 7 + 4), b * 4);
    const pl = await m.predict(new Tensor(long, [2, 7])), ps = await m.predict(new Tensor(short, [2, 4]));
    expect([pl.shape, ps.shape]).toEqual([[2, 7, 3], [2, 4, 3]]);
    for (let b = 0; b < 2; b++) {
      expect(maxRelError(ps.data.subarray(b * 12, b * 12 + 12), pl.data.subarray(b * 21, b * 21 + 12))).toBeLessThan(1e-6);
    }
    const h = await m.fit(new Tensor(short, [2, 4]), new Tensor(ids(8, 3, 42), [2, 4]), { epochs: 1, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
  });

  it('refuses labels of the wrong shape, class ids out of range and classWeight, naming what it expects', async () => {
    const m = tagger();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = new Tensor(ids(2 * 6, 12, 51), [2, 6]);
    await expect(m.fit(x, new Tensor(new Float32Array(2), [2]), { verbose: 0 })).rejects.toThrow(
      'fit: y for sparseCategoricalCrossentropy must be class ids of shape [2, 6] or [2, 6, 1] (one per position of the output [6, 3]), got [2]');
    const bad = ids(2 * 6, 3, 52); bad[7] = 3;
    await expect(m.fit(x, new Tensor(bad, [2, 6, 1]), { verbose: 0 })).rejects.toThrow('fit: y at flat index 7 = 3 is not a class id in [0, 3)');
    await expect(m.fit(x, new Tensor(ids(2 * 6, 3, 53), [2, 6]), { verbose: 0, classWeight: { 0: 1, 1: 2, 2: 1 } })).rejects.toThrow(
      'fit: classWeight needs one class per sample, but the model gives [6, 3] per sample');
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await expect(m.fit(x, new Tensor(new Float32Array(2 * 3), [2, 3]), { verbose: 0 })).rejects.toThrow(
      'fit: y must have shape [n, 6, 3] to match the model\'s output, got [2, 3]');
    await expect(m.fit(x, new Tensor(ids(2 * 6, 3, 54), [2, 6]), { verbose: 0 })).rejects.toThrow(
      'fit: y must have shape [n, 6, 3] to match the model\'s output, got [2, 6] (class ids? one-hot encode them with sn.utils.toCategorical, or use sparseCategoricalCrossentropy)');
    // which toCategorical does, keeping the labels' shape as Keras' to_categorical: [2, 6] -> [2, 6, 3]; [n, 1] -> [n, k]
    const perPosition = new Tensor(ids(2 * 6, 3, 54), [2, 6]), oneHotY = sn.utils.toCategorical(perPosition, 3);
    expect(oneHotY.shape).toEqual([2, 6, 3]);
    expect(oneHotY.data).toEqual(oneHot(perPosition.data, 3));
    await m.fit(x, oneHotY, { verbose: 0 });
    expect(sn.utils.toCategorical(new Tensor(Float32Array.from([2, 0]), [2, 1]), 3).shape).toEqual([2, 3]);
    expect(sn.utils.toCategorical([1, 0, 1]).shape).toEqual([3, 2]);
    // a forgotten flatten: labels per sample for a prediction per step
    await expect(m.fit(x, new Tensor(new Float32Array(2 * 3), [2, 3]), { verbose: 0 })).rejects.toThrow(
      "got [2, 3] (labels per sample, but the model predicts at every position of [6, 3], as Keras' Dense on the last axis does: put a flatten() or a global pooling layer before the last dense)");
    // a split stratified by labels that are not one class per sample is refused, not made by argmax
    const perStep = new Tensor(ids(4 * 6, 3, 55), [4, 6]), xs = new Tensor(ids(4 * 6, 12, 56), [4, 6]);
    expect(() => sn.utils.trainTestSplit(xs, perStep, { testSize: 0.5, stratify: true })).toThrow(
      /^trainTestSplit: stratify needs one class per sample: ids \[n\] or \[n, 1\], or one-hot rows \[n, classes\]; row 0 of y sums to \d+/);
    expect(() => sn.utils.balancedClassWeight(new Tensor(oneHot(ids(4 * 6, 3, 57), 3), [4, 6, 3]))).toThrow(
      'balancedClassWeight: y must give one class per sample: ids [n] or [n, 1], or one-hot rows [n, classes]; y has shape [4, 6, 3] (a label per step or pixel)');
  });

  it('an output of one value per step takes labels without the last axis ([n, steps] for [steps, 1]), as Keras', async () => {
    const m = sn.sequential({ seed: 7 });
    m.add(sn.layers.embedding({ inputDim: 12, outputDim: 5, inputShape: [6] }));
    m.add(sn.layers.simpleRNN({ units: 4, returnSequences: true }));
    m.add(sn.layers.dense({ units: 1, activation: 'sigmoid' }));
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const x = new Tensor(ids(3 * 6, 12, 58), [3, 6]), labels = ids(3 * 6, 2, 59);
    const a = await m.evaluate(x, new Tensor(labels, [3, 6])), b = await m.evaluate(x, new Tensor(labels, [3, 6, 1]));
    expect(a).toEqual(b);
    const p = (await m.predict(x)).data;
    let want = 0;
    for (let i = 0; i < 18; i++) want -= Math.log(labels[i] ? p[i] : 1 - p[i]);
    expect(Math.abs(a.loss - want / 18) / (want / 18)).toBeLessThan(1e-6);
  });
});

/** A tagger whose embedding masks token 0 and takes any length; its output carries the mask. */
function maskedTagger(seed: number): Sequential {
  const m = sn.sequential({ seed });
  m.add(sn.layers.embedding({ inputDim: 12, outputDim: 5, maskZero: true, inputShape: [null] as unknown as number[] }));
  m.add(sn.layers.lstm({ units: 4, returnSequences: true }));
  m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  return m;
}

describe('a prediction per step of padded sequences (maskZero): the padded steps are left out, as Keras', () => {
  it('a batch padded from 4 to 7 steps trains as the 4 steps themselves: loss, accuracy, weights after a step', async () => {
    const n = 3, tokens = ids(n * 4, 11, 61).map((v) => v + 1), labels = ids(n * 4, 3, 62);
    const padded = new Float32Array(n * 7), paddedLabels = new Float32Array(n * 7);
    for (let b = 0; b < n; b++) {
      padded.set(tokens.subarray(b * 4, b * 4 + 4), b * 7);
      paddedLabels.set(labels.subarray(b * 4, b * 4 + 4), b * 7);
      paddedLabels.fill(2, b * 7 + 4, b * 7 + 7); // whatever the padded steps' labels are
    }
    const run = async (x: Tensor, y: Tensor) => {
      const m = maskedTagger(8);
      m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const h = await m.fit(x, y, { batchSize: n, epochs: 1, shuffle: false, verbose: 0 });
      return { loss: h.history.loss[0], accuracy: h.history.accuracy[0], weights: m.getWeights() };
    };
    const a = await run(new Tensor(padded, [n, 7]), new Tensor(paddedLabels, [n, 7]));
    const b = await run(new Tensor(tokens, [n, 4]), new Tensor(labels, [n, 4]));
    expect(Math.abs(a.loss - b.loss) / b.loss, `loss ${a.loss} vs ${b.loss}`).toBeLessThan(1e-6);
    expect(a.accuracy).toBeCloseTo(b.accuracy, 12);
    a.weights.forEach((w, i) => expect(maxRelError(w.data as Float32Array, b.weights[i].data as Float32Array), `weight ${i}`).toBeLessThan(1e-5));
  });

  it('sequences of different lengths: Σ weight · loss / (unpadded steps), the accuracy and mae over the unpadded steps', async () => {
    const m = maskedTagger(9);
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0 }), loss: 'categoricalCrossentropy', metrics: ['accuracy', 'mae'] });
    const lengths = [5, 2, 4, 1], n = lengths.length, t = 5;
    const tokens = new Float32Array(n * t), labels = ids(n * t, 3, 71);
    lengths.forEach((len, b) => tokens.set(ids(len, 11, 72 + b).map((v) => v + 1), b * t));
    const x = new Tensor(tokens, [n, t]), y = new Tensor(oneHot(labels, 3), [n, t, 3]);
    const w = [1, 0.5, 2, 3];
    const p = (await m.predict(x)).data;
    let loss = 0, hits = 0, mae = 0, valid = 0;
    for (let b = 0; b < n; b++) {
      for (let s = 0; s < lengths[b]; s++) {
        const r = b * t + s, row = Array.from(p.subarray(3 * r, 3 * r + 3));
        loss -= w[b] * Math.log(row[labels[r]]);
        if (row.indexOf(Math.max(...row)) === labels[r]) hits++;
        mae += row.reduce((sum, v, j) => sum + Math.abs(v - (j === labels[r] ? 1 : 0)), 0) / 3;
        valid++;
      }
    }
    const h = await m.fit(x, y, { batchSize: n, epochs: 1, shuffle: false, verbose: 0, sampleWeight: w });
    const e = await m.evaluate(x, y, { sampleWeight: w });
    for (const got of [h.history.loss[0], e.loss]) expect(Math.abs(got - loss / valid) / (loss / valid), `loss ${got} vs ${loss / valid}`).toBeLessThan(1e-6);
    for (const got of [h.history.accuracy[0], e.accuracy]) expect(got).toBeCloseTo(hits / valid, 12);
    for (const got of [h.history.mae[0], e.mae]) expect(Math.abs(got - mae / valid)).toBeLessThan(1e-7);
  });
});

describe('masked metrics over several batches, and predict', () => {
  it('mae is the mean over every unpadded step of the run, whatever the batching; a batch of padding only: accuracy 0, not NaN', async () => {
    const m = maskedTagger(14);
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0 }), loss: 'categoricalCrossentropy', metrics: ['accuracy', 'mae'] });
    const x = new Tensor(Float32Array.from([3, 4, 5, 0, 0, 0, 0, 0, 7, 0, 0, 0]), [3, 4]); // 3, 0 and 1 unpadded steps
    const y = new Tensor(oneHot(ids(12, 3, 95), 3), [3, 4, 3]);
    const whole = await m.evaluate(x, y, { batchSize: 3 }), single = await m.evaluate(x, y, { batchSize: 1 });
    expect(Math.abs(single.mae - whole.mae)).toBeLessThan(1e-7);
    expect(single.accuracy).toBeCloseTo(whole.accuracy, 12);
    const h = await m.fit(x, y, { batchSize: 1, epochs: 1, shuffle: false, verbose: 0 });
    expect(Math.abs(h.history.mae[0] - whole.mae)).toBeLessThan(1e-7);
    const padOnly = await m.evaluate(new Tensor(new Float32Array(4), [1, 4]), new Tensor(oneHot(ids(4, 3, 96), 3), [1, 4, 3]));
    expect([padOnly.loss, padOnly.accuracy, padOnly.mae]).toEqual([0, 0, 0]);
  });

  it('a model whose mask reaches only its output predicts before any fit or evaluate (embedding(maskZero) → dense)', async () => {
    const m = sn.sequential({ seed: 15 });
    m.add(sn.layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputShape: [4] }));
    m.add(sn.layers.dense({ units: 2, activation: 'softmax' }));
    expect((await m.predict(new Tensor(Float32Array.from([1, 2, 0, 0]), [1, 4]))).shape).toEqual([1, 4, 2]);
  });
});

describe('a weight per step (Keras\' sample_weight [n, steps]) for a prediction per step', () => {
  it('loss Σ w · loss / (n · steps), with a mask Σ w · mask · loss / Σ mask; fit, evaluate in batches, validationSplit', async () => {
    for (const masked of [false, true]) {
      const m = masked ? maskedTagger(12) : tagger();
      m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0 }), loss: 'sparseCategoricalCrossentropy' });
      const n = 4, t = 6, lengths = masked ? [6, 3, 5, 1] : [6, 6, 6, 6];
      const tokens = new Float32Array(n * t), labels = ids(n * t, 3, 81), w = rand(n * t, 82, 0, 2);
      lengths.forEach((len, b) => tokens.set(ids(len, 11, 83 + b).map((v) => v + 1), b * t));
      const x = new Tensor(tokens, [n, t]), y = new Tensor(labels, [n, t]), sw = new Tensor(w, [n, t]);
      const p = (await m.predict(x)).data;
      const reference = (from: number, to: number) => {
        let sum = 0, count = 0;
        for (let b = from; b < to; b++) {
          for (let s = 0; s < t; s++) {
            if (s >= lengths[b]) continue;
            sum -= w[b * t + s] * Math.log(p[(b * t + s) * 3 + labels[b * t + s]]);
            count++;
          }
        }
        return sum / (masked ? count : (to - from) * t);
      };
      const h = await m.fit(x, y, { batchSize: n, epochs: 1, shuffle: false, verbose: 0, sampleWeight: sw });
      expect(Math.abs(h.history.loss[0] - reference(0, n)) / reference(0, n), `masked ${masked}: fit`).toBeLessThan(1e-6);
      const e = await m.evaluate(x, y, { sampleWeight: sw, batchSize: 2 });
      expect(Math.abs(e.loss - (reference(0, 2) + reference(2, 4)) / 2) / e.loss, `masked ${masked}: evaluate in batches of 2`).toBeLessThan(1e-6);
      const v = await m.fit(x, y, { batchSize: n, epochs: 1, shuffle: false, verbose: 0, sampleWeight: sw, validationSplit: 0.25 });
      expect(Math.abs(v.history.val_loss[0] - reference(3, 4)) / reference(3, 4), `masked ${masked}: validationSplit`).toBeLessThan(1e-6);
    }
  });

  it('weights 1 on the first 4 of 7 steps and 0 after train as the 4 steps themselves at 7/4 the rate', async () => {
    const n = 3, tokens = ids(n * 7, 11, 91).map((v) => v + 1), labels = ids(n * 7, 3, 92);
    const w = new Float32Array(n * 7), short = new Float32Array(n * 4), shortLabels = new Float32Array(n * 4);
    for (let b = 0; b < n; b++) {
      w.fill(1, b * 7, b * 7 + 4);
      short.set(tokens.subarray(b * 7, b * 7 + 4), b * 4);
      shortLabels.set(labels.subarray(b * 7, b * 7 + 4), b * 4);
    }
    const run = async (x: Tensor, y: Tensor, rate: number, sampleWeight?: Tensor) => {
      const m = sn.sequential({ seed: 13 });
      m.add(sn.layers.embedding({ inputDim: 12, outputDim: 5, inputShape: [null] as unknown as number[] }));
      m.add(sn.layers.gru({ units: 4, returnSequences: true }));
      m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
      m.compile({ optimizer: sn.optimizers.sgd({ learningRate: rate }), loss: 'sparseCategoricalCrossentropy' });
      await m.fit(x, y, { batchSize: n, epochs: 1, shuffle: false, verbose: 0, sampleWeight });
      return m.getWeights();
    };
    const a = await run(new Tensor(tokens, [n, 7]), new Tensor(labels, [n, 7]), 0.5 * 7 / 4, new Tensor(w, [n, 7]));
    const b = await run(new Tensor(short, [n, 4]), new Tensor(shortLabels, [n, 4]), 0.5);
    a.forEach((wa, i) => expect(maxRelError(wa.data as Float32Array, b[i].data as Float32Array), `weight ${i}`).toBeLessThan(1e-5));
  });

  it('refuses weights of another shape, naming both forms', async () => {
    const m = tagger();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = new Tensor(ids(2 * 6, 12, 93), [2, 6]), y = new Tensor(ids(2 * 6, 3, 94), [2, 6]);
    await expect(m.fit(x, y, { verbose: 0, sampleWeight: new Tensor(new Float32Array(10), [2, 5]) })).rejects.toThrow(
      'fit: sampleWeight must be one weight per sample of x (a tensor of shape [2], or an array), or a tensor of one per position [2, 6], got shape [2, 5]');
  });
});
