// model.pop() and adding layers to a model already compiled or trained: Keras' transfer-learning recipe (pop the
// classifier, add a new head, freeze the base, compile, fit). The kept layers keep their weights bit for bit, a new
// layer starts as it would in a model built with it from the start, the popped layer keeps its own, and the model
// must be compiled again for its new last layer.
import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import * as sn from '../../src/index.js';

function base(seed = 11): sn.Sequential {
  const m = sn.sequential({ seed });
  m.add(sn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1] }));
  m.add(sn.layers.flatten());
  m.add(sn.layers.dense({ units: 5, activation: 'relu' }));
  m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  return m;
}

const x = () => sn.tensor(Float32Array.from({ length: 8 * 36 }, (_, i) => Math.sin(i * 0.7)), [8, 6, 6, 1]);
const bits = (ts: sn.Tensor[]) => ts.map((t) => Array.from(t.data));

describe('pop and add after compile', () => {
  it("transfer learning: the base keeps its trained weights, the new head starts as in a model built whole, a frozen base stays put", async () => {
    const m = base();
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.1, momentum: 0.9 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    await m.fit(x(), sn.tensor(Float32Array.from([0, 1, 2, 0, 1, 2, 0, 1]), [8]), { epochs: 2, batchSize: 4, verbose: 0 });
    const trained = bits(m.getWeights());
    const head = m.pop();
    expect(head.name).toBe('dense_1');
    expect(bits(head.getWeights())).toEqual(trained.slice(4)); // the popped layer keeps its weights
    expect(bits(m.getWeights())).toEqual(trained.slice(0, 4));
    m.add(sn.layers.dense({ units: 2, activation: 'sigmoid' }));
    expect(m.layers.map((l) => l.name)).toEqual(['conv2d', 'flatten', 'dense', 'dense_2']);
    expect(m.countParams()).toBe(40 + 325 + 12);
    const after = bits(m.getWeights());
    expect(after.slice(0, 4)).toEqual(trained.slice(0, 4));
    // the new head's values: those of a model built with the same layers and seed from the start
    const whole = sn.sequential({ seed: 11 });
    whole.add(sn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1] }));
    whole.add(sn.layers.flatten());
    whole.add(sn.layers.dense({ units: 5, activation: 'relu' }));
    whole.add(sn.layers.dense({ units: 2, activation: 'sigmoid' }));
    expect(after.slice(4)).toEqual(bits(whole.getWeights()).slice(4));

    // compiled no more: the loss and metrics were checked against the old head
    await expect(m.fit(x(), sn.tensor(new Float32Array(16), [8, 2]), { epochs: 1, verbose: 0 }))
      .rejects.toThrow('fit: the model must be compiled first: call model.compile({ optimizer, loss })');
    for (const l of m.layers.slice(0, 3)) l.trainable = false;
    m.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.01 }), loss: 'binaryCrossentropy' });
    const y = sn.tensor(Float32Array.from({ length: 16 }, (_, i) => i % 3 === 0 ? 1 : 0), [8, 2]);
    const h = await m.fit(x(), y, { epochs: 3, batchSize: 4, verbose: 0 });
    expect(h.history.loss[2]).toBeLessThan(h.history.loss[0]);
    const tuned = bits(m.getWeights());
    expect(tuned.slice(0, 4)).toEqual(trained.slice(0, 4)); // the frozen base
    expect(tuned.slice(4)).not.toEqual(after.slice(4));
    // and it saves and loads as any model
    const back = await sn.loadModel(await m.toArtifacts());
    expect(Array.from((await back.predict(x())).data)).toEqual(Array.from((await m.predict(x())).data));
  });

  it('the popped layer is read only and joins no other model; pop on an empty or training model says so', async () => {
    const m = base();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const head = m.pop();
    expect(() => head.setWeights(head.getWeights())).toThrow(`dense_1 (Dense).setWeights: it was popped from model 'sequential' (its weights can be read, not set)`);
    const other = sn.sequential();
    other.add(sn.layers.dense({ units: 2, inputShape: [5] }));
    expect(() => other.add(head)).toThrow(/^sequential\.add: dense_1 \(Dense\) was popped from model 'sequential'; a layer belongs to one model here/);
    expect(() => m.add(head)).toThrow(/was popped from model 'sequential'/);
    while (m.layers.length) m.pop();
    expect(() => m.pop()).toThrow("pop: model 'sequential' has no layers");
    // emptied, it takes a new first layer
    m.add(sn.layers.dense({ units: 2, inputShape: [3] }));
    expect((await m.predict(sn.tensor(new Float32Array(3), [1, 3]))).shape).toEqual([1, 2]);

    const fresh = base(); // never compiled or used: the layer keeps the values model.getWeights() would have shown
    const shown = bits(base().getWeights());
    expect(bits(fresh.pop().getWeights())).toEqual(shown.slice(4));
    const t = base();
    t.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    let popError: unknown = null;
    await t.fit(x(), sn.tensor(new Float32Array(8), [8]), {
      epochs: 1, verbose: 0, callbacks: [{ onBatchEnd: () => { try { t.pop(); } catch (e) { popError = e; } } }],
    });
    expect(String(popError)).toContain('pop: the model is training (a fit() call has not finished); pop after it returns');
    expect(t.layers.length).toBe(4);
  });

  it('freezing or unfreezing keeps every value (no redraw); summary counts the new head', async () => {
    const m = base();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const w = bits(m.getWeights());
    m.layers[0].trainable = false;
    expect(bits(m.getWeights())).toEqual(w);
    m.pop();
    m.add(sn.layers.dense({ units: 7 }));
    const lines: string[] = [];
    m.summary(undefined, (l) => lines.push(l));
    expect(lines.join('\n')).toMatch(/dense_2 \(Dense\)\s+\(None, 7\)\s+42/);
    expect(m.countParams()).toBe(40 + 325 + 42);
  });

  it('a change that does not fit in memory leaves the model as it was: its layers, its trained weights, pop and add still work', async () => {
    const m = base();
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await m.fit(x(), sn.tensor(Float32Array.from([0, 1, 2, 0, 1, 2, 0, 1]), [8]), { epochs: 1, batchSize: 4, verbose: 0 });
    const trained = bits(m.getWeights());
    m.pop();
    expect(() => m.add(sn.layers.dense({ units: 400_000_000 }))).toThrow(/^simdnet memory: could not grow Wasm memory|over the limit/);
    expect(m.layers.map((l) => l.name)).toEqual(['conv2d', 'flatten', 'dense']);
    expect(bits(m.getWeights())).toEqual(trained.slice(0, 4));
    m.add(sn.layers.dense({ units: 2 }));
    expect(m.layers.map((l) => l.name)).toEqual(['conv2d', 'flatten', 'dense', 'dense_2']);
    expect(bits(m.getWeights()).slice(0, 4)).toEqual(trained.slice(0, 4));
    expect(m.pop().name).toBe('dense_2');
  });

  it("refuses while a call runs; asks to compile again, naming the change; keeps an sn.input's shape; forgets class names", async () => {
    const m = base();
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const p = m.predict(x());
    expect(() => m.pop()).toThrow('pop: a call of the model is running (predict, evaluate, save ...); pop after it returns');
    expect(() => m.add(sn.layers.dense({ units: 2 }))).toThrow(/^sequential\.add: a call of the model is running/);
    expect((await p).shape).toEqual([8, 3]);
    m.classNames = ['a', 'b', 'c'];
    m.pop();
    expect(m.classNames).toBeUndefined();
    await expect(m.evaluate(x(), sn.tensor(new Float32Array(8), [8]))).rejects
      .toThrow('evaluate: the model must be compiled first: call model.compile({ optimizer, loss }) (again: pop() changed its layers since it was compiled');
    const withInput = sn.sequential();
    withInput.add(sn.input({ shape: [3] }));
    withInput.add(sn.layers.dense({ units: 2 }));
    withInput.pop();
    withInput.add(sn.layers.dense({ units: 4 }));
    expect(withInput.inputShape).toEqual([3]);
  });

  it("a layer added later draws its values on from its predecessor's draws: the kept layers' initializers do not run again", () => {
    const m = base();
    m.getWeights(); // drawn
    const fills = m.layers.slice(0, 3).flatMap((l) => l.params.map((p) => vi.spyOn(p.init, 'fill')));
    m.pop();
    m.add(sn.layers.dense({ units: 6 }));
    for (const f of fills) expect(f).not.toHaveBeenCalled();
    const whole = base();
    whole.pop();
    const again = sn.sequential({ seed: 11 });
    for (const l of [sn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1] }), sn.layers.flatten(),
      sn.layers.dense({ units: 5, activation: 'relu' }), sn.layers.dense({ units: 6 })]) again.add(l);
    expect(bits(m.getWeights())).toEqual(bits(again.getWeights()));
  });

  it('weights set before the kernels loaded: pop drops the popped layer\'s, add after sn.ready() puts them in place first', () => {
    const script = `
      const sn = await import(${JSON.stringify(new URL('../../dist/src/bundle/index.js', import.meta.url).href)});
      const m = sn.sequential({ seed: 3 });
      m.add(sn.layers.dense({ units: 3, inputShape: [2] }));
      m.add(sn.layers.dense({ units: 2 }));
      m.setWeights([[2, 3], [3], [3, 2], [2]].map((s, k) => sn.tensor(new Float32Array(s.reduce((a, b) => a * b)).fill(k + 1), s)));
      const head = m.pop();
      let refused = '';
      try { m.add(sn.layers.dense({ units: 4 })); } catch (e) { refused = e.message; }
      await sn.ready();
      m.add(sn.layers.dense({ units: 4 }));
      console.log(JSON.stringify({ refused, head: head.getWeights().map((w) => w.data[0]), kept: m.getWeights().slice(0, 2).map((w) => w.data[0]), n: m.getWeights().length }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
    expect(out).toEqual({ refused: "sequential.add: the model's weights were set before the kernels loaded; await sn.ready() first, then add layers",
      head: [3, 4], kept: [1, 2], n: 4 });
  });
});
