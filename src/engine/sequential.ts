// Sequential: the public model — a stack of layers with Keras' add / compile / fit / evaluate / predict.
// It builds and checks; the Network holds weights and buffers, the trainer runs the loops (reached through
// training-part.ts: simdnet/predict leaves it out).
import type { Layer, LayerClass, WeightAccess } from '../layers/layer.js';
import { Input } from '../layers/input.js';
import { snakeName } from '../layers/config.js';
import { initRuntime, runtime, runtimeLoaded, type Runtime } from '../runtime/wasm.js';
import { checkThreads, useThreads } from '../threads/index.js';
import { firstNonFinite, Tensor } from '../tensor.js';
import type { TrainingModel } from './callback.js';
import type { History } from './history.js';
import { checkLoss, Loss, type LossName } from './losses.js';
import { parseMetrics } from './metrics.js';
import { Network } from './network.js';
import type { Optimizer, PreparedState, SavedState, StateWeight } from './optimizer.js';
import { artifactsWriter, saveHandlerFor, saveOptions, weightFiles, type Artifacts, type SaveOptions } from './save-handlers.js';
import { keptShapes, summary } from './summary.js';
import { predict } from './predict.js';
import type { Dataset, Evaluated, FitArgs, FitDatasetArgs } from './trainer.js';
import { training } from './training-part.js';
import { WeightStore, type NamedParam } from './weights.js';
import { checkOptions, show, type AllOptions } from '../format.js';

export type { Batch, Dataset, FitArgs, FitDatasetArgs } from './trainer.js';

export interface CompileArgs {
  optimizer: Optimizer | string;
  /** A loss name, or `sn.losses.<name>({ fromLogits })` (Keras' loss object with from_logits). */
  loss: string | Loss;
  metrics?: string[];
}

const COMPILE_OPTIONS = ['optimizer', 'loss', 'metrics'] as const;

export interface EvaluateArgs {
  batchSize?: number; verbose?: number; threads?: number | 'auto';
  /**
   * A weight per sample (Keras' sample_weight): the loss is Σ weight · loss / n; for a prediction per step, a tensor
   * [n, steps] of one per step also (Σ w · loss / (n · steps)); the accuracy is not weighted.
   */
  sampleWeight?: Tensor | ArrayLike<number>;
}
const EVALUATE_OPTIONS = ['batchSize', 'verbose', 'threads', 'sampleWeight'] as const;
/** verbose is accepted as Keras and tfjs take it; predict prints nothing either way. */
export interface PredictArgs { batchSize?: number; threads?: number | 'auto'; verbose?: number }
const PREDICT_OPTIONS = ['batchSize', 'threads', 'verbose'] as const;

export interface SequentialArgs { name?: string; layers?: (Layer | Input)[]; seed?: number }
const SEQUENTIAL_OPTIONS = ['name', 'layers', 'seed'] as const;

export class Sequential implements TrainingModel {
  readonly name: string;
  private stopRequested = false;
  /** Set to true (e.g. from a callback) to stop fit() after the current batch. True while a dispose() waits. */
  get stopTraining(): boolean { return this.stopRequested || this.disposing; }
  set stopTraining(stop: boolean) { this.stopRequested = stop; }
  /** The name of each output class, saved with the model (model.json's userDefinedMetadata). */
  classNames?: string[];
  private readonly net: Network;
  private layerNames = new Map<string, number>();
  /** Weights set before the kernels were loaded: written into Wasm memory on first use. */
  private pendingWeights: Tensor[] | null = null;
  /** Optimizer state loaded before the kernels were: put in place on first use. */
  private pendingState: PreparedState | null = null;

  constructor(args: SequentialArgs = {}) {
    checkOptions('sequential', args, SEQUENTIAL_OPTIONS satisfies AllOptions<SequentialArgs, typeof SEQUENTIAL_OPTIONS>);
    args ??= {};
    this.name = args.name ?? 'sequential';
    this.net = new Network(this.name, args.seed ?? 1337);
    dropped?.register(this, this.net, this);
    for (const l of args.layers ?? []) this.add(l);
  }

  get layers(): readonly Layer[] { return this.net.layers; }
  get optimizer(): Optimizer | null { return this.net.optimizer; }
  get loss(): LossName | null { return this.net.loss; }
  /**
   * The model's outputs are logits: compiled with `sn.losses.<name>({ fromLogits: true })`, or loaded uncompiled from a
   * file saved so.
   */
  get fromLogits(): boolean { return this.net.fromLogits; }

  /** Marks an uncompiled model's outputs as logits (loaded from a file whose loss took them). @internal */
  outputsLogits(): void { this.net.fromLogits = true; }
  get metrics(): string[] { return this.net.metrics; }
  /** The metrics fit keeps running sums of (mae, mse), by key: what a mid-epoch backup must hold. */
  get valueMetricKeys(): string[] { return this.net.valueMetricKeys; }

  /** Throws, naming `fn`, for a disposed model. @internal */
  live(fn: string): void {
    if (this.net.disposed) throw new Error(`${fn}: model '${this.name}' has been disposed; build or load a new one`);
  }

  /** The shape an sn.input() added first gives the first layer. */
  private inputShapeGiven: (number | null)[] | null = null;

