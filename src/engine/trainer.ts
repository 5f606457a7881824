// The loops of fit, evaluate and predict over a Network, with Keras' callback order.
import { EpochShuffler } from '../random.js';
import { Tensor } from '../tensor.js';
import { Callback, CallbackList, missingSums, ratio, toCallback, type CallbackHooks, type EpochProgress, type Logs, type TrainingModel } from './callback.js';
import { History } from './history.js';
import { labelClass, type BatchResult, type ClassWeights, type Network } from './network.js';
import type { Metric } from './metrics.js';
import { sparseLabels } from './losses.js';
import { firstNonFinite } from '../tensor.js';
import { ProgressLogger } from './progress.js';
import { show, type AllOptions } from '../format.js';
import { positiveInt } from '../layers/layer.js';

export interface FitArgs {
  batchSize?: number;
  epochs?: number;
  shuffle?: boolean;
  verbose?: 0 | 1 | 2;
  /** [xVal, yVal], or [xVal, yVal, sampleWeight] (Keras' 3-tuple: a weighted validation loss). */
  validationData?: ValidationData;
  validationSplit?: number;
  /**
   * Seed of the shuffles, dropout and augmentation draws (default 0). Epoch e draws the same whichever call runs it,
   * so a run resumed with initialEpoch (or backupAndRestore) is exact; a loop of one-epoch calls passes
   * initialEpoch: e to draw each epoch afresh, as Keras' loop does.
   */
  seed?: number;
  /** Threads: 'auto' (all cores) or a count; 1 = no workers. Results are identical for any count. */
  threads?: number | 'auto';
  initialEpoch?: number;
  callbacks?: (Callback | CallbackHooks)[];
  /**
   * Weights of the classes in the training loss (Keras' class_weight, tfjs' classWeight): { [class index]: weight }
   * or an array by class index; every class in the data needs one. A sample's loss counts its class' weight; the
   * logged loss is the weighted one, validation and the accuracy are not weighted (as Keras).
   */
  classWeight?: ClassWeight;
  /**
   * A weight per sample of x (Keras' sample_weight): its loss counts that much; with classWeight, the two multiply.
   * With validationSplit, the weights of the samples kept for training apply. For an output of a prediction per
   * step (or pixel), a tensor [n, steps] weighs each step (Keras' temporal sample weights).
   */
  sampleWeight?: Tensor | ArrayLike<number>;
  /**
   * When to validate (Keras' validation_freq, tfjs' validationFreq): every n-th epoch (default 1), or the listed
   * epochs (1-based, as Keras). Epochs without validation log no val_ entries.
   */
  validationFreq?: number | readonly number[];
}

/** Validation tensors: [x, y], or [x, y, sampleWeight] as Keras' validation_data 3-tuple. */
export type ValidationData = [Tensor, Tensor] | [Tensor, Tensor, Tensor | ArrayLike<number>];

/** fit's classWeight: { [class index]: weight }, or weights by class index. */
export type ClassWeight = Readonly<Record<number, number>> | readonly number[];

const FIT_OPTIONS = ['batchSize', 'epochs', 'shuffle', 'verbose', 'validationData', 'validationSplit', 'seed', 'threads',
  'initialEpoch', 'callbacks', 'classWeight', 'sampleWeight', 'validationFreq'] as const;
/** fit's option names. */
export const fitOptions: AllOptions<FitArgs, typeof FIT_OPTIONS> = FIT_OPTIONS;

/** Rows [from, to) of a tensor (a copy-free view of its data). */
export function sliceRows(t: Tensor, from: number, to: number): Tensor {
  const row = t.size / Math.max(1, t.shape[0]);
  return new Tensor(t.data.subarray(from * row, to * row), [to - from, ...t.shape.slice(1)]);
}

/** The seed of training step `step` (1, 2, ... counted over all epochs), independent of threads. */
const stepSeed = (seed: number, step: number): number =>
  (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(step, 0x165667b1)) >>> 0;

const VALIDATION: [string, string] = ['validationData[0]', 'validationData[1]'];

/** One batch of a dataset (tfjs' fitDataset form). */
export interface Batch { xs: Tensor; ys: Tensor }

/**
 * Batches for fitDataset: an iterable or async iterable of { xs, ys } that gives a fresh pass each time it
 * is iterated (like tfjs' tf.data.Dataset), or a function returning a fresh one per epoch.
 */
export type Dataset = AsyncIterable<Batch> | Iterable<Batch> | (() => AsyncIterable<Batch> | Iterable<Batch>);

export interface FitDatasetArgs extends Omit<FitArgs, 'batchSize' | 'shuffle' | 'validationSplit' | 'validationData' | 'sampleWeight'> {
  validationData?: ValidationData | Dataset;
  /** Batches per epoch, for the progress bar and step seeds (default: the dataset's own `batches`, else unknown). */
  batchesPerEpoch?: number;
  /** Batch size for validation tensors (Keras' validation_batch_size; default: the dataset's, else 32). */
  validationBatchSize?: number;
}

const FIT_DATASET_OPTIONS = ['epochs', 'verbose', 'validationData', 'seed', 'threads', 'initialEpoch', 'callbacks',
  'batchesPerEpoch', 'validationBatchSize', 'classWeight', 'validationFreq'] as const;
