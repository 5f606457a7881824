// hard_sigmoid in model files: tfjs' LSTM with its defaults (recurrentActivation hardSigmoid) and a Dense with
// activation hardSigmoid load from tfjs' own save and predict what tfjs predicts; simdnet's model goes back to tfjs;
// Keras files: Keras 3 reads .h5 and .keras with its own hard_sigmoid, relu6(x + 3) / 6, so simdnet writes it to
// neither, and a file Keras 3 wrote with it (.keras, or .h5) is refused, naming the layer; Keras 2's files load.
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { modelFromKerasZip, modelToKerasZip } from '../../src/io/keras-files.js';
import { kerasModelConfig } from '../../src/io/keras-config.js';
import { H5WriteGroup, writeH5 } from '../../src/io/h5/writer.js';
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

  it("tfjs' default GRU (hardSigmoid gates, resetAfter false) loads and predicts as tfjs, also saved without reset_after (tfjs before 2.0)", async () => {
    const t = tf.sequential();
    t.add(tf.layers.gru({ units: 6, inputShape: [5, 3], returnSequences: true }));
    t.add(tf.layers.gru({ units: 4, goBackwards: true }));
    const saved = await tfjsSaved(t);
    const x = randomArray(6 * 15, 8, -5, 5);
    const want = Array.from((t.predict(tf.tensor(x, [6, 5, 3])) as tf.Tensor).dataSync());
    const layers = (saved.modelJson.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers;
    expect(layers.map((l) => [l.config.recurrent_activation, l.config.reset_after])).toEqual([['hard_sigmoid', false], ['hard_sigmoid', false]]);
    const old = structuredClone(saved.modelJson);
    for (const l of (old.modelTopology as { config: { layers: { config: Record<string, unknown> }[] } }).config.layers) delete l.config.reset_after;
    for (const modelJson of [saved.modelJson, old]) {
      const m = await sn.loadModel({ modelJson, weights: saved.weights });
      const got = (await m.predict(sn.tensor(x, [6, 5, 3]))).data;
      expect(Math.max(...Array.from(got, (v, i) => Math.abs(v - want[i])))).toBeLessThan(1e-5);
      m.dispose();
    }
    t.dispose();
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

  it('simdnet writes it to no Keras file (Keras 3 reads .h5 and .keras with its own hard_sigmoid), naming the layer and the option; nothing is written', async () => {
    const m = model();
    const dir = freshDir();
    fs.mkdirSync(dir, { recursive: true });
    for (const file of ['m.h5', 'm.keras']) {
      const target = path.join(dir, file);
      await expect(m.save(target)).rejects.toThrow(/lstm \(LSTM\): recurrent_activation 'hard_sigmoid' is Keras 2's and tfjs' clip\(0\.2 x \+ 0\.5, 0, 1\), where Keras 3's hard_sigmoid is relu6\(x \+ 3\) \/ 6: Keras 3, which reads \.h5 and \.keras files, would compute another function/);
      expect(fs.existsSync(target)).toBe(false);
    }
    const d = sn.sequential();
    d.add(sn.layers.dense({ units: 2, inputShape: [3], activation: 'hardSigmoid' as never }));
    await expect(d.save(path.join(dir, 'd.h5'))).rejects.toThrow("dense (Dense): activation 'hard_sigmoid' is Keras 2's");
    m.dispose(); d.dispose();
  });

  /** A Keras file of a small sigmoid model whose config is patched to use hard_sigmoid (as activation or recurrent_activation). */
  async function patchedKeras(key: 'activation' | 'recurrent_activation', version: string): Promise<Uint8Array> {
    const m = sn.sequential({ seed: 2 });
    if (key === 'activation') m.add(sn.layers.dense({ units: 2, inputShape: [3], activation: 'sigmoid', name: 'gate' }));
    else m.add(sn.layers.lstm({ units: 2, inputShape: [3, 2], name: 'gate' }));
    const files = await readZip(modelToKerasZip(m), 'm.keras');
    m.dispose();
    const config = new TextDecoder().decode(files.get('config.json')!).replace(`"${key}":"sigmoid"`, `"${key}":"hard_sigmoid"`);
    expect(config).toContain(`"${key}":"hard_sigmoid"`);
    const metadata = JSON.stringify({ ...JSON.parse(new TextDecoder().decode(files.get('metadata.json')!)), keras_version: version });
    return writeZip([...files].map(([n, b]) => [n, n === 'config.json' ? new TextEncoder().encode(config) : n === 'metadata.json' ? new TextEncoder().encode(metadata) : b]));
  }

  it("a Keras 3 file's hard_sigmoid (relu6(x + 3) / 6) is refused, naming the layer; a tf.keras 2.13 .keras (Keras 2's) loads", async () => {
    for (const key of ['activation', 'recurrent_activation'] as const) {
      await expect(modelFromKerasZip(await patchedKeras(key, '3.8.0'), 'm.keras')).rejects.toThrow(
        `loadModel: m.keras: gate's ${key} is Keras 3's hard_sigmoid, relu6(x + 3) / 6, which simdnet does not have (its hard_sigmoid is Keras 2's and tfjs' clip(0.2 x + 0.5, 0, 1))`);
      const old = await modelFromKerasZip(await patchedKeras(key, '2.13.1'), 'm.keras');
      expect((old.layers[0].getConfig() as Record<string, unknown>)[key]).toBe('hard_sigmoid');
      old.dispose();
    }
  });

  it('an .h5 Keras 3 wrote with hard_sigmoid is refused; one Keras 2 wrote loads with Keras 2\'s hard_sigmoid', async () => {
    // a one-Dense model's .h5 as Keras writes it (written here: the file's strings are checksummed, so no patching)
    const m = sn.sequential({ seed: 2 });
    m.add(sn.layers.dense({ units: 2, inputShape: [3], activation: 'hard_sigmoid', name: 'gate' }));
    const [kernel, bias] = m.getWeights();
    const config = JSON.stringify(kerasModelConfig(m));
    m.dispose();
    expect(config).toContain('"activation":"hard_sigmoid"');
    const file = (version: string): Uint8Array => {
      const root = new H5WriteGroup();
      Object.assign(root.attrs, { keras_version: version, backend: 'tensorflow', model_config: config });
      const w = root.group('model_weights');
      Object.assign(w.attrs, { layer_names: ['gate'], backend: 'tensorflow', keras_version: version });
      const g = w.group('gate');
      g.attrs.weight_names = ['gate/kernel:0', 'gate/bias:0'];
      g.dataset('gate/kernel:0', kernel.data as Float32Array, [3, 2]);
      g.dataset('gate/bias:0', bias.data as Float32Array, [2]);
      return writeH5(root);
    };
    const keras3 = file('3.8.0'), patched = file('2.15.0');
    await expect(sn.loadModel({ h5: keras3 })).rejects.toThrow("gate's activation is Keras 3's hard_sigmoid");
    const keras2 = await sn.loadModel({ h5: patched });
    expect((keras2.layers[0].getConfig() as { activation: string }).activation).toBe('hard_sigmoid');
    keras2.dispose();
  });
});
