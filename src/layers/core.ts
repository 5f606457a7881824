// Dropout, Flatten and Activation: layers without weights.
import { parallelFor } from '../threads/index.js';
import { activationBackward, activationForward, checkActivation, type ActivationName } from './activations.js';
import type { ConfigReader } from './config.js';
import { channelsLast, Layer, type LayerArgs, type LayerExample } from './layer.js';
import { show } from '../format.js';

export interface DropoutArgs extends LayerArgs { rate: number; seed?: number }

/** Inverted dropout: active only in training; identity (no copy) at inference. */
export class Dropout extends Layer {
  static readonly className = 'Dropout';
  static readonly passesMask = true;
  static readonly randomInTraining = true;
  static readonly examples: readonly LayerExample[] = [
    { args: { rate: 0.3 }, inputShape: [5, 4, 3], params: 0 },
    { args: { rate: 0 }, inputShape: [6], params: 0 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    r.mustBeNull('noise_shape');
    r.ignore('seed'); // simdnet derives dropout masks from the fit seed
    return new this({ ...r.common(), rate: r.opt('rate')! });
  }

  readonly rate: number;
  private y = 0; private mask = 0;

  constructor(args: DropoutArgs) {
    super(args);
    if (typeof args?.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) {
      throw new Error(`dropout: rate must be a number in [0, 1), got ${show(args?.rate)}`);
    }
    this.rate = args.rate;
  }

  computeOutputShape(inputShape: number[]): number[] { return [...inputShape]; }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    if (!training || this.rate === 0) return;
    this.y = this.buffer(maxBatch * this.inSize, 'output');
    this.mask = this.buffer(maxBatch * this.inSize, 'mask');
  }

  forward(x: number, n: number, training: boolean, seed: number): number {
    if (!training || this.rate === 0) return x;
    parallelFor(this.rt, 'dropout_forward', n * this.inSize, 1 << 16, 4,
      (s, count) => [this.y + 4 * s, this.mask + 4 * s, x + 4 * s, count, this.rate, seed >>> 0, s], `${this.name} forward`);
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    if (this.rate !== 0) {
      parallelFor(this.rt, 'dropout_backward', n * this.inSize, 1 << 16, 4,
        (s, count) => [dy + 4 * s, dy + 4 * s, this.mask + 4 * s, count], `${this.name} backward`);
    }
    return dy;
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, noise_shape: null, seed: null };
  }
}

/** Flatten: a view change only; NHWC order is already row-major. */
export class Flatten extends Layer {
  static readonly className = 'Flatten';
  static readonly singleThreaded = 'a view change: no kernel runs';
  static readonly examples: readonly LayerExample[] = [{ args: {}, inputShape: [3, 4, 2], params: 0 }];

  static fromConfig(r: ConfigReader): Layer {
    r.channelsLast();
    return new this(r.common());
  }

  constructor(args: LayerArgs & { dataFormat?: 'channelsLast' } = {}) {
    super(args);
    channelsLast(args.dataFormat, 'flatten');
  }

  computeOutputShape(inputShape: number[]): number[] { return [inputShape.reduce((a, b) => a * b, 1)]; }
  protected allocateBuffers(): void {}
  forward(x: number): number { return x; }
  backward(dy: number, _n: number, needDx: boolean): number { return needDx ? dy : 0; }
  getConfig(): Record<string, unknown> { return { ...super.getConfig(), data_format: 'channels_last' }; }
}

export interface ActivationArgs extends LayerArgs { activation: ActivationName }