  add(layer: Layer | Input): void {
    this.live(`${this.name}.add`);
    if (layer instanceof Input) {
      // Keras 3: Sequential([Input(shape), ...]); an Input anywhere else is refused, as Keras refuses it
      if (this.net.layers.length || this.inputShapeGiven) {
        throw new Error(`${this.name}.add: an input goes first, before any layer (Keras' Sequential([Input(shape), ...])); ` +
          `this model ${this.net.layers.length ? `has ${this.net.layers.length} layer(s)` : 'has one already'}`);
      }
      this.inputShapeGiven = layer.shape;
      return;
    }
    if (!layer || typeof (layer as Layer).forward !== 'function') {
      throw new Error(`${this.name}.add: expected a layer (e.g. sn.layers.dense({...})), got ${String(layer)}`);
    }
    this.notRunning(`${this.name}.add`, 'add layers');
    const from = popped.get(layer);
    if (from !== undefined) {
      throw new Error(`${this.name}.add: ${layer.label} was popped from model '${from}'; a layer belongs to one model here: ` +
        'build another with the same options (and give it the popped weights with setWeights(layer.getWeights()))');
    }
    if (this.pendingWeights) {
      if (!runtimeLoaded()) throw new Error(`${this.name}.add: the model's weights were set before the kernels loaded; await sn.ready() first, then add layers`);
      this.materialize(true, `${this.name}.add`); // the weights set are put in place first
    }
    const owner = owners.get(layer);
    if (owner && !owner.disposed) {
      // each model keeps its layers' weights in its own memory: a layer in two models would serve neither
      throw new Error(`${this.name}.add: ${layer.label} already belongs to model '${owner.name}'; a layer belongs to one ` +
        'model here (Keras shares layers between functional models only): build another with the same options');
    }
    const layers = this.net.layers;
    const autoName = !layer.name;
    let fromInput = false;
    const base = snakeName(layer.className);
    const count = this.layerNames.get(base) ?? 0;
    if (autoName) layer.name = count === 0 ? base : `${base}_${count}`;
    try {
      if (layers.some((l) => l.name === layer.name)) throw new Error(`${this.name}.add: duplicate layer name '${layer.name}'`);
      const prev = layers[layers.length - 1];
      const implied = (layer.constructor as unknown as LayerClass).defaultInputShape;
      const given = this.inputShapeGiven;
      if (!prev && given && layer.declaredInputShape && !sameShape(layer, given)) {
        throw new Error(`${this.name}.add: ${layer.label} declares inputShape [${layer.declaredInputShape.join(', ')}] but the model's ` +
          `input has shape [${given.map(String).join(', ')}]`);
      }
      if (!prev && given && !layer.declaredInputShape) {
        const cls = layer.constructor as unknown as LayerClass;
        if (given[0] === null && !cls.anySteps) {
          throw new Error(`${this.name}.add: the model's input has sequences of any length (shape [${given.map(String).join(', ')}]), which ` +
            `a layer that takes sequences (embedding, a recurrent layer) reads; ${layer.label} needs fixed sizes`);
        }
        layer.declareInputShape([...given], 'the input\'s shape');
        fromInput = true;
      }
      if (!prev && !layer.declaredInputShape && implied) layer.declareInputShape([...implied]);
      if (!prev && !layer.declaredInputShape) {
        throw new Error(`${this.name}.add: the first layer (${layer.label}) needs an inputShape, e.g. inputShape: [42, 42, 3], ` +
          'or the model an sn.input({ shape }) first');
      }
      if (prev && layer.declaredInputShape && layer.declaredInputShape.join() !== prev.outputShape.join()) {
        throw new Error(`${this.name}.add: ${layer.label} declares inputShape [${layer.declaredInputShape.join(', ')}] ` +
          `but the previous layer outputs [${prev.outputShape.join(', ')}]`);
      }
      layer.build(prev ? prev.outputShape : layer.declaredInputShape!);
      this.changeLayers('add()', () => layers.push(layer), () => layers.pop());
    } catch (e) {
      if (autoName) layer.name = '';
      // the input's shape was given to this layer for this model only
      if (fromInput) { layer.declaredInputShape = undefined; layer.variableSteps = false; }
      throw e;
    }
    if (autoName) this.layerNames.set(base, count + 1);
    owners.set(layer, this.net);
    layer.weightAccess = weightAccess(this, layer);
  }

  /**
   * Removes the last layer and returns it, as Keras' pop: transfer learning's `model.pop(); model.add(head)`. The other
   * layers keep their weights; the popped one keeps its own as they were (layer.getWeights()) and joins no other model.
   * A compiled model is compiled no more: compile it again for its new last layer.
   */
  pop(): Layer {
    this.live('pop');
    this.notRunning('pop', 'pop');
    const layers = this.net.layers;
    if (!layers.length) throw new Error(`pop: model '${this.name}' has no layers`);
    const layer = layers[layers.length - 1];
    if (runtimeLoaded()) this.materialize(true, 'pop'); // the values model.getWeights() shows, which the layer keeps
    const kept = this.net.weights.allocated ? this.net.weights.read([layer])
      : this.pendingWeights?.slice(this.pendingWeights.length - layer.params.length) ?? null;
    this.changeLayers('pop()', () => layers.pop(), () => layers.push(layer));
    if (this.pendingWeights) this.pendingWeights = this.pendingWeights.slice(0, this.pendingWeights.length - layer.params.length);
    if (kept) orphaned.set(layer, kept);
    popped.set(layer, this.name);
    layer.weightAccess = poppedAccess(this.name, layer);
    return layer; // an sn.input()'s shape stays, as Keras keeps its InputLayer
  }

