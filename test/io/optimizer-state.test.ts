// Saving the optimizer's state with a model (includeOptimizer, tfjs' SaveConfig option): training resumed from a
// saved model continues where it stopped — each optimizer's slots and update count, through memory, a folder and
// a checkpoint — and the state is TensorFlow.js' (tfjs 4.22 resumes from simdnet's file and the other way round,
// taking the same next step). Bad state is refused with its entry named.
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as sn from '../../src/index.js';
import { loadModel, type ModelJson } from '../../src/io/model-files.js';
import { randomArray } from '../helpers.js';
import { tempFolders } from './temp-folders.js';

const { freshDir, remove } = tempFolders('simdnet-optimizer-state-');
const measured: Record<string, number> = {};

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  await sn.ready();
});
afterAll(() => {
  remove();
  console.log(`optimizer state, max |difference|:\n${Object.entries(measured).map(([k, v]) => `  ${k.padEnd(58)} ${v.toExponential(2)}`).join('\n')}`);
});

const N = 24;
const x = sn.tensor(randomArray(N * 6 * 6 * 2, 11, 0, 1), [N, 6, 6, 2]);
const labels = Array.from({ length: N }, (_, i) => (i * 7) % 3);
const y = sn.tensor(Float32Array.from(labels.flatMap((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0)))), [N, 3]);

/** Conv, batch normalization (non-trainable moving statistics between trainable weights), a frozen dense layer. */
function model(optimizer: sn.Optimizer): sn.Sequential {
  const m = sn.sequential({ seed: 5 });
  m.add(sn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2] }));
  m.add(sn.layers.batchNormalization());
  m.add(sn.layers.flatten());
  m.add(sn.layers.dense({ units: 8, activation: 'tanh' }));
  m.add(sn.layers.dense({ units: 6, activation: 'relu', trainable: false }));
  m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  m.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

const fit = (m: sn.Sequential, epochs: number) => m.fit(x, y, { epochs, batchSize: 8, shuffle: false, verbose: 0 });

function maxRelDiff(a: sn.Tensor[], b: sn.Tensor[]): number {
  let d = 0;
  a.forEach((t, i) => t.data.forEach((v, j) => { d = Math.max(d, Math.abs(v - b[i].data[j]) / Math.max(1e-3, Math.abs(v))); }));
  return d;
}

const OPTIMIZERS: [string, () => sn.Optimizer, number][] = [
  // SGD's velocity is saved in tfjs' form (the accumulated gradient, -v / lr): a round trip may move its last bit,
  // which three more steps grow to ~1e-5 (measured 1.2e-5); the other optimizers' state is saved as it is
  ['sgd, Nesterov momentum', () => sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }), 1e-4],
  ['sgd, momentum and decay', () => sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.8, decay: 0.05 }), 1e-4],
  ['sgd without momentum, decay (the update count only)', () => sn.optimizers.sgd({ learningRate: 0.05, decay: 0.1 }), 0],
  ['adam', () => sn.optimizers.adam({ learningRate: 0.01 }), 0],
  ['adagrad', () => sn.optimizers.adagrad({ learningRate: 0.05 }), 0],
  ['rmsprop, momentum', () => sn.optimizers.rmsprop({ learningRate: 0.005, momentum: 0.5 }), 0],
  ['adamax', () => sn.optimizers.adamax({ learningRate: 0.01 }), 0],
  ['nadam (its momentum schedule from the update count)', () => sn.optimizers.nadam({ learningRate: 0.01 }), 0],
  ['adadelta', () => sn.optimizers.adadelta({ learningRate: 1 }), 0],
  ['adamw, clipnorm', () => sn.optimizers.adamw({ learningRate: 0.01, clipnorm: 0.5 }), 0],
];

