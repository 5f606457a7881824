// sn.io: images, training-curve plots and model files.
export { readImage, decodeImage, resize, toFloat } from './images.js';
export type { Image } from './images.js';
export { plotHistory } from './plot.js';
export { saveModel, loadModel } from './model-files.js';
