// MaxPooling2D and AveragePooling2D over NHWC, TensorFlow padding rules.
import { parallelFor } from '../threads/index.js';
import type { ConfigReader } from './config.js';
import { channelsLast, checkPadding, windowGeometry, Layer, pair, type LayerArgs, type LayerExample, type Padding } from './layer.js';

export interface Pooling2DArgs extends LayerArgs {
  poolSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  dataFormat?: 'channelsLast';
}

abstract class Pooling2D extends Layer {
  static fromConfig(this: new (args: Pooling2DArgs) => Layer, r: ConfigReader): Layer {
    r.channelsLast();
    return new this({ ...r.common(), poolSize: r.opt('pool_size'), strides: r.opt('strides'), padding: r.padding() });
  }

  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly fn: string;
  protected padTop = 0; protected padLeft = 0;
  protected y = 0; protected dx = 0;

  constructor(args: Pooling2DArgs = {}, fn: string) {
    super(args);
    this.poolSize = pair(args.poolSize ?? 2, 'poolSize', fn);
    this.strides = pair(args.strides ?? this.poolSize, 'strides', fn);
    this.fn = fn;
    this.padding = checkPadding(args.padding, fn);
    channelsLast(args.dataFormat, fn);
  }

  /** Rank of one sample: 3 for images [h, w, c], 2 for sequences [steps, c]. */
  protected readonly sampleRank: number = 3;
  /** A sample's shape as an image [h, w, c] (the 1D pools see [steps, c] as [1, steps, c]). */
  protected image(shape: number[]): number[] { return shape; }

  build(inputShape: number[]): void {
    super.build(inputShape);
    const [h, w] = this.image(inputShape);
    ({ padTop: this.padTop, padLeft: this.padLeft } = windowGeometry(h, w, this.poolSize, this.strides, this.padding, this.label, 'poolSize'));
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== this.sampleRank) {
      const want = this.sampleRank === 3 ? '[height, width, channels]' : '[steps, channels]';
      throw new Error(`${this.label}: expected input of shape ${want}, got [${inputShape.join(', ')}]`);
    }
    return this.outputImage(this.image(inputShape)).slice(3 - this.sampleRank);
  }

  private outputImage(inputShape: number[]): number[] {
    const [h, w, c] = inputShape;
    const { ho, wo } = windowGeometry(h, w, this.poolSize, this.strides, this.padding, this.label, 'poolSize');
    return [ho, wo, c];
  }

  /** The 12 geometry arguments the pooling kernels take after their pointers. */
  protected geometry(n: number): [number, number, number, number, number, number, number, number, number, number, number, number] {
    const [h, w, c] = this.image(this.inputShape);
    const [ho, wo] = this.image(this.outputShape);
    return [n, h, w, c, ho, wo, this.poolSize[0], this.poolSize[1], this.strides[0], this.strides[1], this.padTop, this.padLeft];
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), pool_size: [...this.poolSize], padding: this.padding, strides: [...this.strides], data_format: 'channels_last' };
  }
}

const SAME_AVERAGE_GRADIENT = "tfjs 4.22's average-pool gradient with 'same' padding disagrees with finite differences (ours agrees)";

const examples2d = (noTfjsTraining?: string): readonly LayerExample[] => [
  { args: { poolSize: 2 }, inputShape: [6, 7, 3], params: 0 },
  { args: { poolSize: [3, 2], strides: [2, 1], padding: 'same' }, inputShape: [7, 5, 2], params: 0, noTfjsTraining },
  { args: { poolSize: 3, strides: 2 }, inputShape: [9, 8, 4], params: 0 },
];

export class MaxPooling2D extends Pooling2D {
  static readonly className: string = 'MaxPooling2D';
  static readonly examples = examples2d();
  private argmax = 0;

