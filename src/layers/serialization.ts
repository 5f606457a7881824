// Keras / TensorFlow.js (de)serialisation of layers and Sequential models: the `modelTopology` and
// `trainingConfig` of a tfjs "layers-model" model.json, and layers rebuilt from their snake_case configs.
// Written to match what tfjs-layers 4.22 saves (variance-scaling initialisers as `VarianceScaling`,
// the training config beside the topology rather than inside it) and to read what Keras writes.
import type { Sequential } from '../engine/sequential.js';
import { Adagrad, Adam, type Optimizer, RMSprop, SGD } from '../engine/optimizers.js';
import { ACTIVATIONS, type ActivationName } from './activations.js';
import { Conv2D } from './conv2d.js';
import { Activation, Dropout, Flatten } from './core.js';
import { Dense } from './dense.js';
import type { InitializerConfig, InitializerName, InitializerSpec } from './initializers.js';
import type { Layer, LayerArgs } from './layer.js';
import { AveragePooling2D, MaxPooling2D } from './pooling.js';
import { Embedding } from './embedding.js';
import { GRU, LSTM, SimpleRNN } from './recurrent.js';

export const SUPPORTED_LAYERS = ['Conv2D', 'Dense', 'MaxPooling2D', 'AveragePooling2D', 'Dropout', 'Flatten', 'Activation',
  'Embedding', 'SimpleRNN', 'LSTM', 'GRU'] as const;

/** What tfjs-layers 4.22 writes as keras_version / backend. */
export const KERAS_VERSION = 'tfjs-layers 4.22.0';
export const KERAS_BACKEND = 'tensor_flow.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** `class_name` (Keras / model.json) or `className` (tfjs in memory). */
export function classNameOf(entry: unknown): unknown {
  return isObject(entry) ? entry.class_name ?? entry.className : undefined;
}

// ---- reading layer configs -------------------------------------------------------------------------

/** Reads one layer config, remembering which keys were understood so the rest can be refused. */
class ConfigReader {
  private readonly cfg: Json = {};
  private readonly seen = new Set<string>();
  readonly label: string;

  constructor(readonly className: string, config: Json) {
    for (const [k, v] of Object.entries(config)) this.cfg[snake(k)] = v;
    const name = this.cfg.name;
    this.label = typeof name === 'string' && name ? `${className} layer '${name}'` : `${className} layer`;
  }

  get(key: string): unknown { this.seen.add(key); return this.cfg[key]; }
  has(key: string): boolean { return this.cfg[key] !== undefined && this.cfg[key] !== null; }

  error(key: string, why: string): Error {
    return new Error(`${this.label}: option ${key} = ${show(this.cfg[key])} is not supported (${why})`);
  }

  /** Options that must hold a given value (or be absent / null). */
  expect(key: string, ok: (v: unknown) => boolean, why: string): void {
    const v = this.get(key);
    if (v !== undefined && v !== null && !ok(v)) throw this.error(key, why);
  }

  mustBeNull(...keys: string[]): void {
    for (const k of keys) this.expect(k, () => false, `simdnet does not support ${k.replace(/_/g, ' ')}s; it must be null`);
  }

  /** Refuses keys that were not read and carry a value. */
  finish(): void {
    const unknown = Object.keys(this.cfg).filter((k) => !this.seen.has(k) && this.cfg[k] !== null && this.cfg[k] !== undefined);
    if (unknown.length) {
      throw new Error(`${this.label}: unsupported option${unknown.length > 1 ? 's' : ''} ` +
        `${unknown.map((k) => `${k} = ${show(this.cfg[k])}`).join(', ')}`);
    }
  }

