// ZeroPadding2D's padding forms (Keras / tfjs) and refusals, and a check through a model: padding by 1 and a
// valid 3x3 convolution is a 'same' one; Cropping2D undoes ZeroPadding2D. Its numbers (tfjs parity, gradients, threads) come from generic.test.ts.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { layerFromConfig } from '../../src/layers/registry.js';
import { Cropping2D, ZeroPadding2D } from '../../src/layers/edges.js';
import { randomArray } from '../helpers.js';

describe('ZeroPadding2D', () => {
  it('takes n, [h, w] and [[top, bottom], [left, right]], as Keras and tfjs', () => {
    expect(sn.layers.zeroPadding2d().sides).toEqual([1, 1, 1, 1]);
    expect(sn.layers.zeroPadding2d({ padding: 2 }).sides).toEqual([2, 2, 2, 2]);
    expect(sn.layers.zeroPadding2d({ padding: [1, 3] }).sides).toEqual([1, 1, 3, 3]);
    expect((layerFromConfig('ZeroPadding2D', { padding: [[0, 1], [2, 3]], data_format: 'channels_last' }) as ZeroPadding2D).sides).toEqual([0, 1, 2, 3]);
    expect(() => sn.layers.zeroPadding2d({ padding: -1 })).toThrow('zeroPadding2d: padding must be a non-negative integer, [h, w] or [[top, bottom], [left, right]], got -1');
    expect(() => sn.layers.zeroPadding2d({ padding: [1, 2, 3] as never })).toThrow('padding must be');
    expect(() => layerFromConfig('ZeroPadding2D', { padding: 1, data_format: 'channels_first' })).toThrow("data_format must be 'channels_last'");
    expect(() => sn.sequential().add(sn.layers.zeroPadding2d({ inputShape: [4, 3] }))).toThrow('expected input of shape [height, width, channels], got [4, 3]');
  });

  it('padding by 1 then a valid 3x3 convolution equals a same one, forward and in training', async () => {
    const build = (pad: boolean) => {
      const m = sn.sequential({ seed: 4 });
      if (pad) m.add(sn.layers.zeroPadding2d({ padding: 1, inputShape: [6, 5, 2] }));
      m.add(sn.layers.conv2d({ filters: 3, kernelSize: 3, padding: pad ? 'valid' : 'same', activation: 'tanh', ...(pad ? {} : { inputShape: [6, 5, 2] }) }));
      m.add(sn.layers.flatten());
      m.add(sn.layers.dense({ units: 2, activation: 'softmax' }));
      m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
      return m;
    };
    const a = build(true), b = build(false);
    b.setWeights(a.getWeights());
    const x = sn.tensor(randomArray(4 * 60, 9, -1, 1), [4, 6, 5, 2]);
    const y = sn.tensor([1, 0, 0, 1, 1, 0, 0, 1], [4, 2]);
    expect((await a.predict(x)).data).toEqual((await b.predict(x)).data);
    await a.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
    await b.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
    const wa = a.getWeights(), wb = b.getWeights();
    wa.forEach((w, i) => w.data.forEach((v, j) => expect(Math.abs(v - wb[i].data[j])).toBeLessThan(1e-6)));
  });
});

describe('Cropping2D', () => {
  it('takes Keras\' forms, refuses a crop that leaves nothing, and undoes a ZeroPadding2D of the same sides', async () => {
    expect((layerFromConfig('Cropping2D', { cropping: [[1, 0], [2, 3]], data_format: 'channels_last' }) as Cropping2D).sides).toEqual([1, 0, 2, 3]);
    expect(sn.layers.cropping2D({ cropping: [1, 2] }).getConfig()).toMatchObject({ cropping: [[1, 1], [2, 2]] });
    expect(() => sn.sequential().add(sn.layers.cropping2D({ cropping: 2, inputShape: [4, 9, 1] })))
      .toThrow('cropping2d (Cropping2D): cropping [[2, 2], [2, 2]] leaves nothing of an input of shape [4, 9, 1]');
    expect(() => sn.layers.cropping2D({ cropping: [[1], [2]] as never })).toThrow('cropping2D: cropping must be a non-negative integer, [h, w] or [[top, bottom], [left, right]], got [[1],[2]]');
    const m = sn.sequential();
    m.add(sn.layers.zeroPadding2d({ padding: [[1, 2], [0, 3]], inputShape: [3, 4, 2] }));
    m.add(sn.layers.cropping2D({ cropping: [[1, 2], [0, 3]] }));
    const x = sn.tensor(randomArray(2 * 24, 3, -1, 1), [2, 3, 4, 2]);
    expect((await m.predict(x)).data).toEqual(x.data);
  });
});
