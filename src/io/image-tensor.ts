// An image (or several) as a model input, preprocessed exactly as loadImageFolder does: channels converted
// as decodeImage does (grey replicated, colour to OpenCV's luminance, alpha dropped), resized with
// OpenCV's INTER_LINEAR, scaled to [0, 1]. Pure: runs in every host, e.g. on an uploaded photo.
import { Tensor } from '../tensor.js';
import { convertChannels } from './images.js';
import { checkImage, resize, type Image } from './resize.js';

export interface ImageToTensorOptions {
  /** [height, width] of the model input; default [42, 42]. */
  size?: [number, number];
  /** 3 (default) or 1. */
  channels?: 1 | 3;
}

/** [n, height, width, channels] float32 in [0, 1] from one image (n = 1) or a list of them. */
export function imageToTensor(images: Image | Image[], opts: ImageToTensorOptions = {}): Tensor {
  const list = Array.isArray(images) ? images : [images];
  const [h, w] = opts.size ?? [42, 42];
  const channels = opts.channels ?? 3;
  if (![h, w].every((d) => Number.isInteger(d) && d > 0)) throw new Error(`imageToTensor: size must be [height, width] of positive integers, got ${JSON.stringify(opts.size)}`);
  if (channels !== 1 && channels !== 3) throw new Error(`imageToTensor: channels must be 1 or 3, got ${JSON.stringify(opts.channels)}`);
  if (list.length === 0) throw new Error('imageToTensor: no images');
  const per = h * w * channels;
  const x = new Float32Array(list.length * per);
  list.forEach((img, i) => {
    checkImage('imageToTensor', img);
    const small = resize(convertChannels(img, channels), w, h);
    for (let j = 0; j < per; j++) x[i * per + j] = small.data[j] / 255;
  });
  return new Tensor(x, [list.length, h, w, channels]);
}
