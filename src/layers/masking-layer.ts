// Masking (Keras' layer, for sequences of features rather than token ids): a step whose every feature equals
// maskValue is padding. It zeroes those steps (as Keras) and marks them, as an embedding with maskZero does, for the
// layers after it: a recurrent layer carries its state through them, and the loss of a prediction per step leaves
// them out. The arithmetic is assembly/masking.ts.
import { show } from '../format.js';
import { parallelFor } from '../threads/index.js';
import type { ConfigReader } from './config.js';
import { Layer, type LayerArgs, type LayerExample } from './layer.js';
import { providesMask, type MaskSource } from './masking.js';

export interface MaskingArgs extends LayerArgs {
  /** The value of every feature of a padded step (default 0). */
  maskValue?: number;
}

export class Masking extends Layer implements MaskSource {
  static readonly className = 'Masking';
  static readonly anySteps = true;
  static readonly examples: readonly LayerExample[] = [
    { args: { maskValue: 0 }, inputShape: [4, 3], params: 0, noTfjsTraining: "tfjs 4.22 has no gradient for its mask's 'Any' op" },
    { args: { maskValue: -1 }, inputShape: [3, 5], params: 0, noTfjsTraining: "tfjs 4.22 has no gradient for its mask's 'Any' op" },
  ];

  static fromConfig(r: ConfigReader): Layer {
    return new this({ ...r.common(), maskValue: r.opt('mask_value') });
  }

  readonly maskValue: number;
  consumers = 0;
  atOutput = false;
  readonly maskOption = 'maskValue';
  private y = 0; private mask = 0;

  constructor(args: MaskingArgs = {}) {
    super(args);
    const v = args.maskValue ?? 0;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`masking: maskValue must be a finite number, got ${show(args.maskValue)}`);
    this.maskValue = v;
  }

  get maskPointer(): number { return this.mask; }

  build(inputShape: number[]): void {
    super.build(inputShape);
    // a mask arriving here is replaced by this one (Keras' Masking drops it): it counts as used
    if (this.inputMask) this.inputMask.consumers++;
    providesMask(this.outputShape, this);
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 2) {
      throw new Error(`${this.label}: expected input of shape [steps, features] (a step is padding when every feature equals maskValue), got [${inputShape.join(', ')}]`);
    }
    return [...inputShape];
  }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    const [steps, features] = this.inputShape;
    this.y = this.buffer(maxBatch * steps * features, 'output');
    this.mask = this.buffer(maxBatch * steps, 'mask');
  }

  forward(x: number, n: number): number {
    const [steps, features] = this.inputShape;
    parallelFor(this.rt, 'masking_forward', n * steps, Math.max(1, Math.ceil((1 << 14) / features)), 1,
      (r, count) => [this.y + 4 * r * features, this.mask + 4 * r, x + 4 * r * features, count, features, this.maskValue], `${this.name} forward`);
    return this.y;
  }

  /** dy · mask, in place (as dropout's): each value is read before it is written. */
  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    const [steps, features] = this.inputShape;
    parallelFor(this.rt, 'masking_backward', n * steps, Math.max(1, Math.ceil((1 << 14) / features)), 1,
      (r, count) => [dy + 4 * r * features, dy + 4 * r * features, this.mask + 4 * r, count, features], `${this.name} backward`);
    return dy;
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), mask_value: this.maskValue };
  }
}
