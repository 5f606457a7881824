// Activation functions: one registry of name -> forward and backward kernel dispatch. Softmax works over
// the last axis; backward is written in terms of the saved output y.
import type { Runtime } from '../runtime/wasm.js';
import { parallelFor } from '../threads/index.js';

interface ActivationEntry {
  /** y = f(x) over `rows` rows of `cols` values; y may equal x. */
  forward(rt: Runtime, y: number, x: number, rows: number, cols: number): void;
  /** dx = dy ⊙ f'(x), from the saved output y; dx may equal dy. */
  backward(rt: Runtime, dx: number, dy: number, y: number, rows: number, cols: number): void;
}

const copy = (rt: Runtime, dst: number, src: number, n: number): void => { if (dst !== src) rt.f32(dst, n).set(rt.f32(src, n)); };

const REGISTRY = {
  linear: {
    forward: (rt, y, x, rows, cols) => copy(rt, y, x, rows * cols),
    backward: (rt, dx, dy, _y, rows, cols) => copy(rt, dx, dy, rows * cols),
  },
  relu: {
    forward: (rt, y, x, rows, cols) => rt.k.relu_forward(y, x, rows * cols),
    backward: (rt, dx, dy, y, rows, cols) => parallelFor(rt, 'relu_backward', rows * cols, 1 << 16, 4,
      (s, count) => [dx + 4 * s, dy + 4 * s, y + 4 * s, count], 'relu backward'),
  },
  sigmoid: {
    forward: (rt, y, x, rows, cols) => rt.k.sigmoid_forward(y, x, rows * cols),
    backward: (rt, dx, dy, y, rows, cols) => rt.k.sigmoid_backward(dx, dy, y, rows * cols),
  },
  tanh: {
    forward: (rt, y, x, rows, cols) => rt.k.tanh_forward(y, x, rows * cols),
    backward: (rt, dx, dy, y, rows, cols) => rt.k.tanh_backward(dx, dy, y, rows * cols),
  },
  softmax: {
    forward: (rt, y, x, rows, cols) => rt.k.softmax_forward(y, x, rows, cols),
    backward: (rt, dx, dy, y, rows, cols) => rt.k.softmax_backward(dx, dy, y, rows, cols),
  },
} satisfies Record<string, ActivationEntry>;

export type ActivationName = keyof typeof REGISTRY;
export const ACTIVATIONS = Object.keys(REGISTRY) as ActivationName[];

export function checkActivation(name: unknown, what: string): ActivationName {
  const n = name === undefined || name === null ? 'linear' : name;
  if (!(ACTIVATIONS as unknown[]).includes(n)) {
    throw new Error(`${what}: unknown activation '${String(n)}'; valid: ${ACTIVATIONS.join(', ')}`);
  }
  return n as ActivationName;
}

/**
 * An activation as Keras or tfjs save it: a name, Keras 3's { class_name: 'function', config: 'relu' },
 * or tf.keras' `softmax_v2`; undefined if it is none of simdnet's.
 */
export function activationFromConfig(v: unknown): ActivationName | undefined {
  if (typeof v === 'object' && v !== null && typeof (v as { config?: unknown }).config === 'string') v = (v as { config: string }).config;
  if (v === undefined || v === null) return 'linear';
  const name = v === 'softmax_v2' ? 'softmax' : v;
  return (ACTIVATIONS as unknown[]).includes(name) ? name as ActivationName : undefined;
}

export function activationForward(rt: Runtime, f: ActivationName, y: number, x: number, rows: number, cols: number): void {
  REGISTRY[f].forward(rt, y, x, rows, cols);
}

export function activationBackward(rt: Runtime, f: ActivationName, dx: number, dy: number, y: number, rows: number, cols: number): void {
  REGISTRY[f].backward(rt, dx, dy, y, rows, cols);
}
