// sn.utils: label encoding and splitting.
import { checkOptions, show, type AllOptions } from './format.js';
import { Random } from './random.js';
import { Tensor } from './tensor.js';

/** Class ids -> one-hot [n, numClasses]. */
export function toCategorical(labels: Int32Array | number[] | Tensor, numClasses?: number): Tensor {
  const ids = labels instanceof Tensor ? labels.data : labels;
  let max = -1;
  for (let i = 0; i < ids.length; i++) {
    const c = ids[i];
    if (!Number.isInteger(c) || c < 0) throw new Error(`toCategorical: labels[${i}] = ${c} is not a non-negative integer class id`);
    max = Math.max(max, c);
  }
  const k = numClasses ?? max + 1;
  if (!Number.isInteger(k) || k <= 0) throw new Error(`toCategorical: numClasses must be a positive integer, got ${numClasses}`);
  if (max >= k) throw new Error(`toCategorical: label ${max} does not fit numClasses ${k}`);
  const out = new Float32Array(ids.length * k);
  for (let i = 0; i < ids.length; i++) out[i * k + ids[i]] = 1;
  // Keras' shape: the labels' own, a trailing axis of 1 dropped ([n, 1] -> [n, k]), then the classes ([n, steps, k])
  const shape = labels instanceof Tensor ? [...labels.shape] : [ids.length];
  if (shape.length > 1 && shape[shape.length - 1] === 1) shape.pop();
  return new Tensor(out, [...shape, k]);
}

/**
 * Class weights under which every class counts as much in the loss, as scikit-learn's
 * compute_class_weight('balanced') that Keras users pass as class_weight: n / (classes · count) for each class
 * present in y (class ids, or one-hot rows), `classes` being how many are present. For fit's classWeight.
 */
export function balancedClassWeight(y: Tensor | Int32Array | number[]): Record<number, number> {
  const ids = y instanceof Tensor ? classesOf(y, 'balancedClassWeight') : Array.from(y);
  if (!ids.length) throw new Error('balancedClassWeight: y holds no samples');
  const counts = new Map<number, number>();
  ids.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0) throw new Error(`balancedClassWeight: y[${i}] = ${c} is not a class id (a non-negative integer)`);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  });
  const out: Record<number, number> = {};
  for (const [c, k] of [...counts].sort((a, b) => a[0] - b[0])) out[c] = ids.length / (counts.size * k);
  return out;
}

function takeRows(t: Tensor, rows: number[]): Tensor {
  const w = t.size / t.shape[0];
  const out = t.dtype === 'int32' ? new Int32Array(rows.length * w) : new Float32Array(rows.length * w);
  rows.forEach((r, i) => out.set(t.data.subarray(r * w, (r + 1) * w), i * w));
  return new Tensor(out, [rows.length, ...t.shape.slice(1)]);
}

/** Class of each row of y: an id ([n] or [n, 1]) or the argmax of a one-hot (or soft, summing to 1) row [n, classes]. */
function classesOf(y: Tensor, fn: string): number[] {
  const n = y.shape[0], w = y.size / n;
  const oneClass = 'one class per sample: ids [n] or [n, 1], or one-hot rows [n, classes]';
  const needs = fn === 'trainTestSplit' ? 'stratify needs' : 'y must give';
  if (y.rank > 2) throw new Error(`${fn}: ${needs} ${oneClass}; y has shape [${y.shape.join(', ')}] (a label per step or pixel)`);
  return Array.from({ length: n }, (_, i) => {
    if (w === 1) return y.data[i];
    let sum = 0;
    for (let j = 0; j < w; j++) sum += y.data[i * w + j];
    if (Math.abs(sum - 1) > 1e-4) {
      throw new Error(`${fn}: ${needs} ${oneClass}; row ${i} of y sums to ${sum} (class ids per step, or several labels per sample?)`);
    }
    let best = 0;
    for (let j = 1; j < w; j++) if (y.data[i * w + j] > y.data[i * w + best]) best = j;
    return best;
  });
}

export interface TrainTestSplitArgs {
  testSize?: number; seed?: number; stratify?: boolean; shuffle?: boolean;
  /**
   * With stratify, a class of one sample: 'refuse' (the default, as scikit-learn) or 'train': its sample goes to
   * the training set and the rest is split (a fraction testSize of the rest) — for a folder of photos where
   * someone has a single one.
   */
  loneClasses?: 'refuse' | 'train';
}
const TRAIN_TEST_SPLIT_OPTIONS = ['testSize', 'seed', 'stratify', 'shuffle', 'loneClasses'] as const;

/**
 * Splits x and y *together* (pairs stay aligned) into train and test sets, shuffled with `seed`;
 * stratify keeps each class's share in both sets (to within one row; the test set still has exactly
 * ceil(n * testSize) rows).
 */
