// 2-D pooling over NHWC. Padding follows TensorFlow: the window of output (oh, ow) starts at
// (oh*sh - padTop, ow*sw - padLeft); positions outside the input are ignored (max) or not counted (avg).

// Y [B, Ho, Wo, C] = max over the window; argmax [B, Ho, Wo, C] (i32) saves the flat input index of
// each maximum, which the backward pass needs (argmax = 0: inference, not saved). Channels go four at a
// time when C is a multiple of 4. Images [n0, n0 + b) of the batch at y / argmax / x (threads split it).
export function maxpool_forward(y: usize, argmax: usize, x: usize, b: i32, h: i32, w: i32, c: i32,
                                ho: i32, wo: i32, ph: i32, pw: i32, sh: i32, sw: i32,
                                padTop: i32, padLeft: i32, n0: i32): void {
  let o: usize = <usize>n0 * ho * wo * c;
  const simd = (c & 3) == 0;
  if (simd && ph == 2 && pw == 2 && sh == 2 && sw == 2 && padTop == 0 && padLeft == 0 && 2 * ho <= h && 2 * wo <= w) {
    maxpool2x2_forward(y, argmax, x, b, h, w, c, ho, wo, n0);
    return;
  }
  for (let n = n0; n < n0 + b; n++) {
    for (let oy = 0; oy < ho; oy++) {
      const y0 = max(oy * sh - padTop, 0), y1 = min(oy * sh - padTop + ph, h);
      for (let ox = 0; ox < wo; ox++) {
        const x0 = max(ox * sw - padLeft, 0), x1 = min(ox * sw - padLeft + pw, w);
        const first: i32 = ((n * h + y0) * w + x0) * c;
        if (simd) {
          for (let ci = 0; ci < c; ci += 4) {
            let best = v128.load(x + (<usize>(first + ci) << 2));
            let bestIdx = i32x4.add(i32x4.splat(first + ci), v128(0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0));
            for (let iy = y0; iy < y1; iy++) {
              for (let ix = x0; ix < x1; ix++) {
                const idx = ((n * h + iy) * w + ix) * c + ci;
                const v = v128.load(x + (<usize>idx << 2));
                const gt = f32x4.gt(v, best);
                best = v128.bitselect(v, best, gt);
                if (argmax) bestIdx = v128.bitselect(i32x4.add(i32x4.splat(idx), v128(0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0)), bestIdx, gt);
              }
            }
            v128.store(y + (o << 2), best);
            if (argmax) v128.store(argmax + (o << 2), bestIdx);
            o += 4;
          }
          continue;
        }
        for (let ci = 0; ci < c; ci++) {
          let best: f32 = -Infinity;
          let bestIdx: i32 = first + ci;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const idx = ((n * h + iy) * w + ix) * c + ci;
              const v = load<f32>(x + (<usize>idx << 2));
              if (v > best) { best = v; bestIdx = idx; }
            }
          }
          store<f32>(y + (o << 2), best);
          if (argmax) store<i32>(argmax + (o << 2), bestIdx);
          o++;
        }
      }
    }
  }
}

// maxpool_forward's most common case, every window 2×2 inside the image (stride 2, no padding, C a multiple of
// 4): the four pixels loaded and compared in the generic loop's order (row by row, a later pixel wins only if
// greater), so the same maxima and indices.
function maxpool2x2_forward(y: usize, argmax: usize, x: usize, b: i32, h: i32, w: i32, c: i32, ho: i32, wo: i32, n0: i32): void {
  let o: usize = <usize>n0 * ho * wo * c;
  const cs = <usize>c << 2, rs = <usize>w * c << 2;
  const right = i32x4.splat(c), down = i32x4.splat(w * c);
  const lanes = v128(0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0);
  for (let n = n0; n < n0 + b; n++) {
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        const first: i32 = ((n * h + 2 * oy) * w + 2 * ox) * c;
        const p = x + (<usize>first << 2);
        for (let ci = 0; ci < c; ci += 4) {
          const q = p + (<usize>ci << 2);
          const v0 = v128.load(q), v1 = v128.load(q + cs), v2 = v128.load(q + rs), v3 = v128.load(q + rs + cs);
          const g1 = f32x4.gt(v1, v0);
          const m1 = v128.bitselect(v1, v0, g1);
          const g2 = f32x4.gt(v2, m1);
          const m2 = v128.bitselect(v2, m1, g2);
          const g3 = f32x4.gt(v3, m2);
          v128.store(y + (o << 2), v128.bitselect(v3, m2, g3));
          if (argmax) {
            const i0 = i32x4.add(i32x4.splat(first + ci), lanes);
            let idx = v128.bitselect(i32x4.add(i0, right), i0, g1);
            idx = v128.bitselect(i32x4.add(i0, down), idx, g2);
            idx = v128.bitselect(i32x4.add(i32x4.add(i0, down), right), idx, g3);
            v128.store(argmax + (o << 2), idx);
          }
          o += 4;
        }
      }
    }
  }
}

