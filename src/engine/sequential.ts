// Sequential: a stack of layers with Keras' compile / fit / evaluate / predict. The model owns one
// contiguous block of parameters and one of gradients (same layout), so the optimizer step is one flat
// loop; activations and scratch come from the arena, planned per maximum batch size.
import { Callback, CallbackList, toCallback, type CallbackHooks, type Logs } from '../callbacks/callback.js';
import { History } from '../callbacks/history.js';
import { ProgressLogger } from '../callbacks/progress.js';
import type { Layer } from '../layers/layer.js';
import { initRuntime, runtime, type Runtime } from '../runtime/wasm.js';
import { checkThreads, useThreads } from '../threads/index.js';
import { Tensor } from '../tensor.js';
import { accuracyCount, checkLoss, isFused, lossForward, sparseLabels, type LossName } from './losses.js';
import { getOptimizer, type Optimizer } from './optimizers.js';
import { Random } from './random.js';
import { summary } from './summary.js';

export interface CompileArgs {
  optimizer: Optimizer | string;
  loss: string;
  metrics?: string[];
}

export interface FitArgs {
  batchSize?: number;
  epochs?: number;
  shuffle?: boolean;
  verbose?: 0 | 1 | 2;
  validationData?: [Tensor, Tensor];
  validationSplit?: number;
  seed?: number;
  /** Threads: 'auto' (all cores) or a count; 1 = no workers. Results are identical for any count. */
  threads?: number | 'auto';
  initialEpoch?: number;
  callbacks?: (Callback | CallbackHooks)[];
}

export interface SequentialArgs { name?: string; layers?: Layer[]; seed?: number }

const ACCURACY_NAMES = ['accuracy', 'acc'];
const SNAKE: Record<string, string> = { Conv2D: 'conv2d', Dense: 'dense', MaxPooling2D: 'max_pooling2d',
  AveragePooling2D: 'average_pooling2d', Dropout: 'dropout', Flatten: 'flatten', Activation: 'activation',
  SimpleRNN: 'simple_rnn', LSTM: 'lstm', GRU: 'gru', Embedding: 'embedding' };

/** A batch plan: the buffers of every layer for batches of up to maxBatch samples. */
interface Plan { maxBatch: number; training: boolean; input: number; labels: number; grad: number }

/** Data copied into the arena for one fit / evaluate / predict call. */
interface Staged { x: number; y: number; n: number; release(): void }

export class Sequential {
  readonly name: string;
  readonly layers: Layer[] = [];
  /** Set to true (e.g. from a callback) to stop fit() after the current batch. */
  stopTraining = false;
  optimizer: Optimizer | null = null;
  loss: LossName | null = null;
  metrics: string[] = [];
  private readonly seed: number;
  private rt: Runtime | null = null;
  private paramBlock = 0;
  private gradBlock = 0;
  private paramCount = 0;
  private plan: Plan | null = null;
  private layerNames = new Map<string, number>();

  constructor(args: SequentialArgs = {}) {
    this.name = args.name ?? 'sequential';
    this.seed = args.seed ?? 1337;
    for (const l of args.layers ?? []) this.add(l);
  }

  add(layer: Layer): void {
    if (!layer || typeof (layer as Layer).forward !== 'function') {
      throw new Error(`${this.name}.add: expected a layer (e.g. sn.layers.dense({...})), got ${String(layer)}`);
    }
    if (this.paramBlock) throw new Error(`${this.name}.add: cannot add layers after the model has been compiled or used`);
    const autoName = !layer.name;
    const base = SNAKE[layer.className] ?? layer.className.toLowerCase();
    const count = this.layerNames.get(base) ?? 0;
    if (autoName) layer.name = count === 0 ? base : `${base}_${count}`;
    try {
      if (this.layers.some((l) => l.name === layer.name)) throw new Error(`${this.name}.add: duplicate layer name '${layer.name}'`);
      const prev = this.layers[this.layers.length - 1];
      if (!prev && !layer.declaredInputShape) {
        throw new Error(`${this.name}.add: the first layer (${layer.label}) needs an inputShape, e.g. inputShape: [42, 42, 3]`);
      }
      if (prev && layer.declaredInputShape && layer.declaredInputShape.join() !== prev.outputShape.join()) {
        throw new Error(`${this.name}.add: ${layer.label} declares inputShape [${layer.declaredInputShape.join(', ')}] ` +
          `but the previous layer outputs [${prev.outputShape.join(', ')}]`);
      }
      layer.build(prev ? prev.outputShape : layer.declaredInputShape!);
    } catch (e) {
      if (autoName) layer.name = '';
      throw e;
    }
    if (autoName) this.layerNames.set(base, count + 1);
    this.layers.push(layer);
  }

