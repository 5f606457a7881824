// Weight constraints (src/layers/constraints.ts): the specs a layer takes and the saved forms Keras, tf.keras
// and tfjs write; the axes (Keras' default 0, a Conv2D filter's [0, 1, 2], -1) against tfjs' own constraint
// math; what is refused; frozen weights; threads; save and load. The kernels are tested in
// test/assembly/constraints.test.ts; every layer's constrained weights in the generic layer test.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { modelFromArtifacts, modelToArtifacts } from '../../src/io/model-files.js';
import { getConstraint } from '../../src/layers/constraints.js';
import { maxRelError, rand } from '../helpers.js';
import { tfjsOracle } from '../tfjs-oracle.js';

const { tf } = tfjsOracle('constraints');

describe('constraint specs', () => {
  const cfg = (spec: unknown) => getConstraint(spec, 'test')?.config() ?? null;

  it("takes tfjs' factories and names, Keras' names and class names, with Keras' defaults", () => {
    expect(cfg(sn.constraints.maxNorm())).toEqual({ class_name: 'MaxNorm', config: { max_value: 2, axis: 0 } });
    expect(cfg(sn.constraints.maxNorm({ maxValue: 3, axis: [0, 1, 2] }))).toEqual({ class_name: 'MaxNorm', config: { max_value: 3, axis: [0, 1, 2] } });
    expect(cfg(sn.constraints.unitNorm({ axis: -1 }))).toEqual({ class_name: 'UnitNorm', config: { axis: -1 } });
    expect(cfg(sn.constraints.minMaxNorm({ minValue: 0.5 }))).toEqual({ class_name: 'MinMaxNorm', config: { min_value: 0.5, max_value: 1, rate: 1, axis: 0 } });
    expect(cfg(sn.constraints.nonNeg())).toEqual({ class_name: 'NonNeg', config: {} });
    for (const name of ['maxNorm', 'max_norm', 'MaxNorm', 'maxnorm']) expect(cfg(name)?.class_name).toBe('MaxNorm');
    for (const name of ['nonNeg', 'non_neg', 'NonNeg']) expect(cfg(name)?.class_name).toBe('NonNeg');
    expect(cfg('unit_norm')?.class_name).toBe('UnitNorm');
    expect(cfg('minMaxNorm')?.class_name).toBe('MinMaxNorm');
    expect(cfg(null)).toBeNull();
  });

  it('reads the saved forms: tfjs and tf.keras 2 ({ class_name, config }), Keras 3 (module, registered_name), camelCase keys', () => {
    expect(cfg({ class_name: 'MaxNorm', config: { max_value: 4, axis: 0 } })).toEqual({ class_name: 'MaxNorm', config: { max_value: 4, axis: 0 } });
    expect(cfg({ className: 'MaxNorm', config: { maxValue: 4, axis: [0, 1, 2] } })).toEqual({ class_name: 'MaxNorm', config: { max_value: 4, axis: [0, 1, 2] } });
    expect(cfg({ module: 'keras.constraints', class_name: 'UnitNorm', config: { axis: 1 }, registered_name: null })).toEqual({ class_name: 'UnitNorm', config: { axis: 1 } });
    expect(cfg({ class_name: 'MinMaxNorm', config: { min_value: 0.1, max_value: 0.9, rate: 0.5, axis: 0 } }))
      .toEqual({ class_name: 'MinMaxNorm', config: { min_value: 0.1, max_value: 0.9, rate: 0.5, axis: 0 } });
    expect(cfg({ class_name: 'NonNeg', config: {} })).toEqual({ class_name: 'NonNeg', config: {} });
  });

  it('refuses what it cannot honour, naming the option and the value', () => {
    expect(() => sn.constraints.maxNorm({ maxValue: -1 })).toThrow("constraints.maxNorm: MaxNorm's maxValue must be a finite number >= 0, got -1");
    expect(() => sn.constraints.minMaxNorm({ minValue: 2, maxValue: 1 })).toThrow("constraints.minMaxNorm: MinMaxNorm's minValue 2 is above its maxValue 1");
    expect(() => sn.constraints.minMaxNorm({ rate: 1.5 })).toThrow("constraints.minMaxNorm: MinMaxNorm's rate must be in [0, 1], got 1.5");
    expect(() => sn.constraints.unitNorm({ axis: 0.5 })).toThrow("constraints.unitNorm: UnitNorm's axis must be an integer or a list of them, got 0.5");
    expect(() => sn.constraints.maxNorm({ max: 3 } as never)).toThrow('constraints.maxNorm: unknown option max; valid: maxValue, axis');
    expect(() => sn.constraints.maxNorm({ max_value: 3 } as never)).toThrow('constraints.maxNorm: unknown option max_value (options are camelCase, as in TensorFlow.js: maxValue)');
    expect(() => getConstraint('maxnorms', 'k')).toThrow('k: unknown constraint "maxnorms"; simdnet has sn.constraints.maxNorm');
    expect(() => getConstraint({ class_name: 'RadialConstraint', config: {} }, 'k')).toThrow('k: constraint RadialConstraint is not supported');
    expect(() => sn.layers.dense({ units: 2, kernelConstraint: 'maxNorms' })).toThrow('dense: kernelConstraint: unknown constraint "maxNorms"');
  });

  it("refuses axes the weight does not have, and axes that are not one run, when the layer is built, naming them", () => {
    const build = (constraint: unknown) => {
      const m = sn.sequential();
      m.add(sn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 2], name: 'c', kernelConstraint: constraint as never }));
      return m;
    };
    expect(() => build(sn.constraints.maxNorm({ axis: 4 }))).toThrow("c (Conv2D): kernelConstraint: MaxNorm's axis 4 is outside a weight of shape [3, 3, 2, 2]");
    expect(() => build(sn.constraints.maxNorm({ axis: [0, 2] }))).toThrow("c (Conv2D): kernelConstraint: MaxNorm's axis [0,2] are not consecutive axes");
    expect(() => build(sn.constraints.maxNorm({ axis: [0, 1, 2] }))).not.toThrow();
    expect(() => build(sn.constraints.maxNorm({ axis: [-4, -3, -2] }))).not.toThrow();
  });
});

