// Image augmentation layers (Keras 3 semantics): active only in fit, identity at inference. Every random
// draw depends on the step's seed and the image's index alone (assembly/augment.ts), so results are the
// same for any thread count; threads take whole images.
import {
  FILL_CONSTANT, FILL_NEAREST, FILL_REFLECT, FILL_WRAP, FLIP_HORIZONTAL, FLIP_JOINT, FLIP_VERTICAL, INTERP_BILINEAR,
  INTERP_NEAREST,
} from '../runtime/wasm.js';
import { parallelFor } from '../threads/index.js';
import type { ConfigReader } from './config.js';
import { channelsLast, Layer, type LayerArgs, type LayerExample } from './layer.js';
import { show } from '../format.js';

interface AugmentArgs extends LayerArgs {
  /** Mixed into the fit seed: two augmentation layers with different seeds draw differently. */
  seed?: number;
  dataFormat?: 'channelsLast';
}

/** Images per extra thread below which an augmentation stays on the calling thread. */
const MIN_IMAGES = 4;

abstract class Augmentation extends Layer {
  static readonly randomInTraining = true;
  readonly seed: number | null;
  protected y = 0;

  constructor(args: AugmentArgs, readonly fn: string) {
    super(args);
    if (args.seed !== undefined && args.seed !== null && !Number.isInteger(args.seed)) {
      throw new Error(`${fn}: seed must be an integer, got ${show(args.seed)}`);
    }
    this.seed = args.seed ?? null;
    channelsLast(args.dataFormat, fn);
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 3) {
      throw new Error(`${this.label}: expected input of shape [height, width, channels], got [${inputShape.join(', ')}]`);
    }
    return [...inputShape];
  }

  /** The draw seed of one step: the fit's step seed, with the layer's own seed mixed in. */
  protected drawSeed(stepSeed: number): number {
    return this.seed === null ? stepSeed >>> 0 : (stepSeed ^ Math.imul(this.seed + 0x632be5ab, 0x9e3779b1)) >>> 0;
  }

  /** Runs a per-image kernel over n images on the threads; args get (n0, count). */
  protected perImage(op: Parameters<typeof parallelFor>[1], n: number, args: (n0: number, count: number) => number[], what: string): void {
    parallelFor(this.rt, op, n, MIN_IMAGES, 1, args, `${this.name} ${what}`);
  }

  getConfig(): Record<string, unknown> { return { ...super.getConfig(), seed: this.seed, data_format: 'channels_last' }; }
}

export type FlipMode = 'horizontal' | 'vertical' | 'horizontal_and_vertical';
const FLIP_MODES: Record<FlipMode, number> = {
  horizontal: FLIP_HORIZONTAL,
  vertical: FLIP_VERTICAL,
  // Keras 3 draws once: an image is flipped both ways or not at all
  horizontal_and_vertical: FLIP_HORIZONTAL | FLIP_VERTICAL | FLIP_JOINT,
};

export interface RandomFlipArgs extends AugmentArgs { mode?: FlipMode }

/** Flips each image left-right and/or up-down with probability 1/2. */
export class RandomFlip extends Augmentation {
  static readonly className = 'RandomFlip';
  static readonly examples: readonly LayerExample[] = [
    { args: { mode: 'horizontal' }, inputShape: [4, 5, 3], params: 0, noTfjs: 'tfjs 4.22 has no RandomFlip' },
    { args: { seed: 7 }, inputShape: [3, 6, 2], params: 0, noTfjs: 'tfjs 4.22 has no RandomFlip' },
  ];

  static fromConfig(r: ConfigReader): Layer {
    r.channelsLast();
    return new this({ ...r.common(), mode: r.opt('mode'), seed: r.opt('seed') });
  }

  readonly mode: FlipMode;
  private flips = 0;

  constructor(args: RandomFlipArgs = {}) {
    super(args, 'randomFlip');
    const mode = args.mode ?? 'horizontal_and_vertical';
    if (!(mode in FLIP_MODES)) {
      throw new Error(`randomFlip: mode must be one of ${Object.keys(FLIP_MODES).join(', ')}, got ${show(args.mode)}`);
    }
    this.mode = mode;
  }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    if (!training) return;
    this.y = this.buffer(maxBatch * this.inSize, 'output');
    this.flips = this.buffer(maxBatch, 'flip decisions');
  }

  forward(x: number, n: number, training: boolean, seed: number): number {
    if (!training) return x;
    const [h, w, c] = this.inputShape;
    const draw = this.drawSeed(seed);
    this.perImage('random_flip_forward', n, (n0, count) => [this.y, this.flips, x, count, h, w, c, FLIP_MODES[this.mode], draw, n0], 'forward');
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    const [h, w, c] = this.inputShape;
    // a flip is its own adjoint; the kernel may run in place
    this.perImage('flip_backward', n, (n0, count) => [dy, dy, this.flips, count, h, w, c, n0], 'backward');
    return dy;
  }

  getConfig(): Record<string, unknown> { return { ...super.getConfig(), mode: this.mode }; }
}

export type FillMode = 'reflect' | 'wrap' | 'constant' | 'nearest';
const FILL_MODES: Record<FillMode, number> = { reflect: FILL_REFLECT, wrap: FILL_WRAP, constant: FILL_CONSTANT, nearest: FILL_NEAREST };
export type Interpolation = 'bilinear' | 'nearest';
const INTERPOLATIONS: Record<Interpolation, number> = { bilinear: INTERP_BILINEAR, nearest: INTERP_NEAREST };

