// A model whose weights are no longer finite, for the tests that saving refuses such weights: SGD at a learning
// rate of 1e30 overflows within a few updates, and terminateOnNaN ends fit there (its message silenced).
import { expect } from 'vitest';
import * as sn from '../../src/index.js';

export async function divergedModel(): Promise<sn.Sequential> {
  const wild = sn.sequential();
  wild.add(sn.layers.dense({ units: 1, inputShape: [4] }));
  wild.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1e30 }), loss: 'meanSquaredError' });
  const log = console.log;
  console.log = () => {};
  try {
    await wild.fit(sn.tensor(Float32Array.from({ length: 32 }, (_, i) => (i % 7) * 1e6), [8, 4]), sn.tensor(new Float32Array(8).fill(1), [8, 1]),
      { epochs: 3, batchSize: 2, verbose: 0, callbacks: [sn.callbacks.terminateOnNaN()] });
  } finally { console.log = log; }
  expect(wild.getWeights().some((t) => t.data.some((v) => !Number.isFinite(v)))).toBe(true);
  return wild;
}