describe('constraints in training', () => {
  const n = 16;
  const x = sn.tensor(rand(n * 6 * 6 * 2, 1), [n, 6, 6, 2]);
  const y = sn.utils.toCategorical(Int32Array.from({ length: n }, (_, i) => i % 3), 3);
  const model = (cons: boolean, frozen = false) => {
    const m = sn.sequential({ seed: 7 });
    m.add(sn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2], trainable: !frozen,
      ...(cons ? { kernelConstraint: sn.constraints.maxNorm({ maxValue: 0.4, axis: [0, 1, 2] }), biasConstraint: sn.constraints.nonNeg() } : {}) }));
    m.add(sn.layers.flatten());
    m.add(sn.layers.dense({ units: 3, activation: 'softmax', ...(cons ? { kernelConstraint: sn.constraints.unitNorm({ axis: -1 }) } : {}) }));
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }), loss: 'categoricalCrossentropy' });
    return m;
  };

  it("each axis choice as tfjs' constraint computes it: a conv filter's [0, 1, 2], a dense row's -1, biases kept ≥ 0", async () => {
    const m = model(true), p = model(false);
    await m.fit(x, y, { epochs: 1, batchSize: n, verbose: 0, shuffle: false });
    await p.fit(x, y, { epochs: 1, batchSize: n, verbose: 0, shuffle: false });
    const got = m.getWeights(), base = p.getWeights();
    const want = [
      tf.constraints.maxNorm({ maxValue: 0.4, axis: [0, 1, 2] as unknown as number }), tf.constraints.nonNeg(), tf.constraints.unitNorm({ axis: -1 }),
    ];
    want.forEach((c, j) => {
      const w = tf.tidy(() => c.apply(tf.tensor(base[j].data, [...base[j].shape])).dataSync());
      expect(maxRelError(got[j].data, w), `weight ${j}`).toBeLessThanOrEqual(1e-6);
    });
    // the projections hold: each filter's norm ≤ 0.4 (and some at it), each dense row's norm 1
    const k = got[0].data, filters = 4, per = k.length / filters;
    const norms = Array.from({ length: filters }, (_, f) => { let s = 0; for (let r = 0; r < per; r++) s += k[r * filters + f] ** 2; return Math.sqrt(s); });
    expect(Math.max(...norms)).toBeLessThanOrEqual(0.4 + 1e-6);
    expect(Array.from(got[1].data).every((v) => v >= 0)).toBe(true);
    const d = got[2].data, units = 3;
    for (let r = 0; r < d.length / units; r++) expect(Math.hypot(d[r * units], d[r * units + 1], d[r * units + 2])).toBeCloseTo(1, 5);
    m.dispose(); p.dispose();
  });

  it("a frozen layer's constraint is not applied (Keras: only the optimizer's updates are projected)", async () => {
    const m = model(true, true);
    const before = m.getWeights();
    await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    expect(m.getWeights()[0].data).toEqual(before[0].data);
    expect(m.getWeights()[1].data).toEqual(before[1].data);
    m.dispose();
  });

  it('two threads train as one, bit for bit', async () => {
    const a = model(true), b = model(true);
    await a.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, seed: 3, threads: 1 });
    await b.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, seed: 3, threads: 2 });
    a.getWeights().forEach((w, i) => expect(b.getWeights()[i].data).toEqual(w.data));
    a.dispose(); b.dispose();
  });

  it('survives save and load, in tfjs\' format: the loaded model projects as the original does', async () => {
    const a = model(true);
    await a.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, seed: 1 });
    const art = await a.toArtifacts();
    const layers = (art.modelJson as { modelTopology: { config: { layers: { config: Record<string, unknown> }[] } } }).modelTopology.config.layers;
    expect(layers.map((l) => l.config.kernel_constraint ?? null).filter(Boolean)).toEqual([
      { class_name: 'MaxNorm', config: { max_value: 0.4, axis: [0, 1, 2] } }, { class_name: 'UnitNorm', config: { axis: -1 } }]);
    const b = await sn.loadModel(art);
    expect(b.layers.map((l) => l.params.map((p) => p.constraint?.of.className ?? null))).toEqual(a.layers.map((l) => l.params.map((p) => p.constraint?.of.className ?? null)));
    b.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.05 }), loss: 'categoricalCrossentropy' });
    await b.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, seed: 2 });
    const d = b.getWeights()[2].data;
    for (let r = 0; r < d.length / 3; r++) expect(Math.hypot(d[r * 3], d[r * 3 + 1], d[r * 3 + 2])).toBeCloseTo(1, 5);
    a.dispose(); b.dispose();
  });

  it('loads a Keras 3 config with its constraints', () => {
    const m = modelFromArtifacts({
      class_name: 'Sequential',
      config: { name: 's', layers: [
        { class_name: 'InputLayer', config: { batch_shape: [null, 3], name: 'input' } },
        { module: 'keras.layers', class_name: 'Dense', config: { name: 'd', units: 2, activation: 'linear', use_bias: true,
          kernel_constraint: { module: 'keras.constraints', class_name: 'MaxNorm', config: { max_value: 2.0, axis: 0 }, registered_name: null },
          bias_constraint: { module: 'keras.constraints', class_name: 'NonNeg', config: {}, registered_name: null } } },
      ] },
    }, [{ name: 'd/kernel', shape: [3, 2], dtype: 'float32' }, { name: 'd/bias', shape: [2], dtype: 'float32' }], new Float32Array(8).buffer);
    try {
      expect(m.layers[0].params.map((p) => p.constraint?.of.className)).toEqual(['MaxNorm', 'NonNeg']);
      const saved = modelToArtifacts(m).modelTopology as { config: { layers: { config: Record<string, unknown> }[] } };
      expect(saved.config.layers.at(-1)!.config.kernel_constraint).toEqual({ class_name: 'MaxNorm', config: { max_value: 2, axis: 0 } });
    } finally { m.dispose(); }
  });
});

