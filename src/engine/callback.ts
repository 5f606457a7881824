// Callbacks with Keras semantics: hook points called by fit() in a fixed order; any hook may be async.
// The base lives with the training loop that calls it; sn.callbacks (src/callbacks/) builds on it.
import { firstNonFinite, type Tensor } from '../tensor.js';
import type { Optimizer } from './optimizer.js';

export type Logs = Record<string, number>;

/** What a callback may use of the model it is attached to (a Sequential model has all of it). */
export interface TrainingModel {
  readonly name: string;
  /** Set to true to stop fit() after the current batch. */
  stopTraining: boolean;
  readonly optimizer: Optimizer | null;
  getWeights(): Tensor[];
  setWeights(weights: Tensor[]): void;
  /** options: save-handlers.ts' SaveOptions. */
  save(path: string, options?: { includeOptimizer?: boolean }): Promise<void>;
  /** The weights alone, as a Keras weights file (modelCheckpoint's saveWeightsOnly). */
  saveWeights?(path: string): Promise<void>;
  /** Throws, naming `fn`, if saveWeights could not write `path` for this model's layers. */
  checkWeightsLayout?(path: string, fn: string, weightsOnly?: boolean): void;
  /** How many weight values are NaN or infinite, counted where the weights are (a Sequential model: in Wasm). */
  nonFiniteWeights?(): number;
}

/**
 * True when the model's weights hold NaN or an infinity (an update overflowed them: TerminateOnNaN stops training
 * at the next batch, or fit fails): a callback that writes the model (a checkpoint, a backup) skips them, since
 * such a file could not be loaded again, and keeps its last.
 */
export function holdsNonFinite(model: TrainingModel): boolean {
  // a Sequential model counts them in place; another model's weights are copied out to be looked at
  return model.nonFiniteWeights ? model.nonFiniteWeights() > 0 : model.getWeights().some((t) => firstNonFinite(t.data) >= 0);
}

export interface TrainParams {
  epochs: number; steps: number; samples: number; batchSize: number; verbose: number; metrics: string[];
  /**
   * Whether fit validates epoch e (0-based) when it has validation data (validationFreq; true for every epoch without
   * one). Absent where a callback is driven by hand.
   */
  validates?: (epoch: number) => boolean;
  /** Whether fit has validation data (tfjs' doValidation; Keras 2's do_validation). Absent where driven by hand. */
  doValidation?: boolean;
  /** Where the epoch in progress stands, kept up to date by fit before each onBatchEnd (a backup made mid-epoch records it). */
  progress?: Readonly<EpochProgress>;
}

/**
 * An epoch in progress, as fit counts it: its batches done and the running sums its logs are made of (the loss
 * weighted by batch size, the accuracy's hits and judged outputs, the samples seen).
 */
export interface EpochProgress {
  epoch: number; batches: number; lossSum: number; correct: number; judged: number; seen: number;
  /** Each value metric's sum of batch means weighted by BatchResult.valueWeight (batch size unless masked; 'mae' ...); absent in older backups. */
  sums?: Record<string, number>;
  /** What the sums weigh: `seen`, less the padded steps of a masked output (BatchResult.valueWeight); absent: seen. */
  valueSeen?: number;
}

/** The value metrics among `keys` that an epoch in progress (with batches done) holds no running sum of. */
export function missingSums(progress: Readonly<EpochProgress>, keys: readonly string[]): string[] {
  return progress.batches > 0 ? keys.filter((k) => typeof progress.sums?.[k] !== 'number') : [];
}

/**
 * A batch's logs as Keras shows them: the epoch's running averages so far, from fit's progress (fit's batch logs
 * hold them already; logs made by hand may hold a batch's own values, as tfjs' do), for the loss and the metrics
 * (params.metrics: the accuracy and the value metrics); what other callbacks added stays as it is. null without
 * fit's progress (hooks driven by hand).
 */
export function runningLogs(params: Pick<TrainParams, 'progress' | 'metrics'> | undefined, logs: Logs): Logs | null {
  const p = params?.progress;
  if (!p || p.seen === 0) return null;
  const out: Logs = { ...logs, loss: p.lossSum / p.seen };
  for (const k of params!.metrics ?? []) {
    if (!(k in logs)) continue;
    const sum = p.sums?.[k];
    if (sum !== undefined) out[k] = ratio(sum, p.valueSeen ?? p.seen);
    else if (p.judged > 0) out[k] = p.correct / p.judged;
  }
  return out;
}

/** a / b, 0 where b is 0 (Keras' divide_no_nan: a batch of padding only has no accuracy to judge). */
export const ratio = (a: number, b: number): number => (b ? a / b : 0);

