// The computing core of a model: its layers, weights and memory plan, the forward pass and one training
// step. Sequential (the public API) builds it; trainer.ts runs its loops over it. Activations and scratch
// come from the arena, planned per maximum batch size; data is staged into the arena once per call.
import type { Layer, Param } from '../layers/layer.js';
import { maskSourceFor, type MaskSource } from '../layers/masking.js';
import type { Runtime } from '../runtime/wasm.js';
import { firstNonFinite, Tensor } from '../tensor.js';
import { accuracyCount, isFused, lossForward, sparseLabels, type LossInput, type LossName } from './losses.js';
import type { Metric } from './metrics.js';
import type { Optimizer } from './optimizer.js';
import { WeightStore } from './weights.js';

/** A batch plan: the buffers of every layer for batches of up to maxBatch samples. */
interface Plan { maxBatch: number; training: boolean; input: number; labels: number; grad: number }

/** Data copied into the arena for one fit / evaluate call. */
export interface Staged { x: number; y: number; n: number; release(): void }

const product = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** fit's classWeight, checked: the weight of each class index (a hole: none given). */
export type ClassWeights = readonly (number | undefined)[];

/**
 * One batch's loss, accuracy counts and value-metric means; `valueWeight` is what those means weigh in an epoch's
 * running means, in samples: the batch's samples, or for a masked output its unpadded steps per sample (Keras sums
 * the metrics over every unpadded step of the epoch).
 */
export interface BatchResult { loss: number; correct: number; judged: number; values: number[]; valueWeight: number }

/**
 * The class of one sample from its label, as Keras finds it for class_weight: a sparse label is the id, a row of
 * several outputs its argmax (the first on ties), a single output its value rounded half to even (tf.round).
 */
export function labelClass(labels: ArrayLike<number>, at: number, cols: number, sparse: boolean): number {
  if (sparse) return labels[at];
  if (cols === 1) {
    const v = labels[at], r = Math.round(v);
    return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r; // halves to the even neighbour: 0.5 -> 0, 1.5 -> 2
  }
  let best = 0;
  for (let j = 1; j < cols; j++) if (labels[at + j] > labels[at + best]) best = j;
  return best;
}

export class Network {
  readonly layers: Layer[] = [];
  readonly weights: WeightStore;
  optimizer: Optimizer | null = null;
  loss: LossName | null = null;
  /** The loss takes the last layer's outputs as logits (Keras' from_logits=True; that layer has no activation). */
  fromLogits = false;
  /** The metrics as compile read them: the accuracy's key, and each value metric's key and loss kernel. */
  compiledMetrics: Metric[] = [];
  /** Their names, as compile was given them. */
  get metrics(): string[] { return this.compiledMetrics.map((m) => m.key); }
  /** The value metrics' keys (those fit keeps running sums of), in compile's order. */
  get valueMetricKeys(): string[] { return this.compiledMetrics.flatMap((m) => (m.kind === 'value' ? [m.key] : [])); }
  rt: Runtime | null = null;
  disposed = false;
  /**
   * Set while fit's onBatchBegin callbacks run: the batch is staged in the plan's input then, and a predict or
   * evaluate of the same model would write over it (the step would train on their inputs).
   */
  batchStaged = false;
  private plan: Plan | null = null;

  constructor(readonly name: string, seed: number) { this.weights = new WeightStore(name, seed); }

  get inputShape(): number[] { return this.layers[0].inputShape; }
  /** The first layer takes sequences of any length (Keras' None time axis): each call brings its own. */
  get variableSteps(): boolean { return this.layers[0]?.variableSteps ?? false; }
  get outputShape(): number[] { return this.layers[this.layers.length - 1].outputShape; }
  get inSize(): number { return product(this.inputShape); }
  get outSize(): number { return product(this.outputShape); }
  /**
   * Classes (values) per prediction: the output's last axis, which the losses, the accuracy and sparse labels
   * work along, as Keras' do — an output [steps, classes] or [h, w, classes] is a prediction per step or pixel.
   */
  get classes(): number { return this.outputShape[this.outputShape.length - 1]; }
  /** Predictions per sample: positions along the output's other axes (1 for an output [classes]). */
  get positions(): number { return this.outSize / this.classes; }

