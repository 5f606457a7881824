// The Wasm SIMD peak of this host, beside which the benchmarks report their GFLOP/s.
import type { Runtime } from '../src/runtime/wasm.js';

/** GFLOP/s of the f32x4 multiply-add peak probe: the best of 9 runs once V8 has tiered the probe up. */
export function peak(rt: Runtime): number {
  const iters = 4_000_000;
  for (let r = 0; r < 3; r++) rt.k.peak_probe(iters, 0.5); // Liftoff -> TurboFan
  let best = Infinity;
  for (let r = 0; r < 9; r++) {
    const t0 = performance.now();
    rt.k.peak_probe(iters, 0.5);
    best = Math.min(best, performance.now() - t0);
  }
  return (iters * 12 * 4 * 2) / (best / 1000) / 1e9;
}