describe('constraints on other axes, against tfjs', () => {
  // a middle axis (outer and inner blocks both > 1), a recurrent kernel's rows, a Conv1D filter, an embedding's rows
  const CASES: [string, () => sn.Layer, number[], { apply(w: unknown): unknown }][] = [
    ['conv2d axis 2', () => sn.layers.conv2d({ filters: 3, kernelSize: 2, inputShape: [4, 4, 5], kernelConstraint: sn.constraints.maxNorm({ maxValue: 0.1, axis: 2 }) }), [4, 4, 5],
      tf.constraints.maxNorm({ maxValue: 0.1, axis: 2 })],
    ['conv2d axis [1, 2]', () => sn.layers.conv2d({ filters: 3, kernelSize: 2, inputShape: [4, 4, 5], kernelConstraint: sn.constraints.unitNorm({ axis: [1, 2] }) }), [4, 4, 5],
      tf.constraints.unitNorm({ axis: [1, 2] as unknown as number })],
    ['conv1d axis [0, 1]', () => sn.layers.conv1d({ filters: 3, kernelSize: 2, inputShape: [6, 5], kernelConstraint: sn.constraints.maxNorm({ maxValue: 0.1, axis: [0, 1] }) }), [6, 5],
      tf.constraints.maxNorm({ maxValue: 0.1, axis: [0, 1] as unknown as number })],
    ['lstm recurrent kernel axis 1', () => sn.layers.lstm({ units: 3, inputShape: [4, 2], recurrentConstraint: sn.constraints.minMaxNorm({ minValue: 0.3, maxValue: 0.5, rate: 0.7, axis: 1 }) }), [4, 2],
      tf.constraints.minMaxNorm({ minValue: 0.3, maxValue: 0.5, rate: 0.7, axis: 1 })],
  ];
  for (const [label, layer, shape, theirs] of CASES) {
    it(`${label}: the step projected as tfjs' constraint computes, and predict after it sees the projected weights`, async () => {
      const build = (withC: boolean) => {
        const m = sn.sequential({ seed: 5 });
        const l = layer();
        m.add(l); // built here: the same layer, its constraint taken off for the reference
        if (!withC) for (const p of l.params) (p as { constraint: unknown }).constraint = null;
        m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1 }), loss: 'meanSquaredError' });
        return m;
      };
      const a = build(true), b = build(false);
      b.setWeights(a.getWeights());
      const n = 4, xs = sn.tensor(rand(n * shape.reduce((p, q) => p * q, 1), 3), [n, ...shape]);
      const ys = sn.tensor(rand(n * a.outputShape.reduce((p, q) => p * q, 1), 9), [n, ...a.outputShape]);
      await a.fit(xs, ys, { epochs: 1, batchSize: n, verbose: 0, shuffle: false });
      await b.fit(xs, ys, { epochs: 1, batchSize: n, verbose: 0, shuffle: false });
      const j = a.layers[0].params.findIndex((p) => p.constraint);
      const got = a.getWeights()[j], base = b.getWeights()[j];
      const want = tf.tidy(() => (theirs.apply(tf.tensor(base.data, [...base.shape])) as ReturnType<typeof tf.tensor>).dataSync());
      expect(maxRelError(got.data, want)).toBeLessThanOrEqual(1e-6);
      expect(maxRelError(got.data, base.data)).toBeGreaterThan(1e-3); // the projection did move the weight
      // inference uses the projected weights (the packed and transformed copies follow the weight's version)
      const fresh = build(false);
      fresh.setWeights(a.getWeights());
      expect((await a.predict(xs)).data).toEqual((await fresh.predict(xs)).data);
      a.dispose(); b.dispose(); fresh.dispose();
    });
  }
});

