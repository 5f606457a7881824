// Dense: Y [M, U] = f(X [M, I] · W [I, U] + b) on the input's last axis, as Keras': M rows are the samples, or
// every position of an input of higher rank ([steps, I] gives [steps, U]); it passes an embedding's mask on.
import { GEMM_ACC, GEMM_BIAS, GEMM_RELU, GEMM_SET } from '../runtime/wasm.js';
import { PackedMatrix, parallelGemm, parallelGemmPacked } from '../threads/index.js';
import { activationBiasBackward, activationForward, checkActivation, preActivationBuffer, type ActivationName } from './activations.js';
import type { ConfigReader } from './config.js';
import type { InitializerSpec } from './initializers.js';
import type { RegularizerSpec } from './regularizers.js';
import type { ConstraintSpec } from './constraints.js';
import { boolArg, Layer, positiveInt, type LayerArgs, type LayerExample, type Param } from './layer.js';
import type { Runtime } from '../runtime/wasm.js';

export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  kernelRegularizer?: RegularizerSpec | null;
  kernelConstraint?: ConstraintSpec | null;
  biasRegularizer?: RegularizerSpec | null;
  biasConstraint?: ConstraintSpec | null;
  inputDim?: number;
}

export class Dense extends Layer {
  static readonly className = 'Dense';
  static readonly factoryOptions = ['inputDim'];
  static readonly weightOptions = { kernel: 'kernel', bias: 'bias' };
  static readonly examples: readonly LayerExample[] = [
    { args: { units: 5, activation: 'relu' }, inputShape: [7], params: 40 },
    { args: { units: 3, activation: 'softmax' }, inputShape: [6], params: 21 },
    { args: { units: 4, activation: 'sigmoid', useBias: false }, inputShape: [9], params: 36 },
    { args: { units: 2, activation: 'tanh', kernelInitializer: 'heNormal' }, inputShape: [3], params: 8 },
    { args: { units: 3, activation: 'softmax' }, inputShape: [4, 5], params: 18 },
    { args: { units: 2, activation: 'relu' }, inputShape: [2, 3, 4], params: 10 },
    { args: { units: 4, activation: 'gelu' }, inputShape: [5], params: 24 },
    { args: { units: 3, activation: 'swish', useBias: false }, inputShape: [2, 4], params: 12 },
  ];
  /** Keras' Dense supports masking: an embedding's mask passes on to a Dense applied at each step. */
  static readonly passesMask = true;

  static fromConfig(r: ConfigReader): Layer {
    const weightOptions = r.weightOptions(this);
    const common = r.common();
    const inputDim = r.opt<number>('input_dim');
    return new this({
      ...common,
      units: r.opt('units')!, activation: r.activation(), useBias: r.opt('use_bias'),
      kernelInitializer: r.initializer('kernel_initializer'), biasInitializer: r.initializer('bias_initializer'), ...weightOptions,
      ...(inputDim !== undefined && !common.batchInputShape && !common.inputShape ? { inputDim } : {}),
    });
  }

  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  private readonly kernelInit: InitializerSpec;
  private readonly biasInit: InitializerSpec;
  private product: RowProduct | null = null;

  constructor(args: DenseArgs) {
    super(args.inputDim !== undefined && args.inputShape === undefined ? { ...args, inputShape: [args.inputDim] } : args);
    this.units = positiveInt(args.units, 'units', 'dense');
    this.activation = checkActivation(args.activation, 'dense');
    this.useBias = boolArg(args.useBias, true, 'useBias', 'dense');
    this.kernelInit = args.kernelInitializer ?? 'glorotUniform';
    this.biasInit = args.biasInitializer ?? 'zeros';
  }

  get outputActivation(): ActivationName { return this.activation; }

  build(inputShape: number[]): void {
    super.build(inputShape);
    this.addParam('kernel', [this.features, this.units], this.kernelInit);
    if (this.useBias) this.addParam('bias', [this.units], this.biasInit);
  }

