// BatchNormalization over the last axis (Keras semantics). Training normalizes with the batch's mean and
// biased variance and moves the moving statistics: moving = moving·momentum + batch·(1 − momentum);
// inference (and a frozen layer, as in Keras 2+) uses the moving statistics. gamma, beta trainable;
// moving_mean, moving_variance non-trainable. Rows = every position of every sample; C = channels.
import { parallelFor } from '../threads/index.js';
import type { ConfigReader } from './config.js';
import { getInitializer, type InitializerSpec } from './initializers.js';
import type { RegularizerSpec } from './regularizers.js';
import type { ConstraintSpec } from './constraints.js';
import { boolArg, Layer, numberArg, type LayerArgs, type LayerExample, type Param } from './layer.js';
import { show } from '../format.js';

export interface BatchNormalizationArgs extends LayerArgs {
  /** -1 (the last axis, channels-last) only; or the last axis' index, as Keras 2 saves it. */
  axis?: number;
  momentum?: number;
  epsilon?: number;
  /** Learn beta (an offset). */
  center?: boolean;
  /** Learn gamma (a scale). */
  scale?: boolean;
  betaInitializer?: InitializerSpec;
  gammaInitializer?: InitializerSpec;
  betaRegularizer?: RegularizerSpec | null;
  betaConstraint?: ConstraintSpec | null;
  gammaRegularizer?: RegularizerSpec | null;
  gammaConstraint?: ConstraintSpec | null;
  movingMeanInitializer?: InitializerSpec;
  movingVarianceInitializer?: InitializerSpec;
}

/** Work (rows x channels) below which a batch-norm op stays on one thread. */
const MIN_WORK = 1 << 15;

export class BatchNormalization extends Layer {
  static readonly className = 'BatchNormalization';
  static readonly passesMask = true;
  static readonly maskedTraining: string | null = 'Keras leaves masked steps out of its batch statistics, simdnet counts them';
  static readonly weightOptions = { beta: 'beta', gamma: 'gamma' };
  static readonly examples: readonly LayerExample[] = [
    { args: {}, inputShape: [5, 4, 6], params: 24 },
    { args: { momentum: 0.9, epsilon: 0.01 }, inputShape: [7], params: 28 },
    { args: { center: false }, inputShape: [3, 5], params: 15, noTfjsTraining: "tfjs 4.22 reads beta in training even when center is false" },
    { args: { scale: false, epsilon: 1e-5 }, inputShape: [2, 3, 17], params: 51, noTfjsTraining: "tfjs 4.22 reads gamma in training even when scale is false" },
  ];

