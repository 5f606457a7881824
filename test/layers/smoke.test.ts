import { describe, expect, it } from 'vitest';
import { Conv2D } from '../../src/layers/conv2d.js';
import { LayerHarness, randomArray } from '../helpers.js';

describe('harness', () => {
  it('runs a conv layer forward and backward', () => {
    const h = new LayerHarness(new Conv2D({ filters: 3, kernelSize: 3 }), [5, 5, 2], 2);
    const r = h.run(randomArray(h.inSize, 1), randomArray(h.outSize, 2));
    expect(r.y.length).toBe(2 * 3 * 3 * 3);
    expect(r.dx!.length).toBe(2 * 5 * 5 * 2);
    h.dispose();
  });
});
