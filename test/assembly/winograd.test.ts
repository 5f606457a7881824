// Winograd F(m×m, 3×3) kernels (assembly/winograd.ts) against a float64 direct convolution over awkward
// sizes (channels 1..9, ragged tiles, padding 0..2, one tile to many); any split of the tiles gives the same
// bits; gemm_packed gives gemm's bits (same micro-kernel, same summation order).
import { describe, expect, it } from 'vitest';
import { GEMM_BIAS, GEMM_RELU, GEMM_SET } from '../../src/runtime/wasm.js';
import { maxRelError, randomArray, rt } from '../helpers.js';

interface Case { b: number; h: number; w: number; cin: number; cout: number; pad: number; mode: number }

/** y = bias + Σ x(oy + kh - pad, ox + kw - pad) · w[kh, kw], 0 outside x, in float64. */
function direct(x: Float32Array, w: Float32Array, bias: Float32Array, c: Case, ho: number, wo: number): Float64Array {
  const y = new Float64Array(c.b * ho * wo * c.cout);
  for (let n = 0; n < c.b; n++) for (let oy = 0; oy < ho; oy++) for (let ox = 0; ox < wo; ox++) for (let co = 0; co < c.cout; co++) {
    let s = (c.mode & 3) === GEMM_BIAS ? bias[co] : 0;
    for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) {
      const iy = oy + kh - c.pad, ix = ox + kw - c.pad;
      if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
      for (let ci = 0; ci < c.cin; ci++) s += x[((n * c.h + iy) * c.w + ix) * c.cin + ci] * w[((kh * 3 + kw) * c.cin + ci) * c.cout + co];
    }
    y[((n * ho + oy) * wo + ox) * c.cout + co] = c.mode & GEMM_RELU ? Math.max(s, 0) : s;
  }
  return y;
}

/** Runs the kernel on the tiles split into `parts` ranges; returns the output and the reference. */
function run(c: Case, m: number, parts: number, seed: number): { got: Float32Array; want: Float64Array } {
  const ho = c.h - 2 + 2 * c.pad, wo = c.w - 2 + 2 * c.pad;
  const k = rt.k, a = rt.arena;
  const x = randomArray(c.b * c.h * c.w * c.cin, seed), w = randomArray(9 * c.cin * c.cout, seed + 1, -0.5, 0.5);
  const bias = randomArray(c.cout, seed + 2);
  const px = a.alloc(x.length * 4), pw = a.alloc(w.length * 4), pb = a.alloc(bias.length * 4), py = a.alloc(c.b * ho * wo * c.cout * 4);
  const pu = a.alloc(k.winograd_filter_floats(m, c.cin, c.cout) * 4);
  const tmp = a.alloc(k.winograd_filter_tmp_floats(m, c.cin) * 4);
  rt.f32(px, x.length).set(x); rt.f32(pw, w.length).set(w); rt.f32(pb, bias.length).set(bias);
  rt.f32(py, c.b * ho * wo * c.cout).fill(NaN);
  k.winograd_filter_transform(pu, pw, m, c.cin, c.cout, 0, c.cout, tmp);
  const tiles = c.b * Math.ceil(ho / m) * Math.ceil(wo / m);
  const chunk = Math.ceil(tiles / parts);
  for (let t0 = 0; t0 < tiles; t0 += chunk) {
    k.winograd_conv3x3(py, px, pu, pb, c.mode, c.h, c.w, c.cin, ho, wo, c.cout, c.pad, c.pad, m, t0, Math.min(chunk, tiles - t0), rt.gemmScratch);
  }
  const got = rt.f32(py, c.b * ho * wo * c.cout).slice();
  for (const p of [px, pw, pb, py, pu, tmp]) a.release(p);
  return { got, want: direct(x, w, bias, c, ho, wo) };
}

const CASES: Case[] = [
  { b: 1, h: 3, w: 3, cin: 1, cout: 1, pad: 0, mode: GEMM_SET },              // one output pixel
  { b: 2, h: 7, w: 6, cin: 3, cout: 4, pad: 0, mode: GEMM_BIAS | GEMM_RELU },  // ragged tiles, Cin tail
  { b: 3, h: 9, w: 11, cin: 5, cout: 7, pad: 1, mode: GEMM_BIAS },             // 'same', tails on both sides
  { b: 2, h: 5, w: 4, cin: 9, cout: 6, pad: 2, mode: GEMM_SET },               // full padding (backward-data)
  { b: 1, h: 14, w: 16, cin: 8, cout: 12, pad: 0, mode: GEMM_BIAS | GEMM_RELU },
  { b: 2, h: 5, w: 5, cin: 40, cout: 36, pad: 0, mode: GEMM_BIAS },            // many channels, few tiles
];
// fp32 error grows with m (larger transform coefficients): the float64 tolerance per tile size
const TOL: Record<number, number> = { 2: 2e-6, 4: 2e-5, 6: 5e-5 };

