// UpSampling2D (and UpSampling1D, RepeatVector: the same kernels): the forward pass repeats pixels (tfjs parity in
// generic.test.ts); the gradient is each pixel's block of the output gradient summed — checked here against sums written out in JavaScript, since tfjs 4.22's
// CPU backend's gradient for it (resizeNearestNeighbor's) is wrong for batches of more than one image (shown below).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { UpSampling2D } from '../../src/layers/upsampling.js';
import { LayerHarness, rand } from '../helpers.js';
import { layerFromConfig } from '../../src/layers/registry.js';

/** The input gradient of nearest upsampling by (sh, sw): each pixel's sh x sw block of dy, summed. */
function blockSums(dy: Float32Array, b: number, h: number, w: number, c: number, sh: number, sw: number): Float64Array {
  const out = new Float64Array(b * h * w * c);
  for (let n = 0; n < b; n++) for (let i = 0; i < h * sh; i++) for (let j = 0; j < w * sw; j++) for (let k = 0; k < c; k++) {
    out[((n * h + Math.floor(i / sh)) * w + Math.floor(j / sw)) * c + k] += dy[((n * h * sh + i) * w * sw + j) * c + k];
  }
  return out;
}

describe('UpSampling2D', () => {
  for (const [h, w, c, sh, sw] of [[3, 2, 5, 2, 2], [2, 3, 2, 1, 3], [4, 4, 9, 3, 2]]) {
    it(`${h}x${w}x${c} by [${sh}, ${sw}]: dx is each pixel's block of dy, summed`, () => {
      const harness = new LayerHarness(new UpSampling2D({ size: [sh, sw] }), [h, w, c], 3);
      try {
        const x = rand(3 * h * w * c, 5), dy = rand(3 * h * sh * w * sw * c, 6);
        const r = harness.run(x, dy);
        for (let i = 0; i < x.length; i++) expect(r.y[((Math.floor(i / (w * c)) * sh) * w * sw + (Math.floor(i / c) % w) * sw) * c + (i % c)]).toBe(x[i]);
        const want = blockSums(dy, 3, h, w, c, sh, sw);
        r.dx!.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-5));
      } finally {
        harness.dispose();
      }
    });
  }

  it("tfjs 4.22's gradient for it is the block sums for one image but not for a batch of two (why generic.test.ts compares only its forward pass with tfjs)", async () => {
    await tf.setBackend('cpu');
    const [h, w, c, s] = [2, 2, 3, 3];
    const worst = (b: number): number => {
      const x = tf.tensor4d(rand(b * h * w * c, 8), [b, h, w, c]);
      const dy = rand(b * h * s * w * s * c, 9);
      const g = tf.grad((t) => tf.sum(tf.mul(tf.layers.upSampling2d({ size: [s, s] }).apply(t) as tf.Tensor, tf.tensor4d(dy, [b, h * s, w * s, c]))))(x).dataSync();
      const want = blockSums(dy, b, h, w, c, s, s);
      return Math.max(...Array.from(g, (v, i) => Math.abs(v - want[i])));
    };
    expect(worst(1)).toBeLessThan(1e-5);
    expect(worst(2)).toBeGreaterThan(0.1);
  });

  it('reads Keras\' size and refuses bilinear interpolation by name', () => {
    expect((layerFromConfig('UpSampling2D', { size: [2, 3], data_format: 'channels_last', interpolation: 'nearest' }) as UpSampling2D).size).toEqual([2, 3]);
    expect(() => layerFromConfig('UpSampling2D', { size: [2, 2], interpolation: 'bilinear' })).toThrow("upSampling2d: interpolation \"bilinear\" is not supported; simdnet's UpSampling2D repeats pixels ('nearest')");
    expect(() => sn.layers.upSampling2d({ size: 0 })).toThrow(/size must be a positive integer/);
  });
});

describe('UpSampling1D and RepeatVector (the same kernels on other grids)', () => {
  it('UpSampling1D repeats each step, its gradient sums them back (against sums written out); RepeatVector the whole vector', () => {
    const up = new LayerHarness(layerFromConfig('UpSampling1D', { size: 3, name: 'u' }), [4, 5], 2);
    try {
      const x = rand(up.inSize, 31), dy = rand(up.outSize, 32);
      const r = up.run(x, dy);
      for (let n = 0; n < 2; n++) for (let s = 0; s < 12; s++) for (let f = 0; f < 5; f++) {
        expect(r.y[(n * 12 + s) * 5 + f]).toBe(x[(n * 4 + Math.floor(s / 3)) * 5 + f]);
      }
      const want = blockSums(dy, 2, 4, 1, 5, 3, 1);
      r.dx!.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    } finally { up.dispose(); }
  });

  it('an LSTM encoder -> RepeatVector -> LSTM decoder -> TimeDistributed(Dense) predicts as the same model in tfjs and round-trips through .h5', async () => {
    const m = sn.sequential({ seed: 3 });
    m.add(sn.layers.lstm({ units: 8, inputShape: [6, 3] }));
    m.add(sn.layers.repeatVector({ n: 5 }));
    m.add(sn.layers.lstm({ units: 8, returnSequences: true }));
    m.add(sn.layers.timeDistributed({ layer: sn.layers.dense({ units: 3 }) }));
    expect(m.outputShape).toEqual([5, 3]);
    const x = rand(4 * 18, 33);
    const want = (await m.predict(sn.tensor(x, [4, 6, 3]))).data;
    const { modelJson, weights } = await m.toArtifacts();
    const t = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology as object,
      weightSpecs: (modelJson.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[])[0].weights, weightData: weights.slice().buffer }));
    const theirs = (t.predict(tf.tensor(x, [4, 6, 3])) as tf.Tensor).dataSync();
    expect(Math.max(...Array.from(want, (v, i) => Math.abs(v - theirs[i])))).toBeLessThan(1e-5);
    const h5 = await sn.loadModel({ h5: sn.io.modelToKerasH5(m) });
    expect(Array.from((await h5.predict(sn.tensor(x, [4, 6, 3]))).data)).toEqual(Array.from(want));
    t.dispose(); m.dispose(); h5.dispose();
  });

  it('refuses what it cannot take, naming the layer and the argument', () => {
    expect(() => sn.layers.repeatVector({ n: 0 })).toThrow('repeatVector: n must be a positive integer, got 0');
    expect(() => sn.layers.upSampling1d({ size: 1.5 })).toThrow('upSampling1d: size must be a positive integer, got 1.5');
    const m = sn.sequential();
    m.add(sn.layers.lstm({ units: 2, inputShape: [3, 2], returnSequences: true }));
    expect(() => m.add(sn.layers.repeatVector({ n: 2 }))).toThrow('expected input of shape [features], got [3, 2]; flatten it first');
    m.dispose();
  });
});
