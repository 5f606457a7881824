// GEMM: C[M, N] (=, +=, = bias +) A[M, K] · B[K, N], all f32, pointers are byte offsets into the one memory.
//
// A is read *indirectly* through two i32 offset tables (in floats):
//   A(i, r) = a[rowOff[i] + redOff[r]]
// which expresses a plain row-major matrix (rowOff[i] = i*lda, redOff[r] = r), its transpose, and the
// implicit im2col matrix of a convolution (rowOff = window origin of output pixel i, redOff = (kh, kw, ci)
// offset inside the window) without materialising anything. The micro-kernel loads A with
// load32_splat, so A needs no packing. B is addressed with two strides, B(r, j) = b[r*bRs + j*bCs], and
// packed per (KC x NC) block into 8-column panels (zero-padded), k-major, so the micro-kernel streams it.
//
// Micro-kernel: f32_gemm_4x8__wasmsimd_loadsplat — 4 rows x 8 columns of accumulators (8 x f32x4).

import { madd } from './simd';

export const MODE_SET: i32 = 0;   // C = A·B
export const MODE_ACC: i32 = 1;   // C += A·B
export const MODE_BIAS: i32 = 2;  // C = bias[j] + A·B
export const FLAG_RELU: i32 = 4;  // or-ed into the mode: C = max(C, 0) once the product is complete

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 512;
const NC: i32 = 256;

// Floats of scratch that `gemm` needs at packBuf: one packed KC x NC block plus a padded bias block.
export function gemm_pack_floats(): i32 {
  return KC * NC + NC;
}

// Packs B(r, j) for r in [k0, k0+kc), j in [n0, n0+nc) into ceil(nc/8) panels of kc x 8 floats.
function pack_b(dst: usize, b: usize, bRs: i32, bCs: i32, k0: i32, kc: i32, n0: i32, nc: i32): void {
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const w = min(NR, nc - j0);
    let src = b + ((<usize>k0 * bRs + <usize>(n0 + j0) * bCs) << 2);
    if (w == NR && bCs == 1) {
      for (let r = 0; r < kc; r++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        dst += NR << 2;
        src += <usize>bRs << 2;
      }
    } else {
      for (let r = 0; r < kc; r++) {
        for (let j = 0; j < NR; j++) {
          store<f32>(dst + (j << 2), j < w ? load<f32>(src + ((<usize>j * bCs) << 2)) : 0);
        }
        dst += NR << 2;
        src += <usize>bRs << 2;
      }
    }
  }
}

// Stores (or adds) one 4-lane vector to c, clamping at 0 when relu; `cols` of its lanes are valid (1..4).
// @ts-ignore: decorator
@inline
function store_cols(c: usize, v: v128, cols: i32, add: bool, relu: bool): void {
  if (cols >= 4) {
    if (add) v = f32x4.add(v, v128.load(c));
    v128.store(c, relu ? f32x4.max(v, f32x4.splat(0)) : v);
    return;
  }
  let s0 = f32x4.extract_lane(v, 0) + (add ? load<f32>(c) : 0);
  store<f32>(c, relu ? max<f32>(s0, 0) : s0);
  if (cols > 1) {
    const s1 = f32x4.extract_lane(v, 1) + (add ? load<f32>(c, 4) : 0);
    store<f32>(c, relu ? max<f32>(s1, 0) : s1, 4);
  }
  if (cols > 2) {
    const s2 = f32x4.extract_lane(v, 2) + (add ? load<f32>(c, 8) : 0);
    store<f32>(c, relu ? max<f32>(s2, 0) : s2, 8);
  }
}

// @ts-ignore: decorator
@inline
function store_row(c: usize, lo: v128, hi: v128, cols: i32, add: bool, relu: bool): void {
  if (cols >= 8) {
    store_cols(c, lo, 4, add, relu);
    store_cols(c + 16, hi, 4, add, relu);
  } else if (cols > 4) {
    store_cols(c, lo, 4, add, relu);
    store_cols(c + 16, hi, cols - 4, add, relu);
  } else {
    store_cols(c, lo, cols, add, relu);
  }
}

