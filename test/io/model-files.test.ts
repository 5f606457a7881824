// Model files: simdnet's save / load round trip, interop with TensorFlow.js 4.22 both ways (tfjs loads
// what simdnet saves and the other way round, predicting the same), clear errors for broken files, and
// atomic saving (a failure mid-save leaves the previous model intact and no temporary folders).
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import * as sn from '../../src/index.js';
import { loadModel, modelFromArtifacts, modelToArtifacts, saveHooks, saveModel, type ModelJson } from '../../src/io/model-files.js';
import { Adam, RMSprop, SGD } from '../../src/engine/optimizers.js';
import { layerFromConfig } from '../../src/layers/registry.js';
import { modelTopology } from '../../src/io/topology.js';
import { randomArray } from '../helpers.js';
import { tempFolders } from './temp-folders.js';

const TOL = 1e-5;
const { root, freshDir, remove } = tempFolders('simdnet-model-files-');

const measured: Record<string, number> = {};

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});
afterEach(() => { delete saveHooks.afterStep; });
afterAll(() => {
  remove();
  console.log(`model-files interop, max |simdnet - tfjs|:\n${Object.entries(measured).map(([k, v]) => `  ${k.padEnd(44)} ${v.toExponential(2)}`).join('\n')}`);
});

// ---- helpers ----------------------------------------------------------------------------------------

function input(n: number, shape: number[], seed: number): sn.Tensor {
  const size = n * shape.reduce((a, b) => a * b, 1);
  return sn.tensor(randomArray(size, seed, 0, 1), [n, ...shape]);
}

/** Keeps the initial kernels but gives every bias non-zero values, so biases are exercised too. */
function randomizeBiases(m: sn.Sequential, seed: number): void {
  m.setWeights(m.getWeights().map((w, i) => (w.rank === 1 ? sn.tensor(randomArray(w.size, seed + i, -0.2, 0.2), w.shape) : w)));
}

function labCnn(): sn.Sequential {
  const m = sn.models.labFaceCnn({ seed: 7 });
  randomizeBiases(m, 100);
  return m;
}

/** 'same' padding, strides, average pooling, sigmoid / tanh dense layers, a separate softmax. */
function smallModel(): sn.Sequential {
  const m = sn.sequential({ seed: 3 });
  m.add(sn.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [11, 11, 2] }));
  m.add(sn.layers.averagePooling2d({ poolSize: 2, padding: 'same' }));
  m.add(sn.layers.conv2d({ filters: 5, kernelSize: [2, 3], strides: [1, 2], activation: 'tanh', kernelInitializer: 'heNormal' }));
  m.add(sn.layers.maxPooling2d({ poolSize: 2, strides: 1 }));
  m.add(sn.layers.dropout({ rate: 0.25 }));
  m.add(sn.layers.flatten());
  m.add(sn.layers.dense({ units: 7, activation: 'sigmoid', biasInitializer: { name: 'randomUniform', minval: -0.3, maxval: 0.3 } }));
  m.add(sn.layers.dense({ units: 4, activation: 'tanh', useBias: true }));
  m.add(sn.layers.dense({ units: 3 }));
  m.add(sn.layers.activation({ activation: 'softmax' }));
  randomizeBiases(m, 200);
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

function readJson(dir: string): ModelJson {
  return JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as ModelJson;
}
function writeJson(dir: string, json: unknown): void {
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
}
function copyDir(from: string): string {
  const to = freshDir();
  fs.cpSync(from, to, { recursive: true });
  return to;
}

/** Loads the files simdnet saved into tfjs, as a browser app would from fetched bytes. */
async function tfjsLoad(dir: string): Promise<tf.LayersModel> {
  const json = readJson(dir);
  const bin = fs.readFileSync(path.join(dir, json.weightsManifest[0].paths[0]));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights as tf.io.WeightsManifestEntry[],
    weightData, trainingConfig: json.trainingConfig as unknown as tf.io.TrainingConfig | undefined,
  }));
}

/** Saves a tfjs model as model.json + weights.bin (layers-model format) through a custom save handler. */
async function tfjsSave(model: tf.LayersModel, dir: string, includeOptimizer = false): Promise<void> {
  await model.save(tf.io.withSaveHandler(async (a) => {
    fs.mkdirSync(dir, { recursive: true });
    const parts = Array.isArray(a.weightData) ? a.weightData : [a.weightData!];
    const bytes = Buffer.concat(parts.map((p) => new Uint8Array(p)));
    const json: Record<string, unknown> = {
      format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, modelTopology: a.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
    };
    if (a.trainingConfig) json.trainingConfig = a.trainingConfig;
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    fs.writeFileSync(path.join(dir, 'weights.bin'), bytes);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.byteLength } };
  }), { includeOptimizer });
}

async function tfPredict(m: tf.LayersModel, x: sn.Tensor): Promise<Float32Array> {
  const t = tf.tensor(x.data as Float32Array, [...x.shape]);
  const y = m.predict(t) as tf.Tensor;
  const out = (await y.data()) as Float32Array;
  t.dispose(); y.dispose();
  return out;
}

async function expectRejects(p: Promise<unknown>, ...parts: (string | RegExp)[]): Promise<string> {
  let msg = '';
  try { await p; } catch (e) { msg = (e as Error).message; }
  expect(msg, 'expected an error').not.toBe('');
  for (const part of parts) {
    if (typeof part === 'string') expect(msg).toContain(part);
    else expect(msg).toMatch(part);
  }
  return msg;
}

