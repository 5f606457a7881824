// Model files in TensorFlow.js' "layers-model" format: a folder with model.json (topology, training
// config, weights manifest) and weights.bin (little-endian float32 values, concatenated in manifest order;
// with save's `quantize`, float16 or affine uint8 / uint16 values, as tensorflowjs_converter quantizes: io/quantize.ts).
// tf.loadLayersModel reads what saveModel writes, and loadModel reads what tfjs' model.save and the converter write.
//
// saveModel is atomic: both files go to a fresh sibling folder that is fsynced and then renamed into place
// (an existing model is renamed aside first and removed once the new one is in place), so a crash never
// leaves a half-written or mixed model at `dir`. The sibling folders are named
// `<dir>.saving-<pid>-<time>-<random>` and `<dir>.replaced-<pid>-<time>-<random>`; what a crash leaves of
// them is removed by the next successful save to `dir` (see removeStaleSiblings for what counts as stale).
// The saved folder gets the process' umask, like any folder it makes.
//
// A model's class names (`model.classNames`) are saved in model.json's userDefinedMetadata, which tfjs
// keeps as it is. loadModel reads weights files only inside the model's folder, and refuses non-finite
// weights; saveModel refuses to write them (a diverged model would replace a good one with one that cannot be
// loaded: look at its weights with getWeights()).
//
// Node's fs comes from the host adapter, so this module (and modelFromArtifacts / modelToArtifacts) loads anywhere.
import { registerSaveHandler, saveOptions, type SaveOptions } from '../engine/save-handlers.js';
import { Sequential } from '../engine/sequential.js';
import { files } from '../host/host.js';
import { initRuntime, runtimeLoaded } from '../runtime/wasm.js';
import type { NamedParam } from '../engine/weights.js';
import { firstNonFinite, Tensor } from '../tensor.js';
import type { SavedState } from '../engine/optimizer.js';
import { filePath, KERAS_FILE } from './file-targets.js';
import { keras, type KerasBytes } from './keras-part.js';
import { trainingLoaded } from '../engine/training-part.js';
import { compileFromConfig, loadOptions, modelFromTopology, modelTopology, savableWeights, tfjsCanCompile, trainingConfig, type LoadOptions } from './topology.js';
import { fsError, show } from '../format.js';
import { checkQuantization, dequantize, quantize, QUANTIZED_BYTES } from './quantize.js';
import { errCode, oneAtATime, removeStaleSiblings, saveHooks, savesInProgress, siblingName, writeDurable, type Fs, type PathMod } from './atomic.js';

export { saveHooks } from './atomic.js';

export const MODEL_FORMAT = 'layers-model';
export const GENERATED_BY = 'simdnet v0.1.0';
const WEIGHTS_FILE = 'weights.bin';

type Json = Record<string, unknown>;

/** One entry of a weights manifest (tfjs' WeightsManifestEntry). */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  /** tfjs marks optimizer state with group 'optimizer' (after the weights: see Optimizer.stateWeights). */
  group?: string;
  /** Stored quantized (io/quantize.ts): { dtype: 'float16' | 'uint8' | 'uint16', scale?, min? }. */
  quantization?: unknown;
}

export interface WeightsManifestGroup { paths: string[]; weights: WeightSpec[] }

/** The contents of model.json. */
export interface ModelJson {
  format: string;
  generatedBy: string;
  convertedBy: string | null;
  modelTopology: Json;
  trainingConfig?: Json;
  userDefinedMetadata?: Json;
  weightsManifest: WeightsManifestGroup[];
}

/** Everything needed to rebuild a model, without files (tfjs' ModelArtifacts, in short). */
export interface ModelArtifacts {
  modelTopology: Json;
  trainingConfig: Json | null;
  weightSpecs: WeightSpec[];
  weightData: ArrayBuffer;
  /** The name of each output class, if the model has them. */
  classNames?: string[];
  /** More entries of model.json's userDefinedMetadata (a training backup's state). @internal */
  metadata?: Json;
}

/** What simdnet's own files add to a save (a training backup, io/training-backup.ts). @internal */
export interface SaveExtras {
  /** Entries of userDefinedMetadata. */
  metadata?: Json;
  /** The optimizer state in the optimizer's own form (Optimizer.stateWeights), not tfjs'. */
  nativeState?: boolean;
}

