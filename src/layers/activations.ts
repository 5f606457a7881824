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

/** Values per extra thread below which an elementwise activation stays on the calling thread. */
const MIN_ELEMENTS = 1 << 16;

/** An elementwise kernel (outputs, inputs, n) over n values split across threads by ranges. */
const elementwise = (op: 'relu_forward' | 'relu_backward' | 'sigmoid_forward' | 'sigmoid_backward' | 'tanh_forward' | 'tanh_backward') =>
  (rt: Runtime, out: number, a: number, b: number | null, n: number): void => parallelFor(rt, op, n, MIN_ELEMENTS, 4,
    (s, count) => (b === null ? [out + 4 * s, a + 4 * s, count] : [out + 4 * s, a + 4 * s, b + 4 * s, count]), op.replace('_', ' '));

/** Softmax over rows of `cols` values, split across threads by rows. */
const byRows = (op: 'softmax_forward' | 'softmax_backward') =>
  (rt: Runtime, out: number, a: number, b: number | null, rows: number, cols: number): void =>
    parallelFor(rt, op, rows, Math.max(1, Math.ceil(MIN_ELEMENTS / cols)), 1, (r, count) => (b === null
      ? [out + 4 * r * cols, a + 4 * r * cols, count, cols]
      : [out + 4 * r * cols, a + 4 * r * cols, b + 4 * r * cols, count, cols]), op.replace('_', ' '));

const REGISTRY = {
  linear: {
    forward: (rt, y, x, rows, cols) => copy(rt, y, x, rows * cols),
    backward: (rt, dx, dy, _y, rows, cols) => copy(rt, dx, dy, rows * cols),
  },
  relu: {
    forward: (rt, y, x, rows, cols) => elementwise('relu_forward')(rt, y, x, null, rows * cols),
    backward: (rt, dx, dy, y, rows, cols) => elementwise('relu_backward')(rt, dx, dy, y, rows * cols),
  },
  sigmoid: {
    forward: (rt, y, x, rows, cols) => elementwise('sigmoid_forward')(rt, y, x, null, rows * cols),
    backward: (rt, dx, dy, y, rows, cols) => elementwise('sigmoid_backward')(rt, dx, dy, y, rows * cols),
  },
  tanh: {
    forward: (rt, y, x, rows, cols) => elementwise('tanh_forward')(rt, y, x, null, rows * cols),
    backward: (rt, dx, dy, y, rows, cols) => elementwise('tanh_backward')(rt, dx, dy, y, rows * cols),
  },
  softmax: {
    forward: (rt, y, x, rows, cols) => byRows('softmax_forward')(rt, y, x, null, rows, cols),
    backward: (rt, dx, dy, y, rows, cols) => byRows('softmax_backward')(rt, dx, dy, y, rows, cols),
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
