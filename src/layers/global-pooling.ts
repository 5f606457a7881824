// Global pooling over every position of channels-last data: [h, w, c] (2D) or [steps, c] (1D) -> [c]
// (keepdims: [1, 1, c] / [1, c]). Average or max; threads take whole samples.
import { parallelFor } from '../threads/index.js';
import type { ConfigReader } from './config.js';
import { boolArg, channelsLast, Layer, type LayerArgs, type LayerExample } from './layer.js';
import { maskSourceFor, type MaskSource } from './masking.js';

export interface GlobalPoolingArgs extends LayerArgs {
  /** Keep the pooled axes as size 1 (Keras' keepdims). */
  keepdims?: boolean;
  dataFormat?: 'channelsLast';
}

/** Samples per extra thread below which a global pool stays on the calling thread. */
const MIN_SAMPLES = 8;

abstract class GlobalPooling extends Layer {
  static fromConfig(this: new (args: GlobalPoolingArgs) => Layer, r: ConfigReader): Layer {
    r.channelsLast();
    return new this({ ...r.common(), keepdims: r.opt('keepdims') });
  }

  /** Rank of one sample: 3 for [h, w, c], 2 for [steps, c]. */
  protected abstract readonly rank: number;
  readonly keepdims: boolean;
  protected y = 0; protected dx = 0;

  constructor(args: GlobalPoolingArgs = {}, readonly fn: string) {
    super(args);
    this.keepdims = boolArg(args.keepdims, false, 'keepdims', fn);
    channelsLast(args.dataFormat, fn);
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== this.rank) {
      const want = this.rank === 3 ? '[height, width, channels]' : '[steps, channels]';
      throw new Error(`${this.label}: expected input of shape ${want}, got [${inputShape.join(', ')}]`);
    }
    const c = inputShape[inputShape.length - 1];
    return this.keepdims ? [...inputShape.slice(0, -1).map(() => 1), c] : [c];
  }

  /** Whether the layer averages over the unmasked steps of a masked input (GlobalAveragePooling1D, as Keras'). */
  protected readonly takesMask: boolean = false;
  /** The mask of its input, which it applies (takesMask). */
  protected maskSource: MaskSource | null = null;

  build(inputShape: number[]): void {
    const mask = maskSourceFor(inputShape);
    if (mask && !this.takesMask) {
      throw new Error(`${this.fn}: cannot follow a layer whose output is masked (an embedding with maskZero, or a masking layer); ` +
        'simdnet does not pool over masked steps here (globalAveragePooling1d does, as Keras)');
    }
    super.build(inputShape);
    this.maskSource = mask;
    if (mask) mask.consumers++;
  }

  protected get positions(): number { return this.inSize / this.channels; }
  protected get channels(): number { return this.inputShape[this.inputShape.length - 1]; }

  protected run(op: 'global_avgpool_forward' | 'global_avgpool_backward' | 'global_maxpool_forward' | 'global_maxpool_backward' |
    'global_avgpool_masked_forward' | 'global_avgpool_masked_backward',
    n: number, pointers: number[], what: string): void {
    parallelFor(this.rt, op, n, MIN_SAMPLES, 1, (n0, count) => [...pointers, this.positions, this.channels, n0, count], `${this.name} ${what}`);
  }

  getConfig(): Record<string, unknown> { return { ...super.getConfig(), data_format: 'channels_last', keepdims: this.keepdims }; }
}

abstract class GlobalAveragePooling extends GlobalPooling {
  protected allocateBuffers(maxBatch: number, training: boolean): void {
    this.y = this.buffer(maxBatch * this.outSize, 'output');
    if (training) this.dx = this.buffer(maxBatch * this.inSize, 'input gradient');
  }

  forward(x: number, n: number): number {
    const mask = this.maskSource?.maskPointer;
    if (mask) this.run('global_avgpool_masked_forward', n, [this.y, x, mask], 'forward');
    else this.run('global_avgpool_forward', n, [this.y, x], 'forward');
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    const mask = this.maskSource?.maskPointer;
    if (mask) this.run('global_avgpool_masked_backward', n, [this.dx, dy, mask], 'backward');
    else this.run('global_avgpool_backward', n, [this.dx, dy], 'backward');
    return this.dx;
  }
}

abstract class GlobalMaxPooling extends GlobalPooling {
  private argmax = 0;

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    this.y = this.buffer(maxBatch * this.outSize, 'output');
    if (!training) return;
    this.argmax = this.buffer(maxBatch * this.outSize, 'argmax');
    this.dx = this.buffer(maxBatch * this.inSize, 'input gradient');
  }

  forward(x: number, n: number, training: boolean): number {
    // the argmax is only needed by backward
    this.run('global_maxpool_forward', n, [this.y, training ? this.argmax : 0, x], 'forward');
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    if (!needDx) return 0;
    this.run('global_maxpool_backward', n, [this.dx, dy, this.argmax], 'backward');
    return this.dx;
  }
}

const EXAMPLES_2D: readonly LayerExample[] = [
  { args: {}, inputShape: [4, 5, 3], params: 0 },
  { args: { keepdims: true }, inputShape: [3, 3, 6], params: 0, noTfjs: 'tfjs 4.22 ignores keepdims' },
];
const EXAMPLES_1D: readonly LayerExample[] = [
  { args: {}, inputShape: [7, 5], params: 0 },
  { args: { keepdims: true }, inputShape: [4, 2], params: 0, noTfjs: 'tfjs 4.22 ignores keepdims' },
];

export class GlobalAveragePooling2D extends GlobalAveragePooling {
  static readonly className = 'GlobalAveragePooling2D';
  static readonly examples = EXAMPLES_2D;
  protected readonly rank = 3;
  constructor(args: GlobalPoolingArgs = {}) { super(args, 'globalAveragePooling2d'); }
}

export class GlobalMaxPooling2D extends GlobalMaxPooling {
  static readonly className = 'GlobalMaxPooling2D';
  static readonly examples = EXAMPLES_2D;
  protected readonly rank = 3;
  constructor(args: GlobalPoolingArgs = {}) { super(args, 'globalMaxPooling2d'); }
}

export class GlobalAveragePooling1D extends GlobalAveragePooling {
  static readonly className = 'GlobalAveragePooling1D';
  static readonly examples = EXAMPLES_1D;
  protected readonly rank = 2;
  protected readonly takesMask = true;
  constructor(args: GlobalPoolingArgs = {}) { super(args, 'globalAveragePooling1d'); }
}

export class GlobalMaxPooling1D extends GlobalMaxPooling {
  static readonly className = 'GlobalMaxPooling1D';
  static readonly examples = EXAMPLES_1D;
  protected readonly rank = 2;
  constructor(args: GlobalPoolingArgs = {}) { super(args, 'globalMaxPooling1d'); }
}
