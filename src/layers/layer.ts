// The base of every layer. A layer is a thin class: it checks its arguments, computes its output shape,
// declares its weights, allocates its buffers from the arena and calls kernels — it does no arithmetic.
// Each layer class names itself (static className: the Keras class in model.json), reads its saved config
// (static fromConfig) and carries examples the generic layer test runs; src/layers/registry.ts lists the
// classes once. Methods in a fixed order: constructor, build, computeOutputShape, allocate, forward,
// backward, getConfig.
import type { Runtime } from '../runtime/wasm.js';
import type { Tensor } from '../tensor.js';
import type { ActivationName } from './activations.js';
import type { CommonArgs, ConfigReader } from './config.js';
import { getInitializer, type Initializer, type InitializerSpec } from './initializers.js';
import { getRegularizer, type Regularizer } from './regularizers.js';
import { getConstraint, normBlocks, type Constraint } from './constraints.js';
import { show } from '../format.js';
import { maskSourceFor, providesMask, type MaskSource } from './masking.js';

export interface LayerArgs extends CommonArgs {
  name?: string;
  /** Shape of one sample (without the batch axis); needed on the first layer. */
  inputShape?: number[];
  /** Keras' batch_input_shape: [null, ...inputShape]. */
  batchInputShape?: (number | null)[];
  /** false: the optimizer leaves this layer's weights alone (Keras' layer.trainable). */
  trainable?: boolean;
}

/**
 * One weight tensor of a layer; offsets are byte offsets of its values and (for trainable weights) its
 * gradients in the model's blocks. Non-trainable weights (batch normalization's moving statistics) are
 * updated by the layer itself, never by the optimizer.
 */
export interface Param {
  readonly name: string;
  readonly shape: number[];
  readonly size: number;
  readonly init: Initializer;
  /** Declared trainable by the layer (a frozen layer's weights are all non-trainable: see isTrainable). */
  readonly trainable: boolean;
  offset: number;
  gradOffset: number;
  /** Bumped whenever the values change (weight store, optimizer step): layers key what they derive from a weight by it. */
  version: number;
  /** Keras' kernelRegularizer (biasRegularizer, ...) of this weight: its penalty joins the loss while it is trainable. */
  readonly regularizer: Regularizer | null;
  /**
   * Keras' kernelConstraint (...) of this weight, applied after each optimizer update while it is trainable, with
   * the [outer, reduced, inner] blocks of its norm's axes on this weight's shape (NonNeg: [1, size, 1]).
   */
  readonly constraint: { readonly of: Constraint; readonly blocks: readonly [number, number, number] } | null;
}

/** How a layer reaches its weights' values, which live in the memory of the model it was added to. @internal */
export interface WeightAccess { get(): Tensor[]; set(weights: Tensor[]): void }

/** A configuration the generic layer test (test/layers/generic.test.ts) runs for a layer class. */
export interface LayerExample {
  args: Record<string, unknown>;
  inputShape: number[];
  /** Keras' parameter count for this configuration (model.summary()). */
  params: number;
  /** Inputs are token ids in [0, ids) rather than reals. */
  ids?: number;
  /** Finite-difference tolerance, when the layer's numerics need a looser one than the default. */
  fdTolerance?: number;
  /** The tfjs oracle cannot run this configuration (why). */
  noTfjs?: string;
  /** tfjs can load and run this configuration at inference but fails in training mode (why). */
  noTfjsTraining?: string;
  /** tfjs runs this configuration but saves it wrong (why): its files are not loaded back. */
  noTfjsSave?: string;
}

/** What the registry keeps of a layer class. */
export interface LayerClass {
  readonly className: string;
  readonly examples: readonly LayerExample[];
  readonly randomInTraining: boolean;
  readonly anySteps?: boolean;
  readonly singleThreaded: string | null;
  /** Options its factory takes besides its config's keys (Dense's inputDim). */
  readonly factoryOptions?: readonly string[];
  /**
   * The weights Keras gives a regularizer and a constraint option: option prefix (lower case) → weight name
   * (SimpleRNN: recurrent → recurrent_kernel, for recurrentRegularizer and recurrentConstraint).
   */
  readonly weightOptions?: Readonly<Record<string, string>>;
  /** tfjs 4.22 ignores this layer's regularizers in training (why): the generic test checks it still does. */
  readonly noTfjsRegularizers?: string;
  /** The input a first layer takes when none is declared (Embedding: [null], token ids of any length, as Keras). */
  readonly defaultInputShape?: readonly (number | null)[];
  fromConfig(r: ConfigReader): Layer;
  new (args: never): Layer;
}