  /** Allocates the weights (drawing initial values unless all are about to be set). */
  materialize(rt: Runtime, initialise = true): Runtime {
    this.rt = rt;
    // frozen or unfrozen layers: the optimizer's state for this model no longer fits
    if (this.weights.allocate(rt, this.layers, initialise)) this.optimizer?.release(this.weights);
    return rt;
  }

  // ---- memory plan -------------------------------------------------------------------------------

  ensurePlan(maxBatch: number, training: boolean): Plan {
    const rt = this.rt!;
    const p = this.plan;
    if (p && p.maxBatch >= maxBatch && (p.training || !training)) return p;
    this.releasePlan();
    const size = Math.max(maxBatch, p?.maxBatch ?? 0);
    const wantTraining = training || (p?.training ?? false);
    try {
      for (const l of this.layers) l.allocate(rt, size, wantTraining);
      this.plan = {
        maxBatch: size, training: wantTraining,
        input: rt.arena.alloc(size * this.inSize * 4, 'batch input'),
        labels: rt.arena.alloc(size * this.outSize * 4, 'batch labels'),
        grad: rt.arena.alloc(size * this.outSize * 4, 'loss gradient'),
      };
    } catch (e) {
      for (const l of this.layers) l.release();
      throw new Error(`${(e as Error).message}: the buffers of a batch of ${size} do not fit; use a smaller batchSize`);
    }
    return this.plan;
  }

  /**
   * Shapes every layer for sequences of `steps` (variableSteps models; weights do not depend on it). A new
   * length drops the memory plan: the next ensurePlan lays it out for the new shapes.
   */
  useSteps(steps: number): void {
    if (!this.variableSteps || this.inputShape[0] === steps) return;
    this.releasePlan();
    let shape = [steps, ...this.inputShape.slice(1)];
    for (const l of this.layers) { l.reshape(shape); shape = l.outputShape; }
  }

  releasePlan(): void {
    if (!this.plan || !this.rt) return;
    for (const l of this.layers) l.release();
    for (const off of [this.plan.input, this.plan.labels, this.plan.grad]) this.rt.arena.release(off);
    this.plan = null;
  }

  // ---- running batches ---------------------------------------------------------------------------

  /** Forward pass over n samples already at plan.input; returns the output pointer. */
  forward(n: number, training: boolean, seed: number): number {
    const mask = this.outputMask;
    if (mask) mask.atOutput = true; // the loss applies it (the embedding's check for an unused mask counts that)
    let x = this.plan!.input;
    this.layers.forEach((l, i) => { x = l.forward(x, n, training, (seed + Math.imul(i + 1, 0x9e3779b1)) >>> 0); });
    return x;
  }

  /** How the loss reads the output: fused with the last layer's activation, from logits, or as it is. */
  private get fused(): LossInput {
    if (this.fromLogits) return 'logits';
    return isFused(this.loss!, this.layers[this.layers.length - 1].outputActivation) ? 'fused' : 'plain';
  }

  /**
   * Refuses what Keras does with an embedding's mask (maskZero) and simdnet cannot: a masked output of another shape
   * than [steps, values] (its loss is masked step by step: rowWiseLossOf) and, in training, a layer that would compute
   * with the mask (BatchNormalization's batch statistics). predict is not concerned.
   */
  checkMasks(fn: string, training: boolean): void {
    const mask = this.outputMask;
    if (mask && this.outputShape.length !== 2) {
      const last = this.layers[this.layers.length - 1];
      throw new Error(`${fn}: the model's output (${last.label}) carries ${mask.label}'s mask (${mask.maskOption}) but has shape ` +
        `[${this.outputShape.join(', ')}] per sample: simdnet masks the loss of an output [steps, values] only`);
    }
    const differs = training ? this.layers.find((l) => l.inputMask && l.maskedTrainingDiffers) : undefined;
    if (differs) {
      const source = differs.inputMask!;
      throw new Error(`${fn}: ${differs.label} takes ${source.label}'s mask (${source.maskOption}) in training: ` +
        `${differs.maskedTrainingDiffers}; move it after the layer that consumes the mask, or pad without ${source.maskOption === 'maskZero' ? 'maskZero' : 'the masking layer'}`);
    }
  }

