// Keras model files: the HDF5 file of `model.save('model.h5')` / ModelCheckpoint (Keras 2.x, and Keras 3's
// legacy h5 format), and Keras 3's `.keras` zip (metadata.json, config.json, model.weights.h5), read and written.
//
// An .h5 file holds, as Keras' legacy_h5_format writes it:
//   attributes  keras_version, backend, model_config (JSON: the same topology as model.json's), training_config
//   model_weights/  attributes layer_names, backend, keras_version; one group per layer (sorted by name) whose
//                   attribute weight_names lists its weights in Keras' order (trainable, then non-trainable);
//                   each weight is a dataset at <layer>/<weight name> ('dense/dense/kernel:0' in Keras 2,
//                   'dense_13/sequential_4/dense_13/kernel' in Keras 3), read in weight_names order.
// Keras loads weights by order, layer after layer (layers without weights skipped); so does simdnet.
// A .keras zip holds config.json (Keras 3's serialization) and model.weights.h5: layers/<name>/vars/<i>
// (recurrent layers: layers/<name>/cell/vars/<i>).
//
// Pure functions on bytes (every host); reading and writing files goes through the host's file system
// (Node, Deno, Bun), so a browser bundle reaches no node: module.
import { registerSaveHandler, registerWeightFiles } from '../engine/save-handlers.js';
import { fsError, show } from '../format.js';
import { files } from '../host/host.js';
import type { Sequential } from '../engine/sequential.js';
import { isObject, snakeName } from '../layers/config.js';
import type { Layer } from '../layers/layer.js';
import { firstNonFinite, Tensor } from '../tensor.js';
import { H5Dataset, H5Error, H5Group, readH5 } from './h5/reader.js';
import type { H5Value } from './h5/format.js';
import { H5WriteGroup, writeH5 } from './h5/writer.js';
import { compileFromConfig, modelFromTopology, savableWeights } from './topology.js';
import { checkKerasNames, keras3Metadata, keras3ModelConfig, kerasModelConfig, kerasTrainingConfig, refuseKeras3HardSigmoid } from './keras-config.js';
import { readZip, writeZip } from './zip.js';
import { installKeras, type KerasBytes } from './keras-part.js';
import { oneAtATime, removeStaleSiblings, savesInProgress, siblingName, writeDurable, type Fs, type PathMod } from './atomic.js';

import { filePath, KERAS_FILE } from './file-targets.js';
export { fileSchemePath, filePath, fileUrlPath, KERAS_FILE } from './file-targets.js';
export type { KerasBytes } from './keras-part.js';

type Json = Record<string, unknown>;

/** The Keras version whose h5 layout simdnet writes (tools such as tfjs' converter require a 2.x version). */
export const KERAS_H5_VERSION = '2.15.0';
const asBytes = (b: ArrayBuffer | ArrayBufferView, where: string): Uint8Array => {
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  throw new Error(`${where}: expected an ArrayBuffer or a typed array of the file's bytes, got ${typeof b}`);
};

function parseJson(v: H5Value | undefined, what: string, where: string): unknown {
  if (typeof v !== 'string') throw new Error(`${where}: the ${what} attribute must be a JSON string, got ${show(v)}`);
  try { return JSON.parse(v); } catch (e) { throw new Error(`${where}: the ${what} attribute is not valid JSON: ${(e as Error).message}`); }
}

/** A string-list attribute, also when Keras split it into name0, name1, ... (attributes over 64 KB). */
function stringList(g: H5Group, name: string, where: string): string[] {
  const attrs = g.attrs();
  let parts: H5Value[] = [];
  if (name in attrs) parts = [attrs[name]];
  else for (let i = 0; `${name}${i}` in attrs; i++) parts.push(attrs[`${name}${i}`]);
  if (parts.length === 0) throw new Error(`${where}: ${g.path || '/'} has no ${name} attribute`);
  return parts.flatMap((p) => {
    if (typeof p === 'string') return [p];
    if (Array.isArray(p) && p.every((s) => typeof s === 'string')) return p as string[];
    if (p instanceof Float64Array || Array.isArray(p)) { if (p.length === 0) return []; }
    throw new Error(`${where}: ${g.path || '/'} attribute ${name} must list strings, got ${show(p)}`);
  });
}

