// Recurrent layers: SimpleRNN, LSTM and GRU over one base class that runs the time loop and
// backpropagation through time; each cell is its step kernels (assembly/rnn.ts) and its weight layout.
//
// Shape letters: B samples, T time steps, D input features, U units, G gates per unit (1, 4 or 3), as in
// assembly/rnn.ts; a step's pre-activations are G·U columns.
//   input x [B, T, D] (batch-major, as Keras). Buffers are time-major in *processing* order (goBackwards
//   processes input step T-1-s at step s):
//   z  [T, B, G·U]    pre-activations x·W + b (one GEMM over all steps), then + h_{s-1}·U per step; the
//                   step kernel overwrites them with the gate activations backward needs, and backward
//                   overwrites those with the pre-activation gradients
//   hs [T+1, B, U]  hidden states; slot 0 is the zero initial state, slot s+1 the state after step s
//   output: returnSequences ? [B, T, U] (gathered from hs, in processing order as Keras) : hs slot T [B, U]
// Backward runs the steps in reverse with one [B, U] running state gradient, then forms dW, dU, db and dx
// as single GEMMs over all T·B rows.
import { PackedMatrix, parallelGemm, parallelGemmPacked } from '../threads/index.js';
import { GEMM_ACC, GEMM_BIAS, GEMM_SET } from '../runtime/wasm.js';
import { biasBackward, checkActivation, type ActivationName } from './activations.js';
import { getInitializer, type Initializer, type InitializerSpec } from './initializers.js';
import type { RegularizerSpec } from './regularizers.js';
import type { ConstraintSpec } from './constraints.js';
import type { ConfigReader } from './config.js';
import { boolArg, Layer, positiveInt, type LayerArgs, type LayerExample, type Param } from './layer.js';
import { maskSourceFor, providesMask, type MaskSource } from './masking.js';
import { show } from '../format.js';

export interface RecurrentArgs extends LayerArgs {
  units: number;
  /** tfjs: features per step, for the first layer's inputShape [inputLength ?? null, inputDim]. */
  inputDim?: number;
  /** tfjs: steps per sequence (default: any). */
  inputLength?: number;
  /** SimpleRNN: tanh (default), relu, sigmoid or linear. LSTM / GRU: tanh. */
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerSpec;
  recurrentInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  kernelRegularizer?: RegularizerSpec | null;
  kernelConstraint?: ConstraintSpec | null;
  recurrentRegularizer?: RegularizerSpec | null;
  recurrentConstraint?: ConstraintSpec | null;
  biasRegularizer?: RegularizerSpec | null;
  biasConstraint?: ConstraintSpec | null;
  /** Output the hidden state of every step ([T, units]) instead of the last one ([units]). */
  returnSequences?: boolean;
  /** Keras: also output the final states. Needs several outputs: refused in a Sequential model. */
  returnState?: boolean;
  /** Process the sequence from its last step to its first (outputs stay in processing order, as Keras). */
  goBackwards?: boolean;
  stateful?: boolean;
  /** Accepted and ignored: the time loop is never unrolled. */
  unroll?: boolean;
  dropout?: number;
  recurrentDropout?: number;
}

export interface LSTMArgs extends RecurrentArgs {
  /** The gates' activation: 'sigmoid' (Keras' default) or 'hard_sigmoid' (tfjs' default, also 'hardSigmoid'). */
  recurrentActivation?: ActivationName | 'hardSigmoid';
  /** Initialise the forget gate's bias to 1 (Keras' default: true). */
  unitForgetBias?: boolean;
  /** Accepted and ignored (Keras' implementation 1 / 2 compute the same function). */
  implementation?: number;
}

export interface GRUArgs extends RecurrentArgs {
  /** The gates' activation: 'sigmoid' (Keras' default) or 'hard_sigmoid' ('hardSigmoid'). */
  recurrentActivation?: ActivationName | 'hardSigmoid';
  /** true (Keras 2+'s default): the reset gate after the recurrent product, two biases; false: before it, one (tfjs' GRU). */
  resetAfter?: boolean;
  implementation?: number;
}

/** Activation codes of the SimpleRNN step kernels (assembly/rnn.ts ACT_*; checked by test/runtime/constants.test.ts). */
export const ACT_CODE: Partial<Record<ActivationName, number>> = { linear: 0, relu: 1, sigmoid: 2, tanh: 3 };