  /** Refuses a change of the layers while a call of the model runs (fit, evaluate, predict, save ...). */
  private notRunning(fn: string, what: string): void {
    if (this.fitting) throw new Error(`${fn}: the model is training (a ${this.fitting}() call has not finished); ${what} after it returns`);
    if (this.running > 0) throw new Error(`${fn}: a call of the model is running (predict, evaluate, save ...); ${what} after it returns`);
  }

  /** What changed the layers of a compiled model since (it is compiled no more), for the error that asks to compile. */
  private changedBy: string | null = null;

  /**
   * Changes the layer list: the memory plan goes, and a model whose weights are in memory is laid out again (the
   * layers it keeps keep their values: WeightStore.allocate) and compiled no more (its loss, metrics and optimizer
   * were checked against the old last layer, and the optimizer's state fits the old weights).
   */
  private changeLayers(fn: string, change: () => void, undo: () => void): void {
    const net = this.net;
    if (net.weights.allocated) net.releasePlan();
    change();
    if (net.weights.allocated) {
      try {
        if (net.layers.length) this.materialize(true, fn); else net.weights.free();
      } catch (e) {
        undo(); // the blocks were not replaced (WeightStore.allocate): the model is as it was
        throw e;
      }
    }
    if (net.loss) this.changedBy = fn;
    if (net.optimizer) net.optimizer.release(net.weights);
    net.optimizer = null;
    net.loss = null;
    net.fromLogits = false;
    net.compiledMetrics = [];
    this.pendingState = null;
    this.classNames = undefined; // they named the old last layer's outputs
  }

  /**
   * A layer by name, or by index (0-based, negative from the end; tfjs' getLayer(name?, index?): the index wins
   * when both are given). Its getWeights / setWeights read and write this model's weights.
   */
  getLayer(name?: string | number | null, index?: number): Layer {
    this.live('getLayer');
    const layers = this.net.layers;
    const at = typeof name === 'number' ? name : index;
    if (at !== undefined && at !== null) {
      if (!Number.isInteger(at) || at >= layers.length || at < -layers.length) {
        throw new Error(`getLayer: index ${show(at)} is out of range: model '${this.name}' has ${layers.length} layer${layers.length === 1 ? '' : 's'}`);
      }
      return layers[at < 0 ? layers.length + at : at];
    }
    if (typeof name !== 'string') throw new Error(`getLayer: expected a layer's name or an index, got ${show(name)}`);
    const found = layers.find((l) => l.name === name);
    if (!found) throw new Error(`getLayer: model '${this.name}' has no layer named '${name}' (its layers: ${layers.map((l) => l.name).join(', ') || 'none'})`);
    return found;
  }

  /** One layer's weights (getWeights' entries for it). @internal */
  layerWeights(layer: Layer): Tensor[] {
    if (!runtimeLoaded()) { // before the kernels load: the layer's entries of the weights kept until then
      const all = this.getWeights();
      return WeightStore.order(this.net.layers).flatMap((p, i) => (p.layer === layer ? [all[i]] : []));
    }
    this.live(`${layer.label}.getWeights`);
    this.materialize(true, `${layer.label}.getWeights()`);
    return this.net.weights.read([layer]); // that layer's weights alone, not the model's copied out and filtered
  }

  /** Sets one layer's weights, checked in that layer's terms. @internal */
  setLayerWeights(layer: Layer, weights: Tensor[]): void {
    this.live(`${layer.label}.setWeights`);
    const own = WeightStore.order([layer]);
    const expected = own.map((p) => `${p.param.name} [${p.param.shape.join(', ')}]`).join(', ');
    if (!Array.isArray(weights) || weights.length !== own.length) {
      throw new Error(`${layer.label}.setWeights: expected ${own.length} tensor${own.length === 1 ? '' : 's'} (${expected || 'it has no weights'}), ` +
        `got ${Array.isArray(weights) ? weights.length : show(weights)}`);
    }
    own.forEach(({ param: p }, j) => {
      const w = weights[j];
      if (!(w instanceof Tensor) || w.shape.join() !== p.shape.join()) {
        throw new Error(`${layer.label}.setWeights: weight ${j} (${p.name}) must be an sn.tensor of shape [${p.shape.join(', ')}], ` +
          `got ${w instanceof Tensor ? `shape [${w.shape.join(', ')}]` : show(w)}`);
      }
      const bad = firstNonFinite(w.data);
      if (bad >= 0) throw new Error(`${layer.label}.setWeights: weight ${j} (${p.name}) holds ${w.data[bad]} at flat index ${bad}`);
    });
    if (!runtimeLoaded()) { // before the kernels load: through the weights kept until then
      const all = this.getWeights(), at = WeightStore.order(this.net.layers).findIndex((p) => p.layer === layer);
      all.splice(at, own.length, ...weights);
      this.setWeights(all);
      return;
    }
    // that layer's weights alone: the others keep their values and whatever is derived from them (packed panels)
    this.materialize(true, `${layer.label}.setWeights()`);
    this.net.weights.write([layer], weights);
  }

  private requireLayers(fn: string): void {
    this.live(fn);
    if (this.net.layers.length === 0) throw new Error(`${fn}: model '${this.name}' has no layers; add some with model.add(...)`);
  }

