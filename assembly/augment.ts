// Random image augmentation over NHWC f32 images, Keras' RandomFlip and RandomTranslation. Shapes:
// x, y, dx, dy [B, H, W, C]; flips [B] i32; shifts [B, 2] f32. The layers call these in training only.
// Each kernel takes pointers to the whole batch and works on images [n0, n0 + count), so threads can
// split a batch by image. Every draw is uniform01(seed, 2n + k) for global image index n and slot k, so
// a call's bits never depend on the range it got. Forward saves the draws (flips, shifts) for backward.
//
// Codes shared with src/runtime/wasm.ts:
//   flip mode bits  1 horizontal (left-right: w reversed), 2 vertical (up-down: h reversed),
//                   4 joint: one draw for both axes (Keras 3 flips an image both ways or not at all;
//                     without it each axis draws on its own, as tf.keras did)
//   flips[n] bits   1 image n was flipped left-right, 2 up-down
//   fill mode       0 reflect, 1 wrap, 2 constant, 3 nearest (TF's ImageProjectiveTransformV3 order)
//   interpolation   0 nearest, 1 bilinear
//   shifts[n]       (dy, dx) in pixels: output (i, j) samples the input at (i - dy, j - dx)

import { uniform01 } from './random';

// exported as Wasm globals: test/runtime/constants.test.ts checks them against src/runtime/wasm.ts
export const FLIP_HORIZONTAL: i32 = 1, FLIP_VERTICAL: i32 = 2, FLIP_JOINT: i32 = 4;
export const FILL_REFLECT: i32 = 0, FILL_WRAP: i32 = 1, FILL_CONSTANT: i32 = 2, FILL_NEAREST: i32 = 3;
export const INTERP_NEAREST: i32 = 0, INTERP_BILINEAR: i32 = 1;
// Sample coordinates are clamped to ±2^24 before they become integers (f32 holds no fraction there).
const COORD_LIMIT: f32 = 16777216.0;

// ---- RandomFlip -------------------------------------------------------------------------------------

// Draws flips[n] for images [n0, n0 + count) (slot 0: horizontal, or both when joint; slot 1: vertical;
// each flips with probability 1/2), then y = flip(x) as flip_forward.
export function random_flip_forward(y: usize, flips: usize, x: usize, count: i32, h: i32, w: i32, c: i32,
                                    mode: i32, seed: u32, n0: i32): void {
  for (let n = n0; n < n0 + count; n++) {
    const u0 = uniform01(seed, <u32>n << 1);
    const u1 = (mode & FLIP_JOINT) != 0 ? u0 : uniform01(seed, (<u32>n << 1) + 1);
    let bits = 0;
    if ((mode & FLIP_HORIZONTAL) != 0 && u0 < 0.5) bits |= FLIP_HORIZONTAL;
    if ((mode & FLIP_VERTICAL) != 0 && u1 < 0.5) bits |= FLIP_VERTICAL;
    store<i32>(flips + (<usize>n << 2), bits);
  }
  flipImages(y, x, flips, count, h, w, c, n0);
}

// y = x with each image flipped as flips[n] says. y may be x (in place).
export function flip_forward(y: usize, x: usize, flips: usize, count: i32, h: i32, w: i32, c: i32, n0: i32): void {
  flipImages(y, x, flips, count, h, w, c, n0);
}

// dx = flip(dy): a flip is a permutation and its own inverse, so it is its own adjoint. Overwrites dx
// (no accumulation); dx may be dy (in place).
export function flip_backward(dx: usize, dy: usize, flips: usize, count: i32, h: i32, w: i32, c: i32, n0: i32): void {
  flipImages(dx, dy, flips, count, h, w, c, n0);
}

function flipImages(y: usize, x: usize, flips: usize, count: i32, h: i32, w: i32, c: i32, n0: i32): void {
  const imageBytes = <usize>h * w * c << 2;
  for (let n = n0; n < n0 + count; n++) {
    const bits = load<i32>(flips + (<usize>n << 2));
    const yi = y + <usize>n * imageBytes, xi = x + <usize>n * imageBytes;
    if (bits == 0) {
      if (y != x) memory.copy(yi, xi, imageBytes);
      continue;
    }
    // Pixel p and its mirror q swap places; visiting each pair once (at p <= q) keeps it right in place.
    for (let i = 0; i < h; i++) {
      const si = (bits & FLIP_VERTICAL) ? h - 1 - i : i;
      for (let j = 0; j < w; j++) {
        const sj = (bits & FLIP_HORIZONTAL) ? w - 1 - j : j;
        const p = i * w + j, q = si * w + sj;
        if (q >= p) swapPixels(yi, xi, p * c, q * c, c);
      }
    }
  }
}

