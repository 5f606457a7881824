// The Keras / tfjs "layers-model" JSON of a model: its `modelTopology` (class name and layer configs) and
// training config, written as tfjs-layers 4.22 writes them and read as Keras or tfjs write them. Layers and
// optimizers supply their own configs (their registries); this file only assembles and takes apart.
import { Sequential } from '../engine/sequential.js';
import { checkLoss, Loss, lossByName, lossConfigName, lossKerasClass, takesLogits, tfjsKnowsLoss, type LossName } from '../engine/losses.js';
import { tfjsKnowsMetric } from '../engine/metrics.js';
import type { Optimizer } from '../engine/optimizer.js';
import { training, trainingLoaded } from '../engine/training-part.js';
import { camelKey, INNER_LAYER_KEYS, isObject } from '../layers/config.js';
import type { Layer } from '../layers/layer.js';
import { layerFromConfig } from '../layers/registry.js';
import { checkOptions, show } from '../format.js';
import type { Tensor } from '../tensor.js';

/** What tfjs-layers 4.22 writes as keras_version / backend. */
export const KERAS_VERSION = 'tfjs-layers 4.22.0';
export const KERAS_BACKEND = 'tensor_flow.js';

type Json = Record<string, unknown>;

/** `class_name` (Keras / model.json) or `className` (tfjs in memory). */
export function classNameOf(entry: unknown): unknown {
  return isObject(entry) ? entry.class_name ?? entry.className : undefined;
}

/** One layer as { class_name, config } in model.json. */
export function layerToJson(layer: Layer): { class_name: string; config: Json } {
  const config: Json = savedSpelling({ ...layer.getConfig() });
  if (config.batch_input_shape !== undefined) config.dtype = 'float32';
  return { class_name: layer.className, config };
}

/**
 * Names every reader knows, in a layer's config and a wrapper's inner layers': Keras 3's silu is saved as swish
 * (tfjs and tf.keras 2 have no silu; Keras 3 reads swish as silu).
 */
function savedSpelling(config: Json): Json {
  if (config.activation === 'silu') config.activation = 'swish';
  for (const key of INNER_LAYER_KEYS) {
    const inner = config[key];
    if (isObject(inner) && isObject(inner.config)) config[key] = { ...inner, config: savedSpelling({ ...inner.config }) };
  }
  return config;
}

/**
 * The model's weights (getWeights order), refused when one holds NaN or an infinity: loadModel refuses such a
 * model, so writing it could only replace a good file with one that cannot be used (after a diverged fit).
 */
