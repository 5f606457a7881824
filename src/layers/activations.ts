// Activation functions by name: forward and backward dispatch to the Wasm kernels. Softmax works over
// the last axis.
import type { Runtime } from '../runtime/wasm.js';
import { parallelFor } from '../threads/index.js';

export const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export function checkActivation(name: unknown, what: string): ActivationName {
  const n = name === undefined || name === null ? 'linear' : name;
  if (!(ACTIVATIONS as readonly unknown[]).includes(n)) {
    throw new Error(`${what}: unknown activation '${String(n)}'; valid: ${ACTIVATIONS.join(', ')}`);
  }
  return n as ActivationName;
}

/** y = f(x) over `rows` rows of `cols` values; y may equal x. */
export function activationForward(rt: Runtime, f: ActivationName, y: number, x: number, rows: number, cols: number): void {
  const n = rows * cols;
  switch (f) {
    case 'linear': if (y !== x) rt.f32(y, n).set(rt.f32(x, n)); break;
    case 'relu': rt.k.relu_forward(y, x, n); break;
    case 'sigmoid': rt.k.sigmoid_forward(y, x, n); break;
    case 'tanh': rt.k.tanh_forward(y, x, n); break;
    case 'softmax': rt.k.softmax_forward(y, x, rows, cols); break;
  }
}

/** dx = dy ⊙ f'(x) written in terms of the saved output y; dx may equal dy. */
export function activationBackward(rt: Runtime, f: ActivationName, dx: number, dy: number, y: number, rows: number, cols: number): void {
  const n = rows * cols;
  switch (f) {
    case 'linear': if (dx !== dy) rt.f32(dx, n).set(rt.f32(dy, n)); break;
    case 'relu':
      parallelFor(rt, 'relu_backward', n, 1 << 16, 4, (s, count) => [dx + 4 * s, dy + 4 * s, y + 4 * s, count], 'relu backward');
      break;
    case 'sigmoid': rt.k.sigmoid_backward(dx, dy, y, n); break;
    case 'tanh': rt.k.tanh_backward(dx, dy, y, n); break;
    case 'softmax': rt.k.softmax_backward(dx, dy, y, rows, cols); break;
  }
}
