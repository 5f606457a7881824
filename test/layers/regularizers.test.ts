// Weight regularizers (src/layers/regularizers.ts): the specs a layer takes and the saved forms Keras, tf.keras
// and tfjs write; what a layer refuses; frozen weights, validation, threads, save and load. The kernels are
// tested in test/assembly/regularizers.test.ts; each layer's penalty and step, and tfjs' parity, in the generic
// layer test (test/layers/generic.test.ts), for every layer that has such weights.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { modelFromArtifacts, modelToArtifacts } from '../../src/io/model-files.js';
import { getRegularizer } from '../../src/layers/regularizers.js';
import { rand } from '../helpers.js';

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((d, v, i) => Math.max(d, Math.abs(v - b[i])), 0);

/** l1·Σ|w| + l2·Σw² in float64. */
function penaltyOf(w: ArrayLike<number>, l1: number, l2: number): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += l1 * Math.abs(w[i]) + l2 * w[i] * w[i];
  return s;
}

describe('regularizer specs', () => {
  const factors = (spec: unknown) => { const r = getRegularizer(spec, 'test'); return r && [r.l1, r.l2]; };

  it("takes tfjs' factories and identifiers, with tfjs' defaults", () => {
    expect(factors(sn.regularizers.l2())).toEqual([0, 0.01]);
    expect(factors(sn.regularizers.l1())).toEqual([0.01, 0]);
    expect(factors(sn.regularizers.l1l2())).toEqual([0.01, 0.01]);
    expect(factors(sn.regularizers.l1l2({ l2: 1e-4 }))).toEqual([0.01, 1e-4]);
    expect(factors('l2')).toEqual([0, 0.01]);
    expect(factors('l1')).toEqual([0.01, 0]);
    expect(factors('l1l2')).toEqual([0.01, 0.01]);
    expect(factors(sn.regularizers.l2(0.003))).toEqual([0, 0.003]); // Keras' positional factor
    expect(factors(sn.regularizers.l1(0.5))).toEqual([0.5, 0]);
    expect(() => sn.regularizers.l1l2(0.1 as never)).toThrow('regularizers.l1l2: options must be an object, got 0.1 (l1: 0.1 or l2: 0.1?)');
    expect(factors(null)).toBeNull();
    expect(factors(undefined)).toBeNull();
  });

  it('reads the saved forms: tfjs (L1L2), tf.keras 2 (L1, L2), Keras 3 (module, registered_name), with Keras\' class defaults', () => {
    expect(factors({ class_name: 'L1L2', config: { l1: 0, l2: 0.01 } })).toEqual([0, 0.01]);
    expect(factors({ className: 'L1L2', config: { l1: 0.5, l2: 0 } })).toEqual([0.5, 0]);
    expect(factors({ class_name: 'L2', config: { l2: 9.999999747378752e-5 } })).toEqual([0, 9.999999747378752e-5]);
    expect(factors({ class_name: 'L1', config: { l1: 0.001 } })).toEqual([0.001, 0]);
    expect(factors({ module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.02 }, registered_name: null })).toEqual([0, 0.02]);
    expect(factors({ class_name: 'L2', config: {} })).toEqual([0, 0.01]);
    expect(factors({ class_name: 'L1L2', config: {} })).toEqual([0, 0]);
    expect(factors({ class_name: 'L2', config: { l2: null } })).toEqual([0, 0.01]); // null: the class' default
    // what simdnet writes is what it reads
    expect(sn.regularizers.l1l2({ l1: 0.25, l2: 0.5 }).config()).toEqual({ class_name: 'L1L2', config: { l1: 0.25, l2: 0.5 } });
  });

  it('refuses what it cannot honour, naming the option and the value', () => {
    expect(() => sn.regularizers.l2({ l2: -1 })).toThrow('regularizers.l2: l2 must be a finite number >= 0, got -1');
    expect(() => sn.regularizers.l1({ l1: NaN })).toThrow('regularizers.l1: l1 must be a finite number >= 0, got NaN');
    expect(() => sn.regularizers.l1l2({ l3: 1 } as never)).toThrow('regularizers.l1l2: unknown option l3; valid: l1, l2');
    expect(() => sn.regularizers.l2({ L2: 0.1 } as never)).toThrow('regularizers.l2: unknown option L2 (did you mean l2?); valid: l2');
    expect(() => getRegularizer('l3', "dense 'd': kernelRegularizer")).toThrow(`dense 'd': kernelRegularizer: unknown regularizer "l3"; simdnet has 'l1', 'l2', 'l1l2'`);
    expect(() => getRegularizer({ class_name: 'OrthogonalRegularizer', config: { factor: 0.01 } }, 'k')).toThrow('k: regularizer OrthogonalRegularizer is not supported');
    expect(() => getRegularizer({ class_name: 'L2', config: { l2: 0.1, l1: 0.2 } }, 'k')).toThrow('k: L2 takes l2 only, got l1 = 0.2 (use L1L2)');
    expect(() => getRegularizer({ class_name: 'L1L2', config: { l1: 0.1, mode: 'x' } }, 'k')).toThrow('k: L1L2 has no option mode (it takes l1 and l2)');
    expect(() => getRegularizer({ class_name: 'L1L2', config: { l1: '0.1' } }, 'k')).toThrow('k (L1L2): l1 must be a finite number >= 0, got "0.1"');
    expect(() => getRegularizer(0.01, 'k')).toThrow('k: expected a regularizer');
  });

  it('layers refuse activity regularizers by name, and a regularizer on a weight they lack', () => {
    expect(() => sn.layers.dense({ units: 2, activityRegularizer: 'l2' } as never)).toThrow('dense: activityRegularizer is not supported: simdnet has weight regularizers');
    expect(() => sn.layers.dense({ units: 2, recurrentRegularizer: 'l2' } as never)).toThrow(/dense: unknown option recurrentRegularizer/);
    expect(() => sn.layers.dense({ units: 2, kernelRegularizer: 'l7' })).toThrow('dense: kernelRegularizer: unknown regularizer "l7"');
    expect(() => new sn.layerClasses.dense({ units: 2, name: 'd1', kernelRegularizer: 'l7' } as never)).toThrow(`Dense layer 'd1': kernelRegularizer: unknown regularizer "l7"`);
    const topology = (cfg: Record<string, unknown>) => ({
      class_name: 'Sequential',
      config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 3], ...cfg } }] },
    });
    expect(() => modelFromArtifacts(topology({ activity_regularizer: { class_name: 'L2', config: { l2: 0.1 } } }), [], new ArrayBuffer(0)))
      .toThrow('activity_regularizer');
  });

  it("loads a Keras 3 layer config with its regularizers, and saves them as tfjs' L1L2", () => {
    const m = modelFromArtifacts({
      class_name: 'Sequential',
      config: {
        name: 's', layers: [
          { class_name: 'InputLayer', config: { batch_shape: [null, 3], name: 'input' } },
          { module: 'keras.layers', class_name: 'Dense', config: { name: 'd', units: 2, activation: 'linear', use_bias: true,
            kernel_regularizer: { module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.02 }, registered_name: null },
            bias_regularizer: { module: 'keras.regularizers', class_name: 'L1', config: { l1: 0.5 }, registered_name: null } } },
        ],
      },
    }, [{ name: 'd/kernel', shape: [3, 2], dtype: 'float32' }, { name: 'd/bias', shape: [2], dtype: 'float32' }], new Float32Array(8).buffer);
    try {
      expect(m.layers[0].params.map((p) => p.regularizer && [p.regularizer.l1, p.regularizer.l2])).toEqual([[0, 0.02], [0.5, 0]]);
      const cfg = modelToArtifacts(m).modelTopology as { config: { layers: { config: Record<string, unknown> }[] } };
      const d = cfg.config.layers[cfg.config.layers.length - 1].config;
      expect(d.kernel_regularizer).toEqual({ class_name: 'L1L2', config: { l1: 0, l2: 0.02 } });
      expect(d.bias_regularizer).toEqual({ class_name: 'L1L2', config: { l1: 0.5, l2: 0 } });
      expect(d.activity_regularizer).toBeNull();
    } finally { m.dispose(); }
  });
});

