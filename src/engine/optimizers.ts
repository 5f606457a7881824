// Optimizers: hyper-parameters and schedule policy live here; the update itself is one Wasm kernel over the
// trainable part of a model's contiguous parameter block, split over the threads (optimizer.ts: what they share).
// Defaults are TensorFlow.js'. One registry lists them; each reads and writes one config format, tfjs' ({ class_name,
// config } with tfjs class names and camelCase arguments, as in a layers-model's training config), and reads Keras'
// snake_case too.
import type { Runtime } from '../runtime/wasm.js';
import { checkOptions, show, type AllOptions } from '../format.js';
import { numberArg } from '../layers/layer.js';
import { CLIP_OPTIONS, ConfigValues, Optimizer, update, type ClipArgs, type OptimizerJson, type TfjsSupport } from './optimizer.js';

export { Optimizer, type OptimizerJson, type ClipArgs, type WeightSlice, type StateParam, type StateWeight, type PreparedState, type SavedState } from './optimizer.js';

export interface SGDArgs extends ClipArgs { learningRate?: number; momentum?: number; nesterov?: boolean; decay?: number }
const SGD_OPTIONS = ['learningRate', 'momentum', 'nesterov', 'decay', ...CLIP_OPTIONS] as const;

/** SGD with Keras' momentum / Nesterov and time-based decay lr / (1 + decay * iterations). */
export class SGD extends Optimizer {
  /** tfjs saves SGD with momentum as its Momentum class. */
  static readonly configClassNames = ['SGD', 'Momentum'];
  static readonly options: AllOptions<SGDArgs, typeof SGD_OPTIONS> = SGD_OPTIONS;
  readonly name = 'sgd';
  readonly momentum: number; readonly nesterov: boolean; readonly decay: number;
  constructor(args: SGDArgs = {}) {
    super(args, 0.01, 'sgd');
    this.momentum = numberArg(args.momentum, 0, 'momentum', 'sgd', 0, 1);
    this.nesterov = args.nesterov ?? false;
    this.decay = numberArg(args.decay, 0, 'decay', 'sgd', 0, Infinity);
  }
  protected get slotNames(): readonly string[] { return this.momentum > 0 ? ['momentum'] : []; }
  protected get unusedSlotNames(): readonly string[] { return this.momentum > 0 ? [] : ['momentum']; }
  /** The learning rate of update number t (from 1): time-based decay. */
  private rateAt(t: number): number { return this.learningRate / (1 + this.decay * (t - 1)); }
  protected currentRate(): number { return this.rateAt(this.iterations); }
  // simdnet keeps Keras' velocity v (v = momentum v - lr g; p += v); tfjs' Momentum keeps the accumulated gradient
  // a (a = momentum a + g; p -= lr a), which is -v / lr at a constant rate: files hold tfjs' form, converted at the
  // rate of the next update (so a round trip may change the last bit of v)
  protected toSaved(_slot: number, v: Float32Array, iterations: number): void {
    const r = this.rateAt(iterations + 1);
    if (r === 0) {
      // tfjs' accumulation is -v / lr: zero velocity (a warm-up from 0 so far) is zero accumulation; any other has no tfjs form
      if (v.every((x) => x === 0)) return;
      throw new Error('sgd: the momentum cannot be saved at learning rate 0 (tfjs keeps the accumulated gradient, ' +
        'velocity / learning rate); save without includeOptimizer, or once the rate is positive');
    }
    for (let i = 0; i < v.length; i++) v[i] = -v[i] / r;
  }
  protected fromSaved(_slot: number, a: Float32Array, iterations: number): void {
    const r = this.rateAt(iterations + 1);
    if (r === 0 && a.some((v) => v !== 0)) {
      throw new Error('sgd: a momentum saved at learning rate 0 cannot be carried over (simdnet keeps it as learning rate × accumulation, as Keras)');
    }
    for (let i = 0; i < a.length; i++) a[i] = -a[i] * r;
  }
  protected apply(rt: Runtime, p: number, g: number, n: number, slots: number[]): void {
    const lr = this.rateAt(this.iterations);
    update(rt, 'sgd_update', n, (at, c) => [at(p), at(g), at(slots[0] ?? 0), c, lr, this.momentum, this.nesterov ? 1 : 0], 'SGD update');
  }
  toConfig(): OptimizerJson {
    const extra = { ...(this.decay ? { decay: this.decay } : {}), ...this.clipConfig() };
    if (this.momentum > 0) {
      return { class_name: 'Momentum', config: { learningRate: this.learningRate, momentum: this.momentum, useNesterov: this.nesterov, ...extra } };
    }
    return { class_name: 'SGD', config: { learningRate: this.learningRate, ...extra } };
  }
  static fromConfig(c: ConfigValues): SGD {
    return new SGD({ learningRate: c.lr(), momentum: c.num('momentum'), nesterov: Boolean(c.raw.nesterov ?? c.raw.use_nesterov ?? false), decay: c.num('decay'), ...c.clipArgs() });
  }
}

