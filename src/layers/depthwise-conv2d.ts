// DepthwiseConv2D (Keras' layer; NHWC, depthwise kernel [KH, KW, C, depthMultiplier]): each input channel convolved
// with filters of its own, no sum over channels — and SeparableConv2D, that convolution followed by a pointwise (1×1)
// one that mixes the channels: MobileNet's building block. The depthwise arithmetic is assembly/depthwise.ts (forward
// a range of output rows per thread; the input gradient the forward kernel again on the spread gradient with the
// flipped kernel — a gathering kernel for depth multipliers above 1 —; the kernel gradient a range of channels per
// thread); the pointwise half is Dense's products (RowProduct) over every pixel.
import { parallelFor } from '../threads/index.js';
import { activationBiasBackward, activationForward, checkActivation, preActivationBuffer, type ActivationName } from './activations.js';
import { checkNoDilation, type ConfigReader } from './config.js';
import type { InitializerSpec } from './initializers.js';
import type { RegularizerSpec } from './regularizers.js';
import type { ConstraintSpec } from './constraints.js';
import type { ConvWindowArgs } from './conv2d.js';
import { RowProduct } from './dense.js';
import { boolArg, channelsLast, checkPadding, windowGeometry, Layer, pair, positiveInt, type LayerExample, type Padding, type Param } from './layer.js';

export interface DepthwiseConv2DArgs extends ConvWindowArgs {
  /** Filters per input channel (Keras' default 1): the output has channels · depthMultiplier channels. */
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerSpec;
  depthwiseRegularizer?: RegularizerSpec | null;
  depthwiseConstraint?: ConstraintSpec | null;
}

