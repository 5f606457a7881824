// sn.layers: one factory per registered layer (tfjs names: sn.layers.conv2d({...})), derived from the registry.
import { checkLayerOptions } from './config.js';
import type { Layer } from './layer.js';
import { LAYERS } from './registry.js';

export type LayerFactories = {
  [K in keyof typeof LAYERS]: (...args: ConstructorParameters<(typeof LAYERS)[K]>) => InstanceType<(typeof LAYERS)[K]>
};

export const layers = Object.fromEntries(Object.entries(LAYERS).map(([name, cls]) =>
  [name, (args?: unknown) => {
    checkLayerOptions(cls, args, name);
    return new (cls as new (a: unknown) => Layer)(args ?? {});
  }])) as unknown as LayerFactories;
export { Layer } from './layer.js';
export type { LayerArgs, LayerExample, Param } from './layer.js';
export { LAYERS, SUPPORTED_LAYERS, layerFromConfig } from './registry.js';
export type { Conv2DArgs } from './conv2d.js';
export type { Conv2DTransposeArgs } from './conv2d-transpose.js';
export type { TimeDistributedArgs } from './time-distributed.js';
export type { LayerJson } from './config.js';
export type { MaskingArgs } from './masking-layer.js';
export type { BidirectionalArgs, MergeMode } from './bidirectional.js';
export type { DepthwiseConv2DArgs, SeparableConv2DArgs } from './depthwise-conv2d.js';
export type { DenseArgs } from './dense.js';
export type { Pooling2DArgs } from './pooling.js';
export type { ActivationArgs, DropoutArgs } from './core.js';
export type { EmbeddingArgs } from './embedding.js';
export type { GaussianNoiseArgs, NoiseRateArgs } from './noise.js';
export type { RescalingArgs } from './rescaling.js';
export type { RecurrentArgs, LSTMArgs, GRUArgs } from './recurrent.js';
