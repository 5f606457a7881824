// Keras' from_logits=True: `compile({ loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }) })` on a
// model whose last layer has no activation trains as the same model ending in softmax (sigmoid) does — the loss's
// gradient is the logits' either way — and saves and loads with its training config (Keras' loss object).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { compileArgsFromConfig } from '../../src/io/topology.js';

const n = 12;
const x = sn.tensor(Float32Array.from({ length: n * 6 }, (_, i) => Math.sin(i * 0.91) * 2), [n, 6]);
const ids = Int32Array.from({ length: n }, (_, i) => (i * 5) % 3);

function pair(units: number, activation: 'softmax' | 'sigmoid', loss: 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'binaryCrossentropy') {
  const make = (last: 'softmax' | 'sigmoid' | 'linear') => {
    const m = sn.sequential({ seed: 9 });
    m.add(sn.layers.dense({ units: 10, activation: 'tanh', inputShape: [6] }));
    m.add(sn.layers.dense({ units, activation: last }));
    return m;
  };
  const probs = make(activation), logits = make('linear');
  probs.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.3 }), loss, metrics: ['accuracy'] });
  logits.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.3 }), loss: sn.losses[loss]({ fromLogits: true }), metrics: ['accuracy'] });
  return { probs, logits };
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => Array.from(a).every((v, i) => Math.abs(v - b[i]) <= tol * Math.max(1, Math.abs(b[i])));