/** fitDataset's option names. */
export const fitDatasetOptions: AllOptions<FitDatasetArgs, typeof FIT_DATASET_OPTIONS> = FIT_DATASET_OPTIONS;

/** What one training run needs besides the batches. */
interface RunSpec {
  epochs: number; initialEpoch: number; verbose: 0 | 1 | 2; seed: number;
  steps: number; samples: number; batchSize: number;
  callbacks: (Callback | CallbackHooks)[];
  /** The weights of the batch just staged (one per sample, or per position of each sample, from index 0), or null: every sample counts 1. */
  rowWeights: (() => ArrayLike<number>) | null;
  /** fitDataset with batchesPerEpoch: one pass of the dataset runs on across epochs (a resumed run cannot replay it). */
  passAcrossEpochs?: boolean;
  /**
   * Stages epoch e's batches into the plan one at a time, yielding each batch's sample count; the first `from`
   * (trained before a resumed run's interruption) are passed over without being staged.
   */
  batches(epoch: number, from: number): AsyncIterable<number> | Iterable<number>;
  /**
   * Evaluates the validation data; tolerant (a callback such as terminateOnNaN watches for NaN): outputs that
   * overflowed give NaN quantities, as Keras' evaluate does, instead of an error.
   */
  validate?: (tolerant: boolean) => Promise<Evaluated>;
  /** Whether epoch e (0-based) validates (validationFreq). */
  validates: (epoch: number) => boolean;
}

/** validationFreq checked, as the test of an epoch (0-based): every n-th, or the listed ones (1-based). */
function checkValidationFreq(freq: unknown, fn: string): (epoch: number) => boolean {
  if (freq === undefined) return () => true;
  if (Number.isInteger(freq) && (freq as number) >= 1) return (epoch) => (epoch + 1) % (freq as number) === 0;
  if (Array.isArray(freq) && freq.length && freq.every((e) => Number.isInteger(e) && e >= 1)) {
    const listed = new Set(freq as number[]);
    return (epoch) => listed.has(epoch + 1);
  }
  throw new Error(`${fn}: validationFreq must be a positive integer (validate every n-th epoch) or a non-empty list of epochs (1, 2, ...), got ${show(freq)}`);
}

/** Checked fit / fitDataset arguments (the seed 0 by default). */
function checkRunArgs(args: FitArgs | FitDatasetArgs, fn: string): { epochs: number; initialEpoch: number; verbose: 0 | 1 | 2; seed: number; validates: (epoch: number) => boolean } {
  const epochs = args.epochs ?? 1;
  const initialEpoch = args.initialEpoch ?? 0;
  const verbose = args.verbose ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`${fn}: epochs must be a non-negative integer, got ${show(args.epochs)}`);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new Error(`${fn}: initialEpoch must be a non-negative integer, got ${show(args.initialEpoch)}`);
  if (![0, 1, 2].includes(verbose)) throw new Error(`${fn}: verbose must be 0, 1 or 2, got ${show(args.verbose)}`);
  if (args.seed !== undefined && !Number.isInteger(args.seed)) throw new Error(`${fn}: seed must be an integer, got ${show(args.seed)}`);
  if (args.callbacks !== undefined && !Array.isArray(args.callbacks)) {
    throw new Error(`${fn}: callbacks must be an array (of sn.callbacks or objects of hooks), got ${show(args.callbacks)}`);
  }
  return { epochs, initialEpoch, verbose, seed: args.seed ?? 0, validates: checkValidationFreq(args.validationFreq, fn) };
}

