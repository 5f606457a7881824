// The noise layers' draws (src/layers/noise.ts): their distributions in training (mean, spread, the normal's
// one-sigma mass, the dropped fraction), identity in predict, a fit seed's draws repeatable and another seed's
// different, and spatial dropout dropping whole channels, its gradient through the same mask. Shapes, finite
// differences, tfjs parity at inference, saving and 1 vs 2 threads: the generic layer test.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D } from '../../src/layers/noise.js';
import { LayerHarness, rt } from '../helpers.js';
import { setSplitThreshold, useThreads } from '../../src/threads/index.js';

const stats = (v: Float32Array) => {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, sd };
};

describe('noise layers', () => {
  it('gaussianNoise adds normal noise of stddev: mean 0, spread, 68.3 % within one sigma; a seed repeats, another differs', () => {
    const h = new LayerHarness(new GaussianNoise({ stddev: 0.5 }), [1000], 100);
    try {
      const x = new Float32Array(h.inSize).fill(2);
      const noise = h.forward(x, true, 7).map((v) => v - 2);
      const { mean, sd } = stats(noise);
      expect(Math.abs(mean)).toBeLessThan(0.01);
      expect(Math.abs(sd / 0.5 - 1)).toBeLessThan(0.01);
      const within = noise.filter((v) => Math.abs(v) < 0.5).length / noise.length;
      expect(Math.abs(within - 0.6827)).toBeLessThan(0.006);
      const tails = noise.filter((v) => Math.abs(v) > 1.5).length / noise.length; // beyond 3 sigma: 0.27 %
      expect(tails).toBeGreaterThan(0.0015);
      expect(tails).toBeLessThan(0.0040);
      expect(Array.from(h.forward(x, true, 7))).toEqual(Array.from(noise.map((v) => v + 2)));
      expect(h.forward(x, true, 8)).not.toEqual(h.forward(x, true, 7));
      expect(Array.from(h.forward(x, false, 7))).toEqual(Array.from(x)); // predict: the identity
      const run = h.run(x, new Float32Array(h.outSize).fill(3), true, 7);
      expect(run.dx!.every((v) => v === 3)).toBe(true); // additive: the gradient passes as it is
    } finally { h.dispose(); }
  });

  it("gaussianDropout multiplies by 1 + sqrt(rate / (1 - rate)) z (Keras'), and its gradient by the same factor", () => {
    const h = new LayerHarness(new GaussianDropout({ rate: 0.3 }), [500], 100);
    try {
      const x = new Float32Array(h.inSize).fill(1);
      const run = h.run(x, new Float32Array(h.outSize).fill(1), true, 3);
      const { mean, sd } = stats(run.y);
      expect(Math.abs(mean - 1)).toBeLessThan(0.01);
      expect(Math.abs(sd / Math.sqrt(0.3 / 0.7) - 1)).toBeLessThan(0.01);
      expect(Array.from(run.dx!)).toEqual(Array.from(run.y)); // dx = dy ⊙ factor, dy = 1
    } finally { h.dispose(); }
  });

  for (const [make, shape] of [[() => new SpatialDropout2D({ rate: 0.25 }), [4, 3, 8]], [() => new SpatialDropout1D({ rate: 0.25 }), [6, 8]]] as const) {
    it(`${make().className} drops whole channels of a sample (about rate of them), scales the rest, and so their gradients`, () => {
      const h = new LayerHarness(make(), [...shape], 200);
      try {
        const positions = shape.slice(0, -1).reduce((a, b) => a * b, 1), c = 8;
        const x = Float32Array.from({ length: h.inSize }, (_, i) => 1 + (i % 5));
        const dy = Float32Array.from({ length: h.outSize }, (_, i) => 2 + (i % 3));
        const run = h.run(x, dy, true, 11);
        let dropped = 0, mixed = 0;
        for (let b = 0; b < 200; b++) {
          const factors = new Set<number>();
          for (let ch = 0; ch < c; ch++) {
            const at = (p: number) => (b * positions + p) * c + ch;
            const factor = run.y[at(0)] / x[at(0)];
            expect([0, 1 / 0.75].some((f) => Math.abs(factor - f) < 1e-6)).toBe(true);
            for (let p = 0; p < positions; p++) {
              expect(run.y[at(p)]).toBeCloseTo(x[at(p)] * factor, 5);
              expect(run.dx![at(p)]).toBeCloseTo(dy[at(p)] * factor, 5);
            }
            if (factor === 0) dropped++;
            factors.add(factor);
          }
          if (factors.size > 1) mixed++;
        }
        expect(Math.abs(dropped / 1600 - 0.25)).toBeLessThan(0.035);
        // a coin per channel, not one per sample: with 8 channels, 1 - 0.75^8 - 0.25^8 = 90 % of samples mix the two
        expect(mixed / 200).toBeGreaterThan(0.8);
        expect(Array.from(h.forward(x, false, 11))).toEqual(Array.from(x));
      } finally { h.dispose(); }
    });
  }

  it('clear errors; a model with them trains and predicts as without them', async () => {
    expect(() => sn.layers.gaussianNoise({ stddev: -1 })).toThrow('gaussianNoise: stddev must be a finite number >= 0, got -1');
    expect(() => sn.layers.gaussianDropout({ rate: 1 })).toThrow('gaussianDropout: rate must be a number in [0, 1), got 1');
    // Keras' seed is taken (and saved as null, as Dropout's): the draws come from fit's seed
    for (const make of [() => sn.layers.gaussianNoise({ stddev: 0.1, seed: 3 }), () => sn.layers.gaussianDropout({ rate: 0.1, seed: 3 }),
      () => sn.layers.spatialDropout1d({ rate: 0.1, seed: 3 }), () => sn.layers.spatialDropout2d({ rate: 0.1, seed: 3 })]) {
      expect(make().getConfig().seed).toBeNull();
    }
    expect(() => sn.sequential().add(sn.layers.spatialDropout2d({ rate: 0.2, inputShape: [5, 4] })))
      .toThrow(/^spatial_dropout2d \(SpatialDropout2D\): expects samples of 3 axes \(\[height, width, channels\]\), got \[5, 4\]/);
    const build = (noisy: boolean) => {
      const m = sn.sequential({ seed: 4 });
      m.add(sn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2] }));
      if (noisy) m.add(sn.layers.spatialDropout2d({ rate: 0.3 }));
      if (noisy) m.add(sn.layers.gaussianNoise({ stddev: 0.1 }));
      m.add(sn.layers.flatten());
      if (noisy) m.add(sn.layers.gaussianDropout({ rate: 0.2 }));
      m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const x = sn.tensor(Float32Array.from({ length: 12 * 72 }, (_, i) => Math.cos(i)), [12, 6, 6, 2]);
    const y = sn.tensor(Float32Array.from({ length: 12 }, (_, i) => i % 3), [12]);
    const noisy = build(true), plain = build(false);
    expect(Array.from((await noisy.predict(x)).data)).toEqual(Array.from((await plain.predict(x)).data));
    const h = await noisy.fit(x, y, { epochs: 5, batchSize: 4, verbose: 0 });
    await plain.fit(x, y, { epochs: 5, batchSize: 4, verbose: 0 });
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
    expect(noisy.getWeights()[0].data).not.toEqual(plain.getWeights()[0].data); // the noise was there in fit
    // ... drawn the same on 1 and 2 threads, the work split (a draw depends on its element's index alone)
    const prev = setSplitThreshold(0);
    try {
      const trained: number[][][] = [];
      for (const threads of [1, 2]) {
        await useThreads(rt, threads);
        const m = build(true);
        await m.fit(x, y, { epochs: 2, batchSize: 6, verbose: 0, threads });
        trained.push(m.getWeights().map((w) => Array.from(w.data)));
      }
      expect(trained[1]).toEqual(trained[0]);
    } finally { setSplitThreshold(prev); await useThreads(rt, 1); }
  });
});
