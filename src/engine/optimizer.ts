// What every optimizer shares (optimizers.ts has each one and their registry): the options Keras 3 gives them all
// (gradient clipping, weight decay), the state kept per model (its slots in Wasm memory, read from and written to
// files in tfjs' form), the step that clips, decays and then hands over to an optimizer's update kernel, split
// over the threads; and the reading of a saved config's values.
import type { Runtime } from '../runtime/wasm.js';
import { show } from '../format.js';
import { parallelFor } from '../threads/index.js';
import { firstNonFinite } from '../tensor.js';

/** Below this many parameters per extra thread, an update stays on the calling thread. */
const UPDATE_PER_THREAD = 1 << 15;

/**
 * An update kernel run over parameters [0, n) split over the threads by ranges of 4 (the kernels' vector
 * width): elementwise, so the same bits for any split. args(at, count): the kernel's arguments for one
 * range, at(ptr) moving a pointer to the range's start.
 */
export function update(rt: Runtime, op: 'sgd_update' | 'adam_update' | 'adagrad_update' | 'rmsprop_update' | 'adamax_update' | 'adadelta_update' | 'nadam_update', n: number,
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
export const CLIP_OPTIONS = ['clipnorm', 'clipvalue', 'globalClipnorm', 'weightDecay'] as const;
export const CLIPS = ['clipnorm', 'globalClipnorm', 'clipvalue'] as const; // Keras' precedence, when a file sets several

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

/** A saved optimizer config's values, with snake_case keys. */
export class ConfigValues {
  readonly raw: Record<string, unknown> = {};
  constructor(readonly className: string, config: unknown) {
    const c = typeof config === 'object' && config !== null ? config as Record<string, unknown> : {};
    for (const [k, v] of Object.entries(c)) this.raw[k.replace(/[A-Z]/g, (x) => `_${x.toLowerCase()}`)] = v;
    // Keras 3's form of SGD's time-based decay (what simdnet writes to .keras files): InverseTimeDecay every step
    const lr = this.raw.learning_rate as { class_name?: unknown; config?: Record<string, unknown> } | undefined;
    if (className === 'SGD' && lr?.class_name === 'InverseTimeDecay' && lr.config?.decay_steps === 1 && !lr.config.staircase) {
      this.raw.learning_rate = lr.config.initial_learning_rate;
      this.raw.decay = lr.config.decay_rate;
    }
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
