// Embedding: token ids [B, T] -> vectors [B, T, outputDim] by table lookup (assembly/rnn.ts). Ids arrive as
// float32 (the engine stages all data as float32) and are checked to be integers in [0, inputDim).
// With maskZero, id 0 is padding: the recurrent layer right after carries its state through those steps.
import type { InitializerSpec } from './initializers.js';
import type { RegularizerSpec } from './regularizers.js';
import type { ConstraintSpec } from './constraints.js';
import type { ConfigReader } from './config.js';
import { Layer, positiveInt, type LayerArgs, type LayerExample } from './layer.js';
import { providesMask, type MaskSource } from './masking.js';
import { show } from '../format.js';

export interface EmbeddingArgs extends LayerArgs {
  /** Vocabulary size: ids are in [0, inputDim). */
  inputDim: number;
  outputDim: number;
  /** Length of the (padded) sequences; sets inputShape [inputLength]. */
  inputLength?: number;
  /** Id 0 is padding, masked out in the recurrent layer that follows. */
  maskZero?: boolean;
  embeddingsInitializer?: InitializerSpec;
  embeddingsRegularizer?: RegularizerSpec | null;
  embeddingsConstraint?: ConstraintSpec | null;
}

export class Embedding extends Layer implements MaskSource {
  static readonly className = 'Embedding';
  static readonly weightOptions = { embeddings: 'embeddings' };
  static readonly anySteps = true;
  static readonly defaultInputShape = [null];
  static readonly singleThreaded = 'a table lookup, and a scatter-add into the table that would race across threads; tiny work';
  static readonly examples: readonly LayerExample[] = [
    { args: { inputDim: 10, outputDim: 4 }, inputShape: [6], params: 40, ids: 10 },
    { args: { inputDim: 7, outputDim: 3, inputLength: 5 }, inputShape: [5], params: 21, ids: 7 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    const weightOptions = r.weightOptions(this);
    r.expect('sparse', (v) => v === false, 'simdnet has no sparse embeddings');
    return new this({
      ...r.common(), ...weightOptions,
      inputDim: r.opt('input_dim')!, outputDim: r.opt('output_dim')!, inputLength: r.opt('input_length'),
      maskZero: r.opt('mask_zero'), embeddingsInitializer: r.initializer('embeddings_initializer'),
    });
  }

  readonly inputDim: number;
  readonly outputDim: number;
  readonly inputLength?: number;
  readonly maskZero: boolean;
  consumers = 0;
  atOutput = false;
  readonly maskOption = 'maskZero';
  private readonly embeddingsInit: InitializerSpec;
  private y = 0; private mask = 0; private dx = 0; private lastX = 0;

  constructor(args: EmbeddingArgs) {
    if (!args || typeof args !== 'object') throw new Error('embedding: expected an arguments object { inputDim, outputDim, inputLength? }');
    const inputLength = args.inputLength === undefined || args.inputLength === null ? undefined
      : positiveInt(args.inputLength, 'inputLength', 'embedding');
    const shaped = args.inputShape !== undefined || args.batchInputShape !== undefined;
    super(inputLength !== undefined && !shaped ? { ...args, inputShape: [inputLength] } : args);
    this.inputDim = positiveInt(args.inputDim, 'inputDim', 'embedding');
    this.outputDim = positiveInt(args.outputDim, 'outputDim', 'embedding');
    this.inputLength = inputLength;
    if (args.maskZero !== undefined && typeof args.maskZero !== 'boolean') {
      throw new Error(`embedding: maskZero must be true or false, got ${show(args.maskZero)}`);
    }
    this.maskZero = args.maskZero ?? false;
    this.embeddingsInit = args.embeddingsInitializer ?? { name: 'randomUniform', minval: -0.05, maxval: 0.05 };
    if (inputLength !== undefined && this.declaredInputShape && this.declaredInputShape.join() !== String(inputLength)) {
      throw new Error(`embedding: inputLength ${inputLength} does not match inputShape [${this.declaredInputShape.join(', ')}]`);
    }
  }

  get maskPointer(): number { return this.mask; }

  build(inputShape: number[]): void {
    super.build(inputShape);
    this.addParam('embeddings', [this.inputDim, this.outputDim], this.embeddingsInit);
    if (this.maskZero) providesMask(this.outputShape, this);
  }

  /** The table does not depend on the input's length. */
  protected weightsFit(): boolean { return true; }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 1) {
      throw new Error(`${this.label}: expected input of shape [sequenceLength] (token ids), got [${inputShape.join(', ')}]`);
    }
    if (this.inputLength !== undefined && inputShape[0] !== this.inputLength) {
      throw new Error(`${this.label}: inputLength is ${this.inputLength} but the input has ${inputShape[0]} steps`);
    }
    return [inputShape[0], this.outputDim];
  }

  /** Token ids must be integers in [0, inputDim): names the first bad one with its [sample, step]. */
  checkInput(data: ArrayLike<number>, fn: string, arg: string): void {
    const steps = this.inputShape[0];
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (Number.isInteger(v) && v >= 0 && v < this.inputDim) continue;
      const why = !Number.isInteger(v) ? 'is not an integer' : v < 0 ? 'is negative' : `is ≥ inputDim ${this.inputDim}`;
      throw new Error(`${fn}: ${arg}[${Math.floor(i / steps)}, ${i % steps}] = ${v} is not a token id for ${this.label}: it ${why}; ` +
        `ids must be integers in [0, ${this.inputDim}) (raise inputDim, or cap the vocabulary with a Tokenizer's numWords)`);
    }
  }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    const steps = this.inputShape[0];
    this.y = this.buffer(maxBatch * steps * this.outputDim, 'output');
    this.mask = this.maskZero ? this.buffer(maxBatch * steps, 'mask') : 0;
    this.dx = training ? this.buffer(maxBatch * steps, 'input gradient (zero: ids are not differentiable)') : 0;
  }

  forward(x: number, n: number): number {
    if (this.maskZero && this.consumers === 0 && !this.atOutput) {
      throw new Error(`${this.label}: maskZero is set but no layer uses the mask; simdnet applies it in a simpleRNN, lstm or ` +
        'gru (or a bidirectional one) placed after the embedding, directly or after layers that pass the mask on (recurrent layers with returnSequences, dense, timeDistributed, dropout, ' +
        'activation, reLU, leakyReLU, softmax, batchNormalization, layerNormalization), and in the loss of an output per step that ' +
        'carries it; remove maskZero or move the recurrent layer');
    }
    const rt = this.rt;
    const [table] = this.params;
    const count = n * this.inputShape[0];
    this.lastX = x;
    const bad = rt.k.embedding_forward(this.y, this.mask, x, table.offset, count, this.inputDim, this.outputDim);
    if (bad) {
      const ids = rt.f32(x, count);
      const i = ids.findIndex((v) => !(Number.isInteger(v) && v >= 0 && v < this.inputDim));
      throw new Error(`${this.label}: ${bad} input value(s) are not token ids in [0, ${this.inputDim}), first ${ids[i]} at flat index ${i}`);
    }
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    const rt = this.rt;
    const [table] = this.params;
    const count = n * this.inputShape[0];
    rt.k.embedding_backward(table.gradOffset, dy, this.lastX, count, this.inputDim, this.outputDim);
    if (!needDx) return 0;
    rt.f32(this.dx, count).fill(0);
    return this.dx;
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      input_dim: this.inputDim, output_dim: this.outputDim,
      embeddings_initializer: this.params[0]?.init.config() ?? null,
      activity_regularizer: null,
      mask_zero: this.maskZero, input_length: this.inputLength ?? null,
    };
  }
}
