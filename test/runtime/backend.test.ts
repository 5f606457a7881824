import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { createRuntime, relaxedSimdSupported } from '../../src/runtime/wasm.js';

describe('kernel build selection', () => {
  it('runs the build the host supports (relaxed SIMD only where it validates)', () => {
    const want = process.env.SIMDNET_WASM === 'relaxed' ? 'relaxed-simd' : relaxedSimdSupported() ? 'relaxed-simd' : 'simd';
    expect(sn.backend()).toBe(want);
  });

  it('the plain SIMD build can always be forced, and relaxed fails clearly where unsupported', async () => {
    const plain = await createRuntime({ flavour: 'simd' });
    expect(plain.flavour).toBe('simd');
    if (!relaxedSimdSupported()) {
      await expect(createRuntime({ flavour: 'relaxed-simd' })).rejects.toThrow(/--experimental-wasm-relaxed-simd/);
    }
  });

  // runs in the SIMDNET_WASM=relaxed pass of npm test, where both builds load
  it.skipIf(!relaxedSimdSupported())('both builds compute the same GEMM within tolerance', async () => {
    const a = await createRuntime({ flavour: 'simd' }), b = await createRuntime({ flavour: 'relaxed-simd' });
    const results = [a, b].map((rt) => {
      const m = 37, n = 19, k = 300;
      const pa = rt.arena.alloc(m * k * 4), pb = rt.arena.alloc(k * n * 4), pc = rt.arena.alloc(m * n * 4);
      const rows = rt.arena.alloc(m * 4), red = rt.arena.alloc(k * 4);
      rt.f32(pa, m * k).forEach((_, i, arr) => { arr[i] = Math.sin(i); });
      rt.f32(pb, k * n).forEach((_, i, arr) => { arr[i] = Math.cos(i); });
      rt.k.strided_offsets(rows, m, k); rt.k.strided_offsets(red, k, 1);
      rt.k.gemm(pc, n, pa, rows, red, pb, n, 1, m, n, k, 0, 0, rt.gemmScratch);
      return rt.f32(pc, m * n).slice();
    });
    results[0].forEach((v, i) => expect(Math.abs(v - results[1][i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(v))));
  });
});
