// Shared tiny models and data for the callback tests: a Dense(2, softmax) on 4 features, a few samples.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sn from '../../src/index.js';
import type { Logs } from '../../src/engine/callback.js';

import { randomArray as rand } from '../helpers.js';

export { rand };

/** n samples of 4 features; class 1 when x0 + x1 > x2 + x3. */
export function tinyData(n = 8, seed = 1): { x: sn.Tensor; y: sn.Tensor; labels: Int32Array } {
  const x = rand(n * 4, seed);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = x[i * 4] + x[i * 4 + 1] > x[i * 4 + 2] + x[i * 4 + 3] ? 1 : 0;
  return { x: sn.tensor(x, [n, 4]), y: sn.utils.toCategorical(labels, 2), labels };
}

/** The same samples with the labels flipped: a validation set whose loss rises while the model learns. */
export function flipped(y: sn.Tensor): sn.Tensor {
  return sn.tensor(Float32Array.from(y.data, (v) => 1 - v), [...y.shape]);
}

export function tinyModel(opts: { optimizer?: sn.Optimizer | string; loss?: string; metrics?: string[]; seed?: number } = {}): sn.Sequential {
  const m = sn.sequential({ seed: opts.seed ?? 1337 });
  m.add(sn.layers.dense({ units: 2, activation: 'softmax', inputShape: [4] }));
  m.compile({
    optimizer: opts.optimizer ?? sn.optimizers.sgd({ learningRate: 0.1 }),
    loss: opts.loss ?? 'categoricalCrossentropy',
    metrics: opts.metrics ?? ['accuracy'],
  });
  return m;
}

/** The params fit() would give callbacks (for driving hooks by hand). */
export function params(epochs: number, steps = 1): { epochs: number; steps: number; samples: number; batchSize: number; verbose: number; metrics: string[] } {
  return { epochs, steps, samples: steps * 4, batchSize: 4, verbose: 0, metrics: ['accuracy'] };
}

/**
 * A hook object that overwrites logs[key] with scripted[epoch] at each epoch end: placed before a callback
 * in fit's callbacks, it makes that callback see a scripted sequence during a real fit.
 */
export function script(key: string, scripted: number[]): { onEpochEnd: (epoch: number, logs?: Logs) => void } {
  return { onEpochEnd: (epoch, logs) => { logs![key] = scripted[epoch]; } };
}

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `simdnet-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Bitwise equality of two weight lists. */
export function sameWeights(a: sn.Tensor[], b: sn.Tensor[]): boolean {
  return a.length === b.length && a.every((t, i) => t.shape.join() === b[i].shape.join() &&
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(Buffer.from(b[i].data.buffer, b[i].data.byteOffset, b[i].data.byteLength)));
}

/** Concatenated float32 bytes of a weight list (what weights.bin holds). */
export function weightBytes(ws: sn.Tensor[]): Buffer {
  return Buffer.concat(ws.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
}
