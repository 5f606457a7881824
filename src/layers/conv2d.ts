// Conv2D (NHWC, kernel [KH, KW, Cin, Cout]). Every pass is one implicit-im2col GEMM (see assembly/conv.ts):
// forward, backward-data (a stride-1 conv of the dilated, padded dY with the flipped kernel) and
// backward-filter (taps x windows). A 3×3 stride-1 layer may run its forward and backward-data with Winograd's
// F(m×m, 3×3) instead (backward-data as the same correlation, or as the forward transposed where that has fewer
// tiles), and its backward-filter with F(m×m, 3×3) transposed, chosen per pass at allocation — and, for inference
// calls of few images, per call size (see winograd.ts).
import { GEMM_ACC, GEMM_BIAS, GEMM_RELU, GEMM_SET } from '../runtime/wasm.js';
import { PackedMatrix, parallelFor, parallelGemm, parallelGemmPacked } from '../threads/index.js';
import { activationBiasBackward, activationForward, checkActivation, preActivationBuffer, type ActivationName } from './activations.js';
import { checkNoDilation, type ConfigReader } from './config.js';
import type { InitializerSpec } from './initializers.js';
import type { RegularizerSpec } from './regularizers.js';
import type { ConstraintSpec } from './constraints.js';
import { boolArg, channelsLast, checkPadding, windowGeometry, Layer, pair, positiveInt, type LayerArgs, type LayerExample, type Padding } from './layer.js';
import { choosePass, gradModelCost, type ConvAlgorithm, modelCost, transposedBackwardData, transposedGeometry, WinogradGradPass, WinogradPass, WinogradTransposedPass, type ConvGeometry,
  type PassChoice } from './winograd.js';

/** What every 2-D convolution layer takes (Conv2D, DepthwiseConv2D, SeparableConv2D): its window, bias and activation. */
export interface ConvWindowArgs extends LayerArgs {
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
  activation?: ActivationName;
  useBias?: boolean;
  biasInitializer?: InitializerSpec;
  biasRegularizer?: RegularizerSpec | null;
  biasConstraint?: ConstraintSpec | null;
  dataFormat?: 'channelsLast';
  /** Only 1 (no dilation). */
  dilationRate?: number | [number, number];
}

export interface Conv2DArgs extends ConvWindowArgs {
  filters: number;
  kernelInitializer?: InitializerSpec;
  kernelRegularizer?: RegularizerSpec | null;
  kernelConstraint?: ConstraintSpec | null;
}

