// Reshape's -1 (Keras; tfjs saves it as null) and its refusals; its numbers come from generic.test.ts.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { layerFromConfig } from '../../src/layers/registry.js';

describe('Reshape', () => {
  it('-1 takes the size the other axes leave; tfjs\' null is read as -1', async () => {
    const m = sn.sequential();
    m.add(sn.layers.reshape({ targetShape: [2, -1, 3], inputShape: [12] }));
    m.add(layerFromConfig('Reshape', { target_shape: [null, 6] }));
    expect(m.layers.map((l) => l.outputShape)).toEqual([[2, 2, 3], [2, 6]]);
    const x = sn.tensor(Float32Array.from({ length: 24 }, (_, i) => i), [2, 12]);
    const y = await m.predict(x);
    expect(y.shape).toEqual([2, 2, 6]);
    expect(y.data).toEqual(x.data);
  });

  it('refuses shapes whose sizes do not match, two -1s and non-integers, naming the layer and shapes', () => {
    const m = sn.sequential();
    expect(() => m.add(sn.layers.reshape({ targetShape: [5, 5], inputShape: [12] })))
      .toThrow('reshape (Reshape): cannot reshape an input of shape [12] (12 values) to [5, 5] (25 values)');
    expect(() => sn.sequential().add(sn.layers.reshape({ targetShape: [5, -1], inputShape: [12] })))
      .toThrow('cannot reshape an input of shape [12] (12 values) to [5, -1]');
    expect(() => sn.layers.reshape({ targetShape: [-1, -1] })).toThrow('reshape: targetShape must be a non-empty array of positive integers with at most one -1, got [-1,-1]');
    expect(() => sn.layers.reshape({ targetShape: [2.5, 2] })).toThrow('targetShape must be');
    expect(() => sn.layers.reshape({} as never)).toThrow('targetShape must be');
  });
});