export interface AdamArgs extends ClipArgs { learningRate?: number; beta1?: number; beta2?: number; epsilon?: number }
const ADAM_OPTIONS = ['learningRate', 'beta1', 'beta2', 'epsilon', ...CLIP_OPTIONS] as const;

/** The moments' decay rates and epsilon of the Adam family (Adam, AdamW, Adamax, Nadam), checked; `what` names the optimizer. */
function adamMoments(args: AdamArgs, what: string): { beta1: number; beta2: number; epsilon: number } {
  return {
    beta1: numberArg(args.beta1, 0.9, 'beta1', what, 0, 1),
    beta2: numberArg(args.beta2, 0.999, 'beta2', what, 0, 1),
    epsilon: numberArg(args.epsilon, 1e-7, 'epsilon', what, 0, Infinity),
  };
}

/** An Adam-family optimizer's arguments from a saved config (tfjs' beta1, Keras' beta_1). */
const adamArgsOf = (c: ConfigValues): AdamArgs =>
  ({ learningRate: c.lr(), beta1: c.num('beta1') ?? c.num('beta_1'), beta2: c.num('beta2') ?? c.num('beta_2'), epsilon: c.num('epsilon'), ...c.clipArgs() });

export class Adam extends Optimizer {
  static readonly configClassNames: readonly string[] = ['Adam'];
  static readonly options: AllOptions<AdamArgs, typeof ADAM_OPTIONS> = ADAM_OPTIONS;
  readonly name: string = 'adam';
  readonly beta1: number; readonly beta2: number; readonly epsilon: number;
  protected get slotNames(): readonly string[] { return ['m', 'v']; }
  constructor(args: AdamArgs = {}, what = 'adam') {
    super(args, 0.001, what);
    ({ beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon } = adamMoments(args, what));
  }
  protected apply(rt: Runtime, p: number, g: number, n: number, slots: number[]): void {
    const t = this.iterations;
    // bias corrections (TensorFlow.js form: epsilon is added to sqrt(v̂))
    const lrT = this.learningRate / (1 - this.beta1 ** t);
    const vScale = 1 / Math.sqrt(1 - this.beta2 ** t);
    update(rt, 'adam_update', n, (at, c) => [at(p), at(g), at(slots[0]), at(slots[1]), c, lrT, this.beta1, this.beta2, this.epsilon, vScale], 'Adam update');
  }
  toConfig(): OptimizerJson {
    return { class_name: 'Adam', config: { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, ...this.clipConfig() } };
  }
  static fromConfig(c: ConfigValues): Adam { return new Adam(adamArgsOf(c)); }
}

/**
 * Keras 3's AdamW: Adam with decoupled weight decay, weightDecay 0.004 by default. Saved as tfjs' Adam with its
 * weightDecay (tfjs has no AdamW: it loads the file as plain Adam; simdnet loads it back as this same update).
 */
export class AdamW extends Adam {
  static readonly configClassNames: readonly string[] = ['AdamW'];
  static readonly tfjs: TfjsSupport = null; // a config named AdamW (Keras'); simdnet's own saves as Adam
  readonly name: string = 'adamw';
  /** weightDecay absent or null: Keras' default 0.004 (0 turns it off). */
  constructor(args: AdamArgs = {}) { super({ ...args, weightDecay: args.weightDecay ?? 0.004 }, 'adamw'); }
  static fromConfig(c: ConfigValues): AdamW { return new AdamW({ ...adamArgsOf(c), weightDecay: c.num('weight_decay') }); }
}

export interface AdagradArgs extends ClipArgs { learningRate?: number; initialAccumulatorValue?: number; epsilon?: number }
const ADAGRAD_OPTIONS = ['learningRate', 'initialAccumulatorValue', 'epsilon', ...CLIP_OPTIONS] as const;

