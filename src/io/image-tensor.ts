// An image (or several) as a model input, preprocessed exactly as loadImageFolder does: channels converted
// as decodeImage does (grey replicated, colour to OpenCV's luminance, alpha dropped), resized with
// OpenCV's INTER_LINEAR, scaled to [0, 1]. Pure: runs in every host, e.g. on an uploaded photo — whose
// bytes it also takes as they are, decoding them as decodeImage does without keeping the full-size image.
import { checkOptions, show, type AllOptions } from '../format.js';
import { Tensor } from '../tensor.js';
import { convertChannels, decodeUsing } from './images.js';
import { checkImage, resize, type Image } from './resize.js';

export interface ImageToTensorOptions {
  /** [height, width] of the model input; default [42, 42]. */
  size?: [number, number];
  /** 3 (default) or 1. */
  channels?: 1 | 3;
  /** What errors call images given as bytes (an upload's name); default '<bytes>', in a list of several 'image i (bytes)' (or '<name> i (bytes)'). */
  name?: string;
}

const IMAGE_TO_TENSOR_OPTIONS = ['size', 'channels', 'name'] as const;

/**
 * [n, height, width, channels] float32 in [0, 1] from one image (n = 1) or a list of them; an image may also be
 * given as its file's bytes (JPEG, PNG, PGM: the same tensor as from decodeImage's image, without a copy of the
 * full-size pixels).
 */
export function imageToTensor(images: Image | Uint8Array | (Image | Uint8Array)[], opts: ImageToTensorOptions = {}): Tensor {
  checkOptions('imageToTensor', opts, IMAGE_TO_TENSOR_OPTIONS satisfies AllOptions<ImageToTensorOptions, typeof IMAGE_TO_TENSOR_OPTIONS>);
  opts ??= {};
  if (opts.size !== undefined && !(Array.isArray(opts.size) && opts.size.length === 2)) {
    throw new Error(`imageToTensor: size must be [height, width] of positive integers, got ${show(opts.size)}`);
  }
  const list = Array.isArray(images) ? images : [images];
  const [h, w] = opts.size ?? [42, 42];
  const channels = opts.channels ?? 3;
  if (![h, w].every((d) => Number.isInteger(d) && d > 0)) throw new Error(`imageToTensor: size must be [height, width] of positive integers, got ${JSON.stringify(opts.size)}`);
  if (channels !== 1 && channels !== 3) throw new Error(`imageToTensor: channels must be 1 or 3, got ${JSON.stringify(opts.channels)}`);
  if (list.length === 0) throw new Error('imageToTensor: no images');
  const per = h * w * channels;
  const x = new Float32Array(list.length * per);
  const put = (i: number, img: Image) => {
    const small = resize(convertChannels(img, channels), w, h);
    for (let j = 0; j < per; j++) x[i * per + j] = small.data[j] / 255;
  };
  list.forEach((img, i) => {
    if (img instanceof Uint8Array) {
      const name = list.length > 1 ? `${opts.name ?? 'image'} ${i} (bytes)` : opts.name ?? '<bytes>';
      decodeUsing('imageToTensor', img, name, { channels }, (decoded) => put(i, decoded));
    } else {
      checkImage('imageToTensor', img);
      put(i, img);
    }
  });
  return new Tensor(x, [list.length, h, w, channels]);
}
