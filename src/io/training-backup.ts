// A training backup (the files of sn.callbacks.backupAndRestore): a model folder as saveModel writes it —
// atomically, so a crash leaves the previous epoch's backup or this one, never a mix — whose model.json says
// which epoch it ends (userDefinedMetadata.simdnet_backup) and whose weights.bin holds the optimizer's state in
// the optimizer's own form: SGD's velocity as it is, so a restored run goes on bit for bit, at any learning rate.
import type { Sequential } from '../engine/sequential.js';
import { fsError, show } from '../format.js';
import { files } from '../host/host.js';
import { Tensor } from '../tensor.js';
import { errCode } from './atomic.js';
import { saveModel, specBytes, stateEntry, type ModelJson, type WeightSpec } from './model-files.js';

const KEY = 'simdnet_backup';
const VERSION = 1;

/** What a backup records besides weights and optimizer state. */
export interface BackupState {
  /** The last epoch done (0-based): training goes on from epoch + 1. */
  epoch: number;
  /** The optimizer's learning rate then (a schedule or reduceLROnPlateau may have changed it). */
  learningRate: number;
  /** The epochs done and their logs, as History keeps them (a resumed fit's History has only its own epochs, as Keras'). */
  history: { epoch: number[]; history: Record<string, number[]> };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Writes the backup of `model` after epoch `epoch` to the folder `dir` (replacing the previous one). */
export async function writeBackup(model: Sequential, dir: string, epoch: number, history: BackupState['history'], fn: string): Promise<void> {
  const opt = model.optimizer;
  if (!opt) throw new Error(`${fn}: the model is not compiled`);
  const state = { version: VERSION, epoch, learningRate: opt.learningRate, optimizer: opt.toConfig().class_name, history };
  await saveModel(model, dir, { includeOptimizer: true }, { metadata: { [KEY]: state }, nativeState: true });
}

/**
 * Restores `model` (compiled, as fit has it) from the backup in `dir`: weights, optimizer state and learning rate.
 * Null if there is no backup (no folder, or an empty one). A folder holding anything else, or a backup of another
 * model or optimizer, is refused with what differs: nothing is changed then, and the folder is left as it is.
 */
export async function restoreBackup(model: Sequential, dir: string, fn: string): Promise<BackupState | null> {
  const { fs, path } = files(fn, 'back up with model.save(path, { includeOptimizer: true }) to a target this host has');
  const jsonPath = path.join(dir, 'model.json');
  const fresh = `; delete it to start training afresh, or give ${fn} a folder of its own`;
  let text: string;
  try {
    text = await fs.readFile(jsonPath, 'utf8');
  } catch (e) {
    if (errCode(e) !== 'ENOENT' && errCode(e) !== 'ENOTDIR') throw fsError(fn, jsonPath, e);
    const names = await fs.readdir(dir).catch((err: unknown) => {
      if (errCode(err) === 'ENOENT') return [] as string[];
      if (errCode(err) === 'ENOTDIR') throw new Error(`${fn}: backupDir ${dir} is a file, not a folder`);
      throw fsError(fn, dir, err);
    });
    if (names.length) throw new Error(`${fn}: ${dir} holds files but no backup (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''})${fresh}`);
    return null;
  }
  let json: ModelJson;
  try { json = JSON.parse(text) as ModelJson; } catch (e) { throw new Error(`${fn}: ${jsonPath} is not valid JSON (${(e as Error).message})${fresh}`); }
  const state = isObject(json?.userDefinedMetadata) ? json.userDefinedMetadata[KEY] : undefined;
  if (!isObject(state)) throw new Error(`${fn}: ${dir} holds a saved model, not a training backup (its model.json has no ${KEY} entry)${fresh}`);
  const { epoch, learningRate, optimizer, version, history } = state;
  const logs = isObject(history) && isObject(history.history) ? Object.values(history.history) : [];
  const historyOk = isObject(history) && Array.isArray(history.epoch) && history.epoch.every(Number.isInteger) &&
    logs.every((v) => Array.isArray(v) && v.every((x) => typeof x === 'number' || x === null));
  if (version !== VERSION || !Number.isInteger(epoch) || (epoch as number) < 0 || typeof learningRate !== 'number' || !(learningRate >= 0) ||
    typeof optimizer !== 'string' || !historyOk) {
    throw new Error(`${fn}: ${jsonPath} has a malformed ${KEY} entry ${show(state)}${fresh}`);
  }
  // JSON wrote a NaN (a metric with nothing to judge) as null
  for (const v of logs as (number | null)[][]) v.forEach((x, i) => { if (x === null) v[i] = NaN; });
  const mine = model.optimizer!.toConfig().class_name;
  if (optimizer !== mine) throw new Error(`${fn}: the backup in ${dir} was trained with ${optimizer}, this model is compiled with ${mine}${fresh}`);

  // the model's weights, then the optimizer's state (group 'optimizer'), in one file, in manifest order
  const group = Array.isArray(json.weightsManifest) && json.weightsManifest.length === 1 ? json.weightsManifest[0] : null;
  if (!group || !Array.isArray(group.weights) || group.paths?.length !== 1) throw new Error(`${fn}: ${jsonPath}: not a backup's weights manifest${fresh}`);
  const specs = group.weights as WeightSpec[];
  const weightSpecs = specs.filter((s) => s.group !== 'optimizer');
  const expected = model.getWeights();
  const mismatch = weightSpecs.length !== expected.length ? `${weightSpecs.length} weights, this model has ${expected.length}`
    : weightSpecs.map((s, i) => (String(s.shape) === String(expected[i].shape) ? '' : `weight ${i + 1} (${s.name}) has shape [${s.shape}], this model's [${expected[i].shape}]`)).find((m) => m);
  if (mismatch) throw new Error(`${fn}: the backup in ${dir} is of another model: ${mismatch}${fresh}`);
  const binPath = path.join(dir, group.paths[0]);
  let bytes: Uint8Array;
  try { bytes = new Uint8Array(await fs.readFile(binPath)); } catch (e) { throw fsError(fn, binPath, e); }
  const sizes = specs.map((s) => specBytes(s, `${fn}: ${jsonPath}`));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (bytes.byteLength !== total) throw new Error(`${fn}: ${binPath} holds ${bytes.byteLength} bytes but ${jsonPath} lists ${total}${fresh}`);
  const weights: Tensor[] = [], entries = [];
  let at = 0;
  for (let i = 0; i < specs.length; i++) {
    const entry = stateEntry(specs[i], bytes.subarray(at, at + sizes[i]));
    at += sizes[i];
    if (specs[i].group === 'optimizer') entries.push(entry);
    else weights.push(new Tensor(entry.data as Float32Array, [...specs[i].shape]));
  }
  // all of it or nothing: a state that does not fit leaves the model as it was
  const old = model.getWeights();
  model.setWeights(weights);
  try {
    model.setOptimizerWeights(entries, `${fn}: ${dir}`, true);
  } catch (e) {
    model.setWeights(old);
    throw e;
  }
  model.optimizer!.learningRate = learningRate;
  return { epoch: epoch as number, learningRate, history: history as BackupState['history'] };
}

/** Removes a backup (its two files, then its folder, which holds nothing else) once training is done. */
export async function removeBackup(dir: string, fn: string): Promise<void> {
  const { fs, path } = files(fn, '');
  for (const name of ['model.json', 'weights.bin']) await fs.rm(path.join(dir, name), { force: true }).catch((e: unknown) => { throw fsError(fn, dir, e); });
  await fs.rmdir(dir).catch((e: unknown) => { if (errCode(e) !== 'ENOENT' && errCode(e) !== 'ENOTEMPTY') throw fsError(fn, dir, e); });
}
