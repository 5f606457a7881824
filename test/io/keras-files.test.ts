// Keras model files: fixtures in the layout of Keras 2.2.4, tf.keras 2.15 and Keras 3 (scripts/keras-fixtures.py,
// written with h5py) load and predict as numpy does from their own weights; the training config compiles the
// model; simdnet's own .h5 round-trips and has Keras' layout (read back here, and through h5py when Debian's
// python3-h5py is installed: .ci/run installs it); unsupported things fail naming the layer class and the file.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { h5py } from './python-h5py.js';
import * as sn from '../../src/index.js';
import { Adam, RMSprop, SGD } from '../../src/engine/optimizers.js';
import { H5Dataset, H5Group, readH5 } from '../../src/io/h5/reader.js';
import { H5WriteGroup, writeH5 } from '../../src/io/h5/writer.js';
import { modelFromKerasH5, modelToKerasH5 } from '../../src/io/keras-files.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'keras');
const fixture = (name: string) => path.join(FIXTURES, name);
const TOL = 1e-5;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'simdnet-keras-files-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

interface Case { shape: number[]; x: number[]; y: number[] }

async function maxError(model: sn.Sequential, reference: string): Promise<number> {
  const cases: Case[] = JSON.parse(fs.readFileSync(fixture(reference), 'utf8'));
  let worst = 0;
  for (const c of cases) {
    const y = await model.predict(sn.tensor(Float32Array.from(c.x), c.shape));
    expect(y.size).toBe(c.y.length);
    c.y.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - y.data[i])); });
  }
  return worst;
}

const FILES = ['keras2.2.4-sequential-cnn.h5', 'keras2.2.4-sequential-text.h5', 'tf2.15-functional-bn.h5', 'tf2.15-sequential-text.h5',
  'tf2.15-sequential-masked.h5', 'tf2.15-sequential-augment.h5', 'tf2.15-sequential-layernorm.h5', 'tf2.15-sequential-resample.h5', 'tf2.15-sequential-transpose.h5', 'tf2.15-sequential-timedistributed.h5', 'tf2.15-sequential-masking.h5', 'tf2.15-sequential-bidirectional.h5', 'tf2.15-sequential-separable.h5', 'keras3-sequential.h5', 'keras3-sequential-pooling.h5',
  'keras3-functional.keras', 'keras3-bidirectional.keras', 'keras3-renamed.keras'];