export abstract class Recurrent extends Layer {
  static readonly anySteps = true;
  static readonly factoryOptions = ['inputDim', 'inputLength'];
  static readonly weightOptions = { kernel: 'kernel', recurrent: 'recurrent_kernel', bias: 'bias' };
  static readonly noTfjsRegularizers = "tfjs 4.22 leaves a recurrent cell's regularizers out of the loss and the gradients (Keras counts them)";
  static fromConfig(r: ConfigReader): Layer {
    const cls = this as unknown as { new (args: RecurrentArgs): Layer; readOwnConfig(r: ConfigReader): object };
    const weightOptions = r.weightOptions(this);
    r.expect('time_major', (v) => v === false, 'simdnet takes [batch, time, features] input');
    r.expect('zero_output_for_mask', (v) => v === false, 'masked steps carry the previous output in simdnet');
    r.ignore('unroll', 'implementation', 'seed'); // no effect on the function computed
    return new cls({
      ...r.common(), ...weightOptions,
      units: r.opt('units')!, activation: r.has('activation') ? r.activation() : undefined, useBias: r.opt('use_bias'),
      kernelInitializer: r.initializer('kernel_initializer'), recurrentInitializer: r.initializer('recurrent_initializer'),
      biasInitializer: r.initializer('bias_initializer'),
      returnSequences: r.opt('return_sequences'), returnState: r.opt('return_state'), goBackwards: r.opt('go_backwards'),
      stateful: r.opt('stateful'), dropout: r.opt('dropout'), recurrentDropout: r.opt('recurrent_dropout'),
      ...cls.readOwnConfig(r),
    });
  }

  /** The options of one recurrent class beyond the shared ones. */
  static readOwnConfig(_r: ConfigReader): object { return {}; }

  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  /** G, gates per unit: the kernels' pre-activations have gates · units columns. */
  protected abstract readonly gates: number;
  private readonly kernelInit: InitializerSpec;
  private readonly recurrentInit: InitializerSpec;
  protected readonly biasInit: InitializerSpec;
  protected maskSource: MaskSource | null = null;
  // offset tables (i32)
  private xRows = 0; private idD = 0; protected idU = 0; private idG = 0; protected hRows = 0; protected gRows = 0;
  protected hRed = 0; private dxRows = 0; private yIdx = 0;
  // buffers
  protected z = 0; protected hs = 0; private y = 0; private dx = 0; protected dhRun = 0;
  private lastX = 0;
  // the kernels packed once per batch (per weight version): W [D, G·U] and U [U, G·U] forward, Wᵀ and Uᵀ backward
  private packedW: PackedMatrix | null = null;
  protected packedU: PackedMatrix | null = null;
  private packedWT: PackedMatrix | null = null;
  private packedUT: PackedMatrix | null = null;
  /** The arguments it was made with (recreate() makes Bidirectional's two layers from them). */
  private readonly args: RecurrentArgs;

  constructor(args: RecurrentArgs, fn: string) {
    if (!args || typeof args !== 'object') throw new Error(`${fn}: expected an arguments object { units, ... }`);
    // tfjs' RNN arguments: inputDim (features per step) and inputLength (steps; any by default) for inputShape
    const { inputDim, inputLength } = args as { inputDim?: number; inputLength?: number };
    super(inputDim !== undefined && args.inputShape === undefined && args.batchInputShape === undefined
      ? { ...args, inputShape: [inputLength ?? null, inputDim] as number[] } : args);
    this.units = positiveInt(args.units, 'units', fn);
    this.activation = checkActivation(args.activation ?? 'tanh', fn);
    this.useBias = boolArg(args.useBias, true, 'useBias', fn);
    this.returnSequences = boolArg(args.returnSequences, false, 'returnSequences', fn);
    this.returnState = boolArg(args.returnState, false, 'returnState', fn);
    this.goBackwards = boolArg(args.goBackwards, false, 'goBackwards', fn);
    if (boolArg(args.stateful, false, 'stateful', fn)) {
      throw new Error(`${fn}: stateful: true is not supported (states are not kept between batches); use stateful: false`);
    }
    boolArg(args.unroll, false, 'unroll', fn);
    for (const key of ['dropout', 'recurrentDropout'] as const) {
      const v = args[key];
      if (v !== undefined && v !== null && v !== 0) {
        throw new Error(`${fn}: ${key} ${show(v)} is not supported (only 0); add a dropout layer before or after the recurrent layer instead`);
      }
    }
    this.kernelInit = args.kernelInitializer ?? 'glorotUniform';
    this.recurrentInit = args.recurrentInitializer ?? 'orthogonal';
    this.biasInit = args.biasInitializer ?? 'zeros';
    this.args = { ...args };
  }

