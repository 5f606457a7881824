// Sequences of any length (Keras' None time axis, batch_input_shape [null, null]): the first layer, an
// embedding or a recurrent layer, is built for length 1 and every call brings its own length. Predictions
// match a fixed-length model with the same weights; fit trains on one length and validates on another;
// the config says null again.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { layerFromConfig } from '../../src/layers/registry.js';
import { modelToArtifacts } from '../../src/io/model-files.js';

function textModel(steps: number | null, seed = 4): sn.Sequential {
  const m = sn.sequential({ seed });
  m.add(sn.layers.embedding({ inputDim: 12, outputDim: 3, batchInputShape: [null, steps] }));
  m.add(sn.layers.gru({ units: 4, returnSequences: true }));
  m.add(sn.layers.lstm({ units: 3 }));
  m.add(sn.layers.dense({ units: 2, activation: 'softmax' }));
  return m;
}

const ids = (n: number, t: number, seed: number) => sn.tensor(Float32Array.from({ length: n * t }, (_, i) => (i * 7 + seed * 5) % 12), [n, t]);

describe('sequences of any length', () => {
  it('predicts each length as a fixed-length model with the same weights does', async () => {
    const any = textModel(null);
    for (const t of [6, 2, 9, 6]) {
      const fixed = textModel(t, 99);
      fixed.setWeights(any.getWeights());
      const x = ids(3, t, t);
      expect(Array.from((await any.predict(x)).data)).toEqual(Array.from((await fixed.predict(x)).data));
    }
  });

  it('reports the time axis as null (Keras\' None) in inputShape, outputShape and summary, whatever length ran last', async () => {
    const m = textModel(null);
    const seq = sn.sequential({ seed: 2 });
    seq.add(sn.layers.embedding({ inputDim: 12, outputDim: 3 }));
    seq.add(sn.layers.simpleRNN({ units: 5, returnSequences: true }));
    for (const t of [0, 7]) {
      if (t) { await m.predict(ids(2, t, 1)); await seq.predict(ids(2, t, 1)); }
      expect(m.inputShape).toEqual([null]);
      expect(m.outputShape).toEqual([2]); // the last LSTM drops the time axis
      expect(seq.outputShape).toEqual([null, 5]);
      expect(seq.summary(undefined, () => {})).toMatch(/simple_rnn.*\(None, None, 5\)/);
    }
    expect(textModel(6).inputShape).toEqual([6]);
    expect(textModel(6).outputShape).toEqual([2]);
  });

  it('a Flatten or Reshape(-1) of the variable time axis before a Dense is refused when a length comes (it read past the kernel)', async () => {
    for (const merge of [() => sn.layers.flatten(), () => sn.layers.reshape({ targetShape: [-1] })]) {
      const m = sn.sequential({ seed: 1 });
      m.add(sn.layers.embedding({ inputDim: 12, outputDim: 4, batchInputShape: [null, null] }));
      m.add(merge());
      m.add(sn.layers.dense({ units: 2, activation: 'softmax' }));
      await expect(m.predict(ids(2, 3, 1))).rejects.toThrow(
        "dense (Dense): its weights were built for inputs of shape [4] but sequences of this length give [12]: a layer before it (a Flatten or Reshape) merges the variable-length time axis");
      // a length of 1, the one it was built for, is the only one that fits
      expect((await m.predict(ids(2, 1, 1))).shape).toEqual([2, 2]);
      m.dispose();
    }
  });

  it('trains on one length and validates on another; evaluate takes a third', async () => {
    const m = textModel(null);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const y = (n: number) => sn.utils.toCategorical(Int32Array.from({ length: n }, (_, i) => i % 2), 2);
    const h = await m.fit(ids(8, 5, 1), y(8), { epochs: 2, batchSize: 4, verbose: 0, validationData: [ids(4, 7, 2), y(4)] });
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
    expect(h.history.val_loss.length).toBe(2);
    expect(Number.isFinite((await m.evaluate(ids(3, 3, 3), y(3))).loss)).toBe(true);
  });

  it('fitDataset takes batches of different lengths', async () => {
    const m = textModel(null);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const y = (n: number) => sn.utils.toCategorical(Int32Array.from({ length: n }, (_, i) => i % 2), 2);
    const batches = () => [{ xs: ids(4, 3, 1), ys: y(4) }, { xs: ids(2, 8, 2), ys: y(2) }, { xs: ids(3, 5, 3), ys: y(3) }];
    const h = await m.fitDataset(batches, { epochs: 2, verbose: 0 });
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
  });

  it('saves batch_input_shape [null, null] and loads it back; a recurrent first layer takes [null, null, features]', () => {
    const config = modelToArtifacts(textModel(null)).modelTopology as { config: { layers: { config: Record<string, unknown> }[] } };
    expect(config.config.layers[0].config.batch_input_shape).toEqual([null, null]);
    const rnn = layerFromConfig('SimpleRNN', { units: 2, batch_input_shape: [null, null, 3] });
    expect(rnn.variableSteps).toBe(true);
    expect(rnn.getConfig().batch_input_shape).toEqual([null, null, 3]);
  });

  it('refuses null where the length is not free: another axis, or a layer that needs it', () => {
    expect(() => layerFromConfig('SimpleRNN', { units: 2, batch_input_shape: [null, 4, null] })).toThrow(/the first may be null/);
    expect(() => layerFromConfig('Dense', { units: 2, batch_input_shape: [null, null] })).toThrow(/must be a non-empty array of positive integers, got \[null\]/);
  });

  it('names the shape it expects', async () => {
    await expect(textModel(null).predict(sn.tensor(new Float32Array(6), [1, 2, 3]))).rejects.toThrow(/x must have shape \[n, steps\]/);
  });
});
