// The GEMM micro-kernel config table (src/runtime/ukernels.ts): names, shape classes, the timed choice (once
// per runtime, every class and candidate timed; large GEMMs prime first, time later) and the overrides
// (SIMDNET_UKERNEL, setMicroKernel).
import { afterEach, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { createRuntime, GEMM_UKERNEL_SHIFT } from '../../src/runtime/wasm.js';
import { microKernels, SHAPE_CLASSES, setMicroKernel, shapeClass, ukernelBits, ukernelName, UKERNELS } from '../../src/runtime/ukernels.js';
import { rt } from '../helpers.js';

afterEach(() => { setMicroKernel(null); });

describe('GEMM micro-kernels', () => {
  it('are named as XNNPACK names them, per build', () => {
    expect(UKERNELS.map((u) => ukernelName(u.code, 'simd'))).toEqual([
      'f32_gemm_4x8__wasmsimd_loadsplat', 'f32_gemm_4x8__wasmsimd_splat', 'f32_gemm_6x8__wasmsimd_loadsplat', 'f32_gemm_6x8__wasmsimd_splat']);
    expect(ukernelName(2, 'relaxed-simd')).toBe('f32_gemm_6x8__wasmrelaxedsimd_fma_loadsplat');
  });

  it('sorts products into shape classes by M and K', () => {
    expect(shapeClass(51200, 27)).toBe('short-k');            // conv1 forward
    expect(shapeClass(46208, 288)).toBe('general');           // conv2 forward
    expect(shapeClass(288, 46208)).toBe('long-k');            // conv2 weight gradient
    expect(shapeClass(288, 1152)).toBe('general');            // conv6 forward (K ≥ 1024 but not ≫ M)
  });

  it('times every candidate on every class once per runtime, and keeps the fastest (within 3 %, lower codes first)', () => {
    const c = microKernels(rt, true);
    if (process.env.SIMDNET_UKERNEL) { expect(c.how).toBe('forced'); return; }
    expect(c.how).toBe('timed');
    for (const cls of SHAPE_CLASSES) {
      const us = c.us![cls];
      expect(us).toHaveLength(UKERNELS.length);
      expect(us.every((t) => t > 0 && Number.isFinite(t))).toBe(true);
      expect(us[c.codes[cls]] * 0.97).toBeLessThanOrEqual(Math.min(...us));
    }
    expect(c.ms).toBeLessThan(3000);
    expect(microKernels(rt, true)).toBe(c); // cached: no second timing
    expect(ukernelBits(rt, 'general', 1)).toBe(c.codes.general << GEMM_UKERNEL_SHIFT);
  });

  it('large GEMMs prime the candidates first and time them at least 250 ms later; small ones never start it', async () => {
    if (process.env.SIMDNET_UKERNEL) return;
    const own = await createRuntime({ flavour: rt.flavour, shared: false });
    expect(ukernelBits(own, 'general', 1000)).toBe(0);
    expect(microKernels(own).how).toBe('default');
    expect(ukernelBits(own, 'general', 13e6)).toBe(0); // one image through the lab CNN's conv2: nothing starts
    expect(ukernelBits(own, 'general', 1 << 26)).toBe(0); // primes
    expect(microKernels(own).how).toBe('default');
    await new Promise((r) => setTimeout(r, 300));
    const bits = ukernelBits(own, 'long-k', 1 << 26); // times
    const c = microKernels(own);
    expect(c.how).toBe('timed');
    expect(bits).toBe(c.codes['long-k'] << GEMM_UKERNEL_SHIFT);
  });

  it('can be forced by name (short or full) through setMicroKernel and SIMDNET_UKERNEL', () => {
    setMicroKernel('6x8_splat');
    expect(microKernels(rt).how).toBe('forced');
    for (const cls of SHAPE_CLASSES) expect(ukernelBits(rt, cls, 1 << 30)).toBe(3 << GEMM_UKERNEL_SHIFT);
    expect(setMicroKernel('f32_gemm_4x8__wasmrelaxedsimd_fma_splat')).toBe('6x8_splat');
    expect(ukernelBits(rt, 'long-k', 1)).toBe(1 << GEMM_UKERNEL_SHIFT);
    expect(sn.microKernels().kernels.general).toBe(ukernelName(1, rt.flavour));
    setMicroKernel(null);
    const prev = process.env.SIMDNET_UKERNEL;
    process.env.SIMDNET_UKERNEL = '6x8_loadsplat';
    try {
      expect(ukernelBits(rt, 'winograd', 1)).toBe(2 << GEMM_UKERNEL_SHIFT);
      process.env.SIMDNET_UKERNEL = '8x8';
      expect(() => ukernelBits(rt, 'general', 1)).toThrow(/SIMDNET_UKERNEL must be 'auto' or one of 4x8_loadsplat, 4x8_splat, 6x8_loadsplat, 6x8_splat .*got "8x8"/);
    } finally {
      if (prev === undefined) delete process.env.SIMDNET_UKERNEL; else process.env.SIMDNET_UKERNEL = prev;
    }
    expect(() => setMicroKernel('avx512')).toThrow(/setMicroKernel must be 'auto' or one of/);
  });
});
