// Batch normalization over the last axis (statistics per channel) and layer normalization (statistics per row), forward and backward side by side.
//
// Shape letters: N rows = the product of every leading axis (B·H·W of NHWC, B of [B, features]),
// C channels = the last axis, contiguous. X, Y, XHAT, dX, dY are [N, C]; per-channel vectors are [C].
//
// Statistics are per channel, so threads split channels: a call handles [c0, c0 + cCount) of every row
// (stride C). A channel goes through the same operations in the same order whether it sits in a SIMD
// lane or in the scalar tail, so any split of the channels gives the same bits.
// Sums over rows run in f64: N reaches 50,000 and more (a batch of feature maps), where an f32 running
// sum can lose three of its seven digits; in f64 the order of the sum does not show at f32 precision.

import { madd, narrow, widen_hi, widen_lo } from './simd';

// ---- per-4-channel helpers (inlined): f64x2 pairs lo/hi hold lanes 0-1 and 2-3 of a group --------------

// q + (w − m)²
// @ts-ignore: decorator
@inline
function add_sq(q: v128, w: v128, m: v128): v128 {
  const d = f64x2.sub(w, m);
  return f64x2.add(q, f64x2.mul(d, d));
}

// mean [j..j+4) = m, variance = q / n, invstd = 1 / sqrt(variance + eps)
// @ts-ignore: decorator
@inline
function store_stats(mean: usize, variance: usize, invstd: usize, j: i32,
                     mLo: v128, mHi: v128, qLo: v128, qHi: v128, nv: v128, ev: v128): void {
  const o = <usize>j << 2, one = f64x2.splat(1);
  const vLo = f64x2.div(qLo, nv), vHi = f64x2.div(qHi, nv);
  v128.store(mean + o, narrow(mLo, mHi));
  v128.store(variance + o, narrow(vLo, vHi));
  v128.store(invstd + o, narrow(f64x2.div(one, f64x2.sqrt(f64x2.add(vLo, ev))),
                                f64x2.div(one, f64x2.sqrt(f64x2.add(vHi, ev)))));
}

// dbeta [j..j+4) += Σdy, dgamma += Σdy·xhat (each skipped when its pointer is 0)
// @ts-ignore: decorator
@inline
function add_grads(dgamma: usize, dbeta: usize, j: i32, sdLo: v128, sdHi: v128, sxLo: v128, sxHi: v128): void {
  const o = <usize>j << 2;
  if (dbeta) v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), narrow(sdLo, sdHi)));
  if (dgamma) v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), narrow(sxLo, sxHi)));
}

// gamma · invstd over [j..j+4) (gamma = 0: ones)
// @ts-ignore: decorator
@inline
function gain(gamma: usize, invstd: usize, j: i32): v128 {
  const o = <usize>j << 2;
  return gamma ? f32x4.mul(v128.load(gamma + o), v128.load(invstd + o)) : v128.load(invstd + o);
}

// k · ((dy − mean(dy)) − xhat · mean(dy·xhat))
// @ts-ignore: decorator
@inline
function dx4(dy: v128, xhat: v128, md: v128, mx: v128, k: v128): v128 {
  return f32x4.mul(k, f32x4.sub(f32x4.sub(dy, md), f32x4.mul(xhat, mx)));
}