  /** As Keras' Dense: on the input's last axis, at every position of the others (an input [steps, features] gives [steps, units]). */
  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length === 0) throw new Error(`${this.label}: expected input of shape [features] (or [..., features]), got []`);
    return [...inputShape.slice(0, -1), this.units];
  }

  private get features(): number { return this.inputShape[this.inputShape.length - 1]; }
  /** Rows of the products per sample: the positions along the input's other axes. */
  private get positions(): number { return this.inSize / this.features; }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    this.product = new RowProduct(this.rt, this.features, this.units, this.activation, maxBatch * this.positions, training,
      (floats, what) => this.buffer(floats, what));
  }

  forward(x: number, n: number, training: boolean): number {
    const [kernel, bias] = this.params;
    return this.product!.forward(x, n * this.positions, kernel, bias, training, this.name);
  }

  backward(dy: number, n: number, needDx: boolean, skipActivation: boolean): number {
    const [kernel, bias] = this.params;
    return this.product!.backward(dy, n * this.positions, kernel, bias, needDx, skipActivation, this.name);
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units, activation: this.activation, use_bias: this.useBias,
      kernel_initializer: this.params[0]?.init.config() ?? null, bias_initializer: this.params[1]?.init.config() ?? null,
      activity_regularizer: null,
    };
  }
}

/**
 * Y [M, U] = f(X [M, I] · W [I, U] + b) over M rows and its gradients: Dense's products, and SeparableConv2D's
 * pointwise half (its 1×1 kernel [1, 1, I, U] is the same matrix). W is packed once per weight version for the
 * forward product (every step in training, once per load in inference) and Wᵀ for the input gradient.
 */
export class RowProduct {
  private readonly rowsX: number; private readonly stepsI: number;
  private readonly rowsDy: number = 0; private readonly stepsU: number = 0;
  private readonly y: number; private readonly z: number; private readonly dx: number = 0;
  private readonly packedW: PackedMatrix; private readonly packedWT: PackedMatrix | null = null;
  private lastX = 0;

  /** Buffers for up to maxRows rows from `buffer` (the layer's, released with it). */
  constructor(private readonly rt: Runtime, private readonly features: number, private readonly units: number,
    private readonly activation: ActivationName, maxRows: number, training: boolean, buffer: (floats: number, what: string) => number) {
    const k = rt.k, i = features, u = units;
    const table = (n: number, stride: number, what: string): number => {
      const t = buffer(n, what);
      k.strided_offsets(t, n, stride);
      return t;
    };
    this.rowsX = table(maxRows, i, 'input row offsets');
    this.stepsI = table(i, 1, 'unit offsets');
    this.y = buffer(maxRows * u, 'output');
    // Z [M, U], the product before the activation: y itself unless the activation's backward needs it
    this.z = preActivationBuffer(activation, this.y, maxRows * u, training, buffer);
    this.packedW = new PackedMatrix(rt, u, i, buffer, 'kernel');
    if (!training) return;
    this.packedWT = new PackedMatrix(rt, i, u, buffer, 'transposed kernel');
    this.rowsDy = table(maxRows, u, 'gradient row offsets');
    this.stepsU = table(u, 1, 'unit offsets');
    this.dx = buffer(maxRows * i, 'input gradient');
  }

  forward(x: number, m: number, kernel: Param, bias: Param | undefined, training: boolean, name: string): number {
    const rt = this.rt, activation = this.activation;
    this.lastX = x;
    const relu = activation === 'relu' ? GEMM_RELU : 0; // fused into the GEMM's store
    const w = this.packedW.pack(kernel.offset, this.units, 1, training ? -1 : kernel.version);
    parallelGemmPacked(rt, this.z, this.units, x, this.rowsX, this.stepsI, w, m, (bias ? GEMM_BIAS : GEMM_SET) | relu,
      bias ? bias.offset : 0, `${name} forward GEMM`);
    if (!relu) activationForward(rt, activation, this.y, this.z, m, this.units);
    return this.y;
  }

  backward(dy: number, m: number, kernel: Param, bias: Param | undefined, needDx: boolean, skipActivation: boolean, name: string): number {
    const rt = this.rt;
    const i = this.features, u = this.units;
    activationBiasBackward(rt, this.activation, dy, this.y, this.z, bias ? bias.gradOffset : 0, m, u, skipActivation, name);
    // dW [I, U] += X^T [I, M] · dY [M, U] (X's row offsets, rowsX, are the reduction's offsets here)
    parallelGemm(rt, kernel.gradOffset, u, this.lastX, this.stepsI, this.rowsX, dy, u, 1, i, u, m, GEMM_ACC, 0, `${name} weight-gradient GEMM`);
    if (!needDx) return 0;
    // dX [M, I] = dY [M, U] · W^T [U, I]
    parallelGemmPacked(rt, this.dx, i, dy, this.rowsDy, this.stepsU, this.packedWT!.pack(kernel.offset, 1, u), m, GEMM_SET, 0,
      `${name} input-gradient GEMM`);
    return this.dx;
  }
}