describe('regularizers in training', () => {
  const n = 16;
  const x = sn.tensor(rand(n * 6 * 6 * 2, 1), [n, 6, 6, 2]);
  const y = sn.utils.toCategorical(Int32Array.from({ length: n }, (_, i) => i % 3), 3);
  const model = (regs: boolean, frozen = false) => {
    const m = sn.sequential({ seed: 7 });
    m.add(sn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2], trainable: !frozen,
      ...(regs ? { kernelRegularizer: sn.regularizers.l2({ l2: 0.05 }), biasRegularizer: sn.regularizers.l1({ l1: 0.02 }) } : {}) }));
    m.add(sn.layers.flatten());
    m.add(sn.layers.dense({ units: 3, activation: 'softmax', ...(regs ? { kernelRegularizer: sn.regularizers.l1l2({ l1: 0.01, l2: 0.01 }) } : {}) }));
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  };

  it('two threads train as one, bit for bit', async () => {
    const a = model(true), b = model(true);
    await a.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, seed: 3, threads: 1 });
    await b.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, seed: 3, threads: 2 });
    a.getWeights().forEach((w, i) => expect(b.getWeights()[i].data).toEqual(w.data));
    a.dispose(); b.dispose();
  });

  it("a frozen layer's regularizer counts neither in evaluate's loss nor in fit's (Keras 3)", async () => {
    const frozen = model(true, true), plain = model(false, true);
    const w0 = frozen.getWeights();
    const e = (await frozen.evaluate(x, y)).loss, p = (await plain.evaluate(x, y)).loss;
    // only the trainable dense kernel's penalty: the frozen conv's kernel and bias count for nothing
    expect(Math.abs(e - p - penaltyOf(w0[2].data, Math.fround(0.01), Math.fround(0.01)))).toBeLessThan(1e-6);
    const h = await frozen.fit(x, y, { epochs: 1, batchSize: n, verbose: 0, shuffle: false });
    const hp = await plain.fit(x, y, { epochs: 1, batchSize: n, verbose: 0, shuffle: false });
    expect(Math.abs(h.history.loss[0] - hp.history.loss[0] - penaltyOf(w0[2].data, Math.fround(0.01), Math.fround(0.01)))).toBeLessThan(1e-6);
    frozen.dispose(); plain.dispose();
  });

  it("fitDataset's validation loss holds the penalty, as fit's", async () => {
    const m = model(true), p = model(false);
    const batches = () => [0, 8].map((from) => ({ xs: sn.tensor(x.data.slice(from * 72, (from + 8) * 72), [8, 6, 6, 2]),
      ys: sn.tensor(y.data.slice(from * 3, (from + 8) * 3), [8, 3]) }));
    const h = await m.fitDataset(batches, { epochs: 1, verbose: 0, validationData: batches });
    p.setWeights(m.getWeights());
    const w = m.getWeights();
    const penalty = penaltyOf(w[0].data, 0, Math.fround(0.05)) + penaltyOf(w[1].data, Math.fround(0.02), 0) +
      penaltyOf(w[2].data, Math.fround(0.01), Math.fround(0.01));
    expect(Math.abs(h.history.val_loss[0] - (await p.evaluate(x, y)).loss - penalty)).toBeLessThan(1e-6);
    m.dispose(); p.dispose();
  });

  it("a weight at exactly 0 gets no L1 push (TensorFlow's sign(0) = 0; tfjs 4.22 pushes it by -l1)", async () => {
    const make = (reg: boolean) => {
      const m = sn.sequential({ seed: 1 });
      m.add(sn.layers.dense({ units: 2, inputShape: [6 * 6 * 2], ...(reg ? { biasRegularizer: sn.regularizers.l1({ l1: 0.1 }) } : {}) }));
      m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1 }), loss: 'meanSquaredError' });
      return m;
    };
    const a = make(true), b = make(false);
    expect(Array.from(a.getWeights()[1].data)).toEqual([0, 0]); // zeros, the bias initializer
    const flat = sn.tensor(x.data, [n, 72]), target = sn.tensor(rand(n * 2, 9), [n, 2]);
    await a.fit(flat, target, { epochs: 1, batchSize: n, verbose: 0, shuffle: false });
    await b.fit(flat, target, { epochs: 1, batchSize: n, verbose: 0, shuffle: false });
    expect(a.getWeights()[1].data).toEqual(b.getWeights()[1].data);
    a.dispose(); b.dispose();
  });

  it('val_loss holds the penalty as the training loss does (Keras; tfjs leaves it out of validation)', async () => {
    const m = model(true), p = model(false);
    const h = await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, validationData: [x, y], shuffle: false });
    p.setWeights(m.getWeights());
    const plainVal = (await p.evaluate(x, y)).loss;
    const w = m.getWeights();
    const penalty = penaltyOf(w[0].data, 0, Math.fround(0.05)) + penaltyOf(w[1].data, Math.fround(0.02), 0) +
      penaltyOf(w[2].data, Math.fround(0.01), Math.fround(0.01));
    expect(Math.abs(h.history.val_loss[0] - plainVal - penalty)).toBeLessThan(1e-6);
    m.dispose(); p.dispose();
  });

  it('survives save and load: the loaded model goes on training as the original does', async () => {
    const a = model(true);
    await a.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, seed: 1 });
    const b = await sn.loadModel(await a.toArtifacts({ includeOptimizer: true }));
    const ha = await a.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, seed: 2 });
    const hb = await b.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, seed: 2 });
    // the optimizer state goes through tfjs' form (-v / rate for SGD's velocity): equal to rounding
    expect(Math.abs(hb.history.loss[0] - ha.history.loss[0])).toBeLessThan(1e-6);
    a.getWeights().forEach((w, i) => expect(maxDiff(b.getWeights()[i].data, w.data)).toBeLessThan(1e-6));
    a.dispose(); b.dispose();
  });
});