  /**
   * The shape of one input (Keras' input_shape without the batch axis): null for a time axis of any length (an
   * embedding without inputLength), as Keras' None.
   */
  get inputShape(): (number | null)[] { this.requireLayers('inputShape'); return keptShapes(this.net.layers)[0]; }
  /** The shape of one output; null for a time axis of any length that the layers keep (returnSequences). */
  get outputShape(): (number | null)[] { this.requireLayers('outputShape'); return keptShapes(this.net.layers)[this.net.layers.length]; }

  countParams(): number { return this.net.layers.reduce((s, l) => s + l.countParams(), 0); }

  summary(lineLength?: number, print: (line: string) => void = console.log): string {
    const text = summary(this, lineLength);
    print(text);
    return text;
  }

  compile(args: CompileArgs): void {
    if (!args || typeof args !== 'object') throw new Error('compile: expected { optimizer, loss, metrics? }');
    if (this.fitting) {
      throw new Error(`compile: the model is training (a ${this.fitting}() call has not finished); compile it after that call ` +
        'returns (to change the learning rate as it trains, use a learningRateScheduler)');
    }
    checkOptions('compile', args, COMPILE_OPTIONS satisfies AllOptions<CompileArgs, typeof COMPILE_OPTIONS>);
    this.requireLayers('compile');
    const loss = checkLoss(args.loss);
    const optimizer = training('compile').getOptimizer(args.optimizer);
    const metrics = args.metrics ?? [];
    const compiled = parseMetrics(metrics, loss);
    const last = this.net.layers[this.net.layers.length - 1];
    const fromLogits = args.loss instanceof Loss && args.loss.fromLogits;
    if (fromLogits && last.outputActivation !== 'linear') {
      // Keras would apply softmax / sigmoid a second time, and train on it without a word
      throw new Error(`compile: ${loss} with fromLogits takes the last layer's raw outputs (logits), but ${last.label} ends in ` +
        `${last.outputActivation}: remove its activation, or compile without fromLogits`);
    }
    if (loss === 'sparseCategoricalCrossentropy' && !fromLogits && last.outputActivation !== 'softmax') {
      throw new Error(`compile: loss sparseCategoricalCrossentropy needs the last layer to end in softmax; ${last.label} ends in ${last.outputActivation}` +
        (last.outputActivation === 'linear' ? " (for logits: loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }))" : ''));
    }
    // a new optimizer starts from scratch; the previous one forgets this model's state
    if (this.net.optimizer && this.net.optimizer !== optimizer) {
      this.net.optimizer.release(this.net.weights);
      this.pendingState = null;
    }
    this.changedBy = null;
    this.net.loss = loss;
    this.net.fromLogits = fromLogits;
    this.net.optimizer = optimizer;
    this.net.compiledMetrics = compiled;
    // without the kernels yet, the weights are allocated by the first fit / evaluate / predict
    if (runtimeLoaded()) this.materialize();
  }

  private materialize(initialise = true, fn = 'this call'): Runtime {
    const pending = this.pendingWeights;
    const rt = this.net.materialize(runtime(fn), initialise && !pending);
    if (pending) {
      this.pendingWeights = null;
      this.net.weights.write(this.net.layers, pending);
    }
    const state = this.pendingState;
    if (state) {
      this.pendingState = null;
      if (this.net.optimizer) this.installState(state);
    }
    return rt;
  }

  // ---- weights -----------------------------------------------------------------------------------

  /** Every weight with its saved name (`conv2d/kernel`), in getWeights order. */
  namedWeights(): NamedParam[] { this.live('namedWeights'); return WeightStore.order(this.net.layers); }

  /**
   * Weights in Keras' order (layer by layer, each layer's own: a batch normalization's gamma, beta, moving mean and
   * variance; a frozen layer's where the layer is), copied out. tfjs lists every trainable weight first.
   */
  getWeights(): Tensor[] {
    this.live('getWeights');
    if (!runtimeLoaded() && this.pendingWeights) return this.pendingWeights.map((w) => new Tensor(w.data.slice(), w.shape));
    this.materialize(true, 'model.getWeights()');
    return this.net.weights.read(this.net.layers);
  }

  setWeights(weights: Tensor[]): void {
    this.live('setWeights');
    const params = WeightStore.order(this.net.layers);
    if (!Array.isArray(weights) || weights.length !== params.length) {
      throw new Error(`setWeights: expected ${params.length} tensors, got ${Array.isArray(weights) ? weights.length : typeof weights}`);
    }
    params.forEach(({ key, param: p }, i) => {
      const w = weights[i];
      if (!(w instanceof Tensor)) {
        throw new Error(`setWeights: weight ${i} (${key}) must be an sn.tensor of shape [${p.shape.join(', ')}], got ${Array.isArray(w) ? 'an array' : show(w)}`);
      }
      if (w.shape.join() !== p.shape.join()) throw new Error(`setWeights: weight ${i} (${key}) must have shape [${p.shape.join(', ')}], got [${w.shape.join(', ')}]`);
      const bad = firstNonFinite(w.data);
      if (bad >= 0) throw new Error(`setWeights: weight ${i} (${key}) holds ${w.data[bad]} at flat index ${bad}`);
    });
    this.writeWeights(weights, true);
  }