export class Conv2D extends Layer {
  static readonly className: string = 'Conv2D';
  static readonly weightOptions = { kernel: 'kernel', bias: 'bias' };
  static readonly examples: readonly LayerExample[] = [
    { args: { filters: 4, kernelSize: 3, activation: 'relu' }, inputShape: [7, 6, 3], params: 112 },
    { args: { filters: 5, kernelSize: [2, 3], strides: 2, padding: 'same', activation: 'tanh' }, inputShape: [7, 8, 2], params: 65 },
    { args: { filters: 3, kernelSize: 3, padding: 'same', activation: 'mish' }, inputShape: [5, 4, 2], params: 57 },
    { args: { filters: 3, kernelSize: 2, useBias: false, strides: [1, 2] }, inputShape: [5, 6, 4], params: 48 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    r.channelsLast();
    r.noDilation();
    r.expect('groups', (v) => v === 1, 'simdnet has no grouped convolutions; groups must be 1');
    const weightOptions = r.weightOptions(this);
    return new this({
      ...r.common(), ...weightOptions,
      filters: r.opt('filters')!, kernelSize: r.opt('kernel_size')!, strides: r.opt('strides'), padding: r.padding(),
      activation: r.activation(), useBias: r.opt('use_bias'),
      kernelInitializer: r.initializer('kernel_initializer'), biasInitializer: r.initializer('bias_initializer'),
    });
  }

  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  private readonly kernelInit: InitializerSpec;
  private readonly biasInit: InitializerSpec;
  // geometry, set by build
  private hp = 0; private wp = 0; private padTop = 0; private padLeft = 0;
  // buffers
  private xPadded = 0; private windows = 0; private taps = 0; private y = 0; private z = 0;
  private flipped = 0; private dyd = 0; private dWindows = 0; private dTaps = 0; private dx = 0;
  private lastX = 0;
  // the kernel (GEMM forward) and the flipped kernel (GEMM backward-data), packed once per weight version
  private packedKernel: PackedMatrix | null = null;
  private packedFlipped: PackedMatrix | null = null;
  // Winograd passes (null: GEMM) and what each pass chose
  private wForward: WinogradPass | null = null;
  private wBackward: WinogradPass | null = null;
  /**
   * The weight gradient's algorithm for a call of n images — under auto the cost model's pick for n (its cost has a
   * per-call term), else the plan's, forced or timed — and the pass made per call size (null: GEMM).
   */
  private gradPick: { algorithm: (n: number) => ConvAlgorithm; passes: Map<number, WinogradGradPass | null> } | null = null;
  /** Inference calls of at most upTo images that run another forward algorithm than wForward (null: GEMM). */
  private smallForward: { upTo: number; pass: WinogradPass | null }[] = [];
  /** Whether the Winograd backward-data runs as the forward transposed (else: as the correlation, or GEMM). */
  get transposedBackwardData(): boolean { return this.wBackward instanceof WinogradTransposedPass; }
  /** The algorithm of each pass and the timings it was chosen by (set by allocation). */
  convChoice: { forward: PassChoice; backwardData: PassChoice | null; filterGradient: PassChoice | null } | null = null;

  constructor(args: Conv2DArgs, fn = 'conv2d') {
    if (!args || typeof args !== 'object') throw new Error(`${fn}: expected an arguments object { filters, kernelSize, ... }`);
    super(args);
    this.filters = positiveInt(args.filters, 'filters', fn);
    this.kernelSize = pair(args.kernelSize, 'kernelSize', fn);
    this.strides = pair(args.strides ?? 1, 'strides', fn);
    this.padding = checkPadding(args.padding, fn);
    this.activation = checkActivation(args.activation, fn);
    this.useBias = boolArg(args.useBias, true, 'useBias', fn);
    this.kernelInit = args.kernelInitializer ?? 'glorotUniform';
    this.biasInit = args.biasInitializer ?? 'zeros';
    channelsLast(args.dataFormat, fn);
    checkNoDilation(args.dilationRate, fn);
  }

  get outputActivation(): ActivationName { return this.activation; }

  /** A sample's shape as an image [h, w, c] (Conv1D sees [steps, c] as [1, steps, c]). */
  protected image(shape: number[]): number[] { return shape; }

  /** The kernel's shape in Keras (Conv1D drops the height of 1). */
  protected kernelShape(cin: number): number[] { return [...this.kernelSize, cin, this.filters]; }

  build(inputShape: number[]): void {
    super.build(inputShape);
    const [h, w] = this.image(inputShape);
    ({ padTop: this.padTop, padLeft: this.padLeft, hp: this.hp, wp: this.wp } = windowGeometry(h, w, this.kernelSize, this.strides, this.padding, this.label));
    const cin = inputShape[inputShape.length - 1];
    this.addParam('kernel', this.kernelShape(cin), this.kernelInit);
    if (this.useBias) this.addParam('bias', [this.filters], this.biasInit);
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 3) {
      throw new Error(`${this.label}: expected input of shape [height, width, channels], got [${inputShape.join(', ')}]`);
    }
    return this.outputImage(inputShape);
  }