// y[a..a+c) = x[b..b+c) and y[b..b+c) = x[a..a+c) (element offsets); both read before either is written.
// @ts-ignore: decorator
@inline
function swapPixels(y: usize, x: usize, a: i32, b: i32, c: i32): void {
  let ci = 0;
  for (; ci + 4 <= c; ci += 4) {
    const pa = <usize>(a + ci) << 2, pb = <usize>(b + ci) << 2;
    const va = v128.load(x + pa), vb = v128.load(x + pb);
    v128.store(y + pa, vb);
    v128.store(y + pb, va);
  }
  for (; ci < c; ci++) {
    const pa = <usize>(a + ci) << 2, pb = <usize>(b + ci) << 2;
    const va = load<f32>(x + pa), vb = load<f32>(x + pb);
    store<f32>(y + pa, vb);
    store<f32>(y + pb, va);
  }
}

// ---- RandomTranslation ------------------------------------------------------------------------------
//
// Where a sample comes from. Output (i, j) reads the input at q = (i - dy, j - dx), computed in f32 as TF
// does. Per axis, bilinear takes the neighbours k0 = floor(q) and k0 + 1 with weights (k0 + 1 - q) and
// (q - k0), x first then y, as TF's bilinear_interpolation; nearest takes round(q) with halves away from
// zero (TF's std::round). The fill mode then maps each integer neighbour k into [0, len):
//   reflect   m = k mod 2·len; m >= len gives 2·len - 1 - m     (d c b a | a b c d | d c b a)
//   wrap      k mod len                                         (a b c d | a b c d | a b c d)
//   nearest   clamp(k, 0, len - 1)                              (a a a a | a b c d | d d d d)
//   constant  k outside [0, len) reads fillValue                (k k k k | a b c d | k k k k)
// That is Keras 3's affine_transform on the numpy / jax / torch backends (map_coordinates on the image
// padded by the fill mode). TF's kernel (image_ops.h, Keras' TF backend) maps the continuous q instead and
// clamps it to [0, len - 1], then reads fillValue for neighbours outside the image. For reflect and nearest
// the two give the same samples (reflection about -0.5 maps neighbours to neighbours), and for constant
// too (though some TF versions return fillValue outright once q leaves [0, len - 1] instead of blending).
// For wrap they differ: TF clamps in the seam (len - 1 < q < len wrapped gives the last pixel, here a
// blend of last and first) and its period formula is off for |shift| >= len - 1.

// Source index of integer coordinate k on an axis of length len, or -1 where the constant fill applies.
// @ts-ignore: decorator
@inline
function mapIndex(k: i32, len: i32, fillMode: i32): i32 {
  if (k >= 0 && k < len) return k;
  if (fillMode == FILL_CONSTANT) return -1;
  if (fillMode == FILL_WRAP) {
    const m = k % len;
    return m < 0 ? m + len : m;
  }
  if (fillMode == FILL_REFLECT) {
    const p = len << 1;
    let m = k % p;
    if (m < 0) m += p;
    return m < len ? m : p - 1 - m;
  }
  return k < 0 ? 0 : len - 1; // nearest
}

// std::round: halves away from zero (f32.nearest would round them to even).
// @ts-ignore: decorator
@inline
function roundHalfAway(q: f32): f32 {
  const t = Mathf.trunc(q), d = q - t; // exact
  return d >= 0.5 ? t + 1 : d <= -0.5 ? t - 1 : t;
}

// The taps of one axis: source indices k0, k1 (-1: constant fill) with weights w0, w1. Nearest
// interpolation has one tap (w1 = 0, k1 unused). Globals, not a struct: kernels allocate nothing.
let tapK0: i32 = 0, tapK1: i32 = 0, tapW0: f32 = 0, tapW1: f32 = 0;

