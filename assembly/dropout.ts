// The noise layers, with a counter-based RNG: inverted dropout (element i of a call with seed s keeps its value
// with probability 1 - rate, decided by hash32(s, i) alone, assembly/random.ts), Gaussian noise and dropout (a
// normal draw per element) and spatial dropout (a coin per sample and channel): every draw depends on its
// element's or channel's index alone, so results do not depend on how work is split.

import { hash32, hash32x4 } from './random';

// mask[i] = keep ? 1/(1-rate) : 0; y = x ⊙ mask. The mask is what backward needs. `start` is the index
// of element 0 in the whole tensor (threads each take a range), so the draw depends on the element alone.
export function dropout_forward(y: usize, mask: usize, x: usize, n: i32, rate: f32, seed: u32, start: i32): void {
  const scale: f32 = <f32>1 / (<f32>1 - rate);
  const threshold = <u32>(<f64>rate * 4294967296.0);
  const vscale = f32x4.splat(scale), vthreshold = i32x4.splat(threshold);
  let counters = i32x4.add(i32x4.splat(start), i32x4(0, 1, 2, 3));
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const keep = i32x4.ge_u(hash32x4(seed, counters), vthreshold);
    const m = v128.and(keep, vscale);
    v128.store(mask + o, m);
    v128.store(y + o, f32x4.mul(v128.load(x + o), m));
    counters = i32x4.add(counters, i32x4.splat(4));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const m: f32 = hash32(seed, <u32>(start + i)) >= threshold ? scale : 0;
    store<f32>(mask + o, m);
    store<f32>(y + o, load<f32>(x + o) * m);
  }
}

export function dropout_backward(dx: usize, dy: usize, mask: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), v128.load(mask + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dy + o) * load<f32>(mask + o));
  }
}

// ---- the other noise layers: Gaussian noise and dropout, spatial dropout ----------------------------------

// A standard normal draw for counter i: Box–Muller over the uniform draws of counters 2i and 2i + 1, u1 in (0, 1]
// (so the log is finite) and u2 in [0, 1). Scalar Mathf: the same bits on every host.
// @ts-ignore: decorator
@inline
function normal(seed: u32, i: u32): f32 {
  const u1 = <f32>((hash32(seed, i << 1) >>> 8) + 1) * (<f32>1.0 / <f32>16777216.0);
  const u2 = <f32>(hash32(seed, (i << 1) | 1) >>> 8) * (<f32>1.0 / <f32>16777216.0);
  return Mathf.sqrt(<f32>-2 * Mathf.log(u1)) * Mathf.cos(<f32>6.283185307179586 * u2);
}

// GaussianNoise: y = x + stddev · z, z standard normal per element (element `start` + i of the tensor). Its
// backward is the identity: no mask is kept.
export function gaussian_noise_forward(y: usize, x: usize, n: i32, stddev: f32, seed: u32, start: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(x + o) + stddev * normal(seed, <u32>(start + i)));
  }
}

// GaussianDropout: mask[i] = 1 + stddev · z, y = x ⊙ mask (stddev = sqrt(rate / (1 - rate)), Keras'); backward is
// dropout_backward's dx = dy ⊙ mask.
export function gaussian_dropout_forward(y: usize, mask: usize, x: usize, n: i32, stddev: f32, seed: u32, start: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const m: f32 = <f32>1 + stddev * normal(seed, <u32>(start + i));
    store<f32>(mask + o, m);
    store<f32>(y + o, load<f32>(x + o) * m);
  }
}

// SpatialDropout1D / 2D: whole channels dropped. For `count` samples x [count, positions, channels] (sample n0 + b
// of the batch draws with counter (n0 + b) · channels + c): mask [count, channels] = keep ? 1/(1-rate) : 0, the
// same coin as dropout_forward's; y = x ⊙ mask broadcast over the positions.
export function spatial_dropout_forward(y: usize, mask: usize, x: usize, count: i32, positions: i32, channels: i32,
                                        rate: f32, seed: u32, n0: i32): void {
  const scale: f32 = <f32>1 / (<f32>1 - rate);
  const threshold = <u32>(<f64>rate * 4294967296.0);
  for (let b = 0; b < count; b++) {
    const mb = mask + (<usize>(b * channels) << 2);
    for (let c = 0; c < channels; c++) {
      store<f32>(mb + (<usize>c << 2), hash32(seed, <u32>((n0 + b) * channels + c)) >= threshold ? scale : 0);
    }
    spatial_scale(y + (<usize>(b * positions * channels) << 2), x + (<usize>(b * positions * channels) << 2), mb, positions, channels);
  }
}

// dx [count, positions, channels] = dy ⊙ mask [count, channels] broadcast over the positions.
export function spatial_dropout_backward(dx: usize, dy: usize, mask: usize, count: i32, positions: i32, channels: i32): void {
  for (let b = 0; b < count; b++) {
    const at = <usize>(b * positions * channels) << 2;
    spatial_scale(dx + at, dy + at, mask + (<usize>(b * channels) << 2), positions, channels);
  }
}

// One sample's y [positions, channels] = x ⊙ m [channels].
function spatial_scale(y: usize, x: usize, m: usize, positions: i32, channels: i32): void {
  for (let p = 0; p < positions; p++) {
    const row = <usize>(p * channels) << 2;
    for (let c = 0; c < channels; c++) {
      const o = row + (<usize>c << 2);
      store<f32>(y + o, load<f32>(x + o) * load<f32>(m + (<usize>c << 2)));
    }
  }
}
