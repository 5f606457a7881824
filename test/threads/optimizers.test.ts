// Optimizer updates split over threads (ranges of 4 parameters, elementwise): every optimizer gives the same
// bits on 1 and 2 threads for a parameter count that is not a multiple of 4, and the update reaches the worker.
import { afterAll, describe, expect, it } from 'vitest';
import { Adagrad, Adam, RMSprop, SGD, type Optimizer } from '../../src/engine/optimizers.js';
import { setSplitThreshold, shutdown, threadStats, useThreads } from '../../src/threads/index.js';
import { rand, rt } from '../helpers.js';

afterAll(async () => { await useThreads(rt, 1); shutdown(); });

const N = 100_003;

async function run(make: () => Optimizer, threads: number): Promise<string> {
  await useThreads(rt, threads);
  const opt = make(), owner = {};
  const p = rt.arena.alloc(N * 4, 'test params'), g = rt.arena.alloc(N * 4, 'test grads');
  try {
    rt.f32(p, N).set(rand(N, 1, -1, 1));
    for (let step = 0; step < 3; step++) {
      rt.f32(g, N).set(rand(N, 10 + step, -1, 1));
      opt.step(rt, owner, p, g, N);
    }
    return Buffer.from(rt.f32(p, N).slice().buffer).toString('base64');
  } finally {
    opt.reset();
    rt.arena.release(g);
    rt.arena.release(p);
  }
}

describe('optimizer updates on threads', () => {
  const cases: [string, string, () => Optimizer][] = [
    ['SGD', 'sgd_update', () => new SGD({ learningRate: 0.1 })],
    ['SGD Nesterov', 'sgd_update', () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true })],
    ['Adam', 'adam_update', () => new Adam()],
    ['Adagrad', 'adagrad_update', () => new Adagrad()],
    ['RMSprop with momentum', 'rmsprop_update', () => new RMSprop({ momentum: 0.5 })],
  ];
  for (const [label, op, make] of cases) {
    it(`${label}: the same bits on 1 and 2 threads, the update running on the worker`, async () => {
      const prev = setSplitThreshold(1);
      try {
        const one = await run(make, 1);
        const before = threadStats().workerOps[op] ?? 0;
        const two = await run(make, 2);
        expect(threadStats().workerOps[op] ?? 0, `${op} on the worker`).toBeGreaterThan(before);
        expect(two).toBe(one);
      } finally { setSplitThreshold(prev); }
    });
  }
});
