// The configs Keras reads back from a simdnet model, built from the model's saved topology (layerToJson: the
// tfjs layers-model config in snake_case, which is Keras' own layer config) and training config:
//   Keras 2's   model_config / training_config of an .h5 file (tf.keras 2.15's layout; Keras 3 reads it as legacy)
//   Keras 3's   config.json of a .keras file: serialization_lib's form, every object as { module, class_name,
//               config, registered_name }, layers with a build_config, the model's compile_config beside them
// The Keras 3 form follows keras/src/saving/serialization_lib.py and models/sequential.py (get_config: the
// InputLayer first, `build_input_shape`); no Keras install here checks it (README, "Keras files").
import type { Sequential } from '../engine/sequential.js';
import { INNER_LAYER_KEYS, isObject, snakeKey } from '../layers/config.js';
import { layerToJson, trainingConfig } from './topology.js';

type Json = Record<string, unknown>;

/** The Keras 3 version whose .keras layout simdnet writes (metadata.json). */
export const KERAS3_VERSION = '3.3.3';

/** Keras' name for simdnet's optimizer config (tfjs' keys and class names -> Keras'). */
export function kerasOptimizerConfig(tc: Json): { class_name: string; config: Json } {
  const opt = tc.optimizer_config as { class_name: string; config: Json };
  const rename: Record<string, string> = { beta1: 'beta_1', beta2: 'beta_2', use_nesterov: 'nesterov' };
  const config: Json = {};
  for (const [k, v] of Object.entries(opt.config)) {
    const key = snakeKey(k);
    // tfjs' RMSProp calls rho `decay`
    config[opt.class_name === 'RMSProp' && key === 'decay' ? 'rho' : rename[key] ?? key] = v;
  }
  const cls = { Momentum: 'SGD', RMSProp: 'RMSprop' }[opt.class_name] ?? opt.class_name;
  if (cls === 'SGD') { config.momentum ??= 0; config.nesterov ??= false; }
  if (cls === 'Adam') config.amsgrad = false;
  return { class_name: cls, config: { name: cls, ...config } };
}

/** The loss as Keras' configs name it: a snake_case name, or the loss object (from logits). */
const kerasLoss = (tc: Json): unknown => (typeof tc.loss === 'string' ? snakeKey(tc.loss) : tc.loss);

/** Metric names as Keras' metrics.get finds them: categoricalAccuracy -> categorical_accuracy; accuracy, mae, MSE as they are. */
const kerasMetrics = (tc: Json): unknown[] =>
  (Array.isArray(tc.metrics) ? tc.metrics : []).map((m) => (typeof m === 'string' && /[a-z][A-Z]/.test(m) ? snakeKey(m) : m));

/** Activations simdnet has that Keras has no name for: a Keras file with one could not be loaded by Keras. */
const NOT_IN_KERAS: Record<string, string> = { gelu_new: "tfjs' tanh approximation of gelu" };
/**
 * Keras 3 has the name for another function: a Keras file cannot say what simdnet computes — not a .keras, and not an
 * .h5 either, which Keras 3 (tf.keras' default since TF 2.16) reads with its own meaning.
 */
const OTHER_IN_KERAS3: Record<string, string> = {
  hard_sigmoid: "Keras 2's and tfjs' clip(0.2 x + 0.5, 0, 1), where Keras 3's hard_sigmoid is relu6(x + 3) / 6",
};

/** Refuses, naming `fn`, the layer and the option, a model Keras could not load back, or would compute otherwise, from a Keras file (.h5, .keras). */
export function checkKerasNames(model: Sequential, fn: string): void {
  const refused = (a: unknown): a is string => typeof a === 'string' && (NOT_IN_KERAS[a] !== undefined || OTHER_IN_KERAS3[a] !== undefined);
  const find = (config: Json): [string, string] | undefined => {
    for (const key of ['activation', 'recurrent_activation']) if (refused(config[key])) return [key, config[key] as string];
    for (const key of INNER_LAYER_KEYS) {
      const inner = config[key];
      if (isObject(inner) && isObject(inner.config)) { const found = find(inner.config as Json); if (found) return found; }
    }
    return undefined;
  };
  for (const layer of model.layers) {
    const found = find(layerToJson(layer).config);
    if (found) {
      const [key, a] = found;
      if (NOT_IN_KERAS[a] === undefined) {
        throw new Error(`${fn}: ${layer.label}: ${key} '${a}' is ${OTHER_IN_KERAS3[a]}: Keras 3, which reads .h5 and .keras ` +
          'files, would compute another function; save the model to a folder (tfjs layers-model format, which simdnet and tfjs read)');
      }
      throw new Error(`${fn}: ${layer.label}: ${key} '${a}' (${NOT_IN_KERAS[a]}) has no name in Keras, which could not load ` +
        "the file; save the model to a folder (tfjs layers-model format, which simdnet reads), or use 'gelu'");
    }
  }
}

