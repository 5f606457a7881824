// TimeDistributed beyond the generic layer test (which runs its examples against tfjs): the layer handed in as a
// layer, as Keras users write it; the same weights as the layer itself applied step by step; a frozen inner layer;
// sequences of any length; and the errors.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { Tensor } from '../../src/tensor.js';
import { maxRelError, rand } from '../helpers.js';

describe('timeDistributed', () => {
  it('takes a layer (as Keras code writes it) and applies it at every step with one set of weights', async () => {
    const m = sn.sequential({ seed: 2 });
    m.add(sn.layers.timeDistributed({ layer: sn.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'relu' }), inputShape: [4, 5, 5, 2] }));
    m.add(sn.layers.timeDistributed({ layer: sn.layers.flatten() }));
    m.add(sn.layers.lstm({ units: 3 }));
    expect(m.outputShape).toEqual([3]);
    expect(m.layers[0].name).toBe('time_distributed');
    expect(m.layers[0].outputShape).toEqual([4, 4, 4, 3]);
    // each step's output is the conv alone on that frame, with the wrapper's weights
    const conv = sn.sequential();
    conv.add(sn.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'relu', inputShape: [5, 5, 2] }));
    conv.setWeights(m.getWeights().slice(0, 2));
    const x = rand(2 * 4 * 50, 3);
    const first = sn.sequential();
    first.add(sn.layers.timeDistributed({ layer: sn.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'relu' }), inputShape: [4, 5, 5, 2] }));
    first.setWeights(m.getWeights().slice(0, 2));
    const y = await first.predict(new Tensor(x, [2, 4, 5, 5, 2]));
    const frames = await conv.predict(new Tensor(x, [8, 5, 5, 2]));
    expect(maxRelError(y.data, frames.data)).toBe(0);
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const h = await m.fit(new Tensor(x, [2, 4, 5, 5, 2]), new Tensor(rand(6, 4), [2, 3]), { epochs: 2, verbose: 0 });
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
  });

  it('a frozen inner layer is not trained; sequences of any length', async () => {
    const m = sn.sequential({ seed: 5 });
    const dense = sn.layers.dense({ units: 2, trainable: false });
    m.add(sn.layers.timeDistributed({ layer: dense, inputShape: [null, 3] as unknown as number[] }));
    m.add(sn.layers.timeDistributed({ layer: sn.layers.dense({ units: 2 }) }));
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.5 }), loss: 'meanSquaredError' });
    const before = m.getWeights().map((w) => w.data.slice());
    for (const steps of [2, 5]) {
      await m.fit(new Tensor(rand(3 * steps * 3, steps), [3, steps, 3]), new Tensor(rand(3 * steps * 2, steps + 1), [3, steps, 2]), { epochs: 1, verbose: 0 });
    }
    const after = m.getWeights().map((w) => w.data);
    expect(Array.from(after[0])).toEqual(Array.from(before[0])); // frozen
    expect(maxRelError(after[2], before[2])).toBeGreaterThan(1e-4); // trained
    expect((await m.predict(new Tensor(rand(4 * 3, 9), [1, 4, 3]))).shape).toEqual([1, 4, 2]);
  });

  it('passes an embedding\'s mask on, as Keras\' wrapper: the padded steps\' labels do not reach the loss', async () => {
    const m = sn.sequential({ seed: 3 });
    m.add(sn.layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputShape: [4] }));
    m.add(sn.layers.lstm({ units: 2, returnSequences: true }));
    m.add(sn.layers.timeDistributed({ layer: sn.layers.dense({ units: 3, activation: 'softmax' }) }));
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = new Tensor(Float32Array.from([1, 2, 0, 0, 3, 4, 5, 0]), [2, 4]);
    const a = await m.evaluate(x, new Tensor(Float32Array.from([0, 1, 0, 0, 2, 1, 0, 0]), [2, 4]));
    const b = await m.evaluate(x, new Tensor(Float32Array.from([0, 1, 2, 1, 2, 1, 0, 2]), [2, 4]));
    expect(b).toEqual(a);
    // a BatchNormalization inside on masked steps is refused in training, as a plain one is
    const bn = sn.sequential({ seed: 3 });
    bn.add(sn.layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputShape: [4] }));
    bn.add(sn.layers.lstm({ units: 2, returnSequences: true }));
    bn.add(sn.layers.timeDistributed({ layer: sn.layers.batchNormalization() }));
    bn.add(sn.layers.lstm({ units: 2 }));
    bn.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await expect(bn.fit(x, new Tensor(new Float32Array(4), [2, 2]), { verbose: 0 })).rejects.toThrow(
      "time_distributed (TimeDistributed) takes embedding (Embedding)'s mask (maskZero) in training: Keras leaves masked steps out of its batch statistics");
  });

  it('its trainable reaches the inner layer, as Keras\' setter: a frozen BatchNormalization inside keeps its moving statistics', async () => {
    const m = sn.sequential({ seed: 4 });
    m.add(sn.layers.timeDistributed({ layer: sn.layers.batchNormalization(), inputShape: [3, 2], trainable: false }));
    m.add(sn.layers.flatten());
    m.add(sn.layers.dense({ units: 1 }));
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    const x = new Tensor(rand(8 * 6, 21, 2, 5), [8, 3, 2]), y = new Tensor(rand(8, 22), [8, 1]);
    const before = m.getWeights().map((w) => Array.from(w.data));
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    expect(m.getWeights().slice(0, 4).map((w) => Array.from(w.data))).toEqual(before.slice(0, 4)); // gamma, beta, moving mean and variance
    m.layers[0].trainable = true;
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    expect(maxRelError(m.getWeights()[2].data, Float32Array.from(before[2]))).toBeGreaterThan(1e-3); // moving mean now moves
  });

  it('refuses what it cannot wrap, by name', () => {
    expect(() => sn.layers.timeDistributed({ layer: 'dense' as never })).toThrow(
      'timeDistributed: layer must be a layer (sn.layers.dense({ units: 8 })) or its saved form { class_name, config }, got "dense"');
    expect(() => sn.layers.timeDistributed({ layer: sn.layers.timeDistributed({ layer: sn.layers.dense({ units: 2 }) }) })).toThrow(
      'timeDistributed: a TimeDistributed layer inside another is not supported');
    expect(() => sn.layers.timeDistributed({ layer: { class_name: 'Dense', config: { units: 2, dilation: 1 } } })).toThrow(/Dense layer: .*dilation/);
    const shared = sn.layers.dense({ units: 4 }), w = sn.sequential();
    w.add(sn.layers.timeDistributed({ layer: shared, inputShape: [3, 4] }));
    expect(() => w.add(sn.layers.timeDistributed({ layer: shared }))).toThrow(
      'time_distributed_1 (TimeDistributed): dense (Dense) is already built (in a model, or another wrapper): give timeDistributed a layer of its own');
    const m = sn.sequential();
    expect(() => m.add(sn.layers.timeDistributed({ layer: sn.layers.dense({ units: 2 }), inputShape: [3] }))).toThrow(
      'time_distributed (TimeDistributed): expected input of shape [steps, ...] (a sequence of what dense (Dense) takes), got [3]');
  });
});
