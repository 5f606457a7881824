// What the Studio does with simdnet, through its public API only: render the face set, split it, build and
// train the lab's CNN, judge the validation photos. The training worker runs it in the page; the
// measurement script (measure.mjs) runs the very same code in Node, so the two speeds compare like for like.
import type * as SnModule from 'simdnet';
import { SIDE, type BatchEvent, type EpochEvent, type Evaluation, type Recipe } from './protocol.js';

type Sn = typeof SnModule;
type Tensor = SnModule.Tensor;
type Sequential = SnModule.Sequential;

/** Photos as the model sees them. */
export interface Photos {
  x: Tensor; // (n, SIDE, SIDE, 3) in [0, 1]
  labels: Int32Array; // (n)
  classNames: string[];
  names: string[];
}

/** One person's photos of the embedded face set, as the model sees them. */
export interface PersonPhotos {
  person: number; // index into sn.LAB_LABELS
  x: Float32Array; // (photos, SIDE, SIDE, 3) in [0, 1]
  names: string[];
}

/**
 * Some people's train photos of the embedded face set, rendered by sn.data.facePhotos (the generator
 * `simdnet train` writes its JPEGs from) and resized as the loaders resize; all of them, or the first perPerson.
 */
export function renderPeople(sn: Sn, seed: number, perPerson: number | null, people: number[], onPhoto?: (done: number, total: number) => void): PersonPhotos[] {
  const per = SIDE * SIDE * 3;
  const out: { person: number; chunks: Float32Array[]; names: string[] }[] = people.map((person) => ({ person, chunks: [], names: [] }));
  for (const photo of sn.data.facePhotos({ seed, perPerson: perPerson ?? undefined, test: false, people })) {
    const mine = out[people.indexOf(photo.classIndex)];
    mine.chunks.push(sn.io.imageToTensor(photo.image, { size: [SIDE, SIDE], channels: 3 }).data as Float32Array);
    mine.names.push(`${photo.label} #${photo.number}`);
    onPhoto?.(photo.index + 1, photo.total);
  }
  return out.map(({ person, chunks, names }) => {
    const x = new Float32Array(chunks.length * per);
    chunks.forEach((c, i) => x.set(c, i * per));
    return { person, x, names };
  });
}

/** The set from its people, in the order of LAB_LABELS (loadImageFolder's order, so the CLI's split). */
export function photosFrom(sn: Sn, parts: PersonPhotos[]): Photos {
  const sorted = [...parts].sort((a, b) => a.person - b.person);
  const per = SIDE * SIDE * 3;
  const n = sorted.reduce((s, p) => s + p.names.length, 0);
  const x = new Float32Array(n * per), labels = new Int32Array(n), names: string[] = [];
  for (const p of sorted) {
    x.set(p.x, names.length * per);
    labels.fill(p.person, names.length, names.length + p.names.length);
    names.push(...p.names);
  }
  return { x: sn.tensor(x, [n, SIDE, SIDE, 3]), labels, classNames: [...sn.LAB_LABELS], names };
}

/** The whole set's train photos (or the first perPerson of each person), on this thread. */
export function renderFaces(sn: Sn, seed: number, perPerson: number | null, onProgress?: (done: number, total: number) => void): Photos {
  return photosFrom(sn, renderPeople(sn, seed, perPerson, sn.LAB_LABELS.map((_, i) => i), onProgress));
}

/** The stratified split of sn.utils.trainTestSplit (the CLI's: a person with one photo trains only), as photo indices. */
export function splitIndices(sn: Sn, labels: Int32Array, numClasses: number, testSize: number, seed: number): { train: Int32Array; val: Int32Array } {
  const n = labels.length;
  const index = sn.tensor(Float32Array.from({ length: n }, (_, i) => i), [n, 1]);
  // someone with a single photo trains only (it cannot be in both sets)
  const s = sn.utils.trainTestSplit(index, sn.utils.toCategorical(labels, numClasses), { testSize, seed, stratify: true, loneClasses: 'train' });
  return { train: Int32Array.from(s.xTrain.data), val: Int32Array.from(s.xTest.data) };
}

