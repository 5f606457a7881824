// Depthwise convolution (Keras' DepthwiseConv2D; SeparableConv2D's first half), NHWC, forward and backward side by
// side. Each input channel c has its own M filters (depth multiplier): output channel c·M + j is
//   Y[b,oh,ow,c·M+j] = bias[c·M+j] + Σ_{kh,kw} Xp[b, oh·sh+kh, ow·sw+kw, c] · W[kh,kw,c,j]
// over the zero-padded input Xp [B, Hp, Wp, C] (conv.ts' spread_nhwc makes it); W [KH, KW, C, M] read flat as
// [KH, KW, C·M]. With M = 1 (Keras' default) four channels go at once, a group of four at a time down a whole output
// row with its weights in registers (3×3 kernels: all nine). Every call does a range of rows (or, for the kernel
// gradient, of channels) and writes each value once, summing in a fixed order: results do not depend on how the work
// is split over threads.
import { madd } from './simd';

// Rows r0 .. r0+count of the B·Ho output rows (b = r / ho, oh = r % ho); bias 0 for none.
export function depthwise_forward(y: usize, xp: usize, w: usize, bias: usize, hp: i32, wp: i32, c: i32, m: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ho: i32, wo: i32, r0: i32, count: i32): void {
  const cm = c * m;
  const px = <usize>c << 2, step = <usize>(sw * c) << 2, rowBytes = <usize>(wp * c) << 2; // a pixel, a window step, an input row
  for (let r = r0; r < r0 + count; r++) {
    const b = r / ho, oh = r % ho;
    const outRow = y + (<usize>r * wo * cm << 2);
    const xRow = xp + ((<usize>b * hp + oh * sh) * wp * c << 2); // the row's first window's top-left pixel
    if (m != 1) {
      for (let ow = 0; ow < wo; ow++) {
        const out = outRow + (<usize>ow * cm << 2), x0 = xRow + <usize>ow * step;
        for (let ch = 0; ch < c; ch++) {
          for (let q = 0; q < m; q++) store<f32>(out + (<usize>(ch * m + q) << 2), tap(x0, w, bias, wp, c, m, kh, kw, ch, q));
        }
      }
      continue;
    }
    let ch = 0;
    for (; ch + 4 <= c; ch += 4) {
      const off = <usize>ch << 2;
      const bv = bias ? v128.load(bias + off) : f32x4.splat(0);
      if (kh == 3 && kw == 3) {
        const wt = w + off;
        const w0 = v128.load(wt), w1 = v128.load(wt + px), w2 = v128.load(wt + 2 * px);
        const w3 = v128.load(wt + 3 * px), w4 = v128.load(wt + 4 * px), w5 = v128.load(wt + 5 * px);
        const w6 = v128.load(wt + 6 * px), w7 = v128.load(wt + 7 * px), w8 = v128.load(wt + 8 * px);
        let x0 = xRow + off, out = outRow + off;
        for (let ow = 0; ow < wo; ow++) {
          const x1 = x0 + rowBytes, x2 = x1 + rowBytes;
          let acc = madd(v128.load(x0), w0, bv);
          acc = madd(v128.load(x0 + px), w1, acc);
          acc = madd(v128.load(x0 + 2 * px), w2, acc);
          acc = madd(v128.load(x1), w3, acc);
          acc = madd(v128.load(x1 + px), w4, acc);
          acc = madd(v128.load(x1 + 2 * px), w5, acc);
          acc = madd(v128.load(x2), w6, acc);
          acc = madd(v128.load(x2 + px), w7, acc);
          acc = madd(v128.load(x2 + 2 * px), w8, acc);
          v128.store(out, acc);
          x0 += step; out += px;
        }
      } else {
        let x0 = xRow + off, out = outRow + off;
        for (let ow = 0; ow < wo; ow++) {
          let acc = bv;
          let xi = x0, wi = w + off;
          for (let i = 0; i < kh; i++) {
            let xj = xi;
            for (let j = 0; j < kw; j++) {
              acc = madd(v128.load(xj), v128.load(wi), acc);
              xj += px; wi += px;
            }
            xi += rowBytes;
          }
          v128.store(out, acc);
          x0 += step; out += px;
        }
      }
    }
    for (; ch < c; ch++) {
      for (let ow = 0; ow < wo; ow++) store<f32>(outRow + ((<usize>ow * c + ch) << 2), tap(xRow + <usize>ow * step, w, bias, wp, c, 1, kh, kw, ch, 0));
    }
  }
}