/** Values of a dataset as float32 (float64 and float16 weights are converted). */
function float32Values(d: H5Dataset, where: string): Float32Array {
  const v = d.value();
  if (v instanceof Float32Array) return v;
  if (v instanceof Float64Array) return Float32Array.from(v);
  throw new Error(`${where}: weight ${d.path} holds ${d.dtype} values; expected floats`);
}

/** Layers with weights, in model order: what Keras' order-based loading pairs with the saved groups. */
const weighted = (model: Sequential): Layer[] => model.layers.filter((l) => l.params.length > 0);

/** Sets the model's weights from per-layer value lists (each in the layer's own Keras order). */
function setLayerWeights(model: Sequential, perLayer: Map<Layer, { name: string; shape: number[]; values: Float32Array }[]>, where: string): void {
  const byKey = new Map<string, Tensor>();
  for (const [layer, saved] of perLayer) {
    if (saved.length !== layer.params.length) {
      throw new Error(`${where}: layer '${layer.name}' (${layer.className}) has ${saved.length} saved weights (${saved.map((s) => s.name).join(', ')}) but needs ${layer.params.length} (${layer.params.map((p) => p.name).join(', ')})`);
    }
    layer.params.forEach((p, i) => {
      const s = saved[i];
      if (s.shape.join() !== p.shape.join()) {
        throw new Error(`${where}: weight ${s.name} of layer '${layer.name}' has shape [${s.shape.join(', ')}] but the layer's ${p.name} needs [${p.shape.join(', ')}]`);
      }
      const bad = firstNonFinite(s.values);
      if (bad >= 0) throw new Error(`${where}: weight ${s.name} of layer '${layer.name}' holds ${s.values[bad]} at flat index ${bad}`);
      byKey.set(`${layer.name}/${p.name}`, new Tensor(s.values, p.shape));
    });
  }
  model.writeWeights(model.namedWeights().map(({ key }) => byKey.get(key)!), true); // each checked above: shape and finite values
}

// ---- .h5 --------------------------------------------------------------------------------------------

/** A model from the bytes of a Keras .h5 file (`name` appears in error messages). */
export function modelFromKerasH5(bytes: Uint8Array, name = 'the .h5 file', compile = true): Sequential {
  const where = `loadModel: ${name}`;
  let root: H5Group;
  try {
    root = readH5(bytes, name);
    const attrs = root.attrs();
    if (!('model_config' in attrs)) {
      throw new Error(`${where} holds no model_config: ${'layer_names' in attrs ? 'it holds only weights (model.save_weights): load them into a model of the same layers with model.loadWeights' : 'it is not a Keras model file'}`);
    }
    const modelConfig = parseJson(attrs.model_config, 'model_config', where);
    if (String(attrs.keras_version ?? '').startsWith('3')) refuseKeras3HardSigmoid(modelConfig, where);
    const model = modelFromTopology(modelConfig, where);
    const weights = root.get('model_weights');
    if (!(weights instanceof H5Group)) throw new Error(`${where} has no model_weights group`);
    readWeightsGroup(model, weights, where);
    if (attrs.training_config !== undefined) compileFromConfig(model, parseJson(attrs.training_config, 'training_config', where), where, compile);
    return model;
  } catch (e) {
    if (e instanceof H5Error) throw new Error(`loadModel: ${e.message}`);
    throw e;
  }
}

/** Keras' load_weights_from_hdf5_group: saved layers with weights, in layer_names order, paired with the model's. */
function readWeightsGroup(model: Sequential, g: H5Group, where: string): void {
  const saved = stringList(g, 'layer_names', where).map((layerName) => {
    const lg = g.get(layerName);
    if (!(lg instanceof H5Group)) throw new Error(`${where}: ${g.path && g.path !== '/' ? g.path.replace(/^\//, '') : 'the file'} lists layer ${layerName} but has no group for it`);
    return { layerName, group: lg, weightNames: stringList(lg, 'weight_names', where) };
  }).filter((s) => s.weightNames.length > 0);
  const layers = weighted(model);
  if (saved.length !== layers.length) {
    throw new Error(`${where}: the file holds weights for ${saved.length} layers (${saved.map((s) => s.layerName).join(', ')}) but the model has ${layers.length} layers with weights (${layers.map((l) => l.name).join(', ')})`);
  }
  const top = g.get('top_level_model_weights');
  if (top instanceof H5Group && stringList(top, 'weight_names', where).length > 0) {
    throw new Error(`${where}: the model has weights of its own (top_level_model_weights), outside any layer; simdnet does not support them`);
  }
  const perLayer = new Map(layers.map((layer, i) => [layer, saved[i].weightNames.map((w) => {
    const d = saved[i].group.get(w);
    if (!(d instanceof H5Dataset)) throw new Error(`${where}: weight ${saved[i].layerName}/${w} is listed in weight_names but missing`);
    return { name: w, shape: d.shape, values: float32Values(d, where) };
  })]));
  setLayerWeights(model, perLayer, where);
}

