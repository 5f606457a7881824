// The one list of simdnet's layers: factory name (tfjs' sn.layers.<name>) -> class. Factories, the list
// of supported Keras classes, automatic layer names and reading saved models all derive from it; the
// generic layer test runs every class's examples. Adding a layer: its file, its kernel, one line here.
import { RandomFlip, RandomTranslation } from './augmentation.js';
import { BatchNormalization } from './batch-norm.js';
import { Activation, Dropout, Flatten, Softmax } from './core.js';
import { ConfigReader, isObject } from './config.js';
import { Conv1D } from './conv1d.js';
import { Conv2D } from './conv2d.js';
import { Conv2DTranspose } from './conv2d-transpose.js';
import { TimeDistributed } from './time-distributed.js';
import { Bidirectional } from './bidirectional.js';
import { DepthwiseConv2D, SeparableConv2D } from './depthwise-conv2d.js';
import { Masking } from './masking-layer.js';
import { Dense } from './dense.js';
import { Embedding } from './embedding.js';
import { GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D } from './global-pooling.js';
import type { Layer, LayerClass } from './layer.js';
import { AveragePooling1D, AveragePooling2D, MaxPooling1D, MaxPooling2D } from './pooling.js';
import { GRU, LSTM, SimpleRNN } from './recurrent.js';
import { LayerNormalization } from './layer-norm.js';
import { LeakyReLU, ReLU } from './leaky-relu.js';
import { Reshape } from './reshape.js';
import { Rescaling } from './rescaling.js';
import { GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D } from './noise.js';
import { Cropping2D, ZeroPadding2D } from './edges.js';
import { RepeatVector, UpSampling1D, UpSampling2D } from './upsampling.js';
import { show } from '../format.js';

export const LAYERS = {
  conv2d: Conv2D,
  dense: Dense,
  maxPooling2d: MaxPooling2D,
  averagePooling2d: AveragePooling2D,
  dropout: Dropout,
  flatten: Flatten,
  activation: Activation,
  embedding: Embedding,
  simpleRNN: SimpleRNN,
  lstm: LSTM,
  gru: GRU,
  batchNormalization: BatchNormalization,
  globalAveragePooling2d: GlobalAveragePooling2D,
  globalMaxPooling2d: GlobalMaxPooling2D,
  conv1d: Conv1D,
  maxPooling1d: MaxPooling1D,
  averagePooling1d: AveragePooling1D,
  globalAveragePooling1d: GlobalAveragePooling1D,
  globalMaxPooling1d: GlobalMaxPooling1D,
  randomFlip: RandomFlip,
  randomTranslation: RandomTranslation,
  leakyReLU: LeakyReLU,
  reLU: ReLU,
  softmax: Softmax,
  reshape: Reshape,
  zeroPadding2d: ZeroPadding2D,
  cropping2D: Cropping2D, // tfjs' spelling (its zeroPadding2d has the lower-case d)
  layerNormalization: LayerNormalization,
  upSampling2d: UpSampling2D,
  upSampling1d: UpSampling1D,
  repeatVector: RepeatVector,
  conv2dTranspose: Conv2DTranspose,
  timeDistributed: TimeDistributed,
  masking: Masking,
  bidirectional: Bidirectional,
  depthwiseConv2d: DepthwiseConv2D,
  separableConv2d: SeparableConv2D,
  rescaling: Rescaling,
  gaussianNoise: GaussianNoise,
  gaussianDropout: GaussianDropout,
  spatialDropout1d: SpatialDropout1D,
  spatialDropout2d: SpatialDropout2D,
} satisfies Record<string, LayerClass>;

export type LayerFactoryName = keyof typeof LAYERS;

const byClassName = new Map<string, LayerClass>(Object.values(LAYERS).map((c: LayerClass) => [c.className, c]));

/** The Keras class names simdnet reads and writes. */
export const SUPPORTED_LAYERS: readonly string[] = [...byClassName.keys()];

export function layerClass(className: string): LayerClass | undefined { return byClassName.get(className); }


/**
 * A layer from its Keras / tfjs class name and saved config (snake_case keys as in model.json; camelCase
 * is accepted too). Options simdnet cannot honour are refused with an error naming the layer and option.
 */
export function layerFromConfig(className: string, config: Record<string, unknown> | null | undefined): Layer {
  const cls = layerClass(className);
  if (!cls) throw new Error(`unknown layer class ${show(className)}; simdnet supports ${SUPPORTED_LAYERS.join(', ')}`);
  if (config !== undefined && config !== null && !isObject(config)) {
    throw new Error(`${className} layer: config must be an object, got ${show(config)}`);
  }
  const r = new ConfigReader(className, config ?? {});
  let layer: Layer;
  try {
    layer = cls.fromConfig(r);
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(r.label) ? msg : `${r.label}: ${msg}`);
  }
  r.finish();
  return layer;
}

// wrappers (TimeDistributed) read the layer they hold through the registry
ConfigReader.nestedLayer = layerFromConfig;