  /**
   * A new layer made from this one's arguments, running forward (goBackwards as this one's) or the other way:
   * Bidirectional's forward and backward layers, made as Keras makes them from the layer's config. An input shape
   * declared on this layer is not the copy's (the wrapper takes it).
   */
  recreate(reverse: boolean): Recurrent {
    const { inputShape: _s, batchInputShape: _b, inputDim: _d, inputLength: _l, name: _n, ...rest } = this.args;
    return new (this.constructor as new (a: RecurrentArgs) => Recurrent)({ ...rest, trainable: this.trainable, goBackwards: this.goBackwards !== reverse });
  }

  build(inputShape: number[]): void {
    if (this.returnState) {
      throw new Error(`${this.label}: returnState: true gives several outputs (the output and the final states), which a ` +
        'Sequential model cannot carry; as in Keras, returnState needs the functional API, which simdnet does not have yet');
    }
    super.build(inputShape);
    const d = inputShape[1], g = this.gates * this.units;
    this.addParam('kernel', [d, g], this.kernelInit);
    this.addParam('recurrent_kernel', [this.units, g], this.recurrentInit);
    if (this.useBias) this.addParam('bias', this.biasShape(), this.biasInitializer());
    this.maskSource = maskSourceFor(inputShape);
    if (this.maskSource) {
      this.maskSource.consumers++;
      if (this.returnSequences) providesMask(this.outputShape, this.maskSource);
    }
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 2) {
      throw new Error(`${this.label}: expected input of shape [timeSteps, features], got [${inputShape.join(', ')}]` +
        (inputShape.length === 1 ? '; put an embedding before it for token ids, or give inputShape [steps, 1]' : ''));
    }
    return this.returnSequences ? [inputShape[0], this.units] : [this.units];
  }

  protected biasShape(): number[] { return [this.gates * this.units]; }
  protected biasInitializer(): InitializerSpec { return this.biasInit; }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    const k = this.rt.k;
    const [t, d] = this.inputShape;
    const u = this.units, g = this.gates * u;
    const table = (n: number, stride: number, what: string): number => {
      const p = this.buffer(n, what);
      k.strided_offsets(p, n, stride);
      return p;
    };
    this.xRows = this.buffer(maxBatch * t, 'input row offsets');
    this.idD = table(d, 1, 'feature offsets');
    this.idU = table(u, 1, 'unit offsets');
    this.idG = table(g, 1, 'gate offsets');
    this.hRows = table(maxBatch, u, 'state row offsets');
    this.z = this.buffer(t * maxBatch * g, 'gates');
    this.hs = this.buffer((t + 1) * maxBatch * u, 'hidden states');
    if (this.returnSequences) {
      this.y = this.buffer(maxBatch * t * u, 'output sequence');
      this.yIdx = this.buffer(maxBatch * t, 'output row indices');
    }
    if (training) {
      this.gRows = table(maxBatch, g, 'gate row offsets');
      this.hRed = table(t * maxBatch, u, 'state offsets over steps');
      this.dxRows = this.buffer(maxBatch * t, 'gradient row offsets');
      this.dx = this.buffer(maxBatch * t * d, 'input gradient');
      this.dhRun = this.buffer(maxBatch * u, 'state gradient');
    }
    const keep = (floats: number, what: string) => this.buffer(floats, what);
    this.packedW = new PackedMatrix(this.rt, g, d, keep, 'kernel');
    // a cell whose steps multiply part of U by something else (GRU without resetAfter) packs its own parts
    this.packedU = this.recurrentColumns() === g ? new PackedMatrix(this.rt, g, u, keep, 'recurrent kernel') : null;
    this.packedWT = training ? new PackedMatrix(this.rt, d, g, keep, 'transposed kernel') : null;
    this.packedUT = training ? new PackedMatrix(this.rt, u, g, keep, 'transposed recurrent kernel') : null;
    this.allocateCell(maxBatch, training);
  }

  /** Buffers of one cell type (LSTM cell states, GRU recurrent products). */
  protected allocateCell(_maxBatch: number, _training: boolean): void {}

  /** Packs U for the steps' recurrent products: once a batch in training, once per weight version in inference. */
  protected packRecurrent(version: number): void {
    this.packedU!.pack(this.params[1].offset, this.gates * this.units, 1, version);
  }

  forward(x: number, n: number, training: boolean): number {
    const rt = this.rt, k = rt.k;
    const [t, d] = this.inputShape;
    const u = this.units, g = this.gates * u;
    const [kernel, recurrent, bias] = this.params;
    this.lastX = x;
    // training changes the weights every step; inference packs them once per load
    const version = (p: { version: number }) => (training ? -1 : p.version);
    // z [T, B, G·U] = x (rows in processing order) · W + b
    k.seq_row_offsets(this.xRows, n, t, d, this.goBackwards ? 1 : 0, 1);
    parallelGemmPacked(rt, this.z, g, x, this.xRows, this.idD, this.packedW!.pack(kernel.offset, g, 1, version(kernel)), n * t,
      bias ? GEMM_BIAS : GEMM_SET, bias ? bias.offset : 0, `${this.name} GEMM`);
    this.packRecurrent(version(recurrent)); // for every step's recurrent product
    rt.f32(this.hs, n * u).fill(0);
    this.resetCell(n);
    const mask = this.maskSource?.maskPointer ?? 0;
    for (let s = 0; s < t; s++) {
      const step = this.goBackwards ? t - 1 - s : s;
      this.stepForward(s, n, mask ? mask + step * 4 : 0, t);
    }
    const last = this.hs + t * n * u * 4;
    if (!this.returnSequences) return last;
    // y [B, T, U]: y[b, s] = hs slot s+1, row b
    k.seq_row_offsets(this.yIdx, n, t, 1, 0, 0);
    k.gather_rows(this.y, this.hs + n * u * 4, this.yIdx, n * t, u);
    return this.y;
  }

  /** Zeroes the initial cell state (LSTM). */
  protected resetCell(_n: number): void {}

  /** One time step: the recurrent product into the step's pre-activations, then the cell kernel. */
  protected abstract stepForward(s: number, n: number, mask: number, maskRs: number): void;

  /** z += h_{s-1} · U for step s (skipped at s = 0, where h is zero). */
  protected recurrentProduct(s: number, n: number): void {
    if (s === 0) return;
    const rt = this.rt;
    const u = this.units, g = this.gates * u;
    parallelGemmPacked(rt, this.z + s * n * g * 4, g, this.hs + s * n * u * 4, this.hRows, this.idU, this.packedU!, n,
      GEMM_ACC, 0, `${this.name} GEMM`);
  }

  backward(dy: number, n: number, needDx: boolean): number {
    const rt = this.rt, k = rt.k;
    const [t, d] = this.inputShape;
    const u = this.units, g = this.gates * u;
    const [kernel, recurrent, bias] = this.params;
    const recGrad = this.recurrentGradient();
    // Uᵀ [w, U] (w = G·U, or the columns of U that recGrad holds), once for every step
    const w = this.recurrentColumns();
    const ut = this.packedUT!.pack(recurrent.offset, 1, g, -1, w);
    rt.f32(this.dhRun, n * u).fill(0);
    const mask = this.maskSource?.maskPointer ?? 0;
    for (let s = t - 1; s >= 0; s--) {
      const step = this.goBackwards ? t - 1 - s : s;
      const [dys, dyRs] = this.returnSequences ? [dy + s * u * 4, t * u] : s === t - 1 ? [dy, u] : [0, 0];
      this.stepBackward(s, n, dys, dyRs, mask ? mask + step * 4 : 0, t);
      // dL/dh_{s-1} += dRec_s [B, G·U] · Uᵀ [G·U, U]
      if (s > 0) {
        parallelGemmPacked(rt, this.dhRun, u, recGrad + s * n * g * 4, this.gRows, this.idG, ut, n, GEMM_ACC, 0, `${this.name} GEMM`);
      }
    }
    // dW [D, G·U] += xᵀ · dz over all T·B rows; dU [U, G·U] += h_prevᵀ · dRec
    parallelGemm(rt, kernel.gradOffset, g, this.lastX, this.idD, this.xRows, this.z, g, 1, d, g, n * t, GEMM_ACC, 0, `${this.name} GEMM`);
    parallelGemm(rt, recurrent.gradOffset, g, this.hs, this.idU, this.hRed, recGrad, g, 1, u, w, n * t, GEMM_ACC, 0, `${this.name} GEMM`);
    if (bias) this.biasBackward(bias, n * t);
    if (!needDx) return 0;
    // dx [B, T, D] = dz · Wᵀ, rows gathered back to batch-major input order
    k.seq_row_offsets(this.dxRows, n, t, g, this.goBackwards ? 1 : 0, 0);
    parallelGemmPacked(rt, this.dx, d, this.z, this.dxRows, this.idG, this.packedWT!.pack(kernel.offset, 1, g), n * t, GEMM_SET, 0,
      `${this.name} GEMM`);
    return this.dx;
  }

  /** Step s of backpropagation through time (cell kernel): dy is the step's output gradient or 0. */
  protected abstract stepBackward(s: number, n: number, dy: number, dyRs: number, mask: number, maskRs: number): void;

  /** The buffer holding dL/d(h_{s-1}·U) per step after stepBackward: z itself unless the cell keeps it apart. */
  protected recurrentGradient(): number { return this.z; }

  /**
   * The columns of U multiplied by h_{s-1} itself, first in U (all G·U; GRU without resetAfter: the z and r ones,
   * its candidate's being multiplied by r ⊙ h_{s-1}): the base packs U whole for the steps only if they are all of U,
   * and backpropagates recurrentGradient's first that many columns through them.
   */
  protected recurrentColumns(): number { return this.gates * this.units; }

  protected biasBackward(bias: Param, rows: number): void {
    biasBackward(this.rt, bias.gradOffset, this.z, rows, this.gates * this.units, `${this.name} bias gradient`);
  }

  /** Pointers into hs: slot s (state before step s) and slot s+1 (after). */
  protected states(s: number, n: number): [number, number] {
    const slot = n * this.units * 4;
    return [this.hs + s * slot, this.hs + (s + 1) * slot];
  }

  protected gatesAt(s: number, n: number): number { return this.z + s * n * this.gates * this.units * 4; }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units, activation: this.activation, use_bias: this.useBias,
      kernel_initializer: this.params[0]?.init.config() ?? null,
      recurrent_initializer: this.params[1]?.init.config() ?? null,
      bias_initializer: this.params[2]?.init.config() ?? null,
      activity_regularizer: null,
      dropout: 0, recurrent_dropout: 0,
      return_sequences: this.returnSequences, return_state: this.returnState, go_backwards: this.goBackwards,
      stateful: false, unroll: false,
    };
  }
}

