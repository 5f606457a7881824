// BatchNormalization beyond the generic test: the moving statistics after training steps (tfjs as the
// oracle), Keras' trainable / non-trainable split (summary, weight order, what the optimizer touches) and
// a frozen layer running in inference mode.
import type * as TF from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { modelTopology } from '../../src/io/topology.js';
import { maxRelError, rand } from '../helpers.js';
import { tfjsOracle } from '../tfjs-oracle.js';

const { tf } = tfjsOracle('batch normalization');

function model(momentum = 0.9): sn.Sequential {
  const m = sn.sequential({ seed: 3 });
  m.add(sn.layers.conv2d({ filters: 6, kernelSize: 3, inputShape: [6, 6, 2] }));
  m.add(sn.layers.batchNormalization({ momentum }));
  m.add(sn.layers.flatten());
  m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  return m;
}

describe('batchNormalization', () => {
  it("summary counts Keras' trainable and non-trainable parameters; getWeights is in Keras' order (tfjs: trainable first)", async () => {
    const m = model();
    const text = m.summary(undefined, () => {});
    // conv 6*(18+1) = 114, BN 4*6 = 24 (12 non-trainable), dense 16*6*3+3 = 291
    expect(text).toContain('Total params: 429');
    expect(text).toContain('Trainable params: 417');
    expect(text).toContain('Non-trainable params: 12');
    const names = m.namedWeights().map((w) => w.key);
    // Keras' Model.get_weights: layer by layer, each layer's variables together
    expect(names).toEqual(['conv2d/kernel', 'conv2d/bias', 'batch_normalization/gamma', 'batch_normalization/beta',
      'batch_normalization/moving_mean', 'batch_normalization/moving_variance', 'dense/kernel', 'dense/bias']);
    // tfjs lists the trainable weights first, then the moving statistics: the same weights, another order
    const t = await tf.models.modelFromJSON({ modelTopology: modelTopology(m) } as unknown as TF.io.ModelJSON);
    const tfjsOrder = [0, 1, 2, 3, 6, 7, 4, 5].map((i) => m.getWeights()[i].shape);
    expect(t.weights.map((w) => w.shape)).toEqual(tfjsOrder);
    expect(t.trainableWeights.length).toBe(6);
    // each weight keeps its own values by name through setWeights in that order, a save and load (folder, .h5,
    // artifacts) and a freeze that lays the memory out again (trainable weights first)
    const marked = m.getWeights().map((w, i) => sn.tensor(new Float32Array(w.size).fill(i + 1), w.shape));
    m.setWeights(marked);
    const byName = (x: sn.Sequential) => Object.fromEntries(x.namedWeights().map((w, i) => [w.key, x.getWeights()[i].data[0]]));
    const expected = Object.fromEntries(names.map((k, i) => [k, i + 1]));
    expect(byName(m)).toEqual(expected);
    const dir = mkdtempSync(path.join(tmpdir(), 'simdnet-bn-order-'));
    try {
      await m.save(path.join(dir, 'model'));
      await m.save(path.join(dir, 'model.h5'));
      for (const back of [await sn.loadModel(path.join(dir, 'model')), await sn.loadModel(path.join(dir, 'model.h5')), await sn.loadModel(await m.toArtifacts())]) {
        expect(byName(back)).toEqual(expected);
      }
    } finally { rmSync(dir, { recursive: true, force: true }); }
    m.layers[0].trainable = false;
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await m.fit(sn.tensor(rand(2 * 72, 1, 0, 1), [2, 6, 6, 2]), sn.utils.toCategorical([0, 1], 3), { verbose: 0 });
    expect(byName(m)['conv2d/kernel']).toBe(1); // frozen, and still its own
    expect(m.namedWeights().map((w) => w.key)).toEqual(names);
    t.dispose(); m.dispose();
  });

  it('moving mean and variance after training steps equal tfjs (momentum 0.9), and the optimizer leaves them alone', async () => {
    const x = rand(8 * 72, 5, 0, 1), batch = 8;
    const m = sn.sequential({ seed: 1 });
    m.add(sn.layers.batchNormalization({ momentum: 0.9, inputShape: [6, 6, 2] }));
    m.add(sn.layers.flatten());
    m.add(sn.layers.dense({ units: 2 }));
    // lr 0: only the layer itself can move the moving statistics
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1e-30 }), loss: 'meanSquaredError' });
    const y = sn.tensor(rand(batch * 2, 6), [batch, 2]);
    await m.fit(sn.tensor(x, [batch, 6, 6, 2]), y, { epochs: 3, batchSize: batch, verbose: 0, shuffle: false });
    const t = tf.layers.batchNormalization({ momentum: 0.9, inputShape: [6, 6, 2] });
    const xT = tf.tensor(x, [batch, 6, 6, 2]);
    for (let i = 0; i < 3; i++) tf.tidy(() => { t.apply(xT, { training: true }); });
    const [, , mean, variance] = t.getWeights().map((w) => w.dataSync() as Float32Array);
    const ws = m.getWeights();
    const ours = Object.fromEntries(m.namedWeights().map((w, i) => [w.param.name, ws[i].data]));
    expect(maxRelError(ours.moving_mean, mean)).toBeLessThan(1e-5);
    expect(maxRelError(ours.moving_variance, variance)).toBeLessThan(1e-5);
    expect(Array.from(ours.moving_mean).some((v) => v !== 0)).toBe(true);
    xT.dispose(); m.dispose();
  });

  it('a frozen layer (trainable: false) normalizes with its moving statistics in fit, and they do not move', async () => {
    const m = model();
    m.layers[1].trainable = false;
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    expect(m.summary(undefined, () => {})).toContain('Non-trainable params: 24');
    const before = m.getWeights();
    const x = sn.tensor(rand(4 * 72, 8, 0, 1), [4, 6, 6, 2]);
    await m.fit(x, sn.utils.toCategorical([0, 1, 2, 0], 3), { epochs: 2, batchSize: 2, verbose: 0 });
    const after = m.getWeights();
    const idx = m.namedWeights().map((w) => w.key);
    for (const name of ['gamma', 'beta', 'moving_mean', 'moving_variance']) {
      const i = idx.indexOf(`batch_normalization/${name}`);
      expect(Array.from(after[i].data), name).toEqual(Array.from(before[i].data));
    }
    const k = idx.indexOf('dense/kernel');
    expect(Array.from(after[k].data)).not.toEqual(Array.from(before[k].data));
    m.dispose();
  });

  it('refuses what it does not implement, by name', () => {
    expect(() => sn.layers.batchNormalization({ axis: -2 })).toThrow(/axis must be -1/);
    // Keras 2 saves the last axis by its index: accepted when it is the last one
    const m = sn.sequential();
    m.add(sn.layers.conv2d({ filters: 2, kernelSize: 1, inputShape: [4, 4, 3] }));
    expect(() => m.add(sn.layers.batchNormalization({ axis: 1 }))).toThrow(/axis 1 is not the last axis of its input \[batch, 4, 4, 2\]/);
    m.add(sn.layers.batchNormalization({ axis: 3 }));
    expect(() => sn.layers.batchNormalization({ momentum: 2 })).toThrow(/momentum must be a number in \[0, 1\]/);
    expect(() => sn.layers.batchNormalization({ epsilon: 0 })).toThrow(/epsilon/);
  });
});