/** Rows of a tensor, copied. */
export function takeRows(sn: Sn, t: Tensor, rows: Int32Array): Tensor {
  const per = t.size / t.shape[0];
  const out = new Float32Array(rows.length * per);
  rows.forEach((r, i) => out.set(t.data.subarray(r * per, (r + 1) * per), i * per));
  return sn.tensor(out, [rows.length, ...t.shape.slice(1)]);
}

/** The lab's schedule: lr * lrDrop ** floor((1 + epoch) / dropEvery). */
export const learningRateAt = (r: Recipe, epoch: number): number => r.lr * r.lrDrop ** Math.floor((1 + epoch) / r.dropEvery);

/** Checks a recipe, naming the field, the value and what it should be. */
export function checkRecipe(r: Recipe): void {
  const need = (ok: boolean, field: string, value: unknown, expected: string) => {
    if (!ok) throw new Error(`${field} must be ${expected}, got ${JSON.stringify(value) ?? String(value)}`);
  };
  const int = (v: number, min: number) => Number.isInteger(v) && v >= min;
  need(['sgd', 'adam', 'adagrad', 'rmsprop'].includes(r.optimizer), 'optimizer', r.optimizer, 'sgd, adam, adagrad or rmsprop');
  need(r.lr > 0 && r.lr < 10, 'learning rate', r.lr, 'a number above 0 and below 10');
  need(r.momentum >= 0 && r.momentum < 1, 'momentum', r.momentum, 'in [0, 1)');
  need(r.lrDrop > 0 && r.lrDrop <= 1, 'learning-rate drop', r.lrDrop, 'in (0, 1] (1: constant)');
  need(int(r.dropEvery, 1), 'drop every', r.dropEvery, 'a whole number of epochs, at least 1');
  need(int(r.epochs, 1) && r.epochs <= 1000, 'epochs', r.epochs, 'a whole number from 1 to 1000');
  need(int(r.batchSize, 1) && r.batchSize <= 4096, 'batch size', r.batchSize, 'a whole number from 1 to 4096');
  need(int(r.threads, 1) && r.threads <= 64, 'threads', r.threads, 'a whole number from 1 to 64');
  need(Number.isInteger(r.seed), 'seed', r.seed, 'a whole number');
  need(r.testSize > 0 && r.testSize < 1, 'validation share', r.testSize, 'above 0 and below 1');
}