/** classWeight checked: a weight (finite, >= 0) per class index given; null without one. */
function checkClassWeight(net: Network, cw: unknown, fn: string): ClassWeights | null {
  // tfjs: an empty array is no weighting
  if (cw === undefined || cw === null || (Array.isArray(cw) && cw.length === 0)) return null;
  const plain = typeof cw === 'object' && (Array.isArray(cw) || Object.getPrototypeOf(cw) === Object.prototype);
  if (!plain) throw new Error(`${fn}: classWeight must be { [class index]: weight } or an array of weights by class, got ${show(cw)}`);
  if (Array.isArray(cw) && cw.length === 1 && typeof cw[0] === 'object' && cw[0] !== null) {
    throw new Error(`${fn}: classWeight is a list of one output's weights (tfjs' per-output form); a Sequential model has one output: pass { [class index]: weight } itself`);
  }
  if (net.outputShape.length !== 1) {
    throw new Error(`${fn}: classWeight needs one class per sample, but the model gives [${net.outputShape.join(', ')}] per sample`);
  }
  const classes = Math.max(2, net.outSize), weights: (number | undefined)[] = [];
  for (const [k, v] of Object.entries(cw)) {
    const c = Number(k);
    if (!Number.isInteger(c) || c < 0 || String(c) !== k) throw new Error(`${fn}: classWeight's keys must be class indices 0, 1, ..., got ${show(k)}`);
    if (c >= classes) throw new Error(`${fn}: classWeight gives class ${c} a weight, but the model's ${net.outSize} output${net.outSize > 1 ? 's tell' : ' tells'} classes 0-${classes - 1} only`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${fn}: classWeight[${k}] must be a finite number >= 0, got ${show(v)}`);
    weights[c] = v;
  }
  if (!weights.length) throw new Error(`${fn}: classWeight gives no class a weight`);
  return weights;
}

/**
 * sampleWeight checked: one finite weight >= 0 per sample of x (`arg` names it, `xArg` its x), or — for an output of
 * a prediction per step or pixel — a tensor of one per position ([n, steps], Keras' temporal sample weights: the
 * network's positions, as checkX left it for x's length); null without one. A weight per position gives n · positions
 * values, sample by sample.
 */
function checkSampleWeight(sw: unknown, n: number, fn: string, net: Network, arg = 'sampleWeight', xArg = 'x'): Float64Array | null {
  if (sw === undefined || sw === null) return null;
  const arrayLike = typeof sw === 'object' && !(sw instanceof DataView) && typeof (sw as ArrayLike<unknown>).length === 'number';
  const values = sw instanceof Tensor ? sw.data : arrayLike ? (sw as ArrayLike<unknown>) : null;
  const positions = [n, ...net.outputShape.slice(0, -1)];
  const perPosition = net.positions > 1 && sw instanceof Tensor && sw.shape.join() === positions.join();
  if (!values || (sw instanceof Tensor && !perPosition && sw.shape.length !== 1 && !(sw.shape.length === 2 && sw.shape[1] === 1))) {
    throw new Error(`${fn}: ${arg} must be one weight per sample of ${xArg} (a tensor of shape [${n}], or an array)` +
      (net.positions > 1 ? `, or a tensor of one per position [${positions.join(', ')}]` : '') +
      `, got ${sw instanceof Tensor ? `shape [${sw.shape.join(', ')}]` : show(sw)}`);
  }
  if (perPosition) n *= net.positions;
  else if (values.length !== n) throw new Error(`${fn}: ${arg} has ${values.length} weights but ${xArg} has ${n} samples`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${fn}: ${arg}[${i}] must be a finite number >= 0, got ${show(v)}`);
    out[i] = v;
  }
  return out;
}

/** The class of each sample of y (labelClass). */
function classesOf(y: Tensor, sparse: boolean): Int32Array {
  const n = y.shape[0], cols = sparse ? 1 : y.size / Math.max(1, n);
  return Int32Array.from({ length: n }, (_, i) => labelClass(y.data, i * cols, cols, sparse));
}

