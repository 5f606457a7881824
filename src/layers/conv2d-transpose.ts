// Conv2DTranspose (NHWC, kernel [KH, KW, filters, Cin] as in Keras): the adjoint of a Conv2D whose input has
// this layer's output shape — Keras' conv_transpose is TensorFlow's conv2d_backprop_input. So its passes are
// Conv2D's with the roles swapped, each one implicit-im2col GEMM (assembly/conv.ts):
//   forward          Y = Conv2D's backward-data of X: X dilated by the strides and padded, a valid stride-1
//                    correlation with the flipped kernel
//   backward-data    dX = Conv2D's forward of dY: a strided correlation of the padded dY with the kernel
//   backward-filter  dW[(kh,kw,f), ci] += Σ_windows dYp[window + tap] · X[window, ci]
// Output size as Keras' (output_padding None): valid H·s + max(k − s, 0), same H·s.
import { show } from '../format.js';
import { GEMM_ACC, GEMM_BIAS, GEMM_RELU, GEMM_SET } from '../runtime/wasm.js';
import { PackedMatrix, parallelGemm, parallelGemmPacked } from '../threads/index.js';
import { activationBiasBackward, activationForward, preActivationBuffer } from './activations.js';
import type { ConfigReader } from './config.js';
import { Conv2D, type Conv2DArgs } from './conv2d.js';
import { convAxis, type Layer, type LayerExample } from './layer.js';

export interface Conv2DTransposeArgs extends Conv2DArgs {
  /** Only null / undefined (Keras' None): the output size follows from the input, kernel, strides and padding. */
  outputPadding?: null;
}

