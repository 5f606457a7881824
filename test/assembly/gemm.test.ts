// One generic tester for every GEMM micro-kernel (assembly/gemm_ukernels.ts) against a naive reference, over
// awkward sizes (M around the 4- and 6-row tiles, K past the KC = 512 block and not a multiple of 4, N past
// NC = 256), every mode, strided / transposed B and indirect A, through gemm (B packed per call) and
// gemm_packed (B packed once); and every micro-kernel gives the same bits as every other.
import { describe, expect, it } from 'vitest';
import { GEMM_ACC, GEMM_BIAS, GEMM_RELU, GEMM_SET, GEMM_UKERNEL_SHIFT } from '../../src/runtime/wasm.js';
import { UKERNELS, ukernelName } from '../../src/runtime/ukernels.js';
import { maxRelError, randomArray, rt } from '../helpers.js';

interface Case { m: number; n: number; k: number; mode: number; transB: boolean; transA: boolean }

function naive(c: Float32Array, a: Float32Array, b: Float32Array, bias: Float32Array, cs: Case): Float64Array {
  const { m, n, k, transA, transB } = cs;
  const mode = cs.mode & 3, relu = (cs.mode & GEMM_RELU) !== 0;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = mode === GEMM_ACC ? c[i * n + j] : mode === GEMM_BIAS ? bias[j] : 0;
      for (let r = 0; r < k; r++) {
        const av = transA ? a[r * m + i] : a[i * k + r];
        const bv = transB ? b[j * k + r] : b[r * n + j];
        s += av * bv;
      }
      out[i * n + j] = relu ? Math.max(s, 0) : s;
    }
  }
  return out;
}

/** C from gemm (or gemm_packed, B packed once by gemm_pack) with micro-kernel `code`. */
function runGemm(cs: Case, seed: number, code: number, packed: boolean): { got: Float32Array; want: Float64Array } {
  const { m, n, k, mode, transA, transB } = cs;
  const a = randomArray(m * k, seed), b = randomArray(k * n, seed + 1), c0 = randomArray(m * n, seed + 2);
  const bias = randomArray(n, seed + 3);
  const arena = rt.arena;
  const pa = arena.alloc(a.length * 4), pb = arena.alloc(b.length * 4), pc = arena.alloc(c0.length * 4);
  const pbias = arena.alloc(n * 4), rows = arena.alloc(m * 4), red = arena.alloc(k * 4);
  rt.f32(pa, a.length).set(a); rt.f32(pb, b.length).set(b); rt.f32(pc, c0.length).set(c0); rt.f32(pbias, n).set(bias);
  // A(i, r) = a[rows[i] + red[r]]: row-major A is contiguous along the reduction (the splat kernels' own path),
  // Aᵀ is not (they fall back to load-splat)
  if (transA) { rt.k.strided_offsets(rows, m, 1); rt.k.strided_offsets(red, k, m); }
  else { rt.k.strided_offsets(rows, m, k); rt.k.strided_offsets(red, k, 1); }
  const [bRs, bCs] = transB ? [1, k] : [n, 1];
  const fullMode = mode | (code << GEMM_UKERNEL_SHIFT);
  if (packed) {
    const pp = arena.alloc(Math.max(1, rt.k.gemm_packed_floats(n, k)) * 4);
    rt.k.gemm_pack(pp, pb, bRs, bCs, n, k);
    rt.k.gemm_packed(pc, n, pa, rows, red, pp, m, n, k, fullMode, pbias, rt.gemmScratch);
    arena.release(pp);
  } else {
    rt.k.gemm(pc, n, pa, rows, red, pb, bRs, bCs, m, n, k, fullMode, pbias, rt.gemmScratch);
  }
  const got = rt.f32(pc, m * n).slice();
  for (const p of [pa, pb, pc, pbias, rows, red]) arena.release(p);
  return { got, want: naive(c0, a, b, bias, cs) };
}

const sizes: [number, number, number][] = [
  [3, 5, 0], [1, 1, 1], [1, 8, 1], [3, 5, 7], [4, 8, 16], [5, 9, 3], [6, 8, 4], [7, 13, 29], [11, 17, 9], [12, 16, 35],
  [17, 31, 64], [33, 7, 100], [2, 257, 5], [6, 3, 513], [9, 300, 600], [64, 32, 288], [13, 1, 1030], [25, 24, 515],
];
const MODES = [GEMM_SET, GEMM_ACC, GEMM_BIAS, GEMM_BIAS | GEMM_RELU, GEMM_ACC | GEMM_RELU];
const bits = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

for (const u of UKERNELS) {
  describe(`gemm ${ukernelName(u.code, rt.flavour)}`, () => {
    for (const [m, n, k] of sizes) {
      for (const mode of MODES) {
        for (const [transA, transB] of [[false, false], [true, true]] as const) {
          it(`M=${m} N=${n} K=${k} mode=${mode}${transA ? ' A^T' : ''}${transB ? ' B^T' : ''}`, () => {
            const cs = { m, n, k, mode, transA, transB }, seed = m * 1000 + n * 10 + k;
            const { got, want } = runGemm(cs, seed, u.code, false);
            expect(maxRelError(got, want)).toBeLessThan(1e-5);
            if (mode & GEMM_RELU) expect(got.every((v) => v >= 0)).toBe(true);
            // the same bits as the first micro-kernel, and from B packed once
            if (u.code !== 0) expect(bits(got).equals(bits(runGemm(cs, seed, 0, false).got))).toBe(true);
            expect(bits(runGemm(cs, seed, u.code, true).got).equals(bits(got))).toBe(true);
          });
        }
      }
    }
  });
}

describe('gemm', () => {
  it.each(UKERNELS.map((u) => [ukernelName(u.code, rt.flavour), u.code]))('%s leaves C untouched outside the M x N block (ldc > N)', (_, code) => {
    const m = 7, n = 6, k = 4, ldc = 11;
    const a = randomArray(m * k, 1), b = randomArray(k * n, 2);
    const pa = rt.arena.alloc(a.length * 4), pb = rt.arena.alloc(b.length * 4), pc = rt.arena.alloc(m * ldc * 4);
    const rows = rt.arena.alloc(m * 4), red = rt.arena.alloc(k * 4);
    rt.f32(pa, a.length).set(a); rt.f32(pb, b.length).set(b); rt.f32(pc, m * ldc).fill(7);
    rt.k.strided_offsets(rows, m, k); rt.k.strided_offsets(red, k, 1);
    rt.k.gemm(pc, ldc, pa, rows, red, pb, n, 1, m, n, k, GEMM_SET | (code << GEMM_UKERNEL_SHIFT), 0, rt.gemmScratch);
    const c = rt.f32(pc, m * ldc);
    for (let i = 0; i < m; i++) for (let j = n; j < ldc; j++) expect(c[i * ldc + j]).toBe(7);
    const want = naive(new Float32Array(m * n), a, b, new Float32Array(n), { m, n, k, mode: GEMM_SET, transA: false, transB: false });
    const got = new Float32Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) got[i * n + j] = c[i * ldc + j];
    expect(maxRelError(got, want)).toBeLessThan(1e-5);
    for (const p of [pa, pb, pc, rows, red]) rt.arena.release(p);
  });
});
