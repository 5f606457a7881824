// Layers that repeat values (nearest): UpSampling2D (each pixel size[0] x size[1] times, NHWC), UpSampling1D (each
// time step `size` times) and RepeatVector (the whole vector n times, [features] -> [n, features]). All three are the
// same two kernels on a [h, w, c] grid repeated [sh, sw] times: forward copies, backward sums each block of the gradient
// back into its value. Samples split over the threads. Bilinear interpolation is refused by name.
import { parallelFor } from '../threads/index.js';
import type { ConfigReader } from './config.js';
import { channelsLast, Layer, pair, positiveInt, type LayerArgs, type LayerExample } from './layer.js';
import { show } from '../format.js';

export interface UpSampling2DArgs extends LayerArgs { size?: number | [number, number]; interpolation?: 'nearest'; dataFormat?: 'channelsLast' }
export interface UpSampling1DArgs extends LayerArgs { size?: number }
export interface RepeatVectorArgs extends LayerArgs { n: number }

/** Floats per extra thread below which the layer stays on the calling thread. */
const MIN_FLOATS = 1 << 15;

/** One sample as the kernels see it: a grid [h, w, c] whose values are repeated sh x sw times. */
type Grid = [h: number, w: number, c: number, sh: number, sw: number];

/** The shared part: buffers, and the kernels over whole samples. */
abstract class NearestRepeat extends Layer {
  private y = 0; private dx = 0;

  /** This layer's input shape as the kernels' grid and repeats. */
  protected abstract grid(): Grid;

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    this.y = this.buffer(maxBatch * this.outSize, 'output');
    if (training) this.dx = this.buffer(maxBatch * this.inSize, 'input gradient');
  }

  private bySamples(op: 'upsample_nearest_forward' | 'upsample_nearest_backward', to: number, from: number, n: number, what: string): void {
    const [h, w, c, sh, sw] = this.grid();
    const small = h * w * c, large = small * sh * sw;
    const [toStep, fromStep] = op === 'upsample_nearest_forward' ? [large, small] : [small, large];
    parallelFor(this.rt, op, n, Math.max(1, Math.ceil(MIN_FLOATS / large)), 1,
      (s, count) => [to + 4 * s * toStep, from + 4 * s * fromStep, count, h, w, c, sh, sw], `${this.name} ${what}`);
  }

  forward(x: number, n: number): number {
    this.bySamples('upsample_nearest_forward', this.y, x, n, 'forward');
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    this.bySamples('upsample_nearest_backward', this.dx, dy, n, 'backward');
    return this.dx;
  }
}

export class UpSampling2D extends NearestRepeat {
  static readonly className = 'UpSampling2D';
  // tfjs 4.22's CPU UpSampling2D gradient (resizeNearestNeighbor's) is not the sum over each pixel's block for a
  // batch of more than one image (it offsets dy by the input's batch stride) (2 images of 2x2: off by 1.6): the gradient is checked by finite differences here and
  // against explicit block sums in test/layers/upsampling.test.ts; the forward pass against tfjs
  static readonly examples: readonly LayerExample[] = [
    { args: {}, inputShape: [3, 2, 5], params: 0, noTfjsTraining: "tfjs 4.22's CPU resizeNearestNeighbor gradient is wrong for batches of more than one image" },
    { args: { size: [1, 3] }, inputShape: [2, 3, 2], params: 0, noTfjsTraining: "tfjs 4.22's CPU resizeNearestNeighbor gradient is wrong for batches of more than one image" },
  ];

  static fromConfig(r: ConfigReader): Layer {
    r.channelsLast();
    return new this({ ...r.common(), size: r.opt<[number, number]>('size'), interpolation: r.opt('interpolation') });
  }

  readonly size: [number, number];

  constructor(args: UpSampling2DArgs = {}) {
    super(args);
    const fn = 'upSampling2d';
    channelsLast(args?.dataFormat, fn);
    this.size = pair(args?.size ?? 2, 'size', fn);
    const interpolation: unknown = args?.interpolation ?? 'nearest';
    if (interpolation !== 'nearest') {
      throw new Error(`${fn}: interpolation ${show(interpolation)} is not supported; simdnet's UpSampling2D repeats pixels ('nearest')`);
    }
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 3) throw new Error(`${this.label}: expected input of shape [height, width, channels], got [${inputShape.join(', ')}]`);
    return [inputShape[0] * this.size[0], inputShape[1] * this.size[1], inputShape[2]];
  }

  protected grid(): Grid { const [h, w, c] = this.inputShape; return [h, w, c, this.size[0], this.size[1]]; }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: [...this.size], data_format: 'channels_last', interpolation: 'nearest' };
  }
}

/** Keras' UpSampling1D: [steps, features] -> [steps · size, features], each step repeated. tfjs has none. */
export class UpSampling1D extends NearestRepeat {
  static readonly className = 'UpSampling1D';
  static readonly examples: readonly LayerExample[] = [
    { args: {}, inputShape: [3, 5], params: 0, noTfjs: 'tfjs has no UpSampling1D' },
    { args: { size: 3 }, inputShape: [4, 2], params: 0, noTfjs: 'tfjs has no UpSampling1D' },
  ];

  static fromConfig(r: ConfigReader): Layer { return new this({ ...r.common(), size: r.opt<number>('size') }); }

  readonly size: number;

  constructor(args: UpSampling1DArgs = {}) {
    super(args);
    this.size = positiveInt(args?.size ?? 2, 'size', 'upSampling1d');
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 2) throw new Error(`${this.label}: expected input of shape [steps, features], got [${inputShape.join(', ')}]`);
    return [inputShape[0] * this.size, inputShape[1]];
  }

  protected grid(): Grid { const [steps, f] = this.inputShape; return [steps, 1, f, this.size, 1]; }

  getConfig(): Record<string, unknown> { return { ...super.getConfig(), size: this.size }; }
}

/** Keras' RepeatVector: [features] -> [n, features] (an encoder's state handed to every step of a decoder). */
export class RepeatVector extends NearestRepeat {
  static readonly className = 'RepeatVector';
  static readonly examples: readonly LayerExample[] = [
    { args: { n: 3 }, inputShape: [4], params: 0 },
    { args: { n: 1 }, inputShape: [6], params: 0 },
  ];

  static fromConfig(r: ConfigReader): Layer { return new this({ ...r.common(), n: r.get('n') as number }); }

  readonly n: number;

  constructor(args: RepeatVectorArgs) {
    super(args);
    this.n = positiveInt(args?.n, 'n', 'repeatVector');
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 1) throw new Error(`${this.label}: expected input of shape [features], got [${inputShape.join(', ')}]; flatten it first`);
    return [this.n, inputShape[0]];
  }

  protected grid(): Grid { return [1, 1, this.inputShape[0], this.n, 1]; }

  getConfig(): Record<string, unknown> { return { ...super.getConfig(), n: this.n }; }
}