export interface ArtifactsOptions {
  /** A training config ({ loss, metrics, optimizer_config }); the model is compiled with it. */
  trainingConfig?: unknown;
  /** Class names (model.json's userDefinedMetadata.simdnet_class_names); checked against the outputs. */
  classNames?: unknown;
  /** Prefix of error messages (e.g. 'loadModel: model/model.json'). */
  context?: string;
  /** Compile with trainingConfig (default true where training is loaded: not under simdnet/predict); false: the
   * layers and weights alone (loadModel's compile). */
  compile?: boolean;
  /** The optimizer state is in the optimizer's own form (a training backup's, io/training-backup.ts). @internal */
  nativeState?: boolean;
}

/** Whether a model.json's metadata marks a training backup, whose optimizer state is in the optimizer's own form. */
export const isBackup = (metadata: unknown): boolean => isObject(metadata) && isObject(metadata.simdnet_backup);

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const shapeText = (s: readonly unknown[]): string => `[${s.join(',')}]`;
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---- artifacts (pure) -------------------------------------------------------------------------------

/**
 * Checks a model's class names: one distinct, non-empty name per output (two for a single sigmoid
 * output: class 0 and class 1). Returns a copy.
 */
function checkClassNames(names: unknown, model: Sequential, where: string): string[] {
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new Error(`${where}: classNames must be an array of strings, got ${show(names)}`);
  }
  if (names.includes('')) throw new Error(`${where}: classNames must be non-empty strings, got ${show(names)}`);
  const repeated = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (repeated.length) throw new Error(`${where}: classNames has duplicates: ${repeated.join(', ')}`);
  const units = model.outputShape[model.outputShape.length - 1];
  if (names.length !== (units === 1 ? 2 : units)) {
    throw new Error(`${where}: classNames has ${names.length} names but the model has ${units} ` +
      `${units === 1 ? 'output (sigmoid: 2 names)' : 'outputs'}; give one name per output`);
  }
  return [...names];
}

/** Refuses a model that could be written but not loaded again. */
function checkSavable(model: Sequential, fn: string): void {
  if (model.layers.length === 0) {
    throw new Error(`${fn}: model '${model.name}' has no layers: a model without layers cannot be loaded again; add layers before saving`);
  }
}

/**
 * Topology, training config, manifest entries, weight bytes and class names of a model, as saveModel writes them;
 * with includeOptimizer, the optimizer's state follows the weights, as tfjs writes it (entries in group 'optimizer').
 */
export function modelToArtifacts(model: Sequential, options: SaveOptions = {}): ModelArtifacts {
  return artifactsOf(model, 'modelToArtifacts', options);
}

function artifactsOf(model: Sequential, fn: string, options: SaveOptions, extras: SaveExtras = {}): ModelArtifacts {
  checkSavable(model, fn);
  const classNames = model.classNames === undefined ? undefined : checkClassNames(model.classNames, model, fn);
  const o = saveOptions(fn, options);
  const weights = savableWeights(model, fn);
  const specs: WeightSpec[] = model.namedWeights().map(({ key, param }) => ({ name: key, shape: [...param.shape], dtype: 'float32' }));
  // each entry's bytes: a quantized weight's as quantize() stores them, float32 and int32 values little-endian
  const values: (Float32Array | Int32Array | Uint8Array)[] = weights.map((w, i) => {
    if (!o.quantize) return w.data as Float32Array;
    const q = quantize(w.data as Float32Array, o.quantize, specs[i].name, fn);
    specs[i].quantization = q.quantization;
    return q.bytes;
  });
  // tfjs, too, saves no optimizer state for a model that is not compiled; the state is never quantized
  for (const s of o.includeOptimizer ? model.optimizerWeights(fn, extras.nativeState) : []) {
    specs.push({ name: s.name, shape: s.shape, dtype: s.dtype, group: 'optimizer' });
    values.push(s.data);
  }
  const data = new ArrayBuffer(values.reduce((s, v) => s + v.byteLength, 0));
  const view = new DataView(data);
  let off = 0;
  for (const v of values) {
    if (v instanceof Uint8Array) new Uint8Array(data, off, v.length).set(v);
    else if (littleEndian) new Uint8Array(data, off, v.byteLength).set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    else if (v instanceof Int32Array) for (let j = 0; j < v.length; j++) view.setInt32(off + j * 4, v[j], true);
    else for (let j = 0; j < v.length; j++) view.setFloat32(off + j * 4, v[j], true);
    off += v.byteLength;
  }
  const tc = trainingConfig(model);
  return { modelTopology: tfjsReadable(modelTopology(model)), trainingConfig: tc, weightSpecs: specs, weightData: data, classNames, metadata: extras.metadata };
}

