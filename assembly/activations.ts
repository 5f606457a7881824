// Elementwise activations, forward and backward side by side. Forward may run in place (y == x).
// Backward accumulates nothing: dX = dY ⊙ f'(x), written over dx (which may alias dy), from the saved
// *output* y for the activations invertible from it, from the saved *input* x for the others (at the end:
// swish, gelu, gelu_new, mish), which a layer keeps for them.

import { expm14, hard_sigmoid4, hard_sigmoid_grad4, load4, log1p01, exp4, madd, sigmoid4, store4, tanh4 } from './simd';

export function relu_forward(y: usize, x: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? v : 0);
  }
}

export function relu_backward(dx: usize, dy: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const mask = f32x4.gt(v128.load(y + o), zero);
    v128.store(dx + o, v128.and(v128.load(dy + o), mask));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

// y = σ(x) and y = tanh(x) through the same f32x4 helpers as the RNN cells (simd.ts), so a sigmoid or
// tanh gives the same bits wherever it is computed; the tail of n % 4 values goes through the vector math.
export function sigmoid_forward(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    store4(y + o, sigmoid4(load4(x + o, n - i)), n - i);
  }
}

export function sigmoid_backward(dx: usize, dy: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const s = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dy + o) * s * (<f32>1 - s));
  }
}

// y = clip(0.2 x + 0.5, 0, 1) (Keras 2's and tfjs' hard_sigmoid); dx = 0.2 dy where 0 < y < 1, else 0
export function hard_sigmoid_forward(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    store4(y + o, hard_sigmoid4(load4(x + o, n - i)), n - i);
  }
}

export function hard_sigmoid_backward(dx: usize, dy: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    store4(dx + o, f32x4.mul(load4(dy + o, n - i), hard_sigmoid_grad4(load4(y + o, n - i))), n - i);
  }
}

export function tanh_forward(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    store4(y + o, tanh4(load4(x + o, n - i)), n - i);
  }
}

export function tanh_backward(dx: usize, dy: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const t = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dy + o) * (<f32>1 - t * t));
  }
}

// Row-wise softmax over [rows, cols].
export function softmax_forward(y: usize, x: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + ((<usize>r * cols) << 2), yr = y + ((<usize>r * cols) << 2);
    let mx: f32 = -Infinity;
    for (let j = 0; j < cols; j++) mx = max(mx, load<f32>(xr + (<usize>j << 2)));
    let sum: f32 = 0;
    for (let j = 0; j < cols; j++) {
      const e = Mathf.exp(load<f32>(xr + (<usize>j << 2)) - mx);
      store<f32>(yr + (<usize>j << 2), e);
      sum += e;
    }
    const inv = <f32>1 / sum;
    for (let j = 0; j < cols; j++) store<f32>(yr + (<usize>j << 2), load<f32>(yr + (<usize>j << 2)) * inv);
  }
}

// dX = y ⊙ (dY - Σ_j dY_j y_j), row-wise.
export function softmax_backward(dx: usize, dy: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const base = (<usize>r * cols) << 2;
    let dot: f32 = 0;
    for (let j = 0; j < cols; j++) {
      const o = base + (<usize>j << 2);
      dot += load<f32>(dy + o) * load<f32>(y + o);
    }
    for (let j = 0; j < cols; j++) {
      const o = base + (<usize>j << 2);
      store<f32>(dx + o, load<f32>(y + o) * (load<f32>(dy + o) - dot));
    }
  }
}

// The rest of Keras' activations whose derivative is a function of the output: elu, selu, softplus, softsign,
// relu6; and the LeakyReLU layer's. Each a vector loop, the tail of n % 4 values through the same vector math.

const SELU_ALPHA: f32 = 1.67326324235437728481704;
const SELU_SCALE: f32 = 1.05070098735548049341933;

