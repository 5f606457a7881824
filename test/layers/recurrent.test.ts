// Embedding, SimpleRNN, LSTM and GRU as users meet them: Keras parameter counts and defaults, clear errors
// for bad arguments and bad data, and model files that round-trip (and interoperate with tfjs).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { modelFromArtifacts, modelToArtifacts } from '../../src/io/model-files.js';
import { layerFromConfig } from '../../src/layers/registry.js';
import { layerToJson } from '../../src/io/topology.js';
import { randomArray } from '../helpers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const L = sn.layers;

function labRnn(cell: 'simpleRNN' | 'lstm' | 'gru' = 'simpleRNN', steps = 20): sn.Sequential {
  return sn.models.labSentimentRnn({ vocabSize: 1000, sequenceLength: steps, cell });
}

const ids = (n: number, steps: number, vocab: number, seed: number): sn.Tensor =>
  sn.tensor(Float32Array.from(randomArray(n * steps, seed, 0, 1), (v) => Math.floor(v * vocab)), [n, steps]);

describe('parameter counts and summary (Keras)', () => {
  it("the lab's model: Embedding(1000, 64) -> SimpleRNN(40) -> Dense(1, sigmoid) has 64000 + 4200 + 41 = 68,241", () => {
    const m = labRnn();
    expect(m.layers.map((l) => l.countParams())).toEqual([64000, 4200, 41]);
    expect(m.countParams()).toBe(68241);
    const text = m.summary(undefined, () => {});
    expect(text).toMatch(/embedding \(Embedding\)\s+\(None, 20, 64\)\s+64000/);
    expect(text).toMatch(/\(SimpleRNN\)\s+\(None, 40\)\s+4200/);
    expect(text).toMatch(/Total params: 68,241/);
    m.dispose();
  });

  it('LSTM(40) has 4·(64·40 + 40·40 + 40) = 16,800 and GRU(40) with reset_after 3·(64·40 + 40·40 + 2·40) = 12,720', () => {
    expect(labRnn('lstm').layers[1].countParams()).toBe(16800);
    expect(labRnn('gru').layers[1].countParams()).toBe(12720);
    expect(labRnn('lstm').countParams()).toBe(80841);
    expect(labRnn('gru').countParams()).toBe(76761);
  });

  it('weight shapes in Keras order; returnSequences gives [steps, units]', () => {
    const m = sn.sequential();
    m.add(L.embedding({ inputDim: 50, outputDim: 8, inputLength: 7 }));
    m.add(L.gru({ units: 6, returnSequences: true }));
    m.add(L.lstm({ units: 5, returnSequences: true }));
    m.add(L.simpleRNN({ units: 4 }));
    expect(m.layers.map((l) => l.outputShape)).toEqual([[7, 8], [7, 6], [7, 5], [4]]);
    expect(m.layers.map((l) => l.params.map((p) => `${p.name}[${p.shape}]`))).toEqual([
      ['embeddings[50,8]'],
      ['kernel[8,18]', 'recurrent_kernel[6,18]', 'bias[2,18]'],
      ['kernel[6,20]', 'recurrent_kernel[5,20]', 'bias[20]'],
      ['kernel[5,4]', 'recurrent_kernel[4,4]', 'bias[4]'],
    ]);
  });
});

describe('default initialisers (Keras)', () => {
  it('kernel glorotUniform, recurrent kernel orthogonal, bias zeros (LSTM forget gate ones), embeddings uniform ±0.05', () => {
    const m = sn.sequential({ seed: 3 });
    m.add(L.embedding({ inputDim: 300, outputDim: 16, inputLength: 5 }));
    m.add(L.lstm({ units: 12, returnSequences: true }));
    m.add(L.simpleRNN({ units: 20 }));
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const [emb, k, u, b, k2, u2, b2] = m.getWeights();
    expect(Math.max(...emb.data.map(Math.abs))).toBeLessThanOrEqual(0.05);
    expect(Math.max(...emb.data.map(Math.abs))).toBeGreaterThan(0.04);
    const glorot = Math.sqrt(6 / (16 + 48));
    expect(Math.max(...k.data.map(Math.abs))).toBeLessThanOrEqual(glorot);
    // orthogonal: U [12, 48] has orthonormal rows, U2 [20, 20] is an orthogonal matrix
    const gram = (w: sn.Tensor, rows: number, cols: number) => {
      let worst = 0;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < rows; j++) {
          let s = 0;
          for (let c = 0; c < cols; c++) s += w.data[i * cols + c] * w.data[j * cols + c];
          worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
        }
      }
      return worst;
    };
    expect(gram(u, 12, 48)).toBeLessThan(1e-5);
    expect(gram(u2, 20, 20)).toBeLessThan(1e-5);
    expect([...b.data]).toEqual([...Array(12).fill(0), ...Array(12).fill(1), ...Array(24).fill(0)]);
    expect(k2.shape).toEqual([12, 20]);
    expect([...b2.data]).toEqual(Array(20).fill(0));
    const noForget = sn.sequential();
    noForget.add(L.lstm({ units: 3, unitForgetBias: false, inputShape: [4, 2] }));
    noForget.compile({ optimizer: 'sgd', loss: 'mse' });
    expect([...noForget.getWeights()[2].data]).toEqual(Array(12).fill(0));
  });
});