export class DepthwiseConv2D extends Layer {
  static readonly className: string = 'DepthwiseConv2D';
  static readonly weightOptions: Readonly<Record<string, string>> = { depthwise: 'depthwise_kernel', bias: 'bias' };
  static readonly examples: readonly LayerExample[] = [
    { args: { kernelSize: 3, activation: 'relu' }, inputShape: [6, 7, 5], params: 50 },
    { args: { kernelSize: 3, activation: 'gelu' }, inputShape: [5, 6, 2], params: 20 },
    { args: { kernelSize: [2, 3], strides: 2, padding: 'same', depthMultiplier: 2, activation: 'tanh' }, inputShape: [7, 8, 3], params: 42 },
    { args: { kernelSize: 3, strides: [1, 2], padding: 'same', useBias: false }, inputShape: [5, 6, 8], params: 72 },
    { args: { kernelSize: [2, 3], strides: [2, 1], padding: 'same', activation: 'sigmoid' }, inputShape: [6, 7, 6], params: 42 },
    { args: { kernelSize: 5, strides: 2, padding: 'same' }, inputShape: [3, 4, 4], params: 104 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    return new this(this.readConfig(r));
  }

  /** The arguments of a saved config (SeparableConv2D adds its own). */
  protected static readConfig(r: ConfigReader): DepthwiseConv2DArgs {
    r.channelsLast();
    r.noDilation();
    r.expect('groups', (v) => v === 1, 'a depthwise convolution has no groups option of its own; groups must be 1');
    const weightOptions = r.weightOptions(this as unknown as Parameters<ConfigReader['weightOptions']>[0]);
    // tfjs 4.22 saves a DepthwiseConv2D's depthwiseRegularizer as its depthwise_constraint too (getConfig's slip): that
    // copy is not a constraint
    const { depthwiseConstraint: dc, depthwiseRegularizer: dr } = weightOptions;
    if (dc !== undefined && JSON.stringify(dc) === JSON.stringify(dr)) delete weightOptions.depthwiseConstraint;
    return {
      ...r.common(), ...weightOptions,
      kernelSize: r.opt('kernel_size')!, strides: r.opt('strides'), padding: r.padding(), depthMultiplier: r.opt('depth_multiplier'),
      activation: r.activation(), useBias: r.opt('use_bias'),
      depthwiseInitializer: r.initializer('depthwise_initializer'), biasInitializer: r.initializer('bias_initializer'),
    };
  }

  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly depthMultiplier: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  private readonly kernelInit: InitializerSpec;
  protected readonly biasInit: InitializerSpec;
  private hp = 0; private wp = 0; private padTop = 0; private padLeft = 0;
  private xPadded = 0; private y = 0; private z = 0; private dx = 0; private lastX = 0;
  // depthMultiplier 1's input gradient: dY spread (dilated by the strides, padded) and the spatially flipped kernel
  private dyd = 0; private flipped = 0;

  constructor(args: DepthwiseConv2DArgs, fn = 'depthwiseConv2d') {
    if (!args || typeof args !== 'object') {
      throw new Error(`${fn}: expected an arguments object { ${fn === 'separableConv2d' ? 'filters, ' : ''}kernelSize, ... }`);
    }
    super(args);
    this.kernelSize = pair(args.kernelSize, 'kernelSize', fn);
    this.strides = pair(args.strides ?? 1, 'strides', fn);
    this.padding = checkPadding(args.padding, fn);
    this.depthMultiplier = positiveInt(args.depthMultiplier ?? 1, 'depthMultiplier', fn);
    this.activation = checkActivation(args.activation, fn);
    this.useBias = boolArg(args.useBias, true, 'useBias', fn);
    this.kernelInit = args.depthwiseInitializer ?? 'glorotUniform';
    this.biasInit = args.biasInitializer ?? 'zeros';
    channelsLast(args.dataFormat, fn);
    checkNoDilation(args.dilationRate, fn);
  }

  get outputActivation(): ActivationName { return this.activation; }
  /** The activation of the depthwise convolution's output: SeparableConv2D's is linear (its own follows the pointwise). */
  protected get depthwiseActivation(): ActivationName { return this.activation; }

  build(inputShape: number[]): void {
    super.build(inputShape);
    const [h, w, c] = inputShape;
    ({ padTop: this.padTop, padLeft: this.padLeft, hp: this.hp, wp: this.wp } = windowGeometry(h, w, this.kernelSize, this.strides, this.padding, this.label));
    this.addParam('depthwise_kernel', [...this.kernelSize, c, this.depthMultiplier], this.kernelInit);
    this.addOwnParams(c * this.depthMultiplier);
  }

  /** The weights after the depthwise kernel, for `channels` depthwise outputs: the bias. */
  protected addOwnParams(channels: number): void {
    if (this.useBias) this.addParam('bias', [channels], this.biasInit);
  }

  computeOutputShape(inputShape: number[]): number[] {
    return this.depthwiseShape(inputShape);
  }

  /** The depthwise convolution's output [ho, wo, c · depthMultiplier]. */
  protected depthwiseShape(inputShape: number[]): number[] {
    if (inputShape.length !== 3) {
      throw new Error(`${this.label}: expected input of shape [height, width, channels], got [${inputShape.join(', ')}]`);
    }
    const { ho, wo } = windowGeometry(inputShape[0], inputShape[1], this.kernelSize, this.strides, this.padding, this.label);
    return [ho, wo, inputShape[2] * this.depthMultiplier];
  }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    const [h, w, c] = this.inputShape;
    const padded = this.hp !== h || this.wp !== w;
    this.xPadded = padded ? this.buffer(maxBatch * this.hp * this.wp * c, 'padded input') : 0;
    const outputs = maxBatch * this.depthwiseShape(this.inputShape).reduce((a, b) => a * b, 1);
    this.y = this.buffer(outputs, 'depthwise output');
    // the convolution before the activation: y itself unless the activation's backward needs it
    this.z = preActivationBuffer(this.depthwiseActivation, this.y, outputs, training, (floats, what) => this.buffer(floats, what));
    this.dx = training ? this.buffer(maxBatch * this.inSize, 'input gradient') : 0;
    this.dyd = this.flipped = 0;
    if (training && this.depthMultiplier === 1) {
      const [kh, kw] = this.kernelSize;
      this.dyd = this.buffer(maxBatch * (h + kh - 1) * (w + kw - 1) * c, 'spread output gradient');
      this.flipped = this.buffer(kh * kw * c, 'flipped kernel');
    }
  }

  /** Rows (or channels) per thread for work of `perRow` multiply-adds each (about 32 K a thread at least). */
  private static rowsPerThread(perRow: number): number { return Math.max(1, Math.ceil((1 << 15) / perRow)); }

