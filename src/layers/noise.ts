// Keras' noise layers besides Dropout (core.ts), active only in training, identity in predict and evaluate:
//   GaussianNoise      y = x + stddev · z                   (Keras 3 and tfjs' gaussianNoise)
//   GaussianDropout    y = x · (1 + sqrt(rate / (1 - rate)) · z)   (Keras 3 and tfjs' gaussianDropout)
//   SpatialDropout1D   whole channels of [steps, channels] dropped, the rest scaled by 1 / (1 - rate)
//   SpatialDropout2D   the same for [h, w, channels] (channels last)
// z is a standard normal draw per element; every draw comes from the fit step's seed and the element's (or the
// sample and channel's) index (assembly/dropout.ts), so training is the same on any thread count. No weights.
import { show } from '../format.js';
import { parallelFor } from '../threads/index.js';
import type { ConfigReader } from './config.js';
import { Layer, type LayerArgs, type LayerExample } from './layer.js';

/** Values per extra thread below which a layer stays on the calling thread. */
const MIN_ELEMENTS = 1 << 16;

function rateOf(v: unknown, fn: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new Error(`${fn}: rate must be a number in [0, 1), got ${show(v)}`);
  return v;
}

/** A layer that changes its input in training only, keeping the shape. */
abstract class TrainingNoise extends Layer {
  static readonly passesMask = true;
  static readonly randomInTraining = true;
  protected y = 0;
  protected mask = 0;

  computeOutputShape(inputShape: number[]): number[] { return [...inputShape]; }

  /** Whether this configuration changes anything (rate or stddev 0: it does not). */
  protected abstract get active(): boolean;
  /** Floats of mask per sample (0: none kept). */
  protected abstract get maskPerSample(): number;

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    if (!training || !this.active) return;
    this.y = this.buffer(maxBatch * this.inSize, 'output');
    if (this.maskPerSample) this.mask = this.buffer(maxBatch * this.maskPerSample, 'mask');
  }
}

export interface GaussianNoiseArgs extends LayerArgs { stddev: number; seed?: number | null }

export class GaussianNoise extends TrainingNoise {
  static readonly className = 'GaussianNoise';
  static readonly examples: readonly LayerExample[] = [
    { args: { stddev: 0.3 }, inputShape: [4, 3, 2], params: 0 },
    { args: { stddev: 0 }, inputShape: [5], params: 0 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    r.ignore('seed'); // simdnet draws from the fit seed, as its Dropout
    return new this({ ...r.common(), stddev: r.get('stddev') as number });
  }

  readonly stddev: number;

  constructor(args: GaussianNoiseArgs) {
    super(args);
    if (typeof args?.stddev !== 'number' || !(args.stddev >= 0) || !Number.isFinite(args.stddev)) {
      throw new Error(`gaussianNoise: stddev must be a finite number >= 0, got ${show(args?.stddev)}`);
    }
    this.stddev = args.stddev;
  }

  protected get active(): boolean { return this.stddev > 0; }
  protected get maskPerSample(): number { return 0; }

  forward(x: number, n: number, training: boolean, seed: number): number {
    if (!training || !this.active) return x;
    parallelFor(this.rt, 'gaussian_noise_forward', n * this.inSize, MIN_ELEMENTS, 1,
      (s, count) => [this.y + 4 * s, x + 4 * s, count, this.stddev, seed >>> 0, s], `${this.name} forward`);
    return this.y;
  }

  backward(dy: number, _n: number, needDx: boolean): number { return needDx ? dy : 0; }

  // seed: accepted and saved as Keras' (null), not used: the draws come from fit's seed, as Dropout's
  getConfig(): Record<string, unknown> { return { ...super.getConfig(), stddev: this.stddev, seed: null }; }
}

export interface NoiseRateArgs extends LayerArgs { rate: number; seed?: number | null }

export class GaussianDropout extends TrainingNoise {
  static readonly className = 'GaussianDropout';
  static readonly examples: readonly LayerExample[] = [
    { args: { rate: 0.2 }, inputShape: [3, 5], params: 0 },
    { args: { rate: 0 }, inputShape: [4], params: 0 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    r.ignore('seed');
    return new this({ ...r.common(), rate: r.get('rate') as number });
  }

  readonly rate: number;

  constructor(args: NoiseRateArgs) {
    super(args);
    this.rate = rateOf(args?.rate, 'gaussianDropout');
  }

  protected get active(): boolean { return this.rate > 0; }
  protected get maskPerSample(): number { return this.inSize; }

  forward(x: number, n: number, training: boolean, seed: number): number {
    if (!training || !this.active) return x;
    const stddev = Math.sqrt(this.rate / (1 - this.rate));
    parallelFor(this.rt, 'gaussian_dropout_forward', n * this.inSize, MIN_ELEMENTS, 1,
      (s, count) => [this.y + 4 * s, this.mask + 4 * s, x + 4 * s, count, stddev, seed >>> 0, s], `${this.name} forward`);
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    if (this.active) {
      parallelFor(this.rt, 'dropout_backward', n * this.inSize, MIN_ELEMENTS, 4,
        (s, count) => [dy + 4 * s, dy + 4 * s, this.mask + 4 * s, count], `${this.name} backward`);
    }
    return dy;
  }

  getConfig(): Record<string, unknown> { return { ...super.getConfig(), rate: this.rate, seed: null }; }
}

/** Spatial dropout over samples [positions, channels]: the last axis is the channels, the others positions. */
abstract class SpatialDropout extends TrainingNoise {
  protected abstract readonly rank: number;
  readonly rate: number;