// Training forward over channels [c0, c0 + cCount), using the batch's own statistics:
//   mean [C], variance [C] (biased, Σ(x − mean)² / N: two passes, so a mean far from zero costs nothing)
//   invstd [C] = 1 / sqrt(variance + eps)       saved for backward
//   xhat [N, C] = (x − mean) · invstd           saved for backward
//   y [N, C] = gamma · xhat + beta              gamma = 0: scale off (ones); beta = 0: center off (zeros)
// mean and variance are what the moving statistics are updated with (batchnorm_moving_update).
// The statistics take channels 16 at a time (a row's 64-byte cache line, so a pass over the rows reads
// each line once), then 4, then 1. y may alias x.
export function batchnorm_forward(y: usize, xhat: usize, mean: usize, variance: usize, invstd: usize,
                                  x: usize, gamma: usize, beta: usize, rows: i32, c: i32, eps: f32,
                                  c0: i32, cCount: i32): void {
  const end = c0 + cCount;
  const n: f64 = <f64>rows, e: f64 = <f64>eps;
  const zero = f64x2.splat(0), nv = f64x2.splat(n), ev = f64x2.splat(e);
  let j = c0;
  for (; j + 16 <= end; j += 16) {
    // s<2g>, s<2g+1>: lanes 0-1 and 2-3 of channels j + 4g .. j + 4g + 3
    let s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, s6 = zero, s7 = zero;
    for (let r = 0; r < rows; r++) {
      const p = x + ((<usize>r * c + j) << 2);
      const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
      s0 = f64x2.add(s0, widen_lo(v0)); s1 = f64x2.add(s1, widen_hi(v0));
      s2 = f64x2.add(s2, widen_lo(v1)); s3 = f64x2.add(s3, widen_hi(v1));
      s4 = f64x2.add(s4, widen_lo(v2)); s5 = f64x2.add(s5, widen_hi(v2));
      s6 = f64x2.add(s6, widen_lo(v3)); s7 = f64x2.add(s7, widen_hi(v3));
    }
    const m0 = f64x2.div(s0, nv), m1 = f64x2.div(s1, nv), m2 = f64x2.div(s2, nv), m3 = f64x2.div(s3, nv);
    const m4 = f64x2.div(s4, nv), m5 = f64x2.div(s5, nv), m6 = f64x2.div(s6, nv), m7 = f64x2.div(s7, nv);
    let q0 = zero, q1 = zero, q2 = zero, q3 = zero, q4 = zero, q5 = zero, q6 = zero, q7 = zero;
    for (let r = 0; r < rows; r++) {
      const p = x + ((<usize>r * c + j) << 2);
      const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
      q0 = add_sq(q0, widen_lo(v0), m0); q1 = add_sq(q1, widen_hi(v0), m1);
      q2 = add_sq(q2, widen_lo(v1), m2); q3 = add_sq(q3, widen_hi(v1), m3);
      q4 = add_sq(q4, widen_lo(v2), m4); q5 = add_sq(q5, widen_hi(v2), m5);
      q6 = add_sq(q6, widen_lo(v3), m6); q7 = add_sq(q7, widen_hi(v3), m7);
    }
    store_stats(mean, variance, invstd, j, m0, m1, q0, q1, nv, ev);
    store_stats(mean, variance, invstd, j + 4, m2, m3, q2, q3, nv, ev);
    store_stats(mean, variance, invstd, j + 8, m4, m5, q4, q5, nv, ev);
    store_stats(mean, variance, invstd, j + 12, m6, m7, q6, q7, nv, ev);
  }
  for (; j + 4 <= end; j += 4) {
    let sLo = zero, sHi = zero;
    for (let r = 0; r < rows; r++) {
      const v = v128.load(x + ((<usize>r * c + j) << 2));
      sLo = f64x2.add(sLo, widen_lo(v));
      sHi = f64x2.add(sHi, widen_hi(v));
    }
    const mLo = f64x2.div(sLo, nv), mHi = f64x2.div(sHi, nv);
    let qLo = zero, qHi = zero;
    for (let r = 0; r < rows; r++) {
      const v = v128.load(x + ((<usize>r * c + j) << 2));
      qLo = add_sq(qLo, widen_lo(v), mLo);
      qHi = add_sq(qHi, widen_hi(v), mHi);
    }
    store_stats(mean, variance, invstd, j, mLo, mHi, qLo, qHi, nv, ev);
  }
  for (; j < end; j++) {
    let s: f64 = 0;
    for (let r = 0; r < rows; r++) s += <f64>load<f32>(x + ((<usize>r * c + j) << 2));
    const m = s / n;
    let q: f64 = 0;
    for (let r = 0; r < rows; r++) {
      const d = <f64>load<f32>(x + ((<usize>r * c + j) << 2)) - m;
      q += d * d;
    }
    const vr = q / n;
    const o = <usize>j << 2;
    store<f32>(mean + o, <f32>m);
    store<f32>(variance + o, <f32>vr);
    store<f32>(invstd + o, <f32>(1 / Math.sqrt(vr + e)));
  }
  // Normalize row by row (contiguous within a row); mul then add rather than madd, so that lanes and
  // tail round alike.
  const ones = f32x4.splat(1), zeros = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * c;
    let j = c0;
    for (; j + 4 <= end; j += 4) {
      const o = (row + j) << 2, p = <usize>j << 2;
      const h = f32x4.mul(f32x4.sub(v128.load(x + o), v128.load(mean + p)), v128.load(invstd + p));
      const g = gamma ? v128.load(gamma + p) : ones;
      const b = beta ? v128.load(beta + p) : zeros;
      v128.store(xhat + o, h);
      v128.store(y + o, f32x4.add(f32x4.mul(h, g), b));
    }
    for (; j < end; j++) {
      const o = (row + j) << 2, p = <usize>j << 2;
      const h = (load<f32>(x + o) - load<f32>(mean + p)) * load<f32>(invstd + p);
      const g: f32 = gamma ? load<f32>(gamma + p) : 1;
      const b: f32 = beta ? load<f32>(beta + p) : 0;
      store<f32>(xhat + o, h);
      store<f32>(y + o, h * g + b);
    }
  }
}