// dX of images [n0, n0 + b) (pointers at the whole batch, as the forward's) from dY and the forward's argmax:
// each dY value goes to its window's saved maximum, every other pixel is 0. In the forward's 2×2 stride-2 case
// every pixel is written once (a window's four pixels from its dY and argmax, the rows and columns no window
// reaches cleared), else the images' dX is cleared and dY scattered.
export function maxpool_backward(dx: usize, dy: usize, argmax: usize, b: i32, h: i32, w: i32, c: i32,
                                 ho: i32, wo: i32, ph: i32, pw: i32, sh: i32, sw: i32,
                                 padTop: i32, padLeft: i32, n0: i32): void {
  if ((c & 3) == 0 && ph == 2 && pw == 2 && sh == 2 && sw == 2 && padTop == 0 && padLeft == 0 && 2 * ho <= h && 2 * wo <= w) {
    maxpool2x2_backward(dx, dy, argmax, b, h, w, c, ho, wo, n0);
    return;
  }
  const image = <usize>h * w * c, out = <usize>ho * wo * c;
  memory.fill(dx + (<usize>n0 * image << 2), 0, <usize>b * image << 2);
  for (let o = <usize>n0 * out; o < <usize>(n0 + b) * out; o++) {
    const p = dx + (<usize>load<i32>(argmax + (o << 2)) << 2);
    store<f32>(p, load<f32>(p) + load<f32>(dy + (o << 2)));
  }
}

// maxpool_backward's 2×2 case: the same bits as clearing and scattering (0 + dY at the maximum: -0 becomes +0).
function maxpool2x2_backward(dx: usize, dy: usize, argmax: usize, b: i32, h: i32, w: i32, c: i32, ho: i32, wo: i32, n0: i32): void {
  let o: usize = <usize>n0 * ho * wo * c;
  const cs = <usize>c << 2;
  const right = i32x4.splat(c);
  const lanes = v128(0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0);
  const zero = f32x4.splat(0);
  for (let n = n0; n < n0 + b; n++) {
    for (let oy = 0; oy < ho; oy++) {
      const o0 = o;
      // each of the window row's two image rows in one sequential pass (dY's row is read twice, from the cache)
      for (let half = 0; half < 2; half++) {
        const row = ((n * h + 2 * oy + half) * w) * c;
        o = o0;
        for (let ox = 0; ox < wo; ox++) {
          const first: i32 = row + 2 * ox * c;
          const p = dx + (<usize>first << 2);
          for (let ci = 0; ci < c; ci += 4) {
            const g = v128.load(dy + (o << 2)), at = v128.load(argmax + (o << 2));
            const i0 = i32x4.add(i32x4.splat(first + ci), lanes);
            const q = p + (<usize>ci << 2);
            v128.store(q, f32x4.add(zero, v128.and(g, i32x4.eq(at, i0))));
            v128.store(q + cs, f32x4.add(zero, v128.and(g, i32x4.eq(at, i32x4.add(i0, right)))));
            o += 4;
          }
        }
        // the column no window reaches (w odd)
        if (2 * wo < w) memory.fill(dx + (<usize>(row + 2 * wo * c) << 2), 0, <usize>(w - 2 * wo) * c << 2);
      }
    }
    // the row no window reaches (h odd)
    if (2 * ho < h) memory.fill(dx + (<usize>((n * h + 2 * ho) * w) * c << 2), 0, <usize>(h - 2 * ho) * w * c << 2);
  }
}