/** The epoch loop shared by fit and fitDataset, with Keras' callback order. */
async function run(net: Network, model: TrainingModel, spec: RunSpec, fn: string): Promise<History> {
  // Keras logs each metric under the name compile was given: metrics: ['acc', 'mae'] logs acc, mae, val_acc, val_mae
  const metrics = net.compiledMetrics;
  const valueKeys = net.valueMetricKeys;
  const metricNames = metrics.map((m) => m.key);
  const history = new History();
  // Keras order: the user's callbacks, then History (so it records what they add to the logs, e.g. lr)
  const callbacks: Callback[] = [...spec.callbacks.map(toCallback), history];
  if (spec.verbose > 0) callbacks.push(new ProgressLogger(spec.verbose));
  const list = new CallbackList(callbacks);
  // a backup ends a batch and an epoch after the callbacks it records (a checkpoint saved, a rate changed then are in it)
  const lastly = new CallbackList([...callbacks.filter((c) => !c.epochEndLast), ...callbacks.filter((c) => c.epochEndLast)]);
  const progress: EpochProgress & Sums = { epoch: 0, batches: 0, ...emptySums() };
  for (const c of callbacks) {
    c.setModel(model);
    c.setParams({ epochs: spec.epochs, steps: spec.steps, samples: spec.samples, batchSize: spec.batchSize, verbose: spec.verbose, metrics: metricNames,
      validates: spec.validates, doValidation: spec.validate !== undefined, progress });
  }
  model.stopTraining = false;
  await list.call('onTrainBegin', {});
  // Keras: a run restored from a backup goes on from the backup's epoch, whatever initialEpoch says
  const restored = callbacks.map((c) => c.resumeFrom()).filter((r) => r !== null);
  if (restored.length > 1) throw new Error(`${fn}: ${restored.length} callbacks restored a run (one backupAndRestore per fit)`);
  const first = restored[0]?.epoch ?? spec.initialEpoch;
  // a run interrupted mid-epoch: that epoch goes on after its batches done, from its running sums
  const partial = restored[0]?.partial;
  // (backupAndRestore checks its epoch in progress against the data before restoring; a hand-written resumeFrom, here)
  if (partial && (partial.epoch !== first || !(partial.batches >= 0) || (Number.isFinite(spec.steps) && partial.batches > spec.steps))) {
    throw new Error(`${fn}: the restored run's epoch in progress (${partial.epoch + 1}, ${partial.batches} batches done) does not fit this run's epochs and batches`);
  }
  const unsummed = partial ? missingSums(partial, valueKeys) : [];
  if (unsummed.length) {
    throw new Error(`${fn}: the restored run's epoch in progress has no running sum of ${unsummed.join(', ')}: it was compiled with other metrics`);
  }
  if (restored[0]) for (const c of callbacks) c.onResume(restored[0].done);
  const resuming = restored.length ? `resuming a restored run at epoch ${first + 1}` : `initialEpoch ${first}`;
  if (first > 0 && Number.isNaN(spec.steps)) {
    // the step seeds (dropout, augmentation) count steps from the first epoch: unknown here
    console.warn(`${fn}: ${resuming} with a dataset of unknown length: dropout and augmentation draw as in a first epoch, ` +
      'not as the run resumed would have; give batchesPerEpoch to continue it exactly');
  } else if (first > 0 && spec.passAcrossEpochs) {
    console.warn(`${fn}: ${resuming} over a dataset read on across epochs (batchesPerEpoch): it starts a fresh pass, so ` +
      'these epochs see other batches than the run resumed would have');
  }
  // the step seed counts steps from the first epoch, so a dataset and in-memory data train alike
  let step = (Number.isFinite(spec.steps) ? first * spec.steps : 0) + (partial?.batches ?? 0);
  // weights left NaN by an earlier fit that diverged (and was stopped by a callback or caught): say so, not 'the loss
  // became NaN' at the first batch (a restored backup above has replaced them)
  const broken0 = net.nonFiniteWeights();
  if (broken0) {
    throw new Error(`${fn}: the model's weights hold ${broken0} NaN or infinite value(s) before training (an earlier training ` +
      'diverged): load a saved model or build the model again');
  }
  let lastLogs: Logs = {};
  const nanStops = callbacks.some((c) => c.stopsOnNaN);
  for (let epoch = first; epoch < spec.epochs && !model.stopTraining; epoch++) {
    const resumed = partial && epoch === first ? partial : null;
    const rate = model.optimizer?.learningRate;
    // a resumed epoch goes on after its batches done (their updates are in the weights) from their running sums
    // (a backup of an older version kept no valueSeen: its value metrics weighed by samples); set before onEpochBegin,
    // where a callback may read where the epoch starts (BatchValues)
    Object.assign(progress, resumed ? { ...resumed, valueSeen: resumed.valueSeen ?? resumed.seen, sums: { ...resumed.sums } } : emptySums(),
      { epoch, batches: resumed?.batches ?? 0 });
    await list.call('onEpochBegin', epoch, {});
    // the epoch resumed had begun: its rate is the backup's (a schedule of the rate itself must not apply twice)
    if (resumed && model.optimizer && rate !== undefined) model.optimizer.learningRate = rate;
    let b = progress.batches, lastLoss = 0, stepped = false;
    for await (const count of spec.batches(epoch, b)) {
      net.batchStaged = true;
      try { await list.call('onBatchBegin', b, { batch: b, size: count }); } finally { net.batchStaged = false; }
      const r = net.trainStep(count, stepSeed(spec.seed, ++step), spec.rowWeights?.() ?? null);
      lastLoss = r.loss;
      stepped = true;
      addBatch(progress, r, count, valueKeys);
      progress.batches = b + 1;
      // Keras' batch logs: the epoch's running averages up to this batch (tfjs' hold the batch's own values)
      const logs: Logs = meanLogs({ batch: b, size: count } as Logs, progress as Sums, metrics);
      await lastly.call('onBatchEnd', b, logs);
      if (!Number.isFinite(r.loss)) {
        // a callback such as terminateOnNaN may have stopped training; otherwise never go on silently
        if (model.stopTraining) break;
        throw new Error(`${fn}: the loss became ${r.loss} at epoch ${epoch + 1}, batch ${b + 1}; lower the learning rate or check the data`);
      }
      b++;
      if (model.stopTraining) break;
    }
    if (progress.seen === 0 && model.stopTraining) break; // the data ran out before this epoch's first batch
    // an update can overflow the weights while the loss it was computed from was finite; the next step's
    // loss would show it, but after an epoch's last step validation and callbacks (a checkpoint saving this
    // model) come first: refuse it here, as a NaN loss is refused (unless a callback such as terminateOnNaN
    // stopped training on a NaN loss: Keras' semantics)
    const broken = stepped && (Number.isFinite(lastLoss) || nanStops) ? net.nonFiniteWeights() : 0;
    if (broken && nanStops) {
      // Keras: TerminateOnNaN ends training (here at once: the next batch's loss would be NaN), the epoch validates
      // (NaN: its outputs are) and ends, the callbacks' onTrainEnd runs, fit returns the History
      if (!model.stopTraining) console.log(`Epoch ${epoch + 1}: the last update made the weights non-finite, terminating training`);
      model.stopTraining = true;
    } else if (broken) {
      throw new Error(`${fn}: the weights became NaN or infinite (${broken} value${broken > 1 ? 's' : ''}) in the last update of epoch ${epoch + 1} ` +
        `(batch ${b}); lower the learning rate or check the data`);
    }
    if (b === 0 && !model.stopTraining) {
      throw new Error(`${fn}: the data gave no batches in epoch ${epoch + 1}` + (epoch > first
        ? ' (a generator can be iterated only once: pass a function that returns a fresh one for each epoch)' : ''));
    }
    const logs: Logs = meanLogs({}, progress, metrics);
    if (spec.validate && spec.validates(epoch)) {
      // Keras validates the epoch whatever TerminateOnNaN saw; with it, outputs that are NaN or infinite (weights an
      // update overflowed) give NaN, as Keras' evaluate does, where fit would refuse them otherwise
      const v = await spec.validate(nanStops);
      logs.val_loss = v.loss;
      for (const m of metrics) logs[`val_${m.key}`] = v[m.key]!;
    }
    await lastly.call('onEpochEnd', epoch, logs);
    lastLogs = logs;
  }
  await list.call('onTrainEnd', { ...lastLogs }); // as Keras: the last epoch's logs
  // a weighted loss has no chance level of ln k, nor has one with a regularizer's penalty in it
  if (!spec.rowWeights && !net.regularized) warnIfChance(net, history.history.loss ?? [], fn);
  return history;
}