  constructor(args: Pooling2DArgs = {}, fn = 'maxPooling2d') { super(args, fn); }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    this.y = this.buffer(maxBatch * this.outSize, 'output');
    this.argmax = this.buffer(maxBatch * this.outSize, 'argmax');
    if (training) this.dx = this.buffer(maxBatch * this.inSize, 'input gradient');
  }

  forward(x: number, n: number, training: boolean): number {
    // the argmax is only needed by backward; threads take whole images
    const g = this.geometry(n);
    parallelFor(this.rt, 'maxpool_forward', n, 4, 1, (n0, count) => [this.y, training ? this.argmax : 0, x, count, ...g.slice(1), n0],
      `${this.name} forward`);
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    // argmax holds flat indices into the whole dx: threads take whole images, which never share an input
    const g = this.geometry(n);
    parallelFor(this.rt, 'maxpool_backward', n, 4, 1, (n0, count) => [this.dx, dy, this.argmax, count, ...g.slice(1), n0],
      `${this.name} backward`);
    return this.dx;
  }
}

export class AveragePooling2D extends Pooling2D {
  static readonly className: string = 'AveragePooling2D';
  static readonly examples = examples2d(SAME_AVERAGE_GRADIENT);

  constructor(args: Pooling2DArgs = {}, fn = 'averagePooling2d') { super(args, fn); }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    this.y = this.buffer(maxBatch * this.outSize, 'output');
    if (training) this.dx = this.buffer(maxBatch * this.inSize, 'input gradient');
  }

  /** Runs an average-pool kernel over n images split across threads (pointers offset to each range). */
  private perImage(op: 'avgpool_forward' | 'avgpool_backward', out: number, a: number, n: number, outStride: number, aStride: number,
    what: string): void {
    const g = this.geometry(n);
    parallelFor(this.rt, op, n, 4, 1, (n0, count) => [out + 4 * n0 * outStride, a + 4 * n0 * aStride, count, ...g.slice(1)],
      `${this.name} ${what}`);
  }

  forward(x: number, n: number): number {
    this.perImage('avgpool_forward', this.y, x, n, this.outSize, this.inSize, 'forward');
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    this.rt.f32(this.dx, n * this.inSize).fill(0);
    this.perImage('avgpool_backward', this.dx, dy, n, this.inSize, this.outSize, 'backward');
    return this.dx;
  }
}

// ---- 1D pools over [steps, channels]: the 2D pools on [1, steps, channels] ------------------------------

export interface Pooling1DArgs extends LayerArgs {
  poolSize?: number | [number];
  strides?: number | [number];
  padding?: Padding;
  dataFormat?: 'channelsLast';
}

const examples1d = (noTfjsTraining?: string): readonly LayerExample[] => [
  { args: { poolSize: 2 }, inputShape: [7, 3], params: 0 },
  { args: { poolSize: 3, strides: 2, padding: 'same' }, inputShape: [8, 2], params: 0, noTfjsTraining },
];

function as2d(args: Pooling1DArgs, fn: string): Pooling2DArgs {
  const one = (v: unknown, arg: string): [number, number] | undefined => {
    if (v === undefined || v === null) return undefined;
    return [1, pair(Array.isArray(v) && v.length === 1 ? v[0] : v, arg, fn)[0]];
  };
  return { ...args, poolSize: one(args.poolSize ?? 2, 'poolSize'), strides: one(args.strides, 'strides') };
}

function config1d(pool: Pooling2D, config: Record<string, unknown>): Record<string, unknown> {
  return { ...config, pool_size: [pool.poolSize[1]], strides: [pool.strides[1]] };
}

export class MaxPooling1D extends MaxPooling2D {
  static readonly className = 'MaxPooling1D';
  static readonly examples = examples1d();
  constructor(args: Pooling1DArgs = {}) { super(as2d(args, 'maxPooling1d'), 'maxPooling1d'); }
  protected readonly sampleRank = 2;
  protected image(shape: number[]): number[] { return [1, ...shape]; }
  getConfig(): Record<string, unknown> { return config1d(this, super.getConfig()); }
}

export class AveragePooling1D extends AveragePooling2D {
  static readonly className = 'AveragePooling1D';
  static readonly examples = examples1d(SAME_AVERAGE_GRADIENT);
  constructor(args: Pooling1DArgs = {}) { super(as2d(args, 'averagePooling1d'), 'averagePooling1d'); }
  protected readonly sampleRank = 2;
  protected image(shape: number[]): number[] { return [1, ...shape]; }
  getConfig(): Record<string, unknown> { return config1d(this, super.getConfig()); }
}