// y = x > 0 ? scale x : scale alpha (e^x - 1); elu: scale = alpha = 1 (one copy of the loop for both)
function eluLike(y: usize, x: usize, n: i32, scale: f32, alpha: f32): void {
  const vs = f32x4.splat(scale), vsa = f32x4.splat(scale * alpha), zero = f32x4.splat(0);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = load4(x + o, n - i);
    const neg = f32x4.mul(vsa, expm14(f32x4.min(v, zero)));
    store4(y + o, v128.bitselect(f32x4.mul(vs, v), neg, f32x4.gt(v, zero)), n - i);
  }
}

// dx = dy (y > 0 ? scale : y + scale alpha)
function eluLikeBackward(dx: usize, dy: usize, y: usize, n: i32, scale: f32, alpha: f32): void {
  const vs = f32x4.splat(scale), vsa = f32x4.splat(scale * alpha), zero = f32x4.splat(0);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = load4(y + o, n - i);
    const d = v128.bitselect(vs, f32x4.add(v, vsa), f32x4.gt(v, zero));
    store4(dx + o, f32x4.mul(load4(dy + o, n - i), d), n - i);
  }
}

export function elu_forward(y: usize, x: usize, n: i32): void { eluLike(y, x, n, 1, 1); }
export function elu_backward(dx: usize, dy: usize, y: usize, n: i32): void { eluLikeBackward(dx, dy, y, n, 1, 1); }
export function selu_forward(y: usize, x: usize, n: i32): void { eluLike(y, x, n, SELU_SCALE, SELU_ALPHA); }
export function selu_backward(dx: usize, dy: usize, y: usize, n: i32): void { eluLikeBackward(dx, dy, y, n, SELU_SCALE, SELU_ALPHA); }

// y = ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|); dx = dy σ(x) = dy (1 - e^-y), as -expm1(-y) (exact for small y)
export function softplus_forward(y: usize, x: usize, n: i32): void {
  const zero = f32x4.splat(0);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = load4(x + o, n - i);
    store4(y + o, f32x4.add(f32x4.max(v, zero), log1p01(exp4(f32x4.neg(f32x4.abs(v))))), n - i);
  }
}

export function softplus_backward(dx: usize, dy: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const s = f32x4.neg(expm14(f32x4.neg(load4(y + o, n - i))));
    store4(dx + o, f32x4.mul(load4(dy + o, n - i), s), n - i);
  }
}

// y = x / (1 + |x|); dx = dy / (1 + |x|)^2 = dy (1 - |y|)^2
export function softsign_forward(y: usize, x: usize, n: i32): void {
  const one = f32x4.splat(1);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = load4(x + o, n - i);
    store4(y + o, f32x4.div(v, f32x4.add(one, f32x4.abs(v))), n - i);
  }
}

export function softsign_backward(dx: usize, dy: usize, y: usize, n: i32): void {
  const one = f32x4.splat(1);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const d = f32x4.sub(one, f32x4.abs(load4(y + o, n - i)));
    store4(dx + o, f32x4.mul(load4(dy + o, n - i), f32x4.mul(d, d)), n - i);
  }
}

// y = e^x (Keras' exponential); dx = dy y. exp4 clamps its argument to [-87, 88] (it would stop at e^88 and e^-87):
// outside, e^x = (e^{x/2})², which overflows to Infinity and underflows through the subnormals to 0 as e^x does.
export function exponential_forward(y: usize, x: usize, n: i32): void {
  const lo = f32x4.splat(-87), hi = f32x4.splat(88), half = f32x4.splat(0.5);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = load4(x + o, n - i);
    const h = exp4(f32x4.mul(v, half));
    const outside = v128.or(f32x4.lt(v, lo), f32x4.gt(v, hi));
    store4(y + o, v128.bitselect(f32x4.mul(h, h), exp4(v), outside), n - i);
  }
}

export function exponential_backward(dx: usize, dy: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    store4(dx + o, f32x4.mul(load4(dy + o, n - i), load4(y + o, n - i)), n - i);
  }
}