  /** name, trainable, input shape and dtype: the keys every layer has. */
  common(): LayerArgs {
    const args: LayerArgs = {};
    const name = this.get('name');
    if (name !== undefined && name !== null) {
      if (typeof name !== 'string') throw this.error('name', 'it must be a string');
      args.name = name;
    }
    const trainable = this.get('trainable');
    if (trainable !== undefined && trainable !== null) {
      if (typeof trainable !== 'boolean') throw this.error('trainable', 'it must be true or false');
      args.trainable = trainable;
    }
    for (const key of ['batch_input_shape', 'batch_shape']) {
      const v = this.get(key);
      if (v === undefined || v === null) continue;
      if (!Array.isArray(v) || v.length < 2) throw this.error(key, 'expected [null, ...sample shape]');
      args.batchInputShape = v as (number | null)[];
    }
    const inputShape = this.get('input_shape');
    if (inputShape !== undefined && inputShape !== null && args.batchInputShape === undefined) {
      args.inputShape = inputShape as number[];
    }
    this.expect('dtype', (v) => v === 'float32' || (isObject(v) && isObject(v.config) && v.config.name === 'float32'),
      'simdnet computes in float32 only');
    return args;
  }

  activation(key = 'activation'): ActivationName {
    let v = this.get(key);
    // Keras 3 may write { class_name: 'function', config: 'relu' }
    if (isObject(v) && typeof v.config === 'string') v = v.config;
    if (v === undefined || v === null) return 'linear';
    if (typeof v === 'string') {
      const name = v === 'softmax_v2' ? 'softmax' : v; // tf.keras wrote tf.nn.softmax as softmax_v2
      if ((ACTIVATIONS as readonly string[]).includes(name)) return name as ActivationName;
    }
    throw this.error(key, `simdnet's activations are ${ACTIVATIONS.join(', ')}`);
  }

  channelsLast(): void {
    this.expect('data_format', (v) => v === 'channels_last' || v === 'channelsLast',
      "simdnet works in NHWC: data_format must be 'channels_last'");
  }

  padding(): 'valid' | 'same' | undefined {
    const v = this.get('padding');
    if (v === undefined || v === null) return undefined;
    if (v !== 'valid' && v !== 'same') throw this.error('padding', "padding must be 'valid' or 'same'");
    return v;
  }

  initializer(key: string): InitializerSpec | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    try {
      return initializerFromConfig(v);
    } catch (e) {
      throw new Error(`${this.label}: option ${key}: ${(e as Error).message}`);
    }
  }
}

const VARIANCE_SCALING: Record<string, InitializerName> = {
  '1 fan_avg uniform': 'glorotUniform', '1 fan_avg normal': 'glorotNormal',
  '2 fan_in uniform': 'heUniform', '2 fan_in normal': 'heNormal',
  '1 fan_in uniform': 'lecunUniform', '1 fan_in normal': 'lecunNormal',
};
const INITIALIZER_CLASSES: Record<string, InitializerName> = {
  Zeros: 'zeros', Ones: 'ones', GlorotUniform: 'glorotUniform', GlorotNormal: 'glorotNormal', HeUniform: 'heUniform',
  HeNormal: 'heNormal', LecunUniform: 'lecunUniform', LeCunUniform: 'lecunUniform', LecunNormal: 'lecunNormal',
  LeCunNormal: 'lecunNormal', RandomUniform: 'randomUniform', RandomNormal: 'randomNormal', TruncatedNormal: 'truncatedNormal',
  Orthogonal: 'orthogonal',
};

