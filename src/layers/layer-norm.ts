// LayerNormalization over the last axis (Keras semantics): each sample's values at a position are normalized
// by their own mean and biased variance — no batch statistics, the same in training and inference — then
// scaled by gamma and shifted by beta (trainable, per feature). Rows = every position of every sample; C = the
// last axis. Forward and dx split rows over the threads, the gamma / beta gradients split features.
import { parallelFor } from '../threads/index.js';
import type { ConfigReader } from './config.js';
import { getInitializer, type InitializerSpec } from './initializers.js';
import type { RegularizerSpec } from './regularizers.js';
import type { ConstraintSpec } from './constraints.js';
import { boolArg, Layer, type LayerArgs, type LayerExample, type Param } from './layer.js';
import { show } from '../format.js';

export interface LayerNormalizationArgs extends LayerArgs {
  /** -1 (the last axis) only; or the last axis' index, as Keras saves it (a one-element list too). */
  axis?: number | [number];
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
}

/** Work (rows x features) below which a layer-norm op stays on one thread. */
const MIN_WORK = 1 << 15;

export class LayerNormalization extends Layer {
  static readonly className = 'LayerNormalization';
  static readonly passesMask = true; // each position normalized on its own (Keras)
  static readonly weightOptions = { beta: 'beta', gamma: 'gamma' };
  static readonly examples: readonly LayerExample[] = [
    { args: {}, inputShape: [6], params: 12 },
    { args: { epsilon: 1e-5 }, inputShape: [3, 5], params: 10 },
    { args: { center: false }, inputShape: [4, 7], params: 7, noTfjsTraining: 'tfjs 4.22 fails computing gradients when center is false (TypeError reading a missing beta)' },
    { args: { scale: false }, inputShape: [2, 2, 9], params: 9, noTfjsTraining: 'tfjs 4.22 fails computing gradients when scale is false (TypeError reading a missing gamma)' },
  ];

  static fromConfig(r: ConfigReader): Layer {
    const weightOptions = r.weightOptions(this);
    r.expect('rms_scaling', (v) => v === false, 'simdnet has no RMS scaling (Keras 3 rms_scaling)');
    return new this({
      ...r.common(), ...weightOptions, axis: r.opt<number | [number]>('axis'), epsilon: r.opt('epsilon'), center: r.opt('center'), scale: r.opt('scale'),
      betaInitializer: r.initializer('beta_initializer'), gammaInitializer: r.initializer('gamma_initializer'),
    });
  }

  readonly axis: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly inits: Record<'beta' | 'gamma', InitializerSpec>;
  private gamma: Param | null = null; private beta: Param | null = null;
  private y = 0; private xhat = 0; private invstd = 0;

  constructor(args: LayerNormalizationArgs = {}) {
    super(args);
    const fn = 'layerNormalization';
    const given: unknown = args.axis;
    if (Array.isArray(given) && given.length !== 1) {
      throw new Error(`${fn}: axis ${show(given)} ${given.length ? 'normalizes over several axes' : 'names no axis'}; ` +
        "simdnet's LayerNormalization normalizes over one, the last (axis -1)");
    }
    const axis = Array.isArray(given) ? given[0] : given ?? -1;
    if (axis !== -1 && !(Number.isInteger(axis) && axis > 0)) {
      throw new Error(`${fn}: axis must be -1 (the last axis) or its index counting the batch axis, got ${show(args.axis)}`);
    }
    this.axis = axis;
    const eps = args.epsilon ?? 1e-3;
    // the kernels take epsilon in f32: one below its smallest positive value would reach them as 0
    if (typeof eps !== 'number' || !(Math.fround(eps) > 0) || !Number.isFinite(eps)) {
      throw new Error(`${fn}: epsilon must be a positive number (with 0 a constant row divides by zero), got ${show(args.epsilon)}`);
    }
    this.epsilon = eps;
    this.center = boolArg(args.center, true, 'center', fn);
    this.scale = boolArg(args.scale, true, 'scale', fn);
    this.inits = { beta: args.betaInitializer ?? 'zeros', gamma: args.gammaInitializer ?? 'ones' };
  }

  build(inputShape: number[]): void {
    if (this.axis !== -1 && this.axis !== inputShape.length) {
      throw new Error(`${this.label}: axis ${this.axis} is not the last axis of its input [batch, ${inputShape.join(', ')}]; simdnet normalizes over the last axis (axis -1)`);
    }
    super.build(inputShape);
    const c = [this.features];
    // Keras' order: gamma, beta
    if (this.scale) this.addParam('gamma', c, this.inits.gamma);
    if (this.center) this.addParam('beta', c, this.inits.beta);
    this.gamma = this.params.find((p) => p.name === 'gamma') ?? null;
    this.beta = this.params.find((p) => p.name === 'beta') ?? null;
  }

  computeOutputShape(inputShape: number[]): number[] { return [...inputShape]; }

  private get features(): number { return this.inputShape[this.inputShape.length - 1]; }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    this.y = this.buffer(maxBatch * this.inSize, 'output');
    if (!training) return;
    this.xhat = this.buffer(maxBatch * this.inSize, 'normalized input');
    this.invstd = this.buffer(maxBatch * this.inSize / this.features, 'row 1/std');
  }

  private byRows(op: 'layernorm_forward' | 'layernorm_backward', rows: number, args: (r0: number, count: number) => number[], what: string): void {
    parallelFor(this.rt, op, rows, Math.max(1, Math.ceil(MIN_WORK / this.features)), 1, args, `${this.name} ${what}`);
  }

  forward(x: number, n: number, training: boolean): number {
    const c = this.features, rows = (n * this.inSize) / c;
    const saved = training ? [this.xhat, this.invstd] : [0, 0];
    this.byRows('layernorm_forward', rows, (r0, count) => [this.y, saved[0], saved[1], x, this.gamma?.offset ?? 0, this.beta?.offset ?? 0,
      c, this.epsilon, r0, count], 'forward');
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    const c = this.features, rows = (n * this.inSize) / c;
    // the parameter gradients first: dx overwrites dy (none to compute with center and scale off). They are batch
    // normalization's column sums over the rows: its backward kernel with no dx computes them alone
    if (this.gamma || this.beta) parallelFor(this.rt, 'batchnorm_backward', c, Math.max(4, Math.ceil(MIN_WORK / rows)), 4,
      (c0, count) => [0, this.gamma?.gradOffset ?? 0, this.beta?.gradOffset ?? 0, dy, this.xhat, 0, 0, rows, c, c0, count], `${this.name} gamma / beta gradients`);
    if (!needDx) return 0;
    this.byRows('layernorm_backward', rows, (r0, count) => [dy, dy, this.xhat, this.invstd, this.gamma?.offset ?? 0, c, r0, count], 'backward');
    return dy;
  }

  getConfig(): Record<string, unknown> {
    const init = (p: Param | null, spec: InitializerSpec) => (p?.init ?? getInitializer(spec, this.label)).config();
    return {
      ...super.getConfig(),
      axis: this.axis, epsilon: this.epsilon, center: this.center, scale: this.scale,
      beta_initializer: init(this.beta, this.inits.beta), gamma_initializer: init(this.gamma, this.inits.gamma),
    };
  }
}