// @ts-ignore: decorator
@inline
function axisTaps(out: i32, shift: f32, len: i32, fillMode: i32, bilinear: bool): void {
  const q = min(max(<f32>out - shift, -COORD_LIMIT), COORD_LIMIT);
  if (bilinear) {
    const k0 = Mathf.floor(q);
    tapK0 = mapIndex(<i32>k0, len, fillMode);
    tapK1 = mapIndex(<i32>k0 + 1, len, fillMode);
    tapW0 = (k0 + 1) - q;
    tapW1 = q - k0;
  } else {
    tapK0 = mapIndex(<i32>roundHalfAway(q), len, fillMode);
    tapK1 = -1;
    tapW0 = 1;
    tapW1 = 0;
  }
}

// Pixel offset (elements) of source (r, s), or -1 where either index is constant fill.
// @ts-ignore: decorator
@inline
function pixelOffset(r: i32, s: i32, w: i32, c: i32): i32 {
  return (r | s) < 0 ? -1 : (r * w + s) * c;
}

// Draws shifts[n] = (uniform[hLo, hHi)·h, uniform[wLo, wHi)·w) for images [n0, n0 + count) (slot 0: dy,
// slot 1: dx, as Keras draws height first), then samples as translation_forward.
export function random_translation_forward(y: usize, shifts: usize, x: usize, count: i32, h: i32, w: i32, c: i32,
                                           hLo: f32, hHi: f32, wLo: f32, wHi: f32, fillMode: i32,
                                           interpolation: i32, fillValue: f32, seed: u32, n0: i32): void {
  for (let n = n0; n < n0 + count; n++) {
    const u0 = <f64>uniform01(seed, <u32>n << 1), u1 = <f64>uniform01(seed, (<u32>n << 1) + 1);
    const p = shifts + (<usize>n << 3);
    store<f32>(p, <f32>((<f64>hLo + (<f64>hHi - <f64>hLo) * u0) * <f64>h));
    store<f32>(p + 4, <f32>((<f64>wLo + (<f64>wHi - <f64>wLo) * u1) * <f64>w));
  }
  translation_forward(y, x, shifts, count, h, w, c, fillMode, interpolation, fillValue, n0);
}

// y[n, i, j] = x[n] sampled at (i - dy, j - dx), (dy, dx) = shifts[n]; bilinear is
// wy0·(wx0·x00 + wx1·x01) + wy1·(wx0·x10 + wx1·x11). y must not alias x.
export function translation_forward(y: usize, x: usize, shifts: usize, count: i32, h: i32, w: i32, c: i32,
                                    fillMode: i32, interpolation: i32, fillValue: f32, n0: i32): void {
  const bilinear = interpolation == INTERP_BILINEAR;
  const imageBytes = <usize>h * w * c << 2;
  const fill = f32x4.splat(fillValue);
  for (let n = n0; n < n0 + count; n++) {
    const sy = load<f32>(shifts + (<usize>n << 3)), sx = load<f32>(shifts + (<usize>n << 3) + 4);
    const xi = x + <usize>n * imageBytes;
    let o = y + <usize>n * imageBytes;
    for (let i = 0; i < h; i++) {
      axisTaps(i, sy, h, fillMode, bilinear);
      const r0 = tapK0, r1 = tapK1, wy0 = tapW0, wy1 = tapW1;
      for (let j = 0; j < w; j++) {
        axisTaps(j, sx, w, fillMode, bilinear);
        const p00 = pixelOffset(r0, tapK0, w, c);
        if (!bilinear) {
          if (p00 < 0) {
            for (let ci = 0; ci < c; ci++) store<f32>(o + (<usize>ci << 2), fillValue);
          } else {
            memory.copy(o, xi + (<usize>p00 << 2), <usize>c << 2);
          }
          o += <usize>c << 2;
          continue;
        }
        const p01 = pixelOffset(r0, tapK1, w, c), p10 = pixelOffset(r1, tapK0, w, c), p11 = pixelOffset(r1, tapK1, w, c);
        const wx0 = tapW0, wx1 = tapW1;
        let ci = 0;
        if (c >= 4) {
          const vwx0 = f32x4.splat(wx0), vwx1 = f32x4.splat(wx1), vwy0 = f32x4.splat(wy0), vwy1 = f32x4.splat(wy1);
          for (; ci + 4 <= c; ci += 4) {
            const v00 = p00 < 0 ? fill : v128.load(xi + (<usize>(p00 + ci) << 2));
            const v01 = p01 < 0 ? fill : v128.load(xi + (<usize>(p01 + ci) << 2));
            const v10 = p10 < 0 ? fill : v128.load(xi + (<usize>(p10 + ci) << 2));
            const v11 = p11 < 0 ? fill : v128.load(xi + (<usize>(p11 + ci) << 2));
            const top = f32x4.add(f32x4.mul(vwx0, v00), f32x4.mul(vwx1, v01));
            const bottom = f32x4.add(f32x4.mul(vwx0, v10), f32x4.mul(vwx1, v11));
            v128.store(o, f32x4.add(f32x4.mul(vwy0, top), f32x4.mul(vwy1, bottom)));
            o += 16;
          }
        }
        for (; ci < c; ci++) {
          const v00 = p00 < 0 ? fillValue : load<f32>(xi + (<usize>(p00 + ci) << 2));
          const v01 = p01 < 0 ? fillValue : load<f32>(xi + (<usize>(p01 + ci) << 2));
          const v10 = p10 < 0 ? fillValue : load<f32>(xi + (<usize>(p10 + ci) << 2));
          const v11 = p11 < 0 ? fillValue : load<f32>(xi + (<usize>(p11 + ci) << 2));
          store<f32>(o, wy0 * (wx0 * v00 + wx1 * v01) + wy1 * (wx0 * v10 + wx1 * v11));
          o += 4;
        }
      }
    }
  }
}

