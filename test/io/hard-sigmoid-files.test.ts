// hard_sigmoid in model files: tfjs' LSTM with its defaults (recurrentActivation hardSigmoid) and a Dense with
// activation hardSigmoid load from tfjs' own save and predict what tfjs predicts; simdnet's model goes back to tfjs;
// Keras files: an .h5 (Keras 2's format, whose hard_sigmoid is this one) round-trips, a Keras 3 file (.keras, or an
// .h5 Keras 3 wrote), whose hard_sigmoid is relu6(x + 3) / 6, is refused both ways, naming the layer.
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { modelFromKerasZip, modelToKerasZip } from '../../src/io/keras-files.js';
import { readZip, writeZip } from '../../src/io/zip.js';
import { randomArray } from '../helpers.js';
import { tempFolders } from './temp-folders.js';

const { freshDir, remove } = tempFolders('simdnet-hard-sigmoid-');
beforeAll(async () => { await tf.setBackend('cpu'); });
afterAll(() => remove());

/** tfjs' save of a model as { modelJson, weights } (one manifest group). */
async function tfjsSaved(t: tf.LayersModel): Promise<{ modelJson: Record<string, unknown>; weights: Uint8Array }> {
  let art: tf.io.ModelArtifacts | null = null;
  await t.save(tf.io.withSaveHandler(async (a) => { art = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  const a = art! as tf.io.ModelArtifacts;
  return { modelJson: { modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }, weights: new Uint8Array(a.weightData as ArrayBuffer) };
}

function tfjsDefaultLstm(): tf.LayersModel {
  const t = tf.sequential();
  // tfjs' defaults: recurrentActivation 'hardSigmoid', unitForgetBias true
  t.add(tf.layers.lstm({ units: 8, inputShape: [5, 3], returnSequences: true }));
  t.add(tf.layers.lstm({ units: 4 }));
  t.add(tf.layers.dense({ units: 2, activation: 'hardSigmoid' }));
  return t;
}

describe('hard_sigmoid from and to TensorFlow.js', () => {
  it("tfjs' default LSTM and a hardSigmoid Dense load and predict as tfjs", async () => {
    const t = tfjsDefaultLstm();
    const saved = await tfjsSaved(t);
    const layers = (saved.modelJson.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers;
    expect(layers.map((l) => l.config.recurrent_activation ?? l.config.activation)).toEqual(['hard_sigmoid', 'hard_sigmoid', 'hard_sigmoid']);
    const m = await sn.loadModel(saved);
    const x = randomArray(6 * 15, 3, -5, 5);
    const want = (t.predict(tf.tensor(x, [6, 5, 3])) as tf.Tensor).dataSync();
    const got = (await m.predict(sn.tensor(x, [6, 5, 3]))).data;
    let d = 0;
    for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
    expect(d).toBeLessThan(1e-5);
    // and back: simdnet's save loads in tfjs with the same activations
    const back = await m.toArtifacts();
    const t2 = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: back.modelJson.modelTopology as object,
      weightSpecs: (back.modelJson.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[])[0].weights, weightData: back.weights.slice().buffer }));
    expect((t2.layers[0].getConfig() as { recurrentActivation: string }).recurrentActivation).toBe('hardSigmoid');
    const again = (t2.predict(tf.tensor(x, [6, 5, 3])) as tf.Tensor).dataSync();
    expect(Array.from(again)).toEqual(Array.from(want));
    m.dispose(); t.dispose(); t2.dispose();
  });

  it("sn.layers take tfjs' name 'hardSigmoid' too", () => {
    const m = sn.sequential();
    m.add(sn.layers.lstm({ units: 2, inputShape: [3, 2], recurrentActivation: 'hardSigmoid' }));
    m.add(sn.layers.dense({ units: 1, activation: 'hardSigmoid' as never }));
    expect(m.layers.map((l) => (l.getConfig() as { recurrent_activation?: string; activation?: string }))).toMatchObject([
      { recurrent_activation: 'hard_sigmoid' }, { activation: 'hard_sigmoid' }]);
    expect(() => sn.layers.gru({ units: 2, recurrentActivation: 'tanh' })).toThrow("gru: recurrentActivation must be 'sigmoid' (Keras' default) or 'hard_sigmoid' (tfjs' default), got \"tanh\"");
    m.dispose();
  });
});

describe('hard_sigmoid in Keras files', () => {
  function model(): sn.Sequential {
    const m = sn.sequential({ seed: 2 });
    m.add(sn.layers.lstm({ units: 3, inputShape: [4, 2], recurrentActivation: 'hard_sigmoid' }));
    m.add(sn.layers.dense({ units: 2, activation: 'hard_sigmoid' }));
    return m;
  }

  it('an .h5 (Keras 2, whose hard_sigmoid it is) round-trips; a .keras is refused, naming the layer, and nothing is written', async () => {
    const m = model();
    const dir = freshDir();
    fs.mkdirSync(dir, { recursive: true });
    const h5 = path.join(dir, 'm.h5');
    await m.save(h5);
    const back = await sn.loadModel(h5);
    const x = sn.tensor(randomArray(24, 4, -4, 4), [3, 4, 2]);
    expect(Array.from((await back.predict(x)).data)).toEqual(Array.from((await m.predict(x)).data));
    const k = path.join(dir, 'm.keras');
    await expect(m.save(k)).rejects.toThrow(/lstm \(LSTM\): activation 'hard_sigmoid' is Keras 2's and tfjs' clip\(0\.2 x \+ 0\.5, 0, 1\), where Keras 3's hard_sigmoid is relu6\(x \+ 3\) \/ 6/);
    expect(fs.existsSync(k)).toBe(false);
    m.dispose(); back.dispose();
  });

  it("a Keras 3 file's hard_sigmoid (relu6(x + 3) / 6) is refused, naming the layer", async () => {
    const m = sn.sequential({ seed: 2 });
    m.add(sn.layers.dense({ units: 2, inputShape: [3], activation: 'sigmoid', name: 'gate' }));
    const files = await readZip(modelToKerasZip(m), 'm.keras');
    const config = new TextDecoder().decode(files.get('config.json')!).replace('"sigmoid"', '"hard_sigmoid"');
    expect(config).toContain('hard_sigmoid');
    const patched = writeZip([...files].map(([n, b]) => [n, n === 'config.json' ? new TextEncoder().encode(config) : b]));
    await expect(modelFromKerasZip(patched, 'm.keras')).rejects.toThrow(
      "loadModel: m.keras: gate's activation is Keras 3's hard_sigmoid, relu6(x + 3) / 6, which simdnet does not have (its hard_sigmoid is Keras 2's and tfjs' clip(0.2 x + 0.5, 0, 1))");
    m.dispose();
  });
});
