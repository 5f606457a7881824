// Conv2D on the Winograd path (src/layers/winograd.ts): each forced tile size against the GEMM path
// (forward, input and weight gradients) and finite differences; the transformed filter follows every
// change of the weights (setWeights, an optimizer step); which layers are eligible; SIMDNET_CONV.
import { afterEach, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { setConvAlgorithm, type ConvSetting } from '../../src/layers/winograd.js';
import { LayerHarness, maxRelError, rand } from '../helpers.js';
import { checkLayer, reluKink } from './fd.js';

afterEach(() => { setConvAlgorithm(null); });

/** A layer's training run (y, dx, dW) allocated under `setting`. */
function runWith(setting: ConvSetting, args: ConstructorParameters<typeof Conv2D>[0], shape: number[], batch: number) {
  setConvAlgorithm(setting);
  const layer = new Conv2D(args);
  const h = new LayerHarness(layer, shape, batch);
  try {
    const x = rand(h.inSize, 3), dy = rand(h.outSize, 4);
    return { run: h.run(x, dy), choice: layer.convChoice };
  } finally { h.dispose(); }
}

const LAYERS: [ConstructorParameters<typeof Conv2D>[0], number[]][] = [
  [{ filters: 6, kernelSize: 3, activation: 'relu' }, [11, 9, 5]],
  [{ filters: 5, kernelSize: 3, padding: 'same', activation: 'tanh' }, [7, 10, 3]],
  [{ filters: 9, kernelSize: 3, useBias: false }, [5, 5, 8]],
];

describe('Conv2D on the Winograd path', () => {
  for (const m of [2, 4, 6]) {
    it(`F(${m}x${m},3x3) matches the GEMM path: output, input and weight gradients`, () => {
      for (const [args, shape] of LAYERS) {
        const g = runWith('gemm', args, shape, 3), w = runWith(`winograd${m}` as ConvSetting, args, shape, 3);
        expect(g.choice?.forward.algorithm).toBe('gemm');
        expect(w.choice?.forward.algorithm).toBe(m);
        expect(w.choice?.backwardData?.algorithm).toBe(m);
        const label = `F(${m}) ${JSON.stringify(args)} on [${shape}]`;
        expect(maxRelError(w.run.y, g.run.y), `${label} y`).toBeLessThanOrEqual(1e-5);
        expect(maxRelError(w.run.dx!, g.run.dx!), `${label} dx`).toBeLessThanOrEqual(1e-5);
        w.run.dw.forEach((d, j) => expect(maxRelError(d, g.run.dw[j]), `${label} dW ${j}`).toBeLessThanOrEqual(1e-5));
      }
    });

    it(`F(${m}x${m},3x3) gradients agree with finite differences`, () => {
      setConvAlgorithm(`winograd${m}` as ConvSetting);
      checkLayer(`Conv2D F(${m})`, new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu' }), [8, 7, 3], 2, { kink: reluKink });
      checkLayer(`Conv2D F(${m}) same`, new Conv2D({ filters: 3, kernelSize: 3, padding: 'same' }), [6, 5, 2], 2, { maxBatch: 4 });
    });
  }

  it('keeps the GEMM path for other kernels, strides and Conv1D, whatever SIMDNET_CONV says', () => {
    for (const args of [{ filters: 2, kernelSize: 2 }, { filters: 2, kernelSize: 3, strides: 2 }, { filters: 2, kernelSize: [3, 1] as [number, number] }]) {
      expect(runWith('winograd', args, [7, 7, 2], 1).choice).toBeNull();
    }
    setConvAlgorithm('winograd');
    const m = sn.sequential();
    m.add(sn.layers.conv1d({ filters: 2, kernelSize: 3, inputShape: [9, 2] }));
    return m.predict(sn.tensor(rand(18, 1), [1, 9, 2])).then(() => {
      expect((m.layers[0] as Conv2D).convChoice).toBeNull();
      m.dispose();
    });
  });

  it('measure times GEMM and each tile size, and records the timings; auto decides by the cost model alone, timing nothing', () => {
    const { choice } = runWith('measure', { filters: 16, kernelSize: 3, activation: 'relu' }, [20, 20, 16], 8);
    expect(Object.keys(choice!.forward.ms).sort()).toEqual(['F(2x2,3x3)', 'F(4x4,3x3)', 'GEMM']);
    expect(Object.values(choice!.forward.ms).every((v) => v > 0)).toBe(true);
    expect(choice!.backwardData).not.toBeNull();
    const auto = runWith('auto', { filters: 16, kernelSize: 3, activation: 'relu' }, [20, 20, 16], 8).choice!;
    expect(auto.forward.ms).toEqual({});
    expect(auto.forward.algorithm).toBe(4);
  });

  it('transforms the filter again when the weights change (setWeights, an optimizer step)', async () => {
    const build = (setting: ConvSetting) => {
      setConvAlgorithm(setting);
      const m = sn.sequential({ seed: 3 });
      m.add(sn.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 4] }));
      m.add(sn.layers.flatten());
      m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
      m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
      return m;
    };
    const x = sn.tensor(rand(16 * 576, 5, 0, 1), [16, 12, 12, 4]);
    const y = sn.utils.toCategorical(Int32Array.from({ length: 16 }, (_, i) => i % 3), 3);
    const g = build('gemm'), w = build('winograd4');
    const same = async () => expect(maxRelError((await w.predict(x)).data, (await g.predict(x)).data)).toBeLessThanOrEqual(1e-5);
    await same();
    const weights = g.getWeights().map((t) => sn.tensor(t.data.map((v) => v * 1.5), [...t.shape]));
    g.setWeights(weights); w.setWeights(weights);
    await same();
    for (const m of [g, w]) await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, seed: 1 });
    await same();
    g.dispose(); w.dispose();
  });

  it('refuses an unknown SIMDNET_CONV, naming the variable and the choices', () => {
    const prev = process.env.SIMDNET_CONV;
    process.env.SIMDNET_CONV = 'fft';
    try {
      expect(() => runWith(null as unknown as ConvSetting, { filters: 2, kernelSize: 3 }, [5, 5, 1], 1))
        .toThrow(/SIMDNET_CONV must be one of auto, measure, gemm, winograd, winograd2, winograd4, winograd6, got "fft"/);
    } finally {
      if (prev === undefined) delete process.env.SIMDNET_CONV; else process.env.SIMDNET_CONV = prev;
    }
    expect(() => setConvAlgorithm('fast' as ConvSetting)).toThrow(/setConvAlgorithm: setting must be one of/);
  });
});
