// Optimizers: hyper-parameters and schedule policy live here; the update itself is one Wasm kernel over the
// trainable part of a model's contiguous parameter block, split over the threads. Defaults are TensorFlow.js'.
// One registry lists them; each reads and writes one config format, tfjs' ({ class_name, config } with tfjs class names and
// camelCase arguments, as in a layers-model's training config), and reads Keras' snake_case too.
import type { Runtime } from '../runtime/wasm.js';
import { checkOptions, show, type AllOptions } from '../format.js';
import { numberArg } from '../layers/layer.js';
import { parallelFor } from '../threads/index.js';

/** Below this many parameters per extra thread, an update stays on the calling thread. */
const UPDATE_PER_THREAD = 1 << 15;

/**
 * An update kernel run over parameters [0, n) split over the threads by ranges of 4 (the kernels' vector
 * width): elementwise, so the same bits for any split. args(at, count): the kernel's arguments for one
 * range, at(ptr) moving a pointer to the range's start.
 */
function update(rt: Runtime, op: 'sgd_update' | 'adam_update' | 'adagrad_update' | 'rmsprop_update', n: number,
  args: (at: (ptr: number) => number, count: number) => number[], what: string): void {
  parallelFor(rt, op, n, UPDATE_PER_THREAD, 4, (s, count) => args((ptr) => (ptr ? ptr + 4 * s : 0), count), what);
}

export interface OptimizerJson { class_name: string; config: Record<string, unknown> }

/** Per-model state (moments, velocities): an optimizer may be shared by models, as in Keras and tfjs. */
interface State { rt: Runtime; slots: number[]; size: number; initialised: boolean }

export abstract class Optimizer {
  /** Registry key and the `compile({ optimizer: 'sgd' })` name. */
  abstract readonly name: string;
  learningRate: number;
  /** Number of updates applied so far (Keras' `iterations`). */
  iterations = 0;
  private readonly states = new Map<object, State>();

  constructor(learningRate: number | undefined, def: number, what: string) {
    this.learningRate = learningRate ?? def;
    this.checkLearningRate(what);
  }

  /** Refuses a learning rate that is not a finite positive number (also after a callback changed it). */
  checkLearningRate(what: string): void {
    const lr = this.learningRate;
    if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr)) {
      throw new Error(`${what}: learningRate must be a positive number, got ${show(lr)}`);
    }
  }

  protected abstract get slotCount(): number;

  /**
   * One update of the n trainable floats at params (byte offset) from grads; `owner` keys the state (one
   * per model), so sharing an optimizer between models never mixes their moments.
   */
  step(rt: Runtime, owner: object, params: number, grads: number, n: number): void {
    this.checkLearningRate(`${this.name} step`);
    let st = this.states.get(owner);
    if (st && (st.rt !== rt || st.size !== n)) { this.release(owner); st = undefined; }
    if (!st) {
      const slots = Array.from({ length: this.slotCount }, (_, i) => rt.arena.allocZeroed(n * 4, `${this.name} slot ${i}`));
      st = { rt, slots, size: n, initialised: false };
      this.states.set(owner, st);
    }
    this.iterations++;
    if (!st.initialised) { this.initSlots(rt, st.slots, n); st.initialised = true; }
    this.apply(rt, params, grads, n, st.slots);
  }

  protected initSlots(_rt: Runtime, _slots: number[], _n: number): void {}

  protected abstract apply(rt: Runtime, params: number, grads: number, n: number, slots: number[]): void;

  /** Frees one model's state. */
  release(owner: object): void {
    const st = this.states.get(owner);
    if (!st) return;
    for (const s of st.slots) st.rt.arena.release(s);
    this.states.delete(owner);
  }

  /** Frees every model's state and restarts the iteration count. */
  reset(): void {
    for (const owner of [...this.states.keys()]) this.release(owner);
    this.iterations = 0;
  }

  /** The tfjs training-config form: { class_name, config }. */
  abstract toConfig(): OptimizerJson;
}


export interface SGDArgs { learningRate?: number; momentum?: number; nesterov?: boolean; decay?: number }
const SGD_OPTIONS = ['learningRate', 'momentum', 'nesterov', 'decay'] as const;

