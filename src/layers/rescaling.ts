// Keras' Rescaling layer: y = x · scale + offset, Keras 3's and tfjs' `Rescaling(1 / 255)` in front of an image
// model (the photos' 0..255 bytes to 0..1 inside the model, so the saved model takes raw pixels). No weights;
// the kernels are assembly/rescaling.ts. scale and offset are numbers, as tfjs takes them: Keras 3's per-channel
// lists are refused by name rather than broadcast some other way.
import { show } from '../format.js';
import { parallelFor } from '../threads/index.js';
import type { ConfigReader } from './config.js';
import { Layer, type LayerArgs, type LayerExample } from './layer.js';

/** Values per extra thread below which the layer stays on the calling thread. */
const MIN_ELEMENTS = 1 << 16;

export interface RescalingArgs extends LayerArgs { scale: number; offset?: number }

function finite(v: unknown, arg: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`rescaling: ${arg} must be a finite number${Array.isArray(v) ? ' (per-channel lists are not supported)' : ''}, got ${show(v)}`);
  }
  return v;
}

export class Rescaling extends Layer {
  static readonly className = 'Rescaling';
  static readonly passesMask = true;
  static readonly examples: readonly LayerExample[] = [
    { args: { scale: 1 / 255 }, inputShape: [4, 4, 3], params: 0 },
    { args: { scale: 2, offset: -1 }, inputShape: [5, 2], params: 0 },
    { args: { scale: -0.5, offset: 0.25 }, inputShape: [7], params: 0 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    return new this({ ...r.common(), scale: r.get('scale') as number, offset: r.opt<number>('offset') });
  }

  readonly scale: number;
  readonly offset: number;
  private y = 0;

  constructor(args: RescalingArgs) {
    super(args);
    if (!args || args.scale === undefined) throw new Error('rescaling: scale is required (e.g. { scale: 1 / 255 }), got undefined');
    this.scale = finite(args.scale, 'scale');
    this.offset = args.offset === undefined ? 0 : finite(args.offset, 'offset');
  }

  computeOutputShape(inputShape: number[]): number[] { return [...inputShape]; }

  protected allocateBuffers(maxBatch: number): void {
    this.y = this.buffer(maxBatch * this.inSize, 'output');
  }

  forward(x: number, n: number): number {
    parallelFor(this.rt, 'rescale_forward', n * this.inSize, MIN_ELEMENTS, 4,
      (s, count) => [this.y + 4 * s, x + 4 * s, count, this.scale, this.offset], `${this.name} forward`);
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    parallelFor(this.rt, 'rescale_backward', n * this.inSize, MIN_ELEMENTS, 4,
      (s, count) => [dy + 4 * s, dy + 4 * s, count, this.scale], `${this.name} backward`);
    return dy;
  }

  getConfig(): Record<string, unknown> { return { ...super.getConfig(), scale: this.scale, offset: this.offset }; }
}