export class Adagrad extends Optimizer {
  static readonly configClassNames = ['Adagrad'];
  static readonly options: AllOptions<AdagradArgs, typeof ADAGRAD_OPTIONS> = ADAGRAD_OPTIONS;
  readonly name = 'adagrad';
  readonly initialAccumulatorValue: number; readonly epsilon: number;
  constructor(args: AdagradArgs = {}) {
    super(args, 0.01, 'adagrad');
    this.initialAccumulatorValue = numberArg(args.initialAccumulatorValue, 0.1, 'initialAccumulatorValue', 'adagrad', 0, Infinity);
    this.epsilon = numberArg(args.epsilon, 1e-7, 'epsilon', 'adagrad', 0, Infinity);
  }
  protected get slotNames(): readonly string[] { return ['accumulator']; }
  protected initSlots(rt: Runtime, slots: number[], n: number): void { rt.f32(slots[0], n).fill(this.initialAccumulatorValue); }
  protected apply(rt: Runtime, p: number, g: number, n: number, slots: number[]): void {
    update(rt, 'adagrad_update', n, (at, c) => [at(p), at(g), at(slots[0]), c, this.learningRate, this.epsilon], 'Adagrad update');
  }
  toConfig(): OptimizerJson {
    return { class_name: 'Adagrad', config: { learningRate: this.learningRate, initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon, ...this.clipConfig() } };
  }
  static fromConfig(c: ConfigValues): Adagrad {
    return new Adagrad({ learningRate: c.lr(), initialAccumulatorValue: c.num('initial_accumulator_value'), epsilon: c.num('epsilon'), ...c.clipArgs() });
  }
}

export interface RMSpropArgs extends ClipArgs { learningRate?: number; rho?: number; momentum?: number; epsilon?: number; decay?: number }
const RMSPROP_OPTIONS = ['learningRate', 'rho', 'momentum', 'epsilon', 'decay', ...CLIP_OPTIONS] as const;

export class RMSprop extends Optimizer {
  static readonly configClassNames = ['RMSProp', 'RMSprop'];
  static readonly options: AllOptions<RMSpropArgs, typeof RMSPROP_OPTIONS> = RMSPROP_OPTIONS;
  readonly name = 'rmsprop';
  readonly rho: number; readonly momentum: number; readonly epsilon: number;
  constructor(args: RMSpropArgs = {}) {
    super(args, 0.001, 'rmsprop');
    if (args.decay !== undefined && args.decay !== 0) {
      // Keras 2's RMSprop(decay) decays the learning rate, tfjs' rmsprop(lr, decay) is rho: either reading of a port
      // would train silently otherwise than its source
      throw new Error(`rmsprop: decay ${show(args.decay)} is ambiguous: Keras' RMSprop(decay=...) is a learning-rate decay, ` +
        "which simdnet's RMSprop does not have (a LearningRateScheduler does it), and tfjs' rmsprop(learningRate, decay) " +
        "is the moving average's rate: pass that as rho (default 0.9)");
    }
    this.rho = numberArg(args.rho, 0.9, 'rho', 'rmsprop', 0, 1);
    this.momentum = numberArg(args.momentum, 0, 'momentum', 'rmsprop', 0, 1);
    this.epsilon = numberArg(args.epsilon, 1e-7, 'epsilon', 'rmsprop', 0, Infinity);
  }
  // tfjs' RMSProp keeps its moments even with momentum 0 (they hold the last step then; simdnet's stay 0 and unused)
  protected get slotNames(): readonly string[] { return ['rms', 'momentum']; }
  protected apply(rt: Runtime, p: number, g: number, n: number, slots: number[]): void {
    update(rt, 'rmsprop_update', n, (at, c) => [at(p), at(g), at(slots[0]), at(slots[1]), c, this.learningRate, this.rho, this.momentum, this.epsilon], 'RMSprop update');
  }
  toConfig(): OptimizerJson {
    // tfjs calls rho `decay`
    return { class_name: 'RMSProp', config: { learningRate: this.learningRate, decay: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: false, ...this.clipConfig() } };
  }
  static fromConfig(c: ConfigValues): RMSprop {
    // tfjs writes rho as `decay`; Keras as `rho` (its `decay`, a learning-rate decay, is refused unless 0)
    return new RMSprop({ learningRate: c.lr(), rho: c.num('rho') ?? (c.className === 'RMSProp' ? c.num('decay') : undefined), momentum: c.num('momentum'), epsilon: c.num('epsilon'), ...c.clipArgs() });
  }
}