  static fromConfig(r: ConfigReader): Layer {
    const weightOptions = r.weightOptions(this);
    r.ignore('synchronized', 'renorm_clipping'); // no effect on one device / when renorm is off
    r.expect('renorm', (v) => v === false, 'simdnet has no batch renormalization');
    r.expect('fused', (v) => typeof v === 'boolean', 'fused is an implementation choice');
    r.expect('virtual_batch_size', () => false, 'simdnet has no ghost batch normalization');
    r.expect('adjustment', () => false, 'simdnet has no adjustment function');
    r.ignore('renorm_momentum', 'fused');
    let axis = r.opt<number | number[]>('axis');
    if (Array.isArray(axis) && axis.length === 1) axis = axis[0];
    return new this({
      ...r.common(), ...weightOptions, axis: axis as number | undefined, momentum: r.opt('momentum'), epsilon: r.opt('epsilon'),
      center: r.opt('center'), scale: r.opt('scale'),
      betaInitializer: r.initializer('beta_initializer'), gammaInitializer: r.initializer('gamma_initializer'),
      movingMeanInitializer: r.initializer('moving_mean_initializer'),
      movingVarianceInitializer: r.initializer('moving_variance_initializer'),
    });
  }

  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly inits: Record<'beta' | 'gamma' | 'movingMean' | 'movingVariance', InitializerSpec>;
  private gamma: Param | null = null; private beta: Param | null = null;
  private movingMean!: Param; private movingVariance!: Param;
  // buffers: output, saved for backward (xhat, invstd), batch statistics, inference scale / shift
  private y = 0; private xhat = 0; private mean = 0; private variance = 0; private invstd = 0;
  private foldScale = 0; private foldShift = 0; private zeros = 0;
  private usedBatchStats = false;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    const fn = 'batchNormalization';
    const axis = args.axis ?? -1;
    // Keras 2 saves the last axis by its index (axis [3] for images): checked against the rank in build
    if (axis !== -1 && !(Number.isInteger(axis) && axis > 0)) {
      throw new Error(`${fn}: axis must be -1 (the channels of channels-last data), got ${show(args.axis)}`);
    }
    this.axis = axis;
    this.momentum = numberArg(args.momentum, 0.99, 'momentum', fn, 0, 1);
    this.epsilon = numberArg(args.epsilon, 1e-3, 'epsilon', fn, Number.MIN_VALUE, Infinity);
    this.center = boolArg(args.center, true, 'center', fn);
    this.scale = boolArg(args.scale, true, 'scale', fn);
    this.inits = {
      beta: args.betaInitializer ?? 'zeros', gamma: args.gammaInitializer ?? 'ones',
      movingMean: args.movingMeanInitializer ?? 'zeros', movingVariance: args.movingVarianceInitializer ?? 'ones',
    };
  }

  build(inputShape: number[]): void {
    if (this.axis !== -1 && this.axis !== inputShape.length) {
      throw new Error(`${this.label}: axis ${this.axis} is not the last axis of its input [batch, ${inputShape.join(', ')}]; simdnet normalizes the channels (axis -1)`);
    }
    super.build(inputShape);
    const c = [this.channels];
    // Keras' order: gamma, beta, moving_mean, moving_variance
    if (this.scale) this.addParam('gamma', c, this.inits.gamma);
    if (this.center) this.addParam('beta', c, this.inits.beta);
    this.addParam('moving_mean', c, this.inits.movingMean, false);
    this.addParam('moving_variance', c, this.inits.movingVariance, false);
    const byName = (n: string) => this.params.find((p) => p.name === n) ?? null;
    this.gamma = byName('gamma'); this.beta = byName('beta');
    this.movingMean = byName('moving_mean')!; this.movingVariance = byName('moving_variance')!;
  }

  computeOutputShape(inputShape: number[]): number[] { return [...inputShape]; }

  private get channels(): number { return this.inputShape[this.inputShape.length - 1]; }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    const c = this.channels;
    this.y = this.buffer(maxBatch * this.inSize, 'output');
    this.foldScale = this.buffer(c, 'inference scale');
    this.foldShift = this.buffer(c, 'inference shift');
    this.zeros = this.buffer(c, 'zero shift');
    this.rt.f32(this.zeros, c).fill(0);
    if (!training) return;
    this.xhat = this.buffer(maxBatch * this.inSize, 'normalized input');
    this.mean = this.buffer(c, 'batch mean');
    this.variance = this.buffer(c, 'batch variance');
    this.invstd = this.buffer(c, 'batch 1/std');
  }

  /** Channel ranges for the threads: whole cache lines (16 floats) when there are enough channels. */
  private byChannels(op: 'batchnorm_forward' | 'batchnorm_backward' | 'batchnorm_moving_update', rows: number,
    args: (c0: number, count: number) => number[], what: string): void {
    const c = this.channels;
    parallelFor(this.rt, op, c, Math.max(16, Math.ceil(MIN_WORK / rows)), c >= 32 ? 16 : 4, args, `${this.name} ${what}`);
  }

  forward(x: number, n: number, training: boolean): number {
    const c = this.channels, rows = (n * this.inSize) / c;
    const gamma = this.gamma?.offset ?? 0, beta = this.beta?.offset ?? 0;
    // a frozen batch normalization runs in inference mode, as in Keras 2+
    this.usedBatchStats = training && this.trainable;
    if (!this.usedBatchStats) {
      this.rt.k.batchnorm_inference_fold(this.foldScale, this.foldShift, this.movingMean.offset, this.movingVariance.offset,
        gamma, beta, this.epsilon, 0, c);
      this.affine(this.y, x, this.foldShift, rows);
      return this.y;
    }
    this.byChannels('batchnorm_forward', rows, (c0, cc) => [this.y, this.xhat, this.mean, this.variance, this.invstd, x,
      gamma, beta, rows, c, this.epsilon, c0, cc], 'forward');
    this.rt.k.batchnorm_moving_update(this.movingMean.offset, this.movingVariance.offset, this.mean, this.variance,
      this.momentum, 0, c);
    return this.y;
  }

  /** y = x · foldScale + shift per channel, split by rows. */
  private affine(y: number, x: number, shift: number, rows: number): void {
    const c = this.channels;
    parallelFor(this.rt, 'batchnorm_inference_forward', rows, Math.max(1, Math.ceil(MIN_WORK / c)), 1,
      (r0, count) => [y, x, this.foldScale, shift, c, r0, count], `${this.name} normalize`);
  }

  backward(dy: number, n: number, needDx: boolean): number {
    const c = this.channels, rows = (n * this.inSize) / c;
    if (!this.usedBatchStats) {
      // the moving statistics are constants: dx = dy · gamma / sqrt(movingVariance + epsilon)
      if (!needDx) return 0;
      this.affine(dy, dy, this.zeros, rows);
      return dy;
    }
    // dx overwrites dy (the kernel allows it); when dx is not needed it is computed all the same
    this.byChannels('batchnorm_backward', rows, (c0, cc) => [dy, this.gamma?.gradOffset ?? 0, this.beta?.gradOffset ?? 0,
      dy, this.xhat, this.invstd, this.gamma?.offset ?? 0, rows, c, c0, cc], 'backward');
    return needDx ? dy : 0;
  }

  getConfig(): Record<string, unknown> {
    // tfjs writes both initializers even when center or scale is off
    const init = (p: Param | null, spec: InitializerSpec) => (p?.init ?? getInitializer(spec, this.label)).config();
    return {
      ...super.getConfig(),
      axis: this.axis, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale,
      beta_initializer: init(this.beta, this.inits.beta), gamma_initializer: init(this.gamma, this.inits.gamma),
      moving_mean_initializer: this.movingMean?.init.config() ?? null,
      moving_variance_initializer: this.movingVariance?.init.config() ?? null,
    };
  }
}