describe('winograd_conv3x3', () => {
  for (const m of [2, 4, 6]) {
    it(`F(${m}x${m},3x3) matches a float64 direct convolution`, () => {
      CASES.forEach((c, i) => {
        const { got, want } = run(c, m, 1, 10 + i);
        expect(got.every(Number.isFinite), `case ${i}: every output written`).toBe(true);
        expect(maxRelError(got, want), `F(${m}) case ${i} ${JSON.stringify(c)}`).toBeLessThanOrEqual(TOL[m]);
      });
    });

    it(`F(${m}x${m},3x3) gives the same bits for any split of the tiles`, () => {
      for (const c of [CASES[2], CASES[4]]) {
        const whole = run(c, m, 1, 5).got;
        for (const parts of [2, 3, 7]) expect(Buffer.from(run(c, m, parts, 5).got.buffer).equals(Buffer.from(whole.buffer))).toBe(true);
      }
    });
  }

  it('transforms a filter in ranges of whole 8-channel groups (as threads split it) to the same bytes as in one call', () => {
    for (const [m, cin, cout] of [[2, 3, 7], [4, 5, 24], [4, 16, 41], [6, 9, 17]]) {
      const k = rt.k, a = rt.arena, floats = k.winograd_filter_floats(m, cin, cout);
      const pw = a.alloc(9 * cin * cout * 4), tmp = a.alloc(k.winograd_filter_tmp_floats(m, cin) * 4);
      const whole = a.alloc(floats * 4), parts = a.alloc(floats * 4);
      rt.f32(pw, 9 * cin * cout).set(randomArray(9 * cin * cout, cout));
      rt.f32(whole, floats).fill(NaN); rt.f32(parts, floats).fill(NaN);
      k.winograd_filter_transform(whole, pw, m, cin, cout, 0, cout, tmp);
      // last range first, ranges of 8 and 16 channels
      const ranges: [number, number][] = [];
      for (let c0 = 0, i = 0; c0 < cout; i++) { const n = i % 2 ? 16 : 8; ranges.push([c0, Math.min(n, cout - c0)]); c0 += n; }
      for (const [c0, n] of ranges.reverse()) k.winograd_filter_transform(parts, pw, m, cin, cout, c0, n, tmp);
      const got = rt.f32(parts, floats).slice(), want = rt.f32(whole, floats).slice();
      expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer)), `F(${m}) ${cin}->${cout}`).toBe(true);
      for (const p of [pw, tmp, whole, parts]) a.release(p);
    }
  });

  it('reports how many tiles fit a thread\'s scratch, and 0 when none do', () => {
    expect(rt.k.winograd_chunk_tiles(4, 32, 32) % 4).toBe(0);
    expect(rt.k.winograd_chunk_tiles(4, 32, 32)).toBeGreaterThanOrEqual(32);
    expect(rt.k.winograd_chunk_tiles(6, 2048, 2048)).toBe(0);
  });
});

describe('gemm_packed', () => {
  it('gemm_pack_columns in ranges of whole 8-column panels (as threads split it) packs the bytes gemm_pack does', () => {
    for (const [n, k] of [[5, 3], [24, 7], [300, 600], [1037, 33]]) {
      const ar = rt.arena, floats = rt.k.gemm_packed_floats(n, k);
      const pb = ar.alloc(n * k * 4), whole = ar.alloc(floats * 4), parts = ar.alloc(floats * 4);
      rt.f32(pb, n * k).set(randomArray(n * k, n));
      rt.f32(whole, floats).fill(NaN); rt.f32(parts, floats).fill(NaN);
      rt.k.gemm_pack(whole, pb, n, 1, n, k);
      for (let c0 = 0; c0 < n; c0 += 264) rt.k.gemm_pack_columns(parts, pb + c0 * 4, n, 1, n, k, c0, Math.min(264, n - c0));
      expect(Buffer.from(rt.f32(parts, floats).slice().buffer).equals(Buffer.from(rt.f32(whole, floats).slice().buffer)), `${n}x${k}`).toBe(true);
      for (const p of [pb, whole, parts]) ar.release(p);
    }
  });

  it('gives gemm\'s bits with B packed once (sizes past the KC and NC blocks)', () => {
    for (const [m, n, k] of [[5, 3, 2], [13, 9, 33], [7, 300, 600]]) {
      const a = randomArray(m * k, 1), b = randomArray(k * n, 2);
      const ar = rt.arena;
      const pa = ar.alloc(a.length * 4), pb = ar.alloc(b.length * 4), c1 = ar.alloc(m * n * 4), c2 = ar.alloc(m * n * 4);
      const rows = ar.alloc(m * 4), red = ar.alloc(k * 4), packed = ar.alloc(rt.k.gemm_packed_floats(n, k) * 4);
      rt.f32(pa, a.length).set(a); rt.f32(pb, b.length).set(b);
      rt.k.strided_offsets(rows, m, k); rt.k.strided_offsets(red, k, 1);
      rt.k.gemm(c1, n, pa, rows, red, pb, n, 1, m, n, k, GEMM_SET | GEMM_RELU, 0, rt.gemmScratch);
      rt.k.gemm_pack(packed, pb, n, 1, n, k);
      rt.k.gemm_packed(c2, n, pa, rows, red, packed, m, n, k, GEMM_SET | GEMM_RELU, 0, 0);
      expect(Buffer.from(rt.f32(c2, m * n).slice().buffer).equals(Buffer.from(rt.f32(c1, m * n).slice().buffer)), `${m}x${n}x${k}`).toBe(true);
      for (const p of [pa, pb, c1, c2, rows, red, packed]) ar.release(p);
    }
  });
});