  forward(x: number, n: number): number {
    const [, bias] = this.params;
    return this.depthwiseForward(x, n, bias);
  }

  /** The depthwise convolution of n images at x, plus bias (if any), through depthwiseActivation. */
  protected depthwiseForward(x: number, n: number, bias: Param | undefined): number {
    const rt = this.rt;
    const [h, w, c] = this.inputShape;
    const [ho, wo, cm] = this.depthwiseShape(this.inputShape);
    const [kh, kw] = this.kernelSize;
    const [kernel] = this.params;
    if (this.xPadded) {
      rt.k.spread_nhwc(this.xPadded, x, n, h, w, c, this.hp, this.wp, this.padTop, this.padLeft, 1, 1);
      x = this.xPadded;
    }
    this.lastX = x;
    parallelFor(rt, 'depthwise_forward', n * ho, DepthwiseConv2D.rowsPerThread(wo * cm * kh * kw), 1,
      (r, count) => [this.z, x, kernel.offset, bias ? bias.offset : 0, this.hp, this.wp, c, this.depthMultiplier, kh, kw,
        this.strides[0], this.strides[1], ho, wo, r, count], `${this.name} forward`);
    activationForward(rt, this.depthwiseActivation, this.y, this.z, n * ho * wo, cm);
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean, skipActivation: boolean): number {
    const [, bias] = this.params;
    return this.depthwiseBackward(dy, n, needDx, bias, skipActivation);
  }

  /** Gradients of depthwiseForward from dy, the gradient of its output (through depthwiseActivation unless skipActivation). */
  protected depthwiseBackward(dy: number, n: number, needDx: boolean, bias: Param | undefined, skipActivation: boolean): number {
    const rt = this.rt;
    const [h, w, c] = this.inputShape;
    const [ho, wo, cm] = this.depthwiseShape(this.inputShape);
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.strides;
    const [kernel] = this.params;
    const rows = n * ho * wo;
    activationBiasBackward(rt, this.depthwiseActivation, dy, this.y, this.z, bias ? bias.gradOffset : 0, rows, cm, skipActivation, this.name);
    // a range of input channels per thread (each with its taps and filters), at least ~32 K multiply-adds each
    parallelFor(rt, 'depthwise_backward_filter', c, DepthwiseConv2D.rowsPerThread(rows * kh * kw * this.depthMultiplier), 4,
      (c0, count) => [kernel.gradOffset, this.lastX, dy, n, this.hp, this.wp, c, this.depthMultiplier, kh, kw, sh, sw, ho, wo, c0, count],
      `${this.name} weight gradient`);
    if (!needDx) return 0;
    if (this.dyd) {
      // dX = the stride-1 depthwise correlation of dY (dilated by the strides, padded by the kernel less the forward
      // padding) with the flipped kernel: the forward kernel itself (as Conv2D's backward-data pass)
      const hd = h + kh - 1, wdd = w + kw - 1;
      rt.k.spread_nhwc(this.dyd, dy, n, ho, wo, c, hd, wdd, kh - 1 - this.padTop, kw - 1 - this.padLeft, sh, sw);
      rt.k.flip_kernel(this.flipped, kernel.offset, kh, kw, 1, c, 0, c);
      parallelFor(rt, 'depthwise_forward', n * h, DepthwiseConv2D.rowsPerThread(w * c * kh * kw), 1,
        (r, count) => [this.dx, this.dyd, this.flipped, 0, hd, wdd, c, 1, kh, kw, 1, 1, h, w, r, count], `${this.name} input gradient`);
      return this.dx;
    }
    parallelFor(rt, 'depthwise_backward_data', n * h, DepthwiseConv2D.rowsPerThread(w * cm * kh * kw), 1,
      (r, count) => [this.dx, dy, kernel.offset, h, w, c, this.depthMultiplier, kh, kw, sh, sw, ho, wo, this.padTop, this.padLeft, r, count],
      `${this.name} input gradient`);
    return this.dx;
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      kernel_size: [...this.kernelSize], strides: [...this.strides], padding: this.padding, depth_multiplier: this.depthMultiplier,
      data_format: 'channels_last', dilation_rate: [1, 1], activation: this.activation, use_bias: this.useBias,
      depthwise_initializer: this.params[0]?.init.config() ?? null, bias_initializer: this.useBias ? this.params[1]?.init.config() ?? null : null,
      activity_regularizer: null,
    };
  }
}