  /** Output [ho, wo, filters] of an input image [h, w, c]. */
  protected outputImage(inputShape: number[]): number[] {
    const { ho, wo } = windowGeometry(inputShape[0], inputShape[1], this.kernelSize, this.strides, this.padding, this.label);
    return [ho, wo, this.filters];
  }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    const [h, w, cin] = this.image(this.inputShape);
    const [ho, wo, cout] = this.image(this.outputShape);
    const [kh, kw] = this.kernelSize;
    const padded = this.hp !== h || this.wp !== w;
    this.xPadded = padded ? this.buffer(maxBatch * this.hp * this.wp * cin, 'padded input') : 0;
    ({ windows: this.windows, taps: this.taps } = this.convTables(maxBatch, ho, wo, this.hp, this.wp, cin, this.strides[0], this.strides[1], ''));
    this.y = this.buffer(maxBatch * ho * wo * cout, 'output');
    // the convolution before the activation [B, ho, wo, cout]: y itself unless the activation's backward needs it
    this.z = preActivationBuffer(this.activation, this.y, maxBatch * ho * wo * cout, training, (floats, what) => this.buffer(floats, what));
    this.dyd = 0;
    if (training) {
      // backward-data, on either path: the flipped (GEMM) or channel-swapped (Winograd) kernel and the input gradient
      this.flipped = this.buffer(kh * kw * cout * cin, 'flipped kernel');
      this.dx = this.buffer(maxBatch * h * w * cin, 'input gradient');
    }
    this.chooseAlgorithms(maxBatch, training);
    const keep = (floats: number, what: string) => this.buffer(floats, what);
    // the GEMM forward runs for other geometries, for a GEMM pick, and for small calls that pick GEMM
    const gemmForward = !this.convChoice || this.convChoice.forward.algorithm === 'gemm' || this.smallForward.some((s) => s.pass === null);
    this.packedKernel = gemmForward ? new PackedMatrix(this.rt, cout, kh * kw * cin, keep, 'kernel') : null;
    this.packedFlipped = null;
    if (training && !this.wBackward) {
      this.allocateGemmBackward(maxBatch);
      this.packedFlipped = new PackedMatrix(this.rt, cin, kh * kw * cout, keep, 'flipped kernel');
    }
  }

  /** The GEMM backward-data pass's own buffers (once; only when that pass runs or is timed). */
  private allocateGemmBackward(maxBatch: number): void {
    if (this.dyd) return;
    const [h, w] = this.image(this.inputShape);
    const [, , cout] = this.image(this.outputShape);
    const [kh, kw] = this.kernelSize;
    // backward-data: dX = valid conv of dYd [B, H+KH-1, W+KW-1, Cout] with the flipped kernel
    const hd = h + kh - 1, wd = w + kw - 1;
    this.dyd = this.buffer(maxBatch * hd * wd * cout, 'dilated output gradient');
    ({ windows: this.dWindows, taps: this.dTaps } = this.convTables(maxBatch, h, w, hd, wd, cout, 1, 1, 'backward '));
  }

  /**
   * Forward and backward-data as stride-1 correlations, and the forward's geometry as the weight gradient reads
   * it (the padded input training keeps): their geometries (null: not a 3×3 stride-1 conv). A transposed
   * Winograd backward-data runs on transposedGeometry(forward).
   */
  private winogradGeometry(): { forward: ConvGeometry; backwardData: ConvGeometry; filterGradient: ConvGeometry } | null {
    if (this.kernelSize.join() !== '3,3' || this.strides.join() !== '1,1') return null;
    const [h, w, cin] = this.image(this.inputShape);
    const [ho, wo, cout] = this.image(this.outputShape);
    return {
      forward: { h, w, cin, ho, wo, cout, padTop: this.padTop, padLeft: this.padLeft },
      backwardData: { h: ho, w: wo, cin: cout, ho: h, wo: w, cout: cin, padTop: 2 - this.padTop, padLeft: 2 - this.padLeft },
      filterGradient: { h: this.hp, w: this.wp, cin, ho, wo, cout, padTop: 0, padLeft: 0 },
    };
  }

  /**
   * Picks GEMM or Winograd for the forward (and, training, the backward-data and weight-gradient) pass — by the cost model, or
   * (SIMDNET_CONV=measure) by timing both on up to maxBatch images (about 40 MFLOP), once per geometry —
   * and allocates the Winograd buffers of the winners.
   */
  private chooseAlgorithms(maxBatch: number, training: boolean): void {
    this.wForward = this.wBackward = null;
    this.gradPick = null;
    this.smallForward = [];
    const geo = this.winogradGeometry();
    const rt = this.rt, k = rt.k;
    const [kernel] = this.params;
    const [, , cin] = this.image(this.inputShape);
    const [ho, wo, cout] = this.image(this.outputShape);
    const images = Math.max(1, Math.min(maxBatch, Math.ceil(4e7 / (2 * 9 * cin * cout * ho * wo))));
    if (!geo) { this.convChoice = null; return; }
    const temp: number[] = [];
    const scratch = (floats: number, what: string): number => {
      const off = rt.arena.alloc(floats * 4, `${this.label} ${what} (timing)`);
      rt.f32(off, floats).fill(0.5);
      temp.push(off);
      return off;
    };
    // timing data is made only if a setting times the candidates (the default, auto, does not)
    const once = (floats: number, what: string): (() => number) => { let off = 0; return () => (off ||= scratch(floats, what)); };
    const trial = (g: ConvGeometry, w: number, y: number, x: () => number) => (m: number) => {
      const mark = temp.length;
      const pass = new WinogradPass(rt, g, m, scratch);
      return {
        run: () => { if (training) pass.transform(w, -1, true); else if (pass.version < 0) pass.transform(w, 0, true); pass.runHere(y, x(), images, 0, GEMM_SET); },
        release: () => { for (const off of temp.splice(mark)) rt.arena.release(off); },
      };
    };
    const key = (g: ConvGeometry) => `${JSON.stringify(g)}|${training ? 'training' : 'inference'}`;
    try {
      const g = geo.forward;
      const x = once(images * g.h * g.w * g.cin, 'input');
      const bias = once(cout, 'bias');
      const forward = choosePass(rt, `forward ${key(g)}`, g, images, () => {
        let xp = x();
        if (this.xPadded) { k.spread_nhwc(this.xPadded, xp, images, g.h, g.w, g.cin, this.hp, this.wp, this.padTop, this.padLeft, 1, 1); xp = this.xPadded; }
        k.gemm(this.y, cout, xp, this.windows, this.taps, kernel.offset, cout, 1, images * ho * wo, cout, kernel.size / cout, GEMM_BIAS | GEMM_RELU, bias(), rt.gemmScratch);
      }, trial(g, kernel.offset, this.y, x), maxBatch);
      let backwardData: PassChoice | null = null, filterGradient: PassChoice | null = null;
      if (training) {
        const b = geo.backwardData;
        const dy = once(images * b.h * b.w * b.cin, 'output gradient');
        const tg = transposedGeometry(g);
        backwardData = choosePass(rt, `backward-data ${key(b)}`, b, images, () => {
          this.allocateGemmBackward(maxBatch);
          k.spread_nhwc(this.dyd, dy(), images, ho, wo, cout, b.ho + 2, b.wo + 2, b.padTop, b.padLeft, 1, 1);
          k.flip_kernel(this.flipped, kernel.offset, 3, 3, cin, cout, 0, cout);
          k.gemm(this.dx, cin, this.dyd, this.dWindows, this.dTaps, this.flipped, cin, 1, images * b.ho * b.wo, cin, 9 * cout, GEMM_SET, 0, rt.gemmScratch);
        }, (m) => {
          if (!transposedBackwardData(g, m)) return trial(b, this.flipped, this.dx, dy)(m);
          const mark = temp.length;
          const pass = new WinogradTransposedPass(rt, tg, m, scratch);
          return {
            run: () => { k.transpose_kernel(this.flipped, kernel.offset, 9, cin, cout, 0, cout); pass.transform(this.flipped, -1, true); pass.runHere(this.dx, dy(), images); },
            release: () => { for (const off of temp.splice(mark)) rt.arena.release(off); },
          };
        }, 0, (a) => modelCost(a !== 'gemm' && transposedBackwardData(g, a) ? tg : b, a));
        const fg = geo.filterGradient;
        const xp = once(images * fg.h * fg.w * cin, 'padded input'), dw = once(9 * cin * cout, 'weight gradient');
        const chunkTiles = (m: number) => k.winograd_grad_chunk_tiles(m, cin, cout);
        const gradCost = (a: ConvAlgorithm, n: number) =>
          gradModelCost(fg, a, chunkTiles, (m) => k.winograd_grad_groups(m, cin, cout, n * Math.ceil(ho / m) * Math.ceil(wo / m)), n);
        filterGradient = choosePass(rt, `filter-gradient ${key(fg)}`, fg, images, () => {
          k.gemm(dw(), cout, xp(), this.taps, this.windows, dy(), cout, 1, 9 * cin, cout, images * ho * wo, GEMM_ACC, 0, rt.gemmScratch);
        }, (m) => {
          const pass = new WinogradGradPass(rt, fg, m);
          return { run: () => pass.run(dw(), xp(), dy(), images, `${this.label} weight gradient (timing)`, true), release: () => {} };
        }, 0, (a) => gradCost(a, maxBatch));
        const { algorithm: planned, candidates } = filterGradient;
        const algorithm = candidates.length
          ? (n: number) => candidates.reduce((x, y) => (gradCost(y, n) < gradCost(x, n) ? y : x))
          : () => planned;
        this.gradPick = { algorithm, passes: new Map() };
      }
      this.convChoice = { forward, backwardData, filterGradient };
    } finally {
      for (const off of temp.splice(0)) rt.arena.release(off);
    }
    const keep = (floats: number, what: string) => this.buffer(floats, what);
    const f = this.convChoice.forward;
    // an inference plan whose every call size runs a small-call pick never runs the batch pick: no buffers for it
    const covered = !training && f.small.length > 0 && f.small[f.small.length - 1].upTo >= maxBatch;
    if (f.algorithm !== 'gemm' && !covered) this.wForward = new WinogradPass(rt, geo.forward, f.algorithm, keep);
    const bd = this.convChoice.backwardData;
    if (bd && bd.algorithm !== 'gemm') {
      const m = bd.algorithm;
      this.wBackward = transposedBackwardData(geo.forward, m) ? new WinogradTransposedPass(rt, transposedGeometry(geo.forward), m, keep)
        : new WinogradPass(rt, geo.backwardData, m, keep);
    }
    // the passes of small inference calls: their filters are transformed (or packed) only if such a call comes
    this.smallForward = f.small.map(({ upTo, algorithm }) =>
      ({ upTo, pass: algorithm === 'gemm' ? null : new WinogradPass(rt, geo.forward, algorithm, keep) }));
  }

  /** The weight-gradient pass of a call of n images (null: GEMM), a function of the geometry and n only. */
  private gradPass(n: number): WinogradGradPass | null {
    const pick = this.gradPick;
    if (!pick) return null;
    let pass = pick.passes.get(n);
    if (pass === undefined) {
      const a = pick.algorithm(n);
      pass = a === 'gemm' ? null : new WinogradGradPass(this.rt, this.winogradGeometry()!.filterGradient, a);
      pick.passes.set(n, pass);
    }
    return pass;
  }

  /** The forward pass of a call of n images: training keeps the plan's pick; inference calls of few images may not. */
  private forwardPass(n: number, training: boolean): WinogradPass | null {
    if (!training) for (const s of this.smallForward) if (n <= s.upTo) return s.pass;
    return this.wForward;
  }

  forward(x: number, n: number, training: boolean): number {
    const rt = this.rt;
    const [h, w, cin] = this.image(this.inputShape);
    const [ho, wo, cout] = this.image(this.outputShape);
    const [kernel, bias] = this.params;
    const input = x;
    const wf = this.forwardPass(n, training);
    if (this.xPadded && (training || !wf)) {
      rt.k.spread_nhwc(this.xPadded, x, n, h, w, cin, this.hp, this.wp, this.padTop, this.padLeft, 1, 1);
      x = this.xPadded;
    }
    this.lastX = x;
    const m = n * ho * wo;
    // ReLU is fused into the GEMM's store (or Winograd's output transform); other activations run as a pass over the output
    const relu = this.activation === 'relu' ? GEMM_RELU : 0;
    if (wf) {
      // the filter is transformed once per weight version: training changes it every step
      if (training || wf.version !== kernel.version) wf.transform(kernel.offset, kernel.version);
      wf.run(this.z, input, n, bias ? bias.offset : 0, (bias ? GEMM_BIAS : GEMM_SET) | relu, `${this.name} forward Winograd F(${wf.m}x${wf.m},3x3)`);
    } else {
      // packed once per weight version: training changes it every step, inference once per load
      const packed = this.packedKernel!.pack(kernel.offset, cout, 1, training ? -1 : kernel.version);
      parallelGemmPacked(rt, this.z, cout, x, this.windows, this.taps, packed, m, (bias ? GEMM_BIAS : GEMM_SET) | relu,
        bias ? bias.offset : 0, `${this.name} forward GEMM`);
    }
    if (!relu) activationForward(rt, this.activation, this.y, this.z, m, cout);
    return this.y;
  }

  /** The flipped kernel of the backward-data pass, a range of output channels per thread. */
  private flipKernel(kernel: number): void {
    const [, , cin] = this.image(this.inputShape);
    this.flip(this.flipped, kernel, cin, this.filters);
  }

  /**
   * dst [KH, KW, cout, cin] = src [KH-1-kh, KW-1-kw, cin, cout] (assembly/conv.ts' flip_kernel), a range of dst's
   * cout per thread: the kernel of a correlation run the other way (backward-data; Conv2DTranspose's forward).
   */
  protected flip(dst: number, src: number, cin: number, cout: number): void {
    const [kh, kw] = this.kernelSize;
    parallelFor(this.rt, 'flip_kernel', cout, Math.max(1, Math.ceil((1 << 15) / (kh * kw * cin))), 1,
      (co0, count) => [dst, src, kh, kw, cin, cout, co0, count], `${this.name} flipped kernel`);
  }

  /**
   * The implicit-im2col tables of one GEMM pass (assembly/conv.ts): the window origins of `maxBatch` outputs
   * [ho, wo] in an input [hp, wp, c] read at strides [sh, sw], and the offsets of the kernel's taps in a window.
   */
  protected convTables(maxBatch: number, ho: number, wo: number, hp: number, wp: number, c: number, sh: number, sw: number,
    what: string): { windows: number; taps: number } {
    const k = this.rt.k, [kh, kw] = this.kernelSize;
    const windows = this.buffer(maxBatch * ho * wo, `${what}window offsets`);
    k.conv_window_offsets(windows, maxBatch, ho, wo, hp, wp, c, sh, sw);
    const taps = this.buffer(kh * kw * c, `${what}tap offsets`);
    k.conv_tap_offsets(taps, kh, kw, c, wp);
    return { windows, taps };
  }

  backward(dy: number, n: number, needDx: boolean, skipActivation: boolean): number {
    const rt = this.rt;
    const [h, w, cin] = this.image(this.inputShape);
    const [ho, wo, cout] = this.image(this.outputShape);
    const [kh, kw] = this.kernelSize;
    const [kernel, bias] = this.params;
    const m = n * ho * wo;
    activationBiasBackward(rt, this.activation, dy, this.y, this.z, bias ? bias.gradOffset : 0, m, cout, skipActivation, this.name);
    const wg = this.gradPass(n);
    if (wg) {
      wg.run(kernel.gradOffset, this.lastX, dy, n, `${this.name} weight-gradient Winograd F(${wg.m}x${wg.m},3x3)ᵀ`);
    } else {
      // dW[(kh,kw,ci), co] += Σ_windows Xp[window + tap] · dY[window, co]. dY is packed per KC block by each thread
      // into its own cache-resident scratch: packing it once for all threads (a serial pass writing the whole
      // packed dY to memory) measured slower on 1 and 2 threads (bench/compare.ts)
      parallelGemm(rt, kernel.gradOffset, cout, this.lastX, this.taps, this.windows, dy, cout, 1,
        kh * kw * cin, cout, m, GEMM_ACC, 0, `${this.name} weight-gradient GEMM`);
    }
    if (!needDx) return 0;
    const wb = this.wBackward;
    if (wb instanceof WinogradTransposedPass) {
      // dX = the forward's Winograd convolution transposed, with the kernel's channels swapped
      parallelFor(rt, 'transpose_kernel', cout, Math.max(1, Math.ceil((1 << 15) / (kh * kw * cin))), 1,
        (co0, count) => [this.flipped, kernel.offset, kh * kw, cin, cout, co0, count], `${this.name} channel-swapped kernel`);
      wb.transform(this.flipped, kernel.version);
      wb.run(this.dx, dy, n, 0, 0, `${this.name} input-gradient Winograd F(${wb.m}x${wb.m},3x3)ᵀ`);
      return this.dx;
    }
    if (wb) {
      // dX = the full correlation of dY with the flipped kernel, by the same Winograd convolution
      this.flipKernel(kernel.offset);
      wb.transform(this.flipped, kernel.version);
      wb.run(this.dx, dy, n, 0, GEMM_SET, `${this.name} input-gradient Winograd F(${wb.m}x${wb.m},3x3)`);
      return this.dx;
    }
    const hd = h + kh - 1, wd = w + kw - 1;
    rt.k.spread_nhwc(this.dyd, dy, n, ho, wo, cout, hd, wd, kh - 1 - this.padTop, kw - 1 - this.padLeft, this.strides[0], this.strides[1]);
    this.flipKernel(kernel.offset);
    parallelGemmPacked(rt, this.dx, cin, this.dyd, this.dWindows, this.dTaps, this.packedFlipped!.pack(this.flipped, cin, 1),
      n * h * w, GEMM_SET, 0, `${this.name} input-gradient GEMM`);
    return this.dx;
  }

  getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters, kernel_size: [...this.kernelSize], strides: [...this.strides], padding: this.padding,
      data_format: 'channels_last', dilation_rate: [1, 1], activation: this.activation, use_bias: this.useBias,
      kernel_initializer: this.params[0]?.init.config() ?? null, bias_initializer: this.useBias ? this.params[1]?.init.config() ?? null : null,
      activity_regularizer: null,
    };
  }
}
