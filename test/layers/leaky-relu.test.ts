// LeakyReLU's options as Keras 2 / tfjs (alpha) and Keras 3 (negative_slope) write them, and its refusals; the
// layer's numbers (tfjs parity, finite differences, save/load, threads) come from its examples in generic.test.ts.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { LeakyReLU, ReLU } from '../../src/layers/leaky-relu.js';
import { layerFromConfig } from '../../src/layers/registry.js';

describe('LeakyReLU', () => {
  it('reads alpha (Keras 2, tfjs) and negative_slope (Keras 3); 0.3 by default, as Keras 2 and tfjs', () => {
    expect((layerFromConfig('LeakyReLU', { name: 'lr', alpha: 0.1 }) as LeakyReLU).alpha).toBe(0.1);
    expect((layerFromConfig('LeakyReLU', { name: 'lr', negative_slope: 0.2, dtype: 'float32', trainable: true }) as LeakyReLU).alpha).toBe(0.2);
    expect((layerFromConfig('LeakyReLU', {}) as LeakyReLU).alpha).toBe(0.3);
    expect(sn.layers.leakyReLU().getConfig()).toMatchObject({ alpha: 0.3 });
  });

  it('refuses a negative or non-numeric alpha and names a misspelt option', () => {
    expect(() => sn.layers.leakyReLU({ alpha: -0.1 })).toThrow('leakyReLU: alpha must be a finite number >= 0, got -0.1');
    expect(() => sn.layers.leakyReLU({ alpha: '0.1' as never })).toThrow(/alpha must be a finite number >= 0/);
    expect(() => sn.layers.leakyReLU({ alpha: Infinity })).toThrow('leakyReLU: alpha must be a finite number >= 0, got Infinity');
    expect(() => sn.layers.leakyReLU({ alhpa: 0.1 } as never)).toThrow(/unknown option alhpa \(did you mean alpha\?\)/);
    expect(() => layerFromConfig('LeakyReLU', { negative_slope: -1 })).toThrow(/alpha must be a finite number >= 0, got -1/);
  });

  it('a model with LeakyReLU and the new activations learns a task and round-trips through memory', async () => {
    const m = sn.sequential({ seed: 2 });
    m.add(sn.layers.dense({ units: 16, inputShape: [2] }));
    m.add(sn.layers.leakyReLU({ alpha: 0.1 }));
    m.add(sn.layers.dense({ units: 16, activation: 'elu' }));
    m.add(sn.layers.dense({ units: 8, activation: 'selu' }));
    m.add(sn.layers.dense({ units: 1, activation: 'sigmoid' }));
    m.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.02 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    // XOR-like quadrants: not linearly separable
    const n = 256, xs = new Float32Array(2 * n), ys = new Float32Array(n);
    const rng = new sn.Random(4);
    for (let i = 0; i < n; i++) {
      const a = rng.uniform(-1, 1), b = rng.uniform(-1, 1);
      xs[2 * i] = a; xs[2 * i + 1] = b; ys[i] = a * b > 0 ? 1 : 0;
    }
    const h = await m.fit(sn.tensor(xs, [n, 2]), sn.tensor(ys, [n, 1]), { epochs: 60, batchSize: 32, verbose: 0 });
    expect(h.history.accuracy.at(-1)).toBeGreaterThan(0.9);
    const again = await sn.loadModel(await m.toArtifacts());
    expect(again.layers.map((l) => l.className)).toEqual(['Dense', 'LeakyReLU', 'Dense', 'Dense', 'Dense']);
    const x = sn.tensor(xs.subarray(0, 20), [10, 2]);
    expect((await again.predict(x)).data).toEqual((await m.predict(x)).data);
  });
});

describe('ReLU and Softmax layers', () => {
  it('ReLU reads max_value (Keras, tfjs); refuses Keras\' negative_slope and threshold other than 0, which tfjs would ignore', () => {
    const r = layerFromConfig('ReLU', { name: 'r', max_value: 6, negative_slope: 0, threshold: 0 }) as ReLU;
    expect(r.maxValue).toBe(6);
    expect(r.getConfig()).toMatchObject({ max_value: 6 });
    expect(sn.layers.reLU().getConfig()).toMatchObject({ max_value: null });
    expect(sn.layers.reLU({ maxValue: 0 }).maxValue).toBe(0); // Keras allows 0
    expect(() => layerFromConfig('ReLU', { name: 'r', negative_slope: 0.1 }))
      .toThrow("ReLU layer 'r': option negative_slope = 0.1 is not supported (simdnet's ReLU layer has no negative slope, as tfjs' (a LeakyReLU layer has one))");
    expect(() => layerFromConfig('ReLU', { threshold: 0.5 })).toThrow(/option threshold = 0.5 is not supported/);
    expect(() => sn.layers.reLU({ maxValue: -1 })).toThrow('reLU: maxValue must be a finite number >= 0, got -1');
    expect(() => sn.layers.reLU({ negativeSlope: 0.1 } as never)).toThrow(/unknown option negativeSlope/);
  });

  it('Softmax over the last axis: -1 (Keras) or its index counting the batch axis (tfjs\' default 1 after a Dense)', async () => {
    const m = sn.sequential();
    m.add(sn.layers.softmax({ inputShape: [2, 3] }));
    const y = await m.predict(sn.tensor([0, 0, 0, 1, 2, 3], [1, 2, 3]));
    expect(y.data[0]).toBeCloseTo(1 / 3, 6);
    expect(y.data[3] + y.data[4] + y.data[5]).toBeCloseTo(1, 6);
    expect(m.layers[0].getConfig()).toMatchObject({ axis: -1 });
    expect(m.layers[0].getConfig()).not.toHaveProperty('activation');
    const m2 = sn.sequential();
    m2.add(sn.layers.dense({ units: 4, inputShape: [3] }));
    m2.add(layerFromConfig('Softmax', { axis: 1, name: 'softmax_Softmax1' }));
    expect(m2.layers[1].getConfig()).toMatchObject({ axis: 1 });
    expect(() => sn.sequential().add(sn.layers.softmax({ axis: 1, inputShape: [2, 3] })))
      .toThrow('softmax (Softmax): axis 1 is not the last axis of inputs of shape [batch, 2, 3] (that is 2, or -1); simdnet\'s Softmax works over the last axis only');
    expect(() => sn.layers.softmax({ axis: 0 })).toThrow('softmax: axis must be -1 or a positive integer (the last axis, counting the batch axis), got 0');
  });

  it('a tfjs model ending in tf.layers.softmax() (axis 1) loads and predicts as tfjs', async () => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const t = tf.sequential();
    t.add(tf.layers.dense({ units: 4, inputShape: [3] }));
    t.add(tf.layers.softmax());
    let art: import('@tensorflow/tfjs').io.ModelArtifacts | null = null;
    await t.save(tf.io.withSaveHandler(async (a) => { art = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const a = art! as import('@tensorflow/tfjs').io.ModelArtifacts;
    const m = await sn.loadModel({ modelJson: { modelTopology: a.modelTopology, weightsManifest: [{ paths: [], weights: a.weightSpecs }] }, weights: a.weightData as ArrayBuffer });
    const x = [0.3, -1, 2, 1, 0.5, -0.2];
    const want = (t.predict(tf.tensor2d(x, [2, 3])) as import('@tensorflow/tfjs').Tensor).dataSync();
    const got = (await m.predict(sn.tensor(x, [2, 3]))).data;
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
    m.dispose(); t.dispose();
  });
});
