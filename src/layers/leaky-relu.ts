// Keras' rectifier layers, one kernel pair: LeakyReLU (y = x for x > 0, alpha x otherwise; alpha 0.3 by
// default, as Keras 2 and tfjs; Keras 3 calls it negative_slope: read either) and ReLU (maxValue caps the
// output; as tfjs', no negative slope or threshold: a file with them is refused rather than saved in a form tfjs
// computes differently). No weights: the derivative comes from the saved output (a slope >= 0 keeps the sign of
// x), as the activations' does.
import { parallelFor } from '../threads/index.js';
import type { ConfigReader } from './config.js';
import { Layer, type LayerArgs, type LayerExample } from './layer.js';
import { show } from '../format.js';

/** Values per extra thread below which the layer stays on the calling thread. */
const MIN_ELEMENTS = 1 << 16;

/** y = x > 0 ? min(x, max) : slope x, over the whole batch. */
abstract class Rectifier extends Layer {
  static readonly passesMask = true;
  protected abstract get slope(): number;
  protected abstract get max(): number;
  private y = 0;

  computeOutputShape(inputShape: number[]): number[] { return [...inputShape]; }

  protected allocateBuffers(maxBatch: number): void {
    this.y = this.buffer(maxBatch * this.inSize, 'output');
  }

  forward(x: number, n: number): number {
    parallelFor(this.rt, 'leaky_relu_forward', n * this.inSize, MIN_ELEMENTS, 4,
      (s, count) => [this.y + 4 * s, x + 4 * s, count, this.slope, this.max], `${this.name} forward`);
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    parallelFor(this.rt, 'leaky_relu_backward', n * this.inSize, MIN_ELEMENTS, 4,
      (s, count) => [dy + 4 * s, dy + 4 * s, this.y + 4 * s, count, this.slope, this.max], `${this.name} backward`);
    return dy;
  }
}

export interface LeakyReLUArgs extends LayerArgs { alpha?: number }

export class LeakyReLU extends Rectifier {
  static readonly className = 'LeakyReLU';
  static readonly examples: readonly LayerExample[] = [
    { args: {}, inputShape: [5, 3], params: 0 },
    { args: { alpha: 0.05 }, inputShape: [4, 3, 2], params: 0 },
    { args: { alpha: 0 }, inputShape: [7], params: 0 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    const alpha = r.opt<number>('alpha') ?? r.opt<number>('negative_slope');
    return new this({ ...r.common(), alpha });
  }

  readonly alpha: number;

  constructor(args: LeakyReLUArgs = {}) {
    super(args);
    // Keras 3 refuses a negative slope too; with one the output's sign would no longer tell the input's
    this.alpha = finiteAtLeast0(args?.alpha, 0.3, 'alpha', 'leakyReLU');
  }

  protected get slope(): number { return this.alpha; }
  protected get max(): number { return Infinity; }
  getConfig(): Record<string, unknown> { return { ...super.getConfig(), alpha: this.alpha }; }
}

export interface ReLUArgs extends LayerArgs { maxValue?: number | null }

/** A finite number >= 0 (default `def`), or an error naming the option. */
function finiteAtLeast0(v: unknown, def: number, arg: string, fn: string): number {
  const x = v ?? def;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new Error(`${fn}: ${arg} must be a finite number >= 0, got ${show(v)}`);
  return x;
}

export class ReLU extends Rectifier {
  static readonly className = 'ReLU';
  static readonly examples: readonly LayerExample[] = [
    { args: {}, inputShape: [3, 4], params: 0 },
    // the generic test's inputs are multiples of 0.05 within ±1: a cap of 0.22 is reached, and off their grid (at the
    // cap itself the derivative is a convention: 0 here, as TensorFlow's relu6; 1 in tfjs' clipByValue)
    { args: { maxValue: 0.22 }, inputShape: [2, 3, 2], params: 0 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    // Keras 2 writes negative_slope and threshold (0 by default); tfjs' ReLU has neither
    r.expect('negative_slope', (v) => v === 0, "simdnet's ReLU layer has no negative slope, as tfjs' (a LeakyReLU layer has one)");
    r.expect('threshold', (v) => v === 0, "simdnet's ReLU layer has threshold 0, as tfjs'");
    return new this({ ...r.common(), maxValue: r.opt<number>('max_value') });
  }

  readonly maxValue: number | null;

  constructor(args: ReLUArgs = {}) {
    super(args);
    this.maxValue = args?.maxValue == null ? null : finiteAtLeast0(args.maxValue, 0, 'maxValue', 'reLU');
  }

  protected get slope(): number { return 0; }
  protected get max(): number { return this.maxValue ?? Infinity; }
  getConfig(): Record<string, unknown> { return { ...super.getConfig(), max_value: this.maxValue }; }
}