describe('training resumes from a model saved with includeOptimizer', () => {
  for (const [label, make, tol] of OPTIMIZERS) {
    it(`${label}: the loaded model's next epoch equals the original's (memory, folder)`, async () => {
      const a = model(make());
      await fit(a, 2);
      const withState = await a.toArtifacts({ includeOptimizer: true });
      const without = await a.toArtifacts();
      const dir = freshDir();
      await a.save(dir, { includeOptimizer: true });
      const fromMemory = await sn.loadModel(withState);
      const fromFolder = await loadModel(dir);
      const fresh = await sn.loadModel(without);
      expect(fromMemory.optimizer!.iterations).toBe(6);
      expect(fromFolder.optimizer!.iterations).toBe(6);
      expect(fresh.optimizer!.iterations).toBe(0);
      await fit(a, 1);
      const want = a.getWeights();
      for (const [how, m] of [['memory', fromMemory], ['folder', fromFolder]] as const) {
        await fit(m, 1);
        const d = maxRelDiff(want, m.getWeights());
        measured[`${label}, ${how}`] = d;
        expect(d).toBeLessThanOrEqual(tol);
        expect(m.optimizer!.iterations).toBe(9);
      }
      // without the state the next epoch differs: the comparison above can fail
      await fit(fresh, 1);
      const d = maxRelDiff(want, fresh.getWeights());
      measured[`${label}, without the state (must differ)`] = d;
      expect(d).toBeGreaterThan(1e-3);
      for (const m of [a, fromMemory, fromFolder, fresh]) m.dispose();
    });
  }

  it('the file lists iter, then each slot over the trainable weights in tfjs\' order; a model never trained saves iter only', async () => {
    const m = model(sn.optimizers.adam());
    const trainable = ['conv2d/kernel', 'conv2d/bias', 'batch_normalization/gamma', 'batch_normalization/beta', 'dense/kernel', 'dense/bias', 'dense_2/kernel', 'dense_2/bias'];
    const specs = async () => ((await m.toArtifacts({ includeOptimizer: true })).modelJson as unknown as ModelJson).weightsManifest[0].weights;
    expect((await specs()).filter((w) => w.group === 'optimizer')).toEqual([{ name: 'iter', shape: [], dtype: 'int32', group: 'optimizer' }]);
    await fit(m, 1);
    const state = (await specs()).filter((w) => w.group === 'optimizer');
    expect(state.map((w) => w.name)).toEqual(['iter', ...trainable.map((k) => `${k}/m`), ...trainable.map((k) => `${k}/v`)]);
    const a = await m.toArtifacts({ includeOptimizer: true });
    const plain = await m.toArtifacts();
    // the weights come first, as without the state
    expect(a.weights.subarray(0, plain.weights.byteLength)).toEqual(plain.weights);
    expect(new DataView(a.weights.buffer, a.weights.byteOffset + plain.weights.byteLength, 4).getInt32(0, true)).toBe(3);
    m.dispose();
  });

  it('modelCheckpoint({ includeOptimizer }) saves it; loading the checkpoint resumes', async () => {
    const dir = freshDir();
    const a = model(sn.optimizers.adam({ learningRate: 0.01 }));
    await a.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false, verbose: 0, callbacks: [sn.callbacks.modelCheckpoint({ filepath: dir, monitor: 'loss', includeOptimizer: true })] });
    const b = await loadModel(dir);
    expect(b.optimizer!.iterations).toBe(6);
    await fit(a, 1); await fit(b, 1);
    expect(maxRelDiff(a.getWeights(), b.getWeights())).toBe(0);
    a.dispose(); b.dispose();
  });
});