/** SGD with Keras' momentum / Nesterov and time-based decay lr / (1 + decay * iterations). */
export class SGD extends Optimizer {
  /** tfjs saves SGD with momentum as its Momentum class. */
  static readonly configClassNames = ['SGD', 'Momentum'];
  static readonly options: AllOptions<SGDArgs, typeof SGD_OPTIONS> = SGD_OPTIONS;
  readonly name = 'sgd';
  readonly momentum: number; readonly nesterov: boolean; readonly decay: number;
  constructor(args: SGDArgs = {}) {
    super(args.learningRate, 0.01, 'sgd');
    this.momentum = numberArg(args.momentum, 0, 'momentum', 'sgd', 0, 1);
    this.nesterov = args.nesterov ?? false;
    this.decay = numberArg(args.decay, 0, 'decay', 'sgd', 0, Infinity);
  }
  protected get slotCount(): number { return this.momentum > 0 ? 1 : 0; }
  protected apply(rt: Runtime, p: number, g: number, n: number, slots: number[]): void {
    const lr = this.learningRate / (1 + this.decay * (this.iterations - 1));
    update(rt, 'sgd_update', n, (at, c) => [at(p), at(g), at(slots[0] ?? 0), c, lr, this.momentum, this.nesterov ? 1 : 0], 'SGD update');
  }
  toConfig(): OptimizerJson {
    const extra = this.decay ? { decay: this.decay } : {};
    if (this.momentum > 0) {
      return { class_name: 'Momentum', config: { learningRate: this.learningRate, momentum: this.momentum, useNesterov: this.nesterov, ...extra } };
    }
    return { class_name: 'SGD', config: { learningRate: this.learningRate, ...extra } };
  }
  static fromConfig(c: ConfigValues): SGD {
    return new SGD({ learningRate: c.lr(), momentum: c.num('momentum'), nesterov: Boolean(c.raw.nesterov ?? c.raw.use_nesterov ?? false), decay: c.num('decay') });
  }
}

export interface AdamArgs { learningRate?: number; beta1?: number; beta2?: number; epsilon?: number }
const ADAM_OPTIONS = ['learningRate', 'beta1', 'beta2', 'epsilon'] as const;

export class Adam extends Optimizer {
  static readonly configClassNames = ['Adam'];
  static readonly options: AllOptions<AdamArgs, typeof ADAM_OPTIONS> = ADAM_OPTIONS;
  readonly name = 'adam';
  readonly beta1: number; readonly beta2: number; readonly epsilon: number;
  constructor(args: AdamArgs = {}) {
    super(args.learningRate, 0.001, 'adam');
    this.beta1 = numberArg(args.beta1, 0.9, 'beta1', 'adam', 0, 1);
    this.beta2 = numberArg(args.beta2, 0.999, 'beta2', 'adam', 0, 1);
    this.epsilon = numberArg(args.epsilon, 1e-7, 'epsilon', 'adam', 0, Infinity);
  }
  protected get slotCount(): number { return 2; }
  protected apply(rt: Runtime, p: number, g: number, n: number, slots: number[]): void {
    const t = this.iterations;
    // bias corrections (TensorFlow.js form: epsilon is added to sqrt(v̂))
    const lrT = this.learningRate / (1 - this.beta1 ** t);
    const vScale = 1 / Math.sqrt(1 - this.beta2 ** t);
    update(rt, 'adam_update', n, (at, c) => [at(p), at(g), at(slots[0]), at(slots[1]), c, lrT, this.beta1, this.beta2, this.epsilon, vScale], 'Adam update');
  }
  toConfig(): OptimizerJson {
    return { class_name: 'Adam', config: { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon } };
  }
  static fromConfig(c: ConfigValues): Adam {
    return new Adam({ learningRate: c.lr(), beta1: c.num('beta1') ?? c.num('beta_1'), beta2: c.num('beta2') ?? c.num('beta_2'), epsilon: c.num('epsilon') });
  }
}

export interface AdagradArgs { learningRate?: number; initialAccumulatorValue?: number; epsilon?: number }
const ADAGRAD_OPTIONS = ['learningRate', 'initialAccumulatorValue', 'epsilon'] as const;

export class Adagrad extends Optimizer {
  static readonly configClassNames = ['Adagrad'];
  static readonly options: AllOptions<AdagradArgs, typeof ADAGRAD_OPTIONS> = ADAGRAD_OPTIONS;
  readonly name = 'adagrad';
  readonly initialAccumulatorValue: number; readonly epsilon: number;
  constructor(args: AdagradArgs = {}) {
    super(args.learningRate, 0.01, 'adagrad');
    this.initialAccumulatorValue = numberArg(args.initialAccumulatorValue, 0.1, 'initialAccumulatorValue', 'adagrad', 0, Infinity);
    this.epsilon = numberArg(args.epsilon, 1e-7, 'epsilon', 'adagrad', 0, Infinity);
  }
  protected get slotCount(): number { return 1; }
  protected initSlots(rt: Runtime, slots: number[], n: number): void { rt.f32(slots[0], n).fill(this.initialAccumulatorValue); }
  protected apply(rt: Runtime, p: number, g: number, n: number, slots: number[]): void {
    update(rt, 'adagrad_update', n, (at, c) => [at(p), at(g), at(slots[0]), c, this.learningRate, this.epsilon], 'Adagrad update');
  }
  toConfig(): OptimizerJson {
    return { class_name: 'Adagrad', config: { learningRate: this.learningRate, initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon } };
  }
  static fromConfig(c: ConfigValues): Adagrad {
    return new Adagrad({ learningRate: c.lr(), initialAccumulatorValue: c.num('initial_accumulator_value'), epsilon: c.num('epsilon') });
  }
}