describe('bad arguments', () => {
  it('name the layer, the argument and the value', () => {
    expect(() => L.embedding({ inputDim: 0, outputDim: 8 })).toThrow('embedding: inputDim must be a positive integer, got 0');
    expect(() => L.embedding({ inputDim: 10, outputDim: 2.5 })).toThrow('embedding: outputDim must be a positive integer, got 2.5');
    expect(() => L.embedding({ inputDim: 10, outputDim: 4, inputLength: 5, inputShape: [6] })).toThrow('embedding: inputLength 5 does not match inputShape [6]');
    expect(() => L.simpleRNN({ units: -1 })).toThrow('simpleRNN: units must be a positive integer, got -1');
    expect(() => L.simpleRNN({ units: 4, activation: 'softmax' })).toThrow("simpleRNN: activation 'softmax' is not supported in a recurrent layer; valid: linear, relu, sigmoid, tanh");
    // the activations whose backward needs their input have no step kernel: refused by name, as loaded too
    for (const a of ['gelu', 'swish', 'silu', 'mish', 'exponential'] as const) {
      expect(() => L.simpleRNN({ units: 4, activation: a })).toThrow(`simpleRNN: activation '${a}' is not supported in a recurrent layer; valid: linear, relu, sigmoid, tanh`);
      expect(() => L.gru({ units: 4, activation: a })).toThrow(`gru: activation must be 'tanh' (the only one simdnet's gru implements), got "${a}"`);
      expect(() => L.lstm({ units: 4, recurrentActivation: a })).toThrow(`lstm: recurrentActivation must be 'sigmoid' (Keras' default) or 'hard_sigmoid' (tfjs' default), got "${a}"`);
    }
    expect(() => layerFromConfig('SimpleRNN', { units: 4, name: 'r', activation: { class_name: 'function', config: 'gelu' } }))
      .toThrow("simpleRNN: activation 'gelu' is not supported in a recurrent layer");
    expect(() => L.lstm({ units: 4, activation: 'relu' })).toThrow("lstm: activation must be 'tanh'");
    // tfjs' default gate activation, by its tfjs name too (test/layers/parity-recurrent.test.ts checks it against tfjs)
    expect((L.lstm({ units: 4, recurrentActivation: 'hardSigmoid' }) as unknown as { recurrentActivation: string }).recurrentActivation).toBe('hard_sigmoid');
    expect(() => L.lstm({ units: 4, recurrentActivation: 'hard_silu' as 'sigmoid' })).toThrow("lstm: recurrentActivation: unknown activation 'hard_silu'");
    expect(() => L.gru({ units: 4, resetAfter: 'no' as never })).toThrow('gru: resetAfter must be true or false, got "no"');
    expect(() => L.gru({ units: 4, dropout: 0.2 })).toThrow('gru: dropout 0.2 is not supported (only 0)');
    expect(() => L.lstm({ units: 4, stateful: true })).toThrow('lstm: stateful: true is not supported');
    expect(() => L.simpleRNN({ units: 4, goBackwards: 'yes' as unknown as boolean })).toThrow('simpleRNN: goBackwards must be true or false, got "yes"');
  });

  it('wrong input ranks name the expected shape', () => {
    const m = sn.sequential();
    m.add(L.dense({ units: 4, inputShape: [3] }));
    expect(() => m.add(L.lstm({ units: 2 }))).toThrow(
      'lstm (LSTM): expected input of shape [timeSteps, features], got [4]; put an embedding before it for token ids, or give inputShape [steps, 1]');
    const e = sn.sequential();
    e.add(L.embedding({ inputDim: 5, outputDim: 2, inputLength: 3 }));
    e.add(L.simpleRNN({ units: 2, returnSequences: true }));
    e.add(L.dense({ units: 1 })); // as Keras: a Dense at each step (test/engine/per-position.test.ts)
    expect(e.outputShape).toEqual([3, 1]);
  });

  it('returnState needs several outputs: refused in a Sequential model, as in Keras', () => {
    const m = sn.sequential();
    m.add(L.embedding({ inputDim: 5, outputDim: 2, inputLength: 3 }));
    expect(() => m.add(L.lstm({ units: 2, returnState: true }))).toThrow(
      'lstm (LSTM): returnState: true gives several outputs (the output and the final states), which a Sequential model cannot carry; ' +
      'as in Keras, returnState needs the functional API, which simdnet does not have yet');
    expect(m.layers.length).toBe(1);
  });

  it('maskZero needs a recurrent layer after the embedding, directly or after layers that pass the mask on', async () => {
    const m = sn.sequential();
    m.add(L.embedding({ inputDim: 5, outputDim: 2, inputLength: 3, maskZero: true }));
    m.add(L.flatten());
    m.add(L.dense({ units: 2 }));
    await expect(m.predict(sn.tensor([[1, 2, 0]]))).rejects.toThrow(
      'embedding (Embedding): maskZero is set but no layer uses the mask; simdnet applies it in a simpleRNN, lstm or gru (or a bidirectional one) placed after the embedding, directly or after layers that pass the mask on');
    // a dropout passes it on (Keras' supports_masking): the LSTM after it skips the padded step
    const d = sn.sequential({ seed: 2 });
    d.add(L.embedding({ inputDim: 5, outputDim: 2, maskZero: true, batchInputShape: [null, null] }));
    d.add(L.dropout({ rate: 0.2 }));
    d.add(L.lstm({ units: 2 }));
    expect(Array.from((await d.predict(sn.tensor([[1, 2, 0]]))).data)).toEqual(Array.from((await d.predict(sn.tensor([[1, 2]]))).data));
  });
});

