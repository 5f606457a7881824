// Convolution support, NHWC activations and [KH, KW, Cin, Cout] kernels (the Keras/TF layout).
// The arithmetic itself is the implicit-im2col GEMM in gemm.ts; this file builds its offset tables and
// the padded / dilated copies that let every conv (forward, backward-data, backward-filter) be one GEMM:
//   forward        Y[b,oh,ow,:]  = bias + Σ_{kh,kw,ci} Xp[b, oh*s+kh, ow*s+kw, ci] · W[kh,kw,ci,:]
//   backward-data  dX = valid stride-1 conv of P (dY dilated by s, padded by KH-1-padTop ...) with
//                  Wflip[kh,kw,co,ci] = W[KH-1-kh, KW-1-kw, ci, co]
//   backward-filter dW[(kh,kw,ci), :] += Σ_{b,oh,ow} Xp[b, oh*s+kh, ow*s+kw, ci] · dY[b,oh,ow,:]

// Copies src [B, H, W, C] into dst [B, Hd, Wd, C] at dst[b, top + h*stepH, left + w*stepW, c], zeroing the
// rest of dst. Steps 1 with top/left = padding is zero-padding; steps = strides is the dilation backward-data needs.
// Positions outside dst are dropped (they carry no gradient for the input).
export function spread_nhwc(dst: usize, src: usize, b: i32, h: i32, w: i32, c: i32,
                            hd: i32, wd: i32, top: i32, left: i32, stepH: i32, stepW: i32): void {
  memory.fill(dst, 0, <usize>b * hd * wd * c << 2);
  const rowBytes = <usize>c << 2;
  for (let n = 0; n < b; n++) {
    for (let y = 0; y < h; y++) {
      const yd = top + y * stepH;
      if (yd < 0 || yd >= hd) continue;
      for (let x = 0; x < w; x++) {
        const xd = left + x * stepW;
        if (xd < 0 || xd >= wd) continue;
        const s = src + (((<usize>n * h + y) * w + x) * c << 2);
        const d = dst + (((<usize>n * hd + yd) * wd + xd) * c << 2);
        memory.copy(d, s, rowBytes);
      }
    }
  }
}

// dst [KH, KW, Cout, Cin] = src [KH-1-kh, KW-1-kw, Cin, Cout]: the kernel of the backward-data conv, for
// dst's output channels [co0, co0 + count) (a range per thread).
export function flip_kernel(dst: usize, src: usize, kh: i32, kw: i32, cin: i32, cout: i32, co0: i32, count: i32): void {
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      const s = src + (((<usize>(kh - 1 - y) * kw + (kw - 1 - x)) * cin * cout) << 2);
      const d = dst + (((<usize>y * kw + x) * cout * cin) << 2);
      for (let co = co0; co < co0 + count; co++) {
        for (let ci = 0; ci < cin; ci++) {
          store<f32>(d + ((<usize>co * cin + ci) << 2), load<f32>(s + ((<usize>ci * cout + co) << 2)));
        }
      }
    }
  }
}

// dst [taps, Cout, Cin] = src [taps, Cin, Cout]: a kernel with its channels swapped (the filter of Winograd's
// transposed backward-data pass), for dst's rows [co0, co0 + count) — the forward's output channels, the
// transposed pass's input channels (a range per thread).
export function transpose_kernel(dst: usize, src: usize, taps: i32, cin: i32, cout: i32, co0: i32, count: i32): void {
  for (let t = 0; t < taps; t++) {
    const s = src + ((<usize>t * cin * cout) << 2), d = dst + ((<usize>t * cout * cin) << 2);
    for (let co = co0; co < co0 + count; co++) {
      for (let ci = 0; ci < cin; ci++) store<f32>(d + ((<usize>co * cin + ci) << 2), load<f32>(s + ((<usize>ci * cout + co) << 2)));
    }
  }
}

// Window origins of every output pixel: dst[(b*Ho + oh)*Wo + ow] = ((b*Hp + oh*s)*Wp + ow*s)*C,
// offsets in floats into a [B, Hp, Wp, C] input.
export function conv_window_offsets(dst: usize, b: i32, ho: i32, wo: i32, hp: i32, wp: i32, c: i32,
                                    sh: i32, sw: i32): void {
  let i: usize = 0;
  for (let n = 0; n < b; n++) {
    for (let y = 0; y < ho; y++) {
      for (let x = 0; x < wo; x++) {
        store<i32>(dst + (i << 2), ((n * hp + y * sh) * wp + x * sw) * c);
        i++;
      }
    }
  }
}

// Offsets of the KH*KW*C taps inside one window: dst[(kh*KW + kw)*C + ci] = (kh*Wp + kw)*C + ci.
export function conv_tap_offsets(dst: usize, kh: i32, kw: i32, c: i32, wp: i32): void {
  let i: usize = 0;
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let ci = 0; ci < c; ci++) {
        store<i32>(dst + (i << 2), (y * wp + x) * c + ci);
        i++;
      }
    }
  }
}
