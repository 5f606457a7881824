// The noise layers, with a counter-based RNG: inverted dropout (element i of a call with seed s keeps its value
// with probability 1 - rate, decided by hash32(s, i) alone, assembly/random.ts), Gaussian noise and dropout (a
// normal draw per element) and spatial dropout (a coin per sample and channel): every draw depends on its
// element's or channel's index alone, so results do not depend on how work is split.

import { hash32, hash32x4 } from './random';
import { cos_t4, log4, quarter4, rotate4, sin_t4, turn_t4 } from './simd';

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

// Standard normal draws by Box–Muller pairs: the elements with counters 2p and 2p + 1 share the uniforms u1 (from
// counter 2p's hash; in (0, 1], so the log is finite: |z| ≤ 5.77) and u2 (counter 2p + 1's; in [0, 1)) and take
// r cos 2πu2 and r sin 2πu2, r = sqrt(-2 ln u1): one log and one square root per two draws. ln, cos and sin are
// simd.ts' f32x4 polynomials in plain IEEE arithmetic (both builds): the same bits on every host and in every lane
// position, so a value depends on its counter alone however a tensor is split. Within 3e-7 of float64's z for the
// same uniforms (relative above |z| = 1, absolute below): 2.2e-7 the worst of 400,000 random draws
// (test/assembly/random.test.ts), 2.9e-7 the worst a search of the worst ln and cos inputs' pairs found (review).

// For the pairs whose first counters are the lanes of `firsts` (even): r = sqrt(-2 ln u1) ...
// @ts-ignore: decorator
@inline
function radius4(seed: u32, firsts: v128): v128 {
  const u1 = f32x4.convert_i32x4_u(i32x4.add(i32x4.shr_u(hash32x4(seed, firsts), 8), i32x4.splat(1)));
  return f32x4.sqrt(f32x4.mul(f32x4.splat(-2), log4(f32x4.mul(u1, f32x4.splat(<f32>1.0 / <f32>16777216.0)))));
}

// ... and u2, the angle in turns.
// @ts-ignore: decorator
@inline
function turns4(seed: u32, firsts: v128): v128 {
  const u2 = f32x4.convert_i32x4_u(i32x4.shr_u(hash32x4(seed, v128.or(firsts, i32x4.splat(1))), 8));
  return f32x4.mul(u2, f32x4.splat(<f32>1.0 / <f32>16777216.0));
}

// out[0..8) = the draws of counters c .. c + 7, c even: four pairs, interleaved (r0 cos, r0 sin, r1 cos, ...).
// @ts-ignore: decorator
@inline
function normals8(out: usize, seed: u32, c: i32): void {
  const firsts = i32x4.add(i32x4.splat(c), i32x4(0, 2, 4, 6));
  const r = radius4(seed, firsts), u = turns4(seed, firsts);
  const qf = quarter4(u), t = turn_t4(u, qf), q = i32x4.trunc_sat_f32x4_s(qf);
  const cs = cos_t4(t), sn = sin_t4(t);
  const zc = f32x4.mul(r, rotate4(cs, sn, q)), zs = f32x4.mul(r, rotate4(cs, sn, i32x4.sub(q, i32x4.splat(1))));
  v128.store(out, v128.shuffle<f32>(zc, zs, 0, 4, 1, 5));
  v128.store(out, v128.shuffle<f32>(zc, zs, 2, 6, 3, 7), 16);
}

// The draw of counter c alone, through the same lane arithmetic as normals8 (the same bits).
// @ts-ignore: decorator
@inline
function normal1(seed: u32, c: u32): f32 {
  const firsts = i32x4.splat(c & ~1);
  const r = radius4(seed, firsts), u = turns4(seed, firsts);
  const qf = quarter4(u), t = turn_t4(u, qf), q = i32x4.trunc_sat_f32x4_s(qf);
  return f32x4.extract_lane(f32x4.mul(r, rotate4(cos_t4(t), sin_t4(t), i32x4.sub(q, i32x4.splat(c & 1)))), 0);
}

// GaussianNoise: y = x + stddev · z, z standard normal per element (element `start` + i of the tensor). Its
// backward is the identity: no mask is kept. Eight draws at a time from an even counter, one by one around them.
export function gaussian_noise_forward(y: usize, x: usize, n: i32, stddev: f32, seed: u32, start: i32): void {
  const sd = f32x4.splat(stddev);
  let i = 0;
  for (; i < n && ((start + i) & 1) != 0; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(x + o) + stddev * normal1(seed, <u32>(start + i)));
  }
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    normals8(y + o, seed, start + i);
    v128.store(y + o, f32x4.add(v128.load(x + o), f32x4.mul(sd, v128.load(y + o))));
    v128.store(y + o, f32x4.add(v128.load(x + o, 16), f32x4.mul(sd, v128.load(y + o, 16))), 16);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(x + o) + stddev * normal1(seed, <u32>(start + i)));
  }
}

// GaussianDropout: mask[i] = 1 + stddev · z, y = x ⊙ mask (stddev = sqrt(rate / (1 - rate)), Keras'); backward is
// dropout_backward's dx = dy ⊙ mask.
export function gaussian_dropout_forward(y: usize, mask: usize, x: usize, n: i32, stddev: f32, seed: u32, start: i32): void {
  const sd = f32x4.splat(stddev), one = f32x4.splat(1);
  let i = 0;
  for (; i < n && ((start + i) & 1) != 0; i++) gaussian_dropout_one(y, mask, x, i, stddev, seed, start);
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    normals8(mask + o, seed, start + i);
    const m0 = f32x4.add(one, f32x4.mul(sd, v128.load(mask + o))), m1 = f32x4.add(one, f32x4.mul(sd, v128.load(mask + o, 16)));
    v128.store(mask + o, m0); v128.store(mask + o, m1, 16);
    v128.store(y + o, f32x4.mul(v128.load(x + o), m0)); v128.store(y + o, f32x4.mul(v128.load(x + o, 16), m1), 16);
  }
  for (; i < n; i++) gaussian_dropout_one(y, mask, x, i, stddev, seed, start);
}

// @ts-ignore: decorator
@inline
function gaussian_dropout_one(y: usize, mask: usize, x: usize, i: i32, stddev: f32, seed: u32, start: i32): void {
  const o = <usize>i << 2;
  const m: f32 = <f32>1 + stddev * normal1(seed, <u32>(start + i));
  store<f32>(mask + o, m);
  store<f32>(y + o, load<f32>(x + o) * m);
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
