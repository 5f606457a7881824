// Activation functions: one registry of name -> forward and backward kernel dispatch. Softmax works over
// the last axis. Backward is written in terms of the saved output y, except for the activations not invertible
// from it (needsInput: swish, gelu, mish): theirs reads the saved input x, which a layer keeps for them in a buffer
// of its own (preActivationBuffer). Also the bias gradient every layer with a bias shares (Dense, Conv2D, the
// recurrent layers).
import type { Runtime } from '../runtime/wasm.js';
import { parallelFor } from '../threads/index.js';

interface ActivationEntry {
  /** y = f(x) over `rows` rows of `cols` values; y may equal x. */
  forward(rt: Runtime, y: number, x: number, rows: number, cols: number): void;
  /** dx = dy ⊙ f'(x), from the saved output y, or (needsInput) the saved input x; dx may equal dy. */
  backward(rt: Runtime, dx: number, dy: number, y: number, x: number, rows: number, cols: number): void;
  /** f' is not a function of y: backward reads x, so x must outlive the forward pass (not be overwritten by y). */
  needsInput?: boolean;
}

const copy = (rt: Runtime, dst: number, src: number, n: number): void => { if (dst !== src) rt.f32(dst, n).set(rt.f32(src, n)); };

/** Values per extra thread below which an elementwise activation stays on the calling thread. */
const MIN_ELEMENTS = 1 << 16;

type Op = 'relu' | 'sigmoid' | 'tanh' | 'elu' | 'selu' | 'softplus' | 'softsign' | 'relu6' | 'exponential'
  | 'hard_sigmoid' | 'swish' | 'gelu' | 'gelu_new' | 'mish';
const label = (op: string): string => op.replace(/_(forward|backward)$/, ' $1');

/**
 * An elementwise activation: its forward (y, x, n) and backward (dx, dy, saved, n) kernels split by value ranges;
 * `saved` is the output y, or the input x if needsInput.
 */
function elementwise(f: Op, needsInput = false): ActivationEntry {
  const fwd = `${f}_forward` as const, bwd = `${f}_backward` as const;
  return {
    forward: (rt, y, x, rows, cols) => parallelFor(rt, fwd, rows * cols, MIN_ELEMENTS, 4,
      (s, count) => [y + 4 * s, x + 4 * s, count], label(fwd)),
    backward: (rt, dx, dy, y, x, rows, cols) => {
      const saved = needsInput ? x : y;
      parallelFor(rt, bwd, rows * cols, MIN_ELEMENTS, 4, (s, count) => [dx + 4 * s, dy + 4 * s, saved + 4 * s, count], label(bwd));
    },
    needsInput,
  };
}

/** Rows per extra thread below which a softmax (over rows of `cols` values, split by rows) stays on one thread. */
const softmaxRows = (cols: number): number => Math.max(1, Math.ceil(MIN_ELEMENTS / cols));

const REGISTRY = {
  linear: {
    forward: (rt, y, x, rows, cols) => copy(rt, y, x, rows * cols),
    backward: (rt, dx, dy, _y, _x, rows, cols) => copy(rt, dx, dy, rows * cols),
  },
  relu: elementwise('relu'),
  sigmoid: elementwise('sigmoid'),
  tanh: elementwise('tanh'),
  elu: elementwise('elu'),
  selu: elementwise('selu'),
  softplus: elementwise('softplus'),
  softsign: elementwise('softsign'),
  relu6: elementwise('relu6'),
  exponential: elementwise('exponential'),
  // Keras 2's and tfjs' clip(0.2 x + 0.5, 0, 1) (tfjs' hardSigmoid); Keras 3 redefined it as relu6(x + 3) / 6
  hard_sigmoid: elementwise('hard_sigmoid'),
  softmax: {
    forward: (rt, y, x, rows, cols) => parallelFor(rt, 'softmax_forward', rows, softmaxRows(cols), 1,
      (r, count) => [y + 4 * r * cols, x + 4 * r * cols, count, cols], 'softmax forward'),
    backward: (rt, dx, dy, y, _x, rows, cols) => parallelFor(rt, 'softmax_backward', rows, softmaxRows(cols), 1,
      (r, count) => [dx + 4 * r * cols, dy + 4 * r * cols, y + 4 * r * cols, count, cols], 'softmax backward'),
  },
  // swish is Keras 3's silu (its saved name); tf.keras and tfjs save swish. Each keeps the name it was given.
  swish: elementwise('swish', true),
  silu: elementwise('swish', true),
  gelu: elementwise('gelu', true),
  gelu_new: elementwise('gelu_new', true),
  mish: elementwise('mish', true),
} satisfies Record<string, ActivationEntry>;

export type ActivationName = keyof typeof REGISTRY;
export const ACTIVATIONS = Object.keys(REGISTRY) as ActivationName[];