  constructor(args: NoiseRateArgs, fn: string) {
    super(args);
    this.rate = rateOf(args?.rate, fn);
  }

  protected get active(): boolean { return this.rate > 0; }
  protected get channels(): number { return this.inputShape[this.inputShape.length - 1]; }
  protected get maskPerSample(): number { return this.channels; }

  build(inputShape: number[]): void {
    if (inputShape.length !== this.rank) {
      throw new Error(`${this.label}: expects samples of ${this.rank} axes ([${this.rank === 2 ? 'steps' : 'height, width'}, channels]), got [${inputShape.join(', ')}]`);
    }
    super.build(inputShape);
  }

  forward(x: number, n: number, training: boolean, seed: number): number {
    if (!training || !this.active) return x;
    const c = this.channels, positions = this.inSize / c;
    parallelFor(this.rt, 'spatial_dropout_forward', n, Math.max(1, Math.ceil(MIN_ELEMENTS / this.inSize)), 1,
      (s, count) => [this.y + 4 * s * this.inSize, this.mask + 4 * s * c, x + 4 * s * this.inSize, count, positions, c, this.rate, seed >>> 0, s],
      `${this.name} forward`);
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    if (this.active) {
      const c = this.channels, positions = this.inSize / c;
      parallelFor(this.rt, 'spatial_dropout_backward', n, Math.max(1, Math.ceil(MIN_ELEMENTS / this.inSize)), 1,
        (s, count) => [dy + 4 * s * this.inSize, dy + 4 * s * this.inSize, this.mask + 4 * s * c, count, positions, c], `${this.name} backward`);
    }
    return dy;
  }

  // no noise_shape and no trainable: Keras 3's spatial dropout layers take neither (rate, seed, name, dtype, and the
  // 2D one's data_format only); tf.keras and tfjs do without them too, and the layer has no weights to freeze
  getConfig(): Record<string, unknown> {
    const { trainable: _, ...base } = super.getConfig();
    return { ...base, rate: this.rate, seed: null };
  }
}

export class SpatialDropout1D extends SpatialDropout {
  static readonly className = 'SpatialDropout1D';
  static readonly examples: readonly LayerExample[] = [{ args: { rate: 0.4 }, inputShape: [6, 3], params: 0 }];
  protected readonly rank = 2;

  static fromConfig(r: ConfigReader): Layer {
    r.ignore('seed');
    r.mustBeNull('noise_shape');
    return new this({ ...r.common(), rate: r.get('rate') as number });
  }

  constructor(args: NoiseRateArgs) { super(args, 'spatialDropout1d'); }
}

export class SpatialDropout2D extends SpatialDropout {
  static readonly className = 'SpatialDropout2D';
  static readonly examples: readonly LayerExample[] = [
    { args: { rate: 0.5 }, inputShape: [3, 4, 5], params: 0, noTfjs: 'tfjs has no SpatialDropout2D' },
  ];
  protected readonly rank = 3;

  static fromConfig(r: ConfigReader): Layer {
    r.ignore('seed');
    r.mustBeNull('noise_shape');
    r.expect('data_format', (v) => v === 'channels_last', "simdnet's images are channels last");
    return new this({ ...r.common(), rate: r.get('rate') as number });
  }

  constructor(args: NoiseRateArgs) { super(args, 'spatialDropout2d'); }

  getConfig(): Record<string, unknown> { return { ...super.getConfig(), data_format: 'channels_last' }; }
}
