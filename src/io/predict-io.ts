// sn.io under simdnet/predict: images in (decode, resize, to a tensor) and models from memory — sn.io without
// the training-curve plots and the Keras file readers and writer.
export { readImage, decodeImage, resize, toFloat } from './images.js';
export type { Image } from './images.js';
export { imageToTensor, type ImageToTensorOptions } from './image-tensor.js';
export { saveModel } from './model-files.js';
export { loadModel, modelFromMemory, type ModelInMemory, type ModelSource } from './model-sources.js';
