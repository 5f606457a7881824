// Elementwise activations, forward and backward side by side. Forward may run in place (y == x).
// Backward uses the saved *output* y (every activation here has its derivative in terms of y)
// and accumulates nothing: dX = dY ⊙ f'(y), written over dx (which may alias dy).

import { expm14, load4, log1p01, exp4, sigmoid4, store4, tanh4 } from './simd';

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