  /**
   * setWeights without its checks, for weights already checked against this model's layers (model files).
   * Returns the index of the first weight holding a NaN or an infinity, -1 if none; where the kernels are
   * loaded that is checked after the copy, in Wasm (a JS pass over a 1.7 MB model costs a cold start ~6 ms),
   * so a caller that gets an index must discard the model. `checked`: the values were checked already (-1).
   * @internal
   */
  writeWeights(weights: Tensor[], checked = false): number {
    if (!runtimeLoaded()) {
      const bad = checked ? -1 : weights.findIndex((w) => firstNonFinite(w.data) >= 0);
      if (bad >= 0) return bad;
      // kept (copied) until the kernels load: loading a model works before sn.ready()
      this.pendingWeights = weights.map((w) => new Tensor(w.data.slice(), w.shape));
      return -1;
    }
    // every weight is about to be overwritten: no need to draw initial values first
    const rt = this.materialize(false);
    this.net.weights.write(this.net.layers, weights);
    if (checked) return -1;
    return WeightStore.order(this.net.layers).findIndex(({ param: p }) => rt.k.count_nonfinite(p.offset, p.size) > 0);
  }

  /**
   * Lets `read(i, bytes)` fill weight i's memory itself (i in namedWeights order; bytes: its float32 values,
   * little-endian, as they lie in Wasm memory) — a model file read straight into place, never copied. The
   * reads run at once. The kernels must be loaded. Returns the index of the first weight holding a NaN or an
   * infinity, -1 if none (the caller discards the model then). If the memory grew while the reads were
   * awaited, they are all made again into new views: a grown non-shared memory detaches its old views (a read
   * that starts on one fails; one already running writes where the memory was, which is where it still is
   * where V8 grows memories in place, but is not promised).
   * @internal
   */
  async fillWeights(read: (i: number, bytes: Uint8Array) => Promise<void>): Promise<number> {
    this.live('fillWeights');
    const rt = this.materialize(false);
    const params = WeightStore.order(this.net.layers).map(({ param }) => param);
    for (;;) {
      const buffer = rt.memory.buffer;
      const reads = await Promise.allSettled(params.map((p, i) => read(i, new Uint8Array(buffer, p.offset, p.size * 4))));
      if (rt.memory.buffer !== buffer) continue; // grown meanwhile: read again into the new views
      const failed = reads.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      break;
    }
    return this.filledIn(rt, params);
  }

  /**
   * fillWeights for bytes already in memory: `write(i, bytes)` fills weight i's memory at once (nothing is awaited, so
   * the memory cannot grow meanwhile). The kernels must be loaded. Returns as fillWeights.
   * @internal
   */
  fillWeightsSync(write: (i: number, bytes: Uint8Array) => void): number {
    this.live('fillWeights');
    const rt = this.materialize(false);
    const params = WeightStore.order(this.net.layers).map(({ param }) => param);
    params.forEach((p, i) => write(i, new Uint8Array(rt.memory.buffer, p.offset, p.size * 4)));
    return this.filledIn(rt, params);
  }

  /** After the weights were written in place: their versions moved on; the first holding a NaN or an infinity (-1: none). */
  private filledIn(rt: Runtime, params: readonly { offset: number; size: number; version: number }[]): number {
    for (const p of params) p.version++;
    return params.findIndex((p) => rt.k.count_nonfinite(p.offset, p.size) > 0);
  }

  /**
   * The optimizer's state for this model as tfjs' optimizer.getWeights() lists it (`iter`, then each slot over
   * the trainable weights): what save writes with includeOptimizer. [] if the model is not compiled. `native`: in
   * the optimizer's own form (Optimizer.stateWeights).
   * @internal
   */
  optimizerWeights(fn: string, native = false): StateWeight[] {
    this.live(fn);
    const opt = this.net.optimizer;
    if (!opt) return [];
    this.materialize(true, fn);
    return opt.stateWeights(this.net.weights, this.net.weights.trainableParams(this.net.layers), fn, native);
  }

  /**
   * Sets the optimizer's state for this model from a file's entries (optimizerWeights' form; tfjs writes the
   * same), so training resumes where it stopped: momentum, moments and the update count. Checked and converted
   * at once (errors name the entry); without the kernels yet, put in place when they load. The model must be
   * compiled. `native`: entries optimizerWeights(fn, true) wrote.
   * @internal
   */
  setOptimizerWeights(entries: readonly SavedState[], where: string, native = false): void {
    this.live('setOptimizerWeights');
    const opt = this.net.optimizer;
    if (!opt) throw new Error(`${where}: the file holds optimizer state but no training config to compile the model with`);
    const w = this.net.weights;
    const state = opt.readState(w.trainableParams(this.net.layers), entries, where, native);
    opt.iterations = state.iterations;
    if (!runtimeLoaded()) { this.pendingState = state; return; }
    this.installState(state);
  }

  private installState(state: PreparedState): void {
    const rt = this.materialize(true, 'setting the optimizer state');
    const w = this.net.weights;
    this.net.optimizer!.installState(rt, w, w.trainableParams(this.net.layers), w.trainableFloats, state);
  }

  // ---- fit / evaluate / predict ------------------------------------------------------------------

  private async prepare(fn: string, threads: unknown, compiled: boolean): Promise<Runtime> {
    this.requireLayers(fn);
    if (this.net.batchStaged) {
      throw new Error(`${fn}: called while fit's batch waits in the model's input (an onBatchBegin callback runs): it would ` +
        'train on these inputs instead; call it from onBatchEnd or onEpochEnd, which Keras\' callbacks use for this');
    }
    if (this.disposing) {
      throw new Error(`${fn}: model '${this.name}' is being disposed (dispose() was called while a call of it runs; its memory ` +
        'is freed when that call ends); build or load a new one');
    }
    await initRuntime();
    if (compiled && (!this.net.optimizer || !this.net.loss)) {
      throw new Error(`${fn}: the model must be compiled first: call model.compile({ optimizer, loss })` +
        (this.changedBy ? ` (again: ${this.changedBy} changed its layers since it was compiled, and its loss and metrics were checked against the old last layer)` : ''));
    }
    checkThreads(threads, fn);
    const rt = this.materialize();
    await useThreads(rt, threads as number | 'auto' | undefined);
    return rt;
  }

