// Counter-based random numbers for the stochastic kernels (dropout, augmentation). A draw is a pure
// function of (seed, counter) with no state carried between calls, so however a batch is split over
// threads every element or image draws the same numbers: kernels derive the counter from its global index.

// A lowbias32-style integer mix of the seed and the counter.
// @ts-ignore: decorator
@inline
export function hash32(seed: u32, i: u32): u32 {
  let h = seed ^ (i * 0x9e3779b9);
  h ^= h >> 16; h *= 0x7feb352d;
  h ^= h >> 15; h *= 0x846ca68b;
  h ^= h >> 16;
  return h;
}

// hash32 of four counters at once (lanes i, i+1, i+2, i+3 of `counters`): the same bits as four scalar calls.
// @ts-ignore: decorator
@inline
export function hash32x4(seed: u32, counters: v128): v128 {
  let h = v128.xor(i32x4.splat(seed), i32x4.mul(counters, i32x4.splat(0x9e3779b9)));
  h = v128.xor(h, i32x4.shr_u(h, 16)); h = i32x4.mul(h, i32x4.splat(0x7feb352d));
  h = v128.xor(h, i32x4.shr_u(h, 15)); h = i32x4.mul(h, i32x4.splat(0x846ca68b));
  return v128.xor(h, i32x4.shr_u(h, 16));
}

// Uniform in [0, 1): the top 24 bits of hash32 over 2^24, so every value is exact in f32 and 1 is never
// reached; u < 0.5 holds for exactly half of the values (a fair coin).
// @ts-ignore: decorator
@inline
export function uniform01(seed: u32, i: u32): f32 {
  return <f32>(hash32(seed, i) >>> 8) * (<f32>1.0 / <f32>16777216.0);
}
