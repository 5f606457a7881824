// Models from anywhere, in TensorFlow.js' layers-model format: sn.loadModel(source) reads
//   { modelJson, weights }        in memory (model.json's object or text; weights.bin's bytes)
//   'https://host/m/model.json'   fetched; weights paths relative to model.json (a URL without .json: <url>/model.json)
//   'indexeddb://name'            a browser's IndexedDB, where tfjs keeps its models too (same database layout)
//   'path/to/folder'              Node's file system (Node, Deno, Bun: model-files.ts); elsewhere a URL relative to the page
// and model.save sends models to indexeddb:// and downloads:// (browsers) besides folders; model.toArtifacts()
// gives the in-memory form anywhere.
import { registerArtifactsWriter, registerSaveHandler, type SaveOptions } from '../engine/save-handlers.js';
import type { Sequential } from '../engine/sequential.js';
import { host } from '../host/host.js';
import { initRuntime } from '../runtime/wasm.js';
import { fileSchemePath, fileUrlPath, KERAS_FILE } from './file-targets.js';
import { keras, type KerasBytes } from './keras-part.js';
import { loadOptions, type LoadOptions } from './topology.js';
import {
  concatShards, isBackup, loadModel as loadModelFolder, MODEL_FORMAT, modelFromArtifacts, modelJson, modelToArtifacts,
  type ArtifactsOptions, type ModelJson, type WeightSpec,
} from './model-files.js';

type Bytes = ArrayBuffer | ArrayBufferView;

/** A model in memory: model.json (object or text) and the bytes of its weight files, concatenated in manifest order. */
export interface ModelInMemory { modelJson: object | string; weights: Bytes }

export type ModelSource = string | URL | ModelInMemory | KerasBytes;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const IDB = 'indexeddb://';
const DOWNLOADS = 'downloads://';

function toBytes(b: Bytes): Uint8Array {
  return b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}


