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

// ---- f32x4 transcendental helpers: the one sigmoid and tanh of every kernel (activations and RNN cells) --

// exp(x), Cephes' expf on f32x4: n = round(x / ln 2), r = x - n ln 2 (two-part ln 2), a degree-6
// polynomial for e^r, scaled by 2^n through the exponent bits. Relative error ~2e-7; x clamped so that
// 2^n stays a normal float. expRound gives n (as a float) for a clamped x, expm1Reduced e^r - 1, exp2i 2^n.
// @ts-ignore: decorator
@inline
function expClamp(x: v128): v128 { return f32x4.min(f32x4.max(x, f32x4.splat(-87.0)), f32x4.splat(88.0)); }

// @ts-ignore: decorator
@inline
function expRound(x: v128): v128 { return f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341))); }

// @ts-ignore: decorator
@inline
function expm1Reduced(x: v128, fx: v128): v128 {
  let r = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  const r2 = f32x4.mul(r, r);
  let p = f32x4.splat(1.9875691500e-4);
  p = madd(p, r, f32x4.splat(1.3981999507e-3));
  p = madd(p, r, f32x4.splat(8.3334519073e-3));
  p = madd(p, r, f32x4.splat(4.1665795894e-2));
  p = madd(p, r, f32x4.splat(1.6666665459e-1));
  p = madd(p, r, f32x4.splat(5.0000001201e-1));
  return madd(p, r2, r);
}

// @ts-ignore: decorator
@inline
function exp2i(fx: v128): v128 { return i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(fx), i32x4.splat(127)), 23); }

// @ts-ignore: decorator
@inline
export function exp4(x: v128): v128 {
  x = expClamp(x);
  const fx = expRound(x);
  const e = f32x4.add(expm1Reduced(x, fx), f32x4.splat(1));
  return f32x4.mul(e, exp2i(fx));
}

// e^x - 1 without cancellation near 0: 2^n (e^r - 1) + (2^n - 1), which is e^r - 1 itself where n = 0.
// @ts-ignore: decorator
@inline
export function expm14(x: v128): v128 {
  x = expClamp(x);
  const fx = expRound(x);
  const scale = exp2i(fx);
  return f32x4.add(f32x4.mul(expm1Reduced(x, fx), scale), f32x4.sub(scale, f32x4.splat(1)));
}

// ln(1 + t) for t in [0, 1]: 2 atanh(s), s = t / (2 + t) <= 1/3, as its odd series to s^17 (terms below
// 2e-9 relative left out); no cancellation for small t.
// @ts-ignore: decorator
@inline
export function log1p01(t: v128): v128 {
  const s = f32x4.div(t, f32x4.add(t, f32x4.splat(2)));
  const z = f32x4.mul(s, s);
  let p = f32x4.splat(<f32>(1.0 / 17));
  p = madd(p, z, f32x4.splat(<f32>(1.0 / 15)));
  p = madd(p, z, f32x4.splat(<f32>(1.0 / 13)));
  p = madd(p, z, f32x4.splat(<f32>(1.0 / 11)));
  p = madd(p, z, f32x4.splat(<f32>(1.0 / 9)));
  p = madd(p, z, f32x4.splat(<f32>(1.0 / 7)));
  p = madd(p, z, f32x4.splat(<f32>(1.0 / 5)));
  p = madd(p, z, f32x4.splat(<f32>(1.0 / 3)));
  p = madd(p, z, f32x4.splat(1));
  return f32x4.mul(f32x4.add(s, s), p);
}

// 1 / (1 + e^-x)
// @ts-ignore: decorator
@inline
export function sigmoid4(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(x))));
}

// tanh(x) = sign(x) (1 - e) / (1 + e), e = exp(-2|x|), as -m / (2 + m) with m = e - 1 = expm1(-2|x|): no
// overflow for large |x|, and no cancellation for small |x| (1 - e lost every digit of tanh(1e-7)).
// @ts-ignore: decorator
@inline
export function tanh4(x: v128): v128 {
  const m = expm14(f32x4.mul(f32x4.abs(x), f32x4.splat(-2)));
  const t = f32x4.div(f32x4.neg(m), f32x4.add(f32x4.splat(2), m));
  return v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
}

// Loads `cnt` floats (1..4) into the low lanes (the rest zero), and stores the low `cnt` lanes: the tails
// of rows whose width is not a multiple of 4 go through the same vector math.
// @ts-ignore: decorator
@inline
export function load4(p: usize, cnt: i32): v128 {
  if (cnt >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (cnt > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (cnt > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

// @ts-ignore: decorator
@inline
export function store4(p: usize, v: v128, cnt: i32): void {
  if (cnt >= 4) { v128.store(p, v); return; }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (cnt > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (cnt > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}
