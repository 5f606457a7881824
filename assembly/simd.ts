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

// Keras 2's and tfjs' hard sigmoid, clip(0.2 x + 0.5, 0, 1): a multiply, then an add (as tfjs rounds it; never
// `madd`, so the plain and the relaxed build agree)
// @ts-ignore: decorator
@inline
export function hard_sigmoid4(x: v128): v128 {
  const y = f32x4.add(f32x4.mul(x, f32x4.splat(<f32>0.2)), f32x4.splat(0.5));
  return f32x4.min(f32x4.max(y, f32x4.splat(0)), f32x4.splat(1));
}

// its derivative from its output y: 0.2 where 0 < y < 1 (x inside (-2.5, 2.5)), else 0. tfjs differentiates the clip
// with its ends inside, so at an x whose output is exactly 0 or 1 on the edge (±2.5, or 2.4999998, which rounds to
// 1) it gives 0.2 where this gives 0: the output cannot tell those from the flat parts
// @ts-ignore: decorator
@inline
export function hard_sigmoid_grad4(y: v128): v128 {
  const inside = v128.and(f32x4.gt(y, f32x4.splat(0)), f32x4.lt(y, f32x4.splat(1)));
  return v128.and(f32x4.splat(<f32>0.2), inside);
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

// ---- ln, cos and sin for the normal draws (dropout.ts' Gaussian noise): plain multiply and add, never `madd`, so
// the draws are the same bits in the plain and the relaxed build, on every host ---------------------------------

// ln x for x in (0, 1] (normal f32 values): x = m · 2^e with m in [√½, √2), ln x = e ln 2 + ln(1 + f), f = m - 1
// (exact), ln(1 + f) = f - f²/2 + f³ P(f) with the minimax P of Cephes' logf (relative error ≈ 1e-7), ln 2 split
// in two parts so e · ln 2 adds no error of its own.
// @ts-ignore: decorator
@inline
export function log4(x: v128): v128 {
  // m in [0.5, 1) from the bits, then [√½, √2): below √½ take 2m and e - 1
  let e = i32x4.sub(i32x4.shr_u(x, 23), i32x4.splat(126));
  let m = v128.or(v128.and(x, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  const low = f32x4.lt(m, f32x4.splat(<f32>0.707106781186547524));
  e = i32x4.add(e, low); // a true compare is -1
  m = f32x4.add(m, v128.and(low, m));
  const f = f32x4.sub(m, f32x4.splat(1));
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(f, f);
  let p = f32x4.splat(<f32>7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(<f32>-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(<f32>1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(<f32>-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(<f32>1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(<f32>-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(<f32>2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(<f32>-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(<f32>3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, f), z);
  y = f32x4.add(y, f32x4.mul(ef, f32x4.splat(<f32>-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  return f32x4.add(f32x4.add(f, y), f32x4.mul(ef, f32x4.splat(<f32>0.693359375)));
}

// cos 2πu and sin 2πu for u in [0, 1) (24-bit fractions), in steps the caller shares: qf = the nearest quarter
// turn (quarter4: 0 … 4), t = 2π(u - qf/4) in [-π/4, π/4] (u - qf/4 exact), Cephes' sinf and cosf polynomials on t
// (sin_t4, cos_t4), then the quarter turns put back (rotate4): cos 2πu = rotate4(cos t, sin t, q) and
// sin 2πu = rotate4(cos t, sin t, q - 1), q = qf as integers.
// @ts-ignore: decorator
@inline
export function quarter4(u: v128): v128 { return f32x4.nearest(f32x4.mul(u, f32x4.splat(4))); }

// @ts-ignore: decorator
@inline
export function turn_t4(u: v128, qf: v128): v128 {
  return f32x4.mul(f32x4.sub(u, f32x4.mul(qf, f32x4.splat(0.25))), f32x4.splat(<f32>6.283185307179586));
}

// @ts-ignore: decorator
@inline
export function sin_t4(t: v128): v128 {
  const t2 = f32x4.mul(t, t);
  let s = f32x4.splat(<f32>-1.9515295891e-4);
  s = f32x4.add(f32x4.mul(s, t2), f32x4.splat(<f32>8.3321608736e-3));
  s = f32x4.add(f32x4.mul(s, t2), f32x4.splat(<f32>-1.6666654611e-1));
  return f32x4.add(t, f32x4.mul(f32x4.mul(s, t2), t));
}

// @ts-ignore: decorator
@inline
export function cos_t4(t: v128): v128 {
  const t2 = f32x4.mul(t, t);
  let c = f32x4.splat(<f32>2.443315711809948e-5);
  c = f32x4.add(f32x4.mul(c, t2), f32x4.splat(<f32>-1.388731625493765e-3));
  c = f32x4.add(f32x4.mul(c, t2), f32x4.splat(<f32>4.166664568298827e-2));
  return f32x4.add(f32x4.sub(f32x4.splat(1), f32x4.mul(t2, f32x4.splat(0.5))), f32x4.mul(f32x4.mul(c, t2), t2));
}

// cos(t + qπ/2) from c = cos t and s = sin t: c, -s, -c, s for q mod 4 = 0, 1, 2, 3 (q: i32x4, any integers).
// @ts-ignore: decorator
@inline
export function rotate4(c: v128, s: v128, q: v128): v128 {
  const odd = i32x4.eq(v128.and(q, i32x4.splat(1)), i32x4.splat(1));                                // q = 1, 3: ∓ s
  const negate = i32x4.eq(v128.and(i32x4.add(q, i32x4.splat(1)), i32x4.splat(2)), i32x4.splat(2)); // q = 1, 2
  return v128.xor(v128.bitselect(s, c, odd), v128.and(negate, i32x4.splat(0x80000000)));
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
