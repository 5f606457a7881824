// The Rescaling layer (Keras' preprocessing: `Rescaling(1 / 255)` in front of an image model), forward and
// backward side by side: y = x · scale + offset; dx = dy · scale (no weights). Over n floats; y may equal x,
// dx may equal dy.

import { load4, store4 } from './simd';

export function rescale_forward(y: usize, x: usize, n: i32, scale: f32, offset: f32): void {
  const vs = f32x4.splat(scale), vo = f32x4.splat(offset);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    store4(y + o, f32x4.add(f32x4.mul(load4(x + o, n - i), vs), vo), n - i);
  }
}

export function rescale_backward(dx: usize, dy: usize, n: i32, scale: f32): void {
  const vs = f32x4.splat(scale);
  for (let i = 0; i < n; i += 4) {
    const o = <usize>i << 2;
    store4(dx + o, f32x4.mul(load4(dy + o, n - i), vs), n - i);
  }
}
