// DepthwiseConv2D and SeparableConv2D beyond the generic layer test (tfjs parity, finite differences, round trips,
// regularizers, constraints, 1 vs 2 threads): the separable layer as a depthwise one then a 1×1 Conv2D with the same
// weights; a depthwise layer with depthMultiplier 1 as one Conv2D per channel; a MobileNet-style block's Keras
// parameter counts; the errors.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { layerFromConfig } from '../../src/layers/registry.js';
import { Tensor } from '../../src/tensor.js';
import { maxRelError, rand } from '../helpers.js';

describe('depthwiseConv2d and separableConv2d', () => {
  it('a separable convolution is its depthwise convolution, then a 1x1 convolution with the bias and the activation', async () => {
    const sep = sn.sequential({ seed: 2 });
    sep.add(sn.layers.separableConv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, activation: 'relu', inputShape: [9, 8, 3] }));
    const [depthwise, pointwise, bias] = sep.getWeights();
    const two = sn.sequential();
    two.add(sn.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, useBias: false, inputShape: [9, 8, 3] }));
    two.add(sn.layers.conv2d({ filters: 5, kernelSize: 1, activation: 'relu' }));
    two.setWeights([depthwise, pointwise, bias]);
    const x = new Tensor(rand(3 * 9 * 8 * 3, 4), [3, 9, 8, 3]);
    const [a, b] = await Promise.all([sep.predict(x), two.predict(x)]);
    expect(a.shape).toEqual([3, 5, 4, 5]);
    expect(maxRelError(a.data, b.data)).toBeLessThan(1e-5);
  });

  it('depthMultiplier 1: each channel is a Conv2D of its own', async () => {
    const m = sn.sequential({ seed: 7 });
    m.add(sn.layers.depthwiseConv2d({ kernelSize: [2, 3], strides: [2, 1], inputShape: [7, 6, 6] }));
    const [k, b] = m.getWeights();
    const x = rand(2 * 7 * 6 * 6, 5);
    const y = await m.predict(new Tensor(x, [2, 7, 6, 6]));
    expect(y.shape).toEqual([2, 3, 4, 6]);
    for (const c of [0, 3, 5]) {
      const one = sn.sequential();
      one.add(sn.layers.conv2d({ filters: 1, kernelSize: [2, 3], strides: [2, 1], inputShape: [7, 6, 1] }));
      one.setWeights([new Tensor(Float32Array.from({ length: 6 }, (_, t) => k.data[t * 6 + c]), [2, 3, 1, 1]), new Tensor(Float32Array.of(b.data[c]), [1])]);
      const xc = Float32Array.from({ length: 2 * 7 * 6 }, (_, i) => x[i * 6 + c]);
      const yc = (await one.predict(new Tensor(xc, [2, 7, 6, 1]))).data;
      expect(maxRelError(Float32Array.from({ length: yc.length }, (_, i) => y.data[i * 6 + c]), yc), `channel ${c}`).toBeLessThan(1e-6);
    }
  });

  it("a MobileNet-style block has Keras' parameter counts and trains", async () => {
    const m = sn.sequential({ seed: 1 });
    m.add(sn.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [16, 16, 3] }));
    m.add(sn.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu' }));
    m.add(sn.layers.conv2d({ filters: 16, kernelSize: 1, activation: 'relu' }));
    m.add(sn.layers.separableConv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }));
    m.add(sn.layers.globalAveragePooling2d());
    m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
    expect(m.layers.map((l) => l.countParams())).toEqual([224, 80, 144, 416, 0, 51]); // Keras' model.summary()
    expect(m.layers.map((l) => l.name)).toEqual(['conv2d', 'depthwise_conv2d', 'conv2d_1', 'separable_conv2d', 'global_average_pooling2d', 'dense']);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = new Tensor(rand(12 * 16 * 16 * 3, 3), [12, 16, 16, 3]);
    const y = new Tensor(Float32Array.from({ length: 12 }, (_, i) => i % 3), [12]);
    const h = await m.fit(x, y, { epochs: 15, batchSize: 4, verbose: 0, seed: 2 });
    expect(h.history.loss[14]).toBeLessThan(h.history.loss[0]);
  });

  it("reads tfjs' and Keras 2's configs as they write them", () => {
    // tfjs 4.22 writes a DepthwiseConv2D's regularizer as its constraint too: that copy is dropped
    const l2 = { class_name: 'L1L2', config: { l1: 0, l2: 0.01 } };
    const dw = layerFromConfig('DepthwiseConv2D', { kernel_size: [3, 3], depthwise_regularizer: l2, depthwise_constraint: l2 });
    expect([Object.keys(dw.regularizers), Object.keys(dw.constraints)]).toEqual([['depthwise_kernel'], []]);
    // a constraint of its own stays
    const own = layerFromConfig('DepthwiseConv2D', { kernel_size: [3, 3], depthwise_regularizer: l2, depthwise_constraint: { class_name: 'NonNeg', config: {} } });
    expect(Object.keys(own.constraints)).toEqual(['depthwise_kernel']);
    // Keras 2's SeparableConv2D carries the base convolution's kernel_* keys, which it does not use
    const sep = layerFromConfig('SeparableConv2D', { filters: 2, kernel_size: [3, 3], groups: 1, kernel_regularizer: null, kernel_constraint: null,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } } });
    expect(sep.getConfig().filters).toBe(2);
  });

  it('refuses what it cannot run, naming the option', () => {
    expect(() => sn.layers.depthwiseConv2d({ kernelSize: 3, dilationRate: 2 })).toThrow(/depthwiseConv2d: dilationRate 2 is not supported/);
    expect(() => sn.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 0 })).toThrow(/depthwiseConv2d: depthMultiplier must be a positive integer/);
    expect(() => sn.layers.separableConv2d({ kernelSize: 3 } as never)).toThrow(/separableConv2d: filters must be a positive integer/);
    expect(() => sn.layers.separableConv2d({ filters: 2, kernelSize: 3, kernelInitializer: 'zeros' } as never)).toThrow(/unknown option kernelInitializer/);
    const m = sn.sequential();
    expect(() => m.add(sn.layers.depthwiseConv2d({ kernelSize: 5, inputShape: [4, 4, 2] }))).toThrow(/input 4x4 is smaller than kernelSize 5x5 with padding 'valid'/);
  });
});
