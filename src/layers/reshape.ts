// Reshape (Keras): the same values under another sample shape; -1 once for the size the others leave (tfjs
// saves it as null: read either). NHWC values are row-major, so it is a view change: no kernel runs, as Flatten.
import type { ConfigReader } from './config.js';
import { Layer, type LayerArgs, type LayerExample } from './layer.js';
import { show } from '../format.js';

export interface ReshapeArgs extends LayerArgs { targetShape: number[] }

export class Reshape extends Layer {
  static readonly className = 'Reshape';
  static readonly singleThreaded = 'a view change: no kernel runs';
  static readonly examples: readonly LayerExample[] = [
    { args: { targetShape: [6, 4] }, inputShape: [3, 4, 2], params: 0 },
    // -1 is tested in test/layers/reshape.test.ts: tfjs' symbolic shapes keep it unknown (null), which the generic test compares
    { args: { targetShape: [2, 2, 3] }, inputShape: [12], params: 0 },
  ];

  static fromConfig(r: ConfigReader): Layer { return new this({ ...r.common(), targetShape: r.opt<number[]>('target_shape')! }); }

  readonly targetShape: number[];

  constructor(args: ReshapeArgs) {
    super(args);
    const t = Array.isArray(args?.targetShape) ? args.targetShape.map((d) => (d === null ? -1 : d)) : args?.targetShape;
    if (!Array.isArray(t) || t.length === 0 || !t.every((d) => d === -1 || (Number.isInteger(d) && d > 0)) || t.filter((d) => d === -1).length > 1) {
      throw new Error(`reshape: targetShape must be a non-empty array of positive integers with at most one -1, got ${show(t)}`);
    }
    this.targetShape = [...t];
  }

  computeOutputShape(inputShape: number[]): number[] {
    const size = inputShape.reduce((a, b) => a * b, 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const free = this.targetShape.includes(-1);
    if (free ? size % known !== 0 : size !== known) {
      throw new Error(`${this.label}: cannot reshape an input of shape [${inputShape.join(', ')}] (${size} values) to ` +
        `[${this.targetShape.join(', ')}]${free ? '' : ` (${known} values)`}`);
    }
    return this.targetShape.map((d) => (d === -1 ? size / known : d));
  }

  protected allocateBuffers(): void {}
  forward(x: number): number { return x; }
  backward(dy: number, _n: number, needDx: boolean): number { return needDx ? dy : 0; }
  getConfig(): Record<string, unknown> { return { ...super.getConfig(), target_shape: [...this.targetShape] }; }
}
