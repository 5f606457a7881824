// model.getLayer (tfjs' getLayer(name?, index?), Keras' get_layer) and a layer's getWeights / setWeights, which
// read and write the weights in the model's memory: Keras' order and shapes, checked in the layer's terms.
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';

function lab() {
  const m = sn.models.labFaceCnn({ seed: 4 });
  m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  return m;
}

describe('getLayer and layer weights', () => {
  it('finds layers by name and by index (negative from the end; the index wins), and says what is there when not', () => {
    const m = lab();
    const names = m.layers.map((l) => l.name);
    expect(m.getLayer(names[2])).toBe(m.layers[2]);
    expect(m.getLayer(0)).toBe(m.layers[0]);
    expect(m.getLayer(null, 3)).toBe(m.layers[3]);
    expect(m.getLayer(undefined, -1)).toBe(m.layers[m.layers.length - 1]);
    expect(m.getLayer(names[0], 1)).toBe(m.layers[1]);
    expect(() => m.getLayer('nope')).toThrow(`getLayer: model '${m.name}' has no layer named 'nope' (its layers: ${names.join(', ')})`);
    expect(() => m.getLayer(99)).toThrow(`getLayer: index 99 is out of range: model '${m.name}' has ${names.length} layers`);
    expect(() => m.getLayer(1.5)).toThrow(/getLayer: index 1.5 is out of range/);
    expect(() => m.getLayer()).toThrow('getLayer: expected a layer\'s name or an index, got undefined');
    m.dispose();
  });

  it("a layer's getWeights are its entries of model.getWeights, in Keras' order and shapes", async () => {
    const m = lab();
    const all = m.getWeights();
    const per = m.layers.flatMap((l) => l.getWeights());
    expect(per.map((w) => w.shape)).toEqual(all.map((w) => w.shape));
    per.forEach((w, i) => expect(w.data).toEqual(all[i].data));
    const conv = m.getLayer('conv2d');
    expect(conv.getWeights().map((w) => w.shape)).toEqual([[3, 3, 3, 32], [32]]); // kernel, bias
    expect(m.layers.find((l) => l.className === 'Flatten')!.getWeights()).toEqual([]);
    m.dispose();
  });

  it('setWeights writes into the model: predictions and model.getWeights change, and a round trip restores them', async () => {
    const m = lab();
    const x = sn.tensor(Float32Array.from({ length: 2 * 42 * 42 * 3 }, (_, i) => (i % 97) / 97), [2, 42, 42, 3]);
    const before = (await m.predict(x)).data;
    const all0 = m.getWeights();
    const last = m.getLayer(-1);
    const saved = last.getWeights();
    last.setWeights([sn.tensor(new Float32Array(saved[0].size), saved[0].shape), sn.tensor(new Float32Array(16).fill(0).map((_, i) => (i === 5 ? 10 : 0)), [16])]);
    const p = (await m.predict(x)).data;
    for (let r = 0; r < 2; r++) expect(p.slice(r * 16, r * 16 + 16).indexOf(Math.max(...p.slice(r * 16, r * 16 + 16)))).toBe(5);
    const kernelAt = m.getWeights().length - 2;
    expect(m.getWeights()[kernelAt].data.every((v) => v === 0)).toBe(true);
    // only that layer's weights were written: every other layer's kept its bits
    const others = (ws: sn.Tensor[]) => ws.slice(0, kernelAt).map((w) => Array.from(w.data));
    expect(others(m.getWeights())).toEqual(others(all0));
    last.setWeights(saved);
    expect((await m.predict(x)).data).toEqual(before);
    m.dispose();
  });

  it('a layer outlives a model nobody holds with its weights (as Keras\' layers keep theirs); the memory still goes', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    await sn.ready();
    const before = sn.memory().usedBytes;
    const made = () => { // the model is reachable only inside this call
      const m = sn.sequential({ seed: 2 });
      m.add(sn.layers.dense({ units: 200, inputShape: [300] }));
      m.add(sn.layers.dense({ units: 3 }));
      const layer = m.getLayer(0);
      return { layer, expected: layer.getWeights().map((w) => Array.from(w.data.slice(0, 50))) };
    };
    const { layer, expected } = made();
    let used = Infinity;
    for (let i = 0; i < 50 && used > before; i++) { gc(); await new Promise((r) => setTimeout(r, 20)); used = sn.memory().usedBytes; }
    expect(used).toBeLessThanOrEqual(before); // the model's memory was freed though its layer is held
    expect(layer.getWeights().map((w) => Array.from(w.data.slice(0, 50)))).toEqual(expected);
    expect(layer.getWeights()[0].shape).toEqual([300, 200]);
    expect(() => layer.setWeights(layer.getWeights())).toThrow(/dense\w* \(Dense\)\.setWeights: its model was garbage-collected \(its weights can be read, not set\)/);
  });

  it('refuses a wrong count, shape or value by the layer\'s name; a layer in no model has none and cannot take any', () => {
    const m = lab();
    const dense = m.getLayer(-1);
    const [k, b] = dense.getWeights();
    expect(() => dense.setWeights([k])).toThrow(`${dense.label}.setWeights: expected 2 tensors (kernel [${k.shape.join(', ')}], bias [16]), got 1`);
    expect(() => dense.setWeights([k, sn.tensor(new Float32Array(4), [4])])).toThrow(`${dense.label}.setWeights: weight 1 (bias) must be an sn.tensor of shape [16], got shape [4]`);
    expect(() => dense.setWeights([k, [1, 2] as never])).toThrow(/weight 1 \(bias\) must be an sn\.tensor of shape \[16\], got/);
    expect(() => dense.setWeights([k, sn.tensor(new Float32Array(16).fill(NaN), [16])])).toThrow(`${dense.label}.setWeights: weight 1 (bias) holds NaN at flat index 0`);
    expect(dense.getWeights()[1].data).toEqual(b.data); // nothing written
    const loose = sn.layers.dense({ units: 3 });
    expect(loose.getWeights()).toEqual([]);
    expect(() => loose.setWeights([])).toThrow('Dense.setWeights: the layer is in no model yet (its weights live in its model\'s memory): add it to a model first');
    m.dispose();
    expect(() => dense.getWeights()).toThrow(/has been disposed/);
  });
});
