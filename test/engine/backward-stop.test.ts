// The training step's backward pass stops at the first layer with a trainable weight (src/engine/network.ts): the
// layers below it (Rescaling, augmentation, a frozen base) run no backward, that layer computes no input gradient,
// frozen layers above it still pass the gradient on; the weights trained are those of the whole pass.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';

const n = 8;
const x = sn.tensor(Float32Array.from({ length: n * 6 * 6 * 2 }, (_, i) => Math.sin(i * 0.37)), [n, 6, 6, 2]);
const y = sn.utils.toCategorical(Int32Array.from({ length: n }, (_, i) => i % 3), 3);

/** Records each layer's backward calls as [layer index, needDx]. */
function spy(m: sn.Sequential): [number, boolean][] {
  const calls: [number, boolean][] = [];
  m.layers.forEach((l, i) => {
    const backward = l.backward.bind(l);
    l.backward = (dy: number, count: number, needDx: boolean, skip?: boolean) => { calls.push([i, needDx]); return backward(dy, count, needDx, skip); };
  });
  return calls;
}

function model(front: sn.Layer[], frozen: number[] = []): sn.Sequential {
  const m = sn.sequential({ seed: 3 });
  for (const l of front) m.add(l);
  m.add(sn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', ...(front.length ? {} : { inputShape: [6, 6, 2] }) }));
  m.add(sn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }));
  m.add(sn.layers.flatten());
  m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  for (const i of frozen) m.layers[i].trainable = false;
  m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.1, momentum: 0.9 }), loss: 'categoricalCrossentropy' });
  return m;
}

const weights = (m: sn.Sequential) => m.getWeights().map((w) => Array.from(w.data));
const backwardOf = (calls: [number, boolean][], i: number) => calls.filter(([j]) => j === i).map(([, d]) => d);

describe('the backward pass stops at the first trainable layer', () => {
  it('Rescaling and augmentation in front run no backward; the first convolution computes no input gradient', async () => {
    const m = model([sn.layers.rescaling({ scale: 1, inputShape: [6, 6, 2] }), sn.layers.randomFlip({ mode: 'horizontal', seed: 1 })]);
    const calls = spy(m);
    await m.fit(x, y, { epochs: 1, batchSize: n, verbose: 0 });
    expect(backwardOf(calls, 0)).toEqual([]);
    expect(backwardOf(calls, 1)).toEqual([]);
    expect(backwardOf(calls, 2)).toEqual([false]);
    expect(backwardOf(calls, 3)).toEqual([true]);
  });

  it('the same weights as the model without the identity in front, bit for bit', async () => {
    const a = model([sn.layers.rescaling({ scale: 1, inputShape: [6, 6, 2] })]), b = model([]);
    b.setWeights(a.getWeights());
    await a.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, seed: 2 });
    await b.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, seed: 2 });
    expect(weights(a)).toEqual(weights(b));
  });

  it('a frozen base runs no backward; a frozen layer above a trainable one still passes the gradient down', async () => {
    const base = model([], [0]);
    const calls = spy(base);
    await base.fit(x, y, { epochs: 1, batchSize: n, verbose: 0 });
    expect(backwardOf(calls, 0)).toEqual([]);
    expect(backwardOf(calls, 1)).toEqual([false]);

    const middle = model([], [1]);
    const before = weights(middle);
    const calls2 = spy(middle);
    await middle.fit(x, y, { epochs: 1, batchSize: n, verbose: 0 });
    expect(backwardOf(calls2, 1)).toEqual([true]);
    expect(backwardOf(calls2, 0)).toEqual([false]);
    const after = weights(middle);
    expect(after[0]).not.toEqual(before[0]); // the first convolution trained through the frozen second
    expect(after[2]).toEqual(before[2]); // the frozen one did not
  });

  it('with nothing trainable no backward runs, the weights stay and the loss is still reported', async () => {
    const m = model([], [0, 1, 3]);
    const before = weights(m), calls = spy(m);
    const h = await m.fit(x, y, { epochs: 2, batchSize: n, verbose: 0 });
    expect(calls).toEqual([]);
    expect(weights(m)).toEqual(before);
    expect(h.history.loss.every((v) => Number.isFinite(v))).toBe(true);
  });
});