// Training backward over channels [c0, c0 + cCount), from the saved xhat [N, C] and invstd [C]:
//   dbeta [C] += Σ_r dy                  (skipped when dbeta = 0)
//   dgamma [C] += Σ_r dy · xhat           (skipped when dgamma = 0)
//   dx [N, C] = gamma·invstd/N · (N·dy − Σdy − xhat·Σ(dy·xhat))
//             = gamma·invstd · (dy − mean(dy) − xhat·mean(dy·xhat))   (the form computed)
// gamma = 0 means scale off (ones); dx = 0: the two sums alone (LayerNormalization's gamma and beta gradients).
// Channels go 16, then 4, then 1 at a time, as in forward. dx is overwritten and may alias dy: a tile's sums are
// taken before its dx is written.
export function batchnorm_backward(dx: usize, dgamma: usize, dbeta: usize, dy: usize, xhat: usize,
                                   invstd: usize, gamma: usize, rows: i32, c: i32, c0: i32, cCount: i32): void {
  const end = c0 + cCount;
  const n: f64 = <f64>rows;
  const zero = f64x2.splat(0), nv = f64x2.splat(n);
  let j = c0;
  for (; j + 16 <= end; j += 16) {
    // d<2g>, d<2g+1>: Σdy over lanes 0-1 and 2-3 of channels j + 4g .. j + 4g + 3; e<..>: Σdy·xhat
    let d0 = zero, d1 = zero, d2 = zero, d3 = zero, d4 = zero, d5 = zero, d6 = zero, d7 = zero;
    let e0 = zero, e1 = zero, e2 = zero, e3 = zero, e4 = zero, e5 = zero, e6 = zero, e7 = zero;
    for (let r = 0; r < rows; r++) {
      const o = (<usize>r * c + j) << 2;
      const g0 = v128.load(dy + o), g1 = v128.load(dy + o, 16), g2 = v128.load(dy + o, 32), g3 = v128.load(dy + o, 48);
      const h0 = v128.load(xhat + o), h1 = v128.load(xhat + o, 16), h2 = v128.load(xhat + o, 32), h3 = v128.load(xhat + o, 48);
      const a0 = widen_lo(g0), a1 = widen_hi(g0), a2 = widen_lo(g1), a3 = widen_hi(g1);
      const a4 = widen_lo(g2), a5 = widen_hi(g2), a6 = widen_lo(g3), a7 = widen_hi(g3);
      d0 = f64x2.add(d0, a0); d1 = f64x2.add(d1, a1); d2 = f64x2.add(d2, a2); d3 = f64x2.add(d3, a3);
      d4 = f64x2.add(d4, a4); d5 = f64x2.add(d5, a5); d6 = f64x2.add(d6, a6); d7 = f64x2.add(d7, a7);
      e0 = f64x2.add(e0, f64x2.mul(a0, widen_lo(h0))); e1 = f64x2.add(e1, f64x2.mul(a1, widen_hi(h0)));
      e2 = f64x2.add(e2, f64x2.mul(a2, widen_lo(h1))); e3 = f64x2.add(e3, f64x2.mul(a3, widen_hi(h1)));
      e4 = f64x2.add(e4, f64x2.mul(a4, widen_lo(h2))); e5 = f64x2.add(e5, f64x2.mul(a5, widen_hi(h2)));
      e6 = f64x2.add(e6, f64x2.mul(a6, widen_lo(h3))); e7 = f64x2.add(e7, f64x2.mul(a7, widen_hi(h3)));
    }
    add_grads(dgamma, dbeta, j, d0, d1, e0, e1);
    add_grads(dgamma, dbeta, j + 4, d2, d3, e2, e3);
    add_grads(dgamma, dbeta, j + 8, d4, d5, e4, e5);
    add_grads(dgamma, dbeta, j + 12, d6, d7, e6, e7);
    if (!dx) continue; // the parameter gradients only (LayerNormalization's gamma and beta)
    const md0 = narrow(f64x2.div(d0, nv), f64x2.div(d1, nv)), md1 = narrow(f64x2.div(d2, nv), f64x2.div(d3, nv));
    const md2 = narrow(f64x2.div(d4, nv), f64x2.div(d5, nv)), md3 = narrow(f64x2.div(d6, nv), f64x2.div(d7, nv));
    const mx0 = narrow(f64x2.div(e0, nv), f64x2.div(e1, nv)), mx1 = narrow(f64x2.div(e2, nv), f64x2.div(e3, nv));
    const mx2 = narrow(f64x2.div(e4, nv), f64x2.div(e5, nv)), mx3 = narrow(f64x2.div(e6, nv), f64x2.div(e7, nv));
    const k0 = gain(gamma, invstd, j), k1 = gain(gamma, invstd, j + 4);
    const k2 = gain(gamma, invstd, j + 8), k3 = gain(gamma, invstd, j + 12);
    for (let r = 0; r < rows; r++) {
      const o = (<usize>r * c + j) << 2;
      v128.store(dx + o, dx4(v128.load(dy + o), v128.load(xhat + o), md0, mx0, k0));
      v128.store(dx + o, dx4(v128.load(dy + o, 16), v128.load(xhat + o, 16), md1, mx1, k1), 16);
      v128.store(dx + o, dx4(v128.load(dy + o, 32), v128.load(xhat + o, 32), md2, mx2, k2), 32);
      v128.store(dx + o, dx4(v128.load(dy + o, 48), v128.load(xhat + o, 48), md3, mx3, k3), 48);
    }
  }
  for (; j + 4 <= end; j += 4) {
    let sdLo = zero, sdHi = zero, sxLo = zero, sxHi = zero;
    for (let r = 0; r < rows; r++) {
      const o = (<usize>r * c + j) << 2;
      const d = v128.load(dy + o), h = v128.load(xhat + o);
      const dLo = widen_lo(d), dHi = widen_hi(d);
      sdLo = f64x2.add(sdLo, dLo);
      sdHi = f64x2.add(sdHi, dHi);
      sxLo = f64x2.add(sxLo, f64x2.mul(dLo, widen_lo(h)));
      sxHi = f64x2.add(sxHi, f64x2.mul(dHi, widen_hi(h)));
    }
    add_grads(dgamma, dbeta, j, sdLo, sdHi, sxLo, sxHi);
    if (!dx) continue;
    const md = narrow(f64x2.div(sdLo, nv), f64x2.div(sdHi, nv));
    const mx = narrow(f64x2.div(sxLo, nv), f64x2.div(sxHi, nv));
    const k = gain(gamma, invstd, j);
    for (let r = 0; r < rows; r++) {
      const o = (<usize>r * c + j) << 2;
      v128.store(dx + o, dx4(v128.load(dy + o), v128.load(xhat + o), md, mx, k));
    }
  }
  for (; j < end; j++) {
    let sd: f64 = 0, sx: f64 = 0;
    for (let r = 0; r < rows; r++) {
      const o = (<usize>r * c + j) << 2;
      const d = <f64>load<f32>(dy + o);
      sd += d;
      sx += d * <f64>load<f32>(xhat + o);
    }
    const p = <usize>j << 2;
    if (dbeta) store<f32>(dbeta + p, load<f32>(dbeta + p) + <f32>sd);
    if (dgamma) store<f32>(dgamma + p, load<f32>(dgamma + p) + <f32>sx);
    if (!dx) continue;
    const md = <f32>(sd / n), mx = <f32>(sx / n);
    const k = gamma ? load<f32>(gamma + p) * load<f32>(invstd + p) : load<f32>(invstd + p);
    for (let r = 0; r < rows; r++) {
      const o = (<usize>r * c + j) << 2;
      store<f32>(dx + o, k * ((load<f32>(dy + o) - md) - load<f32>(xhat + o) * mx));
    }
  }
}