/**
 * Refuses a Keras 3 model config (a .keras file's, an .h5 file's Keras 3 wrote) using hard_sigmoid: Keras 3 computes
 * relu6(x + 3) / 6 under that name, simdnet Keras 2's and tfjs' clip(0.2 x + 0.5, 0, 1).
 */
export function refuseKeras3HardSigmoid(config: unknown, where: string): void {
  const scan = (v: unknown, path: string): void => {
    if (Array.isArray(v)) { v.forEach((x) => scan(x, path)); return; }
    if (!isObject(v)) return;
    const name = isObject(v.config) && typeof v.config.name === 'string' ? v.config.name : undefined;
    for (const [k, x] of Object.entries(v)) {
      const a = isObject(x) && typeof x.config === 'string' ? x.config : x; // Keras 3's { class_name: 'function', config: 'hard_sigmoid' }
      if ((k === 'activation' || k === 'recurrent_activation') && a === 'hard_sigmoid') {
        throw new Error(`${where}: ${path || 'a layer'}'s ${k} is Keras 3's hard_sigmoid, relu6(x + 3) / 6, which simdnet does not have ` +
          "(its hard_sigmoid is Keras 2's and tfjs' clip(0.2 x + 0.5, 0, 1))");
      }
      scan(x, name ?? path);
    }
  };
  scan(config, '');
}

/** The model's Keras 2 model_config: Keras 2's Sequential layout (an InputLayer first, then each layer). */
export function kerasModelConfig(model: Sequential): Json {
  const layers = model.layers.map(layerToJson);
  const first = layers[0].config;
  const input = {
    class_name: 'InputLayer',
    config: { batch_input_shape: first.batch_input_shape, dtype: 'float32', sparse: false, ragged: false, name: `${first.name}_input` },
  };
  return { class_name: 'Sequential', config: { name: model.name, layers: [input, ...layers] } };
}

/** The model's Keras 2 training_config, or null when it is not compiled. */
export function kerasTrainingConfig(model: Sequential): Json | null {
  const tc = trainingConfig(model);
  if (!tc) return null;
  return {
    loss: kerasLoss(tc), metrics: kerasMetrics(tc), weighted_metrics: null, loss_weights: null, sample_weight_mode: null,
    optimizer_config: kerasOptimizerConfig(tc),
  };
}

// ---- Keras 3 ------------------------------------------------------------------------------------------

/** An object in Keras 3's serialized form. */
const keras3Object = (module: string, v: { class_name: unknown; config: unknown }): Json =>
  ({ module, class_name: v.class_name, config: v.config, registered_name: null });

const isKerasObject = (v: unknown): v is { class_name: string; config: unknown } => isObject(v) && typeof v.class_name === 'string';

/**
 * Keras 3's spelling of a layer config where Keras 2's is deprecated there (warned about) or unknown (refused):
 * LeakyReLU's alpha is negative_slope; Embedding has no input_length (the InputLayer's shape says it); Keras 3.3's
 * RandomFlip takes no data_format (it is channels last).
 */
const KERAS3_SPELLING: Record<string, (config: Json) => void> = {
  LeakyReLU: (c) => { c.negative_slope = c.alpha; delete c.alpha; },
  Embedding: (c) => { delete c.input_length; },
  RandomFlip: (c) => { delete c.data_format; },
  Bidirectional: (c) => { if (isKerasObject(c.layer)) c.backward_layer = backwardOf(c.layer); },
};