/**
 * The topology with what tf.loadLayersModel refuses put where it reads: a VarianceScaling initializer's
 * 'untruncated_normal' (Keras 3's; tfjs 4.22 has no such distribution and refuses the model) is written 'normal',
 * the distribution itself kept beside it as simdnet_distribution (which tfjs ignores and simdnet reads back).
 */
function tfjsReadable<T>(v: T): T {
  if (Array.isArray(v)) return v.map(tfjsReadable) as T;
  if (!isObject(v)) return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) out[k] = tfjsReadable(x);
  const c = out.config;
  if (out.class_name === 'VarianceScaling' && isObject(c) && c.distribution === 'untruncated_normal') {
    out.config = { ...c, distribution: 'normal', simdnet_distribution: 'untruncated_normal' };
  }
  return out as T;
}

/** The model.json object for artifacts whose weights are in the given files (one manifest group). */
export function modelJson(artifacts: ModelArtifacts, paths: string[] = [WEIGHTS_FILE]): ModelJson {
  const json: ModelJson = {
    format: MODEL_FORMAT, generatedBy: GENERATED_BY, convertedBy: null, modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
  };
  // tf.loadLayersModel keeps userDefinedMetadata as it is: simdnet's own entries go there
  const metadata: Json = {};
  const tc = artifacts.trainingConfig;
  if (tc) {
    // tf.loadLayersModel compiles from trainingConfig and fails on losses it lacks (huber): keep those
    // where only simdnet looks.
    if (tfjsCanCompile(tc, artifacts.weightSpecs.some((s) => s.group === 'optimizer'))) json.trainingConfig = tc;
    else metadata.simdnet_training_config = tc;
  }
  if (artifacts.classNames) metadata.simdnet_class_names = artifacts.classNames;
  Object.assign(metadata, artifacts.metadata);
  if (Object.keys(metadata).length) json.userDefinedMetadata = metadata;
  return json;
}

