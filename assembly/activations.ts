// Elementwise activations, forward and backward side by side. Forward may run in place (y == x).
// Backward uses the saved *output* y (relu, sigmoid, tanh, softmax all have derivatives in terms of y)
// and accumulates nothing: dX = dY ⊙ f'(y), written over dx (which may alias dy).

import { load4, sigmoid4, store4, tanh4 } from './simd';

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