/**
 * Bidirectional's backward layer, written as Keras 3's get_config writes it: without one, Keras 3 makes it with
 * go_backwards true whatever the layer's, and refuses a layer that already goes backwards (the two must differ).
 */
function backwardOf(layer: { class_name: string; config: unknown }): Json {
  const c = layer.config as Json;
  return { ...layer, config: { ...c, name: `backward_${String(c.name)}`, go_backwards: !c.go_backwards } };
}

/**
 * The optimizer in Keras 3's form: SGD's time-based `decay` (which Keras 3 ignores, with a warning) as the schedule
 * that computes it, InverseTimeDecay with decay_steps 1: lr / (1 + decay · iterations).
 */
function keras3Optimizer(tc: Json): Json {
  const opt = kerasOptimizerConfig(tc);
  const { decay, ...config } = opt.config;
  if (typeof decay === 'number' && decay !== 0) {
    config.learning_rate = keras3Object('keras.optimizers.schedules', { class_name: 'InverseTimeDecay', config: {
      initial_learning_rate: config.learning_rate, decay_steps: 1, decay_rate: decay, staircase: false, name: 'InverseTimeDecay',
    } });
  }
  return keras3Object('keras.optimizers', { class_name: opt.class_name, config });
}

/** The Keras 3 module of an object a layer config holds, by the key it sits under. */
function moduleOf(key: string): string | null {
  if (key.endsWith('_initializer')) return 'keras.initializers';
  if (key.endsWith('_regularizer')) return 'keras.regularizers';
  if (key.endsWith('_constraint')) return 'keras.constraints';
  if (INNER_LAYER_KEYS.includes(key)) return 'keras.layers'; // a wrapper's inner layers
  return null;
}

/**
 * A layer's Keras 3 serialization from its Keras 2 form: the objects it holds (initializers, regularizers,
 * constraints, a wrapper's layers) in the same form, its dtype given, the first layer's batch_input_shape left to
 * the InputLayer before it; `inputShape` (the batch axis null): its build_config.
 */
function keras3Layer(json: { class_name: unknown; config: unknown }, inputShape: (number | null)[] | null): Json {
  const { batch_input_shape: _, ...config } = json.config as Json;
  for (const [key, v] of Object.entries(config)) {
    const module = moduleOf(key);
    if (!module || !isKerasObject(v)) continue;
    config[key] = module === 'keras.layers' ? keras3Layer(v, null) : keras3Object(module, v);
  }
  config.dtype ??= 'float32';
  KERAS3_SPELLING[String(json.class_name)]?.(config);
  const layer = keras3Object('keras.layers', { class_name: json.class_name, config });
  if (inputShape) layer.build_config = { input_shape: inputShape };
  return layer;
}

/**
 * The model's Keras 3 config.json: a Sequential whose layers are its InputLayer (the first layer's batch shape) and
 * each layer with its build_config, and, compiled, its compile_config (optimizer, loss, metrics).
 */
export function keras3ModelConfig(model: Sequential): Json {
  const batchShape = [null, ...model.layers[0].inputShape];
  const input = keras3Object('keras.layers', {
    class_name: 'InputLayer', config: { batch_shape: batchShape, dtype: 'float32', sparse: false, name: 'input_layer' },
  });
  const layers = model.layers.map((l) => keras3Layer(layerToJson(l), [null, ...l.inputShape]));
  const config: Json = {
    module: 'keras', class_name: 'Sequential',
    config: { name: model.name, trainable: true, dtype: 'float32', layers: [input, ...layers], build_input_shape: batchShape },
    registered_name: null, build_config: { input_shape: batchShape },
  };
  const tc = trainingConfig(model);
  if (tc) {
    const loss = kerasLoss(tc);
    config.compile_config = {
      optimizer: keras3Optimizer(tc),
      loss: isKerasObject(loss) ? keras3Object('keras.losses', loss) : loss,
      loss_weights: null, metrics: kerasMetrics(tc), weighted_metrics: null, run_eagerly: false, steps_per_execution: 1, jit_compile: false,
    };
  }
  return config;
}

/** The model's Keras 3 metadata.json. */
export function keras3Metadata(now = new Date()): Json {
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}@${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}`;
  return { keras_version: KERAS3_VERSION, date_saved: date };
}