export interface SeparableConv2DArgs extends DepthwiseConv2DArgs {
  /** Output channels of the pointwise (1×1) convolution. */
  filters: number;
  pointwiseInitializer?: InitializerSpec;
  pointwiseRegularizer?: RegularizerSpec | null;
  pointwiseConstraint?: ConstraintSpec | null;
}

/**
 * SeparableConv2D (Keras' layer): the depthwise convolution (no bias, no activation) then a pointwise one, kernel
 * [1, 1, C · depthMultiplier, filters], plus bias, through the activation. Weights: depthwise_kernel,
 * pointwise_kernel, bias.
 */
export class SeparableConv2D extends DepthwiseConv2D {
  static readonly className = 'SeparableConv2D';
  static readonly weightOptions = { depthwise: 'depthwise_kernel', pointwise: 'pointwise_kernel', bias: 'bias' };
  static readonly examples: readonly LayerExample[] = [
    { args: { filters: 4, kernelSize: 3, activation: 'relu' }, inputShape: [6, 7, 3], params: 43 },
    { args: { filters: 3, kernelSize: 3, activation: 'swish' }, inputShape: [5, 5, 2], params: 27 },
    { args: { filters: 3, kernelSize: [2, 3], strides: 2, padding: 'same', depthMultiplier: 2, activation: 'tanh' }, inputShape: [7, 8, 3], params: 57,
      noTfjsSave: "tfjs 4.22's SeparableConv2D.getConfig leaves depthMultiplier out (it reloads as 1)" },
    { args: { filters: 6, kernelSize: 3, strides: [1, 2], padding: 'same', useBias: false }, inputShape: [5, 6, 5], params: 75 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    // Keras 2 saves the base convolution's kernel_* options too (a kernel this layer does not have)
    r.ignore('kernel_initializer', 'kernel_regularizer', 'kernel_constraint');
    return new this({ ...this.readConfig(r), filters: r.opt('filters')!, pointwiseInitializer: r.initializer('pointwise_initializer') });
  }

  readonly filters: number;
  private readonly pointwiseInit: InitializerSpec;
  private product: RowProduct | null = null;

  constructor(args: SeparableConv2DArgs) {
    super(args, 'separableConv2d');
    this.filters = positiveInt(args.filters, 'filters', 'separableConv2d');
    this.pointwiseInit = args.pointwiseInitializer ?? 'glorotUniform';
  }

  protected get depthwiseActivation(): ActivationName { return 'linear'; }

  protected addOwnParams(channels: number): void {
    this.addParam('pointwise_kernel', [1, 1, channels, this.filters], this.pointwiseInit);
    if (this.useBias) this.addParam('bias', [this.filters], this.biasInit);
  }

  computeOutputShape(inputShape: number[]): number[] {
    const [ho, wo] = this.depthwiseShape(inputShape);
    return [ho, wo, this.filters];
  }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    super.allocateBuffers(maxBatch, training);
    const [ho, wo, cm] = this.depthwiseShape(this.inputShape);
    this.product = new RowProduct(this.rt, cm, this.filters, this.activation, maxBatch * ho * wo, training,
      (floats, what) => this.buffer(floats, `pointwise ${what}`));
  }

  forward(x: number, n: number, training = false): number {
    const [, pointwise, bias] = this.params;
    const [ho, wo] = this.outputShape;
    const mid = this.depthwiseForward(x, n, undefined);
    return this.product!.forward(mid, n * ho * wo, pointwise, bias, training, this.name);
  }

  backward(dy: number, n: number, needDx: boolean, skipActivation: boolean): number {
    const [, pointwise, bias] = this.params;
    const [ho, wo] = this.outputShape;
    const dmid = this.product!.backward(dy, n * ho * wo, pointwise, bias, true, skipActivation, this.name);
    return this.depthwiseBackward(dmid, n, needDx, undefined, false);
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), filters: this.filters,
      pointwise_initializer: this.params[1]?.init.config() ?? null, bias_initializer: this.useBias ? this.params[2]?.init.config() ?? null : null,
    };
  }
}
