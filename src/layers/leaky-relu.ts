// Keras' rectifier layers, one kernel pair: LeakyReLU (y = x for x > 0, alpha x otherwise; alpha 0.3 by
// default, as Keras 2 and tfjs; Keras 3 calls it negative_slope: read either) and ReLU (maxValue caps the
// output, negativeSlope as LeakyReLU's alpha; threshold 0 only). No weights: the derivative comes from the saved
// output (a slope >= 0 keeps the sign of x), as the activations' does.
import { parallelFor } from '../threads/index.js';
import type { ConfigReader } from './config.js';
import { Layer, numberArg, type LayerArgs, type LayerExample } from './layer.js';
import { show } from '../format.js';

/** Values per extra thread below which the layer stays on the calling thread. */
const MIN_ELEMENTS = 1 << 16;

/** y = x > 0 ? min(x, max) : slope x, over the whole batch. */
abstract class Rectifier extends Layer {
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
    this.alpha = numberArg(args?.alpha, 0.3, 'alpha', 'leakyReLU', 0, Number.MAX_VALUE);
  }

  protected get slope(): number { return this.alpha; }
  protected get max(): number { return Infinity; }
  getConfig(): Record<string, unknown> { return { ...super.getConfig(), alpha: this.alpha }; }
}

export interface ReLUArgs extends LayerArgs { maxValue?: number | null; negativeSlope?: number; threshold?: number }

export class ReLU extends Rectifier {
  static readonly className = 'ReLU';
  static readonly factoryOptions = ['negativeSlope', 'threshold'];
  static readonly examples: readonly LayerExample[] = [
    { args: {}, inputShape: [3, 4], params: 0 },
    // the generic test's inputs are multiples of 0.05 within ±1: a cap of 0.22 is reached, and off their grid (at the
    // cap itself the derivative is a convention: 0 here, as TensorFlow's relu6; 1 in tfjs' clipByValue)
    { args: { maxValue: 0.22 }, inputShape: [2, 3, 2], params: 0 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    return new this({ ...r.common(), maxValue: r.opt<number>('max_value'), negativeSlope: r.opt<number>('negative_slope'), threshold: r.opt<number>('threshold') });
  }

  readonly maxValue: number | null;
  readonly negativeSlope: number;

  constructor(args: ReLUArgs = {}) {
    super(args);
    // tfjs' reLU takes maxValue only; Keras' ReLU also negative_slope and threshold
    this.maxValue = args?.maxValue == null ? null : numberArg(args.maxValue, 0, 'maxValue', 'reLU', Number.MIN_VALUE, Infinity);
    this.negativeSlope = numberArg(args?.negativeSlope, 0, 'negativeSlope', 'reLU', 0, Number.MAX_VALUE);
    if (args?.threshold !== undefined && args.threshold !== 0) {
      throw new Error(`reLU: threshold ${show(args.threshold)} is not supported (simdnet's ReLU layer has threshold 0)`);
    }
  }

  protected get slope(): number { return this.negativeSlope; }
  protected get max(): number { return this.maxValue ?? Infinity; }
  getConfig(): Record<string, unknown> {
    // tfjs' ReLU has maxValue only: the Keras options are written when they are not their defaults
    return { ...super.getConfig(), max_value: this.maxValue, ...(this.negativeSlope ? { negative_slope: this.negativeSlope, threshold: 0 } : {}) };
  }
}
