// ZeroPadding2D (Keras): zeros around each image, NHWC. Forward copies the input into the padded output
// (conv.ts' spread_nhwc); backward copies the gradient's inner part into the input gradient (the same kernel,
// offsets negated), images split over the threads.
import { parallelFor } from '../threads/index.js';
import type { ConfigReader } from './config.js';
import { channelsLast, Layer, type LayerArgs, type LayerExample } from './layer.js';
import { show } from '../format.js';

/** Keras' padding: n (all four sides), [h, w] (top = bottom, left = right) or [[top, bottom], [left, right]]. */
export type Padding2D = number | [number, number] | [[number, number], [number, number]];

export interface ZeroPadding2DArgs extends LayerArgs { padding?: Padding2D; dataFormat?: 'channelsLast' }

/** Images per extra thread below which the layer stays on the calling thread. */
const MIN_FLOATS = 1 << 15;

function sides(p: unknown): [number, number, number, number] {
  const ok = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
  if (ok(p)) return [p, p, p, p];
  if (Array.isArray(p) && p.length === 2 && ok(p[0]) && ok(p[1])) return [p[0], p[0], p[1], p[1]];
  if (Array.isArray(p) && p.length === 2 && p.every((s) => Array.isArray(s) && s.length === 2 && ok(s[0]) && ok(s[1]))) {
    return [p[0][0], p[0][1], p[1][0], p[1][1]];
  }
  throw new Error(`zeroPadding2d: padding must be a non-negative integer, [h, w] or [[top, bottom], [left, right]], got ${show(p)}`);
}

export class ZeroPadding2D extends Layer {
  static readonly className = 'ZeroPadding2D';
  static readonly examples: readonly LayerExample[] = [
    { args: {}, inputShape: [3, 4, 2], params: 0 },
    { args: { padding: [2, 0] }, inputShape: [2, 3, 3], params: 0 },
    { args: { padding: [[0, 2], [1, 3]] }, inputShape: [4, 2, 1], params: 0 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    r.channelsLast();
    return new this({ ...r.common(), padding: r.opt<Padding2D>('padding') });
  }

  /** [top, bottom, left, right]. */
  readonly sides: [number, number, number, number];
  private y = 0; private dx = 0;

  constructor(args: ZeroPadding2DArgs = {}) {
    super(args);
    channelsLast(args?.dataFormat, 'zeroPadding2d');
    this.sides = sides(args?.padding ?? 1);
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 3) throw new Error(`${this.label}: expected input of shape [height, width, channels], got [${inputShape.join(', ')}]`);
    const [t, b, l, r] = this.sides;
    return [inputShape[0] + t + b, inputShape[1] + l + r, inputShape[2]];
  }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    this.y = this.buffer(maxBatch * this.outSize, 'output');
    if (training) this.dx = this.buffer(maxBatch * this.inSize, 'input gradient');
  }

  /** Copies images [start, start + count) from `src` (images of srcShape) into `dst` (dstShape) at (top, left). */
  private copy(dst: number, dstShape: number[], src: number, srcShape: number[], top: number, left: number, n: number, what: string): void {
    const [h, w, c] = srcShape, [hd, wd] = dstShape;
    const perImage = h * w * c, perImageDst = hd * wd * c;
    parallelFor(this.rt, 'spread_nhwc', n, Math.max(1, Math.ceil(MIN_FLOATS / perImageDst)), 1,
      (s, count) => [dst + 4 * s * perImageDst, src + 4 * s * perImage, count, h, w, c, hd, wd, top, left, 1, 1], what);
  }

  forward(x: number, n: number): number {
    this.copy(this.y, this.outputShape, x, this.inputShape, this.sides[0], this.sides[2], n, `${this.name} forward`);
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    this.copy(this.dx, this.inputShape, dy, this.outputShape, -this.sides[0], -this.sides[2], n, `${this.name} backward`);
    return this.dx;
  }

  getConfig(): Record<string, unknown> {
    const [t, b, l, r] = this.sides;
    return { ...super.getConfig(), padding: [[t, b], [l, r]], data_format: 'channels_last' };
  }
}