  /**
   * Loss of the n samples whose output is at `out` (labels at plan.labels), a row of `classes` values per prediction
   * (per sample, or per step or pixel: Keras' mean over each sample's positions, then the samples); writes the loss
   * gradient. Weights (fit's classWeight and sampleWeight) and an output that carries a mask go to weightedLossOf.
   */
  lossOf(out: number, n: number, rowWeights: ArrayLike<number> | null = null): BatchResult {
    const mask = this.outputMask;
    if (mask || rowWeights) return this.weightedLossOf(out, n, rowWeights, mask ? this.rt!.f32(mask.maskPointer, n * this.positions) : null);
    const plan = this.plan!, rt = this.rt!, rows = n * this.positions, cols = this.classes;
    // the value metrics first (their kernels write a gradient, which the loss's overwrites): unweighted batch means
    const values = this.valueMetrics(out, n);
    // a row per prediction: the mean over all rows is Keras' mean over the positions of each sample, then the samples
    const loss = lossForward(rt, this.loss!, this.fused, plan.grad, out, plan.labels, rows, cols);
    const [correct, judged] = accuracyCount(rt, this.loss!, out, plan.labels, rows, cols, this.fromLogits);
    return { loss, correct, judged, values, valueWeight: n };
  }

  /** The mask the model's output carries (an embedding's maskZero, passed on to a prediction per step), if any. */
  get outputMask(): MaskSource | null {
    const last = this.layers[this.layers.length - 1];
    return last ? maskSourceFor(last.outputShape) : null;
  }

  /**
   * lossOf with weights — `rowWeights` one per sample (classWeight, sampleWeight) or one per position (sampleWeight
   * [n, steps]) — and/or the output's mask (1 for a step, 0 for padding), as Keras 3 and tf.keras 2.12+
   * (apply_valid_mask): Σ weight · loss over the positions divided by their number, or with a mask
   * Σ weight · mask · loss / (Σ mask + 1e-7), padded steps counting for nothing. The accuracy and the value metrics
   * stay unweighted means, over the unpadded steps with a mask (it is their sample weight). The kernels run once per
   * weight: per sample (its positions together), or per position for weights per position or a mask.
   */
  private weightedLossOf(out: number, n: number, rowWeights: ArrayLike<number> | null, mask: Float32Array | null): BatchResult {
    const plan = this.plan!, rt = this.rt!, cols = this.classes, per = this.positions, rows = n * per;
    const labelFloats = sparseLabels(this.loss!) ? 1 : cols;
    // rows a weight covers, and one kernel call takes: a sample's, or one row
    const perRow = mask !== null || (rowWeights !== null && per > 1 && rowWeights.length === rows);
    const span = perRow ? 1 : per;
    const weight = (r: number) => (mask ? mask[r] : 1) * (rowWeights ? rowWeights[rowWeights.length === rows ? r : Math.floor(r / per)] : 1);
    let valid = rows, values: number[];
    if (!mask) values = this.valueMetrics(out, n);
    else {
      valid = 0;
      for (let r = 0; r < rows; r++) valid += mask[r];
      values = [];
      for (const m of this.compiledMetrics) {
        if (m.kind !== 'value') continue;
        let sum = 0;
        for (let r = 0; r < rows; r++) {
          if (mask[r]) sum += mask[r] * lossForward(rt, m.loss, 'plain', plan.grad + r * cols * 4, out + r * cols * 4, plan.labels + r * cols * 4, 1, cols);
        }
        values.push(valid ? sum / valid : 0);
      }
    }
    const denominator = mask ? valid + 1e-7 : rows;
    let loss = 0;
    for (let r = 0; r < rows; r += span) {
      // a padded step's output and labels are not looked at (its gradient is set to 0 below)
      if (mask && !weight(r)) continue;
      const at = r * cols * 4;
      loss += weight(r) * span * lossForward(rt, this.loss!, this.fused, plan.grad + at, out + at, plan.labels + r * labelFloats * 4, span, cols);
    }
    let correct = 0, judged = 0;
    if (!mask) [correct, judged] = accuracyCount(rt, this.loss!, out, plan.labels, rows, cols, this.fromLogits);
    else {
      for (let r = 0; r < rows; r++) {
        if (!mask[r]) continue;
        const [c, j] = accuracyCount(rt, this.loss!, out + r * cols * 4, plan.labels + r * labelFloats * 4, 1, cols, this.fromLogits);
        correct += c; judged += j;
      }
    }
    const g = rt.f32(plan.grad, rows * cols); // a view made after the kernels ran
    for (let r = 0; r < rows; r += span) {
      const scale = (weight(r) * span) / denominator;
      for (let j = r * cols; j < (r + span) * cols; j++) g[j] = mask && !scale ? 0 : g[j] * scale;
    }
    return { loss: loss / denominator, correct, judged, values, valueWeight: mask ? valid / per : n };
  }

