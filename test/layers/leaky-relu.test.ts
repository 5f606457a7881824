// LeakyReLU's options as Keras 2 / tfjs (alpha) and Keras 3 (negative_slope) write them, and its refusals; the
// layer's numbers (tfjs parity, finite differences, save/load, threads) come from its examples in generic.test.ts.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { LeakyReLU } from '../../src/layers/leaky-relu.js';
import { layerFromConfig } from '../../src/layers/registry.js';

describe('LeakyReLU', () => {
  it('reads alpha (Keras 2, tfjs) and negative_slope (Keras 3); 0.3 by default, as Keras 2 and tfjs', () => {
    expect((layerFromConfig('LeakyReLU', { name: 'lr', alpha: 0.1 }) as LeakyReLU).alpha).toBe(0.1);
    expect((layerFromConfig('LeakyReLU', { name: 'lr', negative_slope: 0.2, dtype: 'float32', trainable: true }) as LeakyReLU).alpha).toBe(0.2);
    expect((layerFromConfig('LeakyReLU', {}) as LeakyReLU).alpha).toBe(0.3);
    expect(sn.layers.leakyReLU().getConfig()).toMatchObject({ alpha: 0.3 });
  });

  it('refuses a negative or non-numeric alpha and names a misspelt option', () => {
    expect(() => sn.layers.leakyReLU({ alpha: -0.1 })).toThrow(/leakyReLU: alpha must be a number in \[0, Infinity\], got -0.1/);
    expect(() => sn.layers.leakyReLU({ alpha: '0.1' as never })).toThrow(/alpha must be a number/);
    expect(() => sn.layers.leakyReLU({ alhpa: 0.1 } as never)).toThrow(/unknown option alhpa \(did you mean alpha\?\)/);
    expect(() => layerFromConfig('LeakyReLU', { negative_slope: -1 })).toThrow(/alpha must be a number in \[0, Infinity\]/);
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
