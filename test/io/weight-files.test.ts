// model.saveWeights / loadWeights (Keras' save_weights / load_weights): Keras 3's .weights.h5 layout
// (layers/<class path>/vars/<i>, a recurrent layer's under cell/) and Keras 2's .h5 layout (layer_names, a group per
// layer), read back bit for bit; a whole-model .h5's weights load too; mismatches are refused before anything is
// written; files are written atomically.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { divergedModel } from './diverged.js';
import { H5Dataset, H5Group, readH5 } from '../../src/io/h5/reader.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'simdnet-weights-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const at = (name: string) => path.join(root, name);
const bits = (m: sn.Sequential) => m.getWeights().map((w) => Array.from(w.data));

function text(seed: number, bidirectional = false) {
  const m = sn.sequential({ seed });
  m.add(sn.layers.embedding({ inputDim: 30, outputDim: 8, inputLength: 5 }));
  m.add(bidirectional ? sn.layers.bidirectional({ layer: sn.layers.lstm({ units: 4 }) }) : sn.layers.simpleRNN({ units: 6 }));
  m.add(sn.layers.dense({ units: 1, activation: 'sigmoid' }));
  return m;
}

describe('saveWeights / loadWeights', () => {
  it('the lab CNN round-trips through .weights.h5 (Keras 3 layout) and .h5 (Keras 2 layout), bit for bit', async () => {
    const a = sn.models.labFaceCnn({ seed: 1 });
    const x = sn.tensor(Float32Array.from({ length: 2 * 42 * 42 * 3 }, (_, i) => (i % 89) / 89), [2, 42, 42, 3]);
    for (const file of ['lab.weights.h5', 'lab.h5']) {
      await a.saveWeights(at(file));
      const b = sn.models.labFaceCnn({ seed: 2 });
      expect(bits(b)).not.toEqual(bits(a));
      await b.loadWeights(at(file));
      expect(bits(b), file).toEqual(bits(a));
      expect((await b.predict(x)).data).toEqual((await a.predict(x)).data);
    }
    // the layouts, as Keras writes them
    const k3 = readH5(fs.readFileSync(at('lab.weights.h5')));
    expect(k3.get('vars')).toBeInstanceOf(H5Group);
    expect((k3.get('layers/conv2d/vars/0') as H5Dataset).shape).toEqual([3, 3, 3, 32]);
    expect((k3.get('layers/conv2d_5/vars/1') as H5Dataset).shape).toEqual([128]);
    expect((k3.get('layers/dense_1/vars/0') as H5Dataset).shape).toEqual([1024, 16]);
    const k2 = readH5(fs.readFileSync(at('lab.h5')));
    expect(k2.attrs().layer_names).toEqual(a.layers.map((l) => l.name));
    expect((k2.get('conv2d/conv2d/kernel:0') as H5Dataset).shape).toEqual([3, 3, 3, 32]);
    // from bytes, and from a whole model's .h5 (Keras' load_weights takes one)
    const c = sn.models.labFaceCnn({ seed: 3 });
    await c.loadWeights({ h5: fs.readFileSync(at('lab.weights.h5')) });
    expect(bits(c)).toEqual(bits(a));
    await a.save(at('whole.h5'));
    const d = sn.models.labFaceCnn({ seed: 4 });
    await d.loadWeights(at('whole.h5'));
    expect(bits(d)).toEqual(bits(a));
  });

  it('loads the weights of a Keras 3 .keras file, as Keras\' load_weights does; a disposed model is named', async () => {
    const keras = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'keras', 'keras3-renamed.keras');
    const ref = await sn.loadModel(keras, { compile: false });
    const m = await sn.loadModel(keras, { compile: false });
    m.setWeights(m.getWeights().map((w) => sn.tensor(new Float32Array(w.size), w.shape)));
    await m.loadWeights(keras);
    expect(bits(m)).toEqual(bits(ref));
    m.dispose();
    await expect(m.loadWeights(keras)).rejects.toThrow(/^loadWeights: model '.*' has been disposed/);
    expect(() => sn.io.weightsToH5(m)).toThrow(/^weightsToH5: model '.*' has been disposed/);
    expect(() => sn.io.weightsToH5(m, 'keras2')).toThrow(/^weightsToH5: model '.*' has been disposed/);
  });

  it('a recurrent layer\'s weights sit in its cell in Keras 3\'s layout, a Bidirectional\'s under forward_layer / backward_layer', async () => {
    const a = text(1);
    await a.saveWeights(at('rnn.weights.h5'));
    const f = readH5(fs.readFileSync(at('rnn.weights.h5')));
    expect([0, 1, 2].map((i) => (f.get(`layers/simple_rnn/cell/vars/${i}`) as H5Dataset).shape)).toEqual([[8, 6], [6, 6], [6]]);
    const b = text(2);
    await b.loadWeights(at('rnn.weights.h5'));
    expect(bits(b)).toEqual(bits(a));
    expect(f.get('layers/simple_rnn/vars')).toBeInstanceOf(H5Group); // the layer's own (empty), as Keras 3 makes it
    const bi = text(1, true);
    await bi.saveWeights(at('bi.weights.h5'));
    const g = readH5(fs.readFileSync(at('bi.weights.h5')));
    for (const part of ['forward_layer', 'backward_layer']) {
      expect([0, 1, 2].map((i) => (g.get(`layers/bidirectional/${part}/cell/vars/${i}`) as H5Dataset).shape)).toEqual([[8, 16], [4, 16], [16]]);
    }
    const bi3 = text(3, true);
    await bi3.loadWeights(at('bi.weights.h5'));
    expect(bits(bi3)).toEqual(bits(bi));
    await bi.saveWeights(at('bi.h5'));
    const bi2 = text(2, true);
    await bi2.loadWeights(at('bi.h5'));
    expect(bits(bi2)).toEqual(bits(bi));
  });

  it('refuses what does not fit, by name, and writes nothing then', async () => {
    const a = sn.models.labFaceCnn({ seed: 1 });
    await a.saveWeights(at('good.weights.h5'));
    const other = text(1);
    const before = bits(other);
    await expect(other.loadWeights(at('good.weights.h5'))).rejects.toThrow(new RegExp(`^loadWeights: ${at('good.weights.h5').replace(/[.\\/]/g, '\\$&')}: (it has no weights for|weight )`));
    await expect(other.loadWeights(at('lab.h5'))).rejects.toThrow(/^loadWeights: .*lab\.h5: the file holds weights for 8 layers .* but the model has 3 layers with weights/);
    expect(bits(other)).toEqual(before);
    const narrow = sn.models.labFaceCnn({ seed: 1, numClasses: 4 });
    const narrowBefore = bits(narrow);
    await expect(narrow.loadWeights(at('good.weights.h5'))).rejects.toThrow(/has shape \[1024, 16\] but the layer's kernel needs \[1024, 4\]/);
    expect(bits(narrow)).toEqual(narrowBefore); // every layer before the last fits: nothing was written all the same
    await expect(a.saveWeights(at('w.json'))).rejects.toThrow('saveWeights: expected a path ending in .weights.h5 (Keras 3\'s layout) or .h5 (Keras 2\'s), got "' + at('w.json') + '"');
    await expect(a.loadWeights(at('none.h5'))).rejects.toThrow(`loadWeights: ${at('none.h5')} does not exist`);
    fs.writeFileSync(at('empty.h5'), new Uint8Array(0));
    await expect(a.loadWeights(at('empty.h5'))).rejects.toThrow(/^loadWeights: /);
    await expect(a.loadWeights(42 as never)).rejects.toThrow('loadWeights: expected a weights file\'s path or { h5: bytes }, got 42');
    // non-finite weights never replace a good file: a model that diverged under terminateOnNaN
    const bytes = fs.readFileSync(at('good.weights.h5'));
    const wild = await divergedModel();
    await expect(wild.saveWeights(at('good.weights.h5'))).rejects.toThrow(/^saveWeights: weight dense\w*\/\w+ holds/);
    expect(fs.readFileSync(at('good.weights.h5')).equals(bytes)).toBe(true);
  });
});