/** A Keras / tfjs initializer ({ class_name, config } or a name) as a simdnet initializer spec. */
export function initializerFromConfig(v: unknown): InitializerSpec {
  if (typeof v === 'string') {
    const byClass = INITIALIZER_CLASSES[v];
    if (byClass) return byClass;
    const name = camel(v);
    if (Object.values(INITIALIZER_CLASSES).includes(name as InitializerName)) return name as InitializerName;
    throw new Error(`unknown initializer '${v}'; supported: ${Object.keys(INITIALIZER_CLASSES).join(', ')}, VarianceScaling, Constant`);
  }
  const cls = classNameOf(v);
  if (typeof cls !== 'string') throw new Error(`expected an initializer { class_name, config }, got ${show(v)}`);
  const raw = isObject((v as Json).config) ? (v as Json).config as Json : {};
  const c: Json = {};
  for (const [k, x] of Object.entries(raw)) c[snake(k)] = x;
  const num = (k: string): number | undefined => {
    const x = c[k];
    if (x === undefined || x === null) return undefined;
    if (typeof x !== 'number') throw new Error(`${cls}: ${k} must be a number, got ${show(x)}`);
    return x;
  };
  switch (cls) {
    case 'VarianceScaling': {
      const scale = num('scale') ?? 1;
      const mode = snake(String(c.mode ?? 'fan_in'));
      let dist = snake(String(c.distribution ?? 'normal'));
      if (dist === 'truncated_normal') dist = 'normal';
      const found = VARIANCE_SCALING[`${scale} ${mode} ${dist}`];
      if (!found) {
        throw new Error(`VarianceScaling with scale ${scale}, mode ${mode}, distribution ${dist} is not supported; ` +
          'simdnet has glorot (1, fan_avg), he (2, fan_in) and lecun (1, fan_in), uniform or (truncated) normal');
      }
      return found;
    }
    case 'RandomUniform': return { name: 'randomUniform', minval: num('minval') ?? -0.05, maxval: num('maxval') ?? 0.05 };
    case 'RandomNormal': return { name: 'randomNormal', mean: num('mean') ?? 0, stddev: num('stddev') ?? 0.05 };
    case 'TruncatedNormal': return { name: 'truncatedNormal', mean: num('mean') ?? 0, stddev: num('stddev') ?? 0.05 };
    case 'Orthogonal': return { name: 'orthogonal', gain: num('gain') ?? 1 };
    case 'Constant': {
      const value = num('value') ?? 0;
      if (value === 0) return 'zeros';
      if (value === 1) return 'ones';
      throw new Error(`Constant initializer with value ${value} is not supported (only 0 and 1)`);
    }
  }
  const found = INITIALIZER_CLASSES[cls];
  if (!found) throw new Error(`unknown initializer '${cls}'; supported: ${Object.keys(INITIALIZER_CLASSES).join(', ')}, VarianceScaling, Constant`);
  return found;
}

const ok1 = (v: unknown): boolean => v === 1 || (Array.isArray(v) && v.every((d) => d === 1));

/**
 * A simdnet layer from its Keras / tfjs class name and (snake_case, as in model.json; camelCase is also
 * accepted) config. Options simdnet cannot honour (dilation, channels_first, regularizers...) are refused
 * with an error naming the layer and the option.
 */
