// parallelGemm's split over threads (src/threads/index.ts): by rows of C, or by 8-column panels where that shares
// the work more evenly (few rows: a first convolution's weight gradient has 27). Either way the same bits as one
// call of the kernel on one thread, in every mode, with a bias, N past the 256-column block and not a multiple of 8,
// and the work reaching the worker.
import { afterAll, describe, expect, it } from 'vitest';
import { parallelGemm, setSplitThreshold, shutdown, threadStats, useThreads } from '../../src/threads/index.js';
import { GEMM_ACC, GEMM_BIAS, GEMM_RELU, GEMM_SET } from '../../src/runtime/wasm.js';
import { randomArray, rt } from '../helpers.js';

afterAll(async () => { await useThreads(rt, 1); shutdown(); });

const bits = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');

/** C after parallelGemm on `threads` threads, or after one direct kernel call (threads 0); B row-major, or column-major (transB). */
async function product(m: number, n: number, k: number, mode: number, threads: number, transB: boolean): Promise<string> {
  if (threads) await useThreads(rt, threads);
  const arena = rt.arena;
  const pa = arena.alloc(m * k * 4), pb = arena.alloc(k * n * 4), pc = arena.alloc(m * n * 4), pbias = arena.alloc(n * 4);
  const rows = arena.alloc(m * 4), red = arena.alloc(k * 4);
  const [bRs, bCs] = transB ? [1, k] : [n, 1];
  try {
    rt.f32(pa, m * k).set(randomArray(m * k, 1)); rt.f32(pb, k * n).set(randomArray(k * n, 2));
    rt.f32(pc, m * n).set(randomArray(m * n, 3)); rt.f32(pbias, n).set(randomArray(n, 4));
    rt.k.strided_offsets(rows, m, k); rt.k.strided_offsets(red, k, 1);
    if (threads) parallelGemm(rt, pc, n, pa, rows, red, pb, bRs, bCs, m, n, k, mode, pbias, 'a test GEMM');
    else rt.k.gemm(pc, n, pa, rows, red, pb, bRs, bCs, m, n, k, mode, pbias, rt.gemmScratch);
    return bits(rt.f32(pc, m * n));
  } finally {
    for (const p of [pa, pb, pc, pbias, rows, red]) arena.release(p);
  }
}

describe('parallelGemm on threads', () => {
  // [M, N, K, B column-major]: 7 row tiles and 4 panels (split by columns), 3 row tiles and 75 panels (by columns,
  // the second thread's from column 304: past NC = 256, K past KC = 512), the same with B column-major (its offset
  // by bCs), 16 row tiles and 2 panels (by rows), 9 rows and 61 columns (a short last panel)
  const shapes: [number, number, number, boolean][] = [[27, 32, 300, false], [9, 600, 700, false], [9, 600, 700, true], [64, 16, 90, false],
    [9, 61, 200, false]];
  for (const [m, n, k, transB] of shapes) {
    for (const mode of [GEMM_SET, GEMM_ACC, GEMM_BIAS | GEMM_RELU]) {
      it(`M=${m} N=${n} K=${k}${transB ? ' Bᵀ' : ''} mode ${mode}: the same bits as one call of the kernel, on 1 and 2 threads`, async () => {
        const prev = setSplitThreshold(0.001);
        try {
          const direct = await product(m, n, k, mode, 0, transB);
          expect(await product(m, n, k, mode, 1, transB)).toBe(direct);
          const before = threadStats().workerOps.gemm ?? 0;
          expect(await product(m, n, k, mode, 2, transB)).toBe(direct);
          expect(threadStats().workerOps.gemm ?? 0, 'gemm on the worker').toBeGreaterThan(before);
        } finally { setSplitThreshold(prev); }
      });
    }
  }
});
