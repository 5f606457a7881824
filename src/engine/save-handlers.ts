// Where model.save(target) sends a model: handlers registered by the io layer (a folder on Node's file
// system, indexeddb:// and downloads:// in browsers), picked by the first whose `accepts` says yes — as
// tfjs' save routers. model.toArtifacts() goes through the writer io registers here too. The engine never
// imports io: io depends on the engine, and registers itself here when loaded.
import type { TrainingModel } from './callback.js';
import { checkOptions, show, type AllOptions } from '../format.js';

/** model.save / toArtifacts options (tfjs' SaveConfig). */
export interface SaveOptions {
  /**
   * Also save the optimizer's state (the update count, SGD's momentum, Adam's moments, ...) so that training
   * resumes where it stopped, as tfjs' includeOptimizer (default false, as tfjs; Keras saves it by default).
   */
  includeOptimizer?: boolean;
  /**
   * Store the model's weights quantized, as tensorflowjs_converter's --quantize_float16 / --quantize_uint8 /
   * --quantize_uint16 do (tfjs layers-model targets; tf.loadLayersModel and loadModel dequantize them): 'float16'
   * halves the weights file, 'uint8' quarters it (io/quantize.ts says how, and the error each costs). Optimizer
   * state, if included, stays float32. Default: float32.
   */
  quantize?: QuantizedDtype;
}
const SAVE_OPTIONS = ['includeOptimizer', 'quantize'] as const;

/** The stored types of quantized weights (tfjs' quantization dtypes). */
export const QUANTIZED_DTYPES = ['float16', 'uint8', 'uint16'] as const;
export type QuantizedDtype = (typeof QUANTIZED_DTYPES)[number];

/** Save options checked, includeOptimizer's default filled in. */
export interface CheckedSaveOptions { includeOptimizer: boolean; quantize?: QuantizedDtype }

/** Checked save options, defaults filled in. */
export function saveOptions(fn: string, options: unknown): CheckedSaveOptions {
  checkOptions(fn, options, SAVE_OPTIONS satisfies AllOptions<SaveOptions, typeof SAVE_OPTIONS>);
  const o = (options ?? {}) as SaveOptions;
  if (o.includeOptimizer !== undefined && typeof o.includeOptimizer !== 'boolean') {
    throw new Error(`${fn}: includeOptimizer must be true or false, got ${show(o.includeOptimizer)}`);
  }
  if (o.quantize !== undefined && !QUANTIZED_DTYPES.includes(o.quantize)) {
    throw new Error(`${fn}: quantize must be one of ${QUANTIZED_DTYPES.map((d) => `'${d}'`).join(', ')} (or left out for float32), got ${show(o.quantize)}`);
  }
  return o.quantize === undefined ? { includeOptimizer: o.includeOptimizer ?? false } : { includeOptimizer: o.includeOptimizer ?? false, quantize: o.quantize };
}

export interface SaveHandler {
  readonly name: string;
  accepts(target: string): boolean;
  save(model: TrainingModel, target: string, options: CheckedSaveOptions): Promise<void>;
}

const handlers: SaveHandler[] = [];

export function registerSaveHandler(handler: SaveHandler): void {
  const i = handlers.findIndex((h) => h.name === handler.name);
  if (i >= 0) handlers[i] = handler; else handlers.push(handler);
}

export function saveHandlerFor(target: string): SaveHandler {
  const h = handlers.find((x) => x.accepts(target));
  if (!h) {
    throw new Error(`save: nothing here can save to ${show(target)}` +
      (handlers.length ? ` (handlers: ${handlers.map((x) => x.name).join(', ')})` : ' (import simdnet\'s io, e.g. `import * as sn from \'simdnet\'`)'));
  }
  return h;
}

/** A model in memory: model.json's object (weights manifest paths ['weights.bin']) and weights.bin's bytes. */
export interface Artifacts { modelJson: Record<string, unknown>; weights: Uint8Array }

type Writer = (model: TrainingModel, options: CheckedSaveOptions) => Artifacts;
let writer: Writer | null = null;

export function registerArtifactsWriter(w: Writer): void { writer = w; }

export function artifactsWriter(): Writer {
  if (!writer) throw new Error("toArtifacts: simdnet's io is not loaded (import simdnet, e.g. `import * as sn from 'simdnet'`)");
  return writer;
}

/** Keras weights files (save_weights / load_weights), which io's Keras files fill in. */
export interface WeightFiles {
  save(model: TrainingModel, file: string): Promise<void>;
  load(model: TrainingModel, source: string | { h5: ArrayBuffer | ArrayBufferView }): Promise<void>;
  /**
   * Throws, naming `fn`, if the Keras file `file` (its weights only, or the whole model: .h5, .keras) cannot hold the
   * model: a layout without its layers, a name Keras lacks.
   */
  check(model: TrainingModel, file: string, fn: string, weightsOnly: boolean): void;
}
let weightFilesPart: WeightFiles | null = null;

export function registerWeightFiles(w: WeightFiles): void { weightFilesPart = w; }

export function weightFiles(fn: string): WeightFiles {
  if (!weightFilesPart) {
    throw new Error(`${fn}: Keras weight files are read and written by simdnet's Keras files, which simdnet/predict leaves out: ` +
      "import simdnet itself (`import * as sn from 'simdnet'`)");
  }
  return weightFilesPart;
}