/** Adamax (Kingma & Ba's infinity-norm Adam), Keras' and tfjs' update; tfjs' defaults (learning rate 0.002). */
export class Adamax extends Optimizer {
  static readonly configClassNames: readonly string[] = ['Adamax'];
  static readonly tfjs: TfjsSupport = 'without state'; // tfjs' Adamax has no setWeights
  static readonly options: AllOptions<AdamArgs, typeof ADAM_OPTIONS> = ADAM_OPTIONS;
  readonly name = 'adamax';
  readonly beta1: number; readonly beta2: number; readonly epsilon: number;
  protected get slotNames(): readonly string[] { return ['m', 'v']; } // tfjs' names: the moment and the weighted infinity norm
  constructor(args: AdamArgs = {}) {
    super(args, 0.002, 'adamax');
    ({ beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon } = adamMoments(args, 'adamax'));
  }
  protected apply(rt: Runtime, p: number, g: number, n: number, slots: number[]): void {
    const lrT = this.learningRate / (1 - this.beta1 ** this.iterations);
    update(rt, 'adamax_update', n, (at, c) => [at(p), at(g), at(slots[0]), at(slots[1]), c, lrT, this.beta1, this.beta2, this.epsilon], 'Adamax update');
  }
  toConfig(): OptimizerJson {
    return { class_name: 'Adamax', config: { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, ...this.clipConfig() } };
  }
  static fromConfig(c: ConfigValues): Adamax {
    return new Adamax(adamArgsOf(c));
  }
}

export interface AdadeltaArgs extends ClipArgs { learningRate?: number; rho?: number; epsilon?: number }
const ADADELTA_OPTIONS = ['learningRate', 'rho', 'epsilon', ...CLIP_OPTIONS] as const;

/**
 * Adadelta, Keras' update (the step divides by the running mean of g² that includes this step's gradient; tfjs 4.22
 * divides by the previous step's). Keras' and tfjs' defaults: learning rate 0.001, rho 0.95, epsilon 1e-7.
 */
export class Adadelta extends Optimizer {
  static readonly configClassNames: readonly string[] = ['Adadelta'];
  static readonly options: AllOptions<AdadeltaArgs, typeof ADADELTA_OPTIONS> = ADADELTA_OPTIONS;
  readonly name = 'adadelta';
  readonly rho: number; readonly epsilon: number;
  protected get slotNames(): readonly string[] { return ['accum_grad', 'accum_var']; }
  constructor(args: AdadeltaArgs = {}) {
    super(args, 0.001, 'adadelta');
    this.rho = numberArg(args.rho, 0.95, 'rho', 'adadelta', 0, 1);
    this.epsilon = numberArg(args.epsilon, 1e-7, 'epsilon', 'adadelta', 0, Infinity);
  }
  protected apply(rt: Runtime, p: number, g: number, n: number, slots: number[]): void {
    update(rt, 'adadelta_update', n, (at, c) => [at(p), at(g), at(slots[0]), at(slots[1]), c, this.learningRate, this.rho, this.epsilon], 'Adadelta update');
  }
  toConfig(): OptimizerJson {
    return { class_name: 'Adadelta', config: { learningRate: this.learningRate, rho: this.rho, epsilon: this.epsilon, ...this.clipConfig() } };
  }
  static fromConfig(c: ConfigValues): Adadelta {
    return new Adadelta({ learningRate: c.lr(), rho: c.num('rho'), epsilon: c.num('epsilon'), ...c.clipArgs() });
  }
}

/**
 * Nadam, Keras 3's (Adam with Nesterov momentum and Dozat's momentum schedule u(t) = β1 (1 − ½ · 0.96^t)); Keras'
 * defaults (learning rate 0.001). tfjs has no Nadam: a model saved with one keeps its training config where only
 * simdnet reads it.
 */