/** The bytes of a Keras 2 .h5 file of the model (keras.models.load_model reads it in Keras 2 and 3). */
export function modelToKerasH5(model: Sequential): Uint8Array { return kerasH5Bytes(model, 'modelToKerasH5'); }

/** modelToKerasH5's bytes; `fn` names the caller in errors. */
function kerasH5Bytes(model: Sequential, fn: string): Uint8Array {
  model.live(fn);
  checkKerasNames(model, fn);
  const root = new H5WriteGroup();
  root.attrs.keras_version = KERAS_H5_VERSION;
  root.attrs.backend = 'tensorflow';
  root.attrs.model_config = JSON.stringify(kerasModelConfig(model));
  const tc = kerasTrainingConfig(model);
  if (tc) root.attrs.training_config = JSON.stringify(tc);
  writeWeightsGroup(model, root.group('model_weights'), fn);
  return writeH5(root);
}

/** Keras 2's save_weights_to_hdf5_group: layer_names, then a group per layer with its weight_names and weights. */
function writeWeightsGroup(model: Sequential, weights: H5WriteGroup, fn: string): void {
  weights.attrs.layer_names = model.layers.map((l) => l.name);
  weights.attrs.backend = 'tensorflow';
  weights.attrs.keras_version = KERAS_H5_VERSION;
  const all = savableWeights(model, fn); // first: it names `fn` for a disposed model, and refuses non-finite weights
  const values = new Map(model.namedWeights().map(({ key }, i) => [key, i]));
  // Keras creates the layer groups sorted by name
  for (const layer of [...model.layers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const g = weights.group(layer.name);
    const names = layer.params.map((p) => `${layer.name}/${p.name}:0`);
    g.attrs.weight_names = names.length ? names : [];
    layer.params.forEach((p, i) => {
      const w = all[values.get(`${layer.name}/${p.name}`)!];
      g.dataset(names[i], w.data as Float32Array, [...p.shape]);
    });
  }
}

// ---- .keras (Keras 3 zip) -----------------------------------------------------------------------------

/** Keras 3's path of each layer in a weights file: its class in snake_case, then _1, _2 ... for later layers of the class. */
function keras3Paths(model: Sequential): Map<Layer, string> {
  const paths = new Map<Layer, string>(), used = new Map<string, number>();
  for (const layer of model.layers) {
    const base = snakeName(layer.className), k = used.get(base);
    used.set(base, k === undefined ? 0 : k + 1);
    paths.set(layer, k === undefined ? base : `${base}_${k + 1}`);
  }
  return paths;
}

/** The model's weights from Keras 3's weights layout (a .keras file's model.weights.h5, a .weights.h5 file). */
function readKeras3Weights(model: Sequential, root: H5Group, where: string, file: string): void {
  // Keras 3 files a layer under its class, not its name (names are not reproducible): layers/<class in
  // snake_case>, then _1, _2 ... for the later layers of that class (saving_lib's _save_container_state); a file
  // filed by name (hand-made) is read too, where no layer of the class path exists.
  const paths = keras3Paths(model);
  // a layer's variables (or its part's: Layer.keras3Parts): the first of its paths holding any, each tried as
  // layers/<path>/vars, a recurrent layer's cell/vars, and Keras 2.13's _layer_checkpoint_dependencies
  const varsOf = (layer: Layer, part: string) => {
    const at = (path: string) => (part ? `${path}/${part}` : path);
    const [first, ...others] = [...new Set([paths.get(layer)!, layer.name])].map(at);
    const vars = [first, ...others].flatMap((p) => [`layers/${p}/vars`, `layers/${p}/cell/vars`, `_layer_checkpoint_dependencies/${p}/vars`])
      .map((p) => root.get(p)).find((g): g is H5Group => g instanceof H5Group && g.keys().length > 0);
    if (!vars) {
      const what = part ? `the ${part} of layer '${layer.name}'` : `layer '${layer.name}'`;
      throw new Error(`${where}: ${file ? `${file} has` : 'it has'} no weights for ${what} (layers/${first}/vars)`);
    }
    return vars.keys().map(Number).sort((a, b) => a - b).map((i) => {
      const d = vars.get(String(i)) as H5Dataset;
      return { name: `${vars.path}/${i}`, shape: d.shape, values: float32Values(d, where) };
    });
  };
  const perLayer = new Map(weighted(model).map((layer) => [layer, layer.keras3Parts.flatMap((part) => varsOf(layer, part))]));
  setLayerWeights(model, perLayer, where);
}

/** A model from the bytes of a Keras 3 .keras file: config.json + model.weights.h5. */
export async function modelFromKerasZip(bytes: Uint8Array, name = 'the .keras file', compile = true): Promise<Sequential> {
  const where = `loadModel: ${name}`;
  const files = await readZip(bytes, name);
  const config = files.get('config.json');
  const weightsFile = files.get('model.weights.h5');
  if (!config || !weightsFile) throw new Error(`${where} is not a Keras 3 .keras file: it must hold config.json and model.weights.h5 (it holds ${[...files.keys()].join(', ')})`);
  let json: unknown;
  try { json = JSON.parse(new TextDecoder().decode(config)); } catch (e) { throw new Error(`${where}: config.json is not valid JSON: ${(e as Error).message}`); }
  // tf.keras 2.13-2.15 wrote .keras files too, with Keras 2's hard_sigmoid: only Keras 3's are refused (no version: Keras 3)
  let version = '';
  try { version = String((JSON.parse(new TextDecoder().decode(files.get('metadata.json') ?? new Uint8Array())) as { keras_version?: unknown }).keras_version ?? ''); } catch { /* none */ }
  if (!/^2\./.test(version)) refuseKeras3HardSigmoid(json, where);
  const model = modelFromTopology(json, where);
  try {
    readKeras3Weights(model, readH5(weightsFile, `${name}/model.weights.h5`), where, 'model.weights.h5');
  } catch (e) {
    if (e instanceof H5Error) throw new Error(`loadModel: ${e.message}`);
    throw e;
  }
  const compileConfig = isObject(json) ? json.compile_config : undefined;
  if (isObject(compileConfig)) {
    const { optimizer, ...rest } = compileConfig;
    compileFromConfig(model, { ...rest, optimizer_config: optimizer }, where, compile);
  }
  return model;
}

/**
 * The bytes of a Keras 3 .keras file of the model, as keras.saving.save_model writes one: a zip of stored entries,
 * metadata.json, config.json (Keras 3's serialization, compile_config included when compiled) and model.weights.h5
 * (Keras 3's weights layout, as weightsToH5). No optimizer state: Keras warns and starts a fresh one, as from
 * simdnet's .h5. Refuses non-finite weights and activations Keras has no name for.
 */
export function modelToKerasZip(model: Sequential, fn = 'modelToKerasZip'): Uint8Array {
  model.live(fn);
  checkKerasNames(model, fn);
  const weights = weightsToH5(model, 'keras3', fn);
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  return writeZip([
    ['metadata.json', json(keras3Metadata())],
    ['config.json', json(keras3ModelConfig(model))],
    ['model.weights.h5', weights],
  ]);
}

// ---- weights only (Keras' save_weights / load_weights) -----------------------------------------------

/** Layers whose Keras 3 weights sit in their cell (layers/<path>/cell/vars). */
const RECURRENT = new Set(['SimpleRNN', 'LSTM', 'GRU']);

/**
 * The bytes of a weights file of the model, as Keras' save_weights writes one: Keras 3's layout for a
 * `.weights.h5` name (layers/<class path>/vars/<i>: the one Keras 3 writes, and the only one it reads under that
 * name), Keras 2's for another `.h5` (layer_names and a group per layer, save_weights_to_hdf5_group: Keras 2 reads
 * it, and Keras 3's load_weights as its legacy format). Refuses non-finite weights.
 */
export function weightsToH5(model: Sequential, layout: 'keras3' | 'keras2' = 'keras3', fn = 'weightsToH5'): Uint8Array {
  const root = new H5WriteGroup();
  if (layout === 'keras2') {
    writeWeightsGroup(model, root, fn);
    return writeH5(root);
  }
  const all = savableWeights(model, fn);
  const index = new Map(model.namedWeights().map(({ key }, i) => [key, i]));
  const paths = keras3Paths(model);
  root.group('vars'); // the model's own variables: none
  for (const layer of model.layers) {
    // each saveable gets its vars group (a recurrent layer's and a wrapper's stay empty), its variables where Keras 3
    // files them: a recurrent layer's in its cell, a wrapper's under the attribute of the layer holding them
    const base = `layers/${paths.get(layer)}`;
    root.group(`${base}/vars`);
    for (const { part, layer: owner } of layer.keras3Vars) {
      // the saveables on the way have their (empty) vars groups too: a wrapper's layer, a recurrent layer's own
      const steps = part ? part.split('/') : [];
      steps.forEach((_, k) => root.group(`${base}/${steps.slice(0, k + 1).join('/')}/vars`));
      const at = `${base}${part ? `/${part}` : ''}${RECURRENT.has(owner.className) ? '/cell' : ''}/vars`;
      root.group(at);
      owner.params.forEach((p, i) => root.dataset(`${at}/${i}`, all[index.get(`${layer.name}/${p.name}`)!].data as Float32Array, [...p.shape]));
    }
  }
  return writeH5(root);
}

/**
 * Sets the model's weights from a Keras weights file's bytes (Keras' load_weights): Keras 3's .weights.h5 layout,
 * Keras 2's save_weights layout, or a whole-model .h5 file's weights; layers paired in order, shapes checked.
 */
export function loadWeightsFromH5(model: Sequential, bytes: Uint8Array, name = 'the weights bytes'): void {
  const where = `loadWeights: ${name}`;
  model.live('loadWeights');
  try {
    const root = readH5(bytes, name);
    const whole = root.get('model_weights');
    if ('layer_names' in root.attrs()) readWeightsGroup(model, root, where);
    else if (whole instanceof H5Group) readWeightsGroup(model, whole, where);
    else if (root.get('layers') instanceof H5Group || root.get('_layer_checkpoint_dependencies') instanceof H5Group) readKeras3Weights(model, root, where, '');
    else throw new Error(`${where} holds no Keras weights: neither Keras 2's layer_names nor Keras 3's layers/ group`);
  } catch (e) {
    if (e instanceof H5Error) throw new Error(`loadWeights: ${e.message}`);
    throw e;
  }
}

/** model.saveWeights: the weights file at `file` (.weights.h5: Keras 3's layout; .h5 / .hdf5: Keras 2's), atomically. */
export async function saveWeightsFile(model: Sequential, file: string): Promise<void> {
  if (typeof file !== 'string' || !/\.(h5|hdf5)$/i.test(file)) {
    throw new Error(`saveWeights: expected a path ending in .weights.h5 (Keras 3's layout) or .h5 (Keras 2's), got ${show(file)}`);
  }
  const bytes = weightsToH5(model, /\.weights\.h5$/i.test(file) ? 'keras3' : 'keras2', 'saveWeights');
  await writeFileAtomically('saveWeights', file, bytes, 'elsewhere write sn.io.weightsToH5(model) where the host keeps files');
}

/** model.loadWeights: a weights file's path, or its bytes as { h5 }. */
export async function loadWeightsFile(model: Sequential, source: string | { h5: ArrayBuffer | ArrayBufferView }): Promise<void> {
  if (isObject(source) && (source as { h5?: unknown }).h5 !== undefined) {
    return loadWeightsFromH5(model, asBytes((source as { h5: ArrayBuffer | ArrayBufferView }).h5, 'loadWeights'), 'the .h5 bytes');
  }
  if (typeof source !== 'string' || !source) throw new Error(`loadWeights: expected a weights file's path or { h5: bytes }, got ${show(source)}`);
  const { fs } = files('loadWeights', "elsewhere pass the file's bytes: model.loadWeights({ h5: bytes })");
  let bytes: Uint8Array;
  try { bytes = await fs.readFile(source); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`loadWeights: ${code === 'ENOENT' ? `${source} does not exist` : `cannot read ${source}: ${(e as Error).message}`}`);
  }
  if (/\.keras$/i.test(source)) { // Keras' load_weights takes a whole .keras file: its model.weights.h5
    const weights = (await readZip(bytes, source)).get('model.weights.h5');
    if (!weights) throw new Error(`loadWeights: ${source} is not a Keras 3 .keras file: it holds no model.weights.h5`);
    return loadWeightsFromH5(model, weights, `${source}/model.weights.h5`);
  }
  loadWeightsFromH5(model, bytes, source);
}