describe('constraint specs, more', () => {
  it("axis null is the whole weight (Keras' axis=None), saved as null", () => {
    const m = sn.sequential();
    m.add(sn.layers.dense({ units: 2, inputShape: [3], kernelConstraint: sn.constraints.maxNorm({ maxValue: 1, axis: null as never }) }));
    expect(m.layers[0].params[0].constraint?.blocks).toEqual([1, 6, 1]);
    expect(m.layers[0].params[0].constraint?.of.config()).toEqual({ class_name: 'MaxNorm', config: { max_value: 1, axis: null } });
    expect(getConstraint({ class_name: 'UnitNorm', config: { axis: null } }, 'k')?.axis).toBeNull();
    m.dispose();
  });

  it("takes tfjs' constraint and regularizer objects", () => {
    expect(getConstraint(tf.constraints.maxNorm({ maxValue: 3, axis: 1 }), 'k')?.config()).toEqual({ class_name: 'MaxNorm', config: { max_value: 3, axis: 1 } });
    expect(getConstraint(tf.constraints.nonNeg(), 'k')?.className).toBe('NonNeg');
    const l = sn.layers.dense({ units: 2, kernelRegularizer: tf.regularizers.l2({ l2: 0.25 }) as never, kernelConstraint: tf.constraints.unitNorm({ axis: 0 }) as never });
    expect(l.regularizers.kernel.l2).toBe(0.25);
    expect(l.constraints.kernel.className).toBe('UnitNorm');
  });

  it('refuses an axis named twice, and an option given both ways, naming them as they were written', () => {
    expect(() => sn.constraints.maxNorm({ axis: [0, 0] })).toThrow("constraints.maxNorm: MaxNorm's axis [0,0] names an axis twice");
    const m = sn.sequential();
    expect(() => m.add(sn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 2], name: 'c', kernelConstraint: sn.constraints.maxNorm({ axis: [1, -3] }) })))
      .toThrow("c (Conv2D): kernelConstraint: MaxNorm's axis [1,-3] names an axis of the weight (shape [3, 3, 2, 2]) twice");
    expect(() => getConstraint({ class_name: 'MaxNorm', config: { max_value: 2, maxValue: 3 } }, 'k')).toThrow("k: MaxNorm's max_value is given twice (as maxValue too)");
    expect(() => getConstraint({ class_name: 'MaxNorm', config: { max_value: -2 } }, 'k')).toThrow("k: MaxNorm's max_value must be a finite number >= 0, got -2");
    expect(() => getConstraint({ class_name: 'MaxNorm', config: { max: 2 } }, 'k')).toThrow('k: MaxNorm has no option max; it takes max_value, axis');
  });

  it('a Keras .h5 file keeps them both ways', async () => {
    const m = sn.sequential();
    m.add(sn.layers.dense({ units: 2, inputShape: [3], kernelConstraint: sn.constraints.maxNorm({ maxValue: 1.5, axis: 0 }), biasRegularizer: sn.regularizers.l1(0.5) }));
    const back = await sn.loadModel({ h5: sn.io.modelToKerasH5(m) });
    expect(back.layers[0].params.map((p) => [p.constraint?.of.config() ?? null, p.regularizer ? [p.regularizer.l1, p.regularizer.l2] : null]))
      .toEqual([[{ class_name: 'MaxNorm', config: { max_value: 1.5, axis: 0 } }, null], [null, [0.5, 0]]]);
    m.dispose(); back.dispose();
  });
});