export abstract class Layer {
  /** The Keras class name, as in model.json. */
  static readonly className: string = 'Layer';
  static readonly examples: readonly LayerExample[] = [];
  /** Training-mode output depends on random draws (dropout, augmentation): no oracle can match it draw for draw. */
  static readonly randomInTraining: boolean = false;
  /** Why none of this layer's kernels is split over threads (null: its work is split; tests check it). */
  static readonly singleThreaded: string | null = null;
  /** As a first layer it may take sequences of any length (Keras' None time axis, `inputShape: [null, ...]`). */
  static readonly anySteps: boolean = false;
  /**
   * Keras' supports_masking for a layer that works on each position on its own: an embedding's mask of padded
   * steps on its input passes on to its output (to a recurrent layer after it, or to the loss: see Network).
   */
  static readonly passesMask: boolean = false;
  /**
   * Why training differs from Keras' when the input carries a mask (Keras' BatchNormalization leaves masked steps
   * out of its batch statistics); null: it does not. fit refuses the model then.
   */
  static readonly maskedTraining: string | null = null;

  /** A layer from its saved config (layers without options of their own need no override). */
  static fromConfig(this: new (args: CommonArgs) => Layer, r: ConfigReader): Layer { return new this(r.common()); }

  name: string;
  trainable: boolean;
  declaredInputShape?: number[];
  /**
   * The first axis of the declared input shape is null: each batch brings its own sequence length. The
   * layer is built for length 1 and `reshape`d to each batch's length (its weights do not depend on it).
   */
  variableSteps = false;
  inputShape: number[] = [];
  outputShape: number[] = [];
  params: Param[] = [];
  /** Weight regularizers by weight name, from the layer's kernelRegularizer (biasRegularizer, ...) options. */
  readonly regularizers: Readonly<Record<string, Regularizer>>;
  /** Weight constraints by weight name, from the layer's kernelConstraint (biasConstraint, ...) options. */
  readonly constraints: Readonly<Record<string, Constraint>>;
  protected rt!: Runtime;
  private buffers: number[] = [];

  constructor(args: LayerArgs = {}) {
    const dtype = (args as { dtype?: unknown }).dtype;
    if (dtype !== undefined && dtype !== null && dtype !== 'float32') {
      throw new Error(`${(this.constructor as unknown as LayerClass).className}: dtype must be 'float32' (simdnet computes in float32), got ${show(dtype)}`);
    }
    this.name = args.name ?? '';
    this.trainable = boolArg(args.trainable, true, 'trainable', (this.constructor as unknown as LayerClass).className);
    const [arg, shape] = args.inputShape !== undefined ? ['inputShape', args.inputShape as unknown[]]
      : args.batchInputShape !== undefined ? ['batchInputShape', args.batchInputShape.slice(1) as unknown[]] : ['', undefined];
    if (shape !== undefined) this.declareInputShape(shape, arg);
    const regularizers: Record<string, Regularizer> = {}, constraints: Record<string, Constraint> = {};
    const cls = this.constructor as unknown as LayerClass;
    // named as a saved config's errors are (layerFromConfig keeps a message that starts so)
    const what = (key: string) => `${cls.className} layer${this.name ? ` '${this.name}'` : ''}: ${key}`;
    for (const [prefix, weight] of Object.entries(cls.weightOptions ?? {})) {
      const r = getRegularizer((args as Record<string, unknown>)[`${prefix}Regularizer`], what(`${prefix}Regularizer`));
      if (r) regularizers[weight] = r;
      const c = getConstraint((args as Record<string, unknown>)[`${prefix}Constraint`], what(`${prefix}Constraint`));
      if (c) constraints[weight] = c;
    }
    this.regularizers = regularizers;
    this.constraints = constraints;
  }

