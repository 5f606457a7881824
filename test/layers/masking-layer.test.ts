// Masking (Keras' layer for sequences of features): steps whose every feature equals maskValue are padding — zeroed,
// skipped by a recurrent layer after it (against tfjs, whose LSTM honours the same mask) and left out of a per-step
// loss. The generic layer test runs its examples (no padded step there: random inputs).
import type * as TF from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { modelTopology } from '../../src/io/topology.js';
import { Tensor } from '../../src/tensor.js';
import { LayerHarness, maxRelError, rand } from '../helpers.js';
import { tfjsOracle } from '../tfjs-oracle.js';

const { tf, record } = tfjsOracle('masking');

/** [n, steps, features] with the last `pad[b]` steps of sample b set to `value` in every feature. */
function padded(n: number, steps: number, features: number, pad: number[], value: number, seed: number): Float32Array {
  const x = rand(n * steps * features, seed);
  pad.forEach((p, b) => x.fill(value, (b * steps + steps - p) * features, (b + 1) * steps * features));
  return x;
}

describe('masking', () => {
  it('an LSTM after it skips the padded steps: tfjs\' predictions, and the unpadded sequences\' own', async () => {
    const m = sn.sequential({ seed: 3 });
    m.add(sn.layers.masking({ maskValue: -1, inputShape: [null, 3] as unknown as number[] }));
    m.add(sn.layers.lstm({ units: 4 }));
    const x = padded(3, 5, 3, [0, 2, 4], -1, 7);
    const ours = await m.predict(new Tensor(x, [3, 5, 3]));
    const t = await tf.models.modelFromJSON({ modelTopology: modelTopology(m) } as unknown as TF.io.ModelJSON);
    t.setWeights(m.getWeights().map((w) => tf.tensor(w.data, [...w.shape])));
    const theirs = tf.tidy(() => (t.predict(tf.tensor(x, [3, 5, 3])) as TF.Tensor).dataSync());
    record('masking → lstm predict', maxRelError(ours.data, theirs));
    expect(maxRelError(ours.data, theirs)).toBeLessThan(1e-5);
    // sample 1 is 3 steps and 2 of padding: its prediction is the 3 steps' own
    const short = await m.predict(new Tensor(x.subarray(15, 15 + 9), [1, 3, 3]));
    expect(Array.from(ours.data.subarray(4, 8))).toEqual(Array.from(short.data));
  });

  it('zeroes the padded steps, and a per-step loss leaves them out', async () => {
    const m = sn.sequential({ seed: 4 });
    m.add(sn.layers.masking({ inputShape: [4, 2] }));
    m.add(sn.layers.simpleRNN({ units: 3, returnSequences: true }));
    m.add(sn.layers.dense({ units: 2, activation: 'softmax' }));
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = new Tensor(padded(2, 4, 2, [1, 3], 0, 9), [2, 4, 2]);
    const a = await m.evaluate(x, new Tensor(Float32Array.from([0, 1, 1, 0, 1, 0, 0, 0]), [2, 4]));
    const b = await m.evaluate(x, new Tensor(Float32Array.from([0, 1, 1, 1, 1, 1, 1, 1]), [2, 4]));
    expect(b).toEqual(a);
    const only = sn.sequential();
    only.add(sn.layers.masking({ maskValue: 0.5, inputShape: [3, 2] }));
    const y = await only.predict(new Tensor(Float32Array.from([1, 0.5, 0.5, 0.5, 0.5, 2]), [1, 3, 2]));
    expect(Array.from(y.data)).toEqual([1, 0.5, 0, 0, 0.5, 2]);
    await m.fit(x, new Tensor(Float32Array.from([0, 1, 1, 0, 1, 0, 0, 0]), [2, 4]), { epochs: 2, verbose: 0 });
  });

  it('passes the gradient of unpadded steps only (Keras: the output is x · mask)', () => {
    const h = new LayerHarness(sn.layers.masking({ maskValue: 2 }), [3, 2], 2);
    try {
      const x = Float32Array.from([1, 2, 2, 2, 2, 5, 2, 2, 0, 0, 2, 2]); // padded: sample 0 step 1, sample 1 steps 0 and 2
      const dy = rand(12, 31);
      const { y, dx } = h.run(x, dy);
      const keep = [1, 0, 1, 0, 1, 0];
      expect(Array.from(y)).toEqual(Array.from(x, (v, i) => (keep[i >> 1] ? v : 0)));
      expect(Array.from(dx!)).toEqual(Array.from(dy, (v, i) => (keep[i >> 1] ? v : 0)));
    } finally { h.dispose(); }
  });

  it('after an embedding with maskZero, replaces its mask (as Keras); a BatchNormalization on its steps is refused in training, by name', async () => {
    const m = sn.sequential({ seed: 5 });
    m.add(sn.layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputShape: [4] }));
    m.add(sn.layers.masking({ maskValue: 0 }));
    m.add(sn.layers.lstm({ units: 2 }));
    expect((await m.predict(new Tensor(Float32Array.from([1, 2, 0, 0]), [1, 4]))).shape).toEqual([1, 2]);
    const b = sn.sequential({ seed: 5 });
    b.add(sn.layers.masking({ inputShape: [4, 2] }));
    b.add(sn.layers.batchNormalization());
    b.add(sn.layers.lstm({ units: 2 }));
    b.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await expect(b.fit(new Tensor(rand(16, 3), [2, 4, 2]), new Tensor(new Float32Array(4), [2, 2]), { verbose: 0 })).rejects.toThrow(
      "fit: batch_normalization (BatchNormalization) takes masking (Masking)'s mask (maskValue) in training: Keras leaves masked steps out of its batch statistics, simdnet counts them; move it after the layer that consumes the mask, or pad without the masking layer");
  });

  it('globalAveragePooling1d averages the unmasked steps only, as Keras\': padded sequences train as the unpadded ones', async () => {
    const run = async (tokens: number[], steps: number, rate: number) => {
      const m = sn.sequential({ seed: 6 });
      m.add(sn.layers.embedding({ inputDim: 8, outputDim: 3, maskZero: true, inputShape: [steps] }));
      m.add(sn.layers.globalAveragePooling1d());
      m.add(sn.layers.dense({ units: 1, activation: 'sigmoid' }));
      m.compile({ optimizer: sn.optimizers.sgd({ learningRate: rate }), loss: 'binaryCrossentropy' });
      const x = new Tensor(Float32Array.from(tokens), [2, steps]);
      const before = await m.predict(x);
      await m.fit(x, new Tensor(Float32Array.from([1, 0]), [2, 1]), { batchSize: 2, epochs: 1, shuffle: false, verbose: 0 });
      return { before: Array.from(before.data), weights: m.getWeights() };
    };
    const padded = await run([3, 5, 2, 0, 0, 7, 1, 4, 0, 0], 5, 0.5), plain = await run([3, 5, 2, 7, 1, 4], 3, 0.5);
    expect(padded.before).toEqual(plain.before);
    padded.weights.forEach((w, i) => expect(maxRelError(w.data, plain.weights[i].data), `weight ${i}`).toBeLessThan(1e-6));
    // after a Masking layer too; a sample of padding only pools to 0, not NaN
    const m = sn.sequential({ seed: 7 });
    m.add(sn.layers.masking({ inputShape: [3, 2] }));
    m.add(sn.layers.globalAveragePooling1d());
    const y = await m.predict(new Tensor(Float32Array.from([1, 2, 0, 0, 3, 6, 0, 0, 0, 0, 0, 0]), [2, 3, 2]));
    expect(Array.from(y.data)).toEqual([2, 4, 0, 0]);
    const gmp = sn.sequential();
    gmp.add(sn.layers.masking({ inputShape: [3, 2] }));
    expect(() => gmp.add(sn.layers.globalMaxPooling1d())).toThrow(
      'globalMaxPooling1d: cannot follow a layer whose output is masked (an embedding with maskZero, or a masking layer); simdnet does not pool over masked steps here (globalAveragePooling1d does, as Keras)');
  });

  it('refuses a maskValue that is not a finite number, and inputs that are not [steps, features]', () => {
    expect(() => sn.layers.masking({ maskValue: NaN })).toThrow('masking: maskValue must be a finite number, got NaN');
    const m = sn.sequential();
    expect(() => m.add(sn.layers.masking({ inputShape: [5] }))).toThrow(
      'masking (Masking): expected input of shape [steps, features] (a step is padding when every feature equals maskValue), got [5]');
  });
});
