// A training backup (the files of sn.callbacks.backupAndRestore): a model folder as saveModel writes it —
// atomically, so a crash leaves the previous epoch's backup or this one, never a mix — whose model.json says
// which epoch it ends (userDefinedMetadata.simdnet_backup) and whose weights.bin holds the optimizer's state in
// the optimizer's own form: SGD's velocity as it is, so a restored run goes on bit for bit, at any learning rate.
import type { EpochProgress } from '../engine/callback.js';
import type { Optimizer } from '../engine/optimizer.js';
import type { Sequential } from '../engine/sequential.js';
import { fsError, show } from '../format.js';
import { files } from '../host/host.js';
import { Tensor } from '../tensor.js';
import { errCode, savesInProgress } from './atomic.js';
import { isBackup, saveModel, specBytes, stateEntry, type ModelJson, type WeightSpec } from './model-files.js';

const KEY = 'simdnet_backup';
const VERSION = 1;

/** What a backup records besides weights and optimizer state. */
export interface BackupState {
  /** The last epoch done (0-based; -1: none yet): training goes on from epoch + 1. */
  epoch: number;
  /** A backup made mid-epoch (saveFreq a batch count): how far epoch + 1 had gone. */
  partial?: EpochProgress;
  /** The optimizer's learning rate then (a schedule or reduceLROnPlateau may have changed it). */
  learningRate: number;
  /** The epochs done and their logs, as History keeps them (a resumed fit's History has only its own epochs, as Keras'). */
  history: { epoch: number[]; history: Record<string, number[]>; epochsOf?: Record<string, number[]> };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Writes the backup of `model` after epoch `epoch` — or in the middle of the next one, `partial` saying how far it
 * has gone — to the folder `dir` (replacing the previous one).
 */
export async function writeBackup(model: Sequential, dir: string, epoch: number, history: BackupState['history'], fn: string,
  partial?: EpochProgress): Promise<void> {
  const opt = model.optimizer;
  if (!opt) throw new Error(`${fn}: the model is not compiled`);
  // a folder another save writes to (modelCheckpoint's, the same path twice) would be replaced and then deleted
  if ((await readMarker(dir, fn)) === 'model') {
    throw new Error(`${fn}: ${dir} holds a saved model that is not this run's backup (is it modelCheckpoint's filepath too?); ` +
      `give ${fn} a folder of its own: nothing was written`);
  }
  const state = { version: VERSION, epoch, learningRate: opt.learningRate, optimizer: optimizerRecipe(opt), history, ...(partial ? { partial: { ...partial } } : {}) };
  await saveModel(model, dir, { includeOptimizer: true }, { metadata: { [KEY]: state }, nativeState: true });
  await removeAsides(dir, fn); // superseded: a backup set aside must never come back in a later run
}

/**
 * An optimizer's kind and settings but its learning rate (which a run changes): what a backup must match. The kind
 * is its saved class (AdamW saves as Adam with its weight decay: the same update), in simdnet's name for it.
 */
function optimizerRecipe(opt: Optimizer): Record<string, unknown> {
  const { class_name: cls, config } = opt.toConfig();
  const { learningRate: _, ...settings } = config as Record<string, unknown>;
  return { name: cls === 'Momentum' ? 'sgd' : cls.toLowerCase(), ...settings };
}

const recipeText = (r: Record<string, unknown>): string => {
  const { name, ...rest } = r;
  return `${String(name)}(${Object.entries(rest).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')})`;
};

/** What `dir/model.json` is: a backup, another saved model, or nothing (no file, or no folder). */
async function readMarker(dir: string, fn: string): Promise<'backup' | 'model' | null> {
  const { fs, path } = files(fn, '');
  const text = await fs.readFile(path.join(dir, 'model.json'), 'utf8').catch((e: unknown) => {
    if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return null;
    throw fsError(fn, path.join(dir, 'model.json'), e);
  });
  if (text === null) return null;
  try { return isBackup((JSON.parse(text) as ModelJson).userDefinedMetadata) ? 'backup' : 'model'; } catch { return 'model'; }
}

/**
 * Restores `model` (compiled, as fit has it) from the backup in `dir`: weights, optimizer state and learning rate.
 * Null if there is no backup (no folder, or an empty one). A folder holding anything else, or a backup of another
 * model or optimizer, is refused with what differs: nothing is changed then, and the folder is left as it is.
 */
export async function restoreBackup(model: Sequential, backupDir: string, fn: string,
  refuse: (state: BackupState) => string | null = () => null): Promise<BackupState | null> {
  const { fs, path } = files(fn, 'back up with model.save(path, { includeOptimizer: true }) to a target this host has');
  const fresh = `; delete it to start training afresh, or give ${fn} a folder of its own`;
  let dir = backupDir;
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, 'model.json'), 'utf8');
  } catch (e) {
    if (errCode(e) !== 'ENOENT' && errCode(e) !== 'ENOTDIR') throw fsError(fn, path.join(dir, 'model.json'), e);
    const names = await fs.readdir(dir).catch((err: unknown) => {
      if (errCode(err) === 'ENOENT') return null;
      if (errCode(err) === 'ENOTDIR') throw new Error(`${fn}: backupDir ${dir} is a file, not a folder`);
      throw fsError(fn, dir, err);
    });
    if (names?.length) throw new Error(`${fn}: ${dir} holds files but no backup (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''})${fresh}`);
    if (names) return null;
    // no folder: a run killed while its backup was being replaced left the previous one set aside beside it
    const aside = await setAside(backupDir, fn);
    if (!aside) return null;
    dir = aside;
    text = await fs.readFile(path.join(dir, 'model.json'), 'utf8').catch((err: unknown) => { throw fsError(fn, path.join(dir, 'model.json'), err); });
  }
  const jsonPath = path.join(dir, 'model.json');
  let json: ModelJson;
  try { json = JSON.parse(text) as ModelJson; } catch (e) { throw new Error(`${fn}: ${jsonPath} is not valid JSON (${(e as Error).message})${fresh}`); }
  const state = isObject(json?.userDefinedMetadata) ? json.userDefinedMetadata[KEY] : undefined;
  if (!isObject(state)) throw new Error(`${fn}: ${dir} holds a saved model, not a training backup (its model.json has no ${KEY} entry)${fresh}`);
  const { epoch, learningRate, optimizer: recipe, version, history, partial } = state;
  const logs = isObject(history) && isObject(history.history) ? Object.values(history.history) : [];
  const epochsOf = isObject(history) ? history.epochsOf : undefined;
  const historyOk = isObject(history) && Array.isArray(history.epoch) && history.epoch.every(Number.isInteger) &&
    logs.every((v) => Array.isArray(v) && v.every((x) => typeof x === 'number' || x === null)) &&
    (epochsOf === undefined || (isObject(epochsOf) && Object.entries(epochsOf).every(([k, v]) => Array.isArray(v) && v.every(Number.isInteger) &&
      v.length === (history.history as Record<string, unknown[]>)[k]?.length)));
  const partialOk = partial === undefined || (isObject(partial) && partial.epoch === (epoch as number) + 1 && Number.isInteger(partial.batches) &&
    (partial.batches as number) >= 0 && ['lossSum', 'correct', 'judged', 'seen'].every((k) => typeof partial[k] === 'number' && Number.isFinite(partial[k]) && (partial[k] as number) >= 0) &&
    (partial.correct as number) <= (partial.judged as number) &&
    (partial.sums === undefined || (isObject(partial.sums) && Object.values(partial.sums).every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0))) &&
    (partial.valueSeen === undefined || (typeof partial.valueSeen === 'number' && Number.isFinite(partial.valueSeen) && partial.valueSeen >= 0)));
  if (version !== VERSION || !Number.isInteger(epoch) || (epoch as number) < (partial === undefined ? 0 : -1) || typeof learningRate !== 'number' ||
    !(learningRate >= 0) || !isObject(recipe) || !historyOk || !partialOk) {
    throw new Error(`${fn}: ${jsonPath} has a malformed ${KEY} entry ${show(state)}${fresh}`);
  }
  // JSON wrote a NaN (a metric with nothing to judge) as null
  for (const v of logs as (number | null)[][]) v.forEach((x, i) => { if (x === null) v[i] = NaN; });
  const mine = optimizerRecipe(model.optimizer!);
  if (recipeText(recipe) !== recipeText(mine)) {
    throw new Error(`${fn}: the backup in ${dir} was trained with ${recipeText(recipe)}, this model is compiled with ${recipeText(mine)}${fresh}`);
  }

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
  const parsed: BackupState = { epoch: epoch as number, learningRate, history: history as BackupState['history'],
    ...(partial ? { partial: partial as unknown as EpochProgress } : {}) };
  const why = refuse(parsed);
  if (why) throw new Error(`${fn}: the backup in ${dir} does not fit this run: ${why}${fresh}`);
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
  return parsed;
}