  /** Takes `shape` (one sample's, as inputShape gives it: null first for any sequence length) as the declared input. */
  declareInputShape(shape: unknown[], arg = 'inputShape'): void {
    const cls = this.constructor as unknown as LayerClass;
    if (cls.anySteps && Array.isArray(shape) && shape.length > 0 && shape[0] === null) {
      this.variableSteps = true;
      this.declaredInputShape = [1, ...checkShape(shape.slice(1), arg, this, true)];
    } else this.declaredInputShape = checkShape(shape, arg, this);
  }

  get className(): string { return (this.constructor as unknown as LayerClass).className; }

  /** Label used in error messages: `conv2d_1 (Conv2D)`. */
  get label(): string { return this.name ? `${this.name} (${this.className})` : this.className; }

  /** Output activation, if this layer ends in one (lets the engine fuse softmax / sigmoid into the loss). */
  get outputActivation(): ActivationName { return 'linear'; }

  build(inputShape: number[]): void {
    this.inputShape = [...inputShape];
    this.builtInputShape = [...inputShape];
    this.outputShape = this.computeOutputShape(inputShape);
    this.inputMask = maskSourceFor(inputShape);
    if (this.inputMask && (this.constructor as typeof Layer).passesMask) providesMask(this.outputShape, this.inputMask);
  }

  /** Why training on masked input differs from Keras' (the class' maskedTraining; a wrapper's, its inner layer's). */
  get maskedTrainingDiffers(): string | null { return (this.constructor as typeof Layer).maskedTraining; }

  /**
   * Where Keras 3's model.weights.h5 keeps this layer's variables, under layers/<name>/: its own ('') or, for a wrapper
   * of layers with weights of their own, each one's attribute in turn (Bidirectional: forward_layer, backward_layer).
   */
  get keras3Parts(): readonly string[] { return this.keras3Vars.map((v) => v.part); }

  /**
   * Where Keras 3 files this layer's variables, below its own path: each part's attribute path ('' for the layer
   * itself; a wrapper's 'forward_layer', 'layer' ...) and the layer whose params are there, in params' order.
   */
  get keras3Vars(): readonly { part: string; layer: Layer }[] { return [{ part: '', layer: this }]; }

  /** The mask its input carries (an embedding's with maskZero, passed on by the layers between), if any. */
  inputMask: MaskSource | null = null;

  /** The input shape the layer was built for (its weights' shapes follow from it). */
  private builtInputShape: number[] = [];

  /**
   * Whether weights built for `built` serve inputs of `shape` (another sequence length): the same rank and the
   * same last axis (features, channels), which is what Dense, Conv1D, BatchNormalization and the recurrent
   * layers size their weights by. Embedding's weights do not depend on its input at all.
   */
  protected weightsFit(shape: readonly number[], built: readonly number[]): boolean {
    return shape.length === built.length && shape[shape.length - 1] === built[built.length - 1];
  }

  /** Takes inputs of another sequence length (variableSteps models): shapes change, weights do not. */
  reshape(inputShape: number[]): void {
    if (this.params.length && !this.weightsFit(inputShape, this.builtInputShape)) {
      throw new Error(`${this.label}: its weights were built for inputs of shape [${this.builtInputShape.join(', ')}] but sequences of ` +
        `this length give [${inputShape.join(', ')}]: a layer before it (a Flatten or Reshape) merges the variable-length time axis ` +
        'into the features; declare a fixed length (inputShape: [length, ...]) or use a global pooling layer instead');
    }
    // the output's mask, registered by its shape array (masking.ts), stays with the new one
    const mask = maskSourceFor(this.outputShape);
    this.inputShape = [...inputShape];
    this.outputShape = this.computeOutputShape(inputShape);
    if (mask) providesMask(this.outputShape, mask);
  }

  /** The output shape for an input shape (one sample); pure: it changes nothing in the layer. */
  abstract computeOutputShape(inputShape: number[]): number[];

  /**
   * Checks the values of data fed to this layer when it is the model's first layer (e.g. token ids in
   * range); throws an Error naming `fn` and `arg`. Shapes are checked by the engine.
   */
  checkInput(_data: ArrayLike<number>, _fn: string, _arg: string): void {}

