// Optimizer state read before the kernels are loaded (sn.io.modelFromMemory is synchronous): checked and
// converted at once, the update count set at once, the slots put in place when the kernels load. This file
// loads no kernels before its models (its own module graph): the state here comes from tfjs.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { runtimeLoaded } from '../../src/runtime/wasm.js';

const xs = tf.tensor2d([[0.1, 0.5, -0.3], [0.9, -0.2, 0.4], [-0.5, 0.3, 0.8], [0.2, 0.2, -0.9]]);
const ys = tf.oneHot(tf.tensor1d([0, 1, 1, 0], 'int32'), 2);

async function tfjsArtifacts(): Promise<{ t: tf.LayersModel; source: { modelJson: object; weights: ArrayBuffer } }> {
  const t = tf.sequential();
  t.add(tf.layers.dense({ units: 4, activation: 'tanh', inputShape: [3], name: 'a' }));
  t.add(tf.layers.dense({ units: 2, activation: 'softmax', name: 'b' }));
  t.compile({ optimizer: tf.train.momentum(0.1, 0.9), loss: 'categoricalCrossentropy' });
  await t.fit(xs, ys, { epochs: 3, batchSize: 2, shuffle: false, verbose: 0 });
  let art: tf.io.ModelArtifacts | null = null;
  await t.save(tf.io.withSaveHandler(async (a) => { art = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }), { includeOptimizer: true });
  const a = art! as tf.io.ModelArtifacts;
  return { t, source: { modelJson: { modelTopology: a.modelTopology, trainingConfig: a.trainingConfig, weightsManifest: [{ paths: [], weights: a.weightSpecs }] }, weights: a.weightData as ArrayBuffer } };
}

beforeAll(async () => { await tf.setBackend('cpu'); });

describe('optimizer state loaded before the kernels', () => {
  it('sets the count at once and the momentum when the kernels load: the next epoch is tfjs\' next epoch', async () => {
    const { t, source } = await tfjsArtifacts();
    expect(runtimeLoaded()).toBe(false);
    const m = sn.io.modelFromMemory(source);
    expect(runtimeLoaded()).toBe(false);
    expect(m.optimizer!.iterations).toBe(6);
    await t.fit(xs, ys, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0 });
    await m.fit(sn.tensor(xs.dataSync() as Float32Array, [4, 3]), sn.tensor(ys.dataSync() as Float32Array, [4, 2]), { epochs: 1, batchSize: 2, shuffle: false, verbose: 0 });
    expect(m.optimizer!.iterations).toBe(8);
    let d = 0;
    t.getWeights().forEach((w, i) => w.dataSync().forEach((v, j) => { d = Math.max(d, Math.abs(v - m.getWeights()[i].data[j])); }));
    expect(d).toBeLessThan(1e-6); // with the momentum dropped it is ~1e-2 (test/io/optimizer-state.test.ts)
    m.dispose(); t.dispose();
  });

  it('a layer frozen before first use: the count goes on, the momentum is dropped as a freeze drops it (no error)', async () => {
    const { t, source } = await tfjsArtifacts();
    const m = sn.io.modelFromMemory(source);
    m.layers[0].trainable = false;
    await m.fit(sn.tensor(xs.dataSync() as Float32Array, [4, 3]), sn.tensor(ys.dataSync() as Float32Array, [4, 2]), { epochs: 1, batchSize: 2, verbose: 0 });
    expect(m.optimizer!.iterations).toBe(8);
    m.dispose(); t.dispose();
  });
});