describe('bad data', () => {
  const model = () => {
    const m = labRnn('simpleRNN', 6);
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    return m;
  };
  const y = (n: number) => sn.tensor(Float32Array.from({ length: n }, (_, i) => i % 2), [n, 1]);

  it('a token id ≥ inputDim names the layer, the position and the id (fit, evaluate, predict, validation data)', async () => {
    const m = model();
    const x = ids(4, 6, 1000, 1);
    (x.data as Float32Array)[2 * 6 + 4] = 1000;
    const why = 'is not a token id for embedding (Embedding): it is ≥ inputDim 1000; ids must be integers in [0, 1000)';
    await expect(m.fit(x, y(4))).rejects.toThrow(`fit: x[2, 4] = 1000 ${why}`);
    await expect(m.evaluate(x, y(4))).rejects.toThrow(`evaluate: x[2, 4] = 1000 ${why}`);
    await expect(m.predict(x)).rejects.toThrow(`predict: x[2, 4] = 1000 ${why}`);
    await expect(m.fit(ids(4, 6, 1000, 2), y(4), { validationData: [x, y(4)] })).rejects.toThrow(`fit: validationData[0][2, 4] = 1000 ${why}`);
    const before = m.getWeights();
    (x.data as Float32Array)[2 * 6 + 4] = 12345;
    await expect(m.fit(x, y(4))).rejects.toThrow(/raise inputDim, or cap the vocabulary with a Tokenizer's numWords/);
    m.getWeights().forEach((w, i) => expect(w.data).toEqual(before[i].data)); // nothing was trained
  });

  it('negative and non-integer ids', async () => {
    const m = model();
    const x = ids(3, 6, 1000, 3);
    (x.data as Float32Array)[5] = -1;
    await expect(m.fit(x, y(3))).rejects.toThrow('fit: x[0, 5] = -1 is not a token id for embedding (Embedding): it is negative');
    (x.data as Float32Array)[5] = 0;
    (x.data as Float32Array)[13] = 2.5;
    await expect(m.predict(x)).rejects.toThrow('predict: x[2, 1] = 2.5 is not a token id for embedding (Embedding): it is not an integer');
    // int32 tensors (as padSequences gives) are fine
    const ok = sn.utils.padSequences([[1, 2, 3], [4, 5]], { maxLen: 6 });
    expect(ok.dtype).toBe('int32');
    expect((await m.predict(ok)).shape).toEqual([2, 1]);
  });

  it('an embedding that is not the first layer refuses non-id values at run time (the kernel counts them)', async () => {
    const m = sn.sequential();
    m.add(L.dense({ units: 4, inputShape: [3] }));
    m.add(L.embedding({ inputDim: 10, outputDim: 2 }));
    m.add(L.simpleRNN({ units: 2 }));
    await expect(m.predict(sn.tensor([[0.3, -1, 2]]))).rejects.toThrow(/embedding \(Embedding\): \d input value\(s\) are not token ids in \[0, 10\), first -?\d/);
  });

  it('ragged sequences: the error says to pad them with padSequences', () => {
    expect(() => sn.tensor([[1, 2, 3], [4, 5]])).toThrow(
      'tensor: ragged nested array at depth 1: lengths 3 and 2; sequences of different lengths must first be padded to one length: sn.utils.padSequences(sequences, { maxLen })');
  });

  it('wrong label shape: the engine names the expected shape', async () => {
    const m = model();
    await expect(m.fit(ids(4, 6, 1000, 4), sn.tensor(new Float32Array(8), [4, 2]))).rejects.toThrow(
      "fit: y must have shape [n, 1] to match the model's output, got [4, 2]");
    await expect(m.fit(ids(4, 6, 1000, 4), y(3))).rejects.toThrow('fit: y has 3 labels but x has 4 samples');
    await expect(m.fit(ids(4, 5, 1000, 4), y(4))).rejects.toThrow('fit: x must have shape [n, 6] for embedding (Embedding), got [4, 5]');
  });
});

describe('model files', () => {
  const small = (): sn.Sequential => {
    const m = sn.sequential({ name: 'rnnmix', seed: 9 });
    m.add(L.embedding({ inputDim: 40, outputDim: 6, inputLength: 7, maskZero: true }));
    m.add(L.gru({ units: 5, returnSequences: true, goBackwards: true }));
    m.add(L.lstm({ units: 4, returnSequences: true, unitForgetBias: false }));
    m.add(L.simpleRNN({ units: 3, activation: 'relu' }));
    m.add(L.dense({ units: 2, activation: 'softmax' }));
    return m;
  };

  it('save and load: topology, every option, weights and predictions survive', async () => {
    const m = small();
    m.compile({ optimizer: sn.optimizers.rmsprop({ learningRate: 0.003 }), loss: 'categoricalCrossentropy' });
    const x = sn.tensor([[0, 0, 3, 9, 21, 5, 1], [7, 7, 7, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6, 7]]);
    await m.fit(x, sn.utils.toCategorical([0, 1, 1], 2), { epochs: 2, batchSize: 3, verbose: 0 });
    const a = modelToArtifacts(m);
    const layers = (a.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }).config.layers;
    expect(layers.map((l) => l.class_name)).toEqual(['Embedding', 'GRU', 'LSTM', 'SimpleRNN', 'Dense']);
    expect(layers[0].config).toMatchObject({ input_dim: 40, output_dim: 6, input_length: 7, mask_zero: true, batch_input_shape: [null, 7],
      embeddings_initializer: { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } } });
    expect(layers[1].config).toMatchObject({ units: 5, reset_after: true, go_backwards: true, return_sequences: true, recurrent_activation: 'sigmoid',
      recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1, seed: null } } });
    expect(layers[2].config).toMatchObject({ unit_forget_bias: false, return_state: false, stateful: false });
    expect(layers[3].config).toMatchObject({ activation: 'relu', units: 3 });
    expect(a.weightSpecs.map((s) => s.name)).toEqual(['embedding/embeddings', 'gru/kernel', 'gru/recurrent_kernel', 'gru/bias',
      'lstm/kernel', 'lstm/recurrent_kernel', 'lstm/bias', 'simple_rnn/kernel', 'simple_rnn/recurrent_kernel', 'simple_rnn/bias',
      'dense/kernel', 'dense/bias']);
    const back = modelFromArtifacts(a.modelTopology, a.weightSpecs, a.weightData, { trainingConfig: a.trainingConfig });
    expect(back.layers.map((l) => layerToJson(l))).toEqual(layers);
    expect((await back.predict(x)).data).toEqual((await m.predict(x)).data);
    // the mask link is rebuilt on load: the vector of the padding id 0 changes no prediction
    for (const model of [m, back]) {
      const before = (await model.predict(x)).data;
      const w = model.getWeights();
      const emb = w[0].data.slice();
      emb.fill(5, 0, 6); // row 0 of the embeddings
      model.setWeights([sn.tensor(emb, w[0].shape), ...w.slice(1)]);
      expect((await model.predict(x)).data).toEqual(before);
    }
    const h = await back.fit(x, sn.utils.toCategorical([1, 0, 1], 2), { epochs: 1, batchSize: 3, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
    m.dispose(); back.dispose();
  });

  it('simdnet -> tfjs: an Embedding + LSTM + SimpleRNN model loads in tfjs and predicts the same', async () => {
    const m = sn.sequential({ seed: 2 });
    m.add(L.embedding({ inputDim: 30, outputDim: 6, inputLength: 5 }));
    m.add(L.lstm({ units: 4, returnSequences: true }));
    m.add(L.simpleRNN({ units: 3, goBackwards: true }));
    m.add(L.dense({ units: 1, activation: 'sigmoid' }));
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
    const a = modelToArtifacts(m);
    const t = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs as tf.io.WeightsManifestEntry[], weightData: a.weightData }));
    expect(t.countParams()).toBe(m.countParams());
    const x = ids(6, 5, 30, 8);
    const want = (t.predict(tf.tensor(x.data, [6, 5])) as tf.Tensor).dataSync();
    const got = (await m.predict(x)).data;
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    t.dispose(); m.dispose();
  });

  it('tfjs -> simdnet: a tfjs Embedding + SimpleRNN + LSTM model (sigmoid recurrent activation) loads and predicts the same', async () => {
    const t = tf.sequential();
    t.add(tf.layers.embedding({ inputDim: 25, outputDim: 4, inputLength: 6, maskZero: true }));
    t.add(tf.layers.simpleRNN({ units: 5, returnSequences: true }));
    t.add(tf.layers.lstm({ units: 3, recurrentActivation: 'sigmoid' }));
    t.add(tf.layers.dense({ units: 2 }));
    let saved: tf.io.ModelArtifacts | null = null;
    await t.save(tf.io.withSaveHandler(async (art) => { saved = art; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const art = saved! as tf.io.ModelArtifacts;
    const data = Array.isArray(art.weightData) ? art.weightData[0] : art.weightData!;
    const m = modelFromArtifacts(art.modelTopology, art.weightSpecs as never, data);
    expect(m.countParams()).toBe(t.countParams());
    const x = sn.tensor([[0, 0, 4, 9, 2, 24], [3, 1, 0, 0, 0, 0], [5, 6, 7, 8, 9, 10]]);
    const want = (t.predict(tf.tensor(x.data, [3, 6])) as tf.Tensor).dataSync();
    const got = (await m.predict(x)).data;
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    t.dispose(); m.dispose();
  });

  it('options simdnet cannot honour are refused with the layer and the option', () => {
    expect((layerFromConfig('GRU', { name: 'g', units: 3, reset_after: false }) as unknown as { resetAfter: boolean }).resetAfter).toBe(false);
    // a config without the key comes from before it existed (tfjs < 2.0, Keras < 2.1.3): reset-before; the JS default stays Keras 2.3+'s
    expect((layerFromConfig('GRU', { name: 'g', units: 3 }) as unknown as { resetAfter: boolean }).resetAfter).toBe(false);
    expect((layerFromConfig('GRU', { name: 'g', units: 3, reset_after: true }) as unknown as { resetAfter: boolean }).resetAfter).toBe(true);
    expect((L.gru({ units: 3 }) as unknown as { resetAfter: boolean }).resetAfter).toBe(true);
    expect(() => layerFromConfig('LSTM', { units: 3, recurrent_activation: 'hard_silu' })).toThrow(
      /LSTM layer: option recurrent_activation = "hard_silu" is not supported/);
    expect(() => layerFromConfig('LSTM', { units: 3, recurrent_activation: 'relu' })).toThrow(
      "LSTM layer: lstm: recurrentActivation must be 'sigmoid' (Keras' default) or 'hard_sigmoid' (tfjs' default), got \"relu\"");
    expect(() => layerFromConfig('SimpleRNN', { units: 3, recurrent_constraint: { class_name: 'RadialConstraint' } })).toThrow(/recurrentConstraint: constraint RadialConstraint is not supported/);
    expect(() => layerFromConfig('SimpleRNN', { units: 3, activity_regularizer: { class_name: 'L2' } })).toThrow(/option activity_regularizer .* no activity regularizers/);
    expect(() => layerFromConfig('LSTM', { units: 3, time_major: true })).toThrow(/option time_major = true is not supported/);
    expect(() => layerFromConfig('Embedding', { input_dim: 3, output_dim: 2, sparse: true })).toThrow(/option sparse = true is not supported/);
    // Keras 3 spellings load (no input_length, seed, activation written as objects)
    const k3 = layerFromConfig('LSTM', { name: 'l', units: 3, activation: 'tanh', recurrent_activation: 'sigmoid', seed: null, unroll: false,
      dropout: 0.0, recurrent_dropout: 0.0, zero_output_for_mask: false, recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1.0, seed: null } } });
    expect(k3.className).toBe('LSTM');
  });
});
