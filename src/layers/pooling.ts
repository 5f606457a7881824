// MaxPooling2D and AveragePooling2D over NHWC, TensorFlow padding rules.
import { parallelFor } from '../threads/index.js';
import type { ConfigReader } from './config.js';
import { checkPadding, convAxis, Layer, pair, type LayerArgs, type LayerExample, type Padding } from './layer.js';

export interface Pooling2DArgs extends LayerArgs {
  poolSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  dataFormat?: 'channelsLast';
}

abstract class Pooling2D extends Layer {
  static readonly examples: readonly LayerExample[] = [
    { args: { poolSize: 2 }, inputShape: [6, 7, 3], params: 0 },
    { args: { poolSize: [3, 2], strides: [2, 1], padding: 'same' }, inputShape: [7, 5, 2], params: 0 },
    { args: { poolSize: 3, strides: 2 }, inputShape: [9, 8, 4], params: 0 },
  ];

  static fromConfig(this: new (args: Pooling2DArgs) => Layer, r: ConfigReader): Layer {
    r.channelsLast();
    return new this({ ...r.common(), poolSize: r.opt('pool_size'), strides: r.opt('strides'), padding: r.padding() });
  }

  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  protected padTop = 0; protected padLeft = 0;
  protected y = 0; protected dx = 0;

  constructor(args: Pooling2DArgs = {}, fn: string) {
    super(args);
    this.poolSize = pair(args.poolSize ?? 2, 'poolSize', fn);
    this.strides = pair(args.strides ?? this.poolSize, 'strides', fn);
    this.padding = checkPadding(args.padding, fn);
  }

  build(inputShape: number[]): void {
    super.build(inputShape);
    this.padTop = convAxis(inputShape[0], this.poolSize[0], this.strides[0], this.padding).padBefore;
    this.padLeft = convAxis(inputShape[1], this.poolSize[1], this.strides[1], this.padding).padBefore;
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 3) {
      throw new Error(`${this.label}: expected input of shape [height, width, channels], got [${inputShape.join(', ')}]`);
    }
    const [h, w, c] = inputShape;
    const ah = convAxis(h, this.poolSize[0], this.strides[0], this.padding);
    const aw = convAxis(w, this.poolSize[1], this.strides[1], this.padding);
    if (ah.out <= 0 || aw.out <= 0) {
      throw new Error(`${this.label}: input ${h}x${w} is smaller than poolSize ${this.poolSize.join('x')} with padding 'valid'`);
    }
    return [ah.out, aw.out, c];
  }

  /** The 12 geometry arguments the pooling kernels take after their pointers. */
  protected geometry(n: number): [number, number, number, number, number, number, number, number, number, number, number, number] {
    const [h, w, c] = this.inputShape;
    const [ho, wo] = this.outputShape;
    return [n, h, w, c, ho, wo, this.poolSize[0], this.poolSize[1], this.strides[0], this.strides[1], this.padTop, this.padLeft];
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), pool_size: [...this.poolSize], padding: this.padding, strides: [...this.strides], data_format: 'channels_last' };
  }
}

export class MaxPooling2D extends Pooling2D {
  static readonly className = 'MaxPooling2D';
  private argmax = 0;

  constructor(args: Pooling2DArgs = {}) { super(args, 'maxPooling2d'); }

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
    this.rt.f32(this.dx, n * this.inSize).fill(0);
    this.rt.k.maxpool_backward(this.dx, dy, this.argmax, n * this.outSize);
    return this.dx;
  }
}

export class AveragePooling2D extends Pooling2D {
  static readonly className = 'AveragePooling2D';

  constructor(args: Pooling2DArgs = {}) { super(args, 'averagePooling2d'); }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    this.y = this.buffer(maxBatch * this.outSize, 'output');
    if (training) this.dx = this.buffer(maxBatch * this.inSize, 'input gradient');
  }

  forward(x: number, n: number): number {
    this.rt.k.avgpool_forward(this.y, x, ...this.geometry(n));
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    this.rt.f32(this.dx, n * this.inSize).fill(0);
    this.rt.k.avgpool_backward(this.dx, dy, ...this.geometry(n));
    return this.dx;
  }
}