// One output value: channel ch, filter q of its window at x0 (the same order of sums as the four-lane loop).
@inline function tap(x0: usize, w: usize, bias: usize, wp: i32, c: i32, m: i32, kh: i32, kw: i32, ch: i32, q: i32): f32 {
  const o = ch * m + q;
  let acc: f32 = bias ? load<f32>(bias + (<usize>o << 2)) : 0;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      acc += load<f32>(x0 + ((<usize>(i * wp + j) * c + ch) << 2)) * load<f32>(w + ((<usize>(i * kw + j) * c * m + o) << 2));
    }
  }
  return acc;
}

// dX [B, H, W, C] from dY [B, Ho, Wo, C·M] for depth multipliers M > 1 (with M = 1 the layer runs the forward kernel
// on dY spread and padded, with the flipped kernel, instead), gathered (no two threads write one value): input pixel (y, x) sits at
// (y + top, x + left) in the padded input, and tap (kh, kw) of output (oh, ow) reads it when oh·sh + kh = y + top:
// the taps that reach it are kh = first, first + sh, ... (firstTap). Rows r0 .. r0+count of the B·H input rows.
export function depthwise_backward_data(dx: usize, dy: usize, w: usize, h: i32, wd: i32, c: i32, m: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ho: i32, wo: i32, top: i32, left: i32, r0: i32, count: i32): void {
  const cm = c * m;
  for (let r = r0; r < r0 + count; r++) {
    const b = r / h, yy = r % h + top;
    const i0 = firstTap(yy, sh, ho), i1 = min(kh - 1, yy);
    for (let x = 0; x < wd; x++) {
      const xx = x + left;
      const j0 = firstTap(xx, sw, wo), j1 = min(kw - 1, xx);
      const out = dx + ((<usize>r * wd + x) * c << 2);
      for (let ch = 0; ch < c; ch++) {
        let s: f32 = 0;
        for (let i = i0; i <= i1; i += sh) {
          const g = dy + (((<usize>b * ho + (yy - i) / sh) * wo) * cm << 2);
          for (let j = j0; j <= j1; j += sw) {
            const gp = g + ((<usize>((xx - j) / sw) * cm) << 2), wt = w + ((<usize>(i * kw + j) * cm) << 2);
            for (let q = 0; q < m; q++) {
              const o = <usize>(ch * m + q) << 2;
              s += load<f32>(gp + o) * load<f32>(wt + o);
            }
          }
        }
        store<f32>(out + (<usize>ch << 2), s);
      }
    }
  }
}

// The first kernel tap that reaches padded coordinate p from an output 0 .. outs-1 at stride s: the smallest
// t ≥ max(0, p - (outs-1)·s) with p - t a multiple of s (the taps after it reach it every s).
@inline function firstTap(p: i32, s: i32, outs: i32): i32 {
  let t = max(0, p - (outs - 1) * s);
  const rem = (p - t) % s;
  return rem ? t + rem : t;
}

