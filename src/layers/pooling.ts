// MaxPooling2D and AveragePooling2D over NHWC, TensorFlow padding rules.
import { parallelFor } from '../threads/index.js';
import { checkPadding, convAxis, Layer, pair, type LayerArgs, type Padding } from './layer.js';

export interface Pooling2DArgs extends LayerArgs {
  poolSize?: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  dataFormat?: 'channelsLast';
}

abstract class Pooling2D extends Layer {
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
    this.padTop = ah.padBefore; this.padLeft = aw.padBefore;
    return [ah.out, aw.out, c];
  }

  /** The 14 geometry arguments shared by the pooling kernels after the pointers. */
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
  readonly className = 'MaxPooling2D';
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
  readonly className = 'AveragePooling2D';

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