// Moving statistics, channels [c0, c0 + cCount): moving ← moving·momentum + batch·(1 − momentum) for the
// mean and the (biased) variance [C], as Keras. Not a gradient step: the layer calls it after forward.
export function batchnorm_moving_update(movingMean: usize, movingVar: usize, mean: usize, variance: usize,
                                        momentum: f32, c0: i32, cCount: i32): void {
  const keep: f32 = momentum, take: f32 = <f32>1 - momentum;
  const vk = f32x4.splat(keep), vt = f32x4.splat(take);
  const end = c0 + cCount;
  let j = c0;
  for (; j + 4 <= end; j += 4) {
    const p = <usize>j << 2;
    v128.store(movingMean + p, f32x4.add(f32x4.mul(v128.load(movingMean + p), vk), f32x4.mul(v128.load(mean + p), vt)));
    v128.store(movingVar + p, f32x4.add(f32x4.mul(v128.load(movingVar + p), vk), f32x4.mul(v128.load(variance + p), vt)));
  }
  for (; j < end; j++) {
    const p = <usize>j << 2;
    store<f32>(movingMean + p, load<f32>(movingMean + p) * keep + load<f32>(mean + p) * take);
    store<f32>(movingVar + p, load<f32>(movingVar + p) * keep + load<f32>(variance + p) * take);
  }
}