/**
 * The newest complete backup an interrupted replacement set aside beside `dir` (`<dir>.replaced-<pid>-<time>-…`,
 * io/atomic.ts), or null. The next backup written to `dir` removes it.
 */
async function setAside(dir: string, fn: string): Promise<string | null> {
  const { fs, path } = files(fn, '');
  const full = path.resolve(dir), prefix = `${path.basename(full)}.replaced-`;
  const names = await fs.readdir(path.dirname(full)).catch(() => [] as string[]);
  const time = (name: string) => parseInt(/^\d+-([0-9a-z]+)-/.exec(name.slice(prefix.length))?.[1] ?? '0', 36);
  const candidates = names.filter((n) => n.startsWith(prefix)).sort((a, b) => time(b) - time(a));
  for (const name of candidates) {
    const at = path.join(path.dirname(full), name);
    if ((await readMarker(at, fn)) === 'backup') return at;
  }
  return null;
}

/** The backups interrupted replacements left beside `dir` (never one a save of this process is writing). */
async function removeAsides(dir: string, fn: string): Promise<void> {
  const { fs, path } = files(fn, '');
  const full = path.resolve(dir), parent = path.dirname(full), base = path.basename(full);
  const names = await fs.readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(`${base}.replaced-`) && !name.startsWith(`${base}.saving-`)) continue;
    const at = path.join(parent, name);
    if (savesInProgress.has(at) || (await readMarker(at, fn)) !== 'backup') continue;
    await fs.rm(at, { recursive: true, force: true }).catch(() => {});
  }
}

/** Removes a backup (its two files, then its folder, which holds nothing else) once training is done. */
export async function removeBackup(dir: string, fn: string): Promise<void> {
  const { fs, path } = files(fn, '');
  await removeAsides(dir, fn);
  if ((await readMarker(dir, fn)) !== 'backup') return; // never another save's files
  for (const name of ['model.json', 'weights.bin']) await fs.rm(path.join(dir, name), { force: true }).catch((e: unknown) => { throw fsError(fn, dir, e); });
  await fs.rmdir(dir).catch((e: unknown) => { if (errCode(e) !== 'ENOENT' && errCode(e) !== 'ENOTEMPTY') throw fsError(fn, dir, e); });
}