  /**
   * Each value metric's mean over the n samples at `out` (labels at plan.labels; every value of every position), in compiledMetrics' order. Their
   * kernels write a gradient: into plan.grad, which the loss then overwrites whole.
   */
  private valueMetrics(out: number, n: number): number[] {
    const rt = this.rt!, rows = n * this.positions, cols = this.classes, values: number[] = [];
    for (const m of this.compiledMetrics) if (m.kind === 'value') values.push(lossForward(rt, m.loss, 'plain', this.plan!.grad, out, this.plan!.labels, rows, cols));
    return values;
  }

  /**
   * Fills `into` with the weight of each of the batch's n samples by its class (labelClass of its staged label);
   * a class without a weight throws `missing(class, sample)`.
   */
  batchClassWeights(n: number, classWeight: ClassWeights, into: Float64Array, missing: (cls: number, row: number) => Error): void {
    const plan = this.plan!, rt = this.rt!, sparse = sparseLabels(this.loss!), cols = sparse ? 1 : this.outSize;
    const labels = sparse ? rt.i32(plan.labels, n) : rt.f32(plan.labels, n * cols);
    for (let r = 0; r < n; r++) {
      const c = labelClass(labels, r * cols, this.outSize, sparse), w = classWeight[c];
      if (w === undefined) throw missing(c, r);
      into[r] = w;
    }
  }

  /** One optimisation step on the n samples at plan.input / plan.labels. */
  trainStep(n: number, seed: number, rowWeights: ArrayLike<number> | null = null): BatchResult {
    const out = this.forward(n, true, seed);
    const result = this.lossOf(out, n, rowWeights);
    this.weights.zeroGrad();
    let dy = this.plan!.grad;
    const last = this.layers.length - 1, fused = this.fused;
    // the loss's gradient is the logits' (fused, or from logits): the last layer skips its activation's backward.
    // No gradient is needed below the first layer with a trainable weight (a frozen base under a new head; Rescaling
    // or augmentation in front of the first convolution): the pass stops there, and that layer computes no input
    // gradient.
    const first = this.firstTrainable();
    for (let i = last; i >= first && first >= 0; i--) dy = this.layers[i].backward(dy, n, i > first, fused !== 'plain' && i === last);
    result.loss += this.regularize(true);
    const opt = this.optimizer!;
    // clipnorm clips each weight's gradient on its own, globalClipnorm sums each one's: the optimizer needs where they are
    const slices = opt.clipnorm !== null || opt.globalClipnorm !== null ? this.weights.trainableParams(this.layers) : undefined;
    opt.step(this.rt!, this.weights, this.weights.block, this.weights.gradBlock, this.weights.trainableFloats, slices);
    this.updated();
    return result;
  }