// One 4x8 tile over reduction steps [0, kc). a0..a3 are row origins (bytes), red points at the
// reduction-offset table entry of the first step, bp at the packed panel. Rows beyond M alias row 0
// of the tile and are not stored (`rows`); columns beyond N are zero-padded in the panel (`cols`).
// @ts-ignore: decorator
@inline
function tile_4x8(c: usize, ldc: i32, a0: usize, a1: usize, a2: usize, a3: usize, red: usize, bp: usize,
                  kc: i32, rows: i32, cols: i32, add: bool, bias: usize, relu: bool): void {
  let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0);
  let vacc1x0123 = f32x4.splat(0), vacc1x4567 = f32x4.splat(0);
  let vacc2x0123 = f32x4.splat(0), vacc2x4567 = f32x4.splat(0);
  let vacc3x0123 = f32x4.splat(0), vacc3x4567 = f32x4.splat(0);
  const redEnd = red + (<usize>kc << 2);
  while (red < redEnd) {
    const off = <usize>load<i32>(red) << 2;
    const vb0123 = v128.load(bp);
    const vb4567 = v128.load(bp, 16);
    const va0 = v128.load32_splat(a0 + off);
    const va1 = v128.load32_splat(a1 + off);
    const va2 = v128.load32_splat(a2 + off);
    const va3 = v128.load32_splat(a3 + off);
    vacc0x0123 = madd(va0, vb0123, vacc0x0123);
    vacc0x4567 = madd(va0, vb4567, vacc0x4567);
    vacc1x0123 = madd(va1, vb0123, vacc1x0123);
    vacc1x4567 = madd(va1, vb4567, vacc1x4567);
    vacc2x0123 = madd(va2, vb0123, vacc2x0123);
    vacc2x4567 = madd(va2, vb4567, vacc2x4567);
    vacc3x0123 = madd(va3, vb0123, vacc3x0123);
    vacc3x4567 = madd(va3, vb4567, vacc3x4567);
    red += 4;
    bp += NR << 2;
  }
  if (bias) {
    // bias points at 8 floats, zero-padded past N
    const vbias0123 = v128.load(bias);
    const vbias4567 = v128.load(bias, 16);
    vacc0x0123 = f32x4.add(vacc0x0123, vbias0123); vacc0x4567 = f32x4.add(vacc0x4567, vbias4567);
    vacc1x0123 = f32x4.add(vacc1x0123, vbias0123); vacc1x4567 = f32x4.add(vacc1x4567, vbias4567);
    vacc2x0123 = f32x4.add(vacc2x0123, vbias0123); vacc2x4567 = f32x4.add(vacc2x4567, vbias4567);
    vacc3x0123 = f32x4.add(vacc3x0123, vbias0123); vacc3x4567 = f32x4.add(vacc3x4567, vbias4567);
  }
  const ldcb = <usize>ldc << 2;
  store_row(c, vacc0x0123, vacc0x4567, cols, add, relu);
  if (rows > 1) store_row(c + ldcb, vacc1x0123, vacc1x4567, cols, add, relu);
  if (rows > 2) store_row(c + 2 * ldcb, vacc2x0123, vacc2x4567, cols, add, relu);
  if (rows > 3) store_row(c + 3 * ldcb, vacc3x0123, vacc3x4567, cols, add, relu);
}

// c: C (ldc floats per row); a, rowOff (M entries), redOff (K entries): A as above;
// b, bRs, bCs: B; mode: MODE_*; bias: N floats (MODE_BIAS), read in groups of 8 from a copy padded
// inside packBuf; packBuf: gemm_pack_floats() floats of scratch.
export function gemm(c: usize, ldc: i32, a: usize, rowOff: usize, redOff: usize,
                     b: usize, bRs: i32, bCs: i32, m: i32, n: i32, k: i32,
                     mode: i32, bias: usize, packBuf: usize): void {
  const relu = (mode & FLAG_RELU) != 0;
  mode &= 3;
  const biasPad = packBuf + (<usize>KC * NC << 2);  // NC floats: bias[n0 .. n0+nc) zero-padded to 8
  if (k == 0) {
    // Empty reduction: C = 0, C unchanged or C = bias.
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const p = c + ((<usize>i * ldc + j) << 2);
        let v: f32 = mode == MODE_BIAS ? load<f32>(bias + (<usize>j << 2)) : mode == MODE_ACC ? load<f32>(p) : 0;
        store<f32>(p, relu ? max(v, 0) : v);
      }
    }
    return;
  }
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    const first = k0 == 0;
    const add = !first || mode == MODE_ACC;
    const useBias = first && mode == MODE_BIAS;
    const last = k0 + kc == k;
    for (let n0 = 0; n0 < n; n0 += NC) {
      const nc = min(NC, n - n0);
      pack_b(packBuf, b, bRs, bCs, k0, kc, n0, nc);
      if (useBias) {
        const ncPad = (nc + NR - 1) & ~(NR - 1);
        for (let j = 0; j < ncPad; j++) {
          store<f32>(biasPad + (<usize>j << 2), j < nc ? load<f32>(bias + (<usize>(n0 + j) << 2)) : 0);
        }
      }
      gemm_block(c + (<usize>n0 << 2), ldc, a, rowOff, redOff + (<usize>k0 << 2), packBuf, m, nc, kc, add,
                 useBias ? biasPad : 0, relu && last);
    }
  }
}