function listing(dir: string): string[] { return fs.readdirSync(dir).sort(); }

// ---- round trip -------------------------------------------------------------------------------------

describe('saveModel / loadModel round trip', () => {
  it('the lab CNN: same files layout, same weights, bit-identical predictions, same summary', async () => {
    const m = labCnn();
    const dir = freshDir();
    await saveModel(m, dir);
    expect(listing(dir)).toEqual(['model.json', 'weights.bin']);
    expect(listing(path.dirname(dir))).toEqual(['model']);
    expect(fs.statSync(path.join(dir, 'weights.bin')).size).toBe(435504 * 4);

    const json = readJson(dir);
    expect(json.format).toBe('layers-model');
    expect(json.convertedBy).toBeNull();
    expect(json.generatedBy).toMatch(/^simdnet/);
    expect(json.trainingConfig).toBeUndefined(); // not compiled
    expect(json.modelTopology).toMatchObject({ class_name: 'Sequential', keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' });
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights.map((w) => w.name)).toEqual([
      'conv2d/kernel', 'conv2d/bias', 'conv2d_1/kernel', 'conv2d_1/bias', 'conv2d_2/kernel', 'conv2d_2/bias',
      'conv2d_3/kernel', 'conv2d_3/bias', 'conv2d_4/kernel', 'conv2d_4/bias', 'conv2d_5/kernel', 'conv2d_5/bias',
      'dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias']);
    expect(json.weightsManifest[0].weights[0]).toEqual({ name: 'conv2d/kernel', shape: [3, 3, 3, 32], dtype: 'float32' });

    const again = await loadModel(dir);
    expect(again.name).toBe(m.name);
    expect(again.summary(undefined, () => {})).toBe(m.summary(undefined, () => {}));
    const w0 = m.getWeights(), w1 = again.getWeights();
    w0.forEach((w, i) => { expect(w1[i].shape).toEqual(w.shape); expect(w1[i].data).toEqual(w.data); });
    const x = input(5, [42, 42, 3], 11);
    expect((await again.predict(x)).data).toEqual((await m.predict(x)).data);
    // weights.bin is little-endian float32 in manifest order
    const bin = fs.readFileSync(path.join(dir, 'weights.bin'));
    expect(bin.readFloatLE(0)).toBe(w0[0].data[0]);
    expect(bin.readFloatLE(3 * 3 * 3 * 32 * 4)).toBe(w0[1].data[0]);
    m.dispose(); again.dispose();
  });

  it("file:// targets as tfjs-node takes them (file:///abs, file://relative): save and load, folder and .h5", async () => {
    const m = smallModel();
    const dir = freshDir();
    await m.save(`file://${dir}`);
    expect(listing(dir)).toEqual(['model.json', 'weights.bin']);
    const rel = path.relative(process.cwd(), dir);
    expect(path.isAbsolute(rel)).toBe(false);
    const x = input(3, m.inputShape, 5);
    const want = (await m.predict(x)).data;
    for (const source of [`file://${dir}`, `file://${rel}`, `file://./${rel}`, `file://${dir}/model.json`]) {
      const again = await sn.loadModel(source);
      expect((await again.predict(x)).data, source).toEqual(want);
      again.dispose();
    }
    const h5 = path.join(path.dirname(dir), 'm.h5');
    await m.save(`file://${path.relative(process.cwd(), h5)}`);
    expect(fs.existsSync(h5)).toBe(true);
    expect((await (await sn.loadModel(`file://${h5}`)).predict(x)).data).toEqual(want);
    await expectRejects(sn.loadModel(`file://${dir}-missing`), `loadModel: ${dir}-missing does not exist`);
    // file:///… is a URL: percent-escapes decoded, as Node's pathToFileURL writes them
    const spaced = path.join(path.dirname(dir), 'my model é');
    const url = pathToFileURL(spaced).href;
    expect(url).toContain('my%20model%20%C3%A9');
    await m.save(url);
    expect(fs.existsSync(path.join(spaced, 'model.json'))).toBe(true);
    for (const source of [url, pathToFileURL(spaced)]) expect((await (await sn.loadModel(source)).predict(x)).data).toEqual(want);
    m.dispose();
  });

  it('the small model, compiled: topology, training config and predictions survive', async () => {
    const m = smallModel();
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.02, momentum: 0.9, nesterov: true }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const dir = freshDir();
    await saveModel(m, dir);
    const json = readJson(dir);
    expect(json.trainingConfig).toEqual({
      loss: 'categorical_crossentropy', metrics: ['accuracy'],
      optimizer_config: { class_name: 'Momentum', config: { learningRate: 0.02, momentum: 0.9, useNesterov: true } },
    });
    const again = await loadModel(path.join(dir, 'model.json')); // a model.json path works too
    expect(again.loss).toBe('categoricalCrossentropy');
    expect(again.metrics).toEqual(['accuracy']);
    expect(again.optimizer).toBeInstanceOf(SGD);
    expect(again.optimizer!.toConfig()).toEqual(m.optimizer!.toConfig());
    expect(modelTopology(again)).toEqual(modelTopology(m));
    expect(again.summary(undefined, () => {})).toBe(m.summary(undefined, () => {}));
    const x = input(6, [11, 11, 2], 12);
    expect((await again.predict(x)).data).toEqual((await m.predict(x)).data);
    // the loaded model trains
    const y = sn.utils.toCategorical([0, 1, 2, 0, 1, 2], 3);
    const h = await again.fit(x, y, { epochs: 2, batchSize: 3, verbose: 0 });
    expect(h.history.loss).toHaveLength(2);
    m.dispose(); again.dispose();
  });

  it('every optimizer round-trips; a loss tfjs lacks (huber) is kept where tfjs does not look', async () => {
    const cases: [sn.Optimizer, string][] = [
      [sn.optimizers.sgd({ learningRate: 0.05, decay: 0.01 }), 'meanSquaredError'],
      [sn.optimizers.adam({ learningRate: 0.003, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }), 'binaryCrossentropy'],
      [sn.optimizers.adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.2 }), 'meanAbsoluteError'],
      [sn.optimizers.rmsprop({ learningRate: 0.002, rho: 0.8, momentum: 0.5 }), 'huber'],
    ];
    for (const [opt, loss] of cases) {
      const m = sn.sequential();
      m.add(sn.layers.dense({ units: 2, activation: 'sigmoid', inputShape: [3] }));
      m.compile({ optimizer: opt, loss });
      const dir = freshDir();
      await saveModel(m, dir);
      const json = readJson(dir);
      if (loss === 'huber') {
        expect(json.trainingConfig).toBeUndefined();
        expect(json.userDefinedMetadata).toMatchObject({ simdnet_training_config: { loss: 'huber' } });
      }
      const again = await loadModel(dir);
      expect(again.loss).toBe(loss);
      expect(again.optimizer!.name).toBe(opt.name);
      expect(again.optimizer!.toConfig()).toEqual(opt.toConfig());
      const t = await tfjsLoad(dir); // tfjs compiles from what it finds
      expect(t.optimizer != null).toBe(loss !== 'huber');
      t.dispose();
      m.dispose(); again.dispose();
    }
    expect(new RMSprop().toConfig().class_name).toBe("RMSProp");
  });

  it("metrics round-trip; a name tfjs lacks (mean_absolute_error: it knows mae) keeps the training config where tfjs does not look", async () => {
    for (const metrics of [['accuracy', 'mae', 'MSE'], ['mean_absolute_error']]) {
      const m = sn.sequential();
      m.add(sn.layers.dense({ units: 2, activation: 'sigmoid', inputShape: [3] }));
      m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics });
      const dir = freshDir();
      await saveModel(m, dir);
      const json = readJson(dir);
      const tfjsKnows = metrics[0] !== 'mean_absolute_error';
      expect(json.trainingConfig === undefined).toBe(!tfjsKnows);
      expect((await loadModel(dir)).metrics).toEqual(metrics);
      const t = await tfjsLoad(dir);
      expect(t.optimizer != null).toBe(tfjsKnows);
      if (tfjsKnows) expect(t.metricsNames).toEqual(['loss', 'acc', 'mae', 'MSE']);
      else {
        // tfjs itself refuses that config: put back where it looks, it stops tf.loadLayersModel
        const { simdnet_training_config: tc, ...rest } = json.userDefinedMetadata as Record<string, unknown>;
        fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ ...json, trainingConfig: tc, userDefinedMetadata: rest }));
        await expect(tfjsLoad(dir)).rejects.toThrow(/Unknown metric meanAbsoluteError/);
      }
      t.dispose();
      m.dispose();
    }
    // nor does tfjs know sparseCategoricalAccuracy
    const s = sn.sequential();
    s.add(sn.layers.dense({ units: 3, activation: 'softmax', inputShape: [3] }));
    s.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['sparse_categorical_accuracy'] });
    const dir = freshDir();
    await saveModel(s, dir);
    expect(readJson(dir).trainingConfig).toBeUndefined();
    (await tfjsLoad(dir)).dispose();
    expect((await loadModel(dir)).metrics).toEqual(['sparse_categorical_accuracy']);
    s.dispose();
  });

  it('reads several shards and manifest groups with entries in any order', async () => {
    const m = smallModel();
    const a = modelToArtifacts(m);
    const dir = freshDir();
    await saveModel(m, dir);
    // regroup: two groups; group 1 in reversed order split across 2 files at an odd byte, group 2 one file
    const bytes = new Uint8Array(a.weightData);
    const offsets: number[] = [];
    let o = 0;
    for (const s of a.weightSpecs) { offsets.push(o); o += s.shape.reduce((x, y) => x * y, 1) * 4; }
    const chunk = (i: number) => bytes.subarray(offsets[i], i + 1 < offsets.length ? offsets[i + 1] : bytes.length);
    const idx = a.weightSpecs.map((_, i) => i);
    const g1 = idx.slice(0, 5).reverse(), g2 = [8, 5, 9, 6, 7];
    expect(idx).toHaveLength(10);
    const g1bytes = Buffer.concat(g1.map((i) => chunk(i)));
    fs.writeFileSync(path.join(dir, 'group1-shard1of2.bin'), g1bytes.subarray(0, 37));
    fs.writeFileSync(path.join(dir, 'group1-shard2of2.bin'), g1bytes.subarray(37));
    fs.writeFileSync(path.join(dir, 'group2-shard1of1.bin'), Buffer.concat(g2.map((i) => chunk(i))));
    fs.rmSync(path.join(dir, 'weights.bin'));
    const json = readJson(dir);
    json.weightsManifest = [
      { paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: g1.map((i) => a.weightSpecs[i]) },
      { paths: ['group2-shard1of1.bin'], weights: g2.map((i) => a.weightSpecs[i]) },
    ];
    writeJson(dir, json);
    const again = await loadModel(dir);
    const x = input(3, [11, 11, 2], 13);
    expect((await again.predict(x)).data).toEqual((await m.predict(x)).data);
    // and saving over it replaces the sharded model cleanly
    await saveModel(m, dir);
    expect(listing(dir)).toEqual(['model.json', 'weights.bin']);
    m.dispose(); again.dispose();
  });

  it('modelFromArtifacts works on bytes alone (the browser path)', async () => {
    const m = smallModel();
    const a = modelToArtifacts(m);
    const again = modelFromArtifacts(a.modelTopology, a.weightSpecs, a.weightData, { trainingConfig: a.trainingConfig });
    const x = input(2, [11, 11, 2], 14);
    expect((await again.predict(x)).data).toEqual((await m.predict(x)).data);
    expect(() => modelFromArtifacts(a.modelTopology, a.weightSpecs, a.weightData.slice(0, 100)))
      .toThrow(`modelFromArtifacts: the weight data holds 100 bytes but the manifest needs ${a.weightData.byteLength}`);
    m.dispose(); again.dispose();
  });
});