  get inputShape(): number[] { return this.requireLayers().inputShape; }
  get outputShape(): number[] { return this.layers[this.layers.length - 1].outputShape; }

  countParams(): number { return this.layers.reduce((s, l) => s + l.countParams(), 0); }

  summary(lineLength?: number, print: (line: string) => void = console.log): string {
    const text = summary(this, lineLength);
    print(text);
    return text;
  }

  compile(args: CompileArgs): void {
    if (!args || typeof args !== 'object') throw new Error('compile: expected { optimizer, loss, metrics? }');
    this.requireLayers();
    const loss = checkLoss(args.loss);
    const optimizer = getOptimizer(args.optimizer);
    const metrics = args.metrics ?? [];
    if (!Array.isArray(metrics)) throw new Error(`compile: metrics must be an array, got ${JSON.stringify(metrics)}`);
    for (const m of metrics) {
      if (!ACCURACY_NAMES.includes(m)) throw new Error(`compile: unknown metric ${JSON.stringify(m)}; valid: ${ACCURACY_NAMES.join(', ')}`);
    }
    const last = this.layers[this.layers.length - 1];
    if (loss === 'sparseCategoricalCrossentropy' && last.outputActivation !== 'softmax') {
      throw new Error(`compile: loss sparseCategoricalCrossentropy needs the last layer to end in softmax; ${last.label} ends in ${last.outputActivation}`);
    }
    if (this.optimizer && this.optimizer !== optimizer) this.optimizer.reset();
    this.loss = loss;
    this.optimizer = optimizer;
    this.metrics = [...metrics];
    this.materialize();
  }

  // ---- weights ---------------------------------------------------------------------------------

  /** Allocates the parameter and gradient blocks and initialises the weights (once; not when all are about to be set). */
  private materialize(initialise = true): Runtime {
    const rt = runtime();
    if (this.paramBlock) return rt;
    this.rt = rt;
    const params = this.layers.flatMap((l) => l.params);
    // each tensor starts on a 16-byte boundary so SIMD loads of biases stay aligned
    const padded = (n: number) => Math.ceil(n / 4) * 4;
    this.paramCount = params.reduce((s, p) => s + padded(p.size), 0);
    this.paramBlock = rt.arena.allocZeroed(this.paramCount * 4, `${this.name} parameters`);
    this.gradBlock = rt.arena.allocZeroed(this.paramCount * 4, `${this.name} gradients`);
    const rng = new Random(this.seed);
    let off = 0;
    for (const p of params) {
      p.offset = this.paramBlock + off * 4;
      p.gradOffset = this.gradBlock + off * 4;
      if (initialise) p.init.fill(rt.f32(p.offset, p.size), p.shape, rng);
      off += padded(p.size);
    }
    return rt;
  }

  /** Weights in Keras order (kernel, bias per layer), copied out. */
  getWeights(): Tensor[] {
    const rt = this.materialize();
    return this.layers.flatMap((l) => l.params.map((p) => new Tensor(rt.f32(p.offset, p.size).slice(), p.shape)));
  }

  setWeights(weights: Tensor[]): void {
    const params = this.layers.flatMap((l) => l.params.map((p) => ({ l, p })));
    if (!Array.isArray(weights) || weights.length !== params.length) {
      throw new Error(`setWeights: expected ${params.length} tensors, got ${Array.isArray(weights) ? weights.length : typeof weights}`);
    }
    params.forEach(({ l, p }, i) => {
      const w = weights[i];
      if (!w || w.shape.join() !== p.shape.join()) {
        throw new Error(`setWeights: weight ${i} (${l.name}/${p.name}) must have shape [${p.shape.join(', ')}], got [${w?.shape?.join(', ')}]`);
      }
    });
    // every weight is about to be overwritten: no need to draw initial values first
    const rt = this.materialize(false);
    params.forEach(({ p }, i) => rt.f32(p.offset, p.size).set(weights[i].data));
  }