// y = min(max(x, 0), 6); dx = dy where 0 < y < 6
export function relu6_forward(y: usize, x: usize, n: i32): void {
  const zero = f32x4.splat(0), six = f32x4.splat(6);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    store4(y + o, f32x4.min(f32x4.max(load4(x + o, n - i), zero), six), n - i);
  }
}

export function relu6_backward(dx: usize, dy: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0), six = f32x4.splat(6);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = load4(y + o, n - i);
    store4(dx + o, v128.and(load4(dy + o, n - i), v128.and(f32x4.gt(v, zero), f32x4.lt(v, six))), n - i);
  }
}

// The LeakyReLU and ReLU layers (alpha >= 0, max > 0, Infinity for none): y = x > 0 ? min(x, max) : alpha x;
// dx = dy (y > 0 ? (y < max ? 1 : 0) : alpha)
export function leaky_relu_forward(y: usize, x: usize, n: i32, alpha: f32, max: f32): void {
  const va = f32x4.splat(alpha), vmax = f32x4.splat(max), zero = f32x4.splat(0);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = load4(x + o, n - i);
    store4(y + o, v128.bitselect(f32x4.min(v, vmax), f32x4.mul(va, v), f32x4.gt(v, zero)), n - i);
  }
}

export function leaky_relu_backward(dx: usize, dy: usize, y: usize, n: i32, alpha: f32, max: f32): void {
  const va = f32x4.splat(alpha), vmax = f32x4.splat(max), zero = f32x4.splat(0);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const g = load4(dy + o, n - i), v = load4(y + o, n - i);
    const pos = v128.and(g, f32x4.lt(v, vmax));
    store4(dx + o, v128.bitselect(pos, f32x4.mul(va, g), f32x4.gt(v, zero)), n - i);
  }
}

// ---- Activations whose derivative needs the input: backward (dx, dy, x, n) reads the saved pre-activation x --

// y = x σ(x) (swish; Keras 3's silu); f'(x) = σ(x) (1 + x (1 - σ(x))), 1 - σ(x) = e^-x σ(x): 1 - σ would keep no
// digits where σ rounds to 1, and x (1 - σ) still counts there (1e-6 of f' at x = 17)
// Past |x| = 87, where exp4 clamps e^-x (at e^±87 rather than 0 or infinity): σ is taken as 0 below -87 and f' as
// 0 below and 1 above (the clamped e^-x times a huge x would give -0.6 for swish(-1e38), 2.65 for f'(1e38)).
export function swish_forward(y: usize, x: usize, n: i32): void {
  const lo = f32x4.splat(-87);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = load4(x + o, n - i);
    store4(y + o, f32x4.mul(v, v128.andnot(sigmoid4(v), f32x4.lt(v, lo))), n - i);
  }
}

export function swish_backward(dx: usize, dy: usize, x: usize, n: i32): void {
  const one = f32x4.splat(1), lo = f32x4.splat(-87), hi = f32x4.splat(87);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = load4(x + o, n - i), e = exp4(f32x4.neg(v));
    const s = f32x4.div(one, f32x4.add(one, e)); // sigmoid4(v)
    const d = tails4(f32x4.mul(s, madd(v, f32x4.mul(e, s), one)), v, lo, hi);
    store4(dx + o, f32x4.mul(load4(dy + o, n - i), d), n - i);
  }
}

// d where lo <= t <= hi, 0 below lo, 1 above hi: a derivative's limits where its exp terms are clamped.
// @ts-ignore: decorator
@inline
function tails4(d: v128, t: v128, lo: v128, hi: v128): v128 {
  return v128.andnot(v128.bitselect(f32x4.splat(1), d, f32x4.gt(t, hi)), f32x4.lt(t, lo));
}