describe('the state is TensorFlow.js\' own', () => {
  /** The same two-layer model in both libraries, simdnet's weights copied into tfjs'. */
  function pair(tfOptimizer: tf.Optimizer, ours: sn.Optimizer): { m: sn.Sequential; t: tf.LayersModel } {
    const m = sn.sequential({ seed: 9 });
    m.add(sn.layers.dense({ units: 5, activation: 'tanh', inputShape: [4], name: 'hidden' }));
    m.add(sn.layers.dense({ units: 3, activation: 'softmax', name: 'out' }));
    m.compile({ optimizer: ours, loss: 'categoricalCrossentropy' });
    const t = tf.sequential();
    t.add(tf.layers.dense({ units: 5, activation: 'tanh', inputShape: [4], name: 'hidden' }));
    t.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }));
    t.compile({ optimizer: tfOptimizer, loss: 'categoricalCrossentropy' });
    t.setWeights(m.getWeights().map((w) => tf.tensor(w.data as Float32Array, [...w.shape])));
    return { m, t };
  }
  const xs = sn.tensor(randomArray(16 * 4, 3, -1, 1), [16, 4]);
  const ys = sn.tensor(Float32Array.from({ length: 48 }, (_, i) => (Math.floor(i / 3) % 3 === i % 3 ? 1 : 0)), [16, 3]);
  const tfFit = async (t: tf.LayersModel, epochs: number) => {
    const tx = tf.tensor(xs.data as Float32Array, [16, 4]), ty = tf.tensor(ys.data as Float32Array, [16, 3]);
    await t.fit(tx, ty, { epochs, batchSize: 4, shuffle: false, verbose: 0 });
    tx.dispose(); ty.dispose();
  };
  const snFit = (m: sn.Sequential, epochs: number) => m.fit(xs, ys, { epochs, batchSize: 4, shuffle: false, verbose: 0 });
  const diff = (m: sn.Sequential, t: tf.LayersModel) => {
    let d = 0;
    t.getWeights().forEach((w, i) => w.dataSync().forEach((v, j) => { d = Math.max(d, Math.abs(v - m.getWeights()[i].data[j])); }));
    return d;
  };

  const CASES: [string, () => tf.Optimizer, () => sn.Optimizer][] = [
    ['momentum (Nesterov)', () => tf.train.momentum(0.1, 0.9, true), () => sn.optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true })],
    ['adam', () => tf.train.adam(0.02), () => sn.optimizers.adam({ learningRate: 0.02 })],
    ['rmsprop, momentum', () => tf.train.rmsprop(0.01, 0.9, 0.5), () => sn.optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5 })],
    ['adagrad', () => tf.train.adagrad(0.1), () => sn.optimizers.adagrad({ learningRate: 0.1 })],
  ];
  for (const [label, tfOpt, snOpt] of CASES) {
    it(`${label}: tfjs resumes from simdnet's file, simdnet from tfjs', each taking the step the other takes`, async () => {
      const { m, t } = pair(tfOpt(), snOpt());
      await snFit(m, 2); await tfFit(t, 2);
      const before = diff(m, t);
      // simdnet -> tfjs: tfjs reads the state simdnet wrote (its values, once converted, are tfjs' own)
      const a = await m.toArtifacts({ includeOptimizer: true });
      const json = a.modelJson as unknown as ModelJson;
      const t2 = await tf.loadLayersModel(tf.io.fromMemory({
        modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights as tf.io.WeightsManifestEntry[],
        weightData: a.weights.slice().buffer, trainingConfig: (json as unknown as { trainingConfig: tf.io.TrainingConfig }).trainingConfig,
      }));
      const ours = await t2.optimizer.getWeights(), theirs = await t.optimizer.getWeights();
      expect(ours.map((w) => w.name.split('/').pop())).toEqual(theirs.map((w) => w.name.split('/').pop()));
      let stateDiff = 0;
      ours.forEach((w, i) => w.tensor.dataSync().forEach((v, j) => { stateDiff = Math.max(stateDiff, Math.abs(v - theirs[i].tensor.dataSync()[j])); }));
      measured[`${label}: simdnet's saved state vs tfjs' after the same 8 steps`] = stateDiff;
      expect(stateDiff).toBeLessThan(1e-4);
      // tfjs -> simdnet: tfjs saves, simdnet loads and sets the state
      let saved: tf.io.ModelArtifacts | null = null;
      await t.save(tf.io.withSaveHandler(async (art) => { saved = art; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }), { includeOptimizer: true });
      const art = saved! as tf.io.ModelArtifacts;
      const m2 = await sn.loadModel({
        modelJson: { format: art.format, modelTopology: art.modelTopology, trainingConfig: art.trainingConfig, weightsManifest: [{ paths: [], weights: art.weightSpecs }] },
        weights: art.weightData as ArrayBuffer,
      });
      expect(m2.optimizer!.iterations).toBe(8);
      // one more epoch in all four: each resumed model takes its source's step
      await snFit(m, 1); await tfFit(t, 1); await tfFit(t2, 1); await snFit(m2, 1);
      const dTf = diff(m, t2), dSn = diff(m2, t), dRef = diff(m, t);
      measured[`${label}: simdnet vs tfjs resumed from simdnet's file`] = dTf;
      measured[`${label}: tfjs vs simdnet resumed from tfjs' file`] = dSn;
      expect(dTf).toBeLessThan(Math.max(1e-5, 3 * dRef));
      expect(dSn).toBeLessThan(Math.max(1e-5, 3 * dRef));
      expect(before).toBeLessThan(1e-5);
      m.dispose(); m2.dispose(); t.dispose(); t2.dispose();
    });
  }
});

