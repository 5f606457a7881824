// sn.io: images, training-curve plots and model files (tfjs layers-model folders, Keras .h5 / .keras bytes).
export { readImage, decodeImage, resize, toFloat } from './images.js';
export type { Image } from './images.js';
export { plotHistory } from './plot.js';
export { saveModel, loadModel } from './model-files.js';
export { modelFromKerasH5, modelFromKerasZip, modelToKerasH5 } from './keras-files.js';
