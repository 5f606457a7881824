// LeakyReLU (Keras' advanced activation layer): y = x for x > 0, alpha x otherwise; alpha 0.3 by default, as
// Keras 2 and tfjs (Keras 3 calls it negative_slope; read either). No weights: the derivative comes from the
// saved output (alpha >= 0 keeps the sign of x), as the activations' does.
import { parallelFor } from '../threads/index.js';
import type { ConfigReader } from './config.js';
import { Layer, numberArg, type LayerArgs, type LayerExample } from './layer.js';

export interface LeakyReLUArgs extends LayerArgs { alpha?: number }

/** Values per extra thread below which the layer stays on the calling thread. */
const MIN_ELEMENTS = 1 << 16;

export class LeakyReLU extends Layer {
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
  private y = 0;

  constructor(args: LeakyReLUArgs = {}) {
    super(args);
    // Keras 3 refuses a negative slope too; with one the output's sign would no longer tell the input's
    this.alpha = numberArg(args?.alpha, 0.3, 'alpha', 'leakyReLU', 0, Infinity);
  }

  computeOutputShape(inputShape: number[]): number[] { return [...inputShape]; }

  protected allocateBuffers(maxBatch: number): void {
    this.y = this.buffer(maxBatch * this.inSize, 'output');
  }

  forward(x: number, n: number): number {
    parallelFor(this.rt, 'leaky_relu_forward', n * this.inSize, MIN_ELEMENTS, 4,
      (s, count) => [this.y + 4 * s, x + 4 * s, count, this.alpha], `${this.name} forward`);
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    parallelFor(this.rt, 'leaky_relu_backward', n * this.inSize, MIN_ELEMENTS, 4,
      (s, count) => [dy + 4 * s, dy + 4 * s, this.y + 4 * s, count, this.alpha], `${this.name} backward`);
    return dy;
  }

  getConfig(): Record<string, unknown> { return { ...super.getConfig(), alpha: this.alpha }; }
}