/**
 * A run whose loss never left chance level (ln of the class count for cross-entropy) has learned nothing,
 * though nothing was NaN: say so, which Keras' TerminateOnNaN cannot.
 */
function warnIfChance(net: Network, losses: number[], fn: string): void {
  const classes = net.loss === 'binaryCrossentropy' ? 2 : net.loss?.endsWith('ategoricalCrossentropy') ? net.classes : 0;
  // a few epochs at chance are normal for a slow start (the lab's CNN at SGD 0.01 takes three or four)
  if (classes < 2 || losses.length < 5) return;
  const chance = Math.log(classes);
  if (losses.every((l) => Math.abs(l - chance) <= 0.02 * chance)) {
    console.warn(`${fn}: the loss stayed at chance level (ln ${classes} = ${chance.toFixed(4)}) for all ${losses.length} epochs: ` +
      'the model learned nothing (a learning rate too high or too low, dead ReLUs, labels unrelated to the inputs — or too few epochs)');
  }
}

/** `fn` names the function called in errors (fit, trainOnBatch). */
export async function fit(net: Network, model: TrainingModel, x: Tensor, y: Tensor, args: FitArgs, fn = 'fit'): Promise<History> {
  net.checkMasks(fn, true);
  const n = net.checkX(x, 'x', fn);
  net.checkY(y, n, 'y', fn);
  const batchSize = positiveInt(args.batchSize ?? 32, 'batchSize', fn);
  const common = checkRunArgs(args, fn);
  if (args.shuffle !== undefined && typeof args.shuffle !== 'boolean') {
    throw new Error(`fit: shuffle must be true or false, got ${show(args.shuffle)}` +
      (args.shuffle === 'batch' ? " (Keras' 'batch', a shuffle in batch-sized chunks for HDF5 data, is not supported)" : ''));
  }

  let trainX = x, trainY = y;
  let sampleWeight = checkSampleWeight(args.sampleWeight, n, fn, net);
  const weightsPer = sampleWeight ? sampleWeight.length / n : 1; // 1, or positions per sample
  let valData = args.validationData;
  let splitWeight: Float64Array | null = null; // validationSplit's part of sampleWeight, checked with it
  if (args.validationSplit !== undefined) {
    const vs = args.validationSplit;
    if (typeof vs !== 'number' || !(vs > 0 && vs < 1)) throw new Error(`fit: validationSplit must be in (0, 1), got ${show(vs)}`);
    if (valData) throw new Error('fit: give either validationData or validationSplit, not both');
    // Keras (and tfjs): the last samples from floor(n · (1 − split)) on, before shuffling; sample weights split alike
    const nVal = n - Math.floor(n * (1 - vs));
    if (nVal === 0 || nVal === n) throw new Error(`fit: validationSplit ${vs} of ${n} samples leaves an empty set`);
    const cut = n - nVal;
    trainX = sliceRows(x, 0, cut);
    trainY = sliceRows(y, 0, cut);
    valData = [sliceRows(x, cut, n), sliceRows(y, cut, n)];
    splitWeight = sampleWeight?.subarray(cut * weightsPer) ?? null;
    sampleWeight = sampleWeight?.subarray(0, cut * weightsPer) ?? null;
  }
  const valWeight = valData ? checkValidationTensors(net, valData, fn) ?? splitWeight : null;
  const classWeight = checkClassWeight(net, args.classWeight, fn);
  const noWeight = (cls: number, row: number) => new Error(`${fn}: classWeight has no weight for class ${cls}, which y holds (sample ${row}); give every class a weight`);
  if (classWeight) {
    // every class of the training data needs its weight: refused before training, naming the first sample without one
    const classes = classesOf(trainY, sparseLabels(net.loss!));
    const i = classes.findIndex((c) => classWeight[c] === undefined);
    if (i >= 0) throw noWeight(classes[i], i);
  }
  // a batch's weights: its samples' classes' (from the staged labels), times their sampleWeight (by the epoch's
  // order), in one buffer for every batch
  const batchWeights = new Float64Array(batchSize * weightsPer);
  const rowWeights = classWeight || sampleWeight ? () => {
    if (classWeight) net.batchClassWeights(batchCount, classWeight, batchWeights, noWeight);
    else batchWeights.fill(1);
    if (sampleWeight) {
      for (let r = 0; r < batchCount; r++) {
        const from = order[batchFrom + r] * weightsPer;
        for (let t = 0; t < weightsPer; t++) batchWeights[r * weightsPer + t] *= sampleWeight[from + t];
      }
    }
    return batchCount * weightsPer === batchWeights.length ? batchWeights : batchWeights.subarray(0, batchCount * weightsPer);
  } : null;
  const nTrain = trainX.shape[0];
  const steps = Math.ceil(nTrain / batchSize);
  const rt = net.rt!;
  // sequences of any length: the training data's length (validation data may have another)
  const planTraining = () => { net.useSteps(trainX.shape[1]); net.ensurePlan(Math.min(batchSize, nTrain), true); };
  planTraining();
  const staged = net.stage(trainX, trainY, fn, 'x', 'y');
  const idx = rt.arena.alloc(nTrain * 4, 'shuffle indices');
  const order = new Int32Array(nTrain);
  const shuffler = new EpochShuffler(common.seed);
  let batchFrom = 0, batchCount = 0; // the batch just staged: its first row in this epoch's order, its size
  let val: Evaluation | null = null;
  try {
    // the validation data is copied into the arena once, not every epoch
    if (valData) val = stageEvaluation(net, valData[0], valData[1], fn, VALIDATION, valWeight);
    const v = val;
    return await run(net, model, {
      ...common, steps, samples: nTrain, batchSize, callbacks: args.callbacks ?? [],
      rowWeights,
      *batches(epoch, from) {
        planTraining(); // validation may have left the layers at another sequence length
        if (args.shuffle ?? true) shuffler.orderFor(order, epoch);
        else for (let i = 0; i < nTrain; i++) order[i] = i;
        rt.i32(idx, nTrain).set(order);
        for (let b = from; b < steps; b++) {
          const first = b * batchSize, count = Math.min(batchSize, nTrain - first);
          net.gather(staged, idx, first, count);
          batchFrom = first; batchCount = count;
          yield count;
        }
      },
      validate: v ? async (tolerant) => v.run(batchSize, tolerant) : undefined,
    }, fn);
  } finally {
    val?.release();
    staged.release();
    rt.arena.release(idx);
  }
}