describe('optimizer state that does not fit is left out with a warning naming the entry (as Keras): the weights load', () => {
  async function saved(): Promise<{ json: ModelJson; weights: Uint8Array }> {
    const m = model(sn.optimizers.adam());
    await fit(m, 1);
    const a = await m.toArtifacts({ includeOptimizer: true });
    m.dispose();
    return { json: a.modelJson as unknown as ModelJson, weights: a.weights };
  }
  const load = (json: ModelJson, weights: Uint8Array) => sn.loadModel({ modelJson: json, weights });

  /** Loads with console.warn captured: the model (its weights checked against the plain file's), and the warning. */
  async function loadWarned(json: ModelJson, weights: Uint8Array): Promise<string> {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const m = await load(json, weights);
      expect(m.optimizer!.iterations).toBe(0); // a fresh state
      const modelSpecs = json.weightsManifest[0].weights.filter((w) => w.group !== 'optimizer');
      const bytes = modelSpecs.reduce((n, w) => n + 4 * w.shape.reduce((p, q) => p * q, 1), 0); // the weights come first
      const plain = await sn.loadModel({ modelJson: { ...json, weightsManifest: [{ paths: [], weights: modelSpecs }] }, weights: weights.subarray(0, bytes) });
      m.getWeights().forEach((w, i) => expect(w.data).toEqual(plain.getWeights()[i].data));
      m.dispose(); plain.dispose();
      expect(warn).toHaveBeenCalledTimes(1);
      const msg = String(warn.mock.calls[0][0]);
      expect(msg).toContain('The optimizer state is left out: the model loads with its weights and a fresh adam state.');
      return msg;
    } finally {
      warn.mockRestore();
    }
  }

  it('a missing slot, a wrong name, a NaN, no update count', async () => {
    const { json, weights } = await saved();
    const specs = json.weightsManifest[0].weights;
    const at = (name: string) => { let off = 0; for (const s of specs) { if (s.name === name) return off; off += 4 * s.shape.reduce((p, q) => p * q, 1); } throw new Error(name); };

    const dropLast = structuredClone(json);
    const last = dropLast.weightsManifest[0].weights.pop()!;
    expect(await loadWarned(dropLast, weights.subarray(0, weights.byteLength - 4 * last.shape.reduce((p, q) => p * q, 1))))
      .toMatch(/Adam state has 15 entries after iter; this model's 8 trainable weights need 16/);

    const renamed = structuredClone(json);
    const k = renamed.weightsManifest[0].weights.findIndex((w) => w.name === 'dense/kernel/m');
    renamed.weightsManifest[0].weights[k].name = 'dense/kernel/v';
    expect(await loadWarned(renamed, weights)).toMatch(/entry 5 is dense\/kernel\/v of shape \[64,8\]; in that place Adam keeps dense\/kernel\/m/);

    const nan = weights.slice();
    new DataView(nan.buffer).setFloat32(at('dense_2/bias/v') + 8, NaN, true);
    expect(await loadWarned(json, nan)).toMatch(/optimizer state dense_2\/bias\/v holds NaN at flat index 2/);

    const noIter = structuredClone(json);
    noIter.weightsManifest[0].weights.find((w) => w.name === 'iter')!.shape = [1];
    expect(await loadWarned(noIter, weights)).toMatch(/must begin with its update count \(iter/);
  });

  it('a tfjs model saved with a layer frozen after training (tfjs keeps the state of every weight it trained)', async () => {
    const t = tf.sequential();
    t.add(tf.layers.dense({ units: 4, activation: 'tanh', inputShape: [3], name: 'a' }));
    t.add(tf.layers.dense({ units: 2, activation: 'softmax', name: 'b' }));
    t.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    await t.fit(tf.randomUniform([4, 3]), tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2), { epochs: 1, batchSize: 4, verbose: 0 });
    t.layers[0].trainable = false;
    let art: tf.io.ModelArtifacts | null = null;
    await t.save(tf.io.withSaveHandler(async (a) => { art = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }), { includeOptimizer: true });
    const a = art! as tf.io.ModelArtifacts;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const m = await sn.loadModel({ modelJson: { modelTopology: a.modelTopology, trainingConfig: a.trainingConfig, weightsManifest: [{ paths: [], weights: a.weightSpecs }] }, weights: a.weightData as ArrayBuffer });
      expect(String(warn.mock.calls[0][0])).toMatch(/the saved Adam state has 8 entries after iter; this model's 2 trainable weights need 4 .*: was a layer frozen since it was saved\?/);
      const theirs = t.layers.flatMap((l) => l.getWeights()); // Keras' order (tfjs' getWeights lists the trainable ones first)
      m.getWeights().forEach((w, i) => expect(w.data).toEqual(theirs[i].dataSync()));
      m.dispose();
    } finally {
      warn.mockRestore();
      t.dispose();
    }
  });

  it('tfjs\' Momentum with momentum 0 keeps an accumulation that changes nothing: read past, the count kept', async () => {
    const t = tf.sequential();
    t.add(tf.layers.dense({ units: 2, activation: 'softmax', inputShape: [3], name: 'd' }));
    t.compile({ optimizer: tf.train.momentum(0.1, 0), loss: 'categoricalCrossentropy' });
    await t.fit(tf.randomUniform([4, 3]), tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2), { epochs: 1, batchSize: 2, verbose: 0 });
    let art: tf.io.ModelArtifacts | null = null;
    await t.save(tf.io.withSaveHandler(async (a) => { art = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }), { includeOptimizer: true });
    const a = art! as tf.io.ModelArtifacts;
    expect(a.weightSpecs!.filter((w) => w.group === 'optimizer').map((w) => w.name)).toEqual(['iter', 'd/kernel/momentum', 'd/bias/momentum']);
    const warn = vi.spyOn(console, 'warn');
    const m = await sn.loadModel({ modelJson: { modelTopology: a.modelTopology, trainingConfig: a.trainingConfig, weightsManifest: [{ paths: [], weights: a.weightSpecs }] }, weights: a.weightData as ArrayBuffer });
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(m.optimizer!.iterations).toBe(2);
    m.dispose(); t.dispose();
  });

  it('a diverged optimizer state (finite weights, infinite moments) is not saved over a good file', async () => {
    const m = sn.sequential({ seed: 1 });
    m.add(sn.layers.dense({ units: 1, inputShape: [2] }));
    m.compile({ optimizer: sn.optimizers.adam({ learningRate: 1e-30 }), loss: 'meanSquaredError' });
    const x = sn.tensor([1, 1, 1, 1], [2, 2]);
    await m.fit(x, sn.tensor([1, 1], [2, 1]), { epochs: 1, verbose: 0 });
    const dir = freshDir();
    await m.save(dir, { includeOptimizer: true }); // a good file
    const good = fs.readFileSync(path.join(dir, 'weights.bin'));
    await m.fit(x, sn.tensor([1e19, 1e19], [2, 1]), { epochs: 1, verbose: 0 }); // g^2 overflows v; the rate keeps the weights finite
    expect(m.getWeights().every((w) => w.data.every(Number.isFinite))).toBe(true);
    await expect(m.save(dir, { includeOptimizer: true })).rejects.toThrow(/saveModel: the optimizer state dense\/kernel\/v holds Infinity at flat index 0 \(training diverged\)/);
    expect(fs.readFileSync(path.join(dir, 'weights.bin'))).toEqual(good);
    await expect(m.toArtifacts({ includeOptimizer: true })).rejects.toThrow(/modelToArtifacts: the optimizer state dense\/kernel\/v holds Infinity/);
    await m.save(dir); // the weights alone save
    m.dispose();
  });

  it('sn.io.saveModel and modelToArtifacts check their options as model.save does', async () => {
    const m = model(sn.optimizers.adam());
    const { saveModel, modelToArtifacts } = await import('../../src/io/model-files.js');
    await expect(saveModel(m, freshDir(), { include_optimizer: true } as never)).rejects.toThrow(/saveModel: unknown option include_optimizer/);
    expect(() => modelToArtifacts(m, { includeOptimizer: 'no' } as never)).toThrow(/modelToArtifacts: includeOptimizer must be true or false/);
    m.dispose();
  });

  it('state without a training config is ignored, as tfjs ignores it', async () => {
    const { json, weights } = await saved();
    const bare = structuredClone(json) as ModelJson & { trainingConfig?: unknown };
    delete bare.trainingConfig;
    const m = await load(bare, weights);
    expect(m.optimizer).toBeNull();
    m.dispose();
  });

  it('save options: includeOptimizer to a .h5 file is refused and writes nothing; a misspelt option is named', async () => {
    const m = model(sn.optimizers.sgd({ momentum: 0.9 }));
    const file = path.join(path.dirname(freshDir()), 'm.h5');
    await expect(m.save(file, { includeOptimizer: true })).rejects.toThrow(/writes no optimizer state into Keras files/);
    expect(fs.existsSync(file)).toBe(false);
    await expect(m.save(freshDir(), { include_optimizer: true } as never)).rejects.toThrow(/unknown option include_optimizer \(options are camelCase, as in TensorFlow.js: includeOptimizer\)/);
    await expect(m.toArtifacts({ includeOptimizer: 'yes' } as never)).rejects.toThrow(/includeOptimizer must be true or false/);
    expect(() => sn.callbacks.modelCheckpoint({ filepath: 'best.h5', includeOptimizer: true })).toThrow(/no optimizer state into Keras files \(\.h5, \.keras\)/);
    expect(() => sn.callbacks.modelCheckpoint({ filepath: 'best.keras', includeOptimizer: true })).toThrow(/no optimizer state into Keras files \(\.h5, \.keras\)/);
    expect(() => sn.callbacks.modelCheckpoint({ filepath: 'best', includeOptimizer: 1 as never })).toThrow('modelCheckpoint: includeOptimizer must be true or false, got 1');
    m.dispose();
  });

  it('a warm-up from rate 0 with SGD momentum checkpoints its state (zero velocity is zero accumulation)', async () => {
    const dir = freshDir();
    const m = model(sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }));
    await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, callbacks: [
      sn.callbacks.learningRateScheduler((e) => (e === 0 ? 0 : 0.05)),
      sn.callbacks.modelCheckpoint({ filepath: dir, monitor: 'loss', includeOptimizer: true }),
    ] });
    const b = await loadModel(dir);
    expect(b.optimizer!.iterations).toBe(6);
    m.dispose(); b.dispose();
  });

  it('SGD momentum at learning rate 0 after steps at a positive rate has no tfjs form: refused, nothing written', async () => {
    const opt = sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9 });
    const m = model(opt);
    await fit(m, 1);
    opt.learningRate = 0;
    const dir = freshDir();
    await expect(m.save(dir, { includeOptimizer: true })).rejects.toThrow(/sgd: the momentum cannot be saved at learning rate 0/);
    expect(fs.existsSync(dir)).toBe(false);
    await m.save(dir); // without the state it saves
    expect(fs.existsSync(path.join(dir, 'model.json'))).toBe(true);
    m.dispose();
  });
});

