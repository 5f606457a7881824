// UpSampling2D (Keras, nearest): each pixel repeated size[0] x size[1] times, NHWC; backward sums each block
// of the gradient back into its pixel. Images split over the threads. Bilinear interpolation is refused by name.
import { parallelFor } from '../threads/index.js';
import type { ConfigReader } from './config.js';
import { channelsLast, Layer, pair, type LayerArgs, type LayerExample } from './layer.js';
import { show } from '../format.js';

export interface UpSampling2DArgs extends LayerArgs { size?: number | [number, number]; interpolation?: 'nearest'; dataFormat?: 'channelsLast' }

/** Floats per extra thread below which the layer stays on the calling thread. */
const MIN_FLOATS = 1 << 15;

export class UpSampling2D extends Layer {
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
  private y = 0; private dx = 0;

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

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    this.y = this.buffer(maxBatch * this.outSize, 'output');
    if (training) this.dx = this.buffer(maxBatch * this.inSize, 'input gradient');
  }

  private byImages(op: 'upsample_nearest_forward' | 'upsample_nearest_backward', to: number, from: number, n: number, what: string): void {
    const [h, w, c] = this.inputShape, [sh, sw] = this.size;
    const small = h * w * c, large = small * sh * sw;
    const [toStep, fromStep] = op === 'upsample_nearest_forward' ? [large, small] : [small, large];
    parallelFor(this.rt, op, n, Math.max(1, Math.ceil(MIN_FLOATS / large)), 1,
      (s, count) => [to + 4 * s * toStep, from + 4 * s * fromStep, count, h, w, c, sh, sw], `${this.name} ${what}`);
  }

  forward(x: number, n: number): number {
    this.byImages('upsample_nearest_forward', this.y, x, n, 'forward');
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    this.byImages('upsample_nearest_backward', this.dx, dy, n, 'backward');
    return this.dx;
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: [...this.size], data_format: 'channels_last', interpolation: 'nearest' };
  }
}
