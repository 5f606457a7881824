// Optimizers: hyper-parameters and schedule policy live here; the update itself is one Wasm call over the
// model's contiguous parameter block. Defaults are TensorFlow.js'.
import type { Runtime } from '../runtime/wasm.js';

export abstract class Optimizer {
  abstract readonly className: string;
  learningRate: number;
  /** Number of updates applied so far (Keras' `iterations`). */
  iterations = 0;
  protected slots: number[] = [];
  private rt: Runtime | null = null;

  constructor(learningRate: number, what: string) {
    if (typeof learningRate !== 'number' || !(learningRate > 0) || !Number.isFinite(learningRate)) {
      throw new Error(`${what}: learningRate must be a positive number, got ${JSON.stringify(learningRate)}`);
    }
    this.learningRate = learningRate;
  }

  protected abstract get slotCount(): number;

  /** params, grads: byte offsets of n floats each. */
  step(rt: Runtime, params: number, grads: number, n: number): void {
    if (this.rt !== rt || this.slots.length !== this.slotCount) {
      this.rt = rt;
      this.slots = Array.from({ length: this.slotCount }, (_, i) => rt.arena.allocZeroed(n * 4, `${this.className} slot ${i}`));
    }
    this.iterations++;
    this.apply(rt, params, grads, n);
  }

  protected abstract apply(rt: Runtime, params: number, grads: number, n: number): void;

  /** Frees the state (moments, velocities) and restarts the iteration count. */
  reset(): void {
    if (this.rt) for (const s of this.slots) this.rt.arena.release(s);
    this.slots = [];
    this.iterations = 0;
  }

  abstract getConfig(): Record<string, number | boolean>;
}

function num(v: unknown, def: number, arg: string, what: string, lo = 0, hi = Infinity): number {
  const x = v ?? def;
  if (typeof x !== 'number' || !(x >= lo && x <= hi)) throw new Error(`${what}: ${arg} must be a number in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  return x;
}

export interface SGDArgs { learningRate?: number; momentum?: number; nesterov?: boolean; decay?: number }

/** SGD with Keras' momentum / Nesterov and time-based decay lr / (1 + decay * iterations). */
export class SGD extends Optimizer {
  readonly className = 'SGD';
  readonly momentum: number; readonly nesterov: boolean; readonly decay: number;
  constructor(args: SGDArgs = {}) {
    super(args.learningRate ?? 0.01, 'sgd');
    this.momentum = num(args.momentum, 0, 'momentum', 'sgd', 0, 1);
    this.nesterov = args.nesterov ?? false;
    this.decay = num(args.decay, 0, 'decay', 'sgd');
  }
  protected get slotCount(): number { return this.momentum > 0 ? 1 : 0; }
  protected apply(rt: Runtime, p: number, g: number, n: number): void {
    const lr = this.learningRate / (1 + this.decay * (this.iterations - 1));
    rt.k.sgd_update(p, g, this.slots[0] ?? 0, n, lr, this.momentum, this.nesterov ? 1 : 0);
  }
  getConfig() { return { learning_rate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov, decay: this.decay }; }
}

export interface AdamArgs { learningRate?: number; beta1?: number; beta2?: number; epsilon?: number }

export class Adam extends Optimizer {
  readonly className = 'Adam';
  readonly beta1: number; readonly beta2: number; readonly epsilon: number;
  constructor(args: AdamArgs = {}) {
    super(args.learningRate ?? 0.001, 'adam');
    this.beta1 = num(args.beta1, 0.9, 'beta1', 'adam', 0, 1);
    this.beta2 = num(args.beta2, 0.999, 'beta2', 'adam', 0, 1);
    this.epsilon = num(args.epsilon, 1e-7, 'epsilon', 'adam');
  }
  protected get slotCount(): number { return 2; }
  protected apply(rt: Runtime, p: number, g: number, n: number): void {
    const t = this.iterations;
    // bias corrections (TensorFlow.js form: epsilon is added to sqrt(v̂))
    const lrT = this.learningRate / (1 - this.beta1 ** t);
    const vScale = 1 / Math.sqrt(1 - this.beta2 ** t);
    rt.k.adam_update(p, g, this.slots[0], this.slots[1], n, lrT, this.beta1, this.beta2, this.epsilon, vScale);
  }
  getConfig() { return { learning_rate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon }; }
}

export interface AdagradArgs { learningRate?: number; initialAccumulatorValue?: number; epsilon?: number }

export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  readonly initialAccumulatorValue: number; readonly epsilon: number;
  private initialised = false;
  constructor(args: AdagradArgs = {}) {
    super(args.learningRate ?? 0.01, 'adagrad');
    this.initialAccumulatorValue = num(args.initialAccumulatorValue, 0.1, 'initialAccumulatorValue', 'adagrad');
    this.epsilon = num(args.epsilon, 1e-7, 'epsilon', 'adagrad');
  }
  protected get slotCount(): number { return 1; }
  protected apply(rt: Runtime, p: number, g: number, n: number): void {
    if (!this.initialised) { rt.f32(this.slots[0], n).fill(this.initialAccumulatorValue); this.initialised = true; }
    rt.k.adagrad_update(p, g, this.slots[0], n, this.learningRate, this.epsilon);
  }
  reset(): void { super.reset(); this.initialised = false; }
  getConfig() { return { learning_rate: this.learningRate, initial_accumulator_value: this.initialAccumulatorValue, epsilon: this.epsilon }; }
}

export interface RMSpropArgs { learningRate?: number; rho?: number; momentum?: number; epsilon?: number; decay?: number }

export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly rho: number; readonly momentum: number; readonly epsilon: number;
  constructor(args: RMSpropArgs = {}) {
    super(args.learningRate ?? 0.001, 'rmsprop');
    this.rho = num(args.rho ?? args.decay, 0.9, 'rho', 'rmsprop', 0, 1);
    this.momentum = num(args.momentum, 0, 'momentum', 'rmsprop', 0, 1);
    this.epsilon = num(args.epsilon, 1e-7, 'epsilon', 'rmsprop');
  }
  protected get slotCount(): number { return 2; }
  protected apply(rt: Runtime, p: number, g: number, n: number): void {
    rt.k.rmsprop_update(p, g, this.slots[0], this.slots[1], n, this.learningRate, this.rho, this.momentum, this.epsilon);
  }
  getConfig() { return { learning_rate: this.learningRate, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon }; }
}

export const OPTIMIZERS = ['sgd', 'adam', 'adagrad', 'rmsprop'] as const;

export function getOptimizer(spec: unknown): Optimizer {
  if (spec instanceof Optimizer) return spec;
  switch (spec) {
    case 'sgd': return new SGD();
    case 'adam': return new Adam();
    case 'adagrad': return new Adagrad();
    case 'rmsprop': return new RMSprop();
  }
  throw new Error(`compile: unknown optimizer ${JSON.stringify(spec)}; valid: ${OPTIMIZERS.join(', ')} or an sn.optimizers instance`);
}

export const optimizers = {
  sgd: (args?: SGDArgs) => new SGD(args),
  adam: (args?: AdamArgs) => new Adam(args),
  adagrad: (args?: AdagradArgs) => new Adagrad(args),
  rmsprop: (args?: RMSpropArgs) => new RMSprop(args),
};
