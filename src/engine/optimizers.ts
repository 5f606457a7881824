// Optimizers: hyper-parameters and schedule policy live here; the update itself is one Wasm kernel over the
// trainable part of a model's contiguous parameter block, split over the threads. Defaults are TensorFlow.js'.
// One registry lists them; each reads and writes one config format, tfjs' ({ class_name, config } with tfjs class names and
// camelCase arguments, as in a layers-model's training config), and reads Keras' snake_case too.
import type { Runtime } from '../runtime/wasm.js';
import { checkOptions, show, type AllOptions } from '../format.js';
import { numberArg } from '../layers/layer.js';
import { parallelFor } from '../threads/index.js';
import { firstNonFinite } from '../tensor.js';

/** Below this many parameters per extra thread, an update stays on the calling thread. */
const UPDATE_PER_THREAD = 1 << 15;

/**
 * An update kernel run over parameters [0, n) split over the threads by ranges of 4 (the kernels' vector
 * width): elementwise, so the same bits for any split. args(at, count): the kernel's arguments for one
 * range, at(ptr) moving a pointer to the range's start.
 */
function update(rt: Runtime, op: 'sgd_update' | 'adam_update' | 'adagrad_update' | 'rmsprop_update' | 'adamax_update' | 'adadelta_update' | 'nadam_update', n: number,
  args: (at: (ptr: number) => number, count: number) => number[], what: string): void {
  parallelFor(rt, op, n, UPDATE_PER_THREAD, 4, (s, count) => args((ptr) => (ptr ? ptr + 4 * s : 0), count), what);
}

export interface OptimizerJson { class_name: string; config: Record<string, unknown> }

/**
 * Keras 3's options of every optimizer: gradient clipping — each weight's gradient to a norm (clipnorm), all of
 * them together to a norm (globalClipnorm) or each value to a range (clipvalue); one at most — and decoupled
 * weight decay (weightDecay: w -= w · weightDecay · learningRate before each update, AdamW's). null / absent: off.
 */
export interface ClipArgs { clipnorm?: number | null; clipvalue?: number | null; globalClipnorm?: number | null; weightDecay?: number | null }
const CLIP_OPTIONS = ['clipnorm', 'clipvalue', 'globalClipnorm', 'weightDecay'] as const;
const CLIPS = ['clipnorm', 'globalClipnorm', 'clipvalue'] as const; // Keras' precedence, when a file sets several

/** A trainable weight's place in the block the optimizer updates (floats from its start): clipnorm clips each. */
export interface WeightSlice { readonly at: number; readonly size: number }

/** Per-model state (moments, velocities): an optimizer may be shared by models, as in Keras and tfjs. */
interface State { rt: Runtime; slots: number[]; size: number; initialised: boolean }

/** One trainable weight as the optimizer's state sees it: its saved name, shape, and where it starts (in floats) in the trainable block. */
export interface StateParam { readonly key: string; readonly shape: readonly number[]; readonly size: number; readonly at: number }

/**
 * One piece of saved optimizer state, named as tfjs' optimizer.getWeights() names it: `iter` (int32, the update
 * count), then each slot over the trainable weights (`dense/kernel/m`, ...), slot by slot.
 */
export interface StateWeight { name: string; shape: number[]; dtype: 'float32' | 'int32'; data: Float32Array | Int32Array }

/** Read saved state (Optimizer.readState): the update count and each slot's values per trainable weight, in this optimizer's form. */
export interface PreparedState { readonly iterations: number; readonly values: readonly Float32Array[]; readonly layout: string }

/** The trainable weights' names and shapes, as one string: state read for one layout fits only that layout. */
const layoutOf = (params: readonly StateParam[]): string => params.map((p) => `${p.key}:${p.shape.join('x')}`).join();

/** Saved state as a file gives it back: a name, a shape and the values. */
export interface SavedState { readonly name: string; readonly shape: readonly number[]; readonly data: Float32Array | Int32Array }

/**
 * What tf.loadLayersModel makes of an optimizer's training config: it builds it and sets its saved state ('with
 * state'), builds it but cannot set state (tfjs 4.22's Adamax: 'without state'), or cannot build it (null).
 */