/** The gates' activation (sigmoid or hard_sigmoid); the cell's must be tanh. */
function checkGateActivations(args: LSTMArgs | GRUArgs, fn: string): 'sigmoid' | 'hard_sigmoid' {
  if (checkActivation(args.activation ?? 'tanh', fn) !== 'tanh') {
    throw new Error(`${fn}: activation must be 'tanh' (the only one simdnet's ${fn} implements), got ${show(args.activation)}`);
  }
  const ra = checkActivation(args.recurrentActivation ?? 'sigmoid', `${fn}: recurrentActivation`);
  if (ra !== 'sigmoid' && ra !== 'hard_sigmoid') {
    throw new Error(`${fn}: recurrentActivation must be 'sigmoid' (Keras' default) or 'hard_sigmoid' (tfjs' default), got ${show(args.recurrentActivation)}`);
  }
  return ra;
}

// ---- SimpleRNN: h = act(x·W + h_{t-1}·U + b) ----------------------------------------------------------------

export class SimpleRNN extends Recurrent {
  static readonly className = 'SimpleRNN';
  static readonly examples: readonly LayerExample[] = [
    { args: { units: 4 }, inputShape: [5, 3], params: 32 },
    { args: { units: 3, returnSequences: true, activation: 'relu' }, inputShape: [4, 2], params: 18 },
    { args: { units: 2, goBackwards: true, activation: 'sigmoid', useBias: false }, inputShape: [3, 3], params: 10 },
  ];
  protected readonly gates = 1;

