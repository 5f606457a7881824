// Bidirectional (Keras' wrapper): a recurrent layer run over the sequence both ways, its two outputs merged. As
// Keras does, it makes two layers from the one it is given: the forward one (named forward_<name>) and the backward
// one (backward_<name>, goBackwards flipped), each with weights of its own, saved in that order under the wrapper's
// name (bidirectional/forward_lstm/kernel, as tfjs names them). With returnSequences the backward layer's steps come
// back to input order before the merge. The merge and the sum of the two input gradients are assembly/merge.ts.
import { show } from '../format.js';
import { MERGE_AVE, MERGE_CONCAT, MERGE_MUL, MERGE_SUM } from '../runtime/wasm.js';
import { parallelFor } from '../threads/index.js';
import { nestedLayerArg, snakeName, type ConfigReader, type LayerJson } from './config.js';
import { checkShape, Layer, type LayerArgs, type LayerExample, type Param } from './layer.js';
import { providesMask } from './masking.js';
import { Recurrent } from './recurrent.js';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';
const MERGE_CODE: Record<MergeMode, number> = { concat: MERGE_CONCAT, sum: MERGE_SUM, mul: MERGE_MUL, ave: MERGE_AVE };

export interface BidirectionalArgs extends LayerArgs {
  /** The recurrent layer (simpleRNN, lstm, gru) run both ways, or its saved form { class_name, config }. */
  layer: Layer | LayerJson;
  /** How the two outputs combine (Keras' default 'concat': the features of both, side by side). */
  mergeMode?: MergeMode;
  /**
   * Keras' backward_layer (Keras 3 saves it): accepted when it is the layer itself run the other way (same class and
   * options, goBackwards flipped), which is the backward layer Bidirectional makes anyway.
   */
  backwardLayer?: Layer | LayerJson | null;
}

/**
 * A layer handed in as a layer or as its saved form. A saved one's zero_output_for_mask (Keras saves it as its
 * return_sequences: the wrapper sets it so) is the wrapper's to apply, not the layer's.
 */
function layerOf(arg: Layer | LayerJson | null | undefined, what: string): Layer {
  const layer = nestedLayerArg(arg, (config) => { delete config.zero_output_for_mask; });
  if (!(layer instanceof Layer)) {
    throw new Error(`bidirectional: ${what} must be a recurrent layer (sn.layers.lstm({ units: 8 })) or its saved form { class_name, config }, got ${show(arg)}`);
  }
  if (!(layer instanceof Recurrent)) {
    throw new Error(`bidirectional: ${what} must be a recurrent layer (simpleRNN, lstm or gru), got ${layer.label}`);
  }
  return layer;
}

/** A recurrent layer's config without what may differ between Bidirectional's two layers. */
function optionsOf(layer: Recurrent): string {
  const c = layer.getConfig();
  for (const k of ['name', 'go_backwards', 'trainable', 'batch_input_shape', 'kernel_initializer', 'recurrent_initializer', 'bias_initializer']) delete c[k];
  return JSON.stringify(c);
}