  protected addParam(name: string, shape: number[], init: InitializerSpec, trainable = true): void {
    const size = shape.reduce((a, b) => a * b, 1);
    const initializer = getInitializer(init, `${this.label}: ${name}Initializer`);
    initializer.check?.(shape);
    const c = this.constraints[name];
    const prefix = Object.entries((this.constructor as unknown as LayerClass).weightOptions ?? {}).find(([, w]) => w === name)?.[0];
    const constraint = c ? { of: c, blocks: c.bounds ? normBlocks(c, shape, `${this.label}: ${prefix}Constraint`) : [1, size, 1] as const } : null;
    this.params.push({ name, shape, size, init: initializer, trainable, offset: -1, gradOffset: -1, version: 0, regularizer: this.regularizers[name] ?? null, constraint });
  }

  /** Whether the optimizer updates p: the weight is trainable and so is the layer. */
  isTrainable(p: Param): boolean { return this.trainable && p.trainable; }

  countParams(): number { return this.params.reduce((s, p) => s + p.size, 0); }

  /** Set by the model the layer is added to. @internal */
  weightAccess: WeightAccess | null = null;

  /**
   * This layer's weights in Keras' order (a dense layer's kernel, then its bias; a batch normalization's gamma,
   * beta, moving mean and variance), copied out; [] for a layer in no model yet (Keras': a layer not built).
   */
  getWeights(): Tensor[] { return this.weightAccess ? this.weightAccess.get() : []; }

  /** Sets this layer's weights: getWeights' order and shapes (Keras' layer.set_weights). */
  setWeights(weights: Tensor[]): void {
    if (!this.weightAccess) {
      throw new Error(`${this.label}.setWeights: the layer is in no model yet (its weights live in its model's memory): add it to a model first`);
    }
    this.weightAccess.set(weights);
  }

  /** Allocates the buffers for batches of up to maxBatch samples (training: also what backward needs). */
  allocate(rt: Runtime, maxBatch: number, training: boolean): void {
    this.release();
    this.rt = rt;
    this.allocateBuffers(maxBatch, training);
  }

  protected abstract allocateBuffers(maxBatch: number, training: boolean): void;

  protected buffer(floats: number, what: string): number {
    const off = this.rt.arena.alloc(floats * 4, `${this.label} ${what}`);
    this.buffers.push(off);
    return off;
  }

  release(): void {
    for (const off of this.buffers) this.rt.arena.release(off);
    this.buffers = [];
  }

  /**
   * Forward pass over n samples at x; returns the output pointer (may be x itself for layers that do not
   * change values, such as flatten). `seed` makes stochastic layers deterministic.
   */
  abstract forward(x: number, n: number, training: boolean, seed: number): number;

  /**
   * Backward pass: dy holds dLoss/dOutput for the n samples of the last forward (it may be overwritten).
   * Accumulates weight gradients; returns dLoss/dInput (when needDx) or 0.
   * skipActivation: dy is already the gradient with respect to the pre-activation (fused loss).
   */
  abstract backward(dy: number, n: number, needDx: boolean, skipActivation: boolean): number;

  /** Keras / TensorFlow.js layer config (snake_case keys, as in model.json). */
  getConfig(): Record<string, unknown> {
    const c: Record<string, unknown> = { name: this.name, trainable: this.trainable };
    if (this.declaredInputShape) {
      c.batch_input_shape = [null, ...(this.variableSteps ? [null, ...this.declaredInputShape.slice(1)] : this.declaredInputShape)];
    }
    const cls = this.constructor as unknown as LayerClass;
    for (const [prefix, weight] of Object.entries(cls.weightOptions ?? {})) {
      c[`${prefix}_regularizer`] = this.regularizers[weight]?.config() ?? null;
      c[`${prefix}_constraint`] = this.constraints[weight]?.config() ?? null;
    }
    return c;
  }

  protected get inSize(): number { return this.inputShape.reduce((a, b) => a * b, 1); }
  protected get outSize(): number { return this.outputShape.reduce((a, b) => a * b, 1); }
}