export function savableWeights(model: Sequential, fn: string): Tensor[] {
  model.refuseNonFiniteWeights(fn);
  return model.getWeights();
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

/**
 * The training config of a compiled model, as tfjs' LayersModel.getTrainingConfig() writes it (tfjs puts
 * it in model.json beside `modelTopology` as `trainingConfig`); null if the model is not compiled.
 */
export function trainingConfig(model: Sequential): Json | null {
  if (!model.optimizer || !model.loss) return null;
  // with from_logits, the loss as Keras saves a loss object (tf.loadLayersModel cannot compile it: tfjsCanCompile); the
  // reduction both Keras 3 (which refuses tf.keras' 'auto') and tf.keras 2 take
  const loss = model.fromLogits
    ? { class_name: lossKerasClass(model.loss), config: { name: lossConfigName(model.loss), from_logits: true, reduction: 'sum_over_batch_size' } }
    : lossConfigName(model.loss);
  return { loss, metrics: [...model.metrics], optimizer_config: model.optimizer.toConfig() };
}

/**
 * Whether tf.loadLayersModel can compile from this training config: it fails on losses, metrics and optimizers it
 * lacks, and on saved optimizer state (`withState`) its Adamax cannot set.
 */
export function tfjsCanCompile(tc: Json, withState = false): boolean {
  const loss = lossByName(tc.loss);
  const opt = isObject(tc.optimizer_config) ? training('saving a training config').optimizerClass(String(tc.optimizer_config.class_name)) : undefined;
  const tfjs = opt?.tfjs ?? null;
  const metricsOk = !Array.isArray(tc.metrics) || tc.metrics.every(tfjsKnowsMetric);
  return loss !== undefined && tfjsKnowsLoss(loss) && metricsOk && (!isObject(tc.optimizer_config) || tfjs === 'with state' || (tfjs === 'without state' && !withState));
}

function lossName(v: unknown): string {
  if (typeof v === 'string') return v;
  const cls = classNameOf(v);
  if (typeof cls === 'string') return cls;
  throw new Error(`loss must be a single loss name (multi-output models are not supported), got ${show(v)}`);
}

/** { optimizer, loss, metrics } for model.compile() from a tfjs / Keras training config. */
export function compileArgsFromConfig(tc: unknown): { optimizer: Optimizer; loss: LossName | Loss; metrics: string[] } {
  if (!isObject(tc)) throw new Error(`the training config must be an object, got ${show(tc)}`);
  for (const k of ['weighted_metrics', 'loss_weights', 'sample_weight_mode']) {
    if (tc[k] !== undefined && tc[k] !== null) throw new Error(`training config option ${k} is not supported`);
  }
  const loss = checkLoss(lossByName(lossName(tc.loss)) ?? camelKey(lossName(tc.loss)));
  const raw = tc.metrics;
  const list: unknown[] = Array.isArray(raw) ? raw.flat() : isObject(raw) ? Object.values(raw) : raw == null ? [] : [raw];
  const metrics = list.map((m) => {
    if (typeof m === 'string') return m;
    if (isObject(m) && isObject(m.config) && typeof m.config.name === 'string') return m.config.name;
    throw new Error(`unsupported metric ${show(m)}`);
  });
  const lossConfig = isObject(tc.loss) && isObject(tc.loss.config) ? tc.loss.config : {};
  if (lossConfig.from_logits === true && !takesLogits(loss)) throw new Error(`loss ${lossName(tc.loss)} with from_logits: true is not supported (only the cross-entropies take logits)`);
  if (typeof lossConfig.label_smoothing === 'number' && lossConfig.label_smoothing !== 0) throw new Error(`loss ${lossName(tc.loss)} with label_smoothing is not supported`);
  // options that change the loss: simdnet computes the mean over the batch, over the last axis, every class counted
  if (lossConfig.reduction != null && !['auto', 'sum_over_batch_size'].includes(String(lossConfig.reduction))) {
    throw new Error(`loss ${lossName(tc.loss)} with reduction ${show(lossConfig.reduction)} is not supported (simdnet's losses are the mean over the batch: 'sum_over_batch_size')`);
  }
  if (lossConfig.ignore_class != null) throw new Error(`loss ${lossName(tc.loss)} with ignore_class ${show(lossConfig.ignore_class)} is not supported`);
  if (lossConfig.axis != null && lossConfig.axis !== -1) throw new Error(`loss ${lossName(tc.loss)} with axis ${show(lossConfig.axis)} is not supported (the last axis only)`);
  // tf.keras 2.11+ saves its built-in optimizers as 'Custom>Adam'
  const opt = tc.optimizer_config;
  const optimizerConfig = isObject(opt) && typeof opt.class_name === 'string' ? { ...opt, class_name: opt.class_name.replace(/^Custom>/, '') } : opt;
  return { optimizer: training('compiling from a training config').optimizerFromConfig(optimizerConfig),
    loss: lossConfig.from_logits === true ? new Loss(loss, true) : loss, metrics };
}

/** Model classes whose config lists layers with their inbound nodes (Keras 2.2-2.3 and tfjs: Model; TF 2.4+ and Keras 3: Functional). */
const FUNCTIONAL = ['Functional', 'Model'];

/** A layer name from a tensor reference: [name, node, tensor(, kwargs)] (Keras 2 / tfjs) or Keras 3's __keras_tensor__. */
function tensorSource(ref: unknown): string | undefined {
  if (Array.isArray(ref) && typeof ref[0] === 'string') return ref[0];
  if (isObject(ref) && isObject(ref.config) && Array.isArray(ref.config.keras_history)) return String(ref.config.keras_history[0]);
  return undefined;
}

/** Every layer a node reads: Keras 2 / tfjs nodes are lists of tensor references, Keras 3 nodes { args, kwargs }. */
function nodeInputs(node: unknown, where: string): string[] {
  const found: string[] = [];
  const collect = (v: unknown): void => {
    const name = tensorSource(v);
    if (name !== undefined) found.push(name);
    else if (Array.isArray(v)) v.forEach(collect);
  };
  if (isObject(node)) {
    collect(node.args);
    const kwargs = isObject(node.kwargs) ? node.kwargs : {};
    for (const [k, v] of Object.entries(kwargs)) {
      // call arguments that change nothing at inference (training flags, no mask)
      if (!((k === 'training' && (typeof v === 'boolean' || v == null)) || (k === 'mask' && v == null))) {
        throw new Error(`${where} is called with the argument ${k} = ${show(v)}, which simdnet does not support`);
      }
    }
  } else if (Array.isArray(node)) collect(node);
  else throw new Error(`${where} has an unreadable inbound node ${show(node)}`);
  return found;
}

/** The layer entries of a Functional config that is a plain chain (each layer reads the one before), in order. */
function chainLayers(cls: string, config: Json, where: string): unknown[] {
  const layers = Array.isArray(config.layers) ? config.layers : [];
  const byName = new Map<string, unknown>();
  const consumers = new Map<string, string[]>();
  const source = new Map<string, string>();
  for (const l of layers) {
    const name = isObject(l) ? (typeof l.name === 'string' ? l.name : isObject(l.config) ? l.config.name : undefined) : undefined;
    if (typeof name !== 'string') throw new Error(`${where}: a layer of the ${cls} model has no name: ${show(l)}`);
    const lc = classNameOf(l);
    if (typeof lc === 'string' && (lc === 'Sequential' || FUNCTIONAL.includes(lc))) {
      throw new Error(`${where}: layer '${name}' is a nested ${lc} model; simdnet loads only a chain of layers (no models inside models)`);
    }
    byName.set(name, l);
    const nodes = isObject(l) && Array.isArray(l.inbound_nodes) ? l.inbound_nodes : [];
    if (nodes.length > 1) throw new Error(`${where}: layer '${name}' is called ${nodes.length} times (a shared layer); simdnet loads only a chain of layers`);
    if (nodes.length === 0) continue;
    const inputs = nodeInputs(nodes[0], `${where}: layer '${name}'`);
    if (inputs.length !== 1) {
      throw new Error(`${where}: layer '${name}' (${show(lc)}) takes ${inputs.length} inputs (${inputs.join(', ')}); simdnet loads only a chain of single-input layers`);
    }
    source.set(name, inputs[0]);
    consumers.set(inputs[0], [...(consumers.get(inputs[0]) ?? []), name]);
  }
  const ends = (key: string): string[] => {
    const v = config[key];
    const refs = Array.isArray(v) && typeof v[0] === 'string' ? [v] : Array.isArray(v) ? v : [];
    return refs.map((r) => tensorSource(r) ?? show(r));
  };
  const inputs = ends('input_layers'), outputs = ends('output_layers');
  if (inputs.length !== 1 || outputs.length !== 1) {
    throw new Error(`${where}: the ${cls} model has ${inputs.length} inputs and ${outputs.length} outputs; simdnet loads only a chain with one input and one output`);
  }
  const order = [inputs[0]];
  for (let cur = inputs[0]; cur !== outputs[0];) {
    const next = consumers.get(cur) ?? [];
    if (next.length !== 1) {
      throw new Error(`${where}: the ${cls} model is not a chain: ${next.length ? `layer '${cur}' feeds ${next.join(', ')}` : `nothing reads layer '${cur}' before the output '${outputs[0]}'`}; simdnet loads only a chain of single-input layers`);
    }
    cur = next[0];
    order.push(cur);
    if (order.length > layers.length) throw new Error(`${where}: the ${cls} model has a cycle`);
  }
  const unused = [...byName.keys()].filter((n) => !order.includes(n));
  if (unused.length) throw new Error(`${where}: the ${cls} model has layers off the chain from input to output: ${unused.join(', ')}`);
  return order.map((n) => {
    if (!byName.has(n)) throw new Error(`${where}: the ${cls} model refers to a layer '${n}' it does not list`);
    return byName.get(n);
  });
}

/**
 * Layers of a Sequential topology, or of a Functional one that is a plain chain (Keras' `model_config`
 * wrapper and a leading InputLayer handled).
 */
function topologyLayers(topology: unknown, where: string): { name?: string; entries: { cls: unknown; config: Json }[] } {
  let t = topology;
  if (isObject(t) && isObject(t.model_config)) t = t.model_config;
  if (!isObject(t)) throw new Error(`${where}: modelTopology must be an object, got ${show(t)}`);
  const cls = classNameOf(t);
  const config = t.config;
  let rawLayers: unknown;
  if (cls === 'Sequential') rawLayers = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  else if (typeof cls === 'string' && FUNCTIONAL.includes(cls) && isObject(config)) rawLayers = chainLayers(cls, config, where);
  else throw new Error(`${where}: the model is a ${show(cls)}; simdnet loads Sequential models and Functional models that are a chain of layers`);
  if (!Array.isArray(rawLayers) || rawLayers.length === 0) throw new Error(`${where}: the ${cls} model has no layers`);
  const name = isObject(config) && typeof config.name === 'string' ? config.name : undefined;
  const entries: { cls: unknown; config: Json }[] = [];
  let inputShape: unknown;
  rawLayers.forEach((l: unknown, i) => {
    const c = isObject(l) && isObject(l.config) ? { ...l.config } : {};
    const lc = classNameOf(l);
    if (lc === 'InputLayer' && i === 0) {
      for (const k of ['sparse', 'ragged']) if (c[k] === true) throw new Error(`${where}: the InputLayer takes ${k} tensors, which simdnet does not support`);
      inputShape = c.batch_input_shape ?? c.batch_shape ?? c.batchInputShape;
      return;
    }
    if (inputShape !== undefined && entries.length === 0 && c.batch_input_shape == null && c.batch_shape == null && c.batchInputShape == null) {
      c.batch_input_shape = inputShape;
    }
    entries.push({ cls: lc, config: c });
  });
  if (entries.length === 0) throw new Error(`${where}: the ${cls} model has no layers but its input`);
  return { name, entries };
}

/**
 * A Sequential model from a topology: layers built (shapes known), nothing allocated yet, so the weights
 * can be checked against the layers before any memory is spent on them.
 */
export function modelFromTopology(topology: unknown, where: string): Sequential {
  const { name, entries } = topologyLayers(topology, where);
  const model = new Sequential({ name });
  entries.forEach(({ cls, config }, i) => {
    try {
      if (typeof cls !== 'string') throw new Error(`has no class_name: ${show(config)}`);
      model.add(layerFromConfig(cls, config));
    } catch (e) {
      throw new Error(`${where}: layer ${i}: ${(e as Error).message}`);
    }
  });
  return model;
}

/** Compiles the model with a tfjs / Keras training config. */
export function compileFromConfig(model: Sequential, tc: unknown, where: string, compile = true): void {
  if (!compile) {
    // uncompiled, the model still gives logits if it was trained from them: predictClasses judges a logit at 0
    if (isObject(tc) && isObject(tc.loss) && isObject(tc.loss.config) && tc.loss.config.from_logits === true) model.outputsLogits();
    return;
  }
  training(`${where}: { compile: true }`); // under simdnet/predict: where training is, not a training config error
  try {
    model.compile(compileArgsFromConfig(tc));
  } catch (e) {
    throw new Error(`${where}: training config: ${(e as Error).message.replace(/^compile: /, '')} ` +
      '(to use the model without it, as Keras\' load_model(compile=False): sn.loadModel(source, { compile: false }))');
  }
}

/** loadModel's options, as Keras' load_model takes them. */
export interface LoadOptions {
  /**
   * Compile the model with the training config saved in the file (loss, metrics, optimizer and its state), as
   * Keras does (default true; simdnet/predict, which has no training, loads uncompiled); false loads the layers
   * and weights alone — for predict, or to compile afresh.
   */
  compile?: boolean;
}

/** Checked loadModel options, defaults filled in. */
export function loadOptions(fn: string, options: unknown): Required<LoadOptions> {
  checkOptions(fn, options, ['compile']);
  const compile = (options as LoadOptions | undefined)?.compile;
  if (compile !== undefined && typeof compile !== 'boolean') throw new Error(`${fn}: compile must be true or false, got ${show(compile)}`);
  return { compile: compile ?? trainingLoaded() };
}