export abstract class Callback {
  model!: TrainingModel;
  params!: TrainParams;
  setModel(model: TrainingModel): void { this.model = model; }
  setParams(params: TrainParams): void { this.params = params; }
  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
  /**
   * Its onBatchEnd and onEpochEnd run after the other callbacks' (a backup, which records what they did at a batch's
   * or an epoch's end: a checkpoint written, a learning rate changed). Default false: the order of fit's callbacks list.
   */
  get epochEndLast(): boolean { return false; }
  /**
   * True for a callback that ends training on a non-finite loss (TerminateOnNaN): with it, weights an epoch's last
   * update overflowed end training too, and validating them logs NaN, as Keras' evaluate gives, instead of failing
   * fit. Default false: fit refuses non-finite weights with an error.
   */
  get stopsOnNaN(): boolean { return false; }
  /**
   * Asked after onTrainBegin: a callback that restored an interrupted run there (BackupAndRestore) returns the
   * first epoch not yet done and the logs of those done — and, for a run interrupted mid-epoch, how far that epoch
   * had gone (fit skips its batches done and goes on with its running sums); null (the default) leaves fit at
   * initialEpoch.
   */
  resumeFrom(): { epoch: number; done: DoneEpochs; partial?: EpochProgress } | null { return null; }
  /**
   * Called (after onTrainBegin) when fit goes on from a restored run, with the logs of the epochs it had done:
   * a callback that tracks a monitored quantity catches up on them.
   */
  onResume(_done: DoneEpochs): void {}
}

/** Epochs done and their logs, as History keeps them (epochsOf: the epoch of each value, where a key skips epochs). */
export interface DoneEpochs { epoch: number[]; history: Record<string, number[]>; epochsOf?: Record<string, number[]> }

/** Records one epoch's logs as Keras' History does (each key's list grows when the key is logged), with its epoch. */
export function recordEpoch(done: Required<DoneEpochs>, epoch: number, logs: Logs): void {
  done.epoch.push(epoch);
  for (const [k, v] of Object.entries(logs)) {
    (done.history[k] ??= []).push(v);
    (done.epochsOf[k] ??= []).push(epoch);
  }
}

/** The logs of each epoch done, in order: what the callbacks' onEpochEnd saw (a key absent where it was not logged). */
export function doneLogs(done: DoneEpochs): { epoch: number; logs: Logs }[] {
  return done.epoch.map((epoch, i) => {
    const logs: Logs = {};
    for (const [k, values] of Object.entries(done.history)) {
      // without its epochs, a key counts only where it was logged every epoch (no guessing which ones it skipped)
      const at = done.epochsOf?.[k] ? done.epochsOf[k].indexOf(epoch) : values.length === done.epoch.length ? i : -1;
      if (at >= 0 && at < values.length) logs[k] = values[at];
    }
    return { epoch, logs };
  });
}

/** Hooks as a plain object, like tfjs' CustomCallbackArgs. */
export interface CallbackHooks {
  onTrainBegin?: (logs?: Logs) => void | Promise<void>;
  onTrainEnd?: (logs?: Logs) => void | Promise<void>;
  onEpochBegin?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onEpochEnd?: (epoch: number, logs?: Logs) => void | Promise<void>;
  onBatchBegin?: (batch: number, logs?: Logs) => void | Promise<void>;
  onBatchEnd?: (batch: number, logs?: Logs) => void | Promise<void>;
}

class HookCallback extends Callback {
  constructor(private readonly hooks: CallbackHooks) { super(); }
  onTrainBegin(logs?: Logs) { return this.hooks.onTrainBegin?.(logs); }
  onTrainEnd(logs?: Logs) { return this.hooks.onTrainEnd?.(logs); }
  onEpochBegin(e: number, logs?: Logs) { return this.hooks.onEpochBegin?.(e, logs); }
  onEpochEnd(e: number, logs?: Logs) { return this.hooks.onEpochEnd?.(e, logs); }
  onBatchBegin(b: number, logs?: Logs) { return this.hooks.onBatchBegin?.(b, logs); }
  onBatchEnd(b: number, logs?: Logs) { return this.hooks.onBatchEnd?.(b, logs); }
}

const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'];

export function toCallback(c: Callback | CallbackHooks, index: number): Callback {
  if (c instanceof Callback) return c;
  if (c && typeof c === 'object') {
    const unknown = Object.keys(c).filter((k) => !HOOKS.includes(k));
    if (unknown.length) throw new Error(`fit: callbacks[${index}] has unknown hook(s) ${unknown.join(', ')}; valid: ${HOOKS.join(', ')}`);
    const notFunctions = Object.entries(c).filter(([, f]) => f !== undefined && typeof f !== 'function').map(([k]) => k);
    if (notFunctions.length) throw new Error(`fit: callbacks[${index}].${notFunctions[0]} must be a function, got ${typeof (c as Record<string, unknown>)[notFunctions[0]]}`);
    return new HookCallback(c);
  }
  throw new Error(`fit: callbacks[${index}] must be a Callback or an object of hooks, got ${typeof c}`);
}

/** Calls every callback's hook in order, awaiting each. */
export class CallbackList {
  constructor(readonly callbacks: Callback[]) {}
  async call<K extends keyof CallbackHooks>(hook: K, ...args: Parameters<NonNullable<CallbackHooks[K]>>): Promise<void> {
    for (const c of this.callbacks) await (c[hook] as (...a: unknown[]) => unknown).apply(c, args);
  }
}