// e^{-x²/2} without rounding x² at its size (1 ulp of x² = 50 is 4e-6 of the result): |x| = h + l, h its 12 high
// mantissa bits (h² exact), x² = h² + l (|x| + h), the two parts through their own exp. 0 past |x| = 13.1, where it
// is below the smallest normal float (and exp4's clamp would hold it at e^-87).
// @ts-ignore: decorator
@inline
function gauss4(x: v128): v128 {
  const u = f32x4.abs(x), half = f32x4.splat(-0.5);
  const h = v128.and(u, i32x4.splat(0xfffff000));
  const l = f32x4.sub(u, h);
  const g = f32x4.mul(exp4(f32x4.mul(half, f32x4.mul(h, h))), exp4(f32x4.mul(half, f32x4.mul(l, f32x4.add(u, h)))));
  return v128.andnot(g, f32x4.gt(u, f32x4.splat(13.1)));
}

// Φ(x), the standard normal CDF, from g = e^{-x²/2} (gauss4): erfc(a) = t e^{-a² + P(t)}, a = |x|/√2, t = 1/(1 + a/2)
// (Numerical Recipes' erfcc, a Chebyshev fit with relative error below 1.2e-7 for every a ≥ 0); Φ = erfc(a)/2 for
// x < 0 and 1 - erfc(a)/2 otherwise: the lower tail keeps its relative precision (1 + erf(x) would cancel).
// @ts-ignore: decorator
@inline
function phi4(x: v128, g: v128): v128 {
  const one = f32x4.splat(1);
  const a = f32x4.mul(f32x4.abs(x), f32x4.splat(0.707106781186547524));
  const t = f32x4.div(one, madd(a, f32x4.splat(0.5), one));
  let p = f32x4.splat(0.17087277);
  p = madd(p, t, f32x4.splat(-0.82215223));
  p = madd(p, t, f32x4.splat(1.48851587));
  p = madd(p, t, f32x4.splat(-1.13520398));
  p = madd(p, t, f32x4.splat(0.27886807));
  p = madd(p, t, f32x4.splat(-0.18628806));
  p = madd(p, t, f32x4.splat(0.09678418));
  p = madd(p, t, f32x4.splat(0.37409196));
  p = madd(p, t, f32x4.splat(1.00002368));
  p = madd(p, t, f32x4.splat(-1.26551223));
  const tail = f32x4.mul(f32x4.mul(f32x4.splat(0.5), t), f32x4.mul(g, exp4(p)));
  return v128.bitselect(tail, f32x4.sub(one, tail), f32x4.lt(x, f32x4.splat(0)));
}

// y = x Φ(x) (gelu, exact: Keras' approximate=False, tfjs' 'gelu'); f'(x) = Φ(x) + x φ(x), φ(x) = e^{-x²/2} / √(2π)
export function gelu_forward(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = load4(x + o, n - i);
    store4(y + o, f32x4.mul(v, phi4(v, gauss4(v))), n - i);
  }
}

export function gelu_backward(dx: usize, dy: usize, x: usize, n: i32): void {
  const invSqrt2Pi = f32x4.splat(0.398942280401432678);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = load4(x + o, n - i), g = gauss4(v);
    const d = madd(f32x4.mul(v, invSqrt2Pi), g, phi4(v, g));
    store4(dx + o, f32x4.mul(load4(dy + o, n - i), d), n - i);
  }
}

// y = x (1 + tanh(u)) / 2, u = √(2/π) (x + 0.044715 x³) (tfjs' gelu_new, the tanh approximation), as x σ(2u), which
// keeps the lower tail's digits, σ(2u) taken as 0 below 2u = -87, where it is subnormal (exp4's clamp would hold it
// at 6e-39); f'(x) = s + x s (1 - s) 2u', s = σ(2u), 1 - s = e^{-2u} s (as swish's), 2u' = 2√(2/π) (1 + 3 · 0.044715 x²).
// 2u rounds in float32 to a few ulp: e^{2u} carries that as ~2u · 1e-7 of relative error in the lower tail.
const GELU_C2: f32 = 1.595769121605730711; // 2 √(2/π)
const GELU_K: f32 = 0.044715;

