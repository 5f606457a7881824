// Shared SIMD helpers. `madd` is the one place where the plain and the relaxed-SIMD builds differ:
// relaxed builds fuse multiply and add (f32x4.relaxed_madd), plain builds issue mul then add.

// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

// Sums the four lanes of v.
// @ts-ignore: decorator
@inline
export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

// f32x4 <-> f64x2 halves, for reductions that accumulate in f64: lanes 0-1 and lanes 2-3 of v widened,
// and two f64x2 narrowed back into one f32x4 (lo in lanes 0-1). Each lane is rounded exactly as a
// scalar <f64> / <f32> cast, so a channel gives the same bits in a SIMD lane and in a scalar tail.
// @ts-ignore: decorator
@inline
export function widen_lo(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline
export function widen_hi(v: v128): v128 {
  return f64x2.promote_low_f32x4(i64x2.shuffle(v, v, 1, 1));
}

// @ts-ignore: decorator
@inline
export function narrow(lo: v128, hi: v128): v128 {
  return i64x2.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2);
}
