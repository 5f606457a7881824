// simdnet for browsers and other hosts without a file system: the core API without file-based io (no
// image decoders, folders or model files on disk). Models still train, evaluate and predict, on several
// Web Workers when the page is cross-origin isolated.
import { initRuntime, runtime } from './runtime/wasm.js';

export { tensor, Tensor } from './tensor.js';
export { layers, Layer, LAYERS as layerClasses } from './layers/index.js';
export { Sequential, sequential } from './engine/sequential.js';
export { optimizers, Optimizer, SGD, Adam, Adagrad, RMSprop } from './engine/optimizers.js';
export * as callbacks from './callbacks/index.js';
export * as utils from './utils.js';
export * as models from './models.js';
export { resize, toFloat } from './io/resize.js';
export type { Image } from './io/resize.js';
export { makePerson, makeShot, renderFace, PHOTO_WIDTH, PHOTO_HEIGHT } from './data/face-renderer.js';
export { LAB_LABELS } from './data/labels.js';
export { shutdown as shutdownThreads, activeThreads, threadStats } from './threads/index.js';
export { Random } from './random.js';

await initRuntime();

export function backend(): string { return runtime().flavour; }
// Keras .h5 / .keras files as bytes (fetched, or picked by the user): sn.loadModel({ h5: bytes }); and back
export { loadKerasModel as loadModel, modelToKerasH5 } from './io/keras-files.js';