describe('fromLogits', () => {
  for (const [loss, units, activation, y] of [
    ['categoricalCrossentropy', 3, 'softmax', sn.utils.toCategorical(ids, 3)],
    ['sparseCategoricalCrossentropy', 3, 'softmax', sn.tensor(Float32Array.from(ids), [n, 1])],
    ['binaryCrossentropy', 1, 'sigmoid', sn.tensor(Float32Array.from(ids, (c) => (c === 1 ? 1 : 0)), [n, 1])],
  ] as const) {
    it(`${loss}: trains as the model ending in ${activation}; its outputs are that model's before the activation`, async () => {
      const { probs, logits } = pair(units, activation, loss);
      expect(logits.fromLogits).toBe(true);
      const a = await probs.fit(x, y, { epochs: 4, batchSize: 4, shuffle: false, verbose: 0 });
      const b = await logits.fit(x, y, { epochs: 4, batchSize: 4, shuffle: false, verbose: 0 });
      expect(close(b.history.loss, a.history.loss, 1e-5), `${b.history.loss} vs ${a.history.loss}`).toBe(true);
      expect(b.history.accuracy).toEqual(a.history.accuracy);
      probs.getWeights().forEach((w, i) => expect(close(logits.getWeights()[i].data, w.data, 1e-5), `weight ${i}`).toBe(true));
      const z = (await logits.predict(x)).data, p = (await probs.predict(x)).data;
      const squash = activation === 'sigmoid' ? Array.from(z, (v) => 1 / (1 + Math.exp(-v)))
        : Array.from(z, (_, i) => { const r = Math.floor(i / units) * units; const row = Array.from(z.slice(r, r + units)); const m = Math.max(...row); return Math.exp(z[i] - m) / row.reduce((s, v) => s + Math.exp(v - m), 0); });
      expect(close(squash, p, 1e-4)).toBe(true);
      expect(Array.from(await logits.predictClasses(x))).toEqual(Array.from(await probs.predictClasses(x)));
      const e = await logits.evaluate(x, y);
      expect(e.loss).toBeCloseTo((await probs.evaluate(x, y)).loss, 4);
    });
  }

  it('a confidently wrong prediction costs its full log-loss, not the 1e-7 clip of probabilities', async () => {
    const m = sn.sequential();
    m.add(sn.layers.dense({ units: 2, inputShape: [1], kernelInitializer: 'zeros', biasInitializer: 'zeros' }));
    m.compile({ optimizer: 'sgd', loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }) });
    m.getLayer(0).setWeights([sn.tensor([0, 0], [1, 2]), sn.tensor([40, 0], [2])]);
    const e = await m.evaluate(sn.tensor([1], [1, 1]), sn.tensor([1], [1, 1]));
    expect(e.loss).toBeCloseTo(40, 4); // Keras: 40; through softmax and the clip it would be -ln(1e-7) = 16.1
  });

  it('saves its loss as Keras\' loss object and loads compiled with it, from a folder and from .h5', async () => {
    const { logits } = pair(3, 'softmax', 'sparseCategoricalCrossentropy');
    const y = sn.tensor(Float32Array.from(ids), [n, 1]);
    await logits.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'simdnet-logits-'));
    try {
      const a = await logits.toArtifacts();
      // tf.loadLayersModel cannot compile a loss object: the config is kept where only simdnet reads it
      expect(a.modelJson.trainingConfig).toBeUndefined();
      // the reduction Keras 3 takes (it refuses tf.keras' 'auto'), which tf.keras 2 takes too
      expect(a.modelJson.userDefinedMetadata?.simdnet_training_config).toMatchObject({ loss: { class_name: 'SparseCategoricalCrossentropy', config: { from_logits: true, reduction: 'sum_over_batch_size' } } });
      await logits.save(join(dir, 'm'));
      await logits.save(join(dir, 'm.h5'));
      const want = await logits.evaluate(x, y);
      for (const path of ['m', 'm.h5']) {
        const back = await sn.loadModel(join(dir, path));
        expect(back.fromLogits, path).toBe(true);
        expect(back.loss).toBe('sparseCategoricalCrossentropy');
        expect((await back.evaluate(x, y)).loss, path).toBeCloseTo(want.loss, 6);
        // uncompiled (Keras' compile=False, simdnet/predict), it still knows its outputs are logits
        const bare = await sn.loadModel(join(dir, path), { compile: false });
        expect(bare.optimizer).toBeNull();
        expect(bare.fromLogits, path).toBe(true);
      }
    } finally { rmSync(dir, { recursive: true, force: true }); }
    // Keras 3's and tf.keras' saved loss objects
    for (const loss of [
      { module: 'keras.losses', class_name: 'SparseCategoricalCrossentropy', config: { name: 'sparse_categorical_crossentropy', reduction: 'sum_over_batch_size', from_logits: true, ignore_class: null }, registered_name: null },
      { class_name: 'SparseCategoricalCrossentropy', config: { reduction: 'auto', name: 'sparse_categorical_crossentropy', from_logits: true } },
    ]) {
      const args = compileArgsFromConfig({ loss, metrics: [], optimizer_config: { class_name: 'SGD', config: { learning_rate: 0.1 } } });
      expect(args.loss).toEqual(new sn.Loss('sparseCategoricalCrossentropy', true));
    }
  });

  it('an uncompiled binary model loaded from logits judges them at 0 in predictClasses', async () => {
    const m = sn.sequential({ seed: 3 });
    m.add(sn.layers.dense({ units: 1, inputShape: [6], kernelInitializer: 'randomNormal' }));
    m.compile({ optimizer: 'sgd', loss: sn.losses.binaryCrossentropy({ fromLogits: true }) });
    const bare = await sn.io.modelFromMemory(await m.toArtifacts(), { compile: false });
    const z = (await bare.predict(x)).data;
    expect(Array.from(await bare.predictClasses(x))).toEqual(Array.from(z, (v) => (v > 0 ? 1 : 0)));
    expect(z.some((v) => v > 0 && v < 0.5) || z.some((v) => v < 0)).toBe(true); // logits where 0 and 0.5 part
  });

  it('refuses what it cannot honour, by name', () => {
    expect(() => new sn.Loss('meanSquaredError', true)).toThrow('Loss: fromLogits applies to the cross-entropies only (categoricalCrossentropy, sparseCategoricalCrossentropy, binaryCrossentropy), not meanSquaredError');
    expect(() => new sn.Loss('nope' as never, false)).toThrow(/^Loss: unknown loss "nope"/);
    const sgd = { class_name: 'SGD', config: { learning_rate: 0.1 } };
    for (const [config, message] of [
      [{ from_logits: true, reduction: 'sum' }, 'with reduction "sum" is not supported'],
      [{ from_logits: true, reduction: 'none' }, 'with reduction "none" is not supported'],
      [{ from_logits: true, ignore_class: 0 }, 'with ignore_class 0 is not supported'],
      [{ axis: 1 }, 'with axis 1 is not supported'],
    ] as const) {
      expect(() => compileArgsFromConfig({ loss: { class_name: 'SparseCategoricalCrossentropy', config }, optimizer_config: sgd }), message).toThrow(message);
    }
    const m = sn.sequential();
    m.add(sn.layers.dense({ units: 3, activation: 'softmax', inputShape: [6] }));
    expect(() => m.compile({ optimizer: 'sgd', loss: sn.losses.categoricalCrossentropy({ fromLogits: true }) })).toThrow(
      "compile: categoricalCrossentropy with fromLogits takes the last layer's raw outputs (logits), but dense (Dense) ends in softmax: remove its activation, or compile without fromLogits");
    expect(() => sn.losses.meanSquaredError({ fromLogits: true })).toThrow('losses.meanSquaredError: fromLogits applies to the cross-entropies only (categoricalCrossentropy, sparseCategoricalCrossentropy, binaryCrossentropy)');
    expect(() => sn.losses.binaryCrossentropy({ from_logits: true } as never)).toThrow('losses.binaryCrossentropy: unknown option from_logits; options: fromLogits');
    expect(() => sn.losses.binaryCrossentropy({ fromLogits: 'yes' } as never)).toThrow('losses.binaryCrossentropy: fromLogits must be true or false, got "yes"');
    const linear = sn.sequential();
    linear.add(sn.layers.dense({ units: 3, inputShape: [6] }));
    expect(() => linear.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' })).toThrow(
      /ends in linear \(for logits: loss: sn\.losses\.sparseCategoricalCrossentropy\(\{ fromLogits: true \}\)\)/);
    expect(() => compileArgsFromConfig({ loss: { class_name: 'MeanSquaredError', config: { from_logits: true } }, optimizer_config: { class_name: 'SGD', config: {} } }))
      .toThrow('loss MeanSquaredError with from_logits: true is not supported (only the cross-entropies take logits)');
  });
});