// dW [KH, KW, C·M] += Σ_{b,oh,ow} Xp[b, oh·sh+kh, ow·sw+kw, c] · dY[b,oh,ow,c·M+j], for input channels c0 .. c0+count
// (a range of channels per thread, a multiple of 4 but the last: each sum runs over the positions in one order,
// (b, oh, ow), whatever the split). With M = 1 a group of four channels takes an output row at a time with the
// partial sums of its taps in registers (3×3: all nine), the row's inputs and gradients staying in the L1 cache.
export function depthwise_backward_filter(dw: usize, xp: usize, dy: usize, n: i32, hp: i32, wp: i32, c: i32, m: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ho: i32, wo: i32, c0: i32, count: i32): void {
  const cm = c * m;
  if (m != 1) {
    for (let t = 0; t < kh * kw; t++) {
      const i = t / kw, j = t % kw;
      const dst = dw + ((<usize>t * cm) << 2);
      for (let ch = c0; ch < c0 + count; ch++) {
        for (let q = 0; q < m; q++) store<f32>(dst + (<usize>(ch * m + q) << 2), filterTap(dst, xp, dy, n, hp, wp, c, m, sh, sw, ho, wo, i, j, ch, q));
      }
    }
    return;
  }
  const px = <usize>c << 2, step = <usize>(sw * c) << 2, rowBytes = <usize>(wp * c) << 2;
  let ch = c0;
  for (; ch + 4 <= c0 + count; ch += 4) {
    const off = <usize>ch << 2;
    if (kh == 3 && kw == 3) {
      const d = dw + off;
      let a0 = v128.load(d), a1 = v128.load(d + px), a2 = v128.load(d + 2 * px);
      let a3 = v128.load(d + 3 * px), a4 = v128.load(d + 4 * px), a5 = v128.load(d + 5 * px);
      let a6 = v128.load(d + 6 * px), a7 = v128.load(d + 7 * px), a8 = v128.load(d + 8 * px);
      for (let b = 0; b < n; b++) {
        for (let oh = 0; oh < ho; oh++) {
          let x0 = xp + (((<usize>b * hp + oh * sh) * wp) * c << 2) + off;
          let g = dy + (((<usize>b * ho + oh) * wo) * c << 2) + off;
          for (let ow = 0; ow < wo; ow++) {
            const gv = v128.load(g);
            const x1 = x0 + rowBytes, x2 = x1 + rowBytes;
            a0 = madd(v128.load(x0), gv, a0); a1 = madd(v128.load(x0 + px), gv, a1); a2 = madd(v128.load(x0 + 2 * px), gv, a2);
            a3 = madd(v128.load(x1), gv, a3); a4 = madd(v128.load(x1 + px), gv, a4); a5 = madd(v128.load(x1 + 2 * px), gv, a5);
            a6 = madd(v128.load(x2), gv, a6); a7 = madd(v128.load(x2 + px), gv, a7); a8 = madd(v128.load(x2 + 2 * px), gv, a8);
            x0 += step; g += px;
          }
        }
      }
      v128.store(d, a0); v128.store(d + px, a1); v128.store(d + 2 * px, a2);
      v128.store(d + 3 * px, a3); v128.store(d + 4 * px, a4); v128.store(d + 5 * px, a5);
      v128.store(d + 6 * px, a6); v128.store(d + 7 * px, a7); v128.store(d + 8 * px, a8);
    } else {
      // any kernel: a tap's partial sum in memory (in the L1 cache), one output row at a time
      for (let b = 0; b < n; b++) {
        for (let oh = 0; oh < ho; oh++) {
          const xRow = xp + (((<usize>b * hp + oh * sh) * wp) * c << 2) + off;
          const gRow = dy + (((<usize>b * ho + oh) * wo) * c << 2) + off;
          for (let i = 0; i < kh; i++) {
            for (let j = 0; j < kw; j++) {
              const d = dw + ((<usize>(i * kw + j) * c) << 2) + off;
              let acc = v128.load(d);
              let xv = xRow + <usize>i * rowBytes + <usize>j * px, g = gRow;
              for (let ow = 0; ow < wo; ow++) {
                acc = madd(v128.load(xv), v128.load(g), acc);
                xv += step; g += px;
              }
              v128.store(d, acc);
            }
          }
        }
      }
    }
  }
  for (; ch < c0 + count; ch++) {
    for (let t = 0; t < kh * kw; t++) {
      const dst = dw + ((<usize>t * c) << 2);
      store<f32>(dst + (<usize>ch << 2), filterTap(dst, xp, dy, n, hp, wp, c, 1, sh, sw, ho, wo, t / kw, t % kw, ch, 0));
    }
  }
}

// One weight's gradient: its current value plus the sum over the positions (the order of the four-lane loop).
@inline function filterTap(dst: usize, xp: usize, dy: usize, n: i32, hp: i32, wp: i32, c: i32, m: i32, sh: i32, sw: i32,
  ho: i32, wo: i32, i: i32, j: i32, ch: i32, q: i32): f32 {
  const cm = c * m, o = ch * m + q;
  let acc = load<f32>(dst + (<usize>o << 2));
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < ho; oh++) {
      for (let ow = 0; ow < wo; ow++) {
        const xv = load<f32>(xp + ((((<usize>b * hp + oh * sh + i) * wp + ow * sw + j) * c + ch) << 2));
        acc += xv * load<f32>(dy + ((((<usize>b * ho + oh) * wo + ow) * cm + o) << 2));
      }
    }
  }
  return acc;
}