export function layerFromConfig(className: string, config: Record<string, unknown>): Layer {
  if (!(SUPPORTED_LAYERS as readonly string[]).includes(className)) {
    throw new Error(`unknown layer class ${show(className)}; simdnet supports ${SUPPORTED_LAYERS.join(', ')}`);
  }
  if (config !== undefined && config !== null && !isObject(config)) {
    throw new Error(`${className} layer: config must be an object, got ${show(config)}`);
  }
  const r = new ConfigReader(className, config ?? {});
  const common = r.common();
  let make: () => Layer;
  switch (className) {
    case 'Conv2D': {
      r.channelsLast();
      r.expect('dilation_rate', ok1, 'simdnet has no dilated convolutions; dilation_rate must be 1');
      r.expect('groups', (v) => v === 1, 'simdnet has no grouped convolutions; groups must be 1');
      r.mustBeNull('kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint');
      r.mustBeNull('lora_rank');
      const args = {
        ...common,
        filters: r.get('filters') as number, kernelSize: r.get('kernel_size') as number | [number, number],
        strides: (r.get('strides') ?? undefined) as number | [number, number] | undefined, padding: r.padding(),
        activation: r.activation(), useBias: (r.get('use_bias') ?? undefined) as boolean | undefined,
        kernelInitializer: r.initializer('kernel_initializer'), biasInitializer: r.initializer('bias_initializer'),
      };
      make = () => new Conv2D(args);
      break;
    }
    case 'Dense': {
      r.mustBeNull('kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint');
      r.mustBeNull('lora_rank');
      const inputDim = r.get('input_dim');
      const args = {
        ...common,
        units: r.get('units') as number, activation: r.activation(), useBias: (r.get('use_bias') ?? undefined) as boolean | undefined,
        kernelInitializer: r.initializer('kernel_initializer'), biasInitializer: r.initializer('bias_initializer'),
        ...(inputDim !== undefined && inputDim !== null && !common.batchInputShape && !common.inputShape ? { inputDim: inputDim as number } : {}),
      };
      make = () => new Dense(args);
      break;
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      r.channelsLast();
      const args = {
        ...common,
        poolSize: (r.get('pool_size') ?? undefined) as number | [number, number] | undefined,
        strides: (r.get('strides') ?? undefined) as number | [number, number] | undefined, padding: r.padding(),
      };
      make = () => (className === 'MaxPooling2D' ? new MaxPooling2D(args) : new AveragePooling2D(args));
      break;
    }
    case 'Dropout': {
      r.mustBeNull('noise_shape');
      r.get('seed'); // simdnet derives dropout masks from the fit seed
      const args = { ...common, rate: r.get('rate') as number };
      make = () => new Dropout(args);
      break;
    }
    case 'Flatten': {
      r.channelsLast();
      make = () => new Flatten(common);
      break;
    }
    case 'Embedding': {
      r.mustBeNull('embeddings_regularizer', 'activity_regularizer', 'embeddings_constraint', 'lora_rank');
      r.expect('sparse', (v) => v === false, 'simdnet has no sparse embeddings');
      const args = {
        ...common,
        inputDim: r.get('input_dim') as number, outputDim: r.get('output_dim') as number,
        inputLength: (r.get('input_length') ?? undefined) as number | undefined,
        maskZero: (r.get('mask_zero') ?? undefined) as boolean | undefined,
        embeddingsInitializer: r.initializer('embeddings_initializer'),
      };
      make = () => new Embedding(args);
      break;
    }
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU': {
      r.mustBeNull('kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer', 'activity_regularizer',
        'kernel_constraint', 'recurrent_constraint', 'bias_constraint');
      r.expect('time_major', (v) => v === false, 'simdnet takes [batch, time, features] input');
      r.expect('zero_output_for_mask', (v) => v === false, 'masked steps carry the previous output in simdnet');
      for (const k of ['unroll', 'implementation', 'seed']) r.get(k); // no effect on the function computed
      const args = {
        ...common,
        units: r.get('units') as number, activation: r.has('activation') ? r.activation() : undefined,
        useBias: (r.get('use_bias') ?? undefined) as boolean | undefined,
        kernelInitializer: r.initializer('kernel_initializer'), recurrentInitializer: r.initializer('recurrent_initializer'),
        biasInitializer: r.initializer('bias_initializer'),
        returnSequences: (r.get('return_sequences') ?? undefined) as boolean | undefined,
        returnState: (r.get('return_state') ?? undefined) as boolean | undefined,
        goBackwards: (r.get('go_backwards') ?? undefined) as boolean | undefined,
        stateful: (r.get('stateful') ?? undefined) as boolean | undefined,
        dropout: (r.get('dropout') ?? undefined) as number | undefined,
        recurrentDropout: (r.get('recurrent_dropout') ?? undefined) as number | undefined,
      };
      if (className === 'SimpleRNN') {
        make = () => new SimpleRNN(args);
      } else if (className === 'LSTM') {
        const lstm = { ...args, recurrentActivation: r.has('recurrent_activation') ? r.activation('recurrent_activation') : undefined,
          unitForgetBias: (r.get('unit_forget_bias') ?? undefined) as boolean | undefined };
        make = () => new LSTM(lstm);
      } else {
        const gru = { ...args, recurrentActivation: r.has('recurrent_activation') ? r.activation('recurrent_activation') : undefined,
          resetAfter: (r.get('reset_after') ?? undefined) as boolean | undefined };
        make = () => new GRU(gru);
      }
      break;
    }
    default: { // Activation
      const args = { ...common, activation: r.activation() };
      make = () => new Activation(args);
    }
  }
  r.finish();
  try {
    return make();
  } catch (e) {
    throw new Error(`${r.label}: ${(e as Error).message}`);
  }
}