export class Conv2DTranspose extends Conv2D {
  static readonly className: string = 'Conv2DTranspose';
  static readonly examples: readonly LayerExample[] = [
    { args: { filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }, inputShape: [4, 5, 2], params: 57 },
    { args: { filters: 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'mish' }, inputShape: [3, 4, 2], params: 38 },
    { args: { filters: 2, kernelSize: [2, 3], strides: [2, 1], activation: 'tanh' }, inputShape: [3, 4, 3], params: 38 },
    { args: { filters: 4, kernelSize: 2, strides: 3, useBias: false }, inputShape: [3, 3, 2], params: 32 },
    { args: { filters: 2, kernelSize: 4, strides: 2, padding: 'same', activation: 'sigmoid' }, inputShape: [3, 2, 3], params: 98 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    r.expect('output_padding', (v) => v === null || v === undefined, 'simdnet has no output padding; output_padding must be null');
    return super.fromConfig(r);
  }

  // geometry of the Conv2D this layer is the adjoint of (its input: this layer's output), set by allocation
  private padTopT = 0; private padLeftT = 0; private hpT = 0; private wpT = 0;
  // buffers
  private xd = 0; private windowsT = 0; private tapsT = 0; private yT = 0; private zT = 0; private flippedT = 0;
  private dyPadded = 0; private dWindowsT = 0; private dTapsT = 0; private dxT = 0; private lastInput = 0;
  // the flipped kernel (forward GEMM) and the kernel (backward-data GEMM), packed once per weight version
  private packedForward: PackedMatrix | null = null;
  private packedBackward: PackedMatrix | null = null;

  constructor(args: Conv2DTransposeArgs) {
    if (args && typeof args === 'object' && args.outputPadding !== undefined && args.outputPadding !== null) {
      throw new Error(`conv2dTranspose: outputPadding ${show(args.outputPadding)} is not supported (simdnet has no output padding; leave it out)`);
    }
    super(args, 'conv2dTranspose');
  }

  protected kernelShape(cin: number): number[] { return [...this.kernelSize, this.filters, cin]; }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 3) {
      throw new Error(`${this.label}: expected input of shape [height, width, channels], got [${inputShape.join(', ')}]`);
    }
    const [h, w] = inputShape;
    const out = (size: number, k: number, s: number) => (this.padding === 'same' ? size * s : size * s + Math.max(k - s, 0));
    return [out(h, this.kernelSize[0], this.strides[0]), out(w, this.kernelSize[1], this.strides[1]), this.filters];
  }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    const [h, w, cin] = this.inputShape;
    const [ho, wo, f] = this.outputShape;
    const [kh, kw] = this.kernelSize;
    const ah = convAxis(ho, kh, this.strides[0], this.padding), aw = convAxis(wo, kw, this.strides[1], this.padding);
    this.padTopT = ah.padBefore; this.padLeftT = aw.padBefore;
    this.hpT = ho + ah.padTotal; this.wpT = wo + aw.padTotal;
    const keep = (floats: number, what: string) => this.buffer(floats, what);
    // forward: Y = valid correlation of Xd [B, Ho+KH-1, Wo+KW-1, Cin] with the flipped kernel [KH, KW, Cin, F]
    const hd = ho + kh - 1, wd = wo + kw - 1;
    this.xd = this.buffer(maxBatch * hd * wd * cin, 'dilated input');
    ({ windows: this.windowsT, taps: this.tapsT } = this.convTables(maxBatch, ho, wo, hd, wd, cin, 1, 1, ''));
    this.flippedT = this.buffer(kh * kw * cin * f, 'flipped kernel');
    this.yT = this.buffer(maxBatch * ho * wo * f, 'output');
    // the product before the activation [B, ho, wo, F]: yT itself unless the activation's backward needs it
    this.zT = preActivationBuffer(this.activation, this.yT, maxBatch * ho * wo * f, training, keep);
    this.packedForward = new PackedMatrix(this.rt, f, kh * kw * cin, keep, 'flipped kernel');
    this.packedBackward = null;
    this.dyPadded = 0;
    if (training) {
      // backward: the strided correlation of dYp [B, Hp, Wp, F] with the kernel, windows at X's positions
      const padded = this.hpT !== ho || this.wpT !== wo;
      this.dyPadded = padded ? this.buffer(maxBatch * this.hpT * this.wpT * f, 'padded output gradient') : 0;
      ({ windows: this.dWindowsT, taps: this.dTapsT } = this.convTables(maxBatch, h, w, this.hpT, this.wpT, f, this.strides[0], this.strides[1], 'backward '));
      this.dxT = this.buffer(maxBatch * h * w * cin, 'input gradient');
      this.packedBackward = new PackedMatrix(this.rt, cin, kh * kw * f, keep, 'kernel');
    }
  }

  forward(x: number, n: number, training: boolean): number {
    const rt = this.rt;
    const [h, w, cin] = this.inputShape;
    const [ho, wo, f] = this.outputShape;
    const [kh, kw] = this.kernelSize;
    const [kernel, bias] = this.params;
    this.lastInput = x;
    rt.k.spread_nhwc(this.xd, x, n, h, w, cin, ho + kh - 1, wo + kw - 1, kh - 1 - this.padTopT, kw - 1 - this.padLeftT,
      this.strides[0], this.strides[1]);
    // the flipped kernel, packed: once per weight version (training changes it every step, inference once per load)
    const packed = this.packedForward!;
    if (training || packed.version !== kernel.version) {
      this.flip(this.flippedT, kernel.offset, f, cin);
      packed.pack(this.flippedT, f, 1, training ? -1 : kernel.version);
    }
    const m = n * ho * wo;
    const relu = this.activation === 'relu' ? GEMM_RELU : 0;
    parallelGemmPacked(rt, this.zT, f, this.xd, this.windowsT, this.tapsT, packed, m, (bias ? GEMM_BIAS : GEMM_SET) | relu,
      bias ? bias.offset : 0, `${this.name} forward GEMM`);
    if (!relu) activationForward(rt, this.activation, this.yT, this.zT, m, f);
    return this.yT;
  }

  backward(dy: number, n: number, needDx: boolean, skipActivation: boolean): number {
    const rt = this.rt;
    const [h, w, cin] = this.inputShape;
    const [ho, wo, f] = this.outputShape;
    const [kh, kw] = this.kernelSize;
    const [kernel, bias] = this.params;
    const m = n * ho * wo;
    activationBiasBackward(rt, this.activation, dy, this.yT, this.zT, bias ? bias.gradOffset : 0, m, f, skipActivation, this.name);
    let dyp = dy;
    if (this.dyPadded) {
      rt.k.spread_nhwc(this.dyPadded, dy, n, ho, wo, f, this.hpT, this.wpT, this.padTopT, this.padLeftT, 1, 1);
      dyp = this.dyPadded;
    }
    // dW[(kh,kw,f), ci] += Σ_windows dYp[window + tap] · X[window, ci]
    parallelGemm(rt, kernel.gradOffset, cin, dyp, this.dTapsT, this.dWindowsT, this.lastInput, cin, 1,
      kh * kw * f, cin, n * h * w, GEMM_ACC, 0, `${this.name} weight-gradient GEMM`);
    if (!needDx) return 0;
    // dX[window, ci] = Σ_taps dYp[window + tap] · W[tap, ci]: the kernel as stored is that [KH·KW·F, Cin] matrix
    parallelGemmPacked(rt, this.dxT, cin, dyp, this.dWindowsT, this.dTapsT, this.packedBackward!.pack(kernel.offset, cin, 1),
      n * h * w, GEMM_SET, 0, `${this.name} input-gradient GEMM`);
    return this.dxT;
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), output_padding: null };
  }
}