// Rows [0, m) of C's columns [0, nc) (+)= A(·, k0 .. k0+kc) · one packed kc×nc block of B at bp; bias (8-padded
// floats, or 0) and relu apply to this block's result.
// @ts-ignore: decorator
@inline
function gemm_block(c: usize, ldc: i32, a: usize, rowOff: usize, red: usize, bp0: usize, m: i32, nc: i32, kc: i32,
                    add: bool, bias: usize, relu: bool): void {
  for (let i0 = 0; i0 < m; i0 += MR) {
    const rows = min(MR, m - i0);
    const ro = rowOff + (<usize>i0 << 2);
    const a0 = a + (<usize>load<i32>(ro) << 2);
    const a1 = rows > 1 ? a + (<usize>load<i32>(ro, 4) << 2) : a0;
    const a2 = rows > 2 ? a + (<usize>load<i32>(ro, 8) << 2) : a0;
    const a3 = rows > 3 ? a + (<usize>load<i32>(ro, 12) << 2) : a0;
    let bp = bp0;
    for (let j0 = 0; j0 < nc; j0 += NR) {
      const cols = min(NR, nc - j0);
      const bptr: usize = bias ? bias + (<usize>j0 << 2) : 0;
      const cp = c + ((<usize>i0 * ldc + j0) << 2);
      tile_4x8(cp, ldc, a0, a1, a2, a3, red, bp, kc, rows, cols, add, bptr, relu);
      bp += <usize>kc * NR << 2;
    }
  }
}

// ---- B packed once, for many products with the same B (Winograd's transformed filters) -------------------
// The packed form is every KC×NC block that `gemm` packs, in the order gemm visits them (k0 outer, n0
// inner): block (k0, n0) starts at k0 * packedCols(n) + kc * n0 floats.

function packed_cols(n: i32): i32 {
  let cols = 0;
  for (let n0 = 0; n0 < n; n0 += NC) cols += (min(NC, n - n0) + NR - 1) & ~(NR - 1);
  return cols;
}

// Floats of a packed K×N matrix B.
export function gemm_packed_floats(n: i32, k: i32): i32 {
  return k * packed_cols(n);
}

// dst (gemm_packed_floats(n, k) floats) = B(r, j) = b[r*bRs + j*bCs], r < k, j < n, packed.
export function gemm_pack(dst: usize, b: usize, bRs: i32, bCs: i32, n: i32, k: i32): void {
  const cols = packed_cols(n);
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    for (let n0 = 0; n0 < n; n0 += NC) {
      pack_b(dst + ((<usize>k0 * cols + <usize>kc * n0) << 2), b, bRs, bCs, k0, kc, n0, min(NC, n - n0));
    }
  }
}

// gemm with B packed by gemm_pack (modes MODE_SET and MODE_ACC, FLAG_RELU; no bias): the same
// micro-kernel and summation order as gemm, without packing B again.
export function gemm_packed(c: usize, ldc: i32, a: usize, rowOff: usize, redOff: usize, packed: usize,
                            m: i32, n: i32, k: i32, mode: i32): void {
  const relu = (mode & FLAG_RELU) != 0;
  const cols = packed_cols(n);
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    const add = k0 > 0 || (mode & 3) == MODE_ACC;
    for (let n0 = 0; n0 < n; n0 += NC) {
      const bp = packed + ((<usize>k0 * cols + <usize>kc * n0) << 2);
      gemm_block(c + (<usize>n0 << 2), ldc, a, rowOff, redOff + (<usize>k0 << 2), bp, m, min(NC, n - n0), kc, add, 0,
                 relu && k0 + kc == k);
    }
  }
}

// Offset tables for plain strided matrices: dst[i] = i * stride, i < n.
export function strided_offsets(dst: usize, n: i32, stride: i32): void {
  for (let i = 0; i < n; i++) store<i32>(dst + (<usize>i << 2), i * stride);
}