/** Bytes one manifest entry takes in the weight data. */
export function specBytes(spec: WeightSpec, where: string): number {
  if (!isObject(spec) || typeof spec.name !== 'string') throw new Error(`${where}: bad weights manifest entry ${show(spec)}`);
  if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${where}: weight ${spec.name} has an invalid shape ${show(spec.shape)}`);
  }
  const optimizerState = spec.group === 'optimizer';
  if (spec.dtype !== 'float32' && !(optimizerState && spec.dtype === 'int32')) {
    throw new Error(`${where}: weight ${spec.name} has dtype ${show(spec.dtype)}; simdnet loads only float32 weights`);
  }
  const bytes = spec.quantization == null ? 4 : QUANTIZED_BYTES[checkQuantization(spec.quantization, spec.name, spec.dtype, where).dtype];
  return spec.shape.reduce((a, b) => a * b, 1) * bytes;
}

/**
 * The float32 values of `count` weights stored as `spec` says from `bytes` (quantized entries dequantized) into
 * `out` (host order), or, for a float32 entry and no `out`, a view of `bytes` where aligned (see float32s).
 */
function weightValues(spec: WeightSpec, bytes: Uint8Array, offset: number, count: number, out?: Float32Array): Float32Array {
  if (spec.quantization == null) {
    const v = float32s(bytes, offset, count);
    if (!out) return v;
    out.set(v);
    return out;
  }
  const q = checkQuantization(spec.quantization, spec.name, spec.dtype, 'weights');
  out ??= new Float32Array(count);
  dequantize(bytes.subarray(offset, offset + count * QUANTIZED_BYTES[q.dtype]), q, out);
  return out;
}

/**
 * The weight shards as one byte array. One shard (what saveModel and most converters write) is used as it
 * is: a copy is fresh pages to fault in, ~6 ms of a cold start for the lab CNN here.
 */
export function concatShards(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.byteLength; }
  return out;
}

/**
 * The float32 values at `offset`: a view of `bytes` where aligned (read only here: setWeights copies them into
 * the model), else an aligned copy. A copy of a 1.7 MB weight file is ~10 ms of a cold start, most of it the
 * first touch of fresh pages.
 */
function float32s(bytes: Uint8Array, offset: number, count: number): Float32Array {
  if (littleEndian) {
    const at = bytes.byteOffset + offset;
    if (at % 4 === 0) return new Float32Array(bytes.buffer, at, count);
    const copy = bytes.slice(offset, offset + count * 4); // fresh and aligned
    return new Float32Array(copy.buffer, 0, count);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 4);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/**
 * A Sequential model from a tfjs layers-model topology, weights manifest entries (any order, matched by
 * name; optimizer state, group 'optimizer', set on the compiled model's optimizer) and the weight bytes they describe. Pure: works on fetched bytes in a
 * browser. If a training config is given the model is compiled with it. Every weight is checked against
 * its layer before the model allocates anything, so a topology declaring huge layers costs nothing.
 */
export function modelFromArtifacts(topology: unknown, weightSpecs: WeightSpec[], weightData: ArrayBuffer | ArrayBufferView,
                                   options: ArtifactsOptions = {}): Sequential {
  const where = options.context ?? 'modelFromArtifacts';
  const bytes = weightData instanceof ArrayBuffer ? new Uint8Array(weightData)
    : ArrayBuffer.isView(weightData) ? new Uint8Array(weightData.buffer, weightData.byteOffset, weightData.byteLength)
      : null;
  const { model, placed, state } = placeWeights(topology, weightSpecs, where, (needed) => {
    if (!bytes) throw new Error(`${where}: weight data must be an ArrayBuffer or a typed array`);
    if (bytes.byteLength !== needed) {
      throw new Error(`${where}: the weight data holds ${bytes.byteLength} bytes but the manifest needs ${needed}`);
    }
  });
  finishModel(model, options, where);
  // each checked against its layer by placeWeights; with the kernels loaded, written (dequantized) straight into place
  const weights = runtimeLoaded() ? null : placed.map(({ param: p, spec, offset }) => new Tensor(weightValues(spec, bytes!, offset, p.size), p.shape));
  const bad = weights ? model.writeWeights(weights)
    : model.fillWeightsSync((i, out) => { const { param: p, spec, offset } = placed[i]; weightValues(spec, bytes!, offset, p.size, new Float32Array(out.buffer, out.byteOffset, p.size)); });
  if (bad >= 0) {
    const values = weights ? weights[bad].data : model.getWeights()[bad].data, at = firstNonFinite(values);
    model.dispose();
    throw new Error(`${where}: weight ${placed[bad].key} holds ${values[at]} at flat index ${at}; a model with non-finite weights cannot be used`);
  }
  try {
    if (options.trainingConfig != null) compileFromConfig(model, options.trainingConfig, where, options.compile ?? trainingLoaded());
    setOptimizerState(model, state.map(({ spec, offset }) => stateEntry(spec, bytes!.subarray(offset, offset + specBytes(spec, where)))), where, options.nativeState);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/** One saved optimizer state entry with its values (little-endian bytes, float32 or int32). */
export function stateEntry(spec: WeightSpec, bytes: Uint8Array): SavedState {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const data = spec.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
  if (spec.quantization != null) {
    dequantize(bytes, checkQuantization(spec.quantization, spec.name, spec.dtype, 'optimizer state'), data);
    return { name: spec.name, shape: spec.shape, data };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) data[i] = spec.dtype === 'int32' ? view.getInt32(4 * i, true) : view.getFloat32(4 * i, true);
  return { name: spec.name, shape: spec.shape, data };
}

/**
 * Sets a loaded model's optimizer state from the file's entries, as tf.loadLayersModel does (a file with state but
 * without a training config: its state is ignored, as tfjs ignores it). State that does not fit the model (a layer
 * frozen since, a value that is not finite) is left out with a warning, as Keras does: the model loads with its
 * weights and a fresh optimizer state.
 */
function setOptimizerState(model: Sequential, entries: SavedState[], where: string, native = false): void {
  if (!entries.length || !model.optimizer) return;
  try {
    model.setOptimizerWeights(entries, where, native);
  } catch (e) {
    const msg = (e as Error).message;
    console.warn(`${msg}${/[.?!]$/.test(msg) ? '' : '.'} The optimizer state is left out: the model loads with its weights and a fresh ${model.optimizer.name} state.`);
  }
}

/** Where each of the model's weights (namedWeights order) starts in the weight data. */
interface Placed { key: string; param: NamedParam['param']; spec: WeightSpec; offset: number }

/**
 * The model a topology describes, and where the manifest puts each of its weights in the weight data
 * (`needed` bytes in all: checked by `checkData` before the names), matched by name and checked against
 * the layers' shapes.
 */
function placeWeights(topology: unknown, weightSpecs: WeightSpec[], where: string, checkData: (needed: number) => void):
    { model: Sequential; placed: Placed[]; state: { spec: WeightSpec; offset: number }[] } {
  const model = modelFromTopology(topology, where);
  if (!Array.isArray(weightSpecs)) throw new Error(`${where}: the weights manifest must be an array, got ${typeof weightSpecs}`);
  const byName = new Map<string, { spec: WeightSpec; offset: number }>();
  const state: { spec: WeightSpec; offset: number }[] = [];
  let needed = 0;
  for (const spec of weightSpecs) {
    const size = specBytes(spec, where);
    if (spec.group === 'optimizer') {
      state.push({ spec, offset: needed });
    } else {
      if (byName.has(spec.name)) throw new Error(`${where}: weight ${spec.name} appears twice in the weights manifest`);
      byName.set(spec.name, { spec, offset: needed });
    }
    needed += size;
  }
  checkData(needed);

  // converters may prefix weight names with the model's name ('sequential_1/dense/kernel')
  const unprefixed = new Map([...byName.keys()].filter((n) => /^[^/]+\/.+\/.+$/.test(n)).map((n) => [n.slice(n.indexOf('/') + 1), n]));
  const placed: Placed[] = [];
  const missing: string[] = [];
  for (const { key, param: p } of model.namedWeights()) {
    const name = byName.has(key) ? key : unprefixed.get(key) ?? key;
    const found = byName.get(name);
    if (!found) { missing.push(key); continue; }
    byName.delete(name);
    if (found.spec.shape.join() !== p.shape.join()) {
      throw new Error(`${where}: ${key} has shape ${shapeText(found.spec.shape)} in the manifest but the layer needs ${shapeText(p.shape)}`);
    }
    placed.push({ key, param: p, spec: found.spec, offset: found.offset });
  }
  if (missing.length) {
    throw new Error(`${where}: the weights manifest has no ${missing.join(', ')}` +
      (byName.size ? ` (it has ${[...byName.keys()].join(', ')})` : ''));
  }
  if (byName.size) throw new Error(`${where}: the weights manifest has weights no layer uses: ${[...byName.keys()].join(', ')}`);
  return { model, placed, state };
}

function finishModel(model: Sequential, options: ArtifactsOptions, where: string): void {
  if (options.classNames !== undefined) model.classNames = checkClassNames(options.classNames, model, where);
}

// ---- files (Node) -----------------------------------------------------------------------------------


async function node(fn: string): Promise<{ fs: Fs; path: PathMod }> {
  return files(fn, "elsewhere load from a URL or memory (sn.loadModel(url), sn.loadModel({ modelJson, weights })) and save with model.toArtifacts() or to indexeddb://");
}

/** fsync a directory so renames inside it are durable (not possible on every platform: best effort). */
async function syncDir(fs: Fs, dir: string): Promise<void> {
  let fh;
  try {
    fh = await fs.open(dir, 'r');
    await fh.sync();
  } catch { /* Windows cannot open directories */ } finally {
    await fh?.close().catch(() => {});
  }
}

/** Refuses to replace a folder that holds anything but model files. */
async function checkReplaceable(fs: Fs, path: PathMod, dir: string): Promise<boolean> {
  let st;
  try { st = await fs.stat(dir); } catch (e) { if (errCode(e) === 'ENOENT') return false; throw e; }
  if (!st.isDirectory()) throw new Error(`saveModel: ${dir} exists and is not a folder`);
  const allowed = new Set(['model.json', '.DS_Store']);
  try {
    const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8')) as ModelJson;
    for (const g of json.weightsManifest ?? []) for (const p of g.paths ?? []) allowed.add(p);
  } catch { /* no or broken model.json: only *.bin files are model files then */ }
  const others = (await fs.readdir(dir, { withFileTypes: true }))
    .filter((e) => !(e.isFile() && (allowed.has(e.name) || e.name.endsWith('.bin'))))
    .map((e) => e.name);
  if (others.length) {
    throw new Error(`saveModel: ${dir} holds files that are not part of a model (${others.slice(0, 5).join(', ')}${others.length > 5 ? ', ...' : ''}); ` +
      'refusing to replace it: save into a new or empty folder');
  }
  return true;
}

/**
 * Saves the model as `dir/model.json` + `dir/weights.bin` (tfjs layers-model format), atomically: a
 * crash leaves either the previous model or the new one at `dir`, never a mix.
 */
export async function saveModel(model: Sequential, dir: string, options: SaveOptions = {}, extras: SaveExtras = {}): Promise<void> {
  if (!(model instanceof Sequential)) throw new Error(`saveModel: expected a Sequential model, got ${String(model)}`);
  if (typeof dir !== 'string' || !dir) throw new Error(`saveModel: expected a folder path, got ${show(dir)}`);
  const { fs, path } = await node('saveModel');
  // snapshot first: what is saved is the model as it was when save was called
  const artifacts = artifactsOf(model, 'saveModel', options, extras);
  const json = JSON.stringify(modelJson(artifacts));
  const target = path.resolve(dir);
  try {
    await oneAtATime(target, () => placeFolder(fs, path, target, json, new Uint8Array(artifacts.weightData)));
  } catch (e) {
    throw fsError('saveModel', target, e);
  }
}

/** saveModel's writes: the model's two files into a sibling folder, renamed into place at `target`. */
async function placeFolder(fs: Fs, path: PathMod, target: string, json: string, weights: Uint8Array): Promise<void> {
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  const exists = await checkReplaceable(fs, path, target);
  // mkdir, not mkdtemp: the folder becomes the model's, and mkdtemp's 0700 would ignore the umask
  const tmp = siblingName(target, 'saving');
  await fs.mkdir(tmp);
  savesInProgress.add(tmp);
  let aside: string | null = null;
  let placed = false;
  try {
    await writeDurable(fs, path.join(tmp, 'model.json'), json);
    await saveHooks.afterStep?.('model.json');
    await writeDurable(fs, path.join(tmp, WEIGHTS_FILE), weights);
    await saveHooks.afterStep?.('weights.bin');
    await syncDir(fs, tmp);
    if (exists) {
      aside = siblingName(target, 'replaced');
      savesInProgress.add(aside);
      try {
        await fs.rename(target, aside);
      } catch (e) {
        if (errCode(e) !== 'ENOENT') throw e; // removed meanwhile: nothing to keep
        aside = null;
      }
      await saveHooks.afterStep?.('aside');
    }
    await fs.rename(tmp, target);
    placed = true;
    await syncDir(fs, parent);
    await saveHooks.afterStep?.('swap');
  } catch (e) {
    if (!placed) {
      await fs.rm(tmp, { recursive: true, force: true }).catch(() => {});
      if (aside) await fs.rename(aside, target).catch(() => {});
    }
    throw e;
  } finally {
    if (placed && aside) await fs.rm(aside, { recursive: true, force: true }).catch(() => {});
    savesInProgress.delete(tmp);
    if (aside) savesInProgress.delete(aside);
  }
  await removeStaleSiblings(fs, path, target, 'folder');
}

/**
 * Reads a model saved by saveModel or by tfjs (`dir`, or the path of its model.json), or a Keras file
 * (a .h5 / .hdf5 / .keras path, or its bytes as { h5 } / { keras }: see keras-files.ts).
 */
export async function loadModel(dir: string | KerasBytes, options?: LoadOptions): Promise<Sequential> {
  const { compile } = loadOptions('loadModel', options);
  if (typeof dir !== 'string' || KERAS_FILE.test(dir)) return keras('loadModel', typeof dir === 'string' ? dir : 'the bytes given').load(dir, compile);
  if (!dir) throw new Error(`loadModel: expected a folder or model.json path, got ${show(dir)}`);
  const { fs, path } = await node('loadModel');
  let jsonPath = path.join(dir, 'model.json');
  try {
    if ((await fs.stat(dir)).isFile()) jsonPath = dir;
  } catch (e) {
    if (errCode(e) !== 'ENOENT') throw e;
    // a crash between saveModel's two renames leaves the previous model set aside next to `dir`
    const full = path.resolve(dir);
    const aside = await fs.readdir(path.dirname(full)).then(
      (names) => names.filter((n) => n.startsWith(`${path.basename(full)}.replaced-`)).sort(), () => [] as string[]);
    throw new Error(`loadModel: ${dir} does not exist` + (aside.length
      ? `; an interrupted save left the previous model in ${path.join(path.dirname(full), aside[aside.length - 1])}: rename it to ${full} to use it`
      : ''));
  }
  const base = path.dirname(jsonPath);
  let text: string;
  try {
    text = await fs.readFile(jsonPath, 'utf8');
  } catch (e) {
    if (errCode(e) === 'ENOENT') throw new Error(`loadModel: ${jsonPath} not found (expected a folder holding model.json + weights.bin)`);
    throw new Error(`loadModel: cannot read ${jsonPath}: ${(e as Error).message}`);
  }
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (e) {
    throw new Error(`loadModel: ${jsonPath} is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(json)) throw new Error(`loadModel: ${jsonPath} must hold a JSON object`);
  if (json.format !== undefined && json.format !== MODEL_FORMAT) {
    throw new Error(`loadModel: ${jsonPath} has format ${show(json.format)}; simdnet loads only '${MODEL_FORMAT}' files`);
  }
  if (!isObject(json.modelTopology)) throw new Error(`loadModel: ${jsonPath} has no modelTopology`);
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) throw new Error(`loadModel: ${jsonPath} has no weightsManifest`);

  // every group's shards, opened and sized (each group's byte count checked against its entries): their
  // bytes are read straight into the model's memory below, from these very files (a save replacing them
  // meanwhile changes nothing here) — a copy through a buffer would be 2 × the weights in fresh pages, most
  // of loadModel's time on a cold start
  const shards: Shard[] = [];
  try {
    const specs: WeightSpec[] = [];
    let start = 0;
    for (const group of manifest) {
      if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
        throw new Error(`loadModel: ${jsonPath}: each weightsManifest entry needs paths and weights`);
      }
      const files = (group.paths as unknown[]).map((p) => weightsFile(path, base, p, jsonPath));
      let held = 0;
      for (const file of files) {
        let fh: FileHandle;
        try {
          fh = await fs.open(file, 'r');
        } catch (e) {
          if (errCode(e) === 'ENOENT') throw new Error(`loadModel: weights file ${file} not found (listed in ${jsonPath})`);
          throw new Error(`loadModel: cannot read ${file}: ${(e as Error).message}`);
        }
        const shard: Shard = { file, fh, start: start + held, size: 0 };
        shards.push(shard);
        try {
          const st = await fh.stat();
          if (!st.isFile()) throw new Error('not a file');
          shard.size = st.size;
        } catch (e) {
          throw new Error(`loadModel: cannot read ${file}: ${(e as Error).message}`);
        }
        held += shard.size;
      }
      let needed = 0;
      for (const spec of group.weights as WeightSpec[]) needed += specBytes(spec, `loadModel: ${jsonPath}`);
      if (held !== needed) {
        const names = files.join(', ');
        throw new Error(`loadModel: ${names} ${files.length === 1 ? 'holds' : 'hold'} ${held} bytes but the manifest needs ${needed}`);
      }
      specs.push(...(group.weights as WeightSpec[]));
      start += held;
    }
    const metadata = isObject(json.userDefinedMetadata) ? json.userDefinedMetadata : {};
    const where = `loadModel: ${jsonPath}`;
    const { model, placed, state } = placeWeights(json.modelTopology, specs, where, () => { /* each group's checked above */ });
    try {
      finishModel(model, { classNames: metadata.simdnet_class_names }, where);
      await initRuntime();
      await loadHooks.beforeRead?.();
      const bad = await model.fillWeights(async (i, bytes) => {
        const { spec, offset } = placed[i];
        if (spec.quantization == null) return readShards(shards, offset, bytes);
        // quantized: its stored bytes read into the end of its place in the model's memory and dequantized there,
        // front to back (no buffer of fresh pages)
        const stored = bytes.subarray(bytes.byteLength - specBytes(spec, where));
        await readShards(shards, offset, stored, false);
        weightValues(spec, stored, 0, bytes.byteLength / 4, new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
      });
      if (bad >= 0) {
        const values = model.getWeights()[bad].data, at = firstNonFinite(values);
        throw new Error(`${where}: weight ${placed[bad].key} holds ${values[at]} at flat index ${at}; a model with non-finite weights cannot be used`);
      }
      const config = json.trainingConfig ?? metadata.simdnet_training_config;
      if (config != null) compileFromConfig(model, config, where, compile);
      if (model.optimizer && state.length) {
        const entries = await Promise.all(state.map(async ({ spec, offset }) => {
          const bytes = new Uint8Array(specBytes(spec, where));
          await readShards(shards, offset, bytes, false); // as stored: stateEntry reads little-endian
          return stateEntry(spec, bytes);
        }));
        setOptimizerState(model, entries, where, isBackup(metadata));
      }
    } catch (e) {
      model.dispose();
      throw e;
    }
    return model;
  } finally {
    await Promise.all(shards.map((s) => s.fh.close().catch(() => {})));
  }
}