export class Activation extends Layer {
  static readonly className: string = 'Activation';
  static readonly passesMask: boolean = true;
  static readonly examples: readonly LayerExample[] = [
    { args: { activation: 'relu' }, inputShape: [4, 5], params: 0 },
    { args: { activation: 'sigmoid' }, inputShape: [7], params: 0 },
    { args: { activation: 'tanh' }, inputShape: [2, 3, 2], params: 0 },
    { args: { activation: 'softmax' }, inputShape: [3, 5], params: 0 },
    { args: { activation: 'elu' }, inputShape: [3, 4], params: 0 },
    { args: { activation: 'selu' }, inputShape: [2, 5], params: 0 },
    { args: { activation: 'softplus' }, inputShape: [9], params: 0 },
    { args: { activation: 'softsign' }, inputShape: [2, 2, 3], params: 0 },
    { args: { activation: 'relu6' }, inputShape: [6], params: 0 },
    { args: { activation: 'swish' }, inputShape: [6], params: 0 },
    { args: { activation: 'gelu' }, inputShape: [2, 5], params: 0 },
    { args: { activation: 'mish' }, inputShape: [3, 4], params: 0 },
    // not gelu_new: tfjs' model loader turns the name into geluNew, which it does not know (tfjs-layers 4.x)
  ];

  static fromConfig(r: ConfigReader): Layer { return new this({ ...r.common(), activation: r.activation() }); }

  readonly activation: ActivationName;
  private y = 0;
  /** The input of the last forward (an earlier layer's output, kept until backward), for activations that need it. */
  private lastX = 0;

  constructor(args: ActivationArgs) {
    super(args);
    this.activation = checkActivation(args?.activation, 'activation');
  }

  get outputActivation(): ActivationName { return this.activation; }
  computeOutputShape(inputShape: number[]): number[] { return [...inputShape]; }

  protected allocateBuffers(maxBatch: number): void {
    this.y = this.buffer(maxBatch * this.inSize, 'output');
  }

  private get cols(): number { return this.inputShape[this.inputShape.length - 1]; }

  forward(x: number, n: number): number {
    const rows = (n * this.inSize) / this.cols;
    this.lastX = x;
    activationForward(this.rt, this.activation, this.y, x, rows, this.cols);
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean, skipActivation: boolean): number {
    if (!needDx) return 0;
    if (!skipActivation) activationBackward(this.rt, this.activation, dy, dy, this.y, this.lastX, (n * this.inSize) / this.cols, this.cols);
    return dy;
  }

  getConfig(): Record<string, unknown> { return { ...super.getConfig(), activation: this.activation }; }
}

export interface SoftmaxArgs extends LayerArgs { axis?: number }

/**
 * The Softmax layer (Keras, tfjs): the softmax activation over the last axis — axis -1 (Keras' default) or that
 * axis' index counting the batch axis (tfjs' default 1, after a Dense layer); other axes are refused at build.
 */
export class Softmax extends Activation {
  static readonly className = 'Softmax';
  static readonly examples: readonly LayerExample[] = [
    { args: {}, inputShape: [6], params: 0 },
    { args: { axis: -1 }, inputShape: [2, 4], params: 0 },
  ];

  static fromConfig(r: ConfigReader): Layer { return new this({ ...r.common(), axis: r.opt<number>('axis') }); }

  readonly axis: number;

  constructor(args: SoftmaxArgs = {}) {
    const axis = args?.axis ?? -1;
    if (!Number.isInteger(axis) || (axis < 1 && axis !== -1)) {
      throw new Error(`softmax: axis must be -1 or a positive integer (the last axis, counting the batch axis), got ${show(args?.axis)}`);
    }
    super({ ...args, activation: 'softmax' });
    this.axis = axis;
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (this.axis !== -1 && this.axis !== inputShape.length) {
      throw new Error(`${this.label}: axis ${this.axis} is not the last axis of inputs of shape [batch, ${inputShape.join(', ')}] ` +
        `(that is ${inputShape.length}, or -1); simdnet's Softmax works over the last axis only`);
    }
    return super.computeOutputShape(inputShape);
  }

  getConfig(): Record<string, unknown> {
    const { activation: _, ...rest } = super.getConfig();
    return { ...rest, axis: this.axis };
  }
}
