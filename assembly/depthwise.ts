// Depthwise convolution (Keras' DepthwiseConv2D; SeparableConv2D's first half), NHWC, forward and backward side by
// side. Each input channel c has its own M filters (depth multiplier): output channel c·M + j is
//   Y[b,oh,ow,c·M+j] = bias[c·M+j] + Σ_{kh,kw} Xp[b, oh·sh+kh, ow·sw+kw, c] · W[kh,kw,c,j]
// over the zero-padded input Xp [B, Hp, Wp, C] (conv.ts' spread_nhwc makes it); W [KH, KW, C, M] read flat as
// [KH, KW, C·M]. With M = 1 (Keras' default) four channels go at once. Every call does a range of rows and writes
// each value once, summing in a fixed order: results do not depend on how the work is split over threads.

// Rows r0 .. r0+count of the B·Ho output rows (b = r / ho, oh = r % ho); bias 0 for none.
export function depthwise_forward(y: usize, xp: usize, w: usize, bias: usize, hp: i32, wp: i32, c: i32, m: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ho: i32, wo: i32, r0: i32, count: i32): void {
  const cm = c * m;
  for (let r = r0; r < r0 + count; r++) {
    const b = r / ho, oh = r % ho;
    for (let ow = 0; ow < wo; ow++) {
      const out = y + ((<usize>r * wo + ow) * cm << 2);
      const x0 = xp + (((<usize>b * hp + oh * sh) * wp + ow * sw) * c << 2); // the window's top-left pixel
      if (m == 1) {
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const off = <usize>ch << 2;
          let acc = bias ? v128.load(bias + off) : f32x4.splat(0);
          for (let i = 0; i < kh; i++) {
            for (let j = 0; j < kw; j++) {
              const xv = v128.load(x0 + ((<usize>(i * wp + j) * c) << 2) + off);
              const wv = v128.load(w + ((<usize>(i * kw + j) * c) << 2) + off);
              acc = f32x4.add(acc, f32x4.mul(xv, wv));
            }
          }
          v128.store(out + off, acc);
        }
        for (; ch < c; ch++) store<f32>(out + (<usize>ch << 2), tap(x0, w, bias, wp, c, 1, kh, kw, ch, 0));
      } else {
        for (let ch = 0; ch < c; ch++) {
          for (let q = 0; q < m; q++) store<f32>(out + (<usize>(ch * m + q) << 2), tap(x0, w, bias, wp, c, m, kh, kw, ch, q));
        }
      }
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

// dX [B, H, W, C] from dY [B, Ho, Wo, C·M], gathered (no two threads write one value): input pixel (y, x) sits at
// (y + top, x + left) in the padded input, and tap (kh, kw) of output (oh, ow) reads it when oh·sh + kh = y + top.
// Rows r0 .. r0+count of the B·H input rows.
export function depthwise_backward_data(dx: usize, dy: usize, w: usize, h: i32, wd: i32, c: i32, m: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ho: i32, wo: i32, top: i32, left: i32, r0: i32, count: i32): void {
  const cm = c * m;
  for (let r = r0; r < r0 + count; r++) {
    const b = r / h, yy = r % h + top;
    for (let x = 0; x < wd; x++) {
      const xx = x + left;
      const out = dx + ((<usize>r * wd + x) * c << 2);
      memory.fill(out, 0, <usize>c << 2);
      for (let i = 0; i < kh; i++) {
        const ty = yy - i;
        if (ty < 0 || ty % sh != 0 || ty / sh >= ho) continue;
        const oh = ty / sh;
        for (let j = 0; j < kw; j++) {
          const tx = xx - j;
          if (tx < 0 || tx % sw != 0 || tx / sw >= wo) continue;
          const g = dy + (((<usize>b * ho + oh) * wo + tx / sw) * cm << 2);
          const wt = w + ((<usize>(i * kw + j) * cm) << 2);
          if (m == 1) {
            let ch = 0;
            for (; ch + 4 <= c; ch += 4) {
              const off = <usize>ch << 2;
              v128.store(out + off, f32x4.add(v128.load(out + off), f32x4.mul(v128.load(g + off), v128.load(wt + off))));
            }
            for (; ch < c; ch++) {
              const off = <usize>ch << 2;
              store<f32>(out + off, load<f32>(out + off) + load<f32>(g + off) * load<f32>(wt + off));
            }
          } else {
            for (let ch = 0; ch < c; ch++) {
              let s: f32 = 0;
              for (let q = 0; q < m; q++) {
                const o = <usize>(ch * m + q) << 2;
                s += load<f32>(g + o) * load<f32>(wt + o);
              }
              store<f32>(out + (<usize>ch << 2), load<f32>(out + (<usize>ch << 2)) + s);
            }
          }
        }
      }
    }
  }
}

// dW [KH, KW, C·M] += Σ_{b,oh,ow} Xp[b, oh·sh+kh, ow·sw+kw, c] · dY[b,oh,ow,c·M+j], for taps t0 .. t0+count of the
// KH·KW taps (a range of taps per thread: each sum runs over the positions in one order).
export function depthwise_backward_filter(dw: usize, xp: usize, dy: usize, n: i32, hp: i32, wp: i32, c: i32, m: i32,
  kw: i32, sh: i32, sw: i32, ho: i32, wo: i32, t0: i32, count: i32): void {
  const cm = c * m;
  for (let t = t0; t < t0 + count; t++) {
    const i = t / kw, j = t % kw;
    const dst = dw + ((<usize>t * cm) << 2);
    if (m == 1) {
      let ch = 0;
      for (; ch + 4 <= c; ch += 4) {
        const off = <usize>ch << 2;
        let acc = v128.load(dst + off);
        for (let b = 0; b < n; b++) {
          for (let oh = 0; oh < ho; oh++) {
            const xrow = xp + (((<usize>b * hp + oh * sh + i) * wp + j) * c << 2) + off;
            const grow = dy + (((<usize>b * ho + oh) * wo) * c << 2) + off;
            for (let ow = 0; ow < wo; ow++) {
              acc = f32x4.add(acc, f32x4.mul(v128.load(xrow + ((<usize>ow * sw * c) << 2)), v128.load(grow + ((<usize>ow * c) << 2))));
            }
          }
        }
        v128.store(dst + off, acc);
      }
      for (; ch < c; ch++) store<f32>(dst + (<usize>ch << 2), filterTap(dst, xp, dy, n, hp, wp, c, 1, sh, sw, ho, wo, i, j, ch, 0));
    } else {
      for (let ch = 0; ch < c; ch++) {
        for (let q = 0; q < m; q++) store<f32>(dst + (<usize>(ch * m + q) << 2), filterTap(dst, xp, dy, n, hp, wp, c, m, sh, sw, ho, wo, i, j, ch, q));
      }
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
