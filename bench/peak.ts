// The Wasm SIMD peak of this host, beside which the benchmarks report their GFLOP/s.
import type { Runtime } from '../src/runtime/wasm.js';

/** GFLOP/s of one probe: the best of 9 runs once V8 has tiered it up. */
function probe(run: (iters: number) => void): number {
  const iters = 4_000_000;
  for (let r = 0; r < 3; r++) run(iters); // Liftoff -> TurboFan
  let best = Infinity;
  for (let r = 0; r < 9; r++) {
    const t0 = performance.now();
    run(iters);
    best = Math.min(best, performance.now() - t0);
  }
  return (iters * 12 * 4 * 2) / (best / 1000) / 1e9;
}

/**
 * The f32x4 multiply-add peak: the higher of the chained probe (v = v·a + b, 12 chains) and the accumulate-form
 * probe (acc = a·b + acc, as a GEMM's accumulators), each the best of 9 runs. With separate mul and add the
 * chained probe is latency-bound on some hosts (AMD Zen 5: a GEMM passes it), so the ceiling is the higher one.
 */
export function peak(rt: Runtime): number {
  return Math.max(probe((n) => rt.k.peak_probe(n, 0.5)), probe((n) => rt.k.peak_probe_acc(n, 0.5, rt.gemmScratch)));
}

/** Both probes, for reports: chained and accumulate form, GFLOP/s. */
export function peaks(rt: Runtime): { chained: number; accumulate: number } {
  return { chained: probe((n) => rt.k.peak_probe(n, 0.5)), accumulate: probe((n) => rt.k.peak_probe_acc(n, 0.5, rt.gemmScratch)) };
}
