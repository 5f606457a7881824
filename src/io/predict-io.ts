// sn.io under simdnet/predict: images in (decode, resize, to a tensor) and models from memory — sn.io without
// the training-curve plots and the Keras file readers and writer.
export { readImage, decodeImage, resize, toFloat } from './images.js';
export type { Image } from './images.js';
export { imageToTensor, type ImageToTensorOptions } from './image-tensor.js';
export { saveModel } from './model-files.js';
import { loadModel as loadAny, modelFromMemory as fromMemoryAny, type ModelInMemory, type ModelSource } from './model-sources.js';
import type { LoadOptions } from './topology.js';
import type { Sequential } from '../engine/sequential.js';
export type { ModelInMemory, ModelSource };

/** Options with compile false unless given: this entry's models are uncompiled even where 'simdnet' is bundled beside it. */
function uncompiled(options: LoadOptions | undefined): LoadOptions | undefined {
  if (options === undefined) return { compile: false };
  return typeof options === 'object' && options !== null && options.compile === undefined ? { ...options, compile: false } : options;
}

/**
 * simdnet's loadModel, uncompiled by default even where training is loaded beside it (a bundle that also imports
 * 'simdnet'): what this entry gives does not change with what else a program imports. `{ compile: true }` asks
 * for training, which only 'simdnet' has.
 */
export function loadModel(source: ModelSource, options?: LoadOptions): Promise<Sequential> {
  return loadAny(source, uncompiled(options));
}

/** simdnet's modelFromMemory, uncompiled by default (as loadModel here). */
export function modelFromMemory(source: ModelInMemory, options?: LoadOptions): Sequential {
  return fromMemoryAny(source, uncompiled(options));
}