/** Refuses a data format other than channels last (NHWC): the only layout simdnet's kernels use. */
export function channelsLast(dataFormat: unknown, fn: string): void {
  if (dataFormat !== undefined && dataFormat !== null && dataFormat !== 'channelsLast' && dataFormat !== 'channels_last') {
    throw new Error(`${fn}: only dataFormat 'channelsLast' is supported, got ${show(dataFormat)}`);
  }
}

export function checkShape(shape: unknown, arg: string, layer: { className: string }, rest = false): number[] {
  if (!Array.isArray(shape) || (shape.length === 0 && !rest) || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    const anySteps = (layer.constructor as unknown as LayerClass).anySteps;
    throw new Error(`${layer.className}: ${arg} must be a non-empty array of positive integers` +
      `${anySteps ? ' (the first may be null: sequences of any length)' : ''}, got ${show(rest ? [null, ...shape as unknown[]] : shape)}`);
  }
  return [...shape];
}

export function positiveInt(v: unknown, arg: string, layer: string): number {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new Error(`${layer}: ${arg} must be a positive integer, got ${show(v)}`);
  return v as number;
}

export function boolArg(v: unknown, def: boolean, arg: string, layer: string): boolean {
  if (v === undefined || v === null) return def;
  if (typeof v !== 'boolean') throw new Error(`${layer}: ${arg} must be true or false, got ${show(v)}`);
  return v;
}

export function numberArg(v: unknown, def: number, arg: string, layer: string, lo: number, hi: number): number {
  const x = v ?? def;
  if (typeof x !== 'number' || !(x >= lo && x <= hi)) throw new Error(`${layer}: ${arg} must be a number in [${lo}, ${hi}], got ${show(v)}`);
  return x;
}

/** kernelSize / strides / poolSize: n or [h, w]. */
export function pair(v: unknown, arg: string, layer: string): [number, number] {
  if (Array.isArray(v)) {
    if (v.length !== 2) throw new Error(`${layer}: ${arg} must be a positive integer or [h, w], got ${show(v)}`);
    return [positiveInt(v[0], arg, layer), positiveInt(v[1], arg, layer)];
  }
  if (!Number.isInteger(v) || (v as number) <= 0) {
    throw new Error(`${layer}: ${arg} must be a positive integer or [h, w], got ${show(v)}`);
  }
  return [v as number, v as number];
}

export type Padding = 'valid' | 'same';
export function checkPadding(v: unknown, layer: string): Padding {
  const p = v ?? 'valid';
  if (p !== 'valid' && p !== 'same') throw new Error(`${layer}: padding must be 'valid' or 'same', got ${show(v)}`);
  return p;
}

/** A window's geometry on an image h × w: output size, zero padding before (top, left) and the padded size. */
export interface WindowGeometry { ho: number; wo: number; padTop: number; padLeft: number; hp: number; wp: number }

/**
 * convAxis on both axes of an image h × w for a kernel (or pool) `size` at `strides`; an output of no pixels is
 * refused, naming the layer (`label`) and what it is given.
 */
export function windowGeometry(h: number, w: number, size: readonly [number, number], strides: readonly [number, number], padding: Padding,
  label: string, what = 'kernelSize'): WindowGeometry {
  const ah = convAxis(h, size[0], strides[0], padding), aw = convAxis(w, size[1], strides[1], padding);
  if (ah.out <= 0 || aw.out <= 0) throw new Error(`${label}: input ${h}x${w} is smaller than ${what} ${size.join('x')} with padding 'valid'`);
  return { ho: ah.out, wo: aw.out, padTop: ah.padBefore, padLeft: aw.padBefore, hp: h + ah.padTotal, wp: w + aw.padTotal };
}

/** Output size and leading padding along one axis, TensorFlow's rules. */
export function convAxis(size: number, k: number, s: number, padding: Padding): { out: number; padBefore: number; padTotal: number } {
  if (padding === 'valid') return { out: Math.floor((size - k) / s) + 1, padBefore: 0, padTotal: 0 };
  const out = Math.ceil(size / s);
  const padTotal = Math.max((out - 1) * s + k - size, 0);
  return { out, padBefore: Math.floor(padTotal / 2), padTotal };
}