export interface RMSpropArgs { learningRate?: number; rho?: number; momentum?: number; epsilon?: number; decay?: number }
const RMSPROP_OPTIONS = ['learningRate', 'rho', 'momentum', 'epsilon', 'decay'] as const;

export class RMSprop extends Optimizer {
  static readonly configClassNames = ['RMSProp', 'RMSprop'];
  static readonly options: AllOptions<RMSpropArgs, typeof RMSPROP_OPTIONS> = RMSPROP_OPTIONS;
  readonly name = 'rmsprop';
  readonly rho: number; readonly momentum: number; readonly epsilon: number;
  constructor(args: RMSpropArgs = {}) {
    super(args.learningRate, 0.001, 'rmsprop');
    this.rho = numberArg(args.rho ?? args.decay, 0.9, 'rho', 'rmsprop', 0, 1);
    this.momentum = numberArg(args.momentum, 0, 'momentum', 'rmsprop', 0, 1);
    this.epsilon = numberArg(args.epsilon, 1e-7, 'epsilon', 'rmsprop', 0, Infinity);
  }
  protected get slotCount(): number { return 2; }
  protected apply(rt: Runtime, p: number, g: number, n: number, slots: number[]): void {
    update(rt, 'rmsprop_update', n, (at, c) => [at(p), at(g), at(slots[0]), at(slots[1]), c, this.learningRate, this.rho, this.momentum, this.epsilon], 'RMSprop update');
  }
  toConfig(): OptimizerJson {
    // tfjs calls rho `decay`
    return { class_name: 'RMSProp', config: { learningRate: this.learningRate, decay: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: false } };
  }
  static fromConfig(c: ConfigValues): RMSprop {
    // tfjs writes rho as `decay`; Keras as `rho` (and its `decay` is a learning-rate decay)
    return new RMSprop({ learningRate: c.lr(), rho: c.num('rho') ?? (c.className === 'RMSProp' ? c.num('decay') : undefined), momentum: c.num('momentum'), epsilon: c.num('epsilon') });
  }
}

/** The one list of optimizers: compile's string names -> classes. */
export const OPTIMIZERS = { sgd: SGD, adam: Adam, adagrad: Adagrad, rmsprop: RMSprop };

/** A saved optimizer config's values, with snake_case keys. */
export class ConfigValues {
  readonly raw: Record<string, unknown> = {};
  constructor(readonly className: string, config: unknown) {
    const c = typeof config === 'object' && config !== null ? config as Record<string, unknown> : {};
    for (const [k, v] of Object.entries(c)) this.raw[k.replace(/[A-Z]/g, (x) => `_${x.toLowerCase()}`)] = v;
  }
  num(k: string): number | undefined {
    const v = this.raw[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number') throw new Error(`optimizer ${this.className}: ${k} must be a number, got ${show(v)}`);
    return v;
  }
  lr(): number | undefined { return this.num('learning_rate') ?? this.num('lr'); }
  refuse(k: string, ok: (v: unknown) => boolean): void {
    const v = this.raw[k];
    if (v !== undefined && v !== null && !ok(v)) throw new Error(`optimizer ${this.className}: option ${k} = ${show(v)} is not supported`);
  }
}

/** A tfjs (SGD, Momentum, Adam, Adagrad, RMSProp) or Keras optimizer config as a simdnet optimizer. */
export function optimizerFromConfig(spec: unknown): Optimizer {
  const s = typeof spec === 'object' && spec !== null ? spec as Record<string, unknown> : {};
  const cls = s.class_name ?? s.className;
  if (typeof cls !== 'string') throw new Error(`optimizer_config must be { class_name, config }, got ${show(spec)}`);
  const c = new ConfigValues(cls, s.config);
  for (const k of ['clipnorm', 'clipvalue', 'global_clipnorm']) c.refuse(k, () => false);
  c.refuse('weight_decay', (v) => v === 0);
  c.refuse('use_ema', (v) => v === false);
  c.refuse('amsgrad', (v) => v === false);
  c.refuse('centered', (v) => v === false);
  const found = Object.values(OPTIMIZERS).find((o) => o.configClassNames.some((n) => n.toLowerCase() === cls.toLowerCase()));
  if (!found) throw new Error(`optimizer ${show(cls)} is not supported; simdnet has SGD (and tfjs' Momentum), Adam, Adagrad, RMSprop`);
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