/** Checks model.json's shape and returns its manifest entries, each group's weight paths, and load options. */
function readModelJson(json: unknown, where: string): { json: ModelJson; specs: WeightSpec[]; paths: string[]; options: ArtifactsOptions } {
  if (!isObject(json)) throw new Error(`${where}: model.json must hold a JSON object`);
  if (json.format !== undefined && json.format !== MODEL_FORMAT) {
    throw new Error(`${where}: model.json has format ${JSON.stringify(json.format)}; simdnet loads only '${MODEL_FORMAT}' files`);
  }
  if (!isObject(json.modelTopology)) throw new Error(`${where}: model.json has no modelTopology`);
  if (!Array.isArray(json.weightsManifest)) throw new Error(`${where}: model.json has no weightsManifest`);
  const specs: WeightSpec[] = [], paths: string[] = [];
  for (const group of json.weightsManifest as unknown[]) {
    if (!isObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new Error(`${where}: each weightsManifest entry needs paths and weights`);
    }
    paths.push(...(group.paths as unknown[]).map(String));
    specs.push(...(group.weights as WeightSpec[]));
  }
  const meta = isObject(json.userDefinedMetadata) ? json.userDefinedMetadata : {};
  // built as a value so that options the model-files version knows (class names) pass through
  const options: ArtifactsOptions = { trainingConfig: json.trainingConfig ?? meta.simdnet_training_config, context: where, nativeState: isBackup(meta) };
  if (meta.simdnet_class_names !== undefined) Object.assign(options, { classNames: meta.simdnet_class_names });
  return { json: json as unknown as ModelJson, specs, paths, options };
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: model.json is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * A model from model.json and the concatenated bytes of its weight files, synchronously once the kernels are loaded;
 * compiled with its training config unless `{ compile: false }`.
 */
export function modelFromMemory(source: ModelInMemory, options?: LoadOptions): Sequential {
  return fromMemory(source, 'modelFromMemory', loadOptions('modelFromMemory', options).compile);
}

function fromMemory(source: ModelInMemory, where: string, compile: boolean): Sequential {
  const raw = typeof source.modelJson === 'string' ? parseJson(source.modelJson, where) : source.modelJson;
  const { json, specs, options } = readModelJson(raw, where);
  if (!(source.weights instanceof ArrayBuffer) && !ArrayBuffer.isView(source.weights)) {
    throw new Error(`${where}: weights must be an ArrayBuffer or a Uint8Array (weights.bin's bytes), got ${typeof source.weights}`);
  }
  return modelFromArtifacts(json.modelTopology, specs, toBytes(source.weights), { ...options, compile });
}

async function fetchBytes(url: URL, what: string, where: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`${where}: could not fetch ${what} ${url.href}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new Error(`${where}: ${what} ${url.href}: HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** model.json from a URL, then its weight files from paths relative to it. */
export async function modelFromUrl(url: URL, compile = true): Promise<Sequential> {
  if (KERAS_FILE.test(url.pathname)) {
    // a Keras file is one download, read from its bytes
    const k = keras('loadModel', url.href);
    const bytes = await fetchBytes(url, 'Keras file', 'loadModel');
    return /\.keras$/i.test(url.pathname) ? k.fromZip(bytes, url.href, compile) : k.fromH5(bytes, url.href, compile);
  }
  const jsonUrl = /\.json$/i.test(url.pathname) ? url : new URL(url.pathname.endsWith('/') ? 'model.json' : `${url.pathname.split('/').pop()}/model.json`, url);
  const where = `loadModel: ${jsonUrl.href}`;
  const text = new TextDecoder().decode(await fetchBytes(jsonUrl, 'model.json', 'loadModel'));
  const { json, specs, paths, options } = readModelJson(parseJson(text, where), where);
  const shards = await Promise.all(paths.map((p) => fetchBytes(new URL(p, jsonUrl), 'weights file', where)));
  return modelFromArtifacts(json.modelTopology, specs, concatShards(shards), { ...options, compile });
}

// ---- IndexedDB (tfjs' layout: database 'tensorflowjs', stores models_store and model_info_store) --------

const DB_NAME = 'tensorflowjs', DB_VERSION = 1, MODELS = 'models_store', INFO = 'model_info_store';

function indexedDb(fn: string): IDBFactory {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) throw new Error(`${fn}: indexeddb:// needs a browser (this host has no IndexedDB)`);
  return idb;
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
}

async function openDb(fn: string): Promise<IDBDatabase> {
  const open = indexedDb(fn).open(DB_NAME, DB_VERSION);
  open.onupgradeneeded = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains(MODELS)) db.createObjectStore(MODELS, { keyPath: 'modelPath' });
    if (!db.objectStoreNames.contains(INFO)) db.createObjectStore(INFO, { keyPath: 'modelPath' });
  };
  return request(open);
}

function modelPath(target: string, fn: string): string {
  const name = target.slice(IDB.length);
  if (!name) throw new Error(`${fn}: ${JSON.stringify(target)} names no model; use indexeddb://<name>`);
  return name;
}

async function saveToIndexedDb(model: Sequential, target: string, options: SaveOptions): Promise<void> {
  const path = modelPath(target, 'save');
  const a = modelToArtifacts(model, options);
  const json = modelJson(a);
  const artifacts = { ...json, weightSpecs: a.weightSpecs, weightData: a.weightData, weightsManifest: undefined };
  delete artifacts.weightsManifest;
  const info = {
    dateSaved: new Date(), modelTopologyType: 'JSON',
    modelTopologyBytes: JSON.stringify(a.modelTopology).length, weightSpecsBytes: JSON.stringify(a.weightSpecs).length,
    weightDataBytes: a.weightData.byteLength,
  };
  const db = await openDb('save');
  try {
    const tx = db.transaction([MODELS, INFO], 'readwrite');
    tx.objectStore(INFO).put({ modelPath: path, modelArtifactsInfo: info });
    tx.objectStore(MODELS).put({ modelPath: path, modelArtifacts: artifacts });
    await new Promise<void>((resolve, reject) => { tx.oncomplete = () => resolve(); tx.onerror = () => reject(tx.error); tx.onabort = () => reject(tx.error); });
  } finally {
    db.close();
  }
}

async function loadFromIndexedDb(target: string, compile: boolean): Promise<Sequential> {
  const path = modelPath(target, 'loadModel');
  const where = `loadModel: ${target}`;
  const db = await openDb('loadModel');
  let record: { modelArtifacts?: Record<string, unknown> } | undefined;
  try {
    record = await request(db.transaction(MODELS, 'readonly').objectStore(MODELS).get(path));
  } finally {
    db.close();
  }
  const a = record?.modelArtifacts;
  if (!a) throw new Error(`${where}: no model named ${JSON.stringify(path)} in IndexedDB`);
  const { weightSpecs, weightData, ...rest } = a;
  return fromMemory({ modelJson: { ...rest, weightsManifest: [{ paths: [], weights: weightSpecs }] }, weights: weightData as ArrayBuffer }, where, compile);
}

