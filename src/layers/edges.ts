// ZeroPadding2D and Cropping2D (Keras): zeros added around each image, or rows and columns cut from its edges,
// NHWC. Both are one copy with offsets (conv.ts' spread_nhwc, which zeroes its destination and drops what falls
// outside it): padding copies the input in at (top, left) and the gradient's inner part back; cropping the
// other way round. Images split over the threads.
import { parallelFor } from '../threads/index.js';
import type { ConfigReader } from './config.js';
import { channelsLast, Layer, type LayerArgs, type LayerExample } from './layer.js';
import { show } from '../format.js';

/** Keras' sides: n (all four), [h, w] (top = bottom, left = right) or [[top, bottom], [left, right]]. */
export type Sides2D = number | [number, number] | [[number, number], [number, number]];

/** Floats per extra thread below which a copy stays on the calling thread. */
const MIN_FLOATS = 1 << 15;

/** [top, bottom, left, right] from Keras' forms. */
function fourSides(p: unknown, what: string): [number, number, number, number] {
  const ok = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
  if (ok(p)) return [p, p, p, p];
  if (Array.isArray(p) && p.length === 2 && ok(p[0]) && ok(p[1])) return [p[0], p[0], p[1], p[1]];
  if (Array.isArray(p) && p.length === 2 && p.every((s) => Array.isArray(s) && s.length === 2 && ok(s[0]) && ok(s[1]))) {
    return [p[0][0], p[0][1], p[1][0], p[1][1]];
  }
  throw new Error(`${what} must be a non-negative integer, [h, w] or [[top, bottom], [left, right]], got ${show(p)}`);
}

/** A layer that moves each image by (top, left) into a larger (+1) or smaller (−1) frame. */
abstract class Edges2D extends Layer {
  /** [top, bottom, left, right]. */
  readonly sides: [number, number, number, number];
  /** +1: the output is larger (padding); −1: smaller (cropping). */
  protected abstract readonly grow: 1 | -1;
  private y = 0; private dx = 0;

  constructor(args: LayerArgs & { dataFormat?: 'channelsLast' }, sides: unknown, fn: string, arg: string) {
    super(args);
    channelsLast(args?.dataFormat, fn);
    this.sides = fourSides(sides, `${fn}: ${arg}`);
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 3) throw new Error(`${this.label}: expected input of shape [height, width, channels], got [${inputShape.join(', ')}]`);
    const [t, b, l, r] = this.sides;
    const h = inputShape[0] + this.grow * (t + b), w = inputShape[1] + this.grow * (l + r);
    if (h <= 0 || w <= 0) {
      throw new Error(`${this.label}: cropping [[${t}, ${b}], [${l}, ${r}]] leaves nothing of an input of shape [${inputShape.join(', ')}]`);
    }
    return [h, w, inputShape[2]];
  }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    this.y = this.buffer(maxBatch * this.outSize, 'output');
    if (training) this.dx = this.buffer(maxBatch * this.inSize, 'input gradient');
  }

  /** Copies n images of `src` (srcShape) into `dst` (dstShape) at (sign · top, sign · left), zeroing the rest. */
  private copy(dst: number, dstShape: number[], src: number, srcShape: number[], sign: number, n: number, what: string): void {
    const [h, w, c] = srcShape, [hd, wd] = dstShape;
    const perImage = h * w * c, perImageDst = hd * wd * c;
    parallelFor(this.rt, 'spread_nhwc', n, Math.max(1, Math.ceil(MIN_FLOATS / perImageDst)), 1,
      (s, count) => [dst + 4 * s * perImageDst, src + 4 * s * perImage, count, h, w, c, hd, wd, sign * this.sides[0], sign * this.sides[2], 1, 1], what);
  }

  forward(x: number, n: number): number {
    this.copy(this.y, this.outputShape, x, this.inputShape, this.grow, n, `${this.name} forward`);
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    this.copy(this.dx, this.inputShape, dy, this.outputShape, -this.grow, n, `${this.name} backward`);
    return this.dx;
  }

  protected get sidesConfig(): number[][] {
    const [t, b, l, r] = this.sides;
    return [[t, b], [l, r]];
  }
}

export interface ZeroPadding2DArgs extends LayerArgs { padding?: Sides2D; dataFormat?: 'channelsLast' }

export class ZeroPadding2D extends Edges2D {
  static readonly className = 'ZeroPadding2D';
  static readonly examples: readonly LayerExample[] = [
    { args: {}, inputShape: [3, 4, 2], params: 0 },
    { args: { padding: [2, 0] }, inputShape: [2, 3, 3], params: 0 },
    { args: { padding: [[0, 2], [1, 3]] }, inputShape: [4, 2, 1], params: 0 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    r.channelsLast();
    return new this({ ...r.common(), padding: r.opt<Sides2D>('padding') });
  }

  protected readonly grow = 1;
  constructor(args: ZeroPadding2DArgs = {}) { super(args, args?.padding ?? 1, 'zeroPadding2d', 'padding'); }
  getConfig(): Record<string, unknown> { return { ...super.getConfig(), padding: this.sidesConfig, data_format: 'channels_last' }; }
}

export interface Cropping2DArgs extends LayerArgs { cropping?: Sides2D; dataFormat?: 'channelsLast' }

export class Cropping2D extends Edges2D {
  static readonly className = 'Cropping2D';
  static readonly examples: readonly LayerExample[] = [
    { args: { cropping: 1 }, inputShape: [5, 6, 2], params: 0 },
    { args: { cropping: [[0, 2], [1, 0]] }, inputShape: [4, 3, 3], params: 0 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    r.channelsLast();
    return new this({ ...r.common(), cropping: r.opt<Sides2D>('cropping') });
  }

  protected readonly grow = -1;
  constructor(args: Cropping2DArgs = {}) { super(args, args?.cropping ?? 0, 'cropping2D', 'cropping'); }
  getConfig(): Record<string, unknown> { return { ...super.getConfig(), cropping: this.sidesConfig, data_format: 'channels_last' }; }
}
