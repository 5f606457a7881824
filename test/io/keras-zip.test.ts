// Saving Keras 3's .keras files: model.save('m.keras') and modelCheckpoint({ filepath: 'best.keras' }) write the
// zip keras.saving.save_model writes — metadata.json, config.json (serialization_lib's form) and model.weights.h5
// (layers/<class path>/vars/<i>), entries stored — which loads back with the same predictions and compile
// settings; checked in JavaScript, and through Python's zipfile and h5py where /usr/bin/python3 has h5py
// (.ci/run installs python3-h5py). Keras itself cannot be installed here: its layout is taken from
// keras/src/saving/saving_lib.py and serialization_lib.py (README, "Keras files").
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { h5py } from './python-h5py.js';
import * as sn from '../../src/index.js';
import { divergedModel } from './diverged.js';
import { H5Dataset, H5Group, readH5 } from '../../src/io/h5/reader.js';
import { modelToKerasZip } from '../../src/io/keras-files.js';
import { readZip } from '../../src/io/zip.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'simdnet-keras-zip-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function imageModel(): sn.Sequential {
  const m = sn.sequential({ name: 'faces', seed: 5 });
  m.add(sn.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 2], kernelRegularizer: sn.regularizers.l2({ l2: 0.01 }) }));
  m.add(sn.layers.batchNormalization());
  m.add(sn.layers.maxPooling2d({ poolSize: 2 }));
  m.add(sn.layers.dropout({ rate: 0.25 }));
  m.add(sn.layers.flatten());
  m.add(sn.layers.dense({ units: 4, activation: 'softmax', kernelConstraint: sn.constraints.maxNorm({ maxValue: 2 }) }));
  m.layers[0].trainable = false;
  m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.02, momentum: 0.9, nesterov: true }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

function textModel(): sn.Sequential {
  const m = sn.sequential({ seed: 7 });
  m.add(sn.layers.embedding({ inputDim: 12, outputDim: 4, inputLength: 5 }));
  m.add(sn.layers.lstm({ units: 3 }));
  m.add(sn.layers.dense({ units: 1, activation: 'sigmoid' }));
  m.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.005 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return m;
}

const images = () => sn.tensor(Float32Array.from({ length: 3 * 8 * 8 * 2 }, (_, i) => Math.sin(i)), [3, 8, 8, 2]);
const sequences = () => sn.tensor(Float32Array.from({ length: 2 * 5 }, (_, i) => (i * 7) % 12), [2, 5]);

async function entries(file: string): Promise<Map<string, Uint8Array>> { return readZip(new Uint8Array(fs.readFileSync(file)), file); }
const json = (bytes: Uint8Array | undefined): Json => JSON.parse(new TextDecoder().decode(bytes));
const bits = (ts: sn.Tensor[]) => ts.map((t) => Array.from(t.data));