  /** The index of the first layer with a trainable weight (-1: none). */
  private firstTrainable(): number {
    return this.layers.findIndex((l) => l.params.some((p) => l.isTrainable(p)));
  }

  /** A regularizer that adds to the loss: the weight's, non-zero, while the weight is trainable. */
  private static penalizes(l: Layer, p: Param): boolean {
    const r = p.regularizer;
    return r !== null && (r.l1 !== 0 || r.l2 !== 0) && l.isTrainable(p);
  }

  /** Whether a regularizer adds to this model's loss (its chance level is then not ln k). */
  get regularized(): boolean { return this.layers.some((l) => l.params.some((p) => Network.penalizes(l, p))); }

  /**
   * The weight regularizers' penalty, Σ l1·Σ|w| + l2·Σw² over the trainable weights that have one (Keras 3 leaves
   * a frozen weight's out), as Keras adds it to the loss fit and evaluate report; with `grads`, each one's
   * gradient is also added to its weight's (after backward, before the optimizer's step). 0 without any.
   */
  regularize(grads = false): number {
    const rt = this.rt!;
    let penalty = 0;
    for (const l of this.layers) {
      for (const p of l.params) {
        if (!Network.penalizes(l, p)) continue;
        const r = p.regularizer!;
        penalty += rt.k.regularizer_penalty(p.offset, p.size, r.l1, r.l2);
        if (grads) rt.k.regularizer_backward(p.gradOffset, p.offset, p.size, r.l1, r.l2);
      }
    }
    return penalty;
  }

  /**
   * After the optimizer's update, in one pass over the weights: each trainable one with a constraint is projected
   * (Keras: after the update of it), and each trainable one's version moves on (what layers derive from it is stale).
   */
  private updated(): void {
    const k = this.rt!.k;
    for (const l of this.layers) {
      for (const p of l.params) {
        if (!l.isTrainable(p)) continue;
        const c = p.constraint;
        if (c) {
          const b = c.of.bounds, [outer, red, inner] = c.blocks;
          if (!b) k.constrain_nonneg(p.offset, p.size);
          else k.constrain_norm(p.offset, outer, red, inner, b[0], b[1], b[2], c.of.className === 'UnitNorm' ? 1 : 0);
        }
        p.version++;
      }
    }
  }

  // ---- data checks and staging -------------------------------------------------------------------

  /**
   * Refuses an x the model cannot take; returns its sample count. For a variableSteps model it also shapes
   * the layers for x's sequence length (useSteps), on purpose: checkY and the plan that follow need the
   * output shape for that length.
   */
  checkX(x: Tensor, arg: string, fn: string): number {
    if (!(x instanceof Tensor)) throw new Error(`${fn}: ${arg} must be an sn.tensor, got ${x === null ? 'null' : typeof x}`);
    const want = this.inputShape;
    // a variableSteps model takes any sequence length (axis 1)
    const free = this.variableSteps ? 1 : 0;
    if (x.rank !== want.length + 1 || x.shape.slice(1 + free).join() !== want.slice(free).join() || x.shape[1] === 0) {
      const expected = free ? ['steps', ...want.slice(1)] : want;
      throw new Error(`${fn}: ${arg} must have shape [n, ${expected.join(', ')}] for ${this.layers[0].label}, got [${x.shape.join(', ')}]`);
    }
    if (x.shape[0] === 0) throw new Error(`${fn}: ${arg} has no samples`);
    this.useSteps(x.shape[1]);
    this.layers[0].checkInput(x.data, fn, arg);
    return x.shape[0];
  }