export function avgpool_forward(y: usize, x: usize, b: i32, h: i32, w: i32, c: i32,
                                ho: i32, wo: i32, ph: i32, pw: i32, sh: i32, sw: i32,
                                padTop: i32, padLeft: i32): void {
  let o: usize = 0;
  for (let n = 0; n < b; n++) {
    for (let oy = 0; oy < ho; oy++) {
      const y0 = max(oy * sh - padTop, 0), y1 = min(oy * sh - padTop + ph, h);
      for (let ox = 0; ox < wo; ox++) {
        const x0 = max(ox * sw - padLeft, 0), x1 = min(ox * sw - padLeft + pw, w);
        const inv: f32 = 1.0 / <f32>((y1 - y0) * (x1 - x0));
        for (let ci = 0; ci < c; ci++) {
          let s: f32 = 0;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              s += load<f32>(x + (<usize>(((n * h + iy) * w + ix) * c + ci) << 2));
            }
          }
          store<f32>(y + (o << 2), s * inv);
          o++;
        }
      }
    }
  }
}

// dX += dY spread evenly over each window. dX must be cleared by the caller first.
export function avgpool_backward(dx: usize, dy: usize, b: i32, h: i32, w: i32, c: i32,
                                 ho: i32, wo: i32, ph: i32, pw: i32, sh: i32, sw: i32,
                                 padTop: i32, padLeft: i32): void {
  let o: usize = 0;
  for (let n = 0; n < b; n++) {
    for (let oy = 0; oy < ho; oy++) {
      const y0 = max(oy * sh - padTop, 0), y1 = min(oy * sh - padTop + ph, h);
      for (let ox = 0; ox < wo; ox++) {
        const x0 = max(ox * sw - padLeft, 0), x1 = min(ox * sw - padLeft + pw, w);
        const inv: f32 = 1.0 / <f32>((y1 - y0) * (x1 - x0));
        for (let ci = 0; ci < c; ci++) {
          const g = load<f32>(dy + (o << 2)) * inv;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const p = dx + (<usize>(((n * h + iy) * w + ix) * c + ci) << 2);
              store<f32>(p, load<f32>(p) + g);
            }
          }
          o++;
        }
      }
    }
  }
}

// ---- UpSampling2D, nearest: each pixel repeated sh x sw times; backward sums each block back ----------------

// Images [0, b) of x [b, h, w, c] into y [b, h·sh, w·sw, c] (the caller moves x and y to a thread's images).
export function upsample_nearest_forward(y: usize, x: usize, b: i32, h: i32, w: i32, c: i32, sh: i32, sw: i32): void {
  const rowBytes = <usize>c << 2, ho = h * sh, wo = w * sw;
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < ho; i++) {
      const src = x + (((<usize>n * h + i / sh) * w) * c << 2);
      const dst = y + (((<usize>n * ho + i) * wo) * c << 2);
      for (let j = 0; j < wo; j++) memory.copy(dst + <usize>j * rowBytes, src + <usize>(j / sw) * rowBytes, rowBytes);
    }
  }
}

// dx [b, h, w, c] = the sum of dy [b, h·sh, w·sw, c] over each pixel's sh x sw block, in row-major block order
// (the same order for any split of the images).
export function upsample_nearest_backward(dx: usize, dy: usize, b: i32, h: i32, w: i32, c: i32, sh: i32, sw: i32): void {
  const ho = h * sh, wo = w * sw;
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const d = dx + ((((<usize>n * h + i) * w + j) * c) << 2);
        let k = 0;
        for (; k + 4 <= c; k += 4) {
          let s = f32x4.splat(0);
          for (let u = 0; u < sh; u++) {
            for (let v = 0; v < sw; v++) {
              s = f32x4.add(s, v128.load(dy + ((((<usize>n * ho + i * sh + u) * wo + j * sw + v) * c + k) << 2)));
            }
          }
          v128.store(d + (<usize>k << 2), s);
        }
        for (; k < c; k++) {
          let s: f32 = 0;
          for (let u = 0; u < sh; u++) {
            for (let v = 0; v < sw; v++) s += load<f32>(dy + ((((<usize>n * ho + i * sh + u) * wo + j * sw + v) * c + k) << 2));
          }
          store<f32>(d + (<usize>k << 2), s);
        }
      }
    }
  }
}