describe('Keras files as each Keras version writes them', () => {
  for (const file of FILES) {
    it(`${file} predicts as numpy does from its weights`, async () => {
      const model = await sn.loadModel(fixture(file));
      expect(await maxError(model, file.replace(/\.(h5|keras)$/, '.json'))).toBeLessThan(TOL);
    });
  }

  it('the training config compiles the model (optimizer, learning rate, loss, metrics)', async () => {
    const cnn = await sn.loadModel(fixture('keras2.2.4-sequential-cnn.h5'));
    expect(cnn.optimizer).toBeInstanceOf(SGD);
    expect(cnn.optimizer).toMatchObject({ learningRate: 0.01, momentum: 0.9, nesterov: true });
    expect([cnn.loss, cnn.metrics]).toEqual(['categoricalCrossentropy', ['accuracy']]);
    const bn = await sn.loadModel(fixture('tf2.15-functional-bn.h5')); // tf 2.11+'s "Custom>Adam"
    expect(bn.optimizer).toBeInstanceOf(Adam);
    expect(bn.metrics).toEqual(['accuracy']);
    expect((await sn.loadModel(fixture('keras3-sequential.h5'))).optimizer).toMatchObject({ learningRate: 0.0005 });
    expect((await sn.loadModel(fixture('keras3-functional.keras'))).optimizer).toBeInstanceOf(RMSprop);
    expect((await sn.loadModel(fixture('tf2.15-sequential-text.h5'))).optimizer).toBeNull();
  });

  it('a Keras 3 file keeps weights under each layer\'s class (layers/dense, dense_1, ...), whatever the layers are named', async () => {
    // keras3-renamed.keras: Dense 'head', Dense 'dense', Dropout 'drop', Dense 'dense_1' — filed as dense, dense_1, dense_2
    const model = await sn.loadModel(fixture('keras3-renamed.keras'));
    expect(model.layers.map((l) => l.name)).toEqual(['head', 'dense', 'drop', 'dense_1']);
    expect(model.layers[1].params[0].shape).toEqual([3, 5]);
    expect(await maxError(model, 'keras3-renamed.json')).toBeLessThan(TOL);
    // a wrapper's layers sit under its attributes: TimeDistributed's under layer/, a Bidirectional inside it under
    // layer/forward_layer and layer/backward_layer (Keras 3's Wrapper.layer, Bidirectional's attributes)
    const td = sn.layers.timeDistributed({ layer: sn.layers.bidirectional({ layer: sn.layers.simpleRNN({ units: 2 }) }) });
    expect(td.keras3Parts).toEqual(['layer/forward_layer', 'layer/backward_layer']);
    expect(sn.layers.timeDistributed({ layer: sn.layers.dense({ units: 2 }) }).keras3Parts).toEqual(['layer']);
  });

  it("an unsupported training config fails the load with the way out; { compile: false } loads layers and weights (Keras' compile=False)", async () => {
    const model = await sn.loadModel(fixture('keras2.2.4-sequential-cnn.h5'));
    const dir = path.join(root, 'ftrl');
    await model.save(dir);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(json.trainingConfig.optimizer_config.class_name).toBe('Momentum'); // tfjs' name for SGD with momentum
    json.trainingConfig.optimizer_config = { class_name: 'Ftrl', config: { learning_rate: 0.01 } };
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    await expect(sn.loadModel(dir)).rejects.toThrow(/training config: .*Ftrl.* \(to use the model without it, as Keras' load_model\(compile=False\): sn\.loadModel\(source, \{ compile: false \}\)\)/);
    for (const loaded of [await sn.loadModel(dir, { compile: false }), await sn.loadModel(fixture('keras2.2.4-sequential-cnn.h5'), { compile: false }),
      await sn.loadModel({ h5: fs.readFileSync(fixture('keras2.2.4-sequential-cnn.h5')) }, { compile: false })]) {
      expect(loaded.optimizer).toBeNull();
      expect(await maxError(loaded, 'keras2.2.4-sequential-cnn.json')).toBeLessThan(TOL);
    }
    const memory = await sn.loadModel(dir).catch(() => null);
    expect(memory).toBeNull();
    const json2 = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const bytes = fs.readFileSync(path.join(dir, 'weights.bin'));
    expect(() => sn.io.modelFromMemory({ modelJson: json2, weights: bytes })).toThrow(/modelFromMemory: training config: .*Ftrl/);
    expect(sn.io.modelFromMemory({ modelJson: json2, weights: bytes }, { compile: false }).optimizer).toBeNull();
    await expect(sn.loadModel(dir, { compil: false } as never)).rejects.toThrow(/loadModel: unknown option compil \(did you mean compile\?\)/);
    await expect(sn.loadModel(dir, { compile: 'no' } as never)).rejects.toThrow('loadModel: compile must be true or false, got "no"');
  });

  it('keeps what the file says: a frozen layer, the model and layer names, [null, null] input', async () => {
    const bn = await sn.loadModel(fixture('tf2.15-functional-bn.h5'));
    expect(bn.name).toBe('model');
    expect(bn.layers.map((l) => [l.name, l.trainable])).toEqual([
      ['conv2d', false], ['batch_normalization', true], ['activation', true], ['global_average_pooling2d', true], ['dense', true]]);
    // getWeights in Keras' order (model.get_weights): the frozen conv's kernel first, where its layer is
    expect(bn.namedWeights().map((w) => w.key)).toEqual(['conv2d/kernel', 'conv2d/bias', 'batch_normalization/gamma', 'batch_normalization/beta',
      'batch_normalization/moving_mean', 'batch_normalization/moving_variance', 'dense/kernel', 'dense/bias']);
    // ... and each value is the file's own dataset of that name (model_weights/<layer>/<layer>/<weight>:0)
    const file = readH5(new Uint8Array(fs.readFileSync(fixture('tf2.15-functional-bn.h5')))).get('model_weights') as H5Group;
    bn.getWeights().forEach((w, i) => {
      const key = bn.namedWeights()[i].key;
      expect(Array.from(w.data), key).toEqual(Array.from((file.get(`${key.split('/')[0]}/${key}:0`) as H5Dataset).value() as Float32Array));
    });
    const text = await sn.loadModel(fixture('tf2.15-sequential-text.h5'));
    expect(text.layers[0].variableSteps).toBe(true);
  });

  it('loads from bytes: { h5 } and { keras }', async () => {
    const h5 = await sn.loadModel({ h5: fs.readFileSync(fixture('keras3-sequential.h5')) });
    expect(await maxError(h5, 'keras3-sequential.json')).toBeLessThan(TOL);
    const zip = await sn.loadModel({ keras: new Uint8Array(fs.readFileSync(fixture('keras3-functional.keras'))).buffer });
    expect(await maxError(zip, 'keras3-functional.json')).toBeLessThan(TOL);
  });
});

describe('clear errors', () => {
  it('an unsupported layer names its class and the file', async () => {
    const file = fixture('tf2.15-unsupported-layer.h5');
    await expect(sn.loadModel(file)).rejects.toThrow(`loadModel: ${file}: layer 1: unknown layer class "UnitNormalization"; simdnet supports`);
  });

  it('a weights-only file, a file that is not HDF5, a missing file', async () => {
    const weightsOnly = new H5WriteGroup();
    weightsOnly.attrs.layer_names = ['dense'];
    const file = path.join(root, 'weights.h5');
    fs.writeFileSync(file, writeH5(weightsOnly));
    await expect(sn.loadModel(file)).rejects.toThrow(`loadModel: ${file} holds no model_config: it holds only weights (model.save_weights)`);
    const json = path.join(root, 'model.h5');
    fs.writeFileSync(json, '{"format": "layers-model"}');
    await expect(sn.loadModel(json)).rejects.toThrow(`loadModel: ${json} is not an HDF5 file`);
    await expect(sn.loadModel(path.join(root, 'none.h5'))).rejects.toThrow(`loadModel: ${path.join(root, 'none.h5')} does not exist`);
  });

  it('weights that do not fit the layers name the layer and the weight', () => {
    const bytes = new Uint8Array(fs.readFileSync(fixture('keras3-sequential.h5')));
    const model = modelFromKerasH5(bytes, 'ok.h5');
    const again = readH5(modelToKerasH5(model));
    expect(again.attrs().model_config).toContain('"dense_13"');
    // a file whose dense_14 kernel has another shape
    const root2 = new H5WriteGroup();
    root2.attrs.model_config = String(again.attrs().model_config);
    const g = root2.group('model_weights');
    g.attrs.layer_names = ['dense_13', 'dropout_2', 'dense_14', 'dense_15'];
    for (const name of ['dense_13', 'dropout_2', 'dense_14', 'dense_15']) {
      const src = again.get(`model_weights/${name}`) as H5Group;
      const names = src.attrs().weight_names;
      g.group(name).attrs.weight_names = Array.isArray(names) ? names as string[] : [];
      for (const w of Array.isArray(names) ? names as string[] : []) {
        const d = src.get(w) as H5Dataset;
        const shape = name === 'dense_14' && w.endsWith('kernel:0') ? [4, 5] : d.shape;
        g.group(name).dataset(w, d.value() as Float32Array, shape);
      }
    }
    expect(() => modelFromKerasH5(writeH5(root2), 'bad.h5'))
      .toThrow("loadModel: bad.h5: weight dense_14/kernel:0 of layer 'dense_14' has shape [4, 5] but the layer's kernel needs [5, 4]");
  });
});

describe('saving .h5', () => {
  function model(): sn.Sequential {
    const m = sn.sequential({ name: 'faces', seed: 3 });
    m.add(sn.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 2] }));
    m.add(sn.layers.batchNormalization());
    m.add(sn.layers.maxPooling2d({ poolSize: 2 }));
    m.add(sn.layers.flatten());
    m.add(sn.layers.dense({ units: 4, activation: 'softmax' }));
    m.layers[0].trainable = false;
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.02, momentum: 0.9, nesterov: true }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  }

  it('round-trips through model.save / sn.loadModel: same predictions, compiled the same', async () => {
    const m = model();
    const file = path.join(root, 'faces.h5');
    await m.save(file);
    const back = await sn.loadModel(file);
    const x = sn.tensor(Float32Array.from({ length: 2 * 8 * 8 * 2 }, (_, i) => Math.sin(i)), [2, 8, 8, 2]);
    expect(Array.from((await back.predict(x)).data)).toEqual(Array.from((await m.predict(x)).data));
    expect(back.optimizer).toMatchObject({ learningRate: 0.02, momentum: 0.9, nesterov: true });
    expect(back.layers.map((l) => l.trainable)).toEqual([false, true, true, true, true]);
    expect(fs.readdirSync(root).filter((f) => f.includes('.saving-'))).toEqual([]);
  });

  it('the next .h5 save removes the temporary files of interrupted saves to the same path; those of live saves stay', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'stale-')), file = path.join(dir, 'm.h5');
    const dead = 999_999_999; // above any pid_max: no such process
    const live = process.ppid;
    const now = Date.now().toString(36), hourAgo = new Date(Date.now() - 3600_000);
    const make = (name: string, old = false) => {
      fs.writeFileSync(path.join(dir, name), 'half a model');
      if (old) fs.utimesSync(path.join(dir, name), hourAgo, hourAgo);
    };
    make(`m.h5.saving-${dead}-${now}-a1b2c3`); // its process is gone (killed mid-write)
    make(`m.h5.saving-${live}-${now}-d4e5f6`); // a save in progress in another process
    make('m.h5.saving-mx4pa1yc-46y40q', true); // older simdnet's name (no pid), an hour old
    make('m.h5.saving-mx4pa1yd-47y40q'); // ... recent: kept
    make(`n.h5.saving-${dead}-${now}-zz`); // another file's
    fs.mkdirSync(path.join(dir, `m.h5.saving-${dead}-${now}-dir`)); // not a file a .h5 save makes
    await model().save(file);
    expect(fs.readdirSync(dir).sort()).toEqual(['m.h5', `m.h5.saving-${dead}-${now}-dir`, `m.h5.saving-${live}-${now}-d4e5f6`,
      'm.h5.saving-mx4pa1yd-47y40q', `n.h5.saving-${dead}-${now}-zz`].sort());
    expect((await sn.loadModel(file)).layers.length).toBe(model().layers.length);
  });

  it("modelCheckpoint({ filepath: 'best.h5' }) keeps the best model as a Keras file, making its folder", async () => {
    const m = model();
    const x = sn.tensor(Float32Array.from({ length: 6 * 8 * 8 * 2 }, (_, i) => Math.cos(i)), [6, 8, 8, 2]);
    const y = sn.utils.toCategorical([0, 1, 2, 3, 0, 1], 4);
    const file = path.join(root, 'checkpoints', 'best.h5');
    await m.fit(x, y, { epochs: 2, batchSize: 3, verbose: 0, callbacks: [sn.callbacks.modelCheckpoint({ filepath: file })] });
    const best = await sn.loadModel(file);
    expect(Array.from((await best.predict(x)).data)).toEqual(Array.from((await m.predict(x)).data));
  });

  it("has Keras' layout: root and model_weights attributes, groups sorted by name, weight_names in Keras' order", () => {
    const f = readH5(modelToKerasH5(model()));
    const attrs = f.attrs();
    expect(attrs.keras_version).toBe('2.15.0');
    expect(attrs.backend).toBe('tensorflow');
    const config = JSON.parse(String(attrs.model_config));
    expect(config.class_name).toBe('Sequential');
    expect(config.config.layers.map((l: { class_name: string }) => l.class_name))
      .toEqual(['InputLayer', 'Conv2D', 'BatchNormalization', 'MaxPooling2D', 'Flatten', 'Dense']);
    expect(config.config.layers[0].config.batch_input_shape).toEqual([null, 8, 8, 2]);
    expect(JSON.parse(String(attrs.training_config))).toMatchObject({
      loss: 'categorical_crossentropy', metrics: ['accuracy'], loss_weights: null,
      optimizer_config: { class_name: 'SGD', config: { name: 'SGD', learning_rate: 0.02, momentum: 0.9, nesterov: true } },
    });
    const weights = f.get('model_weights') as H5Group;
    expect(weights.attrs()).toEqual({ layer_names: ['conv2d', 'batch_normalization', 'max_pooling2d', 'flatten', 'dense'],
      backend: 'tensorflow', keras_version: '2.15.0' });
    expect(weights.keys()).toEqual(['batch_normalization', 'conv2d', 'dense', 'flatten', 'max_pooling2d']);
    expect((weights.get('batch_normalization') as H5Group).attrs().weight_names).toEqual([
      'batch_normalization/gamma:0', 'batch_normalization/beta:0', 'batch_normalization/moving_mean:0', 'batch_normalization/moving_variance:0']);
    expect((weights.get('conv2d/conv2d/kernel:0') as H5Dataset).shape).toEqual([3, 3, 2, 3]);
    expect((weights.get('flatten') as H5Group).attrs().weight_names).toEqual(new Float64Array(0));
  });

  it.skipIf(!h5py)("h5py reads simdnet's .h5 with Keras' layout (python3-h5py)", async () => {
    const m = model();
    const file = path.join(root, 'for-h5py.h5');
    await m.save(file);
    const script = `
import h5py, json, sys
f = h5py.File(sys.argv[1], 'r')
g = f['model_weights']
out = {
  'root': {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in f.attrs.items() if k != 'model_config' and k != 'training_config'},
  'model_class': json.loads(f.attrs['model_config'].decode('utf8'))['class_name'],
  'layer_names': [n.decode('utf8') for n in g.attrs['layer_names']],
  'groups': list(g.keys()),
  'weights': {n.decode('utf8'): [[w.decode('utf8'), list(g[n.decode('utf8')][w.decode('utf8')].shape), str(g[n.decode('utf8')][w.decode('utf8')].dtype)]
              for w in g[n.decode('utf8')].attrs['weight_names']] for n in g.attrs['layer_names']},
  'kernel': g['dense']['dense']['kernel:0'][()].ravel()[:3].tolist(),
}
print(json.dumps(out))`;
    const out = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' }));
    expect(out.root).toEqual({ keras_version: '2.15.0', backend: 'tensorflow' });
    expect(out.model_class).toBe('Sequential');
    expect(out.layer_names).toEqual(['conv2d', 'batch_normalization', 'max_pooling2d', 'flatten', 'dense']);
    expect(out.groups).toEqual(['batch_normalization', 'conv2d', 'dense', 'flatten', 'max_pooling2d']);
    expect(out.weights.conv2d).toEqual([['conv2d/kernel:0', [3, 3, 2, 3], 'float32'], ['conv2d/bias:0', [3], 'float32']]);
    expect(out.weights.batch_normalization.map((w: string[]) => w[0].split('/')[1]))
      .toEqual(['gamma:0', 'beta:0', 'moving_mean:0', 'moving_variance:0']);
    expect(out.weights.flatten).toEqual([]);
    const dense = m.getWeights()[m.namedWeights().findIndex((w) => w.key === 'dense/kernel')];
    expect(out.kernel).toEqual(Array.from(dense.data.subarray(0, 3)));
  });
});
