// The Keras / tfjs "layers-model" JSON of a model: its `modelTopology` (class name and layer configs) and
// training config, written as tfjs-layers 4.22 writes them and read as Keras or tfjs write them. Layers and
// optimizers supply their own configs (their registries); this file only assembles and takes apart.
import { Sequential } from '../engine/sequential.js';
import { checkLoss, lossByName, lossConfigName, tfjsKnowsLoss } from '../engine/losses.js';
import { optimizerFromConfig, type Optimizer } from '../engine/optimizers.js';
import { camelKey, isObject } from '../layers/config.js';
import type { Layer } from '../layers/layer.js';
import { layerFromConfig } from '../layers/registry.js';
import { show } from '../format.js';

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
  const config: Json = { ...layer.getConfig() };
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

/**
 * The training config of a compiled model, as tfjs' LayersModel.getTrainingConfig() writes it (tfjs puts
 * it in model.json beside `modelTopology` as `trainingConfig`); null if the model is not compiled.
 */
export function trainingConfig(model: Sequential): Json | null {
  if (!model.optimizer || !model.loss) return null;
  return { loss: lossConfigName(model.loss), metrics: [...model.metrics], optimizer_config: model.optimizer.toConfig() };
}

/** Whether tf.loadLayersModel can compile from this training config (it fails on losses it lacks). */
export function tfjsCanCompile(tc: Json): boolean {
  const loss = lossByName(tc.loss);
  return loss !== undefined && tfjsKnowsLoss(loss);
}

function lossName(v: unknown): string {
  if (typeof v === 'string') return v;
  const cls = classNameOf(v);
  if (typeof cls === 'string') return cls;
  throw new Error(`loss must be a single loss name (multi-output models are not supported), got ${show(v)}`);
}

/** { optimizer, loss, metrics } for model.compile() from a tfjs / Keras training config. */
export function compileArgsFromConfig(tc: unknown): { optimizer: Optimizer; loss: string; metrics: string[] } {
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
  return { optimizer: optimizerFromConfig(tc.optimizer_config), loss, metrics };
}

/** Layers of a Sequential topology (Keras' `model_config` wrapper and leading InputLayer handled). */
function topologyLayers(topology: unknown, where: string): { name?: string; entries: { cls: unknown; config: Json }[] } {
  let t = topology;
  if (isObject(t) && isObject(t.model_config)) t = t.model_config;
  if (!isObject(t)) throw new Error(`${where}: modelTopology must be an object, got ${show(t)}`);
  const cls = classNameOf(t);
  if (cls !== 'Sequential') throw new Error(`${where}: the model is a ${show(cls)}; simdnet loads only Sequential models`);
  const config = t.config;
  const rawLayers = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(rawLayers) || rawLayers.length === 0) throw new Error(`${where}: the Sequential model has no layers`);
  const name = isObject(config) && typeof config.name === 'string' ? config.name : undefined;
  const entries: { cls: unknown; config: Json }[] = [];
  let inputShape: unknown;
  rawLayers.forEach((l: unknown, i) => {
    const c = isObject(l) && isObject(l.config) ? { ...l.config } : {};
    const lc = classNameOf(l);
    if (lc === 'InputLayer' && i === 0) {
      inputShape = c.batch_input_shape ?? c.batch_shape ?? c.batchInputShape;
      return;
    }
    if (inputShape !== undefined && entries.length === 0 && c.batch_input_shape == null && c.batch_shape == null && c.batchInputShape == null) {
      c.batch_input_shape = inputShape;
    }
    entries.push({ cls: lc, config: c });
  });
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
export function compileFromConfig(model: Sequential, tc: unknown, where: string): void {
  try {
    model.compile(compileArgsFromConfig(tc));
  } catch (e) {
    throw new Error(`${where}: training config: ${(e as Error).message.replace(/^compile: /, '')}`);
  }
}