describe('a run interrupted and resumed (Keras: load the checkpoint, fit with initialEpoch) equals the run uninterrupted', () => {
  it('shuffled batches, dropout, a learning-rate schedule and Adam: the same weights, bit for bit', async () => {
    const build = () => {
      const m = sn.sequential({ seed: 8 });
      m.add(sn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2] }));
      m.add(sn.layers.dropout({ rate: 0.3 }));
      m.add(sn.layers.flatten());
      m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
      m.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      return m;
    };
    const schedule = () => sn.callbacks.learningRateScheduler((epoch) => 0.01 * 0.5 ** Math.floor(epoch / 2));
    const run = (m: sn.Sequential, initialEpoch: number, epochs: number, callbacks: sn.Callback[] = []) =>
      m.fit(x, y, { epochs, initialEpoch, batchSize: 8, shuffle: true, seed: 21, verbose: 0, callbacks: [schedule(), ...callbacks] });

    const whole = build();
    const h = await run(whole, 0, 5);
    const dir = freshDir();
    const first = build();
    await run(first, 0, 3, [sn.callbacks.modelCheckpoint({ filepath: dir, monitor: 'loss', includeOptimizer: true })]);
    first.dispose();
    const resumed = await loadModel(dir);
    const h2 = await run(resumed, 3, 5);
    expect(h2.history.loss).toEqual(h.history.loss.slice(3));
    whole.getWeights().forEach((w, i) => expect(resumed.getWeights()[i].data).toEqual(w.data));
    whole.dispose(); resumed.dispose();
  });
});

