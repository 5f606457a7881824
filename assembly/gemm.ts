// GEMM: C[M, N] (=, +=, = bias +) A[M, K] · B[K, N], all f32, pointers are byte offsets into the one memory.
//
// A is read *indirectly* through two i32 offset tables (in floats):
//   A(i, r) = a[rowOff[i] + redOff[r]]
// which expresses a plain row-major matrix (rowOff[i] = i*lda, redOff[r] = r), its transpose, and the
// implicit im2col matrix of a convolution (rowOff = window origin of output pixel i, redOff = (kh, kw, ci)
// offset inside the window) without materialising anything, so A needs no packing. B is addressed with two
// strides, B(r, j) = b[r*bRs + j*bCs], and packed per (KC x NC) block into 8-column panels (zero-padded),
// k-major, so the micro-kernel streams it — by `gemm` on every call, or once by `gemm_pack` for `gemm_packed`.
//
// Micro-kernels (assembly/gemm_ukernels.ts, generated): MR x 8 tiles of f32x4 accumulators, MR = 4 or 6, A
// broadcast from memory (loadsplat) or from a register (splat). The caller names one in the mode word
// (bits UKERNEL_SHIFT..; the runtime picks by timing, src/runtime/ukernels.ts); all give the same bits.

import { f32_gemm_4x8_loadsplat, f32_gemm_4x8_splat, f32_gemm_6x8_loadsplat, f32_gemm_6x8_splat } from './gemm_ukernels';

export const MODE_SET: i32 = 0;   // C = A·B
export const MODE_ACC: i32 = 1;   // C += A·B
export const MODE_BIAS: i32 = 2;  // C = bias[j] + A·B
export const FLAG_RELU: i32 = 4;  // or-ed into the mode: C = max(C, 0) once the product is complete
// The micro-kernel, or-ed into the mode as (UKERNEL_* << UKERNEL_SHIFT); 0 is the 4x8 load-splat kernel.
export const UKERNEL_SHIFT: i32 = 3;
export const UKERNEL_4X8_LOADSPLAT: i32 = 0;
export const UKERNEL_4X8_SPLAT: i32 = 1;
export const UKERNEL_6X8_LOADSPLAT: i32 = 2;
export const UKERNEL_6X8_SPLAT: i32 = 3;
export const UKERNEL_COUNT: i32 = 4;

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

// c: C (ldc floats per row); a, rowOff (M entries), redOff (K entries): A as above;
// b, bRs, bCs: B; mode: MODE_* | FLAG_RELU | ukernel << UKERNEL_SHIFT; bias: N floats (MODE_BIAS), read in
// groups of 8 from a copy padded inside packBuf; packBuf: gemm_pack_floats() floats of scratch.
export function gemm(c: usize, ldc: i32, a: usize, rowOff: usize, redOff: usize,
                     b: usize, bRs: i32, bCs: i32, m: i32, n: i32, k: i32,
                     mode: i32, bias: usize, packBuf: usize): void {
  const uk = mode >> UKERNEL_SHIFT;
  if (uk == UKERNEL_4X8_SPLAT) gemm__4x8_splat(c, ldc, a, rowOff, redOff, b, bRs, bCs, m, n, k, mode, bias, packBuf);
  else if (uk == UKERNEL_6X8_LOADSPLAT) gemm__6x8_loadsplat(c, ldc, a, rowOff, redOff, b, bRs, bCs, m, n, k, mode, bias, packBuf);
  else if (uk == UKERNEL_6X8_SPLAT) gemm__6x8_splat(c, ldc, a, rowOff, redOff, b, bRs, bCs, m, n, k, mode, bias, packBuf);
  else gemm__4x8_loadsplat(c, ldc, a, rowOff, redOff, b, bRs, bCs, m, n, k, mode, bias, packBuf);
}

// One whole GEMM driver per micro-kernel, each with its kernel inlined (exported so the optimizer keeps them
// apart: V8 compiles each on its own, and the kernel's loop sits in the driver as in a hand-written GEMM).
export function gemm__4x8_loadsplat(c: usize, ldc: i32, a: usize, rowOff: usize, redOff: usize, b: usize, bRs: i32, bCs: i32,
    m: i32, n: i32, k: i32, mode: i32, bias: usize, packBuf: usize): void { gemm_with(UKERNEL_4X8_LOADSPLAT, c, ldc, a, rowOff, redOff, b, bRs, bCs, m, n, k, mode, bias, packBuf); }
export function gemm__4x8_splat(c: usize, ldc: i32, a: usize, rowOff: usize, redOff: usize, b: usize, bRs: i32, bCs: i32,
    m: i32, n: i32, k: i32, mode: i32, bias: usize, packBuf: usize): void { gemm_with(UKERNEL_4X8_SPLAT, c, ldc, a, rowOff, redOff, b, bRs, bCs, m, n, k, mode, bias, packBuf); }