  async fit(x: Tensor, y: Tensor, args: FitArgs = {}): Promise<History> {
    return this.fitAs('fit', x, y, args);
  }

  /** fit, its errors naming `fn` (fit, trainOnBatch). */
  private async fitAs(fn: string, x: Tensor, y: Tensor, args: FitArgs): Promise<History> {
    const t = training(fn);
    checkOptions(fn, args, t.fitOptions);
    args ??= {};
    return this.training(fn, () => this.counted(async () => {
      await this.prepare(fn, args.threads, true);
      return t.fit(this.net, this, x, y, args, fn);
    }));
  }

  /** Steps trained by trainOnBatch: its step seeds go on from call to call, so dropout draws anew each time. */
  private batchSteps = 0;

  /**
   * One optimizer step on x, y as a single batch (Keras' train_on_batch, tfjs' trainOnBatch): the batch's loss, or
   * [loss, ...metrics] in compile's order when compiled with metrics. Successive calls train exactly as fit's
   * successive one-batch epochs (`fit(x, y, { epochs: k, batchSize: n, shuffle: false })`), dropout draws included.
   */
  async trainOnBatch(x: Tensor, y: Tensor, args: OnBatchArgs = {}): Promise<number | number[]> {
    checkOptions('trainOnBatch', args, ON_BATCH_OPTIONS satisfies AllOptions<OnBatchArgs, typeof ON_BATCH_OPTIONS>);
    const step = this.batchSteps;
    let h: History;
    try {
      h = await this.fitAs('trainOnBatch', x, y, { ...args, epochs: step + 1, initialEpoch: step, batchSize: batchOf(x), shuffle: false, verbose: 0 });
    } catch (e) {
      // its one-batch epoch is this call: a divergence names the call, not an epoch
      if (e instanceof Error) {
        e.message = e.message.replace(/ at epoch \d+, batch \d+/, ` at this batch (trainOnBatch call ${step + 1})`)
          .replace(/ in the last update of epoch \d+ \(batch \d+\)/, ` in this batch's update (trainOnBatch call ${step + 1})`);
      }
      throw e;
    }
    this.batchSteps++;
    return scalarOrList(h.history.loss[0], this.net.metrics.map((k) => h.history[k][0]));
  }

  /** The loss of x, y as one batch, or [loss, ...metrics] (Keras' test_on_batch). */
  async testOnBatch(x: Tensor, y: Tensor, args: Pick<OnBatchArgs, 'sampleWeight'> = {}): Promise<number | number[]> {
    checkOptions('testOnBatch', args, ['sampleWeight'] as const);
    const e = await this.evaluateAs('testOnBatch', x, y, { ...args, batchSize: batchOf(x) });
    return scalarOrList(e.loss, this.net.metrics.map((k) => e[k]!));
  }

  /** The outputs of x as one batch (tfjs' predictOnBatch, Keras' predict_on_batch). */
  async predictOnBatch(x: Tensor): Promise<Tensor> {
    return this.predictAs('predictOnBatch', x, { batchSize: batchOf(x) });
  }

  private fitting: string | null = null;

  /** Runs one fit / fitDataset at a time: two at once would interleave their steps on the same weights. */
  private async training<T>(fn: string, run: () => Promise<T>): Promise<T> {
    if (this.fitting) throw new Error(`${fn}: the model is already training (a ${this.fitting}() call has not finished); await it first`);
    this.fitting = fn;
    try {
      return await run();
    } finally {
      this.fitting = null;
    }
  }

  /**
   * Trains on batches streamed from a dataset (tfjs' fitDataset, Keras' fit(dataset)): an iterable or async
   * iterable of { xs, ys } giving a fresh pass per epoch, or a function returning one; memory holds one
   * batch at a time. With the same batches in the same order it trains exactly as fit().
   */
  async fitDataset(dataset: Dataset, args: FitDatasetArgs = {}): Promise<History> {
    const t = training('fitDataset');
    checkOptions('fitDataset', args, t.fitDatasetOptions);
    args ??= {};
    return this.training('fitDataset', () => this.counted(async () => {
      await this.prepare('fitDataset', args.threads, true);
      return t.fitDataset(this.net, this, dataset, args);
    }));
  }

  async evaluate(x: Tensor, y: Tensor, args: EvaluateArgs = {}): Promise<Evaluated> {
    return this.evaluateAs('evaluate', x, y, args);
  }

  /** evaluate, its errors naming `fn` (evaluate, testOnBatch). */
  private async evaluateAs(fn: string, x: Tensor, y: Tensor, args: EvaluateArgs): Promise<Evaluated> {
    const t = training(fn);
    checkOptions(fn, args, EVALUATE_OPTIONS satisfies AllOptions<EvaluateArgs, typeof EVALUATE_OPTIONS>);
    args ??= {};
    return this.counted(async () => {
      await this.prepare(fn, args.threads, true);
      return t.evaluate(this.net, x, y, args.batchSize ?? 32, fn, args.sampleWeight);
    });
  }

