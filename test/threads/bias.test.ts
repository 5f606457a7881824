// The bias gradient on threads (src/layers/activations.ts: narrow rows split by blocks of rows, wide rows by
// columns): the same bits on 1 and 2 threads for each path, with and without ReLU's mask, the work reaching the
// worker, close to a float64 sum.
import { afterAll, describe, expect, it } from 'vitest';
import { activationBiasBackward, biasBackward } from '../../src/layers/activations.js';
import { setSplitThreshold, shutdown, threadStats, useThreads } from '../../src/threads/index.js';
import { rand, rt } from '../helpers.js';

afterAll(async () => { await useThreads(rt, 1); shutdown(); });

async function run(threads: number, rows: number, cols: number, relu: boolean): Promise<{ db: Float32Array; dx: Float32Array }> {
  await useThreads(rt, threads);
  const n = rows * cols;
  const dy = rt.arena.alloc(n * 4), y = rt.arena.alloc(n * 4), db = rt.arena.alloc(cols * 4);
  try {
    rt.f32(dy, n).set(rand(n, rows, -1, 1));
    rt.f32(y, n).set(rand(n, rows + 1, -1, 1));
    rt.f32(db, cols).set(rand(cols, 3, -1, 1));
    if (relu) activationBiasBackward(rt, 'relu', dy, y, y, db, rows, cols, false, 'test');
    else biasBackward(rt, db, dy, rows, cols, 'test');
    return { db: rt.f32(db, cols).slice(), dx: rt.f32(dy, n).slice() };
  } finally {
    for (const p of [db, y, dy]) rt.arena.release(p);
  }
}

describe('bias gradient on threads', () => {
  // [rows, cols, the kernel the split runs]: a convolution's rows (batch × pixels) of 32 and 53 channels, a short
  // batch, wide rows
  const cases: [number, number, string][] = [[8 * 42 * 42, 32, 'bias_block_sums'], [1000, 53, 'bias_block_sums'], [100, 32, 'bias_backward'],
    [300, 1024, 'bias_backward']];
  for (const [rows, cols, op] of cases) {
    for (const relu of [false, true]) {
      const kernel = relu && op === 'bias_backward' ? 'relu_bias_backward' : op;
      it(`${rows}×${cols}${relu ? ' through ReLU' : ''} (${kernel}): the same bits on 1 and 2 threads, near a float64 sum`, async () => {
        const prev = setSplitThreshold(0.01);
        try {
          const one = await run(1, rows, cols, relu);
          const before = threadStats().workerOps[kernel] ?? 0;
          const two = await run(2, rows, cols, relu);
          expect(threadStats().workerOps[kernel] ?? 0, `${kernel} on the worker`).toBeGreaterThan(before);
          expect(Buffer.from(two.db.buffer).equals(Buffer.from(one.db.buffer)), 'db bits').toBe(true);
          expect(Buffer.from(two.dx.buffer).equals(Buffer.from(one.dx.buffer)), 'dx bits').toBe(true);
          const dy = rand(rows * cols, rows, -1, 1), y = rand(rows * cols, rows + 1, -1, 1), db0 = rand(cols, 3, -1, 1);
          for (let j = 0; j < cols; j++) {
            let s = db0[j];
            for (let i = 0; i < rows; i++) s += relu && !(y[i * cols + j] > 0) ? 0 : dy[i * cols + j];
            expect(Math.abs(one.db[j] - s), `column ${j}`).toBeLessThan(1e-6 * rows);
          }
        } finally { setSplitThreshold(prev); }
      });
    }
  }
});