export function trainTestSplit(x: Tensor, y: Tensor, args: TrainTestSplitArgs = {}):
  { xTrain: Tensor; xTest: Tensor; yTrain: Tensor; yTest: Tensor } {
  checkOptions('trainTestSplit', args, TRAIN_TEST_SPLIT_OPTIONS satisfies AllOptions<TrainTestSplitArgs, typeof TRAIN_TEST_SPLIT_OPTIONS>);
  args ??= {};
  if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new Error('trainTestSplit: x and y must be sn.tensors');
  const n = x.shape[0];
  if (y.shape[0] !== n) throw new Error(`trainTestSplit: x has ${n} samples but y has ${y.shape[0]}`);
  const testSize = args.testSize ?? 0.25;
  const nTest = testSize >= 1 ? testSize : Math.ceil(n * testSize);
  if (typeof testSize !== 'number' || !(testSize > 0) || !Number.isInteger(nTest)) {
    throw new Error(`trainTestSplit: testSize must be a fraction in (0, 1) or a whole count of test rows, got ${show(testSize)}`);
  }
  if (nTest >= n) {
    throw new Error(`trainTestSplit: testSize ${testSize} of ${n} samples makes ${nTest} test rows and leaves none to train on; ` +
      `use a smaller testSize (a fraction in (0, 1) or a count below ${n})`);
  }
  const rng = new Random(args.seed ?? 0);
  const test: number[] = [], train: number[] = [];
  const shuffle = args.shuffle ?? true;
  if (args.stratify && !shuffle) throw new Error('trainTestSplit: stratify needs shuffle (as in scikit-learn): a stratified split draws its rows at random');
  if (args.loneClasses !== undefined && !args.stratify) throw new Error('trainTestSplit: loneClasses applies to a stratified split: pass stratify: true');
  if (args.stratify) {
    const byClass = new Map<number, number[]>();
    classesOf(y, 'trainTestSplit').forEach((c, i) => { if (!byClass.has(c)) byClass.set(c, []); byClass.get(c)!.push(i); });
    const lone = [...byClass].filter(([, rows]) => rows.length < 2).map(([c]) => c).sort((a, b) => a - b);
    const loneClasses = args.loneClasses ?? 'refuse';
    if (loneClasses !== 'refuse' && loneClasses !== 'train') {
      throw new Error(`trainTestSplit: loneClasses must be 'refuse' or 'train', got ${show(loneClasses)}`);
    }
    if (lone.length && loneClasses === 'refuse') {
      // scikit-learn refuses it too: such a class lands wholly in one of the two sets
      throw new Error(`trainTestSplit: stratify needs at least 2 samples of each class, as scikit-learn's; class${lone.length > 1 ? 'es' : ''} ` +
        `${lone.join(', ')} ha${lone.length > 1 ? 've' : 's'} 1: split without stratify, gather more samples, or pass loneClasses: 'train'`);
    }
    // loneClasses 'train': their samples train; the rest is split as a whole would be
    for (const c of lone) { train.push(...byClass.get(c)!); byClass.delete(c); }
    const pool = n - lone.length, poolTest = testSize >= 1 ? testSize : Math.ceil(pool * testSize);
    if (pool === 0) throw new Error(`trainTestSplit: every class has a single sample (${n} classes): stratified, none is left to test on`);
    if (poolTest >= pool) {
      throw new Error(`trainTestSplit: ${lone.length} of ${n} samples are lone classes' (they train); testSize ${testSize} of the ` +
        `${pool} left makes ${poolTest} test rows and leaves none of them to train on`);
    }
    // exactly poolTest test rows, as without stratify: each class gets floor(share) and the rows left over go
    // to the classes with the largest remainders (ties in a seeded random order), like scikit-learn
    const classes = [...byClass.keys()].sort((a, b) => a - b);
    const share = classes.map((c) => (byClass.get(c)!.length * poolTest) / pool);
    const take = share.map(Math.floor);
    const order = rng.shuffle(classes.map((_, j) => j)).sort((a, b) => (share[b] - take[b]) - (share[a] - take[a]));
    for (let left = poolTest - take.reduce((a, b) => a + b, 0), j = 0; left > 0; j++, left--) take[order[j]]++;
    classes.forEach((c, j) => {
      const rows = rng.shuffle(byClass.get(c)!);
      test.push(...rows.slice(0, take[j]));
      train.push(...rows.slice(take[j]));
    });
    rng.shuffle(test); rng.shuffle(train);
  } else {
    const order = Array.from({ length: n }, (_, i) => i);
    if (shuffle) {
      rng.shuffle(order);
      test.push(...order.slice(0, nTest));
      train.push(...order.slice(nTest));
    } else {
      // in order, as scikit-learn: the first rows train, the last nTest test (e.g. a time series' future)
      train.push(...order.slice(0, n - nTest));
      test.push(...order.slice(n - nTest));
    }
  }
  return { xTrain: takeRows(x, train), xTest: takeRows(x, test), yTrain: takeRows(y, train), yTest: takeRows(y, test) };
}
export { padSequences, type PadSequencesArgs } from './text/pad-sequences.js';