export class Nadam extends Optimizer {
  static readonly configClassNames: readonly string[] = ['Nadam'];
  static readonly tfjs: TfjsSupport = null;
  static readonly options: AllOptions<AdamArgs, typeof ADAM_OPTIONS> = ADAM_OPTIONS;
  readonly name = 'nadam';
  readonly beta1: number; readonly beta2: number; readonly epsilon: number;
  /** Π u(1..t) for t = productAt (Keras keeps it as the variable u_product). */
  private product = 1;
  private productAt = 0;
  protected get slotNames(): readonly string[] { return ['m', 'v']; }
  constructor(args: AdamArgs = {}) {
    super(args, 0.001, 'nadam');
    ({ beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon } = adamMoments(args, 'nadam'));
  }
  private u(t: number): number { return this.beta1 * (1 - 0.5 * 0.96 ** t); }
  /** Π u(1..t), kept step by step (recomputed after a jump: loaded state, reset; 0 for good once it underflows). */
  private productTo(t: number): number {
    if (t < this.productAt) { this.product = 1; this.productAt = 0; }
    while (this.productAt < t && this.product !== 0) this.product *= this.u(++this.productAt);
    this.productAt = Math.max(this.productAt, t);
    return this.product;
  }
  protected apply(rt: Runtime, p: number, g: number, n: number, slots: number[]): void {
    const t = this.iterations, pt = this.productTo(t), pt1 = pt * this.u(t + 1);
    const cm = this.u(t + 1) / (1 - pt1), cg = (1 - this.u(t)) / (1 - pt), vScale = 1 / (1 - this.beta2 ** t);
    update(rt, 'nadam_update', n, (at, c) => [at(p), at(g), at(slots[0]), at(slots[1]), c, this.learningRate, this.beta1, this.beta2, this.epsilon, cm, cg, vScale],
      'Nadam update');
  }
  toConfig(): OptimizerJson {
    return { class_name: 'Nadam', config: { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, ...this.clipConfig() } };
  }
  static fromConfig(c: ConfigValues): Nadam {
    // tf.keras 2's (legacy) Nadam wrote its schedule's exponent factor as decay (or schedule_decay), 0.004: u(t) =
    // β1 (1 − ½ · 0.96^(0.004 t)); Keras 3 and tf.keras 2.11+ use 0.96^t, as simdnet does
    const legacy = c.num('schedule_decay') ?? c.num('decay');
    if (legacy) {
      console.warn(`optimizer Nadam: the file's ${c.num('schedule_decay') !== undefined ? 'schedule_decay' : 'decay'} = ${legacy} is tf.keras 2's ` +
        'momentum schedule (0.96^(decay·t)); simdnet trains with Keras 3\'s (0.96^t), so a resumed run takes other steps than tf.keras 2 would');
    }
    return new Nadam(adamArgsOf(c));
  }
}

/** The one list of optimizers: compile's string names -> classes. */

export const OPTIMIZERS = { sgd: SGD, adam: Adam, adamw: AdamW, adamax: Adamax, nadam: Nadam, adadelta: Adadelta, adagrad: Adagrad, rmsprop: RMSprop };

/** The optimizer class a saved config names (tfjs' or Keras' class name), or undefined. */
export function optimizerClass(className: string): (typeof OPTIMIZERS)[keyof typeof OPTIMIZERS] | undefined {
  return Object.values(OPTIMIZERS).find((o) => o.configClassNames.some((n) => n.toLowerCase() === className.toLowerCase()));
}

/** A tfjs (SGD, Momentum, Adam, Adagrad, RMSProp) or Keras optimizer config as a simdnet optimizer. */
export function optimizerFromConfig(spec: unknown): Optimizer {
  const s = typeof spec === 'object' && spec !== null ? spec as Record<string, unknown> : {};
  const cls = s.class_name ?? s.className;
  if (typeof cls !== 'string') throw new Error(`optimizer_config must be { class_name, config }, got ${show(spec)}`);
  const c = new ConfigValues(cls, s.config);
  c.refuse('use_ema', (v) => v === false);
  // tf.keras 2's learning-rate decay lr / (1 + decay · t): SGD has it; tfjs' RMSProp spells rho so; Nadam's legacy
  // decay is its schedule's (Nadam.fromConfig warns); elsewhere a non-zero one would be dropped, changing the run
  if (!/^(sgd|momentum|rmsprop|nadam)$/i.test(cls) || cls === 'RMSprop') c.refuse('decay', (v) => v === 0);
  c.refuse('amsgrad', (v) => v === false);
  c.refuse('centered', (v) => v === false);
  const found = optimizerClass(cls);
  if (!found) throw new Error(`optimizer ${show(cls)} is not supported; simdnet has SGD (and tfjs' Momentum), Adam, AdamW, Adamax, Nadam, Adadelta, Adagrad, RMSprop`);
  return found.fromConfig(c);
}

export function getOptimizer(spec: unknown): Optimizer {
  if (spec instanceof Optimizer) return spec;
  const cls = typeof spec === 'string' ? OPTIMIZERS[spec.toLowerCase() as keyof typeof OPTIMIZERS] : undefined;
  if (cls) return new cls();
  throw new Error(`compile: unknown optimizer ${show(spec)}; valid: ${Object.keys(OPTIMIZERS).join(', ')} or an sn.optimizers instance`);
}

type Factories = { [K in keyof typeof OPTIMIZERS]: (args?: ConstructorParameters<(typeof OPTIMIZERS)[K]>[0]) => InstanceType<(typeof OPTIMIZERS)[K]> };

/** sn.optimizers: one factory per registered optimizer. */
export const optimizers = Object.fromEntries(Object.entries(OPTIMIZERS).map(([name, cls]) =>
  [name, (args?: object) => { checkOptions(name, args, cls.options); return new cls(args ?? {}); }])) as Factories;