export class Bidirectional extends Layer {
  static readonly className = 'Bidirectional';
  static readonly anySteps = true;
  /** Taken but never saved: the backward layer is the forward one's mirror. */
  static readonly factoryOptions = ['backwardLayer'];
  static readonly examples: readonly LayerExample[] = [
    { args: { layer: { class_name: 'SimpleRNN', config: { units: 3 } } }, inputShape: [4, 2], params: 36 },
    { args: { layer: { class_name: 'LSTM', config: { units: 2, return_sequences: true } } }, inputShape: [3, 3], params: 96, fdTolerance: 2e-2 },
    { args: { layer: { class_name: 'SimpleRNN', config: { units: 2, return_sequences: true, activation: 'sigmoid' } }, mergeMode: 'mul' }, inputShape: [4, 3], params: 24 },
    { args: { layer: { class_name: 'SimpleRNN', config: { units: 5, go_backwards: true } }, mergeMode: 'ave' }, inputShape: [3, 2], params: 80 },
    { args: { layer: { class_name: 'GRU', config: { units: 2, return_sequences: true, reset_after: true } }, mergeMode: 'sum' }, inputShape: [3, 3], params: 84,
      fdTolerance: 2e-2, noTfjs: "tfjs' GRU has only resetAfter: false" },
    // a config without reset_after is an old writer's: reset-before, tfjs' GRU
    { args: { layer: { class_name: 'GRU', config: { units: 2 } }, mergeMode: 'concat' }, inputShape: [3, 3], params: 72, fdTolerance: 2e-2 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    r.expect('num_constants', (v) => v === 0, 'a Sequential model passes no constants');
    return new this({ ...r.common(), layer: r.opt('layer') as LayerJson, mergeMode: r.opt('merge_mode') as MergeMode,
      backwardLayer: r.opt('backward_layer') as LayerJson | undefined });
  }

  readonly forwardLayer: Recurrent;
  readonly backwardLayer: Recurrent;
  readonly mergeMode: MergeMode;
  /** The given layer's name: the two layers are forward_<name> and backward_<name>. */
  private innerName: string;
  /** The wrapper's trainable when last passed on to the two layers (Keras' trainable setter reaches sublayers). */
  private passedTrainable: boolean;
  private y = 0; private dyf = 0; private dyb = 0;
  private yf = 0; private yb = 0;

  constructor(args: BidirectionalArgs) {
    if (!args || typeof args !== 'object') throw new Error('bidirectional: expected an arguments object { layer, mergeMode }');
    super(args);
    if ((args.mergeMode as unknown) === null) {
      throw new Error("bidirectional: mergeMode null gives the two layers' outputs apart (two outputs), which a Sequential model cannot carry; use 'concat', 'sum', 'mul' or 'ave'");
    }
    const mode = args.mergeMode ?? 'concat';
    if (!Object.hasOwn(MERGE_CODE, mode)) throw new Error(`bidirectional: mergeMode must be one of ${Object.keys(MERGE_CODE).join(', ')}, got ${show(mode)}`);
    this.mergeMode = mode;
    const layer = layerOf(args.layer, 'layer') as Recurrent;
    if (layer.returnState) {
      throw new Error(`bidirectional: ${layer.label} has returnState: true, which gives several outputs; a Sequential model carries one`);
    }
    // Keras 3 saves the forward layer (forward_<name>) beside the backward one; Keras 2 and tfjs save the layer given
    const backward = args.backwardLayer !== undefined && args.backwardLayer !== null;
    this.innerName = backward ? layer.name.replace(/^forward_/, '') : layer.name;
    this.forwardLayer = layer.recreate(false);
    this.backwardLayer = layer.recreate(true);
    if (backward) {
      const back = layerOf(args.backwardLayer, 'backwardLayer') as Recurrent;
      if (back.className !== layer.className || back.goBackwards === layer.goBackwards || optionsOf(back) !== optionsOf(layer)) {
        throw new Error(`bidirectional: backwardLayer ${back.label} must be ${layer.label} run the other way (the same class and options, ` +
          `goBackwards ${!layer.goBackwards}): simdnet makes that one itself and supports no other`);
      }
    }
    if (!this.declaredInputShape && layer.declaredInputShape) {
      this.declaredInputShape = [...layer.declaredInputShape];
      this.variableSteps = layer.variableSteps;
    }
    // a layer frozen before it is wrapped freezes the wrapper (Keras 2 takes the wrapper's trainable from it)
    if (args.trainable === undefined) this.trainable = layer.trainable;
    if (!this.trainable) this.forwardLayer.trainable = this.backwardLayer.trainable = false;
    this.passedTrainable = this.trainable;
  }

  private get layers(): [Recurrent, Recurrent] { return [this.forwardLayer, this.backwardLayer]; }

  get keras3Vars(): readonly { part: string; layer: Layer }[] {
    return [{ part: 'forward_layer', layer: this.forwardLayer }, { part: 'backward_layer', layer: this.backwardLayer }];
  }

  /** Setting the wrapper's trainable sets its two layers', as Keras' setter does. */
  private syncTrainable(): void {
    if (this.trainable === this.passedTrainable) return;
    this.forwardLayer.trainable = this.backwardLayer.trainable = this.passedTrainable = this.trainable;
  }

  /** Steps per output sample (1 without returnSequences) and units per layer. */
  private get rows(): [number, number] {
    return [this.forwardLayer.returnSequences ? this.inputShape[0] : 1, this.forwardLayer.units];
  }

  build(inputShape: number[]): void {
    checkShape(inputShape, 'inputShape', this);
    if (this.forwardLayer.params.length) {
      throw new Error(`${this.label}: already built (in a model): give each model a bidirectional layer of its own`);
    }
    const base = this.innerName || snakeName(this.forwardLayer.className);
    this.forwardLayer.name = `forward_${base}`;
    this.backwardLayer.name = `backward_${base}`;
    super.build(inputShape);
    // both built on the input's own shape array: an embedding's mask reaches them (masking.ts)
    for (const l of this.layers) {
      l.build(inputShape);
      for (const p of l.params) (p as { name: string }).name = `${l.name}/${p.name}`;
    }
    this.params = [...this.forwardLayer.params, ...this.backwardLayer.params];
    if (this.inputMask && this.forwardLayer.returnSequences) providesMask(this.outputShape, this.inputMask);
  }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 2) {
      throw new Error(`${this.label}: expected input of shape [timeSteps, features], got [${inputShape.join(', ')}]` +
        (inputShape.length === 1 ? '; put an embedding before it for token ids, or give inputShape [steps, 1]' : ''));
    }
    const out = this.forwardLayer.computeOutputShape(inputShape);
    if (this.mergeMode === 'concat') out[out.length - 1] *= 2;
    return out;
  }

  reshape(inputShape: number[]): void {
    super.reshape(inputShape);
    for (const l of this.layers) l.reshape(inputShape);
  }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    this.syncTrainable();
    for (const l of this.layers) l.allocate(this.rt, maxBatch, training);
    const [t, u] = this.rows;
    this.y = this.buffer(maxBatch * this.outSize, 'merged output');
    if (training) {
      this.dyf = this.buffer(maxBatch * t * u, 'forward layer output gradient');
      this.dyb = this.buffer(maxBatch * t * u, 'backward layer output gradient');
    }
  }

  release(): void {
    super.release();
    for (const l of this.layers) l.release();
  }

  isTrainable(p: Param): boolean {
    this.syncTrainable();
    return this.trainable && (this.forwardLayer.params.includes(p) ? this.forwardLayer : this.backwardLayer).isTrainable(p);
  }

  /**
   * The input's mask where the output is a sequence (0: none): Keras' wrapper has its two layers output zeros at padded
   * steps (zero_output_for_mask), so the merged output is 0 there.
   */
  private get outputMask(): number {
    return this.forwardLayer.returnSequences && this.inputMask ? this.inputMask.maskPointer : 0;
  }

  /** Output step s is input step T-1-s for the mask: the forward layer itself goes backwards (its output is not flipped). */
  private get maskRev(): number { return this.forwardLayer.goBackwards ? 1 : 0; }

  forward(x: number, n: number, training: boolean): number {
    this.syncTrainable();
    const yf = this.yf = this.forwardLayer.forward(x, n, training);
    const yb = this.yb = this.backwardLayer.forward(x, n, training);
    const [t, u] = this.rows;
    const mask = this.outputMask;
    parallelFor(this.rt, 'bidirectional_merge_forward', n * t, Math.max(1, Math.ceil((1 << 14) / u)), 1,
      (r, count) => [this.y, yf, yb, mask, this.maskRev, r, count, t, u, MERGE_CODE[this.mergeMode], t > 1 ? 1 : 0], `${this.name} merge`);
    return this.y;
  }

  backward(dy: number, n: number, needDx: boolean): number {
    const [t, u] = this.rows;
    const mask = this.outputMask;
    parallelFor(this.rt, 'bidirectional_merge_backward', n * t, Math.max(1, Math.ceil((1 << 14) / u)), 1,
      (r, count) => [this.dyf, this.dyb, dy, this.yf, this.yb, mask, this.maskRev, r, count, t, u, MERGE_CODE[this.mergeMode], t > 1 ? 1 : 0],
      `${this.name} merge gradient`);
    const dxf = this.forwardLayer.backward(this.dyf, n, needDx);
    const dxb = this.backwardLayer.backward(this.dyb, n, needDx);
    if (!needDx) return 0;
    // the input feeds both layers: its gradient is the sum of theirs
    parallelFor(this.rt, 'add_floats', n * this.inSize, 1 << 14, 4,
      (i, count) => [dxf + 4 * i, dxb + 4 * i, count], `${this.name} input gradient`);
    return dxf;
  }

  getConfig(): Record<string, unknown> {
    this.syncTrainable();
    const f = this.forwardLayer;
    return {
      ...super.getConfig(),
      layer: { class_name: f.className, config: { ...f.getConfig(), name: this.innerName || snakeName(f.className), go_backwards: f.goBackwards } },
      merge_mode: this.mergeMode,
    };
  }
}