  // ---- running batches -------------------------------------------------------------------------

  private ensurePlan(maxBatch: number, training: boolean): Plan {
    const rt = this.materialize();
    const p = this.plan;
    if (p && p.maxBatch >= maxBatch && (p.training || !training)) return p;
    this.releasePlan();
    const size = Math.max(maxBatch, p?.maxBatch ?? 0);
    const wantTraining = training || (p?.training ?? false);
    for (const l of this.layers) l.allocate(rt, size, wantTraining);
    const inSize = this.inputShape.reduce((a, b) => a * b, 1);
    const outSize = this.outputShape.reduce((a, b) => a * b, 1);
    this.plan = {
      maxBatch: size, training: wantTraining,
      input: rt.arena.alloc(size * inSize * 4, 'batch input'),
      labels: rt.arena.alloc(size * outSize * 4, 'batch labels'),
      grad: rt.arena.alloc(size * outSize * 4, 'loss gradient'),
    };
    return this.plan;
  }

  private releasePlan(): void {
    if (!this.plan || !this.rt) return;
    for (const l of this.layers) l.release();
    for (const off of [this.plan.input, this.plan.labels, this.plan.grad]) this.rt.arena.release(off);
    this.plan = null;
  }

  /** Forward pass over n samples already at plan.input; returns the output pointer. */
  private forward(n: number, training: boolean, seed: number): number {
    let x = this.plan!.input;
    this.layers.forEach((l, i) => { x = l.forward(x, n, training, (seed + Math.imul(i + 1, 0x9e3779b1)) >>> 0); });
    return x;
  }