// ---- interop with TensorFlow.js -------------------------------------------------------------------

describe('interop with TensorFlow.js 4.22', () => {
  it('writes the topology tfjs writes for the same model (class names, config keys and values)', async () => {
    const ours = smallModel();
    const t = tf.sequential();
    // tfjs' default kernel initializer is glorotNormal (Keras': glorotUniform, as simdnet's)
    t.add(tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [11, 11, 2], kernelInitializer: 'glorotUniform' }));
    t.add(tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }));
    t.add(tf.layers.conv2d({ filters: 5, kernelSize: [2, 3], strides: [1, 2], activation: 'tanh', kernelInitializer: 'heNormal' }));
    t.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 1 }));
    t.add(tf.layers.dropout({ rate: 0.25 }));
    t.add(tf.layers.flatten());
    t.add(tf.layers.dense({ units: 7, activation: 'sigmoid', kernelInitializer: 'glorotUniform', biasInitializer: tf.initializers.randomUniform({ minval: -0.3, maxval: 0.3 }) }));
    t.add(tf.layers.dense({ units: 4, activation: 'tanh', kernelInitializer: 'glorotUniform' }));
    t.add(tf.layers.dense({ units: 3, kernelInitializer: 'glorotUniform' }));
    t.add(tf.layers.activation({ activation: 'softmax' }));
    const theirs = t.toJSON(null, false) as unknown as { class_name: string; config: { layers: { class_name: string; config: Record<string, unknown> }[] }; keras_version: string; backend: string };
    const mine = modelTopology(ours) as typeof theirs;
    expect(Object.keys(mine).sort()).toEqual(Object.keys(theirs).sort());
    expect(mine.class_name).toBe(theirs.class_name);
    expect(mine.keras_version).toBe(theirs.keras_version);
    expect(mine.backend).toBe(theirs.backend);
    expect(mine.config.layers.map((l) => l.class_name)).toEqual(theirs.config.layers.map((l) => l.class_name));
    mine.config.layers.forEach((l, i) => {
      const tc = theirs.config.layers[i].config;
      for (const key of Object.keys(tc)) {
        expect(l.config, `${l.class_name}.${key}`).toHaveProperty(key);
        if (key === 'name') continue; // tfjs names layers conv2d_Conv2D1, ...; simdnet conv2d, conv2d_1, ...
        if (key === 'kernel_initializer' && i === 2) continue; // heNormal: VarianceScaling(2, fan_in, normal) both
        expect(l.config[key], `${l.class_name}.${key}`).toEqual(tc[key]);
      }
    });
    expect(mine.config.layers[2].config.kernel_initializer).toEqual(theirs.config.layers[2].config.kernel_initializer);
    t.dispose(); ours.dispose();
  });

  for (const [label, build, shape] of [
    ['the lab CNN', labCnn, [42, 42, 3]],
    ['the small model (same padding, avg pool, sigmoid/tanh)', smallModel, [11, 11, 2]],
  ] as [string, () => sn.Sequential, number[]][]) {
    it(`simdnet -> tfjs: ${label} saved by simdnet loads in tfjs and predicts the same`, async () => {
      const m = build();
      m.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.002 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const dir = freshDir();
      await saveModel(m, dir);
      const t = await tfjsLoad(dir);
      expect(t.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
      expect(t.countParams()).toBe(m.countParams());
      // tfjs compiled the model from the training config
      expect(t.optimizer.getClassName()).toBe('Adam');
      expect((t.optimizer.getConfig() as { learningRate: number }).learningRate).toBe(0.002);
      // tfjs holds exactly simdnet's weights
      const ours = m.getWeights(), theirs = t.getWeights();
      expect(theirs.map((w) => w.shape)).toEqual(ours.map((w) => [...w.shape]));
      theirs.forEach((w, i) => expect(w.dataSync()).toEqual(ours[i].data));
      const x = input(4, shape, 21);
      const p = (await m.predict(x)).data;
      expect(Math.max(...p) - Math.min(...p)).toBeGreaterThan(1e-6); // not a constant output (tfjs' random init is unseeded) // not a degenerate (uniform) output
      const d = maxAbsDiff(await tfPredict(t, x), p);
      measured[`simdnet -> tfjs, ${label}`] = d;
      expect(d).toBeLessThanOrEqual(TOL);
      t.dispose(); m.dispose();
    });
  }

  /** The lab CNN and a small model built in tfjs (tfjs initialisers, tfjs layer names). */
  const tfModels: [string, () => tf.Sequential, number[]][] = [
    ['the lab CNN', () => {
      const t = tf.sequential();
      t.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [42, 42, 3] }));
      t.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }));
      t.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      t.add(tf.layers.dropout({ rate: 0.2 }));
      t.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
      t.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
      t.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      t.add(tf.layers.dropout({ rate: 0.2 }));
      t.add(tf.layers.conv2d({ filters: 128, kernelSize: 3, activation: 'relu' }));
      t.add(tf.layers.conv2d({ filters: 128, kernelSize: 3, activation: 'relu' }));
      t.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      t.add(tf.layers.dropout({ rate: 0.2 }));
      t.add(tf.layers.flatten());
      t.add(tf.layers.dense({ units: 1024, activation: 'relu' }));
      t.add(tf.layers.dropout({ rate: 0.5 }));
      t.add(tf.layers.dense({ units: 16, activation: 'softmax' }));
      return t;
    }, [42, 42, 3]],
    ['a small model (same padding, avg pool, sigmoid/tanh)', () => {
      const t = tf.sequential();
      t.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh', inputShape: [9, 10, 3], biasInitializer: 'randomNormal' }));
      t.add(tf.layers.averagePooling2d({ poolSize: [2, 2], strides: 1, padding: 'valid' }));
      t.add(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }));
      t.add(tf.layers.flatten());
      t.add(tf.layers.dense({ units: 8, activation: 'sigmoid', biasInitializer: 'randomUniform' }));
      t.add(tf.layers.dropout({ rate: 0.1 }));
      t.add(tf.layers.dense({ units: 5, activation: 'tanh', useBias: false }));
      t.add(tf.layers.dense({ units: 3, activation: 'linear', kernelInitializer: 'heUniform', biasInitializer: 'ones' }));
      t.add(tf.layers.activation({ activation: 'softmax' }));
      return t;
    }, [9, 10, 3]],
  ];
  for (const [label, build, shape] of tfModels) {
    it(`tfjs -> simdnet: ${label} saved by tfjs (with its optimizer) loads with loadModel and predicts the same`, async () => {
      const t = build();
      t.compile({ optimizer: tf.train.adam(0.004), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      if (shape[0] < 42) { // one step so the optimizer has moments to save (simdnet sets them); tfjs cpu is slow on the lab CNN
        const nOut = (t.outputs[0].shape[1] as number);
        const xs = tf.randomUniform([2, ...shape]), ys = tf.oneHot(tf.tensor1d([0, 1], 'int32'), nOut);
        await t.fit(xs, ys, { epochs: 1, batchSize: 2, verbose: 0 });
        xs.dispose(); ys.dispose();
      }
      const dir = freshDir();
      await tfjsSave(t, dir, true);
      const json = readJson(dir);
      expect(json.weightsManifest[0].weights.some((w) => w.group === 'optimizer')).toBe(true);
      const m = await loadModel(dir);
      expect(m.layers.map((l) => l.name)).toEqual(t.layers.map((l) => l.name)); // conv2d_Conv2D1, ...
      expect(m.countParams()).toBe(t.countParams());
      expect(m.loss).toBe('categoricalCrossentropy');
      expect(m.metrics).toEqual(['accuracy']);
      expect(m.optimizer).toBeInstanceOf(Adam);
      expect(m.optimizer!.learningRate).toBe(0.004);
      expect(m.optimizer!.iterations).toBe(shape[0] < 42 ? 1 : 0); // the saved update count (test/io/optimizer-state.test.ts: the moments)
      const ours = m.getWeights(), theirs = t.getWeights();
      theirs.forEach((w, i) => expect(ours[i].data).toEqual(w.dataSync()));
      const x = input(4, shape, 31);
      const p = (await m.predict(x)).data;
      expect(Math.max(...p) - Math.min(...p)).toBeGreaterThan(1e-6); // not a constant output (tfjs' random init is unseeded)
      const d = maxAbsDiff(p, await tfPredict(t, x));
      measured[`tfjs -> simdnet, ${label}`] = d;
      expect(d).toBeLessThanOrEqual(TOL);
      // and back: simdnet saves what it loaded; tfjs reads it and still agrees
      const dir2 = freshDir();
      await saveModel(m, dir2);
      const t2 = await tfjsLoad(dir2);
      expect(maxAbsDiff(await tfPredict(t2, x), await tfPredict(t, x))).toBe(0);
      t.dispose(); t2.dispose(); m.dispose();
    });
  }
});