// The adjoint of translation_forward: dx[n] is zeroed, then each dy[n, i, j] is scattered to the source
// pixels it was sampled from, times their weights (wy·wx); constant-filled taps receive nothing. Overwrites
// dx for images [n0, n0 + count); dx must not alias dy. Scatters run in output order, so bits are fixed.
export function translation_backward(dx: usize, dy: usize, shifts: usize, count: i32, h: i32, w: i32, c: i32,
                                     fillMode: i32, interpolation: i32, n0: i32): void {
  const bilinear = interpolation == INTERP_BILINEAR;
  const imageBytes = <usize>h * w * c << 2;
  for (let n = n0; n < n0 + count; n++) {
    const sy = load<f32>(shifts + (<usize>n << 3)), sx = load<f32>(shifts + (<usize>n << 3) + 4);
    const di = dx + <usize>n * imageBytes;
    memory.fill(di, 0, imageBytes);
    let g = dy + <usize>n * imageBytes;
    for (let i = 0; i < h; i++) {
      axisTaps(i, sy, h, fillMode, bilinear);
      const r0 = tapK0, r1 = tapK1, wy0 = tapW0, wy1 = tapW1;
      for (let j = 0; j < w; j++) {
        axisTaps(j, sx, w, fillMode, bilinear);
        if (bilinear) {
          scatterPixel(di, g, pixelOffset(r0, tapK0, w, c), wy0 * tapW0, c);
          scatterPixel(di, g, pixelOffset(r0, tapK1, w, c), wy0 * tapW1, c);
          scatterPixel(di, g, pixelOffset(r1, tapK0, w, c), wy1 * tapW0, c);
          scatterPixel(di, g, pixelOffset(r1, tapK1, w, c), wy1 * tapW1, c);
        } else {
          scatterPixel(di, g, pixelOffset(r0, tapK0, w, c), 1, c);
        }
        g += <usize>c << 2;
      }
    }
  }
}

// d[p..p+c) += wt · g[0..c) (p in elements; p < 0: a constant-filled tap, no gradient).
// @ts-ignore: decorator
@inline
function scatterPixel(d: usize, g: usize, p: i32, wt: f32, c: i32): void {
  if (p < 0) return;
  const dp = d + (<usize>p << 2);
  let ci = 0;
  if (c >= 4) {
    const vw = f32x4.splat(wt);
    for (; ci + 4 <= c; ci += 4) {
      const o = <usize>ci << 2;
      v128.store(dp + o, f32x4.add(v128.load(dp + o), f32x4.mul(vw, v128.load(g + o))));
    }
  }
  for (; ci < c; ci++) {
    const o = <usize>ci << 2;
    store<f32>(dp + o, load<f32>(dp + o) + wt * load<f32>(g + o));
  }
}