/** Checks validation tensors; returns their sample weights (Keras' 3-tuple), or null. */
function checkValidationTensors(net: Network, valData: unknown, fn: string): Float64Array | null {
  if (!Array.isArray(valData) || (valData.length !== 2 && valData.length !== 3)) throw new Error(`${fn}: validationData must be [xVal, yVal] or [xVal, yVal, sampleWeight]`);
  const nv = net.checkX(valData[0], 'validationData[0]', fn);
  net.checkY(valData[1], nv, 'validationData[1]', fn, 'validationData[0]');
  for (const [t, arg] of [[valData[0], 'validationData[0]'], [valData[1], 'validationData[1]']] as const) {
    const bad = firstNonFinite(t.data);
    if (bad >= 0) throw new Error(`${fn}: ${arg} contains a NaN or infinite value at flat index ${bad}`);
  }
  return valData.length === 3 ? checkSampleWeight(valData[2], nv, fn, net, 'validationData[2]', 'validationData[0]') : null;
}

/** A fresh pass over a dataset; refuses what is not one. */
function iterate(data: Dataset, fn: string, arg: string): AsyncIterable<Batch> | Iterable<Batch> {
  const d = typeof data === 'function' ? data() : data;
  if (d && (typeof (d as AsyncIterable<Batch>)[Symbol.asyncIterator] === 'function' || typeof (d as Iterable<Batch>)[Symbol.iterator] === 'function')) return d;
  throw new Error(`${fn}: ${arg} must be an iterable or async iterable of { xs, ys } batches, or a function returning one; got ${typeof d}`);
}

function checkBatch(b: unknown, fn: string, where: string): Batch {
  if (!b || typeof b !== 'object' || !('xs' in b) || !('ys' in b)) {
    throw new Error(`${fn}: ${where} must be { xs, ys } (sn.tensor batches), got ${b === null ? 'null' : typeof b}`);
  }
  return b as Batch;
}