export function gelu_new_forward(y: usize, x: usize, n: i32): void {
  const c2 = f32x4.splat(GELU_C2), k = f32x4.splat(GELU_K), one = f32x4.splat(1);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = load4(x + o, n - i);
    const u2 = f32x4.mul(f32x4.mul(c2, v), madd(k, f32x4.mul(v, v), one));
    store4(y + o, f32x4.mul(v, v128.andnot(sigmoid4(u2), f32x4.lt(u2, f32x4.splat(-87)))), n - i);
  }
}

export function gelu_new_backward(dx: usize, dy: usize, x: usize, n: i32): void {
  const c2 = f32x4.splat(GELU_C2), k = f32x4.splat(GELU_K), k3 = f32x4.splat(3 * GELU_K), one = f32x4.splat(1);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = load4(x + o, n - i), v2 = f32x4.mul(v, v);
    const u2 = f32x4.mul(f32x4.mul(c2, v), madd(k, v2, one)), e = exp4(f32x4.neg(u2));
    const s = f32x4.div(one, f32x4.add(one, e));
    const du2 = f32x4.mul(c2, madd(k3, v2, one));
    // past |2u| = 87 the limits 0 and 1, as swish's (x e^{-2u} 2u' would be 4.5 at x = 1e13, NaN at -1e30)
    const d = tails4(madd(f32x4.mul(f32x4.mul(v, s), f32x4.mul(e, s)), du2, s), u2, f32x4.splat(-87), f32x4.splat(87));
    store4(dx + o, f32x4.mul(load4(dy + o, n - i), d), n - i);
  }
}

// y = x tanh(softplus(x)) = x m / (m + 2), m = e^x (e^x + 2) (tanh(ln w) = (w² - 1) / (w² + 1), w = 1 + e^x: no
// cancellation for x < 0); e^x with x clamped at 20, where m / (m + 2) is 1 in float32 and m cannot overflow.
// f'(x) = tanh(sp) + x sech²(sp) σ(x), sech²(sp) = 1 - tanh² = 4 (m + 1) / (m + 2)², σ(x) = e^x / (1 + e^x)
// Below x = -87, e^x is 0 (exp4 would clamp it at e^-87: mish(-1e38) would be -1.65); y = x · (m / (m + 2)), the
// ratio first (x m overflows past x = 1.4e21); f' is 1 above 20 (its x sech² term is below 3e-16 there).
// @ts-ignore: decorator
@inline
function mishExp4(v: v128): v128 { return v128.andnot(exp4(f32x4.min(v, f32x4.splat(20))), f32x4.lt(v, f32x4.splat(-87))); }

export function mish_forward(y: usize, x: usize, n: i32): void {
  const two = f32x4.splat(2);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = load4(x + o, n - i), e = mishExp4(v);
    const m = f32x4.mul(e, f32x4.add(e, two));
    store4(y + o, f32x4.mul(v, f32x4.div(m, f32x4.add(m, two))), n - i);
  }
}

export function mish_backward(dx: usize, dy: usize, x: usize, n: i32): void {
  const one = f32x4.splat(1), two = f32x4.splat(2), four = f32x4.splat(4);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    const v = load4(x + o, n - i), e = mishExp4(v);
    const m = f32x4.mul(e, f32x4.add(e, two)), m2 = f32x4.add(m, two);
    const t = f32x4.div(m, m2);
    const sech2 = f32x4.div(f32x4.mul(four, f32x4.add(m, one)), f32x4.mul(m2, m2));
    const sig = f32x4.div(e, f32x4.add(one, e));
    const d = v128.bitselect(one, madd(f32x4.mul(v, sech2), sig, t), f32x4.gt(v, f32x4.splat(20)));
    store4(dx + o, f32x4.mul(load4(dy + o, n - i), d), n - i);
  }
}
