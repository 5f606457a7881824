// Where model.save(target) sends a model: handlers registered by the io layer (a folder on Node's file
// system, indexeddb:// and downloads:// in browsers), picked by the first whose `accepts` says yes — as
// tfjs' save routers. model.toArtifacts() goes through the writer io registers here too. The engine never
// imports io: io depends on the engine, and registers itself here when loaded.
import type { TrainingModel } from './callback.js';
import { show } from '../format.js';

export interface SaveHandler {
  readonly name: string;
  accepts(target: string): boolean;
  save(model: TrainingModel, target: string): Promise<void>;
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

let writer: ((model: TrainingModel) => Artifacts) | null = null;

export function registerArtifactsWriter(w: (model: TrainingModel) => Artifacts): void { writer = w; }

export function artifactsWriter(): (model: TrainingModel) => Artifacts {
  if (!writer) throw new Error("toArtifacts: simdnet's io is not loaded (import simdnet, e.g. `import * as sn from 'simdnet'`)");
  return writer;
}