// Inference folds the moving statistics into one multiply-add per element, channels [c0, c0 + cCount):
//   scale [C] = gamma / sqrt(movingVar + eps),  shift [C] = beta − movingMean · scale
// gamma = 0: scale off (ones); beta = 0: center off (zeros). C floats, so plain scalar code.
export function batchnorm_inference_fold(scale: usize, shift: usize, movingMean: usize, movingVar: usize,
                                         gamma: usize, beta: usize, eps: f32, c0: i32, cCount: i32): void {
  for (let j = c0; j < c0 + cCount; j++) {
    const p = <usize>j << 2;
    const inv = <f32>(1 / Math.sqrt(<f64>load<f32>(movingVar + p) + <f64>eps));
    const s: f32 = gamma ? load<f32>(gamma + p) * inv : inv;
    store<f32>(scale + p, s);
    store<f32>(shift + p, (beta ? load<f32>(beta + p) : <f32>0) - load<f32>(movingMean + p) * s);
  }
}

// Inference forward: y [N, C] = x · scale + shift with the folded [C] vectors. Elementwise, so threads
// split rows: a call handles rows [r0, r0 + rCount). Every row has the same SIMD/tail split of its
// channels, so any split of the rows gives the same bits. y may alias x.
export function batchnorm_inference_forward(y: usize, x: usize, scale: usize, shift: usize, c: i32,
                                            r0: i32, rCount: i32): void {
  for (let r = r0; r < r0 + rCount; r++) {
    const row = <usize>r * c;
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      const o = (row + j) << 2, p = <usize>j << 2;
      v128.store(y + o, madd(v128.load(x + o), v128.load(scale + p), v128.load(shift + p)));
    }
    for (; j < c; j++) {
      const o = (row + j) << 2, p = <usize>j << 2;
      store<f32>(y + o, load<f32>(x + o) * load<f32>(scale + p) + load<f32>(shift + p));
    }
  }
}