  /** Checks labels y for n samples of the input `xArg` (named in the message: 'x', 'validationData[0]', ...). */
  checkY(y: Tensor, n: number, arg: string, fn: string, xArg = 'x'): void {
    if (!(y instanceof Tensor)) throw new Error(`${fn}: ${arg} must be an sn.tensor, got ${y === null ? 'null' : typeof y}`);
    if (y.shape[0] !== n) throw new Error(`${fn}: ${arg} has ${y.shape[0]} labels but ${xArg} has ${n} samples`);
    const out = this.outputShape;
    if (sparseLabels(this.loss!)) {
      // a class id per prediction: [n] (or [n, 1]) for an output [classes], [n, steps] (or [n, steps, 1]) for [steps, classes] ...
      const ids = [n, ...out.slice(0, -1)];
      if (y.shape.join() !== ids.join() && y.shape.join() !== [...ids, 1].join()) {
        throw new Error(`${fn}: ${arg} for sparseCategoricalCrossentropy must be class ids of shape [${ids.join(', ')}] or [${[...ids, 1].join(', ')}] ` +
          `(one per ${out.length > 1 ? `position of the output [${out.join(', ')}]` : 'sample'}), got [${y.shape.join(', ')}]`);
      }
      const classes = out[out.length - 1];
      for (let i = 0; i < y.size; i++) {
        const c = y.data[i];
        if (!Number.isInteger(c) || c < 0 || c >= classes) {
          throw new Error(`${fn}: ${arg}${out.length > 1 ? ` at flat index ${i}` : `[${i}]`} = ${c} is not a class id in [0, ${classes})`);
        }
      }
      return;
    }
    // Keras accepts labels without the last axis of an output of one value per prediction: [n] for [1], [n, steps] for [steps, 1]
    const singleColumn = out[out.length - 1] === 1 && y.shape.join() === [n, ...out.slice(0, -1)].join();
    if (!singleColumn && (y.rank !== out.length + 1 || y.shape.slice(1).join() !== out.join())) {
      const ids = out[out.length - 1] > 1 && y.shape.join() === [n, ...out.slice(0, -1)].join();
      const perSample = out.length > 1 && y.rank === 2 && y.shape[1] === out[out.length - 1];
      const hint = ids ? ' (class ids? one-hot encode them with sn.utils.toCategorical, or use sparseCategoricalCrossentropy)'
        : perSample ? ` (labels per sample, but the model predicts at every position of [${out.join(', ')}], as Keras' Dense on the last ` +
          'axis does: put a flatten() or a global pooling layer before the last dense)' : '';
      throw new Error(`${fn}: ${arg} must have shape [n, ${out.join(', ')}] to match the model's output, got [${y.shape.join(', ')}]${hint}`);
    }
    // cross-entropy compares probabilities: a label outside [0, 1] (a class id, a -1 for "unknown") gives a
    // loss and gradients, but of nothing meaningful (NaN is refused with its position when staged)
    const loss = this.loss;
    if (loss === 'binaryCrossentropy' || loss === 'categoricalCrossentropy') {
      for (let i = 0; i < y.size; i++) {
        const v = y.data[i];
        if (v < 0 || (v > 1 && v !== Infinity)) {
          throw new Error(`${fn}: ${arg} holds ${v} at flat index ${i}; ${loss} takes labels in [0, 1]` + (Number.isInteger(v) && v > 1
            ? (loss === 'binaryCrossentropy' ? ' (0 or 1 per output; for class ids use sparseCategoricalCrossentropy and a softmax output)' : ' (one-hot rows: sn.utils.toCategorical(ids, classes))')
            : ''));
        }
      }
    }
  }

