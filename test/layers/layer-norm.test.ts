// LayerNormalization's options as Keras 2 / 3 and tfjs write them, and its refusals; its numbers (tfjs parity,
// finite differences, save/load, threads) come from its examples in generic.test.ts.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { LayerNormalization } from '../../src/layers/layer-norm.js';
import { layerFromConfig } from '../../src/layers/registry.js';

describe('LayerNormalization', () => {
  it('reads Keras\' axis list, epsilon, center and scale; refuses RMS scaling and another axis', () => {
    const l = layerFromConfig('LayerNormalization', { name: 'ln', axis: [2], epsilon: 1e-6, center: true, scale: false, rms_scaling: false,
      beta_initializer: { class_name: 'Zeros', config: {} }, gamma_initializer: { class_name: 'Ones', config: {} } }) as LayerNormalization;
    expect([l.axis, l.epsilon, l.center, l.scale]).toEqual([2, 1e-6, true, false]);
    expect(() => layerFromConfig('LayerNormalization', { name: 'ln', rms_scaling: true })).toThrow(/option rms_scaling = true is not supported \(simdnet has no RMS scaling/);
    expect(() => sn.sequential().add(sn.layers.layerNormalization({ axis: 1, inputShape: [3, 4] })))
      .toThrow('layer_normalization (LayerNormalization): axis 1 is not the last axis of its input [batch, 3, 4]; simdnet normalizes over the last axis (axis -1)');
    expect(() => sn.layers.layerNormalization({ axis: 0 })).toThrow(/axis must be -1/);
  });

  it('normalizes each row to mean 0 and variance 1 (before gamma and beta), in training and inference alike', async () => {
    const m = sn.sequential();
    m.add(sn.layers.layerNormalization({ inputShape: [2, 4], epsilon: 1e-6 }));
    const x = sn.tensor([1, 2, 3, 4, 10, 10, 10, 14, -5, 0, 5, 100, 7, 7, 7, 7], [2, 2, 4]);
    const y = (await m.predict(x)).data;
    for (let r = 0; r < 4; r++) {
      const row = Array.from(y.subarray(4 * r, 4 * r + 4));
      const mean = row.reduce((a, b) => a + b) / 4, v = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
      expect(Math.abs(mean)).toBeLessThan(1e-6);
      expect(v).toBeCloseTo(r === 3 ? 0 : 1, 4); // a constant row stays 0 (variance 0 + epsilon)
    }
  });

  it('in a text model (embedding -> layer norm -> GRU) trains and round-trips', async () => {
    const m = sn.sequential({ seed: 3 });
    m.add(sn.layers.embedding({ inputDim: 20, outputDim: 8, inputLength: 5 }));
    m.add(sn.layers.layerNormalization());
    m.add(sn.layers.gru({ units: 6 }));
    m.add(sn.layers.dense({ units: 1, activation: 'sigmoid' }));
    m.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.02 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const ids = sn.tensor(Float32Array.from({ length: 64 * 5 }, (_, i) => (i * 7 + (i >> 3)) % 20), [64, 5]);
    const y = sn.tensor(Float32Array.from({ length: 64 }, (_, i) => ((i * 7 * 5) % 20 < 10 ? 1 : 0)), [64, 1]);
    const h = await m.fit(ids, y, { epochs: 15, batchSize: 16, verbose: 0 });
    expect(h.history.loss.at(-1)!).toBeLessThan(h.history.loss[0]);
    const again = await sn.loadModel(await m.toArtifacts());
    expect((await again.predict(ids)).data).toEqual((await m.predict(ids)).data);
  });
});

describe('LayerNormalization, more', () => {
  it('keeps the digits of rows far from zero (f64 statistics up to the normalized value)', async () => {
    const m = sn.sequential();
    m.add(sn.layers.layerNormalization({ inputShape: [4], epsilon: 1e-6 }));
    const rows = [[10000.25, 9999.5, 10000.75, 9999.25], [100.01, 99.99, 100.005, 99.995]];
    const y = (await m.predict(sn.tensor(rows.flat(), [2, 4]))).data;
    rows.forEach((row, r) => {
      const f = row.map(Math.fround), mean = f.reduce((a, b) => a + b) / 4, v = f.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
      f.forEach((x, j) => expect(Math.abs(y[4 * r + j] - (x - mean) / Math.sqrt(v + 1e-6))).toBeLessThan(2e-6));
    });
  });

  it('takes axis [-1] as Keras lists it, and names what it refuses', () => {
    expect(sn.layers.layerNormalization({ axis: [-1] }).axis).toBe(-1);
    expect(() => sn.layers.layerNormalization({ axis: [1, 2, 3] as never })).toThrow("layerNormalization: axis [1,2,3] normalizes over several axes; simdnet's LayerNormalization normalizes over one, the last (axis -1)");
    expect(() => sn.layers.layerNormalization({ epsilon: 0 })).toThrow('layerNormalization: epsilon must be a positive number (with 0 a constant row divides by zero), got 0');
  });

  it('passes an embedding\'s mask on to a recurrent layer (Keras): padded steps change nothing', async () => {
    const m = sn.sequential({ seed: 6 });
    m.add(sn.layers.embedding({ inputDim: 10, outputDim: 4, maskZero: true, batchInputShape: [null, null] }));
    m.add(sn.layers.layerNormalization());
    m.add(sn.layers.lstm({ units: 3 }));
    const short = (await m.predict(sn.tensor([3, 5], [1, 2]))).data;
    const padded = (await m.predict(sn.tensor([3, 5, 0, 0], [1, 4]))).data;
    expect(Array.from(padded)).toEqual(Array.from(short));
  });
});

describe('LayerNormalization, refusals the f32 kernels need', () => {
  it('an epsilon that rounds to 0 in f32, and an empty axis list', () => {
    expect(() => sn.layers.layerNormalization({ epsilon: 1e-46 })).toThrow('layerNormalization: epsilon must be a positive number (with 0 a constant row divides by zero), got 1e-46');
    expect(() => sn.layers.layerNormalization({ axis: [] as never })).toThrow("layerNormalization: axis [] names no axis; simdnet's LayerNormalization normalizes over one, the last (axis -1)");
    expect(() => layerFromConfig('LayerNormalization', { axis: [] })).toThrow('names no axis');
  });
});
