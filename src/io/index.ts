// sn.io: images, training-curve plots and model files (tfjs layers-model folders, Keras .h5 / .keras bytes).
export { readImage, decodeImage, resize, toFloat } from './images.js';
export type { Image } from './images.js';
export { imageToTensor, type ImageToTensorOptions } from './image-tensor.js';
export { plotHistory } from './plot.js';
export { saveModel } from './model-files.js';
export { loadModel, modelFromMemory, type ModelInMemory, type ModelSource } from './model-sources.js';
export { loadWeightsFromH5, modelFromKerasH5, modelFromKerasZip, modelToKerasH5, modelToKerasZip, weightsToH5 } from './keras-files.js';