export function gemm__6x8_loadsplat(c: usize, ldc: i32, a: usize, rowOff: usize, redOff: usize, b: usize, bRs: i32, bCs: i32,
    m: i32, n: i32, k: i32, mode: i32, bias: usize, packBuf: usize): void { gemm_with(UKERNEL_6X8_LOADSPLAT, c, ldc, a, rowOff, redOff, b, bRs, bCs, m, n, k, mode, bias, packBuf); }
export function gemm__6x8_splat(c: usize, ldc: i32, a: usize, rowOff: usize, redOff: usize, b: usize, bRs: i32, bCs: i32,
    m: i32, n: i32, k: i32, mode: i32, bias: usize, packBuf: usize): void { gemm_with(UKERNEL_6X8_SPLAT, c, ldc, a, rowOff, redOff, b, bRs, bCs, m, n, k, mode, bias, packBuf); }

// gemm with micro-kernel `ukernel` (a constant where inlined, so only its kernel is compiled in).
// @ts-ignore: decorator
@inline
function gemm_with(ukernel: i32, c: usize, ldc: i32, a: usize, rowOff: usize, redOff: usize,
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
    const red = redOff + (<usize>k0 << 2);
    const twin = is_splat(ukernel) && !quads_contiguous(red, kc);
    for (let n0 = 0; n0 < n; n0 += NC) {
      const nc = min(NC, n - n0);
      pack_b(packBuf, b, bRs, bCs, k0, kc, n0, nc);
      if (useBias) pad_bias(biasPad, bias + (<usize>n0 << 2), nc);
      const cb = c + (<usize>n0 << 2), bb = useBias ? biasPad : 0, rl = relu && last;
      if (twin) gemm_block(twin_of(ukernel), cb, ldc, a, rowOff, red, packBuf, m, nc, kc, add, bb, rl);
      else gemm_block(ukernel, cb, ldc, a, rowOff, red, packBuf, m, nc, kc, add, bb, rl);
    }
  }
}

// dst (nc rounded up to 8 floats) = bias[0 .. nc), zero-padded.
function pad_bias(dst: usize, bias: usize, nc: i32): void {
  const ncPad = (nc + NR - 1) & ~(NR - 1);
  for (let j = 0; j < ncPad; j++) store<f32>(dst + (<usize>j << 2), j < nc ? load<f32>(bias + (<usize>j << 2)) : 0);
}

// A splat kernel needs A contiguous along the reduction in quads (red[r + 1 .. r + 3] = red[r] + 1 .. 3 for
// r = 0, 4, 8 ...); where it is not, its load-splat twin runs that KC block.
// @ts-ignore: decorator
@inline
function is_splat(ukernel: i32): bool { return ukernel == UKERNEL_4X8_SPLAT || ukernel == UKERNEL_6X8_SPLAT; }

// @ts-ignore: decorator
@inline
function twin_of(ukernel: i32): i32 { return ukernel == UKERNEL_6X8_SPLAT ? UKERNEL_6X8_LOADSPLAT : UKERNEL_4X8_LOADSPLAT; }

function quads_contiguous(red: usize, kc: i32): bool {
  for (let r = 0; r + 4 <= kc; r += 4) {
    const p = red + (<usize>r << 2);
    const o = load<i32>(p);
    if (load<i32>(p, 4) != o + 1 || load<i32>(p, 8) != o + 2 || load<i32>(p, 12) != o + 3) return false;
  }
  return true;
}