/** Trains on batches streamed from a dataset: memory holds one batch at a time (as Keras' fit(dataset)). */
export async function fitDataset(net: Network, model: TrainingModel, data: Dataset, args: FitDatasetArgs): Promise<History> {
  const fn = 'fitDataset';
  net.checkMasks(fn, true);
  const common = checkRunArgs(args, fn);
  const own = typeof data === 'object' && data !== null
    ? data as { batches?: number; size?: number; batchSize?: number; ready?: () => Promise<void>; setEpoch?: (epoch: number) => void } : {};
  // a dataset that lists its files first (sn.data.imageDataset) knows its length after ready()
  if (typeof own.ready === 'function') await own.ready();
  const steps = args.batchesPerEpoch ?? own.batches ?? NaN;
  if (!Number.isNaN(steps)) positiveInt(steps, 'batchesPerEpoch', fn);
  const valData = args.validationData;
  const valWeight = Array.isArray(valData) ? checkValidationTensors(net, valData, fn) : null;
  if (valData !== undefined && !Array.isArray(valData)) iterate(valData, fn, 'validationData');
  const classWeight = checkClassWeight(net, args.classWeight, fn);
  // each batch's class weights, as it is staged; a class without one is refused there — the batches before it have
  // trained the model already (as in Keras and tfjs)
  let batchWeights = new Float64Array(0);
  const weigh = (count: number, where: string): number => {
    if (!classWeight) return count;
    if (batchWeights.length < count) batchWeights = new Float64Array(count);
    net.batchClassWeights(count, classWeight, batchWeights, (cls, row) => new Error(`${fn}: classWeight has no weight for class ${cls}, ` +
      `which ${where} holds (its sample ${row}); give every class a weight (the batches before it have trained the model already)`));
    return count;
  };
  // validation tensors are copied into the arena once, not every epoch
  const val = Array.isArray(valData) ? stageEvaluation(net, valData[0], valData[1], fn, VALIDATION, valWeight) : null;
  const valBatch = args.validationBatchSize ?? own.batchSize ?? 32;
  // with batchesPerEpoch given, as tfjs: one pass runs on across epochs, each taking that many batches (an
  // endless or long dataset); a pass that runs out is followed by a fresh one. Without it each epoch is one pass.
  let pass: AsyncIterator<Batch> | Iterator<Batch> | null = null, drawn = 0;
  const freshPass = () => {
    const d = iterate(data, fn, 'dataset');
    return Symbol.asyncIterator in d ? (d as AsyncIterable<Batch>)[Symbol.asyncIterator]() : (d as Iterable<Batch>)[Symbol.iterator]();
  };
  try {
    return await run(net, model, {
      ...common, steps, samples: own.size ?? NaN, batchSize: own.batchSize ?? NaN, callbacks: args.callbacks ?? [],
      rowWeights: classWeight ? () => batchWeights : null,
      passAcrossEpochs: args.batchesPerEpoch !== undefined,
      async *batches(epoch, from) {
        const where = (b: number) => `epoch ${epoch + 1} batch ${b + 1}`;
        if (args.batchesPerEpoch === undefined) {
          let b = 0;
          // a dataset that shuffles per epoch by its seed (sn.data.imageDataset) draws epoch `epoch`'s order
          if (typeof own.setEpoch === 'function') own.setEpoch(epoch);
          for await (const batch of iterate(data, fn, 'dataset')) {
            if (b === steps) break; // the dataset's own count caps an endless one
            if (b < from) { b++; continue; } // read past, not staged
            const { xs, ys } = checkBatch(batch, fn, where(b));
            yield weigh(net.putBatch(xs, ys, true, fn, where(b)), where(b));
            b++;
          }
          return;
        }
        for (let b = 0; b < steps;) {
          const fresh = pass === null;
          pass ??= freshPass();
          const next = await pass.next();
          if (next.done) {
            pass = null;
            if (fresh) {
              // a new pass gave nothing either (a generator iterates once): end here, as tfjs does (an epoch that
              // got no batch at all is not run); data that never gave a batch is an error (run)
              if (drawn > 0) {
                console.warn(`${fn}: the dataset ran out after ${b} of the ${steps} batches of epoch ${epoch + 1}; training stops ` +
                  '(give a dataset that can be iterated again, or a function returning a fresh one)');
                model.stopTraining = true;
              }
              return;
            }
            continue; // this pass is over: the next batch comes from a fresh one
          }
          if (b < from) { b++; drawn++; continue; } // read past, not staged
          const { xs, ys } = checkBatch(next.value, fn, where(b));
          yield weigh(net.putBatch(xs, ys, true, fn, where(b)), where(b));
          b++; drawn++;
        }
      },
      validate: val ? async (tolerant) => val.run(valBatch, tolerant)
        : valData === undefined || Array.isArray(valData) ? undefined : async (tolerant) => evaluateDataset(net, valData, fn, tolerant),
    }, fn);
  } finally {
    val?.release();
    await (pass as Iterator<Batch> | null)?.return?.(); // lets a generator (and a dataset's decoders) finish
  }
}

/** What evaluate gives: the loss, and each metric under the name compile was given ('accuracy' or 'acc', 'mae' ...). */
export interface Evaluated { loss: number; accuracy?: number; acc?: number; [metric: string]: number | undefined }

/** Puts the metrics into logs in compile's order: the accuracy (hits over outputs judged), each value metric's mean. */
function putMetrics<T extends Record<string, number | undefined>>(logs: T, metrics: readonly Metric[], accuracy: number, values: readonly number[]): T {
  let v = 0;
  for (const m of metrics) (logs as Record<string, number>)[m.key] = m.kind === 'accuracy' ? accuracy : values[v++];
  return logs;
}

/** Running sums over batches, as an epoch's progress keeps them (EpochProgress) and an evaluation. */
type Sums = Omit<EpochProgress, 'epoch' | 'batches'> & { sums: Record<string, number> };

const emptySums = (): Sums => ({ lossSum: 0, correct: 0, judged: 0, seen: 0, valueSeen: 0, sums: {} });

/** Adds a batch: its loss weighted by its samples, its accuracy's hits, each value metric (keys) weighted by valueWeight. */
function addBatch(s: Sums, r: BatchResult, count: number, keys: readonly string[]): void {
  s.lossSum += r.loss * count; s.correct += r.correct; s.judged += r.judged; s.seen += count;
  s.valueSeen = (s.valueSeen ?? 0) + r.valueWeight;
  keys.forEach((k, i) => { s.sums[k] = (s.sums[k] ?? 0) + r.values[i] * r.valueWeight; });
}