export type TfjsSupport = 'with state' | 'without state' | null;

export abstract class Optimizer {
  /** How tfjs takes this optimizer's saved config (model files keep one it cannot take where only simdnet reads it). */
  static readonly tfjs: TfjsSupport = 'with state';
  /** Registry key and the `compile({ optimizer: 'sgd' })` name. */
  abstract readonly name: string;
  learningRate: number;
  /** Number of updates applied so far (Keras' `iterations`). */
  iterations = 0;
  /** Keras' clipnorm, clipvalue, global_clipnorm and weight_decay (null: off). */
  readonly clipnorm: number | null;
  readonly clipvalue: number | null;
  readonly globalClipnorm: number | null;
  readonly weightDecay: number | null;
  private readonly states = new Map<object, State>();

  constructor(args: { learningRate?: number } & ClipArgs, def: number, what: string) {
    this.learningRate = args.learningRate ?? def;
    this.checkLearningRate(what);
    const positive = (k: keyof ClipArgs, zeroOk: boolean): number | null => {
      const v = args[k];
      if (v === undefined || v === null) return null;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (v === 0 && !zeroOk)) {
        throw new Error(`${what}: ${k} must be a finite number ${zeroOk ? '>= 0' : '> 0'}, got ${show(v)}`);
      }
      return v;
    };
    this.clipnorm = positive('clipnorm', false);
    this.clipvalue = positive('clipvalue', false);
    this.globalClipnorm = positive('globalClipnorm', false);
    this.weightDecay = positive('weightDecay', true) || null;
    const set = CLIPS.filter((k) => this[k] !== null);
    if (set.length > 1) throw new Error(`${what}: ${set.slice(0, -1).join(', ')} and ${set[set.length - 1]} are set together; give one (Keras 3 refuses this too)`);
  }

  /** The learning rate of the update being applied (SGD's time-based decay changes it). */
  protected currentRate(): number { return this.learningRate; }

  /** The clipping and weight-decay options as a config holds them (only those set), tfjs' camelCase. */
  protected clipConfig(): Record<string, number> {
    const c: Record<string, number> = {};
    for (const k of CLIP_OPTIONS) if (this[k] !== null) c[k] = this[k]!;
    return c;
  }

  /**
   * Refuses a learning rate that is not a finite number ≥ 0 (also after a callback changed it). 0 is allowed, as
   * Keras and tfjs allow it: a warm-up schedule starts there.
   */
  checkLearningRate(what: string): void {
    const lr = this.learningRate;
    if (typeof lr !== 'number' || !(lr >= 0) || !Number.isFinite(lr)) {
      throw new Error(`${what}: learningRate must be a finite number >= 0, got ${show(lr)}`);
    }
  }

  /** The state slots by tfjs' names (a saved slot is `<weight>/<name>`), in the order tfjs saves them. */
  protected abstract get slotNames(): readonly string[];

  private get slotCount(): number { return this.slotNames.length; }

  /**
   * Slots a file may hold that this optimizer keeps none of (tfjs' Momentum keeps its accumulation even with
   * momentum 0, where it changes nothing): read past.
   */
  protected get unusedSlotNames(): readonly string[] { return []; }

  /**
   * One slot's values in tfjs' form, for a file (in place), after `iterations` updates; the same but for SGD's
   * velocity.
   */
  protected toSaved(_slot: number, _values: Float32Array, _iterations: number): void {}

  /** The inverse of toSaved. */
  protected fromSaved(_slot: number, _values: Float32Array, _iterations: number): void {}

  /**
   * One update of the n trainable floats at params (byte offset) from grads; `owner` keys the state (one
   * per model), so sharing an optimizer between models never mixes their moments. As Keras 3: the gradients are
   * clipped first (in place; clipnorm clips each of the `weights` on its own), then the weights decayed, then
   * updated.
   */
  step(rt: Runtime, owner: object, params: number, grads: number, n: number, weights?: readonly WeightSlice[]): void {
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
    this.clip(rt, grads, n, weights);
    if (this.weightDecay) rt.k.decay_weights(params, n, this.weightDecay, this.currentRate());
    this.apply(rt, params, grads, n, st.slots);
  }

  /**
   * Keras' _clip_gradients: g · c / max(‖g‖, c) per weight (clipnorm) or over all (globalClipnorm), or clip(g, ±c).
   * A non-finite norm does what it does in Keras: an infinite one sends a weight's finite values to 0 (clipnorm), a
   * NaN one, or any under globalClipnorm, makes the gradients NaN — and the epoch then fails on its non-finite weights.
   */
  private clip(rt: Runtime, grads: number, n: number, slices: readonly WeightSlice[] | undefined): void {
    if (this.clipnorm === null && this.globalClipnorm === null && this.clipvalue === null) return;
    const weights = slices ?? [{ at: 0, size: n }]; // no slices given: the block is one weight
    // Σg² by the L2 penalty's kernel (l1 = 0, l2 = 1), in float64
    const squares = (w: WeightSlice) => rt.k.regularizer_penalty(grads + 4 * w.at, w.size, 0, 1);
    if (this.clipnorm !== null) {
      for (const w of weights) {
        const g = Math.sqrt(squares(w));
        if (!(g <= this.clipnorm)) rt.k.scale_floats(grads + 4 * w.at, w.size, this.clipnorm / g);
      }
    } else if (this.globalClipnorm !== null) {
      let sum = 0;
      for (const w of weights) sum += squares(w);
      const g = Math.sqrt(sum);
      if (!(g <= this.globalClipnorm)) {
        const scale = Number.isFinite(g) ? this.globalClipnorm / g : NaN;
        for (const w of weights) rt.k.scale_floats(grads + 4 * w.at, w.size, scale);
      }
    } else if (this.clipvalue !== null) rt.k.clip_values(grads, n, this.clipvalue);
  }

  protected initSlots(_rt: Runtime, _slots: number[], _n: number): void {}

  protected abstract apply(rt: Runtime, params: number, grads: number, n: number, slots: number[]): void;

  /**
   * One model's state as tfjs' optimizer.getWeights() lists it (what model.save writes with includeOptimizer):
   * `iter`, then, once the model has taken a step, every slot over its trainable weights (layout order). A
   * non-finite value is refused (such a file could not be loaded again). `native`: the slots as this optimizer
   * keeps them, not converted to tfjs' form (SGD's velocity, not −velocity / rate: exact at any rate, including 0),
   * for files only simdnet reads back (a training backup).
   */
  stateWeights(owner: object, params: readonly StateParam[], where: string, native = false): StateWeight[] {
    const out: StateWeight[] = [{ name: 'iter', shape: [], dtype: 'int32', data: Int32Array.of(this.iterations) }];
    const st = this.states.get(owner);
    if (!st?.initialised) return out;
    this.slotNames.forEach((slot, j) => {
      for (const p of params) {
        const data = st.rt.f32(st.slots[j] + 4 * p.at, p.size).slice();
        if (!native) this.toSaved(j, data, this.iterations);
        // checked in the saved form: a diverged state, or SGD's velocity over a vanishing rate, has no finite one
        const bad = firstNonFinite(data);
        if (bad >= 0) {
          throw new Error(`${where}: the optimizer state ${p.key}/${slot} holds ${data[bad]} at flat index ${bad} (training diverged); ` +
            'such a file could not be loaded again, so it is not written (nothing was changed where it would have gone): save without includeOptimizer');
        }
        out.push({ name: `${p.key}/${slot}`, shape: [...p.shape], dtype: 'float32', data });
      }
    });
    return out;
  }

  /**
   * Saved state entries (stateWeights' form, as tfjs writes it) checked against a model's trainable weights and
   * converted to this optimizer's form: matched by position, as tfjs' setWeights matches them, each checked by its
   * name's slot suffix, its shape and its values. `iter` alone (a model that never took a step) is valid. Needs
   * no kernels: installState puts the result in place. `native`: entries stateWeights wrote in this optimizer's form.
   */
  readState(params: readonly StateParam[], entries: readonly SavedState[], where: string, native = false): PreparedState {
    const [iter, ...slots] = entries;
    const count = iter?.data.length === 1 ? Number(iter.data[0]) : NaN;
    if (!iter || iter.shape.length !== 0 || !Number.isInteger(count) || count < 0) {
      throw new Error(`${where}: the optimizer state must begin with its update count (iter, a non-negative integer scalar), got ${iter ? `${iter.name} of shape [${iter.shape.join(',')}]` : 'nothing'}`);
    }
    const want = this.slotCount * params.length;
    const unused = this.unusedSlotNames.length * params.length;
    const skip = slots.length === unused && unused > 0; // slots this optimizer keeps none of
    const names = skip ? this.unusedSlotNames : this.slotNames;
    if (slots.length !== 0 && slots.length !== want && !skip) {
      throw new Error(`${where}: the saved ${this.toConfig().class_name} state has ${slots.length} entries after iter; ` +
        `this model's ${params.length} trainable weights need ${want} (${this.slotNames.map((x) => `<weight>/${x}`).join(', ') || 'none'})` +
        (slots.length > want ? ': was a layer frozen since it was saved?' : ''));
    }
    slots.forEach((e, i) => {
      const p = params[i % params.length], slot = names[Math.floor(i / params.length)];
      if (!e.name.endsWith(`/${slot}`) || e.shape.join() !== p.shape.join()) {
        throw new Error(`${where}: optimizer state entry ${i + 1} is ${e.name} of shape [${e.shape.join(',')}]; ` +
          `in that place ${this.toConfig().class_name} keeps ${p.key}/${slot} of shape [${p.shape.join(',')}]`);
      }
      const bad = firstNonFinite(e.data);
      if (bad >= 0) throw new Error(`${where}: optimizer state ${e.name} holds ${e.data[bad]} at flat index ${bad}`);
    });
    const values = skip ? [] : slots.map((e, i) => {
      const v = Float32Array.from(e.data);
      if (!native) this.fromSaved(Math.floor(i / params.length), v, count);
      return v;
    });
    return { iterations: count, values, layout: layoutOf(params) };
  }

  /**
   * Puts read state in place for one model (n: the trainable block's size in floats) and sets the update count; a
   * model whose trainable weights changed since (a layer frozen) keeps the count only, as a freeze drops the state.
   */
  installState(rt: Runtime, owner: object, params: readonly StateParam[], n: number, state: PreparedState): void {
    this.release(owner);
    this.iterations = state.iterations;
    if (!state.values.length || state.layout !== layoutOf(params)) return;
    const st: State = { rt, slots: this.slotNames.map((_, j) => rt.arena.allocZeroed(n * 4, `${this.name} slot ${j}`)), size: n, initialised: true };
    this.states.set(owner, st);
    state.values.forEach((v, i) => rt.f32(st.slots[Math.floor(i / params.length)] + 4 * params[i % params.length].at, v.length).set(v));
  }

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
    this.rho = numberArg(args.rho ?? args.decay, 0.9, 'rho', 'rmsprop', 0, 1);
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
  /**
   * Clipping and weight decay as a file holds them (Keras' snake_case or tfjs' camelCase; null: off; a clip ≤ 0 is
   * off too, as Keras ignores it). A file setting several clips (Keras 3 refuses that; tf.keras 2.11–2.15 applies
   * only the first of clipnorm, global_clipnorm, clipvalue; legacy tf.keras both clipvalue and clipnorm) keeps the
   * first, with a warning that says so.
   */
  clipArgs(): ClipArgs {
    const clip = (k: string): number | null => { const v = this.num(k); return v !== undefined && v > 0 ? v : null; };
    const decay = this.num('weight_decay');
    const args: ClipArgs = { clipnorm: clip('clipnorm'), globalClipnorm: clip('global_clipnorm'), clipvalue: clip('clipvalue'), weightDecay: decay ?? null };
    const set = CLIPS.filter((k) => args[k] !== null);
    if (set.length > 1) {
      console.warn(`optimizer ${this.className}: the file sets ${set.join(', ')}; simdnet applies only ${set[0]}, as tf.keras 2.11–2.15 ` +
        '(Keras 3 refuses several; legacy tf.keras applied clipvalue and then clipnorm)');
      for (const k of set.slice(1)) args[k] = null;
    }
    return args;
  }
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
