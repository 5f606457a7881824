// Which kernel build runs: relaxed SIMD by default wherever the host runs it — Node 20 included, where the Node
// host adapter turns V8's flag on at run time — plain SIMD with SIMDNET_WASM=simd or flavour 'simd'.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { createRuntime, envFlavour, relaxedSimdSupported } from '../../src/runtime/wasm.js';

const run = promisify(execFile);

/** A fresh Node with no flags: the build it loads, and whether relaxed SIMD validates, under env. */
async function fresh(env: Record<string, string | undefined>): Promise<string> {
  const script = `const sn = await import(${JSON.stringify(path.resolve('dist/src/index.js'))});` +
    "await sn.ready(); console.log(sn.backend(), process.execArgv.filter((a) => a.startsWith('--experimental-wasm')).length);";
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script],
    { env: { ...process.env, SIMDNET_WASM: undefined, NODE_OPTIONS: undefined, ...env } as NodeJS.ProcessEnv });
  return stdout.trim();
}

describe('kernel build selection', () => {
  it('runs the build SIMDNET_WASM asks for (unset or auto: relaxed wherever the host runs it)', () => {
    const env = envFlavour();
    const want = env === 'simd' ? 'simd' : env === 'relaxed-simd' || relaxedSimdSupported() ? 'relaxed-simd' : 'simd';
    expect(sn.backend()).toBe(want);
  });

  it('Node 20 gets relaxed SIMD without flags; SIMDNET_WASM=simd opts out; a bad value names the variable', async () => {
    expect(relaxedSimdSupported()).toBe(true); // Node ≥ 20: V8 has it, by default or through the adapter's flag
    expect(await fresh({})).toBe('relaxed-simd 0');
    expect(await fresh({ SIMDNET_WASM: 'auto' })).toBe('relaxed-simd 0');
    expect(await fresh({ SIMDNET_WASM: 'simd' })).toBe('simd 0');
    await expect(fresh({ SIMDNET_WASM: 'avx' })).rejects.toThrow(/SIMDNET_WASM must be one of auto, simd, relaxed, got "avx"/);
  });

  it('the plain SIMD build can always be forced', async () => {
    const plain = await createRuntime({ flavour: 'simd' });
    expect(plain.flavour).toBe('simd');
  });

  it('both builds compute the same GEMM within tolerance, and relaxed really fuses where the host has FMA', async () => {
    const a = await createRuntime({ flavour: 'simd' }), b = await createRuntime({ flavour: 'relaxed-simd' });
    expect(b.flavour).toBe('relaxed-simd');
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
    // the builds differ somewhere in the last bits: the relaxed one rounds once per multiply-add (x86-64 hosts
    // with FMA3, as every one this suite runs on)
    expect(results[0].some((v, i) => v !== results[1][i])).toBe(true);
  });
});