  /** Copies x (and y) into the arena, refusing non-finite values. */
  stage(x: Tensor, y: Tensor | null, fn: string, xArg: string, yArg: string): Staged {
    const rt = this.rt!;
    const n = x.shape[0];
    let xo = 0, yo = 0;
    const release = () => { if (xo) rt.arena.release(xo); if (yo) rt.arena.release(yo); };
    const room = (bytes: number, arg: string): number => {
      try {
        return rt.arena.alloc(bytes, `${fn}: ${arg}`);
      } catch (e) {
        throw new Error(`${fn}: ${arg} (${n} samples, ${(bytes / 2 ** 20).toFixed(0)} MiB) does not fit in Wasm memory beside the model ` +
          `(${(e as Error).message}); stream it instead: model.fitDataset(sn.data.imageDataset(folder, ...)) or a generator of batches`);
      }
    };
    try {
      xo = room(x.size * 4, xArg);
      rt.f32(xo, x.size).set(x.data);
      const bad = rt.k.count_nonfinite(xo, x.size);
      if (bad) throw new Error(`${fn}: ${xArg} contains ${bad} NaN or infinite value(s), first at flat index ${firstNonFinite(x.data)}`);
      if (y) {
        yo = room(y.size * 4, yArg);
        if (sparseLabels(this.loss!)) rt.i32(yo, y.size).set(y.data);
        else {
          rt.f32(yo, y.size).set(y.data);
          const badY = rt.k.count_nonfinite(yo, y.size);
          if (badY) throw new Error(`${fn}: ${yArg} contains ${badY} NaN or infinite value(s), first at flat index ${firstNonFinite(y.data)}`);
        }
      }
    } catch (e) { release(); throw e; }
    return { x: xo, y: yo, n, release };
  }

  /**
   * Copies one batch from JS tensors into the plan's input (and labels), growing the plan if the batch is
   * larger than any before; refuses non-finite values. Returns the batch's sample count.
   */
  putBatch(xs: Tensor, ys: Tensor | null, training: boolean, fn: string, where: string): number {
    const n = this.checkX(xs, `${where}.xs`, fn);
    if (ys) this.checkY(ys, n, `${where}.ys`, fn, `${where}.xs`);
    const plan = this.ensurePlan(n, training);
    const rt = this.rt!;
    rt.f32(plan.input, xs.size).set(xs.data);
    let bad = rt.k.count_nonfinite(plan.input, xs.size);
    if (bad) throw new Error(`${fn}: ${where}.xs contains ${bad} NaN or infinite value(s), first at flat index ${firstNonFinite(xs.data)}`);
    if (ys) {
      if (sparseLabels(this.loss!)) rt.i32(plan.labels, ys.size).set(ys.data);
      else {
        rt.f32(plan.labels, ys.size).set(ys.data);
        bad = rt.k.count_nonfinite(plan.labels, ys.size);
        if (bad) throw new Error(`${fn}: ${where}.ys contains ${bad} NaN or infinite value(s), first at flat index ${firstNonFinite(ys.data)}`);
      }
    }
    return n;
  }

  /** Gathers rows idx[from..from+count) of staged data into the plan's batch buffers. */
  gather(s: Staged, idx: number, from: number, count: number): void {
    const rt = this.rt!;
    rt.k.gather_rows(this.plan!.input, s.x, idx + from * 4, count, this.inSize);
    if (s.y) rt.k.gather_rows(this.plan!.labels, s.y, idx + from * 4, count, sparseLabels(this.loss!) ? this.positions : this.outSize);
  }

  /**
   * Refuses non-finite outputs (samples from..from+n) with the reason: after a diverged fit the weights
   * themselves hold NaN, and every prediction would be NaN.
   */
  checkOutput(out: number, n: number, from: number, fn: string): void {
    const rt = this.rt!;
    const bad = rt.k.count_nonfinite(out, n * this.outSize);
    if (!bad) return;
    const badWeights = this.nonFiniteWeights();
    throw new Error(`${fn}: the model's output holds ${bad} NaN or infinite value(s) for samples ${from}..${from + n - 1}` + (badWeights
      ? `: ${badWeights} of its weights are NaN or infinite (training diverged: lower the learning rate and train again, or load a saved model)`
      : ': the inputs are finite, so an intermediate value overflowed'));
  }

  /** How many weight values (trainable or not) are NaN or infinite. */
  nonFiniteWeights(): number {
    return this.rt ? this.rt.k.count_nonfinite(this.weights.block, this.weights.totalFloats) : 0;
  }

  /** Frees the Wasm memory (weights, optimizer state, buffers). */
  dispose(): void {
    this.releasePlan();
    this.optimizer?.release(this.weights);
    this.weights.free();
    this.disposed = true;
  }
}