  constructor(args: RecurrentArgs) {
    super(args, 'simpleRNN');
    if (ACT_CODE[this.activation] === undefined) {
      throw new Error(`simpleRNN: activation '${this.activation}' is not supported in a recurrent layer; valid: ${Object.keys(ACT_CODE).join(', ')}`);
    }
  }

  protected stepForward(s: number, n: number, mask: number, maskRs: number): void {
    this.recurrentProduct(s, n);
    const [prev, next] = this.states(s, n);
    this.rt.k.simple_rnn_step_forward(next, this.gatesAt(s, n), prev, mask, maskRs, n, this.units, ACT_CODE[this.activation]!);
  }

  protected stepBackward(s: number, n: number, dy: number, dyRs: number, mask: number, maskRs: number): void {
    const [, next] = this.states(s, n);
    this.rt.k.simple_rnn_step_backward(this.gatesAt(s, n), this.dhRun, dy, dyRs, next, mask, maskRs, n, this.units,
      ACT_CODE[this.activation]!);
  }
}

// ---- LSTM: gates i, f, c, o -----------------------------------------------------------------------------------

export class LSTM extends Recurrent {
  static readonly className = 'LSTM';
  static readonly examples: readonly LayerExample[] = [
    { args: { units: 3 }, inputShape: [4, 2], params: 72, fdTolerance: 2e-2 },
    { args: { units: 2, returnSequences: true, goBackwards: true }, inputShape: [3, 3], params: 48, fdTolerance: 2e-2 },
  ];