// ---- errors -----------------------------------------------------------------------------------------

describe('clear errors for broken model files', () => {
  let good = '';
  let needed = 0;
  beforeAll(async () => {
    const m = labCnn();
    good = freshDir();
    await saveModel(m, good);
    needed = m.countParams() * 4;
    m.dispose();
  });

  it('weights.bin too short or too long for the manifest', async () => {
    const dir = copyDir(good);
    const bin = path.join(dir, 'weights.bin');
    fs.writeFileSync(bin, fs.readFileSync(bin).subarray(0, 1000));
    await expectRejects(loadModel(dir), `loadModel: ${bin} holds 1000 bytes but the manifest needs ${needed}`);
    fs.writeFileSync(bin, Buffer.alloc(needed + 4));
    await expectRejects(loadModel(dir), `loadModel: ${bin} holds ${needed + 4} bytes but the manifest needs ${needed}`);
  });

  it('a manifest shape that does not match the layer', async () => {
    const dir = copyDir(good);
    const json = readJson(dir);
    json.weightsManifest[0].weights[0].shape = [3, 3, 32, 3]; // same byte count, wrong layout
    writeJson(dir, json);
    await expectRejects(loadModel(dir), `loadModel: ${path.join(dir, 'model.json')}: conv2d/kernel has shape [3,3,32,3] in the manifest but the layer needs [3,3,3,32]`);
    // a topology that disagrees with the weights: 16 filters in the first convolution
    const json2 = readJson(good);
    ((json2.modelTopology as { config: { layers: { config: { filters: number } }[] } }).config.layers[0].config).filters = 16;
    writeJson(dir, json2);
    await expectRejects(loadModel(dir), 'conv2d/kernel has shape [3,3,3,32] in the manifest but the layer needs [3,3,3,16]');
  });

  it('missing folder, model.json, weights file', async () => {
    const nowhere = path.join(root, 'no-such-model');
    await expectRejects(loadModel(nowhere), `loadModel: ${nowhere} does not exist`);
    const dir = copyDir(good);
    fs.rmSync(path.join(dir, 'weights.bin'));
    await expectRejects(loadModel(dir), `loadModel: weights file ${path.join(dir, 'weights.bin')} not found (listed in ${path.join(dir, 'model.json')})`);
    fs.rmSync(path.join(dir, 'model.json'));
    await expectRejects(loadModel(dir), `loadModel: ${path.join(dir, 'model.json')} not found`);
  });

  it('invalid JSON and the wrong format', async () => {
    const dir = copyDir(good);
    const file = path.join(dir, 'model.json');
    fs.writeFileSync(file, '{"format": "layers-model", ');
    await expectRejects(loadModel(dir), `loadModel: ${file} is not valid JSON`);
    writeJson(dir, { ...readJson(good), format: 'graph-model' });
    await expectRejects(loadModel(dir), `loadModel: ${file} has format "graph-model"; simdnet loads only 'layers-model' files`);
    writeJson(dir, { ...readJson(good), modelTopology: { class_name: 'MyModel', config: {} } });
    await expectRejects(loadModel(dir), `loadModel: ${file}: the model is a "MyModel"; simdnet loads Sequential models and Functional models that are a chain of layers`);
    writeJson(dir, { ...readJson(good), modelTopology: { class_name: 'Functional', config: {} } });
    await expectRejects(loadModel(dir), `loadModel: ${file}: the Functional model has 0 inputs and 0 outputs; simdnet loads only a chain with one input and one output`);
  });

  it('an unknown layer class', async () => {
    const dir = copyDir(good);
    const json = readJson(dir);
    const layers = (json.modelTopology as { config: { layers: { class_name: string }[] } }).config.layers;
    layers[3].class_name = 'UnitNormalization';
    writeJson(dir, json);
    await expectRejects(loadModel(dir), `loadModel: ${path.join(dir, 'model.json')}: layer 3: unknown layer class "UnitNormalization"; ` +
      'simdnet supports Conv2D, Dense, MaxPooling2D, AveragePooling2D, Dropout, Flatten, Activation, Embedding');
    // a known class with an option it does not take is refused by option
    layers[3].class_name = 'BatchNormalization';
    writeJson(dir, json);
    await expectRejects(loadModel(dir), `layer 3: BatchNormalization layer 'dropout': unsupported option rate = 0.2`);
  });

  it('missing or extra weight names, and dtypes other than float32', async () => {
    const dir = copyDir(good);
    const json = readJson(good);
    json.weightsManifest[0].weights[15].name = 'dense_1/b';
    writeJson(dir, json);
    await expectRejects(loadModel(dir), 'the weights manifest has no dense_1/bias (it has dense_1/b)');
    const json2 = readJson(good);
    json2.weightsManifest[0].weights[1].dtype = 'int32';
    writeJson(dir, json2);
    await expectRejects(loadModel(dir), 'weight conv2d/bias has dtype "int32"; simdnet loads only float32 weights');
  });

  it('unsupported layer options name the layer and the option', () => {
    const conv = { filters: 4, kernel_size: [3, 3], name: 'c1', batch_input_shape: [null, 8, 8, 3] };
    expect(() => layerFromConfig('Conv2D', { ...conv, dilation_rate: [2, 2] }))
      .toThrow("Conv2D layer 'c1': option dilation_rate = [2,2] is not supported (simdnet has no dilated convolutions; dilation_rate must be 1)");
    expect(() => layerFromConfig('Conv2D', { ...conv, data_format: 'channels_first' }))
      .toThrow("Conv2D layer 'c1': option data_format = \"channels_first\" is not supported");
    expect(() => layerFromConfig('Dense', { units: 3, name: 'd', activity_regularizer: { class_name: 'L1L2', config: { l1: 0, l2: 0.01 } } }))
      .toThrow("Dense layer 'd': option activity_regularizer = {\"class_name\":\"L1L2\",\"config\":{\"l1\":0,\"l2\":0.01}} is not supported " +
        '(simdnet has weight regularizers but no activity regularizers; it must be null)');
    expect(() => layerFromConfig('Dense', { units: 3, name: 'd', kernel_regularizer: { class_name: 'L1L2', config: { l1: -1, l2: 0.01 } } }))
      .toThrow("Dense layer 'd': kernelRegularizer (L1L2): l1 must be a finite number >= 0, got -1");
    expect(() => layerFromConfig('Dense', { units: 3, name: 'd', activation: 'hard_silu' }))
      .toThrow("Dense layer 'd': option activation = \"hard_silu\" is not supported (simdnet's activations are linear, relu, sigmoid, tanh, elu, selu, softplus, softsign, relu6, exponential, hard_sigmoid, softmax, swish, silu, gelu, gelu_new, mish)");
    expect(() => layerFromConfig('Dropout', { rate: 0.5, name: 'dr', noise_shape: [null, 1] })).toThrow("Dropout layer 'dr': option noise_shape");
    expect(() => layerFromConfig('MaxPooling2D', { pool_size: [2, 2], name: 'p', mystery: 3 })).toThrow("MaxPooling2D layer 'p': unsupported option mystery = 3");
    expect(() => layerFromConfig('Conv2D', { ...conv, kernel_initializer: { class_name: 'STFT', config: {} } }))
      .toThrow("Conv2D layer 'c1': option kernel_initializer: unknown initializer 'STFT'");
    expect(() => layerFromConfig('Dense', { units: -1, name: 'd' })).toThrow("Dense layer 'd': dense: units must be a positive integer, got -1");
    expect(() => layerFromConfig('ConvLSTM2D', {})).toThrow(/unknown layer class "ConvLSTM2D"; simdnet supports Conv2D, Dense/);
  });

  it('reads gelu, swish / silu, mish, gelu_new and exponential in each saved form; silu is saved as swish, which every reader knows', async () => {
    const keras3 = (name: string) => ({ module: 'keras.activations', class_name: 'function', config: name, registered_name: name });
    for (const name of ['gelu', 'swish', 'silu', 'mish', 'gelu_new', 'exponential']) {
      for (const saved of [name, keras3(name)]) {
        const d = layerFromConfig('Dense', { units: 3, name: 'd', activation: saved });
        expect(d.getConfig().activation, `Dense ${JSON.stringify(saved)}`).toBe(name);
        expect(layerFromConfig('Activation', { name: 'a', activation: saved }).getConfig().activation).toBe(name);
      }
    }
    // a Keras 3 model with silu (Keras 3's name of swish) predicts x σ(x) and saves swish (tfjs has no silu)
    const topology = {
      class_name: 'Sequential',
      config: {
        name: 'k3silu', layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 2], dtype: 'float32', sparse: false, name: 'input_layer' } },
          { module: 'keras.layers', class_name: 'Dense', config: { name: 'dense', units: 2, activation: keras3('silu'), use_bias: true } },
          { module: 'keras.layers', class_name: 'Activation', config: { name: 'act', activation: keras3('gelu') } },
        ],
      },
    };
    const m = modelFromArtifacts(topology, [{ name: 'dense/kernel', shape: [2, 2], dtype: 'float32' }, { name: 'dense/bias', shape: [2], dtype: 'float32' }],
      new Float32Array([1, 0, 0, 1, 0.5, -3]));
    const p = await m.predict(sn.tensor([[1, 2]]));
    const tz = tf.tensor([[1.5, -1]]);
    const want = tf.layers.activation({ activation: 'gelu' }).apply(tf.layers.activation({ activation: 'swish' }).apply(tz)) as tf.Tensor;
    expect(Math.max(...Array.from(p.data, (v, i) => Math.abs(v - want.dataSync()[i])))).toBeLessThan(1e-6);
    const layers = (modelTopology(m) as { config: { layers: { config: { activation?: unknown } }[] } }).config.layers;
    expect(layers.map((l) => l.config.activation).filter((a) => a !== undefined)).toEqual(['swish', 'gelu']);
    const twin = await tf.models.modelFromJSON({ modelTopology: modelTopology(m) } as never); // tfjs loads it
    twin.dispose();
    tf.dispose([tz, want]);
    m.dispose();
  });

  it('layerFromConfig reads both key styles, Keras initializers and Keras 3 details', async () => {
    const a = layerFromConfig('Conv2D', {
      filters: 4, kernel_size: 3, strides: [2, 2], padding: 'same', activation: 'relu', use_bias: false, name: 'c',
      batch_input_shape: [null, 8, 8, 3], dtype: 'float32', dilation_rate: [1, 1], data_format: 'channels_last', groups: 1,
      kernel_initializer: { className: 'HeUniform', config: { seed: null } }, bias_initializer: null,
    });
    const b = layerFromConfig('Conv2D', {
      filters: 4, kernelSize: [3, 3], strides: 2, padding: 'same', activation: 'relu', useBias: false, name: 'c',
      batchInputShape: [null, 8, 8, 3], kernelInitializer: { class_name: 'VarianceScaling', config: { scale: 2, mode: 'fan_in', distribution: 'uniform', seed: null } },
    });
    for (const l of [a, b]) l.build([8, 8, 3]);
    expect(a.getConfig()).toEqual(b.getConfig());
    expect(a.params[0].init.name).toBe('heUniform');
    expect(a.outputShape).toEqual([4, 4, 4]);
    // a Keras 3 style topology: InputLayer first, batch_shape, DTypePolicy objects, module keys
    const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
    const topology = {
      class_name: 'Sequential',
      config: {
        name: 'keras3', layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, name: 'input_layer' } },
          { module: 'keras.layers', class_name: 'Dense', config: { name: 'dense', trainable: true, dtype: policy, units: 2, activation: 'softmax', use_bias: true,
            kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null },
            bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
            kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null } },
        ],
      },
    };
    const w = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 0.5, -0.5]);
    const m = modelFromArtifacts(topology, [{ name: 'dense/kernel', shape: [4, 2], dtype: 'float32' }, { name: 'dense/bias', shape: [2], dtype: 'float32' }], w);
    expect(m.name).toBe('keras3');
    expect(m.inputShape).toEqual([4]);
    const p = await m.predict(sn.tensor([[1, 0, 0, 0]]));
    const z = [1 + 0.5, 2 - 0.5], e = z.map(Math.exp);
    expect(p.data[0]).toBeCloseTo(e[0] / (e[0] + e[1]), 6);
    m.dispose();
  });
});

