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

// Uniform in [0, 1): the top 24 bits of hash32 over 2^24, so every value is exact in f32 and 1 is never
// reached; u < 0.5 holds for exactly half of the values (a fair coin).
// @ts-ignore: decorator
@inline
export function uniform01(seed: u32, i: u32): f32 {
  return <f32>(hash32(seed, i) >>> 8) * (<f32>1.0 / <f32>16777216.0);
}