// Rows [0, m) of C's columns [0, nc) (+)= A(·, red) · one packed kc×nc block of B at bp, with micro-kernel uk;
// bias (8-padded floats, or 0) and relu apply to this block's result.
// @ts-ignore: decorator
@inline
function gemm_block(uk: i32, c: usize, ldc: i32, a: usize, rowOff: usize, red: usize, bp: usize, m: i32, nc: i32, kc: i32,
                    add: bool, bias: usize, relu: bool): void {
  if (uk == UKERNEL_6X8_LOADSPLAT) f32_gemm_6x8_loadsplat(c, ldc, a, rowOff, red, bp, m, nc, kc, add, bias, relu);
  else if (uk == UKERNEL_6X8_SPLAT) f32_gemm_6x8_splat(c, ldc, a, rowOff, red, bp, m, nc, kc, add, bias, relu);
  else if (uk == UKERNEL_4X8_SPLAT) f32_gemm_4x8_splat(c, ldc, a, rowOff, red, bp, m, nc, kc, add, bias, relu);
  else f32_gemm_4x8_loadsplat(c, ldc, a, rowOff, red, bp, m, nc, kc, add, bias, relu);
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

// Columns [c0, c0 + nc) of a K×N matrix B into their place in gemm_pack's layout of the whole B (panels of NR
// columns, so a panel starting at column c of block k0 sits at k0 * packedCols(n) + kc * c floats: the NC
// blocks before it are full); b points at column c0: B(r, c0 + j) = b[r*bRs + j*bCs]. c0 is a multiple of NR;
// nc a multiple of NR or n - c0. For B made a few columns at a time (Winograd's filter transform).
export function gemm_pack_columns(dst: usize, b: usize, bRs: i32, bCs: i32, n: i32, k: i32, c0: i32, nc: i32): void {
  const cols = packed_cols(n);
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    pack_b(dst + ((<usize>k0 * cols + <usize>kc * c0) << 2), b, bRs, bCs, k0, kc, 0, nc);
  }
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

// gemm with B packed by gemm_pack: the same micro-kernels, modes (bias included) and summation order as gemm,
// without packing B again. scratch: NC floats for the padded bias (MODE_BIAS only; else unused, may be 0).
export function gemm_packed(c: usize, ldc: i32, a: usize, rowOff: usize, redOff: usize, packed: usize,
                            m: i32, n: i32, k: i32, mode: i32, bias: usize, scratch: usize): void {
  const uk = mode >> UKERNEL_SHIFT;
  if (uk == UKERNEL_4X8_SPLAT) gemm_packed__4x8_splat(c, ldc, a, rowOff, redOff, packed, m, n, k, mode, bias, scratch);
  else if (uk == UKERNEL_6X8_LOADSPLAT) gemm_packed__6x8_loadsplat(c, ldc, a, rowOff, redOff, packed, m, n, k, mode, bias, scratch);
  else if (uk == UKERNEL_6X8_SPLAT) gemm_packed__6x8_splat(c, ldc, a, rowOff, redOff, packed, m, n, k, mode, bias, scratch);
  else gemm_packed__4x8_loadsplat(c, ldc, a, rowOff, redOff, packed, m, n, k, mode, bias, scratch);
}

export function gemm_packed__4x8_loadsplat(c: usize, ldc: i32, a: usize, rowOff: usize, redOff: usize, packed: usize, m: i32, n: i32, k: i32,
    mode: i32, bias: usize, scratch: usize): void { gemm_packed_with(UKERNEL_4X8_LOADSPLAT, c, ldc, a, rowOff, redOff, packed, m, n, k, mode, bias, scratch); }
export function gemm_packed__4x8_splat(c: usize, ldc: i32, a: usize, rowOff: usize, redOff: usize, packed: usize, m: i32, n: i32, k: i32,
    mode: i32, bias: usize, scratch: usize): void { gemm_packed_with(UKERNEL_4X8_SPLAT, c, ldc, a, rowOff, redOff, packed, m, n, k, mode, bias, scratch); }
export function gemm_packed__6x8_loadsplat(c: usize, ldc: i32, a: usize, rowOff: usize, redOff: usize, packed: usize, m: i32, n: i32, k: i32,
    mode: i32, bias: usize, scratch: usize): void { gemm_packed_with(UKERNEL_6X8_LOADSPLAT, c, ldc, a, rowOff, redOff, packed, m, n, k, mode, bias, scratch); }
export function gemm_packed__6x8_splat(c: usize, ldc: i32, a: usize, rowOff: usize, redOff: usize, packed: usize, m: i32, n: i32, k: i32,
    mode: i32, bias: usize, scratch: usize): void { gemm_packed_with(UKERNEL_6X8_SPLAT, c, ldc, a, rowOff, redOff, packed, m, n, k, mode, bias, scratch); }

// @ts-ignore: decorator
@inline
function gemm_packed_with(ukernel: i32, c: usize, ldc: i32, a: usize, rowOff: usize, redOff: usize, packed: usize,
                          m: i32, n: i32, k: i32, mode: i32, bias: usize, scratch: usize): void {
  const relu = (mode & FLAG_RELU) != 0;
  mode &= 3;
  if (k == 0) {
    gemm__4x8_loadsplat(c, ldc, a, rowOff, redOff, 0, 0, 0, m, n, 0, mode | (relu ? FLAG_RELU : 0), bias, 0);
    return;
  }
  const cols = packed_cols(n);
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    const add = k0 > 0 || mode == MODE_ACC;
    const useBias = k0 == 0 && mode == MODE_BIAS;
    const red = redOff + (<usize>k0 << 2);
    const twin = is_splat(ukernel) && !quads_contiguous(red, kc);
    for (let n0 = 0; n0 < n; n0 += NC) {
      const nc = min(NC, n - n0);
      const bp = packed + ((<usize>k0 * cols + <usize>kc * n0) << 2);
      if (useBias) pad_bias(scratch, bias + (<usize>n0 << 2), nc);
      const cb = c + (<usize>n0 << 2), bb = useBias ? scratch : 0, rl = relu && k0 + kc == k;
      if (twin) gemm_block(twin_of(ukernel), cb, ldc, a, rowOff, red, bp, m, nc, kc, add, bb, rl);
      else gemm_block(ukernel, cb, ldc, a, rowOff, red, bp, m, nc, kc, add, bb, rl);
    }
  }
}

// Offset tables for plain strided matrices: dst[i] = i * stride, i < n.
export function strided_offsets(dst: usize, n: i32, stride: i32): void {
  for (let i = 0; i < n; i++) store<i32>(dst + (<usize>i << 2), i * stride);
}
