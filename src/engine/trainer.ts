// The loops of fit, evaluate and predict over a Network, with Keras' callback order.
import { Random } from '../random.js';
import type { Runtime } from '../runtime/wasm.js';
import { Tensor } from '../tensor.js';
import { Callback, CallbackList, toCallback, type CallbackHooks, type Logs, type TrainingModel } from './callback.js';
import { History } from './history.js';
import { firstNonFinite, type Network } from './network.js';
import { ProgressLogger } from './progress.js';

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

/** Rows [from, to) of a tensor (a copy-free view of its data). */
export function sliceRows(t: Tensor, from: number, to: number): Tensor {
  const row = t.size / Math.max(1, t.shape[0]);
  return new Tensor(t.data.subarray(from * row, to * row), [to - from, ...t.shape.slice(1)]);
}

function positiveInt(v: unknown, arg: string, fn: string): number {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new Error(`${fn}: ${arg} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

/** The seed of one training step: distinct per (fit seed, epoch, batch), independent of threads. */
const stepSeed = (seed: number, epoch: number, steps: number, b: number): number =>
  (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(epoch * steps + b + 1, 0x165667b1)) >>> 0;

export async function fit(net: Network, model: TrainingModel, x: Tensor, y: Tensor, args: FitArgs): Promise<History> {
  const fn = 'fit';
  const n = net.checkX(x, 'x', fn);
  net.checkY(y, n, 'y', fn);
  const batchSize = positiveInt(args.batchSize ?? 32, 'batchSize', fn);
  const epochs = args.epochs ?? 1;
  const initialEpoch = args.initialEpoch ?? 0;
  const verbose = args.verbose ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`fit: epochs must be a non-negative integer, got ${JSON.stringify(args.epochs)}`);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new Error(`fit: initialEpoch must be a non-negative integer, got ${JSON.stringify(args.initialEpoch)}`);
  if (![0, 1, 2].includes(verbose)) throw new Error(`fit: verbose must be 0, 1 or 2, got ${JSON.stringify(args.verbose)}`);
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
    const nv = net.checkX(valData[0], 'validationData[0]', fn);
    net.checkY(valData[1], nv, 'validationData[1]', fn);
    for (const [t, arg] of [[valData[0], 'validationData[0]'], [valData[1], 'validationData[1]']] as const) {
      const bad = firstNonFinite(t.data);
      if (bad >= 0) throw new Error(`fit: ${arg} contains a NaN or infinite value at flat index ${bad}`);
    }
  }
  const nTrain = trainX.shape[0];
  const steps = Math.ceil(nTrain / batchSize);
  const metricNames = net.metrics.length ? ['accuracy'] : [];
  const history = new History();
  // Keras order: the user's callbacks, then History (so it records what they add to the logs, e.g. lr)
  const callbacks: Callback[] = [...(args.callbacks ?? []).map(toCallback), history];
  if (verbose > 0) callbacks.push(new ProgressLogger(verbose));
  const list = new CallbackList(callbacks);
  for (const c of callbacks) {
    c.setModel(model);
    c.setParams({ epochs, steps, samples: nTrain, batchSize, verbose, metrics: metricNames });
  }

  const rt = net.rt!;
  // sequences of any length: the training data's length (validation data may have another)
  const planTraining = () => { net.useSteps(trainX.shape[1]); net.ensurePlan(Math.min(batchSize, nTrain), true); };
  planTraining();
  const staged = net.stage(trainX, trainY, fn, 'x', 'y');
  const idx = rt.arena.alloc(nTrain * 4, 'shuffle indices');
  const order = new Int32Array(nTrain);
  const shuffleRng = new Random(seed);
  model.stopTraining = false;
  try {
    await list.call('onTrainBegin', {});
    for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      for (let i = 0; i < nTrain; i++) order[i] = i;
      if (args.shuffle ?? true) shuffleRng.shuffle(order);
      rt.i32(idx, nTrain).set(order);
      await list.call('onEpochBegin', epoch, {});
      planTraining();
      let lossSum = 0, correct = 0, judged = 0, seen = 0;
      for (let b = 0; b < steps && !model.stopTraining; b++) {
        const from = b * batchSize, count = Math.min(batchSize, nTrain - from);
        await list.call('onBatchBegin', b, { batch: b, size: count });
        net.gather(staged, idx, from, count);
        const r = net.trainStep(count, stepSeed(seed, epoch, steps, b));
        lossSum += r.loss * count; correct += r.correct; judged += r.judged; seen += count;
        const logs: Logs = { batch: b, size: count, loss: r.loss };
        if (metricNames.length) logs.accuracy = r.correct / r.judged;
        await list.call('onBatchEnd', b, logs);
        if (!Number.isFinite(r.loss)) {
          // a callback such as terminateOnNaN may have stopped training; otherwise never go on silently
          if (model.stopTraining) break;
          throw new Error(`fit: the loss became ${r.loss} at epoch ${epoch + 1}, batch ${b + 1}; lower the learning rate or check the data`);
        }
      }
      const logs: Logs = { loss: lossSum / Math.max(1, seen) };
      if (metricNames.length) logs.accuracy = correct / Math.max(1, judged);
      if (valData) {
        const v = evaluate(net, valData[0], valData[1], batchSize, 'fit');
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

export function evaluate(net: Network, x: Tensor, y: Tensor, batchSize: number, fn: string): { loss: number; accuracy?: number } {
  const n = net.checkX(x, 'x', fn);
  net.checkY(y, n, 'y', fn);
  positiveInt(batchSize, 'batchSize', fn);
  const rt = net.rt!;
  const plan = net.ensurePlan(Math.min(batchSize, n), false);
  const staged = net.stage(x, y, fn, 'x', 'y');
  const idx = rt.arena.alloc(n * 4, 'evaluation indices');
  rt.k.strided_offsets(idx, n, 1);
  let lossSum = 0, correct = 0, judged = 0;
  try {
    for (let from = 0; from < n; from += plan.maxBatch) {
      const count = Math.min(plan.maxBatch, n - from);
      net.gather(staged, idx, from, count);
      const r = net.lossOf(net.forward(count, false, 0), count);
      lossSum += r.loss * count; correct += r.correct; judged += r.judged;
    }
  } finally {
    staged.release();
    rt.arena.release(idx);
  }
  const result: { loss: number; accuracy?: number } = { loss: lossSum / n };
  if (net.metrics.length) result.accuracy = correct / judged;
  return result;
}

/** Outputs for x in batches; each batch is copied from the caller's tensor into the arena. */
export function predict(net: Network, rt: Runtime, x: Tensor, batchSize: number): Tensor {
  const n = net.checkX(x, 'x', 'predict');
  positiveInt(batchSize, 'batchSize', 'predict');
  const plan = net.ensurePlan(Math.min(batchSize, n), false);
  const inSize = net.inSize, outSize = net.outSize;
  const result = new Float32Array(n * outSize);
  for (let from = 0; from < n; from += plan.maxBatch) {
    const count = Math.min(plan.maxBatch, n - from);
    rt.f32(plan.input, count * inSize).set(x.data.subarray(from * inSize, (from + count) * inSize));
    const bad = rt.k.count_nonfinite(plan.input, count * inSize);
    if (bad) throw new Error(`predict: x contains ${bad} NaN or infinite value(s) in samples ${from}..${from + count - 1}`);
    const out = net.forward(count, false, 0);
    result.set(rt.f32(out, count * outSize), from * outSize);
  }
  return new Tensor(result, [n, ...net.outputShape]);
}
