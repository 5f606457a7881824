// The data and model of each sweep task. Photos are read (or generated) once per process; each trial then
// splits them with its own seed, as `simdnet train --seed` does.
//   faces          the lab's CNN classifying the 16 people (the embedded set, or --data as simdnet train reads it)
//   face-position  a small CNN regressing the face's horizontal position (generated photos, 32x32 grey), where
//                  MSE, MAE and Huber belong; labelNoise replaces that fraction of training targets by outliers
import * as sn from '../../index.js';
import { facePositions } from '../../data/face-position.js';
import { Random } from '../../random.js';
import { makeOptimizer } from '../train-options.js';
import type { TrialParams } from './config.js';

type XY = { x: sn.Tensor; y: sn.Tensor };
export interface TaskData {
  train: XY;
  val: XY;
  /** A held-out test set, or null (faces without a test folder: the validation split serves). */
  test: XY | null;
  model(p: TrialParams, seed: number): sn.Sequential;
  optimizer(p: TrialParams): sn.Optimizer;
}

const optimizerOf = (p: TrialParams) => makeOptimizer({
  ...p, epsilon: p.epsilon ?? undefined, momentum: p.momentum ?? 0, nesterov: p.nesterov ?? false,
});

/** Where a folder's training photos and (optional) test photos are: DIR/train + DIR/test, or DIR alone. */
export async function faceFolders(data: string | null): Promise<{ trainDir: string; testDir: string | null }> {
  if (data === null) {
    const set = await sn.data.syntheticFaces({ seed: 0 });
    return { trainDir: set.trainDir, testDir: set.testDir };
  }
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const stat = await fs.stat(data).catch(() => null);
  if (!stat?.isDirectory()) throw new Error(`simdnet sweep: --data ${data} is not a folder`);
  const subs = (await fs.readdir(data, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  return subs.includes('train') && subs.includes('test')
    ? { trainDir: path.join(data, 'train'), testDir: path.join(data, 'test') } : { trainDir: data, testDir: null };
}

const photoCache = new Map<string, Promise<{ x: sn.Tensor; y: Int32Array; k: number; test: XY | null }>>();

async function loadPhotos(data: string | null) {
  const { trainDir, testDir } = await faceFolders(data);
  const folder = await sn.data.loadImageFolder(trainDir, { size: [42, 42], channels: 3, onWarning: () => {} });
  const k = folder.classNames.length;
  const withPhotos = new Set(folder.y).size; // an empty class folder keeps its label but holds no photo
  if (withPhotos < 2) throw new Error(`simdnet sweep: ${trainDir} holds photos of ${withPhotos} class; classification needs at least two`);
  let test: XY | null = null;
  if (testDir) {
    const t = await sn.data.loadImageFolder(testDir, { size: [42, 42], channels: 3, classNames: folder.classNames, onWarning: () => {} });
    test = { x: t.x, y: sn.utils.toCategorical(t.y, k) };
  }
  return { x: folder.x, y: folder.y, k, test };
}

export async function facesData(data: string | null, p: TrialParams, seed: number): Promise<TaskData> {
  const key = data ?? '';
  if (!photoCache.has(key)) photoCache.set(key, loadPhotos(data));
  const photos = await photoCache.get(key)!;
  const s = sn.utils.trainTestSplit(photos.x, sn.utils.toCategorical(photos.y, photos.k), { testSize: p.testSize, seed, stratify: true, loneClasses: 'train' });
  return {
    train: { x: s.xTrain, y: s.yTrain }, val: { x: s.xTest, y: s.yTest }, test: photos.test,
    model: (q, sd) => sn.models.labFaceCnn({ numClasses: photos.k, seed: sd, activation: q.activation }),
    optimizer: optimizerOf,
  };
}

/** Photos for training and validation, and a separate clean test draw: the same for every trial. */
const POSITION_COUNT = 600, POSITION_TEST = 200, POSITION_SIZE = 32;
let positionSets: { all: XY; test: XY } | null = null;

/** Gross, one-sided annotation errors: the target moved 2 to 6 (in units of half the range) to the right. */
function withOutliers(y: sn.Tensor, fraction: number, seed: number): sn.Tensor {
  const out = Float32Array.from(y.data);
  const n = out.length, rng = new Random(seed ^ 0x0b7e);
  const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  for (let i = 0; i < Math.round(fraction * n); i++) out[order[i]] += rng.uniform(2, 6);
  return sn.tensor(out, [...y.shape]);
}

export function facePositionData(p: TrialParams, seed: number): TaskData {
  positionSets ??= {
    all: facePositions({ count: POSITION_COUNT, size: POSITION_SIZE, seed: 0 }),
    test: facePositions({ count: POSITION_TEST, size: POSITION_SIZE, seed: 1 }),
  };
  const s = sn.utils.trainTestSplit(positionSets.all.x, positionSets.all.y, { testSize: p.testSize, seed });
  return {
    train: { x: s.xTrain, y: p.labelNoise > 0 ? withOutliers(s.yTrain, p.labelNoise, seed) : s.yTrain },
    val: { x: s.xTest, y: s.yTest }, test: positionSets.test,
    model: (q, sd) => {
      // conv 8 -> pool -> conv 16 -> pool -> dense 32 -> 1 linear output: 19,745 parameters
      const m = sn.sequential({ seed: sd });
      m.add(sn.layers.conv2d({ filters: 8, kernelSize: 3, activation: q.activation, inputShape: [POSITION_SIZE, POSITION_SIZE, 1] }));
      m.add(sn.layers.maxPooling2d({ poolSize: 2 }));
      m.add(sn.layers.conv2d({ filters: 16, kernelSize: 3, activation: q.activation }));
      m.add(sn.layers.maxPooling2d({ poolSize: 2 }));
      m.add(sn.layers.flatten());
      m.add(sn.layers.dense({ units: 32, activation: q.activation }));
      m.add(sn.layers.dense({ units: 1 }));
      return m;
    },
    optimizer: optimizerOf,
  };
}