// ---- files (Node) -----------------------------------------------------------------------------------

/** loadModel for a Keras file path (.h5, .hdf5, .keras) or bytes ({ h5 } / { keras }). */
export async function loadKerasModel(source: string | KerasBytes, compile = true): Promise<Sequential> {
  if (typeof source !== 'string') {
    if (!isObject(source) || (source.h5 === undefined) === (source.keras === undefined)) {
      throw new Error(`loadModel: expected a path, { h5: bytes } or { keras: bytes }, got ${show(source)}`);
    }
    return source.h5 !== undefined ? modelFromKerasH5(asBytes(source.h5, 'loadModel'), 'the .h5 bytes', compile)
      : modelFromKerasZip(asBytes(source.keras!, 'loadModel'), 'the .keras bytes', compile);
  }
  const { fs } = files('loadModel', "elsewhere pass the file's bytes: sn.loadModel({ h5: bytes })");
  let bytes: Uint8Array;
  try { bytes = await fs.readFile(source); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`loadModel: ${code === 'ENOENT' ? `${source} does not exist` : `cannot read ${source}: ${(e as Error).message}`}`);
  }
  return /\.keras$/i.test(source) ? modelFromKerasZip(bytes, source, compile) : modelFromKerasH5(bytes, source, compile);
}

