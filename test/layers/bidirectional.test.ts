// Bidirectional beyond the generic layer test (which runs its examples against tfjs, finite differences and both
// thread counts): the layer handed in as Keras code writes it; its output as the two directions computed apart;
// padded sequences (an embedding's mask) as the unpadded ones, in prediction and in training; a frozen wrapper; the
// .h5 round trip; and the errors.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import type { Layer } from '../../src/layers/layer.js';
import { layerFromConfig } from '../../src/layers/registry.js';
import type { Sequential } from '../../src/engine/sequential.js';
import { Tensor } from '../../src/tensor.js';
import { maxRelError, rand } from '../helpers.js';

/** A model of one recurrent layer (made by `make`) on [steps, features] inputs. */
function alone(make: () => Layer, shape: number[]): Sequential {
  const m = sn.sequential();
  const layer = make();
  layer.declaredInputShape = shape;
  m.add(layer);
  return m;
}

describe('bidirectional', () => {
  it('runs the layer both ways with weights of its own, the backward sequence back in input order (concat)', async () => {
    const m = sn.sequential({ seed: 4 });
    m.add(sn.layers.bidirectional({ layer: sn.layers.lstm({ units: 3, returnSequences: true }), inputShape: [5, 4] }));
    expect(m.layers[0].name).toBe('bidirectional');
    expect(m.outputShape).toEqual([5, 6]);
    expect(m.countParams()).toBe(2 * 4 * (4 * 3 + 3 * 3 + 3)); // Keras: 192
    expect(m.namedWeights().map((w) => w.key)).toEqual(['forward_lstm', 'backward_lstm']
      .flatMap((l) => ['kernel', 'recurrent_kernel', 'bias'].map((p) => `bidirectional/${l}/${p}`)));
    expect(m.summary()).toMatch(/bidirectional \(Bidirectiona\s+\(None, 5, 6\)\s+192\n/) // Keras cuts the column so too;
    const w = m.getWeights();
    const fwd = alone(() => sn.layers.lstm({ units: 3, returnSequences: true }), [5, 4]);
    fwd.setWeights(w.slice(0, 3));
    const bwd = alone(() => sn.layers.lstm({ units: 3, returnSequences: true, goBackwards: true }), [5, 4]);
    bwd.setWeights(w.slice(3));
    const x = new Tensor(rand(2 * 5 * 4, 7), [2, 5, 4]);
    const [y, f, b] = await Promise.all([m.predict(x), fwd.predict(x), bwd.predict(x)]);
    for (let n = 0; n < 2; n++) {
      for (let s = 0; s < 5; s++) {
        const row = Array.from(y.data.subarray((n * 5 + s) * 6, (n * 5 + s + 1) * 6));
        expect(row.slice(0, 3)).toEqual(Array.from(f.data.subarray((n * 5 + s) * 3, (n * 5 + s + 1) * 3)));
        // the goBackwards layer's step 4 - s (its processing order) is input step s
        expect(row.slice(3)).toEqual(Array.from(b.data.subarray((n * 5 + 4 - s) * 3, (n * 5 + 5 - s) * 3)));
      }
    }
  });

  it('sum, mul and ave merge the two final states', async () => {
    const x = new Tensor(rand(3 * 4 * 2, 2), [3, 4, 2]);
    const outputs: Record<string, Float32Array> = {};
    let weights: Tensor[] = [];
    for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const) {
      const m = sn.sequential({ seed: 9 });
      m.add(sn.layers.bidirectional({ layer: sn.layers.simpleRNN({ units: 2 }), mergeMode, inputShape: [4, 2] }));
      if (weights.length) m.setWeights(weights); else weights = m.getWeights();
      outputs[mergeMode] = (await m.predict(x)).data;
    }
    const c = outputs.concat;
    for (let i = 0; i < 6; i++) {
      const f = c[Math.floor(i / 2) * 4 + (i % 2)], b = c[Math.floor(i / 2) * 4 + 2 + (i % 2)];
      expect(outputs.sum[i]).toBe(Math.fround(f + b));
      expect(outputs.mul[i]).toBe(Math.fround(f * b));
      expect(outputs.ave[i]).toBe(Math.fround(Math.fround(f + b) * 0.5));
    }
  });

  it('after an embedding with maskZero: padded sequences predict and train as the unpadded ones', async () => {
    const build = () => {
      const m = sn.sequential({ seed: 11 });
      m.add(sn.layers.embedding({ inputDim: 9, outputDim: 3, maskZero: true, inputShape: [null] as unknown as number[] }));
      m.add(sn.layers.bidirectional({ layer: sn.layers.gru({ units: 2 }), mergeMode: 'concat' }));
      m.add(sn.layers.dense({ units: 1, activation: 'sigmoid' }));
      m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.5 }), loss: 'binaryCrossentropy' });
      return m;
    };
    const ids = [[3, 1, 4], [1, 5, 2], [6, 5, 3], [5, 8, 7]];
    const labels = new Tensor(Float32Array.from([1, 0, 1, 0]), [4, 1]);
    const plain = new Tensor(Float32Array.from(ids.flat()), [4, 3]);
    // padded at the end and in front: the forward direction carries its state through the padding, the backward one starts after it
    const padded = new Tensor(Float32Array.from(ids.flatMap((s, i) => (i % 2 ? [...s, 0, 0] : [0, 0, ...s]))), [4, 5]);
    const a = build(), b = build();
    expect(maxRelError((await a.predict(padded)).data, (await a.predict(plain)).data)).toBeLessThan(1e-6);
    await a.fit(plain, labels, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
    await b.fit(padded, labels, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
    a.getWeights().forEach((w, i) => expect(maxRelError(b.getWeights()[i].data, w.data), a.namedWeights()[i].key).toBeLessThan(1e-5));
  });

  it('returning sequences after a mask, a padded step outputs 0 (Keras\' zero_output_for_mask) and the mask passes on', async () => {
    const x = new Tensor(Float32Array.from([1, 2, 0, 0, 0, 3, 4, 5]), [2, 4]);
    // padded steps (rows of [sample, step]) as the output sees them: a forward layer that itself goes backwards keeps its
    // processing order (Keras flips only the backward layer's output), so its step s is input step 3 - s
    for (const [goBackwards, pad] of [[false, [2, 3, 4]], [true, [0, 1, 7]]] as const) {
      const first = sn.sequential({ seed: 3 });
      first.add(sn.layers.embedding({ inputDim: 6, outputDim: 2, maskZero: true, inputShape: [4] }));
      first.add(sn.layers.bidirectional({ layer: sn.layers.simpleRNN({ units: 2, returnSequences: true, goBackwards }), mergeMode: 'concat' }));
      const y = (await first.predict(x)).data;
      for (let r = 0; r < 8; r++) {
        const row = Array.from(y.subarray(4 * r, 4 * r + 4));
        if (pad.includes(r)) expect(row, `goBackwards ${goBackwards}, row ${r}`).toEqual([0, 0, 0, 0]);
        else expect(row.every((v) => v !== 0), `goBackwards ${goBackwards}, row ${r}`).toBe(true);
      }
    }
    // the mask reaches a recurrent layer after it: padded sequences give what the unpadded ones give
    const m = sn.sequential({ seed: 3 });
    m.add(sn.layers.embedding({ inputDim: 6, outputDim: 2, maskZero: true, inputShape: [null] as unknown as number[] }));
    m.add(sn.layers.bidirectional({ layer: sn.layers.simpleRNN({ units: 2, returnSequences: true }), mergeMode: 'sum' }));
    m.add(sn.layers.lstm({ units: 2 }));
    const y = (await m.predict(x)).data;
    const a = (await m.predict(new Tensor(Float32Array.from([1, 2]), [1, 2]))).data;
    const b = (await m.predict(new Tensor(Float32Array.from([3, 4, 5]), [1, 3]))).data;
    expect(maxRelError(y, Float32Array.from([...a, ...b]))).toBeLessThan(1e-6);
  });

  it('a layer frozen before it is wrapped freezes the wrapper, and unfreezing the wrapper unfreezes it', async () => {
    const lstm = sn.layers.lstm({ units: 2 });
    lstm.trainable = false;
    const w = sn.layers.bidirectional({ layer: lstm, inputShape: [3, 2] });
    expect(w.trainable).toBe(false);
    const m = sn.sequential({ seed: 6 });
    m.add(w);
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.5 }), loss: 'meanSquaredError' });
    const x = new Tensor(rand(4 * 3 * 2, 1), [4, 3, 2]), y = new Tensor(rand(4 * 4, 2), [4, 4]);
    const before = Array.from(m.getWeights()[0].data);
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    expect(Array.from(m.getWeights()[0].data)).toEqual(before);
    w.trainable = true;
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    expect(Array.from(m.getWeights()[0].data)).not.toEqual(before);
    // a wrapper in one model only
    expect(() => sn.sequential().add(w)).toThrow(/bidirectional \(Bidirectional\) already belongs to model 'sequential'/);
    m.dispose(); // its model gone, the wrapper still refuses a second build: its inner layers were built for the first
    expect(() => sn.sequential().add(w)).toThrow(/bidirectional \(Bidirectional\): already built \(in a model\)/);
  });

  it('frozen: its weights stay; the layer handed in is a template, left as it was', async () => {
    const lstm = sn.layers.lstm({ units: 2 });
    const m = sn.sequential({ seed: 5 });
    m.add(sn.layers.bidirectional({ layer: lstm, inputShape: [3, 2], trainable: false }));
    m.add(sn.layers.dense({ units: 1 }));
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.5 }), loss: 'meanSquaredError' });
    const before = m.getWeights().map((w) => Array.from(w.data));
    await m.fit(new Tensor(rand(4 * 3 * 2, 1), [4, 3, 2]), new Tensor(rand(4, 2), [4, 1]), { epochs: 1, verbose: 0 });
    const after = m.getWeights().map((w) => Array.from(w.data));
    expect(after.slice(0, 6)).toEqual(before.slice(0, 6));
    expect(after[6]).not.toEqual(before[6]);
    expect([lstm.name, lstm.params.length]).toEqual(['', 0]);
    // unfrozen, it trains
    m.layers[0].trainable = true;
    await m.fit(new Tensor(rand(4 * 3 * 2, 1), [4, 3, 2]), new Tensor(rand(4, 2), [4, 1]), { epochs: 1, verbose: 0 });
    expect(m.getWeights()[0].data).not.toEqual(Float32Array.from(after[0]));
  });

  it('round-trips through Keras .h5 (the layer saved under its own name, as Keras 2 does)', async () => {
    const m = sn.sequential({ seed: 8 });
    m.add(sn.layers.bidirectional({ layer: sn.layers.lstm({ units: 2, returnSequences: true }), mergeMode: 'ave', inputShape: [3, 2] }));
    m.add(sn.layers.bidirectional({ layer: sn.layers.simpleRNN({ units: 3, name: 'rnn' }) }));
    const bytes = sn.io.modelToKerasH5(m);
    const back = await sn.loadModel({ h5: bytes });
    expect(back.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    expect((back.layers[1].getConfig().layer as { config: { name: string } }).config.name).toBe('rnn');
    expect(back.namedWeights().map((w) => w.key)).toContain('bidirectional_1/backward_rnn/recurrent_kernel');
    const x = new Tensor(rand(2 * 3 * 2, 4), [2, 3, 2]);
    expect(Array.from((await back.predict(x)).data)).toEqual(Array.from((await m.predict(x)).data));
  });

  it('refuses what it cannot run, naming the layer and the option', () => {
    expect(() => sn.layers.bidirectional({ layer: sn.layers.dense({ units: 2 }) })).toThrow(/layer must be a recurrent layer \(simpleRNN, lstm or gru\), got Dense/);
    expect(() => sn.layers.bidirectional({ layer: 'lstm' as never })).toThrow(/layer must be a recurrent layer .* got "lstm"/);
    expect(() => sn.layers.bidirectional({ layer: sn.layers.lstm({ units: 2 }), mergeMode: null as never })).toThrow(/mergeMode null .* Sequential/);
    expect(() => sn.layers.bidirectional({ layer: sn.layers.lstm({ units: 2 }), mergeMode: 'max' as never })).toThrow(/mergeMode must be one of concat, sum, mul, ave, got "max"/);
    expect(() => sn.layers.bidirectional({ layer: sn.layers.gru({ units: 2, returnState: true }) })).toThrow(/returnState: true/);
    expect(() => sn.layers.bidirectional({ layer: sn.layers.lstm({ units: 2 }), backwardLayer: sn.layers.lstm({ units: 3, goBackwards: true }) }))
      .toThrow(/backwardLayer LSTM must be LSTM run the other way/);
    expect(() => sn.layers.bidirectional({ layer: sn.layers.lstm({ units: 2 }), backwardLayer: sn.layers.lstm({ units: 2 }) }))
      .toThrow(/goBackwards true/);
    // the backward layer Keras 3 saves (the layer itself run the other way) is taken; one that differs only in its
    // initializers too (they do not change the function computed)
    expect(() => sn.layers.bidirectional({ layer: sn.layers.lstm({ units: 2 }), backwardLayer: sn.layers.lstm({ units: 2, goBackwards: true }) })).not.toThrow();
    expect(() => sn.layers.bidirectional({ layer: sn.layers.lstm({ units: 2 }),
      backwardLayer: sn.layers.lstm({ units: 2, goBackwards: true, kernelInitializer: 'zeros' }) })).not.toThrow();
    expect(() => sn.layers.bidirectional({ layer: sn.layers.lstm({ units: 2 }), backwardLayer: sn.layers.lstm({ units: 2, goBackwards: true, useBias: false }) }))
      .toThrow(/backwardLayer LSTM must be LSTM run the other way/);
    expect(() => sn.sequential().add(sn.layers.bidirectional({ layer: sn.layers.lstm({ units: 2 }), inputShape: [3, 4, 2] })))
      .toThrow(/^bidirectional \(Bidirectional\): expected input of shape \[timeSteps, features\], got \[3, 4, 2\]/);
    expect(() => layerFromConfig('Bidirectional', { layer: { class_name: 'LSTM', config: { units: 2 } }, num_constants: 1 }))
      .toThrow(/Bidirectional layer: option num_constants = 1 is not supported \(a Sequential model passes no constants\)/);
  });
});