describe('optimizers tfjs lacks', () => {
  it("a Nadam model's training config goes where tfjs does not read it (tfjs loads the model), and comes back; Adamax's stays tfjs' unless its state is saved (tfjs' Adamax cannot set state)", async () => {
    const cases = [[() => sn.optimizers.nadam({ learningRate: 0.003 }), true, false], [() => sn.optimizers.nadam({ learningRate: 0.003 }), true, true],
      [() => sn.optimizers.adamax({ learningRate: 0.003 }), false, false], [() => sn.optimizers.adamax({ learningRate: 0.003 }), true, true]] as const;
    for (const [make, inMetadata, includeOptimizer] of cases) {
      const opt = make();
      const m = model(opt);
      if (includeOptimizer) await fit(m, 1);
      const a = await m.toArtifacts({ includeOptimizer });
      const json = a.modelJson as unknown as { trainingConfig?: unknown; userDefinedMetadata?: { simdnet_training_config?: unknown } };
      expect(json.trainingConfig === undefined).toBe(inMetadata);
      expect(json.userDefinedMetadata?.simdnet_training_config === undefined).toBe(!inMetadata);
      const json2 = json as unknown as ModelJson;
      const t = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json2.modelTopology, weightSpecs: json2.weightsManifest[0].weights as tf.io.WeightsManifestEntry[],
        weightData: a.weights.slice().buffer, trainingConfig: json.trainingConfig as tf.io.TrainingConfig }));
      if (!inMetadata) expect(t.optimizer.getClassName()).toBe('Adamax');
      t.dispose();
      const back = await sn.loadModel(a);
      expect(back.optimizer!.toConfig()).toEqual(opt.toConfig());
      if (includeOptimizer) expect(back.optimizer!.iterations).toBe(m.optimizer!.iterations);
      m.dispose(); back.dispose();
    }
  });
});