/** Saves the model as a Keras file — .h5 / .hdf5 (Keras 2's layout) or .keras (Keras 3's) — atomically (a temporary file renamed into place). */
export async function saveKerasFile(model: Sequential, file: string): Promise<void> {
  const bytes = /\.keras$/i.test(file) ? modelToKerasZip(model, 'save') : kerasH5Bytes(model, 'save');
  await writeFileAtomically('save', file, bytes, 'elsewhere write sn.io.modelToKerasH5(model) or sn.io.modelToKerasZip(model) where the host keeps files');
}

/** `bytes` to `file` through placeFile, one write to a path at a time; `fn` names the caller in errors. */
async function writeFileAtomically(fn: string, file: string, bytes: Uint8Array, elsewhere: string): Promise<void> {
  const { fs, path } = files(fn, elsewhere);
  const target = path.resolve(file);
  try {
    await oneAtATime(target, () => placeFile(fs, path, target, bytes));
  } catch (e) {
    throw fsError(fn, target, e);
  }
}

/** saveKerasFile's writes: the bytes into a sibling file, renamed into place at `target`. */
async function placeFile(fs: Fs, path: PathMod, target: string, bytes: Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true }); // as Keras: the file's folder is made
  const tmp = siblingName(target, 'saving');
  savesInProgress.add(tmp);
  try {
    await writeDurable(fs, tmp, bytes);
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw e;
  } finally {
    savesInProgress.delete(tmp);
  }
  await removeStaleSiblings(fs, path, target, 'file');
}

registerSaveHandler({
  name: 'Keras file (.h5, .keras)',
  accepts: (target) => KERAS_FILE.test(filePath(target) ?? ''),
  save: (model, saveTarget, options) => {
    const target = filePath(saveTarget)!;
    if (options.includeOptimizer) {
      throw new Error(`save: ${target}: simdnet writes no optimizer state into Keras files; save to a folder ` +
        '(tfjs layers-model format) with includeOptimizer, or without it to a Keras file (nothing was written)');
    }
    if (options.quantize) {
      throw new Error(`save: ${target}: quantize ('${options.quantize}') is a tfjs layers-model option (Keras files hold float32 ` +
        'weights here): save to a folder, toArtifacts() or indexeddb:// to quantize (nothing was written)');
    }
    return saveKerasFile(model as Sequential, target);
  },
});

installKeras({ load: loadKerasModel, fromH5: modelFromKerasH5, fromZip: modelFromKerasZip });
registerWeightFiles({
  save: (m, f) => saveWeightsFile(m as Sequential, f), load: (m, s) => loadWeightsFile(m as Sequential, s),
  check: (m, _f, fn, weightsOnly) => { if (!weightsOnly) checkKerasNames(m as Sequential, fn); },
});