// ---- downloads:// (a browser page: model.json and weights.bin offered as downloads, as tfjs does) --------

async function saveAsDownloads(model: Sequential, target: string, options: SaveOptions): Promise<void> {
  const doc = (globalThis as { document?: Document }).document;
  if (!doc) throw new Error(`save: downloads:// needs a browser page (this host has no document); use model.toArtifacts()`);
  const name = target.slice(DOWNLOADS.length) || 'model';
  const a = modelToArtifacts(model, options);
  const files: [string, BlobPart, string][] = [
    [`${name}.json`, JSON.stringify(modelJson(a, [`./${name}.weights.bin`])), 'application/json'],
    [`${name}.weights.bin`, a.weightData, 'application/octet-stream'],
  ];
  for (const [file, body, type] of files) {
    const link = doc.createElement('a');
    link.download = file;
    link.href = URL.createObjectURL(new Blob([body], { type }));
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }
}

// ---- the one loader -----------------------------------------------------------------------------------

/**
 * Loads a model from memory, a URL, IndexedDB or (Node, Deno, Bun) a folder; loads the kernels first. Compiled with
 * its saved training config unless `{ compile: false }` (Keras' load_model(compile=False)).
 */
export async function loadModel(source: ModelSource, options?: LoadOptions): Promise<Sequential> {
  const { compile } = loadOptions('loadModel', options);
  await initRuntime();
  if (isObject(source) && !(source instanceof URL)) {
    // Keras files as bytes: { h5 } or { keras }
    if ('h5' in source || 'keras' in source) return keras('loadModel', `{ ${'h5' in source ? 'h5' : 'keras'} }`).load(source as KerasBytes, compile);
    if (!('modelJson' in source) || !('weights' in source)) {
      throw new Error('loadModel: an object source needs { modelJson, weights } (model.json and weights.bin\'s bytes), or a Keras file\'s { h5 } / { keras }');
    }
    return fromMemory(source as ModelInMemory, 'loadModel', compile);
  }
  if (source instanceof URL) {
    return source.protocol === 'file:' && host().files ? loadModelFolder(fileUrlPath(source), { compile }) : modelFromUrl(source, compile);
  }
  if (typeof source !== 'string' || !source) {
    throw new Error(`loadModel: expected a URL, a folder path, indexeddb://name or { modelJson, weights }, got ${JSON.stringify(source)}`);
  }
  if (source.startsWith(IDB)) return loadFromIndexedDb(source, compile);
  const local = fileSchemePath(source); // tfjs-node's file://./model: the rest is the path, relative or not
  if (local !== null && host().files) return loadModelFolder(local, { compile });
  if (SCHEME.test(source) && !/^[a-z]:[\\/]/i.test(source)) return loadModel(new URL(source), { compile });
  if (host().files) return loadModelFolder(source, { compile });
  const base = (globalThis as { location?: { href: string } }).location?.href;
  if (!base) {
    throw new Error(`loadModel: ${JSON.stringify(source)} is neither a URL nor in memory, and this host has no file system` +
      (KERAS_FILE.test(source) ? '; pass the Keras file\'s bytes: sn.loadModel({ h5: bytes })' : ''));
  }
  return modelFromUrl(new URL(source, base), compile);
}

registerSaveHandler({ name: 'indexeddb', accepts: (t) => typeof t === 'string' && t.startsWith(IDB), save: (m, t, o) => saveToIndexedDb(m as Sequential, t, o) });
registerSaveHandler({ name: 'downloads', accepts: (t) => typeof t === 'string' && t.startsWith(DOWNLOADS), save: (m, t, o) => saveAsDownloads(m as Sequential, t, o) });
registerArtifactsWriter((m, o) => {
  const a = modelToArtifacts(m as Sequential, o);
  return { modelJson: modelJson(a) as unknown as Record<string, unknown>, weights: new Uint8Array(a.weightData) };
});