  /** One optimisation step on the n samples at plan.input / plan.labels. Returns [loss, correct, judged]. */
  private trainStep(n: number, seed: number): [number, number, number] {
    const rt = this.rt!;
    const plan = this.plan!;
    const out = this.forward(n, true, seed);
    const last = this.layers[this.layers.length - 1];
    const fused = isFused(this.loss!, last.outputActivation);
    const cols = this.outputShape.reduce((a, b) => a * b, 1);
    const loss = lossForward(rt, this.loss!, fused, plan.grad, out, plan.labels, n, cols);
    const [correct, judged] = accuracyCount(rt, this.loss!, out, plan.labels, n, cols);
    rt.f32(this.gradBlock, this.paramCount).fill(0);
    let dy = plan.grad;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      dy = this.layers[i].backward(dy, n, i > 0, fused && i === this.layers.length - 1);
    }
    this.optimizer!.step(rt, this.paramBlock, this.gradBlock, this.paramCount);
    return [loss, correct, judged];
  }

  // ---- data staging and checks -----------------------------------------------------------------

  private checkX(x: Tensor, arg: string, fn: string): number {
    if (!(x instanceof Tensor)) throw new Error(`${fn}: ${arg} must be an sn.tensor, got ${x === null ? 'null' : typeof x}`);
    const want = this.inputShape;
    if (x.rank !== want.length + 1 || x.shape.slice(1).join() !== want.join()) {
      throw new Error(`${fn}: ${arg} must have shape [n, ${want.join(', ')}] for ${this.layers[0].label}, got [${x.shape.join(', ')}]`);
    }
    if (x.shape[0] === 0) throw new Error(`${fn}: ${arg} has no samples`);
    this.layers[0].checkInput(x.data, fn, arg);
    return x.shape[0];
  }

  private checkY(y: Tensor, n: number, arg: string, fn: string): void {
    if (!(y instanceof Tensor)) throw new Error(`${fn}: ${arg} must be an sn.tensor, got ${y === null ? 'null' : typeof y}`);
    if (y.shape[0] !== n) throw new Error(`${fn}: ${arg} has ${y.shape[0]} labels but x has ${n} samples`);
    const out = this.outputShape;
    if (sparseLabels(this.loss!)) {
      if (!(y.rank === 1 || (y.rank === 2 && y.shape[1] === 1))) {
        throw new Error(`${fn}: ${arg} for sparseCategoricalCrossentropy must be class ids of shape [n] or [n, 1], got [${y.shape.join(', ')}]`);
      }
      for (let i = 0; i < n; i++) {
        const c = y.data[i];
        if (!Number.isInteger(c) || c < 0 || c >= out[0]) {
          throw new Error(`${fn}: ${arg}[${i}] = ${c} is not a class id in [0, ${out[0]})`);
        }
      }
      return;
    }
    // Keras accepts labels of shape [n] for a single output unit
    const singleColumn = out.length === 1 && out[0] === 1 && y.rank === 1;
    if (!singleColumn && (y.rank !== out.length + 1 || y.shape.slice(1).join() !== out.join())) {
      const hint = out.length === 1 && out[0] > 1 && y.rank === 1 ? ' (one-hot encode class ids with sn.utils.toCategorical)' : '';
      throw new Error(`${fn}: ${arg} must have shape [n, ${out.join(', ')}] to match the model's output, got [${y.shape.join(', ')}]${hint}`);
    }
  }

  /** Copies x (and y) into the arena, refusing non-finite values. */
  private stage(x: Tensor, y: Tensor | null, fn: string, xArg: string, yArg: string): Staged {
    const rt = this.rt!;
    const n = x.shape[0];
    const xo = rt.arena.alloc(x.size * 4, `${fn} ${xArg}`);
    let yo = 0;
    const release = () => { rt.arena.release(xo); if (yo) rt.arena.release(yo); };
    try {
      rt.f32(xo, x.size).set(x.data);
      const bad = rt.k.count_nonfinite(xo, x.size);
      if (bad) throw new Error(`${fn}: ${xArg} contains ${bad} NaN or infinite value(s), first at flat index ${firstNonFinite(x.data)}`);
      if (y) {
        yo = rt.arena.alloc(y.size * 4, `${fn} ${yArg}`);
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

  /** Gathers rows idx[from..to) of staged data into the plan's batch buffers. */
  private gather(s: Staged, idx: number, from: number, count: number): void {
    const rt = this.rt!;
    const inSize = this.inputShape.reduce((a, b) => a * b, 1);
    rt.k.gather_rows(this.plan!.input, s.x, idx + from * 4, count, inSize);
    if (s.y) rt.k.gather_rows(this.plan!.labels, s.y, idx + from * 4, count, this.labelWidth());
  }

  private labelWidth(): number {
    return sparseLabels(this.loss!) ? 1 : this.outputShape.reduce((a, b) => a * b, 1);
  }

  private requireCompiled(fn: string): void {
    if (!this.optimizer || !this.loss) throw new Error(`${fn}: the model must be compiled first: call model.compile({ optimizer, loss })`);
  }

  private requireLayers(): Layer {
    if (this.layers.length === 0) throw new Error(`${this.name}: the model has no layers; add some with model.add(...)`);
    return this.layers[0];
  }

  // ---- fit / evaluate / predict ----------------------------------------------------------------

  async fit(x: Tensor, y: Tensor, args: FitArgs = {}): Promise<History> {
    await initRuntime();
    this.requireCompiled('fit');
    const fn = 'fit';
    const n = this.checkX(x, 'x', fn);
    this.checkY(y, n, 'y', fn);
    const batchSize = args.batchSize ?? 32;
    const epochs = args.epochs ?? 1;
    const initialEpoch = args.initialEpoch ?? 0;
    const verbose = args.verbose ?? 1;
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`fit: batchSize must be a positive integer, got ${JSON.stringify(args.batchSize)}`);
    if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`fit: epochs must be a non-negative integer, got ${JSON.stringify(args.epochs)}`);
    if (![0, 1, 2].includes(verbose)) throw new Error(`fit: verbose must be 0, 1 or 2, got ${JSON.stringify(args.verbose)}`);
    checkThreads(args.threads, 'fit');
    const seed = args.seed ?? 0;
    if (!Number.isInteger(seed)) throw new Error(`fit: seed must be an integer, got ${JSON.stringify(args.seed)}`);

    let trainX = x, trainY = y;
    let valData = args.validationData;
    if (args.validationSplit !== undefined) {
      const vs = args.validationSplit;
      if (typeof vs !== 'number' || !(vs > 0 && vs < 1)) throw new Error(`fit: validationSplit must be in (0, 1), got ${JSON.stringify(vs)}`);
      if (valData) throw new Error('fit: give either validationData or validationSplit, not both');
      // Keras: the last fraction of the samples, before shuffling
      const nVal = Math.floor(n * vs);
      if (nVal === 0 || nVal === n) throw new Error(`fit: validationSplit ${vs} of ${n} samples leaves an empty set`);
      [trainX, valData] = [sliceRows(x, 0, n - nVal), [sliceRows(x, n - nVal, n), sliceRows(y, n - nVal, n)]];
      trainY = sliceRows(y, 0, n - nVal);
    }
    if (valData) {
      if (!Array.isArray(valData) || valData.length !== 2) throw new Error('fit: validationData must be [xVal, yVal]');
      const nv = this.checkX(valData[0], 'validationData[0]', fn);
      this.checkY(valData[1], nv, 'validationData[1]', fn);
    }
    const nTrain = trainX.shape[0];
    const steps = Math.ceil(nTrain / batchSize);
    const metricNames = this.metrics.length ? ['accuracy'] : [];
    const history = new History();
    // Keras order: the user's callbacks, then History (so it records what they add to the logs, e.g. lr)
    const callbacks: Callback[] = [...(args.callbacks ?? []).map(toCallback), history];
    if (verbose > 0) callbacks.push(new ProgressLogger(verbose));
    const list = new CallbackList(callbacks);
    for (const c of callbacks) {
      c.setModel(this);
      c.setParams({ epochs, steps, samples: nTrain, batchSize, verbose, metrics: metricNames });
    }

    const rt = this.rt!;
    await useThreads(rt, args.threads);
    this.ensurePlan(Math.min(batchSize, nTrain), true);
    const staged = this.stage(trainX, trainY, fn, 'x', 'y');
    const idx = rt.arena.alloc(nTrain * 4, 'shuffle indices');
    const order = new Int32Array(nTrain);
    const shuffleRng = new Random(seed);
    this.stopTraining = false;
    try {
      await list.call('onTrainBegin', {});
      for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
        for (let i = 0; i < nTrain; i++) order[i] = i;
        if (args.shuffle ?? true) shuffleRng.shuffle(order);
        rt.i32(idx, nTrain).set(order);
        await list.call('onEpochBegin', epoch, {});
        let lossSum = 0, correct = 0, judged = 0, seen = 0;
        for (let b = 0; b < steps && !this.stopTraining; b++) {
          const from = b * batchSize, count = Math.min(batchSize, nTrain - from);
          await list.call('onBatchBegin', b, { batch: b, size: count });
          this.gather(staged, idx, from, count);
          const stepSeed = (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(epoch * steps + b + 1, 0x165667b1)) >>> 0;
          const [loss, c, j] = this.trainStep(count, stepSeed);
          lossSum += loss * count; correct += c; judged += j; seen += count;
          const logs: Logs = { batch: b, size: count, loss };
          if (metricNames.length) logs.accuracy = c / j;
          await list.call('onBatchEnd', b, logs);
          if (!Number.isFinite(loss)) {
            // a callback such as terminateOnNaN may have stopped training; otherwise never go on silently
            if (this.stopTraining) break;
            throw new Error(`fit: the loss became ${loss} at epoch ${epoch + 1}, batch ${b + 1}; lower the learning rate or check the data`);
          }
        }
        const logs: Logs = { loss: lossSum / Math.max(1, seen) };
        if (metricNames.length) logs.accuracy = correct / Math.max(1, judged);
        if (valData) {
          const v = this.evaluateStaged(valData[0], valData[1], batchSize, 'fit');
          logs.val_loss = v.loss;
          if (metricNames.length) logs.val_accuracy = v.accuracy!;
        }
        await list.call('onEpochEnd', epoch, logs);
      }
      await list.call('onTrainEnd', {});
    } finally {
      staged.release();
      rt.arena.release(idx);
    }
    return history;
  }

  async evaluate(x: Tensor, y: Tensor, args: { batchSize?: number; verbose?: number; threads?: number | 'auto' } = {}): Promise<{ loss: number; accuracy?: number }> {
    await initRuntime();
    this.requireCompiled('evaluate');
    checkThreads(args.threads, 'evaluate');
    await useThreads(this.materialize(), args.threads);
    return this.evaluateStaged(x, y, args.batchSize ?? 32, 'evaluate');
  }

  private evaluateStaged(x: Tensor, y: Tensor, batchSize: number, fn: string): { loss: number; accuracy?: number } {
    const n = this.checkX(x, 'x', fn);
    this.checkY(y, n, 'y', fn);
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`${fn}: batchSize must be a positive integer, got ${batchSize}`);
    const rt = this.rt ?? this.materialize();
    const plan = this.ensurePlan(Math.min(batchSize, n), false);
    const staged = this.stage(x, y, fn, 'x', 'y');
    const idx = rt.arena.alloc(n * 4, 'evaluation indices');
    rt.k.strided_offsets(idx, n, 1);
    const cols = this.outputShape.reduce((a, b) => a * b, 1);
    const fused = isFused(this.loss!, this.layers[this.layers.length - 1].outputActivation);
    let lossSum = 0, correct = 0, judged = 0;
    try {
      for (let from = 0; from < n; from += plan.maxBatch) {
        const count = Math.min(plan.maxBatch, n - from);
        this.gather(staged, idx, from, count);
        const out = this.forward(count, false, 0);
        lossSum += lossForward(rt, this.loss!, fused, plan.grad, out, plan.labels, count, cols) * count;
        const [c, j] = accuracyCount(rt, this.loss!, out, plan.labels, count, cols);
        correct += c; judged += j;
      }
    } finally {
      staged.release();
      rt.arena.release(idx);
    }
    const result: { loss: number; accuracy?: number } = { loss: lossSum / n };
    if (this.metrics.length) result.accuracy = correct / judged;
    return result;
  }

  async predict(x: Tensor, args: { batchSize?: number; threads?: number | 'auto' } = {}): Promise<Tensor> {
    await initRuntime();
    checkThreads(args.threads, 'predict');
    await useThreads(this.materialize(), args.threads);
    const n = this.checkX(x, 'x', 'predict');
    const batchSize = args.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`predict: batchSize must be a positive integer, got ${JSON.stringify(args.batchSize)}`);
    const rt = this.materialize();
    const plan = this.ensurePlan(Math.min(batchSize, n), false);
    const inSize = this.inputShape.reduce((a, b) => a * b, 1);
    const outSize = this.outputShape.reduce((a, b) => a * b, 1);
    const result = new Float32Array(n * outSize);
    for (let from = 0; from < n; from += plan.maxBatch) {
      const count = Math.min(plan.maxBatch, n - from);
      const src = x.data.subarray(from * inSize, (from + count) * inSize);
      const dst = rt.f32(plan.input, count * inSize);
      dst.set(src);
      const bad = rt.k.count_nonfinite(plan.input, count * inSize);
      if (bad) throw new Error(`predict: x contains ${bad} NaN or infinite value(s) in samples ${from}..${from + count - 1}`);
      const out = this.forward(count, false, 0);
      result.set(rt.f32(out, count * outSize), from * outSize);
    }
    return new Tensor(result, [n, ...this.outputShape]);
  }

  /** argmax class per sample (or threshold 0.5 for a single sigmoid output). */
  async predictClasses(x: Tensor, args: { batchSize?: number; threads?: number | 'auto' } = {}): Promise<Int32Array> {
    const p = await this.predict(x, args);
    const n = p.shape[0], c = p.size / Math.max(1, n);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (c === 1) { out[i] = p.data[i] > 0.5 ? 1 : 0; continue; }
      let best = 0;
      for (let j = 1; j < c; j++) if (p.data[i * c + j] > p.data[i * c + best]) best = j;
      out[i] = best;
    }
    return out;
  }

  /** Saves model.json (tfjs layers-model format) and weights.bin into dir, atomically (Node). */
  async save(dir: string): Promise<void> {
    const { saveModel } = await import('../io/model-files.js');
    await saveModel(this, dir);
  }

  /** Frees the model's Wasm memory (weights, optimizer state, buffers). The model is unusable after. */
  dispose(): void {
    this.releasePlan();
    this.optimizer?.reset();
    if (this.rt && this.paramBlock) {
      this.rt.arena.release(this.paramBlock);
      this.rt.arena.release(this.gradBlock);
    }
    this.paramBlock = this.gradBlock = 0;
  }
}

function firstNonFinite(d: ArrayLike<number>): number {
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return i;
  return -1;
}

/** Rows [from, to) of a tensor (a copy-free view of its data). */
export function sliceRows(t: Tensor, from: number, to: number): Tensor {
  const row = t.size / Math.max(1, t.shape[0]);
  return new Tensor(t.data.subarray(from * row, to * row), [to - from, ...t.shape.slice(1)]);
}

export function sequential(args?: SequentialArgs): Sequential { return new Sequential(args); }
