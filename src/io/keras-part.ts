// Keras files (.h5, .keras) reached through one slot: keras-files.ts fills it when imported, as the full entries do
// (sn.io exports its functions), so loadModel reads Keras files there, and simdnet/predict, which leaves the HDF5
// and zip readers out of its bundles, says where they are.
import type { Sequential } from '../engine/sequential.js';

/** In-memory Keras files for loadModel: `{ h5: bytes }` or `{ keras: bytes }` (a .keras zip). */
export type KerasBytes = { h5: ArrayBuffer | ArrayBufferView; keras?: undefined } | { keras: ArrayBuffer | ArrayBufferView; h5?: undefined };

export interface KerasPart {
  /** loadModel for a Keras file path (.h5, .hdf5, .keras) or bytes ({ h5 } / { keras }). */
  load(source: string | KerasBytes, compile?: boolean): Promise<Sequential>;
  fromH5(bytes: Uint8Array, name?: string, compile?: boolean): Sequential;
  fromZip(bytes: Uint8Array, name?: string, compile?: boolean): Promise<Sequential>;
}

let part: KerasPart | null = null;

export function installKeras(p: KerasPart): void { part = p; }

/** The Keras file reader, or an error naming `fn`, the file and where the reader is. */
export function keras(fn: string, what: string): KerasPart {
  if (!part) {
    throw new Error(`${fn}: ${what} is a Keras file, which simdnet/predict does not read (its bundles leave the HDF5 and ` +
      "zip readers out): import simdnet itself (`import * as sn from 'simdnet'`), or save the model as a layers-model " +
      '(model.save(folder), or model.toArtifacts()) and load that');
  }
  return part;
}