/** Puts the running sums' means into logs: the loss, then the metrics in compile's order. */
function meanLogs<T extends Record<string, number | undefined>>(logs: T, s: Sums, metrics: readonly Metric[]): T & { loss: number } {
  const out = Object.assign(logs, { loss: s.lossSum / Math.max(1, s.seen) });
  const values = metrics.flatMap((m) => (m.kind === 'value' ? [ratio(s.sums[m.key] ?? 0, s.valueSeen ?? s.seen)] : []));
  return putMetrics(out, metrics, ratio(s.correct, s.judged), values);
}

/** An evaluation's batches: the mean loss (with the regularizers' penalty, as Keras reports it) and metrics. */
class Totals {
  private readonly s = emptySums();
  /** A batch's outputs were non-finite and `tolerant`: every quantity is NaN. */
  private poisoned = false;
  /** tolerant: non-finite outputs make the result NaN (fit's validation under terminateOnNaN) instead of an error. */
  constructor(private readonly net: Network, private readonly tolerant = false) {}
  get n(): number { return this.s.seen; }
  /** Adds the batch whose outputs are at `out` (count samples, the first at `from`), checking them. */
  addOutput(out: number, count: number, from: number, fn: string, weights: Float64Array | null = null): void {
    // one count of the outputs either way: tolerant, it poisons the result; otherwise checkOutput refuses them
    if (this.tolerant && !this.poisoned) this.poisoned = this.net.rt!.k.count_nonfinite(out, count * this.net.outSize) > 0;
    if (this.poisoned) { this.s.seen += count; return; }
    if (!this.tolerant) this.net.checkOutput(out, count, from, fn);
    this.add(this.net.lossOf(out, count, weights), count);
  }
  add(r: BatchResult, count: number): void { addBatch(this.s, r, count, this.net.valueMetricKeys); }
  result(): Evaluated {
    const logs = meanLogs({} as Evaluated, this.s, this.net.compiledMetrics);
    logs.loss += this.net.regularize();
    if (this.poisoned) for (const k of Object.keys(logs)) logs[k] = NaN;
    return logs;
  }
}

/** Mean loss (and accuracy) over every batch of a dataset. */
export async function evaluateDataset(net: Network, data: Dataset, fn: string, tolerant = false): Promise<Evaluated> {
  const totals = new Totals(net, tolerant);
  let b = 0;
  for await (const batch of iterate(data, fn, 'validationData')) {
    const { xs, ys } = checkBatch(batch, fn, `validation batch ${++b}`);
    const count = net.putBatch(xs, ys, false, fn, `validation batch ${b}`);
    totals.addOutput(net.forward(count, false, 0), count, totals.n, fn);
  }
  if (totals.n === 0) throw new Error(`${fn}: the validation dataset gave no batches`);
  return totals.result();
}

/** Data staged in the arena once for evaluation, possibly repeated (fit's validation, every epoch). */
interface Evaluation {
  /** tolerant: non-finite outputs give NaN quantities instead of an error. */
  run(batchSize: number, tolerant?: boolean): Evaluated;
  release(): void;
}

function stageEvaluation(net: Network, x: Tensor, y: Tensor, fn: string, [xArg, yArg] = ['x', 'y'], weights: Float64Array | null = null): Evaluation {
  const n = net.checkX(x, xArg, fn);
  net.checkY(y, n, yArg, fn, xArg);
  const rt = net.rt!;
  const per = weights ? weights.length / n : 1; // weights per sample: 1, or one per position
  const staged = net.stage(x, y, fn, xArg, yArg);
  const idx = rt.arena.alloc(n * 4, 'evaluation indices');
  rt.k.strided_offsets(idx, n, 1);
  return {
    run(batchSize, tolerant = false) {
      positiveInt(batchSize, 'batchSize', fn);
      net.useSteps(x.shape[1]); // training may have left the layers at another sequence length
      // batches of batchSize even where the plan holds more (a larger one made before): Keras averages the batches'
      // losses, which for a masked output (each batch's mean over its own unpadded steps) depends on the batching
      const size = Math.min(batchSize, n);
      net.ensurePlan(size, false);
      const totals = new Totals(net, tolerant);
      for (let from = 0; from < n; from += size) {
        const count = Math.min(size, n - from);
        net.gather(staged, idx, from, count);
        totals.addOutput(net.forward(count, false, 0), count, from, fn, weights?.subarray(from * per, (from + count) * per) ?? null);
      }
      return totals.result();
    },
    release() { staged.release(); rt.arena.release(idx); },
  };
}

export function evaluate(net: Network, x: Tensor, y: Tensor, batchSize: number, fn: string, sampleWeight?: unknown): Evaluated {
  net.checkMasks(fn, false);
  positiveInt(batchSize, 'batchSize', fn);
  const n = net.checkX(x, 'x', fn);
  const e = stageEvaluation(net, x, y, fn, ['x', 'y'], checkSampleWeight(sampleWeight, n, fn, net));
  try { return e.run(batchSize); } finally { e.release(); }
}