// ---- layer normalization (the LayerNormalization layer): statistics per row, over its C values ----------
//
// Rows split over the threads for forward and for dx (a row's statistics are its own); the gamma / beta
// gradients, sums over rows, split by channels. Sums in f64, as above, so any split gives the same bits.

// Rows [r0, r0 + count): mean and biased variance of each row (two passes), invstd [N] = 1 / sqrt(variance + eps),
// xhat [N, C] = (x − mean) · invstd, y [N, C] = gamma · xhat + beta (gamma = 0: ones; beta = 0: zeros). xhat and
// invstd are saved for backward unless 0 (inference). y may alias x.
export function layernorm_forward(y: usize, xhat: usize, invstd: usize, x: usize, gamma: usize, beta: usize,
                                  c: i32, eps: f32, r0: i32, count: i32): void {
  const n: f64 = <f64>c;
  for (let r = r0; r < r0 + count; r++) {
    const row = <usize>r * c << 2;
    let s: f64 = 0;
    for (let j = 0; j < c; j++) s += <f64>load<f32>(x + row + (<usize>j << 2));
    const mean = s / n;
    let q: f64 = 0;
    for (let j = 0; j < c; j++) {
      const d = <f64>load<f32>(x + row + (<usize>j << 2)) - mean;
      q += d * d;
    }
    const inv: f64 = 1 / Math.sqrt(q / n + <f64>eps);
    if (invstd) store<f32>(invstd + (<usize>r << 2), <f32>inv);
    for (let j = 0; j < c; j++) {
      const o = row + (<usize>j << 2), p = <usize>j << 2;
      // in f64 until here: a row far from zero (an offset of 1e4 over a spread of 1) keeps its digits
      const h = <f32>((<f64>load<f32>(x + o) - mean) * inv);
      if (xhat) store<f32>(xhat + o, h);
      store<f32>(y + o, (gamma ? load<f32>(gamma + p) * h : h) + (beta ? load<f32>(beta + p) : 0));
    }
  }
}

// Rows [r0, r0 + count): with g = dy · gamma (gamma = 0: ones),
//   dx = invstd · (g − mean(g) − xhat · mean(g · xhat))    (means over the row's C values)
// dx may alias dy: a row's sums are taken before its dx is written. Take gamma's and beta's gradients first when
// dx overwrites dy (batchnorm_backward with dx = 0: the same column sums).
export function layernorm_backward(dx: usize, dy: usize, xhat: usize, invstd: usize, gamma: usize,
                                   c: i32, r0: i32, count: i32): void {
  const n: f64 = <f64>c;
  for (let r = r0; r < r0 + count; r++) {
    const row = <usize>r * c << 2;
    let sg: f64 = 0, sx: f64 = 0;
    for (let j = 0; j < c; j++) {
      const o = row + (<usize>j << 2);
      const g = <f64>load<f32>(dy + o) * (gamma ? <f64>load<f32>(gamma + (<usize>j << 2)) : 1);
      sg += g;
      sx += g * <f64>load<f32>(xhat + o);
    }
    const mg = sg / n, mx = sx / n, inv = <f64>load<f32>(invstd + (<usize>r << 2));
    for (let j = 0; j < c; j++) {
      const o = row + (<usize>j << 2);
      const g = <f64>load<f32>(dy + o) * (gamma ? <f64>load<f32>(gamma + (<usize>j << 2)) : 1);
      store<f32>(dx + o, <f32>(inv * ((g - mg) - <f64>load<f32>(xhat + o) * mx)));
    }
  }
}