  async predict(x: Tensor, args: PredictArgs = {}): Promise<Tensor> {
    return this.predictAs('predict', x, args);
  }

  private async predictAs(fn: string, x: Tensor, args: PredictArgs): Promise<Tensor> {
    checkOptions(fn, args, PREDICT_OPTIONS satisfies AllOptions<PredictArgs, typeof PREDICT_OPTIONS>);
    args ??= {};
    return this.counted(async () => {
      const rt = await this.prepare(fn, args.threads, false);
      return predict(this.net, rt, x, args.batchSize ?? 32, fn);
    });
  }

  /** argmax class per sample (or threshold 0.5 for a single sigmoid output, 0 for a logit); for an output [steps, classes] (or [h, w, classes]) one per step (pixel), flat: [n · steps]. */
  async predictClasses(x: Tensor, args: PredictArgs = {}): Promise<Int32Array> {
    const p = await this.predictAs('predictClasses', x, args);
    // along the output's last axis, as Keras' argmax(axis=-1): one class per sample, or per step or pixel
    const c = p.shape[p.shape.length - 1], rows = p.size / Math.max(1, c);
    const out = new Int32Array(rows);
    const threshold = this.net.fromLogits ? 0 : 0.5; // a logit above 0 is a probability above 0.5
    for (let i = 0; i < rows; i++) {
      if (c === 1) { out[i] = p.data[i] > threshold ? 1 : 0; continue; }
      let best = 0;
      for (let j = 1; j < c; j++) if (p.data[i * c + j] > p.data[i * c + best]) best = j;
      out[i] = best;
    }
    return out;
  }

  /**
   * Saves the model (atomically, on Node): a folder path (model.json in tfjs layers-model format +
   * weights.bin), or a .h5 file path (Keras' HDF5 layout); indexeddb:// and downloads:// in browsers.
   * `includeOptimizer: true` also saves the optimizer's state (tfjs layers-model targets), so that
   * loadModel gives a model whose training resumes where it stopped.
   */
  async save(target: string, options?: SaveOptions): Promise<void> {
    const o = saveOptions('save', options);
    this.requireLayers('save');
    this.refuseNonFiniteWeights('save');
    const handler = saveHandlerFor(target);
    await this.counted(async () => {
      await initRuntime();
      await handler.save(this, target, o);
    });
  }

  /**
   * Saves the weights alone (Keras' save_weights), atomically: a `.weights.h5` path in Keras 3's layout, another
   * `.h5` in Keras 2's (which Keras 3's load_weights reads too). loadWeights reads them back into a model of the
   * same layers.
   */
  async saveWeights(file: string): Promise<void> {
    this.requireLayers('saveWeights');
    this.refuseNonFiniteWeights('saveWeights');
    const io = weightFiles('saveWeights');
    await this.counted(async () => {
      await initRuntime();
      await io.save(this, file);
    });
  }

  /** Throws, naming `fn`, if saveWeights could not write `file` for this model's layers (a wrapped layer in .weights.h5). @internal */
  checkWeightsLayout(file: string, fn: string, weightsOnly = true): void { weightFiles(fn).check(this, file, fn, weightsOnly); }

  /**
   * Sets the weights from a Keras weights file (Keras' load_weights): Keras 3's `.weights.h5`, Keras 2's
   * save_weights `.h5`, or a whole-model `.h5`'s weights; a path, or the bytes as `{ h5 }`. Layers are paired in
   * order and every shape is checked before anything is written.
   */
  async loadWeights(source: string | { h5: ArrayBuffer | ArrayBufferView }): Promise<void> {
    this.requireLayers('loadWeights');
    const io = weightFiles('loadWeights');
    await this.counted(async () => {
      await initRuntime();
      await io.load(this, source);
    });
  }

  /** The model in memory, as model.save would write it: model.json's object and weights.bin's bytes. */
  async toArtifacts(options?: SaveOptions): Promise<Artifacts> {
    const o = saveOptions('toArtifacts', options);
    this.requireLayers('toArtifacts');
    this.refuseNonFiniteWeights('toArtifacts');
    return this.counted(async () => {
      await initRuntime();
      return artifactsWriter()(this, o);
    });
  }

  /** How many weight values are NaN or infinite, counted in Wasm. @internal */
  nonFiniteWeights(): number { return this.net.nonFiniteWeights(); }

  /**
   * Refuses a model whose weights hold NaN or an infinity (after a diverged fit) before it is written anywhere:
   * loadModel refuses such a model, so writing it could only replace a good file with one that cannot be used.
   * @internal
   */
  refuseNonFiniteWeights(fn: string): void {
    this.live(fn);
    const count = this.nonFiniteWeights();
    if (count === 0) return;
    const weights = this.getWeights();
    const first = weights.findIndex((t) => firstNonFinite(t.data) >= 0);
    const w = weights[first], at = firstNonFinite(w.data);
    throw new Error(`${fn}: weight ${this.namedWeights()[first].key} holds ${w.data[at]} at flat index ${at} (${count} NaN or infinite ` +
      'value(s) in all: training diverged); a model with non-finite weights cannot be loaded again, so it is not written ' +
      '(nothing was changed where it would have gone)');
  }

  /** Calls (fit, evaluate, predict, save ...) started and not finished: dispose() waits for them. */
  private running = 0;
  private disposing = false;