// ---- writing ----------------------------------------------------------------------------------------

const VS_CONFIG: Partial<Record<string, Json>> = {
  GlorotUniform: { scale: 1, mode: 'fan_avg', distribution: 'uniform' },
  GlorotNormal: { scale: 1, mode: 'fan_avg', distribution: 'normal' },
  HeUniform: { scale: 2, mode: 'fan_in', distribution: 'uniform' },
  HeNormal: { scale: 2, mode: 'fan_in', distribution: 'normal' },
  LecunUniform: { scale: 1, mode: 'fan_in', distribution: 'uniform' },
  LecunNormal: { scale: 1, mode: 'fan_in', distribution: 'normal' },
};

/**
 * An initializer as model.json holds it. Like tfjs, the variance-scaling family is written as
 * `VarianceScaling` (which both tfjs — whose LeCun classes are spelt `LeCunUniform` — and Keras read).
 */
function initializerJson(v: unknown): unknown {
  if (!isObject(v)) return v ?? null;
  const cls = classNameOf(v) as string;
  const config = isObject(v.config) ? v.config : {};
  const vs = VS_CONFIG[cls];
  if (vs) return { class_name: 'VarianceScaling', config: { ...vs, seed: null } };
  return { class_name: cls, config: { ...config } };
}

/** One layer as { class_name, config } in model.json. */
export function layerToJson(layer: Layer): { class_name: string; config: Json } {
  const config: Json = {};
  for (const [k, v] of Object.entries(layer.getConfig())) {
    config[k] = k.endsWith('_initializer') ? initializerJson(v as InitializerConfig | null) : v;
  }
  if (config.batch_input_shape !== undefined) config.dtype = 'float32';
  return { class_name: layer.className, config };
}

/** The tfjs layers-model `modelTopology` of a Sequential model (what tfjs' model.toJSON() gives). */
export function modelTopology(model: Sequential): Json {
  return {
    class_name: 'Sequential',
    config: { name: model.name, layers: model.layers.map(layerToJson) },
    keras_version: KERAS_VERSION,
    backend: KERAS_BACKEND,
  };
}

/** tfjs-layers' loss names; a training config with another loss would stop tf.loadLayersModel. */
export const TFJS_LOSSES = ['categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy',
  'meanSquaredError', 'meanAbsoluteError'];

/** The optimizer as tfjs writes it: tfjs class names and camelCase tfjs constructor arguments. */
export function optimizerConfig(opt: Optimizer): { class_name: string; config: Json } {
  if (opt instanceof SGD) {
    const extra = opt.decay ? { decay: opt.decay } : {};
    if (opt.momentum > 0) {
      return { class_name: 'Momentum', config: { learningRate: opt.learningRate, momentum: opt.momentum, useNesterov: opt.nesterov, ...extra } };
    }
    return { class_name: 'SGD', config: { learningRate: opt.learningRate, ...extra } };
  }
  if (opt instanceof Adam) {
    return { class_name: 'Adam', config: { learningRate: opt.learningRate, beta1: opt.beta1, beta2: opt.beta2, epsilon: opt.epsilon } };
  }
  if (opt instanceof Adagrad) {
    return { class_name: 'Adagrad', config: { learningRate: opt.learningRate, initialAccumulatorValue: opt.initialAccumulatorValue, epsilon: opt.epsilon } };
  }
  if (opt instanceof RMSprop) {
    // tfjs calls rho `decay`
    return { class_name: 'RMSProp', config: { learningRate: opt.learningRate, decay: opt.rho, momentum: opt.momentum, epsilon: opt.epsilon, centered: false } };
  }
  return { class_name: opt.className, config: { ...opt.getConfig() } };
}

/**
 * The training config of a compiled model, as tfjs' LayersModel.getTrainingConfig() writes it (tfjs puts
 * it in model.json beside `modelTopology` as `trainingConfig`); null if the model is not compiled.
 */
export function trainingConfig(model: Sequential): Json | null {
  if (!model.optimizer || !model.loss) return null;
  return { loss: snake(model.loss), metrics: [...model.metrics], optimizer_config: optimizerConfig(model.optimizer) };
}