  static readOwnConfig(r: ConfigReader): object {
    return { recurrentActivation: r.has('recurrent_activation') ? r.activation('recurrent_activation') : undefined,
      unitForgetBias: r.opt('unit_forget_bias') };
  }
  protected readonly gates = 4;
  readonly unitForgetBias: boolean;
  /** The gates' activation. */
  readonly recurrentActivation: 'sigmoid' | 'hard_sigmoid';
  private cs = 0; private dcRun = 0;

  constructor(args: LSTMArgs) {
    super(args, 'lstm');
    this.recurrentActivation = checkGateActivations(args, 'lstm');
    this.unitForgetBias = boolArg(args.unitForgetBias, true, 'unitForgetBias', 'lstm');
  }

  /** With unitForgetBias the forget gate's quarter of the bias starts at 1 (the rest from biasInitializer). */
  protected biasInitializer(): InitializerSpec {
    if (!this.unitForgetBias) return this.biasInit;
    const base = getInitializer(this.biasInit, `${this.label}: biasInitializer`);
    const u = this.units;
    const init: Initializer = {
      name: base.name,
      config: () => base.config(),
      fill: (out, shape, rng) => { base.fill(out, shape, rng); out.fill(1, u, 2 * u); },
    };
    return init;
  }

  protected allocateCell(maxBatch: number, training: boolean): void {
    const t = this.inputShape[0];
    this.cs = this.buffer((t + 1) * maxBatch * this.units, 'cell states');
    this.dcRun = training ? this.buffer(maxBatch * this.units, 'cell state gradient') : 0;
  }

  protected resetCell(n: number): void { this.rt.f32(this.cs, n * this.units).fill(0); }

  private cells(s: number, n: number): [number, number] {
    const slot = n * this.units * 4;
    return [this.cs + s * slot, this.cs + (s + 1) * slot];
  }

  protected stepForward(s: number, n: number, mask: number, maskRs: number): void {
    this.recurrentProduct(s, n);
    const [hPrev, h] = this.states(s, n);
    const [cPrev, c] = this.cells(s, n);
    this.rt.k.lstm_step_forward(h, c, this.gatesAt(s, n), hPrev, cPrev, mask, maskRs, n, this.units, +(this.recurrentActivation === 'hard_sigmoid'));
  }

  protected stepBackward(s: number, n: number, dy: number, dyRs: number, mask: number, maskRs: number): void {
    if (s === this.inputShape[0] - 1) this.rt.f32(this.dcRun, n * this.units).fill(0);
    const [cPrev, c] = this.cells(s, n);
    const gates = this.gatesAt(s, n);
    this.rt.k.lstm_step_backward(gates, this.dhRun, this.dcRun, dy, dyRs, gates, c, cPrev, mask, maskRs, n, this.units, +(this.recurrentActivation === 'hard_sigmoid'));
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), recurrent_activation: this.recurrentActivation, unit_forget_bias: this.unitForgetBias, implementation: 2 };
  }
}

