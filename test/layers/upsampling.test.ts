// UpSampling2D: the forward pass repeats pixels (tfjs parity in generic.test.ts); the gradient is each pixel's
// block of the output gradient summed — checked here against sums written out in JavaScript, since tfjs 4.22's
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
