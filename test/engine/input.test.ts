// sn.input({ shape }) (Keras' Input, tfjs' tf.input) before a Sequential model's first layer: Keras 3's
// Sequential([Input(shape), ...]). The model is the one built with inputShape on its first layer, and saves as it.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';

const conv = () => [sn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }), sn.layers.flatten(), sn.layers.dense({ units: 2, activation: 'softmax' })];

describe('sn.input', () => {
  it("gives the first layer its input shape: the same model, summary and saved topology as inputShape's", async () => {
    const a = sn.sequential({ seed: 3, layers: [sn.input({ shape: [8, 8, 3] }), ...conv()] });
    const b = sn.sequential({ seed: 3 });
    const [c, ...rest] = conv();
    b.add(sn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 3] }));
    for (const l of rest) b.add(l);
    void c;
    expect(a.layers).toHaveLength(3); // as Keras' model.layers: the input is not a layer
    expect(a.summary(undefined, () => undefined)).toBe(b.summary(undefined, () => undefined));
    expect(a.getWeights().map((w) => Array.from(w.data))).toEqual(b.getWeights().map((w) => Array.from(w.data)));
    expect((await a.toArtifacts()).modelJson.modelTopology).toEqual((await b.toArtifacts()).modelJson.modelTopology);
  });

  it('takes null first for sequences of any length (before an embedding or a recurrent layer)', () => {
    const m = sn.sequential();
    m.add(sn.input({ shape: [null, 6] }));
    m.add(sn.layers.simpleRNN({ units: 3 }));
    expect(m.inputShape).toEqual([null, 6]);
  });

  it('is refused anywhere but first, with a shape that is not one sample\'s, and against a different inputShape', () => {
    const m = sn.sequential({ layers: [sn.input({ shape: [4] })] });
    expect(() => m.add(sn.input({ shape: [4] }))).toThrow("sequential.add: an input goes first, before any layer (Keras' Sequential([Input(shape), ...])); this model has one already");
    m.add(sn.layers.dense({ units: 2 }));
    expect(() => m.add(sn.input({ shape: [2] }))).toThrow(/an input goes first, before any layer .*this model has 1 layer\(s\)/);
    expect(() => sn.sequential({ layers: [sn.input({ shape: [4] }), sn.layers.dense({ units: 2, inputShape: [5] })] })).toThrow(
      'sequential.add: dense (Dense) declares inputShape [5] but the model\'s input has shape [4]');
    for (const shape of [[], [0], [4, null], [-1], 'x', undefined]) {
      expect(() => sn.input({ shape } as never), JSON.stringify(shape)).toThrow(/^input: shape must be one sample's shape, a non-empty array of positive integers/);
    }
    expect(() => sn.input({ shape: [4], batchSize: 8 } as never)).toThrow(/^input: unknown option batchSize/);
    // any sequence length before a layer that needs fixed sizes
    expect(() => sn.sequential({ layers: [sn.input({ shape: [null, 6] }), sn.layers.dense({ units: 2 })] })).toThrow(
      "sequential.add: the model's input has sequences of any length (shape [null, 6]), which a layer that takes sequences (embedding, a recurrent layer) reads; dense (Dense) needs fixed sizes");
    // a layer whose add failed keeps no shape of that model's input
    const conv = sn.layers.conv2d({ filters: 2, kernelSize: 3 });
    expect(() => sn.sequential({ layers: [sn.input({ shape: [4] }), conv] })).toThrow();
    const ok = sn.sequential({ layers: [sn.input({ shape: [8, 8, 3] }), conv] });
    expect(ok.outputShape).toEqual([6, 6, 2]);
  });
});