export function checkActivation(name: unknown, what: string): ActivationName {
  // tfjs' one camelCase name (its files say hard_sigmoid)
  const n = name === undefined || name === null ? 'linear' : name === 'hardSigmoid' ? 'hard_sigmoid' : name;
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

/** Whether f's backward reads its input x (the pre-activation) rather than its output y. */
export function activationNeedsInput(f: ActivationName): boolean {
  return (REGISTRY[f] as ActivationEntry).needsInput === true;
}

/**
 * Where a layer's product goes before its activation f (outputs of `floats` values at y): y itself, f then running
 * in place, unless f needs its input for backward and the layer trains: then a buffer of its own, from `buffer`.
 */
export function preActivationBuffer(f: ActivationName, y: number, floats: number, training: boolean,
  buffer: (floats: number, what: string) => number): number {
  return training && activationNeedsInput(f) ? buffer(floats, 'pre-activation') : y;
}

export function activationForward(rt: Runtime, f: ActivationName, y: number, x: number, rows: number, cols: number): void {
  REGISTRY[f].forward(rt, y, x, rows, cols);
}

/** dx = dy ⊙ f'(x) from the forward's output y and input x (x is read only if f needs it: else it may be y, overwritten). */
export function activationBackward(rt: Runtime, f: ActivationName, dx: number, dy: number, y: number, x: number, rows: number,
  cols: number): void {
  REGISTRY[f].backward(rt, dx, dy, y, x, rows, cols);
}

/** The bias gradient splits its rows in blocks of at least this many rows (and at most MAX_BLOCKS blocks)... */
const BLOCK_ROWS = 64;
const MAX_BLOCKS = 64;
/** ... when rows are at most this many columns wide; wider rows split their columns (≥ 4 a thread). */
const ROW_SPLIT_MAX_COLS = 512;

/**
 * db[j] += Σ_i dx[i, j] over [rows, cols] (a layer's bias gradient; dx = dy masked by ReLU and stored in place when
 * `relu`, y the ReLU's output). Narrow rows (a convolution's channels) split by blocks of rows, each block summed
 * on its own then the blocks added in order (bias_block_sums, bias_add_blocks); wide rows by columns, each column
 * summed over all rows. Either way the blocks and the order depend on the shape alone: the same bits on any thread
 * count. (Two threads on the two halves of a narrow row's columns each pull the other's cache lines: ReLU's mask
 * ran 5× slower on 2 threads than on 1 that way.)
 */
function biasGradient(rt: Runtime, db: number, dy: number, y: number, rows: number, cols: number, relu: boolean, what: string): void {
  // the block sums wait in the calling thread's GEMM scratch (free between kernels; 64 × 512 floats of its 131,328),
  // written by every thread and added up by this one
  if (rows >= 2 * BLOCK_ROWS && cols <= ROW_SPLIT_MAX_COLS && MAX_BLOCKS * cols <= rt.k.gemm_pack_floats()) {
    const blockRows = Math.ceil(rows / Math.min(MAX_BLOCKS, Math.floor(rows / BLOCK_ROWS)));
    const nb = Math.ceil(rows / blockRows);
    const part = rt.gemmScratch;
    parallelFor(rt, 'bias_block_sums', nb, Math.ceil((1 << 16) / (blockRows * cols)), 1, (b0, count) => {
      const r0 = b0 * blockRows, o = 4 * r0 * cols;
      return [part + 4 * b0 * cols, dy + o, dy + o, relu ? y + o : 0, Math.min(count * blockRows, rows - r0), cols, cols, blockRows,
        count, relu ? 1 : 0];
    }, what);
    rt.k.bias_add_blocks(db, part, nb, cols);
  } else if (relu) {
    parallelFor(rt, 'relu_bias_backward', cols, Math.max(4, Math.ceil((1 << 16) / rows)), 4,
      (c0, count) => [db + 4 * c0, dy + 4 * c0, dy + 4 * c0, y + 4 * c0, rows, count, cols], what);
  } else {
    parallelFor(rt, 'bias_backward', cols, Math.max(4, Math.ceil((1 << 16) / rows)), 4,
      (c0, count) => [db + 4 * c0, dy + 4 * c0, rows, count, cols], what);
  }
}

/** db[j] += Σ_i dy[i, j] over dy [rows, cols]: a layer's bias gradient (biasGradient). */
export function biasBackward(rt: Runtime, db: number, dy: number, rows: number, cols: number, what: string): void {
  biasGradient(rt, db, dy, 0, rows, cols, false, what);
}

/**
 * A layer's output gradient through its activation, in place (unless skipActivation: the loss has done it), then
 * its bias gradient db += the column sums (db 0: no bias); y and x are the activation's output and input (the
 * pre-activation, from preActivationBuffer). ReLU with a bias is one pass over dy, the same bits as the two passes.
 */
export function activationBiasBackward(rt: Runtime, f: ActivationName, dy: number, y: number, x: number, db: number, rows: number,
  cols: number, skipActivation: boolean, what: string): void {
  if (f === 'relu' && !skipActivation && db) {
    biasGradient(rt, db, dy, y, rows, cols, true, `${what} ReLU and bias gradient`);
    return;
  }
  if (!skipActivation) activationBackward(rt, f, dy, dy, y, x, rows, cols);
  if (db) biasBackward(rt, db, dy, rows, cols, `${what} bias gradient`);
}