// ---- GRU (reset_after): gates z, r, h; bias [2, 3U] = input bias, recurrent bias --------------------------------

export class GRU extends Recurrent {
  static readonly className = 'GRU';
  static readonly examples: readonly LayerExample[] = [
    { args: { units: 3 }, inputShape: [4, 2], params: 63, fdTolerance: 2e-2, noTfjs: "tfjs' GRU has only resetAfter: false" },
    { args: { units: 2, returnSequences: true }, inputShape: [3, 3], params: 42, fdTolerance: 2e-2, noTfjs: "tfjs' GRU has only resetAfter: false" },
    { args: { units: 3, resetAfter: false }, inputShape: [4, 2], params: 54, fdTolerance: 2e-2 },
    { args: { units: 2, resetAfter: false, returnSequences: true, goBackwards: true }, inputShape: [3, 3], params: 36, fdTolerance: 2e-2 },
  ];

  static readOwnConfig(r: ConfigReader): object {
    // a config without reset_after comes from a writer older than it (tfjs before 2.0, Keras before 2.1.3), which
    // computed the reset gate before the product: false there (the JS default, like Keras 2.3+'s, stays true)
    return { recurrentActivation: r.has('recurrent_activation') ? r.activation('recurrent_activation') : undefined,
      resetAfter: r.has('reset_after') ? r.opt('reset_after') : false };
  }
  protected readonly gates = 3;
  /**
   * true (Keras 2+'s default): r gates the recurrent product, hh = tanh(xh + r ⊙ (h·U_h + b_rh)), two biases;
   * false (Keras 1's, tfjs' only GRU): r gates the state before it, hh = tanh(xh + (r ⊙ h)·U_h), one bias.
   */
  readonly resetAfter: boolean;
  /** The gates' activation. */
  readonly recurrentActivation: 'sigmoid' | 'hard_sigmoid';
  private rec = 0;
  // resetAfter false: r ⊙ h_{s-1} per step [T, B, U], dL/d(r ⊙ h_{s-1}) [B, U], U's z-r columns and h columns packed
  private rh = 0; private drh = 0;
  private packedUzr: PackedMatrix | null = null;
  private packedUh: PackedMatrix | null = null;
  private packedUhT: PackedMatrix | null = null;

  constructor(args: GRUArgs) {
    super(args, 'gru');
    this.recurrentActivation = checkGateActivations(args, 'gru');
    this.resetAfter = boolArg(args.resetAfter, true, 'resetAfter', 'gru');
  }

  private get hard(): number { return +(this.recurrentActivation === 'hard_sigmoid'); }

  protected biasShape(): number[] { return this.resetAfter ? [2, 3 * this.units] : [3 * this.units]; }

  protected allocateCell(maxBatch: number, training: boolean): void {
    const t = this.inputShape[0], u = this.units;
    this.rec = this.buffer(t * maxBatch * 3 * u, 'recurrent products');
    if (this.resetAfter) return;
    this.rh = this.buffer(t * maxBatch * u, 'reset states');
    const keep = (floats: number, what: string) => this.buffer(floats, what);
    this.packedUzr = new PackedMatrix(this.rt, 2 * u, u, keep, 'recurrent kernel, z and r');
    this.packedUh = new PackedMatrix(this.rt, u, u, keep, 'recurrent kernel, candidate');
    this.drh = training ? this.buffer(maxBatch * u, 'reset state gradient') : 0;
    this.packedUhT = training ? new PackedMatrix(this.rt, u, u, keep, 'transposed recurrent kernel, candidate') : null;
  }

  /** Without resetAfter: U's z-r columns and its candidate's columns, apart. */
  protected packRecurrent(version: number): void {
    if (this.resetAfter) { super.packRecurrent(version); return; }
    const u = this.units, g = 3 * u, offset = this.params[1].offset;
    this.packedUzr!.pack(offset, g, 1, version);
    this.packedUh!.pack(offset + 2 * u * 4, g, 1, version);
  }

