// Global average and global max pooling over the spatial positions of NHWC data, forward and backward
// side by side.
//
// Shape letters: B images, P = H·W positions (or the steps of [B, steps, C]), C channels.
// X, dX are [B, P, C]; Y, dY, argmax are [B, C]. Pointers are to the whole tensors; threads split
// images, a call handling [n0, n0 + count). Each output value depends on its own image only, and a
// channel goes through the same operations in a SIMD lane as in the scalar tail.

import { narrow, widen_hi, widen_lo } from './simd';

// y [B, C] = mean over p of x [B, P, C]. Sums in f64: a 1D sequence can have thousands of steps, where
// an f32 running sum would lose digits.
export function global_avgpool_forward(y: usize, x: usize, hw: i32, c: i32, n0: i32, count: i32): void {
  const n: f64 = <f64>hw;
  const zero = f64x2.splat(0), nv = f64x2.splat(n);
  for (let b = n0; b < n0 + count; b++) {
    const img = <usize>b * hw;
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      let sLo = zero, sHi = zero;
      for (let p = 0; p < hw; p++) {
        const v = v128.load(x + (((img + p) * c + j) << 2));
        sLo = f64x2.add(sLo, widen_lo(v));
        sHi = f64x2.add(sHi, widen_hi(v));
      }
      v128.store(y + ((<usize>b * c + j) << 2), narrow(f64x2.div(sLo, nv), f64x2.div(sHi, nv)));
    }
    for (; j < c; j++) {
      let s: f64 = 0;
      for (let p = 0; p < hw; p++) s += <f64>load<f32>(x + (((img + p) * c + j) << 2));
      store<f32>(y + ((<usize>b * c + j) << 2), <f32>(s / n));
    }
  }
}

// dx [B, P, C] = dy [B, C] / P at every position (overwrites dx): position 0 is computed, the others
// are copies of it.
export function global_avgpool_backward(dx: usize, dy: usize, hw: i32, c: i32, n0: i32, count: i32): void {
  const rowBytes = <usize>c << 2;
  const n: f32 = <f32>hw, nv = f32x4.splat(n);
  for (let b = n0; b < n0 + count; b++) {
    const first = dx + <usize>b * hw * rowBytes, g = dy + <usize>b * rowBytes;
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      const o = <usize>j << 2;
      v128.store(first + o, f32x4.div(v128.load(g + o), nv));
    }
    for (; j < c; j++) {
      const o = <usize>j << 2;
      store<f32>(first + o, load<f32>(g + o) / n);
    }
    for (let p = 1; p < hw; p++) memory.copy(first + <usize>p * rowBytes, first, rowBytes);
  }
}

// Σ mask over the hw positions of the sample whose first position is img.
// @ts-ignore: decorator
@inline
function maskSum(mask: usize, img: usize, hw: i32): f64 {
  let w: f64 = 0;
  for (let p = 0; p < hw; p++) w += <f64>load<f32>(mask + ((img + <usize>p) << 2));
  return w;
}

// The mean over the unmasked positions only (Keras' GlobalAveragePooling1D after a mask): y = Σ m_p · x_p / Σ m_p,
// mask [B, P] of 0 / 1; a sample with no unmasked position gives 0 (Keras divides 0 by 0).
export function global_avgpool_masked_forward(y: usize, x: usize, mask: usize, hw: i32, c: i32, n0: i32, count: i32): void {
  for (let b = n0; b < n0 + count; b++) {
    const img = <usize>b * hw, w = maskSum(mask, img, hw);
    for (let j = 0; j < c; j++) {
      let s: f64 = 0;
      for (let p = 0; p < hw; p++) {
        const m = load<f32>(mask + ((img + p) << 2));
        if (m != 0) s += <f64>m * <f64>load<f32>(x + (((img + p) * c + j) << 2));
      }
      store<f32>(y + ((<usize>b * c + j) << 2), w > 0 ? <f32>(s / w) : 0);
    }
  }
}

// dx [B, P, C] = m_p · dy [B, C] / Σ m (overwrites dx; 0 at masked positions and for a sample with none unmasked).
export function global_avgpool_masked_backward(dx: usize, dy: usize, mask: usize, hw: i32, c: i32, n0: i32, count: i32): void {
  for (let b = n0; b < n0 + count; b++) {
    const img = <usize>b * hw, w = maskSum(mask, img, hw);
    for (let p = 0; p < hw; p++) {
      const m = load<f32>(mask + ((img + p) << 2));
      for (let j = 0; j < c; j++) {
        const g = w > 0 && m != 0 ? <f32>(<f64>m * <f64>load<f32>(dy + ((<usize>b * c + j) << 2)) / w) : 0;
        store<f32>(dx + (((img + p) * c + j) << 2), g);
      }
    }
  }
}

// y [B, C] = max over p of x [B, P, C]; argmax [B, C] (i32) = the flat element index into x of the first
// maximum (later equal values do not replace it), which backward needs; argmax = 0: inference, not saved.
// A NaN at position 0 stays the maximum; later NaNs never compare greater and are passed over.
export function global_maxpool_forward(y: usize, argmax: usize, x: usize, hw: i32, c: i32, n0: i32, count: i32): void {
  const lane = v128(0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0);
  for (let b = n0; b < n0 + count; b++) {
    const img = <usize>b * hw;
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      let best = v128.load(x + ((img * c + j) << 2));
      let bestP = i32x4.splat(0);
      for (let p = 1; p < hw; p++) {
        const v = v128.load(x + (((img + p) * c + j) << 2));
        const gt = f32x4.gt(v, best);
        best = v128.bitselect(v, best, gt);
        bestP = v128.bitselect(i32x4.splat(p), bestP, gt);
      }
      const o = (<usize>b * c + j) << 2;
      v128.store(y + o, best);
      if (argmax) {
        // flat index = (b·P + p)·C + j + lane
        const idx = i32x4.add(i32x4.mul(bestP, i32x4.splat(c)), i32x4.splat(<i32>(img * c) + j));
        v128.store(argmax + o, i32x4.add(idx, lane));
      }
    }
    for (; j < c; j++) {
      let best = load<f32>(x + ((img * c + j) << 2));
      let bestP = 0;
      for (let p = 1; p < hw; p++) {
        const v = load<f32>(x + (((img + p) * c + j) << 2));
        if (v > best) { best = v; bestP = p; }
      }
      const o = (<usize>b * c + j) << 2;
      store<f32>(y + o, best);
      if (argmax) store<i32>(argmax + o, bestP * c + <i32>(img * c) + j);
    }
  }
}

// dx [B, P, C] = 0 except dx[argmax[b, c]] = dy[b, c] (overwrites dx). Every argmax of image b lies in
// image b, so calls over disjoint image ranges write disjoint parts of dx.
export function global_maxpool_backward(dx: usize, dy: usize, argmax: usize, hw: i32, c: i32, n0: i32, count: i32): void {
  const imgBytes = (<usize>hw * c) << 2;
  memory.fill(dx + <usize>n0 * imgBytes, 0, <usize>count * imgBytes);
  const o0 = <usize>n0 * c, o1 = <usize>(n0 + count) * c;
  for (let o = o0; o < o1; o++) {
    store<f32>(dx + (<usize>load<i32>(argmax + (o << 2)) << 2), load<f32>(dy + (o << 2)));
  }
}