// ---- reading training configs -----------------------------------------------------------------------

/** A tfjs (SGD, Momentum, Adam, Adagrad, RMSProp) or Keras optimizer config as a simdnet optimizer. */
export function optimizerFromConfig(spec: unknown): Optimizer {
  const cls = classNameOf(spec);
  if (typeof cls !== 'string') throw new Error(`optimizer_config must be { class_name, config }, got ${show(spec)}`);
  const c: Json = {};
  const raw = (spec as Json).config;
  for (const [k, v] of Object.entries(isObject(raw) ? raw : {})) c[snake(k)] = v;
  const n = (k: string): number | undefined => {
    const v = c[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number') throw new Error(`optimizer ${cls}: ${k} must be a number, got ${show(v)}`);
    return v;
  };
  const refuse = (k: string, ok: (v: unknown) => boolean) => {
    const v = c[k];
    if (v !== undefined && v !== null && !ok(v)) throw new Error(`optimizer ${cls}: option ${k} = ${show(v)} is not supported`);
  };
  for (const k of ['clipnorm', 'clipvalue', 'global_clipnorm']) refuse(k, () => false);
  refuse('weight_decay', (v) => v === 0);
  refuse('use_ema', (v) => v === false);
  refuse('amsgrad', (v) => v === false);
  refuse('centered', (v) => v === false);
  const learningRate = n('learning_rate') ?? n('lr');
  switch (cls.toLowerCase()) {
    case 'sgd':
    case 'momentum':
      return new SGD({ learningRate, momentum: n('momentum'), nesterov: Boolean(c.nesterov ?? c.use_nesterov ?? false), decay: n('decay') });
    case 'adam':
      return new Adam({ learningRate, beta1: n('beta1') ?? n('beta_1'), beta2: n('beta2') ?? n('beta_2'), epsilon: n('epsilon') });
    case 'adagrad':
      return new Adagrad({ learningRate, initialAccumulatorValue: n('initial_accumulator_value'), epsilon: n('epsilon') });
    case 'rmsprop':
      // tfjs writes rho as `decay`; Keras as `rho` (and its `decay` is a learning-rate decay)
      return new RMSprop({ learningRate, rho: n('rho') ?? (cls === 'RMSProp' ? n('decay') : undefined), momentum: n('momentum'), epsilon: n('epsilon') });
  }
  throw new Error(`optimizer ${show(cls)} is not supported; simdnet has SGD (and tfjs' Momentum), Adam, Adagrad, RMSprop`);
}

function lossName(v: unknown): string {
  if (typeof v === 'string') return v;
  const cls = classNameOf(v);
  if (typeof cls === 'string') return cls === 'Huber' ? 'huber' : cls[0].toLowerCase() + cls.slice(1);
  throw new Error(`loss must be a single loss name (multi-output models are not supported), got ${show(v)}`);
}

/** { optimizer, loss, metrics } for model.compile() from a tfjs / Keras training config. */
export function compileArgsFromConfig(tc: unknown): { optimizer: Optimizer; loss: string; metrics: string[] } {
  if (!isObject(tc)) throw new Error(`the training config must be an object, got ${show(tc)}`);
  for (const k of ['weighted_metrics', 'loss_weights', 'sample_weight_mode']) {
    if (tc[k] !== undefined && tc[k] !== null) throw new Error(`training config option ${k} is not supported`);
  }
  const loss = camel(lossName(tc.loss));
  const raw = tc.metrics;
  const list: unknown[] = Array.isArray(raw) ? raw.flat() : isObject(raw) ? Object.values(raw) : raw == null ? [] : [raw];
  const metrics = list.map((m) => {
    if (typeof m === 'string') return m;
    if (isObject(m) && isObject(m.config) && typeof m.config.name === 'string') return m.config.name;
    throw new Error(`unsupported metric ${show(m)}`);
  });
  return { optimizer: optimizerFromConfig(tc.optimizer_config), loss, metrics };
}