  /** Runs an asynchronous call that uses the model's memory; a dispose() meanwhile frees it when the last ends. */
  private async counted<T>(call: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await call();
    } finally {
      if (--this.running === 0 && this.disposing) this.dispose();
    }
  }

  /**
   * Frees the model's Wasm memory (weights, optimizer state, buffers); every later call is refused. Called while a
   * fit, predict or save of it runs (`try { return model.predict(x) } finally { model.dispose() }`, or from a
   * callback), it stops training after the current batch and frees the memory when that call ends.
   */
  dispose(): void {
    if (this.net.disposed) return;
    if (this.running > 0) {
      this.disposing = true; // stopTraining reads true from now on, even where fit resets it as it starts
      return;
    }
    dropped?.unregister(this);
    this.net.dispose();
  }
}

/**
 * A layer's way to its model's weights. Held weakly where the host can: the network (which the garbage collector's
 * registry below holds until the model goes) must not hold its model, or no model would ever be collected. A host
 * without WeakRef has no FinalizationRegistry either, so a strong reference costs nothing there.
 */
function weightAccess(model: Sequential, layer: Layer): WeightAccess {
  return accessThrough(weakly(model), owners.get(layer)!, layer);
}

/** A weak reference to `model` (made here: a closure beside it would hold `model` in their shared scope). */
function weakly(model: Sequential): { deref(): Sequential | undefined } {
  return typeof WeakRef === 'function' ? new WeakRef(model) : { deref: () => model };
}

/** A layer's weights read from its network directly (its model gone); null where there are none to read. */
function netLayerWeights(net: Network, layer: Layer): Tensor[] | null {
  return net.disposed || !net.weights.allocated ? null : net.weights.read([layer]);
}

/**
 * Weights of layers whose model was garbage-collected, read as the collector freed its memory (Keras' layers keep
 * theirs), or that were popped from their model (as they were then).
 */
const orphaned = new WeakMap<Layer, Tensor[]>();

/** Layers popped from a model, with the model's name. */
const popped = new WeakMap<Layer, string>();

/** A popped layer's weights: the copy taken as it left, read only. */
function poppedAccess(model: string, layer: Layer): WeightAccess {
  return {
    get: () => {
      const kept = orphaned.get(layer);
      if (!kept && layer.params.length) throw new Error(`${layer.label}.getWeights: it was popped from model '${model}' before its weights were ever made`);
      return (kept ?? []).map((t) => new Tensor(t.data.slice(), t.shape));
    },
    set: () => { throw new Error(`${layer.label}.setWeights: it was popped from model '${model}' (its weights can be read, not set)`); },
  };
}

/**
 * Through the model while it lives. A layer outlives a model nobody holds (Keras' layers keep their weights): then
 * it reads them from the network — held by the collector's registry, not by the layer's model — or, once that
 * memory is freed, from the copy taken as it was.
 */
function accessThrough(ref: { deref(): Sequential | undefined }, net: Network, layer: Layer): WeightAccess {
  return {
    get: () => {
      const m = ref.deref();
      if (m) return m.layerWeights(layer);
      const kept = orphaned.get(layer) ?? netLayerWeights(net, layer);
      if (!kept) throw new Error(`${layer.label}.getWeights: its model was garbage-collected before its weights were ever made`);
      return kept.map((t) => new Tensor(t.data.slice(), t.shape));
    },
    set: (ws) => {
      const m = ref.deref();
      if (!m) throw new Error(`${layer.label}.setWeights: its model was garbage-collected (its weights can be read, not set): keep the model to change them`);
      m.setLayerWeights(layer, ws);
    },
  };
}

/** Whether a layer's declared input shape is `shape` (null first: any sequence length). */
function sameShape(layer: Layer, shape: (number | null)[]): boolean {
  const declared = layer.variableSteps ? [null, ...layer.declaredInputShape!.slice(1)] : layer.declaredInputShape!;
  return declared.length === shape.length && declared.every((d, i) => d === shape[i]);
}

export interface OnBatchArgs { sampleWeight?: Tensor | ArrayLike<number>; classWeight?: FitArgs['classWeight'] }
const ON_BATCH_OPTIONS = ['sampleWeight', 'classWeight'] as const;

/** x's sample count as a batch size (1 where x is no tensor, whose error the call it goes to gives). */
const batchOf = (x: unknown): number => (x instanceof Tensor && x.shape[0] > 0 ? x.shape[0] : 1);

/** Keras' *_on_batch results: the loss alone without metrics, else [loss, ...metrics]. */
const scalarOrList = (loss: number, metrics: number[]): number | number[] => (metrics.length ? [loss, ...metrics] : loss);

/** The network each layer was added to (a layer serves one model). */
const owners = new WeakMap<Layer, Network>();

/**
 * A model that is no longer reachable gives its Wasm memory back (parameters, gradients, optimizer state,
 * activations) when the garbage collector finalizes it, as tfjs-layers' models do not and Keras users expect of
 * Python objects: a loop that builds model after model does not run out of memory. The network holds no reference
 * to its model, so holding it here keeps nothing alive. dispose() does the same at once.
 */
const dropped = typeof FinalizationRegistry === 'function' // Cloudflare Workers have none: dispose() there
  ? new FinalizationRegistry<Network>((net) => {
    if (net.disposed) return;
    // a layer the user still holds keeps its weights, as Keras' do (copies; the memory goes)
    for (const layer of net.layers) {
      const w = netLayerWeights(net, layer);
      if (w?.length) orphaned.set(layer, w);
    }
    net.dispose();
  }) : null;

export function sequential(args?: SequentialArgs): Sequential { return new Sequential(args); }
