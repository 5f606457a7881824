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
    expect(() => sn.layers.leakyReLU({ alpha: -0.1 })).toThrow(/leakyReLU: alpha must be a number in \[0, 1\.79\d*e\+308\], got -0.1/);
    expect(() => sn.layers.leakyReLU({ alpha: '0.1' as never })).toThrow(/alpha must be a number/);
    expect(() => sn.layers.leakyReLU({ alpha: Infinity })).toThrow(/alpha must be a number in \[0, 1\.79\d*e\+308\], got Infinity/);
    expect(() => sn.layers.leakyReLU({ alhpa: 0.1 } as never)).toThrow(/unknown option alhpa \(did you mean alpha\?\)/);
    expect(() => layerFromConfig('LeakyReLU', { negative_slope: -1 })).toThrow(/alpha must be a number in \[0, 1\.79\d*e\+308\]/);
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
  it('ReLU reads Keras\' max_value, negative_slope and threshold 0; refuses another threshold', () => {
    const r = layerFromConfig('ReLU', { name: 'r', max_value: 6, negative_slope: 0.1, threshold: 0 }) as ReLU;
    expect([r.maxValue, r.negativeSlope]).toEqual([6, 0.1]);
    expect(r.getConfig()).toMatchObject({ max_value: 6, negative_slope: 0.1, threshold: 0 });
    expect(sn.layers.reLU().getConfig()).toMatchObject({ max_value: null });
    expect(sn.layers.reLU().getConfig()).not.toHaveProperty('negative_slope'); // tfjs' ReLU has maxValue only
    expect(() => layerFromConfig('ReLU', { threshold: 0.5 })).toThrow("reLU: threshold 0.5 is not supported (simdnet's ReLU layer has threshold 0)");
    expect(() => sn.layers.reLU({ maxValue: 0 })).toThrow(/reLU: maxValue must be a number in/);
  });

  it('Softmax works over the last axis only and says so', async () => {
    expect(() => sn.layers.softmax({ axis: 1 })).toThrow("softmax: axis 1 is not supported; simdnet's Softmax layer works over the last axis (axis -1)");
    const m = sn.sequential();
    m.add(sn.layers.softmax({ inputShape: [2, 3] }));
    const y = await m.predict(sn.tensor([0, 0, 0, 1, 2, 3], [1, 2, 3]));
    expect(y.data[0]).toBeCloseTo(1 / 3, 6);
    expect(y.data[3] + y.data[4] + y.data[5]).toBeCloseTo(1, 6);
    expect(m.layers[0].getConfig()).toMatchObject({ axis: -1 });
    expect(m.layers[0].getConfig()).not.toHaveProperty('activation');
  });
});