  /** rec [T, B, 3U]: the recurrent products per step (kept: the candidate needs them, backward too). */
  protected stepForward(s: number, n: number, mask: number, maskRs: number): void {
    const rt = this.rt;
    const u = this.units, g = 3 * u;
    const [hPrev, h] = this.states(s, n);
    const rec = this.rec + s * n * g * 4, gates = this.gatesAt(s, n);
    const bias = this.params[2];
    if (this.resetAfter) {
      // h_{s-1}·U + recurrent bias, all three thirds
      parallelGemmPacked(rt, rec, g, hPrev, this.hRows, this.idU, this.packedU!, n,
        bias ? GEMM_BIAS : GEMM_SET, bias ? bias.offset + g * 4 : 0, `${this.name} GEMM`);
      rt.k.gru_step_forward(h, gates, rec, hPrev, mask, maskRs, n, u, this.hard);
      return;
    }
    // z and r from h_{s-1}·U_zr, then the candidate from (r ⊙ h_{s-1})·U_h
    const rh = this.rh + s * n * u * 4;
    parallelGemmPacked(rt, rec, g, hPrev, this.hRows, this.idU, this.packedUzr!, n, GEMM_SET, 0, `${this.name} GEMM`);
    rt.k.gru1_step_gates(gates, rec, rh, hPrev, n, u, this.hard);
    parallelGemmPacked(rt, rec + 2 * u * 4, g, rh, this.hRows, this.idU, this.packedUh!, n, GEMM_SET, 0, `${this.name} GEMM`);
    rt.k.gru1_step_forward(h, gates, rec, hPrev, mask, maskRs, n, u);
  }

  protected stepBackward(s: number, n: number, dy: number, dyRs: number, mask: number, maskRs: number): void {
    const rt = this.rt;
    const u = this.units, g = 3 * u;
    const [hPrev] = this.states(s, n);
    const gates = this.gatesAt(s, n), rec = this.rec + s * n * g * 4;
    if (this.resetAfter) {
      rt.k.gru_step_backward(gates, rec, this.dhRun, dy, dyRs, gates, rec, hPrev, mask, maskRs, n, u, this.hard);
      return;
    }
    if (s === this.inputShape[0] - 1) this.packedUhT!.pack(this.params[1].offset + 2 * u * 4, 1, g); // U_hᵀ, once a batch
    rt.k.gru1_step_backward_candidate(gates, rec, this.dhRun, dy, dyRs, gates, hPrev, mask, maskRs, n, u, this.hard);
    // dL/d(r ⊙ h_{s-1}) [B, U] = dah [B, U] (gates' last third) · U_hᵀ
    parallelGemmPacked(rt, this.drh, u, gates + 2 * u * 4, this.gRows, this.idU, this.packedUhT!, n, GEMM_SET, 0, `${this.name} GEMM`);
    rt.k.gru1_step_backward_reset(gates, rec, this.dhRun, this.drh, gates, hPrev, mask, maskRs, n, u, this.hard);
  }

  backward(dy: number, n: number, needDx: boolean): number {
    const dx = super.backward(dy, n, needDx);
    if (!this.resetAfter) {
      // dU_h [U, U] (U's last third of columns, which the base leaves: recurrentColumns) += Σ over steps (r ⊙ h_{s-1})ᵀ · dah
      const u = this.units, g = 3 * u, t = this.inputShape[0];
      parallelGemm(this.rt, this.params[1].gradOffset + 2 * u * 4, g, this.rh, this.idU, this.hRed, this.z + 2 * u * 4, g, 1,
        u, u, n * t, GEMM_ACC, 0, `${this.name} GEMM`);
    }
    return dx;
  }

  protected recurrentGradient(): number { return this.rec; }

  protected recurrentColumns(): number { return (this.resetAfter ? 3 : 2) * this.units; }

  protected biasBackward(bias: Param, rows: number): void {
    if (!this.resetAfter) { super.biasBackward(bias, rows); return; }
    const g = 3 * this.units;
    biasBackward(this.rt, bias.gradOffset, this.z, rows, g, `${this.name} input bias gradient`);
    biasBackward(this.rt, bias.gradOffset + g * 4, this.rec, rows, g, `${this.name} recurrent bias gradient`);
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), recurrent_activation: this.recurrentActivation, reset_after: this.resetAfter, implementation: 2 };
  }
}