/** @internal Test hook: called after the model is built, before its weights are read. */
export const loadHooks: { beforeRead?: () => void | Promise<void> } = {};

/** A weights file, open: its bytes are the weight data's [start, start + size). */
interface Shard { file: string; fh: FileHandle; start: number; size: number }
type FileHandle = Awaited<ReturnType<Fs['open']>>;

/**
 * Fills `bytes` with the weight data from byte `offset` on, from whichever shards hold it; a file that
 * shrank since it was sized fails with its name. hostOrder: float32 values, swapped to this host's byte order
 * (false: the bytes as stored, little-endian).
 */
async function readShards(shards: Shard[], offset: number, bytes: Uint8Array, hostOrder = true): Promise<void> {
  let done = 0;
  for (const shard of shards) {
    if (done === bytes.byteLength) break;
    const at = offset + done;
    if (at >= shard.start + shard.size || at < shard.start) continue;
    const count = Math.min(bytes.byteLength - done, shard.start + shard.size - at);
    try {
      for (let got = 0; got < count;) {
        const { bytesRead } = await shard.fh.read(bytes, done + got, count - got, at - shard.start + got);
        if (bytesRead === 0) throw new Error(`it ended at byte ${at - shard.start + got}, but it held ${shard.size} bytes when loadModel began`);
        got += bytesRead;
      }
    } catch (e) {
      throw new Error(`loadModel: cannot read ${shard.file}: ${(e as Error).message}`);
    }
    done += count;
  }
  if (hostOrder && !littleEndian) swapBytes4(bytes);
}