/** The lab's CNN for numClasses people, compiled with the recipe's optimizer. */
export function buildModel(sn: Sn, numClasses: number, r: Recipe): Sequential {
  const model = sn.models.labFaceCnn({ numClasses, seed: r.seed });
  const { lr: learningRate } = r;
  const optimizer = r.optimizer === 'sgd' ? sn.optimizers.sgd({ learningRate, momentum: r.momentum, nesterov: r.nesterov })
    : r.optimizer === 'adam' ? sn.optimizers.adam({ learningRate })
    : r.optimizer === 'adagrad' ? sn.optimizers.adagrad({ learningRate }) : sn.optimizers.rmsprop({ learningRate });
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

export interface TrainHooks {
  onBatch?: (e: BatchEvent) => void;
  onEpoch?: (e: EpochEvent) => void;
  /** Asked after every batch: true stops training there. */
  shouldStop?: () => boolean;
}

export interface TrainOutcome {
  history: Record<string, number[]>;
  stopped: boolean;
  /** Training images per second of each epoch (batches only: validation not counted). */
  epochRates: number[];
  seconds: number;
}

/** fit() on the split's train photos, validated on its validation photos, timing every epoch's batches. */
export async function trainModel(sn: Sn, model: Sequential, photos: Photos, split: { train: Int32Array; val: Int32Array },
  r: Recipe, hooks: TrainHooks = {}): Promise<TrainOutcome> {
  const k = photos.classNames.length;
  const labelsOf = (rows: Int32Array) => Int32Array.from(rows, (i) => photos.labels[i]);
  const xTrain = takeRows(sn, photos.x, split.train), yTrain = sn.utils.toCategorical(labelsOf(split.train), k);
  const xVal = takeRows(sn, photos.x, split.val), yVal = sn.utils.toCategorical(labelsOf(split.val), k);
  const steps = Math.ceil(split.train.length / r.batchSize);
  const epochRates: number[] = [];
  let epochStart = 0, lastBatchEnd = 0, seen = 0, stopped = false;
  const own = new sn.callbacks.BatchValues();
  const t0 = performance.now();
  const history = await model.fit(xTrain, yTrain, {
    epochs: r.epochs, batchSize: r.batchSize, seed: r.seed, threads: r.threads, shuffle: true, verbose: 0,
    validationData: [xVal, yVal],
    callbacks: [
      sn.callbacks.learningRateScheduler((epoch) => learningRateAt(r, epoch)),
      own, // before the hook that reads it: it starts each epoch where fit does
      {
        onEpochBegin: () => { epochStart = performance.now(); seen = 0; },
        onBatchEnd: (batch, logs = {}) => {
          lastBatchEnd = performance.now();
          seen += logs.size ?? 0;
          const seconds = (lastBatchEnd - epochStart) / 1000;
          // the chart shows each batch's own values (the logs hold the epoch's running averages, as Keras')
          const b = own.of(logs);
          hooks.onBatch?.({ kind: 'batch', epoch: epochRates.length, batch, steps, loss: b.loss, accuracy: b.accuracy ?? NaN, imgPerSec: seen / seconds, seconds });
          if (hooks.shouldStop?.()) { stopped = true; model.stopTraining = true; }
        },
        onEpochEnd: (epoch, logs = {}) => {
          const rate = seen / ((lastBatchEnd - epochStart) / 1000);
          epochRates.push(rate);
          hooks.onEpoch?.({ kind: 'epoch', epoch, epochs: r.epochs, logs: { ...logs }, seconds: (performance.now() - epochStart) / 1000, imgPerSec: rate, lr: learningRateAt(r, epoch) });
        },
      },
    ],
  });
  return { history: history.history, stopped, epochRates, seconds: (performance.now() - t0) / 1000 };
}

/** The training speed to report: the epochs after the first (which warms up), or the only one. */
export function steadyRate(rates: number[]): number {
  const steady = rates.length > 1 ? rates.slice(1) : rates;
  return steady.reduce((a, b) => a + b, 0) / Math.max(1, steady.length);
}

/** The validation photos judged: confusion matrix, accuracy, loss and the photos the model got wrong. */
export async function evaluatePhotos(sn: Sn, model: Sequential, photos: Photos, rows: Int32Array, threads: number): Promise<Evaluation> {
  const k = photos.classNames.length;
  const x = takeRows(sn, photos.x, rows);
  const truth = Int32Array.from(rows, (i) => photos.labels[i]);
  const p = (await model.predict(x, { threads })).data;
  const confusion = photos.classNames.map(() => new Array<number>(k).fill(0));
  const misclassified: Evaluation['misclassified'] = [];
  let correct = 0, loss = 0;
  rows.forEach((row, i) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
    confusion[truth[i]][best]++;
    loss -= Math.log(Math.max(p[i * k + truth[i]], 1e-7));
    if (best === truth[i]) correct++;
    else misclassified.push({ index: row, truth: truth[i], predicted: best, probability: p[i * k + best] });
  });
  return { classNames: photos.classNames, confusion, accuracy: correct / Math.max(1, rows.length), loss: loss / Math.max(1, rows.length), misclassified };
}