// ---- atomic saving ----------------------------------------------------------------------------------

describe('saveModel is atomic', () => {
  async function prepared(): Promise<{ dir: string; before: Float32Array; x: sn.Tensor; other: sn.Sequential }> {
    const first = smallModel();
    const dir = freshDir();
    await saveModel(first, dir);
    const x = input(3, [11, 11, 2], 41);
    const before = (await first.predict(x)).data as Float32Array;
    first.dispose();
    const other = smallModel();
    randomizeBiases(other, 999); // different weights
    expect((await other.predict(x)).data).not.toEqual(before);
    return { dir, before, x, other };
  }

  async function expectIntact(dir: string, before: Float32Array, x: sn.Tensor): Promise<void> {
    expect(listing(path.dirname(dir))).toEqual(['model']); // no temporary or set-aside folders
    expect(listing(dir)).toEqual(['model.json', 'weights.bin']);
    const m = await loadModel(dir);
    expect((await m.predict(x)).data).toEqual(before);
    m.dispose();
  }

  for (const step of ['model.json', 'weights.bin', 'aside'] as const) {
    it(`a failure after writing ${step === 'aside' ? 'and setting the old model aside' : step} keeps the previous model`, async () => {
      const { dir, before, x, other } = await prepared();
      saveHooks.afterStep = (s) => { if (s === step) throw new Error(`simulated crash after ${s}`); };
      await expectRejects(saveModel(other, dir), `simulated crash after ${step}`);
      await expectIntact(dir, before, x);
      other.dispose();
    });
  }

  it('a model whose weights cannot be read leaves the previous model intact', async () => {
    const { dir, before, x, other } = await prepared();
    other.getWeights = () => { throw new Error('weights unavailable'); };
    await expectRejects(saveModel(other, dir), 'weights unavailable');
    await expectIntact(dir, before, x);
    other.dispose();
  });

  it('after a crash between the two renames, loadModel points at the model set aside', async () => {
    const { dir, other } = await prepared();
    const aside = `${dir}.replaced-1234-abc`; // what a crash right after the first rename leaves
    fs.renameSync(dir, aside);
    await expectRejects(loadModel(dir), `loadModel: ${dir} does not exist; an interrupted save left the previous model in ${aside}: rename it to ${dir} to use it`);
    other.dispose();
  });

  it('a completed save replaces the model and removes the old one', async () => {
    const { dir, x, other } = await prepared();
    await saveModel(other, dir);
    expect(listing(path.dirname(dir))).toEqual(['model']);
    const m = await loadModel(dir);
    expect((await m.predict(x)).data).toEqual((await other.predict(x)).data);
    m.dispose(); other.dispose();
  });

  it('refuses to replace a folder holding other files, and a path that is a file', async () => {
    const m = smallModel();
    const dir = freshDir();
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'keep me');
    await expectRejects(saveModel(m, dir), `saveModel: ${dir} holds files that are not part of a model (notes.txt)`);
    expect(listing(dir)).toEqual(['notes.txt']);
    expect(listing(path.dirname(dir))).toEqual(['model']);
    const file = path.join(path.dirname(dir), 'file');
    fs.writeFileSync(file, 'x');
    await expectRejects(saveModel(m, file), `saveModel: ${file} exists and is not a folder`);
    // a new nested folder is created
    const nested = path.join(path.dirname(dir), 'a', 'b', 'model');
    await saveModel(m, nested);
    expect(listing(nested)).toEqual(['model.json', 'weights.bin']);
    m.dispose();
  });
});