/** float32 values from little-endian bytes to this host's order, in place. */
function swapBytes4(b: Uint8Array): void {
  for (let i = 0; i + 3 < b.length; i += 4) {
    const t0 = b[i], t1 = b[i + 1];
    b[i] = b[i + 3]; b[i + 1] = b[i + 2]; b[i + 2] = t1; b[i + 3] = t0;
  }
}

/**
 * The file a weights manifest path names, refused unless it lies inside the model's folder (checked on the
 * path itself: a symbolic link inside the folder is followed like any file).
 */
function weightsFile(path: PathMod, base: string, p: unknown, jsonPath: string): string {
  const refuse = (why: string) => new Error(`loadModel: ${jsonPath}: weights path ${show(p)} ${why}; weights files must be inside ${base}`);
  if (typeof p !== 'string' || p === '') throw refuse('is not a non-empty string');
  if (path.isAbsolute(p) || path.win32.isAbsolute(p)) throw refuse('is absolute');
  const rel = path.relative(path.resolve(base), path.resolve(base, p));
  if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) throw refuse('leads outside the model folder');
  return path.join(base, p);
}

registerSaveHandler({
  name: 'file system folder',
  accepts: (target) => { const p = filePath(target); return p !== null && !KERAS_FILE.test(p); },
  save: (model, target, options) => saveModel(model as Sequential, filePath(target)!, options),
});