describe("saving Keras 3's .keras", () => {
  it('round-trips through model.save / sn.loadModel: same predictions, layers, names and compile settings', async () => {
    for (const [m, x] of [[imageModel(), images()], [textModel(), sequences()]] as const) {
      const file = path.join(root, `${m.layers[0].className}.keras`);
      await m.save(file);
      const back = await sn.loadModel(file);
      expect(Array.from((await back.predict(x)).data)).toEqual(Array.from((await m.predict(x)).data));
      expect(back.layers.map((l) => [l.className, l.name, l.trainable])).toEqual(m.layers.map((l) => [l.className, l.name, l.trainable]));
      expect(back.optimizer!.toConfig()).toEqual(m.optimizer!.toConfig());
      expect([back.loss, back.metrics]).toEqual([m.loss, m.metrics]);
      expect(back.getWeights().map((w) => Array.from(w.data))).toEqual(m.getWeights().map((w) => Array.from(w.data)));
    }
    expect(fs.readdirSync(root).filter((f) => f.includes('.saving-'))).toEqual([]);
  });

  it("has saving_lib's layout: metadata.json, config.json, model.weights.h5, stored; every object in serialization_lib's form", async () => {
    const file = path.join(root, 'layout.keras');
    await imageModel().save(file);
    const bytes = new Uint8Array(fs.readFileSync(file));
    // local headers: each entry stored (method 0), in saving_lib's order
    const names: string[] = [];
    for (let p = 0; new DataView(bytes.buffer, bytes.byteOffset).getUint32(p, true) === 0x04034b50;) {
      const v = new DataView(bytes.buffer, bytes.byteOffset + p);
      expect(v.getUint16(8, true)).toBe(0);
      const nameLen = v.getUint16(26, true), extra = v.getUint16(28, true), size = v.getUint32(18, true);
      names.push(new TextDecoder().decode(bytes.subarray(p + 30, p + 30 + nameLen)));
      p += 30 + nameLen + extra + size;
    }
    expect(names).toEqual(['metadata.json', 'config.json', 'model.weights.h5']);
    const zip = await entries(file);
    expect(json(zip.get('metadata.json'))).toEqual({ keras_version: '3.3.3', date_saved: expect.stringMatching(/^\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d$/) });
    const config = json(zip.get('config.json'));
    expect(config).toMatchObject({ module: 'keras', class_name: 'Sequential', registered_name: null, build_config: { input_shape: [null, 8, 8, 2] } });
    expect(config.config).toMatchObject({ name: 'faces', trainable: true, dtype: 'float32', build_input_shape: [null, 8, 8, 2] });
    const layers = config.config.layers as Json[];
    expect(layers[0]).toEqual({ module: 'keras.layers', class_name: 'InputLayer', registered_name: null,
      config: { batch_shape: [null, 8, 8, 2], dtype: 'float32', sparse: false, name: 'input_layer' } });
    expect(layers.slice(1).map((l) => [l.module, l.class_name, l.registered_name, l.build_config.input_shape])).toEqual([
      ['keras.layers', 'Conv2D', null, [null, 8, 8, 2]], ['keras.layers', 'BatchNormalization', null, [null, 6, 6, 3]],
      ['keras.layers', 'MaxPooling2D', null, [null, 6, 6, 3]], ['keras.layers', 'Dropout', null, [null, 3, 3, 3]],
      ['keras.layers', 'Flatten', null, [null, 3, 3, 3]], ['keras.layers', 'Dense', null, [null, 27]]]);
    for (const l of layers.slice(1)) {
      expect(l.config.dtype).toBe('float32');
      expect(l.config).not.toHaveProperty('batch_input_shape'); // the InputLayer holds it
    }
    const [conv, , , , , dense] = layers.slice(1).map((l) => l.config);
    expect(conv).toMatchObject({ name: 'conv2d', trainable: false, filters: 3, kernel_size: [3, 3], activation: 'relu' });
    expect(conv.kernel_initializer).toEqual({ module: 'keras.initializers', class_name: 'VarianceScaling', registered_name: null,
      config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null } });
    expect(conv.kernel_regularizer).toEqual({ module: 'keras.regularizers', class_name: 'L1L2', registered_name: null, config: { l1: 0, l2: 0.01 } });
    expect(dense.kernel_constraint).toMatchObject({ module: 'keras.constraints', class_name: 'MaxNorm', registered_name: null });
    expect(config.compile_config).toEqual({
      optimizer: { module: 'keras.optimizers', class_name: 'SGD', registered_name: null,
        config: { name: 'SGD', learning_rate: 0.02, momentum: 0.9, nesterov: true } },
      loss: 'categorical_crossentropy', loss_weights: null, metrics: ['accuracy'], weighted_metrics: null,
      run_eagerly: false, steps_per_execution: 1, jit_compile: false,
    });
    // weights: layers/<class in snake_case>[_k]/vars/<i> in the layer's Keras order, an empty vars group per layer without
    const h5 = readH5(zip.get('model.weights.h5')!, 'model.weights.h5');
    expect((h5.get('layers') as H5Group).keys().sort()).toEqual(['batch_normalization', 'conv2d', 'dense', 'dropout', 'flatten', 'max_pooling2d']);
    expect((h5.get('layers/batch_normalization/vars') as H5Group).keys()).toEqual(['0', '1', '2', '3']);
    expect((h5.get('layers/dropout/vars') as H5Group).keys()).toEqual([]);
    expect((h5.get('layers/conv2d/vars/0') as H5Dataset).shape).toEqual([3, 3, 2, 3]);
  });

  it('an uncompiled model has no compile_config; a from-logits loss is saved as a Keras loss object and loads so', async () => {
    const plain = sn.sequential();
    plain.add(sn.layers.dense({ units: 2, inputShape: [3] }));
    const zip = await readZip(modelToKerasZip(plain), 'plain');
    expect(json(zip.get('config.json'))).not.toHaveProperty('compile_config');
    const logits = sn.sequential({ seed: 2 });
    logits.add(sn.layers.dense({ units: 3, inputShape: [4] }));
    logits.compile({ optimizer: 'adam', loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }), metrics: ['accuracy'] });
    const file = path.join(root, 'logits.keras');
    await logits.save(file);
    expect(json((await entries(file)).get('config.json')).compile_config.loss).toEqual({ module: 'keras.losses', class_name: 'SparseCategoricalCrossentropy',
      registered_name: null, config: { name: 'sparse_categorical_crossentropy', from_logits: true, reduction: 'sum_over_batch_size' } });
    const back = await sn.loadModel(file);
    expect(back.fromLogits).toBe(true);
  });

  it("writes Keras 3's spellings: negative_slope, no input_length or RandomFlip data_format, snake_case metrics, SGD decay as InverseTimeDecay", async () => {
    const m = sn.sequential({ seed: 3 });
    m.add(sn.layers.randomFlip({ mode: 'horizontal', inputShape: [4, 4, 1] }));
    m.add(sn.layers.flatten());
    m.add(sn.layers.dense({ units: 3 }));
    m.add(sn.layers.leakyReLU({ alpha: 0.1 }));
    m.add(sn.layers.dense({ units: 2, activation: 'softmax' }));
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.1, momentum: 0.5, decay: 0.01 }), loss: 'categoricalCrossentropy',
      metrics: ['categoricalAccuracy', 'mae'] });
    const file = path.join(root, 'spellings.keras');
    await m.save(file);
    const config = json((await entries(file)).get('config.json'));
    const layers = config.config.layers.map((l: Json) => l.config);
    expect(layers[1]).not.toHaveProperty('data_format');
    expect(layers[4]).toMatchObject({ negative_slope: 0.1 });
    expect(layers[4]).not.toHaveProperty('alpha');
    expect(config.compile_config.metrics).toEqual(['categorical_accuracy', 'mae']);
    expect(config.compile_config.optimizer.config).toEqual({ name: 'SGD', momentum: 0.5, nesterov: false, learning_rate: {
      module: 'keras.optimizers.schedules', class_name: 'InverseTimeDecay', registered_name: null,
      config: { initial_learning_rate: 0.1, decay_steps: 1, decay_rate: 0.01, staircase: false, name: 'InverseTimeDecay' } } });
    const back = await sn.loadModel(file);
    expect(back.optimizer!.toConfig()).toEqual(m.optimizer!.toConfig()); // the decay comes back
    expect(back.metrics).toEqual(['categorical_accuracy', 'mae']); // as Keras names them
    const text = textModel();
    await text.save(path.join(root, 'text.keras'));
    const embedding = json((await entries(path.join(root, 'text.keras'))).get('config.json')).config.layers[1];
    expect(embedding.class_name).toBe('Embedding');
    expect(embedding.config).not.toHaveProperty('input_length');
    expect(embedding.build_config).toEqual({ input_shape: [null, 5] });
  });

  it("modelCheckpoint({ filepath: 'best.keras', saveBestOnly }) keeps the best epoch's model as a Keras 3 file", async () => {
    const m = imageModel();
    const x = images(), y = sn.utils.toCategorical([0, 1, 2], 4);
    const file = path.join(root, 'checkpoints', 'best.keras');
    const each: number[][][] = [], losses: number[] = [];
    const keep = { onEpochEnd: (_e: number, logs?: Record<string, number>) => { each.push(bits(m.getWeights())); losses.push(logs!.loss); } };
    // mode 'max' on the loss: the best epoch is the worst one, not the last — what only a best-only save keeps
    await m.fit(x, y, { epochs: 3, batchSize: 3, verbose: 0, callbacks: [keep,
      sn.callbacks.modelCheckpoint({ filepath: file, monitor: 'loss', mode: 'max', saveBestOnly: true })] });
    const best = losses.indexOf(Math.max(...losses));
    expect(best).not.toBe(2);
    expect(bits((await sn.loadModel(file)).getWeights())).toEqual(each[best]);
  });

  it('writes wrapped layers as Keras 3 does (Bidirectional, TimeDistributed), which load back bit for bit', async () => {
    const bi = sn.sequential({ seed: 4 });
    bi.add(sn.layers.bidirectional({ layer: sn.layers.lstm({ units: 2, returnSequences: true }), inputShape: [3, 2] }));
    bi.add(sn.layers.timeDistributed({ layer: sn.layers.dense({ units: 2, activation: 'softmax' }) }));
    bi.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const file = path.join(root, 'wrapped.keras');
    await bi.save(file);
    const zip = await entries(file);
    const h5 = readH5(zip.get('model.weights.h5')!, 'model.weights.h5');
    expect((h5.get('layers/bidirectional/forward_layer/cell/vars/0') as H5Dataset).shape).toEqual([2, 8]);
    expect((h5.get('layers/bidirectional/backward_layer/cell/vars/2') as H5Dataset).shape).toEqual([8]);
    expect((h5.get('layers/time_distributed/layer/vars/0') as H5Dataset).shape).toEqual([4, 2]);
    // the saveables on the way have their empty vars groups, as Keras 3's saving_lib makes them
    for (const g of ['layers/bidirectional/vars', 'layers/bidirectional/forward_layer/vars', 'layers/bidirectional/backward_layer/vars',
      'layers/time_distributed/layer/vars']) expect(h5.get(g), g).toBeInstanceOf(H5Group);
    expect((h5.get('layers/bidirectional/forward_layer/vars') as H5Group).keys()).toEqual([]);
    const layers = json(zip.get('config.json')).config.layers;
    expect(layers[1].config.layer).toMatchObject({ module: 'keras.layers', class_name: 'LSTM', registered_name: null });
    // its backward layer written out, as Keras 3 writes it (without one Keras 3 makes it go backwards whatever the layer does)
    expect(layers[1].config.backward_layer).toMatchObject({ class_name: 'LSTM', config: { go_backwards: true } });
    expect(layers[1].config.layer.config.go_backwards).toBe(false);
    expect(layers[2].config.layer).toMatchObject({ module: 'keras.layers', class_name: 'Dense', registered_name: null });
    const back = await sn.loadModel(file);
    const x = sn.tensor(Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)), [2, 3, 2]);
    expect(Array.from((await back.predict(x)).data)).toEqual(Array.from((await bi.predict(x)).data));
    // a layer that already goes backwards: its backward twin goes forward
    const gb = sn.sequential();
    gb.add(sn.layers.bidirectional({ layer: sn.layers.simpleRNN({ units: 2, goBackwards: true }), inputShape: [3, 2] }));
    const c = json((await readZip(modelToKerasZip(gb), 'gb')).get('config.json')).config.layers[1].config;
    expect([c.layer.config.go_backwards, c.backward_layer.config.go_backwards]).toEqual([true, false]);
    const again = await sn.loadModel({ keras: modelToKerasZip(gb) });
    expect(Array.from((await again.predict(x)).data)).toEqual(Array.from((await gb.predict(x)).data));
  });

  it('refuses, writing nothing: non-finite weights, includeOptimizer, a disposed model', async () => {
    const wild = await divergedModel();
    const file = path.join(root, 'nan.keras');
    await expect(wild.save(file)).rejects.toThrow(/^save: weight dense\w*\/\w+ holds/);
    await expect(imageModel().save(file, { includeOptimizer: true })).rejects.toThrow(`save: ${file}: simdnet writes no optimizer state into Keras files`);
    const gone = imageModel();
    gone.dispose();
    expect(() => modelToKerasZip(gone)).toThrow(/^modelToKerasZip: .*disposed/);
    expect(fs.readdirSync(root).filter((f) => /^(nan|bi)\.keras|saving-/.test(f))).toEqual([]);
  });

  it("refuses what Keras could not load back: gelu_new (tfjs' approximation), before training for a checkpoint; spatial dropout without trainable", async () => {
    const m = sn.sequential();
    m.add(sn.layers.dense({ units: 3, activation: 'gelu_new', inputShape: [2] }));
    m.add(sn.layers.dense({ units: 1 }));
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const way = "dense (Dense): activation 'gelu_new' (tfjs' tanh approximation of gelu) has no name in Keras, which could not load the file";
    for (const file of ['g.keras', 'g.h5']) await expect(m.save(path.join(root, file))).rejects.toThrow(`save: ${way}`);
    let epochs = 0;
    await expect(m.fit(sn.tensor(new Float32Array(4), [2, 2]), sn.tensor(new Float32Array(2), [2, 1]), { epochs: 1, verbose: 0,
      callbacks: [sn.callbacks.modelCheckpoint({ filepath: path.join(root, 'g-best.h5') }), { onEpochEnd: () => { epochs++; } }] }))
      .rejects.toThrow(`modelCheckpoint: ${way}`);
    expect(epochs).toBe(0);
    await m.save(path.join(root, 'g-folder')); // simdnet's own format keeps it
    expect((await sn.loadModel(path.join(root, 'g-folder'))).layers[0].getConfig().activation).toBe('gelu_new');
    expect(fs.readdirSync(root).filter((f) => /^g(-best)?\.(keras|h5)/.test(f))).toEqual([]);
    const s = sn.sequential();
    s.add(sn.layers.spatialDropout2d({ rate: 0.2, inputShape: [4, 4, 2] }));
    const config = json((await readZip(modelToKerasZip(s), 's')).get('config.json')).config.layers[1].config;
    expect(Object.keys(config).sort()).toEqual(['data_format', 'dtype', 'name', 'rate', 'seed']); // Keras 3's SpatialDropout2D arguments
  });

  it.skipIf(!h5py)("Python's zipfile and h5py read it as saving_lib's load_model does: entries, CRCs, config, weights (python3-h5py)", async () => {
    const m = imageModel();
    const file = path.join(root, 'for-python.keras');
    await m.save(file);
    const script = `
import h5py, io, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1], 'r')
assert z.testzip() is None
config = json.loads(z.read('config.json'))
f = h5py.File(io.BytesIO(z.read('model.weights.h5')), 'r')
paths = []
f.visit(lambda n: paths.append([n, list(f[n].shape), str(f[n].dtype)] if isinstance(f[n], h5py.Dataset) else [n]))
print(json.dumps({
  'entries': [[i.filename, i.compress_type] for i in z.infolist()],
  'layers': [l['class_name'] for l in config['config']['layers']],
  'paths': paths,
  'kernel': f['layers/dense/vars/0'][()].ravel()[:3].tolist(),
}))`;
    const out = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' }));
    expect(out.entries).toEqual([['metadata.json', 0], ['config.json', 0], ['model.weights.h5', 0]]);
    expect(out.layers).toEqual(['InputLayer', 'Conv2D', 'BatchNormalization', 'MaxPooling2D', 'Dropout', 'Flatten', 'Dense']);
    expect(out.paths.filter((p: unknown[]) => p.length === 3)).toEqual([
      ['layers/batch_normalization/vars/0', [3], 'float32'], ['layers/batch_normalization/vars/1', [3], 'float32'],
      ['layers/batch_normalization/vars/2', [3], 'float32'], ['layers/batch_normalization/vars/3', [3], 'float32'],
      ['layers/conv2d/vars/0', [3, 3, 2, 3], 'float32'], ['layers/conv2d/vars/1', [3], 'float32'],
      ['layers/dense/vars/0', [27, 4], 'float32'], ['layers/dense/vars/1', [4], 'float32']]);
    expect(out.paths.map((p: string[]) => p[0])).toContain('vars');
    const dense = m.getWeights()[m.namedWeights().findIndex((w) => w.key === 'dense/kernel')];
    expect(out.kernel).toEqual(Array.from(dense.data.subarray(0, 3)));
  });
});