export interface RandomTranslationArgs extends AugmentArgs {
  /** A fraction of the height: f shifts by up to ±f·height; [lo, hi] by lo·height to hi·height (positive: down). */
  heightFactor: number | [number, number];
  widthFactor: number | [number, number];
  fillMode?: FillMode;
  interpolation?: Interpolation;
  /** The value outside the image with fillMode 'constant'. */
  fillValue?: number;
}

function factorRange(v: unknown, arg: string): [number, number] {
  const [lo, hi] = typeof v === 'number' ? [-Math.abs(v), Math.abs(v)] : Array.isArray(v) && v.length === 2 ? v : [NaN, NaN];
  if (typeof lo !== 'number' || typeof hi !== 'number' || !(lo >= -1 && hi <= 1 && lo <= hi)) {
    throw new Error(`randomTranslation: ${arg} must be a fraction f in [-1, 1] or a range [lo, hi] within [-1, 1], got ${show(v)}`);
  }
  return [lo, hi];
}

/** Shifts each image by a random fraction of its height and width, filling the uncovered part. */
export class RandomTranslation extends Augmentation {
  static readonly className = 'RandomTranslation';
  static readonly examples: readonly LayerExample[] = [
    { args: { heightFactor: 0.2, widthFactor: 0.3 }, inputShape: [5, 6, 3], params: 0, noTfjs: 'tfjs 4.22 has no RandomTranslation' },
    { args: { heightFactor: [-0.1, 0.3], widthFactor: 0.25, fillMode: 'constant', fillValue: 0.5, interpolation: 'nearest' },
      inputShape: [6, 4, 2], params: 0, noTfjs: 'tfjs 4.22 has no RandomTranslation' },
    { args: { heightFactor: 0.3, widthFactor: 0, fillMode: 'wrap', seed: 3 }, inputShape: [7, 3, 1], params: 0,
      noTfjs: 'tfjs 4.22 has no RandomTranslation' },
  ];

  static fromConfig(r: ConfigReader): Layer {
    r.channelsLast();
    return new this({
      ...r.common(), heightFactor: r.opt('height_factor')!, widthFactor: r.opt('width_factor')!, fillMode: r.opt('fill_mode'),
      interpolation: r.opt('interpolation'), fillValue: r.opt('fill_value'), seed: r.opt('seed'),
    });
  }

  readonly heightFactor: [number, number];
  readonly widthFactor: [number, number];
  readonly fillMode: FillMode;
  readonly interpolation: Interpolation;
  readonly fillValue: number;
  private shifts = 0; private dx = 0;

  constructor(args: RandomTranslationArgs) {
    if (!args || typeof args !== 'object') throw new Error('randomTranslation: expected an arguments object { heightFactor, widthFactor, ... }');
    super(args, 'randomTranslation');
    this.heightFactor = factorRange(args.heightFactor, 'heightFactor');
    this.widthFactor = factorRange(args.widthFactor, 'widthFactor');
    const fill = args.fillMode ?? 'reflect', interp = args.interpolation ?? 'bilinear';
    if (!(fill in FILL_MODES)) throw new Error(`randomTranslation: fillMode must be one of ${Object.keys(FILL_MODES).join(', ')}, got ${show(args.fillMode)}`);
    if (!(interp in INTERPOLATIONS)) {
      throw new Error(`randomTranslation: interpolation must be one of ${Object.keys(INTERPOLATIONS).join(', ')}, got ${show(args.interpolation)}`);
    }
    if (args.fillValue !== undefined && (typeof args.fillValue !== 'number' || !Number.isFinite(args.fillValue))) {
      throw new Error(`randomTranslation: fillValue must be a finite number, got ${show(args.fillValue)}`);
    }
    this.fillMode = fill; this.interpolation = interp; this.fillValue = args.fillValue ?? 0;
  }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    if (!training) return;
    this.y = this.buffer(maxBatch * this.inSize, 'output');
    this.shifts = this.buffer(2 * maxBatch, 'shifts');
    this.dx = this.buffer(maxBatch * this.inSize, 'input gradient');
  }

  forward(x: number, n: number, training: boolean, seed: number): number {
    if (!training) return x;
    const [h, w, c] = this.inputShape;
    const draw = this.drawSeed(seed);
    const [hLo, hHi] = this.heightFactor, [wLo, wHi] = this.widthFactor;
    this.perImage('random_translation_forward', n, (n0, count) => [this.y, this.shifts, x, count, h, w, c, hLo, hHi, wLo, wHi,
      FILL_MODES[this.fillMode], INTERPOLATIONS[this.interpolation], this.fillValue, draw, n0], 'forward');
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    const [h, w, c] = this.inputShape;
    this.perImage('translation_backward', n, (n0, count) => [this.dx, dy, this.shifts, count, h, w, c,
      FILL_MODES[this.fillMode], INTERPOLATIONS[this.interpolation], n0], 'backward');
    return this.dx;
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(), height_factor: [...this.heightFactor], width_factor: [...this.widthFactor], fill_mode: this.fillMode,
      interpolation: this.interpolation, fill_value: this.fillValue,
    };
  }
}
