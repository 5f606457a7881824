// Reading a layer's saved config (model.json / Keras: snake_case keys; camelCase is accepted too). Each
// layer's static fromConfig reads its own keys through a ConfigReader, which remembers what was read so
// options simdnet cannot honour are refused by name instead of being dropped.
import { activationFromConfig, ACTIVATIONS, type ActivationName } from './activations.js';
import { initializerFromConfig, type InitializerSpec } from './initializers.js';
import { getRegularizer } from './regularizers.js';
import { getConstraint } from './constraints.js';
import { camelKey, checkOptions, show } from '../format.js';

type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The config keys under which a wrapper (TimeDistributed, Bidirectional) saves its inner layers' configs. */
export const INNER_LAYER_KEYS: readonly string[] = ['layer', 'forward_layer', 'backward_layer'];

export const snakeKey = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
export { camelKey };

/** name, trainable and input shape: the arguments every layer takes. */
export interface CommonArgs {
  name?: string;
  trainable?: boolean;
  inputShape?: number[];
  batchInputShape?: (number | null)[];
}

/** Keras' automatic layer-name base: the class name in snake_case (Conv2D -> conv2d, SimpleRNN -> simple_rnn). */
export function snakeName(className: string): string {
  return className.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** A layer given by its saved form, as model.json holds it: { class_name, config }. */
export interface LayerJson { class_name: string; config?: Record<string, unknown> }

/**
 * A wrapper's `layer` argument (TimeDistributed, Bidirectional): a layer as is, its saved form made into one through
 * the registry (`edit` may change a copy of the config first), anything else returned for the wrapper's own error.
 */
export function nestedLayerArg(arg: unknown, edit?: (config: Json) => void): unknown {
  if (!isObject(arg) || typeof arg.class_name !== 'string') return arg;
  const config = isObject(arg.config) ? { ...arg.config } : arg.config;
  if (edit && isObject(config)) edit(config);
  return ConfigReader.nestedLayer(arg.class_name, config as Json | undefined);
}

/** 1, or a list of 1s (a dilation rate of none). */
export const isOne = (v: unknown): boolean => v === 1 || (Array.isArray(v) && v.every((d) => d === 1));

/** Refuses a convolution's dilationRate other than 1, naming the factory `fn`. */
export function checkNoDilation(v: unknown, fn: string): void {
  if (v !== undefined && !isOne(v)) throw new Error(`${fn}: dilationRate ${show(v)} is not supported (only 1: simdnet has no dilated convolutions)`);
}

export class ConfigReader {
  /**
   * A layer from its saved form, for wrappers that hold one (TimeDistributed): registry.ts' layerFromConfig, which
   * sets it here (the registry imports every layer class, so a layer module cannot import it).
   */
  static nestedLayer: (className: string, config: Json | undefined) => unknown = () => {
    throw new Error('simdnet: the layer registry is not loaded (import simdnet, not a file inside it)');
  };

  private readonly cfg: Json = {};
  private readonly seen = new Set<string>();
  readonly label: string;

  constructor(readonly className: string, config: Json) {
    for (const [k, v] of Object.entries(config)) this.cfg[snakeKey(k)] = v;
    const name = this.cfg.name;
    this.label = typeof name === 'string' && name ? `${className} layer '${name}'` : `${className} layer`;
  }

  get(key: string): unknown { this.seen.add(key); return this.cfg[key]; }
  has(key: string): boolean { return this.cfg[key] !== undefined && this.cfg[key] !== null; }

  /** The value, or undefined when absent or null (so the layer's default applies). */
  opt<T>(key: string): T | undefined { const v = this.get(key); return v === null ? undefined : v as T | undefined; }

  /** Keys read for their presence only: they do not change the function computed. */
  ignore(...keys: string[]): void { for (const k of keys) this.seen.add(k); }

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

  /**
   * The weights' regularizers and constraints as layer options ({ kernelRegularizer, kernelConstraint, ... } for
   * each of the class' weightOptions prefixes), read from `<prefix>_regularizer` / `<prefix>_constraint`; an
   * activity regularizer (and Keras 3's LoRA) must be absent.
   */
  weightOptions(cls: { readonly weightOptions?: Readonly<Record<string, string>> }): Record<string, unknown> {
    const args: Record<string, unknown> = {};
    for (const w of Object.keys(cls.weightOptions ?? {})) {
      for (const kind of ['Regularizer', 'Constraint']) {
        const v = this.get(`${w}_${kind.toLowerCase()}`);
        if (v !== undefined && v !== null) args[`${w}${kind}`] = v;
      }
    }
    this.expect('activity_regularizer', () => false, 'simdnet has weight regularizers but no activity regularizers; it must be null');
    this.mustBeNull('lora_rank');
    return args;
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
  common(): CommonArgs {
    const args: CommonArgs = {};
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
    const name = activationFromConfig(this.get(key));
    if (name === undefined) throw this.error(key, `simdnet's activations are ${ACTIVATIONS.join(', ')}`);
    return name;
  }

  channelsLast(): void {
    this.expect('data_format', (v) => v === 'channels_last' || v === 'channelsLast',
      "simdnet works in NHWC: data_format must be 'channels_last'");
  }

  /** A convolution's dilation_rate: 1 only. */
  noDilation(): void {
    this.expect('dilation_rate', isOne, 'simdnet has no dilated convolutions; dilation_rate must be 1');
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

/** Options every layer factory takes besides its config's keys (tfjs' LayerArgs that do not change the layer). */
const FACTORY_OPTIONS = ['name', 'trainable', 'inputShape', 'batchInputShape', 'batchSize', 'dtype'];

/** Config keys a layer lists but cannot honour other than null: given a value, they are refused by name. */
const UNSUPPORTED = /^(activityRegularizer|noiseShape)$/;

/** What checkLayerOptions reads of a layer class (layer.ts' LayerClass, which imports this module). */
interface LayerFactoryClass { readonly examples: readonly { args: unknown }[]; readonly factoryOptions?: readonly string[] }

const optionNames = new Map<LayerFactoryClass, string[]>();

/** A layer class's option names: its config's keys (as its first example's config lists them), camelCase. */
function namesOf(cls: LayerFactoryClass): string[] {
  let names = optionNames.get(cls);
  if (!names) {
    const example = new (cls as unknown as new (a: unknown) => { getConfig(): Json })(cls.examples[0]?.args ?? {});
    names = [...new Set([...Object.keys(example.getConfig()).map(camelKey).filter((k) => !UNSUPPORTED.test(k)),
      ...FACTORY_OPTIONS, ...(cls.factoryOptions ?? [])])];
    optionNames.set(cls, names);
  }
  return names;
}

/**
 * Refuses, before the layer is built, what a layer factory was given but the layer would not take: option
 * names outside its config's keys (a typo — a misspelt required one too — would leave a default in place or
 * fail as "missing"), and an activity regularizer or a dropout noise shape with a value, which simdnet does not
 * have.
 */
export function checkLayerOptions(cls: LayerFactoryClass, args: unknown, fn: string): void {
  if (args === undefined || args === null) return;
  if (typeof args !== 'object' || Array.isArray(args)) throw new Error(`${fn}: options must be an object, got ${show(args)}`);
  const named: Json = {};
  for (const [key, value] of Object.entries(args as Json)) {
    if (!UNSUPPORTED.test(key)) { named[key] = value; continue; }
    if (value !== undefined && value !== null) {
      throw new Error(`${fn}: ${key} is not supported: ` + (key === 'noiseShape'
        ? 'simdnet drops each value independently (leave it out)'
        : 'simdnet has weight regularizers (kernelRegularizer, biasRegularizer, ...) but no activity regularizers (leave it out)'));
    }
  }
  checkOptions(fn, named, namesOf(cls));
  // a weight regularizer's or constraint's value, checked here so the error names the factory (the layer checks it again)
  for (const [key, value] of Object.entries(named)) {
    if (/^\w+Regularizer$/.test(key)) getRegularizer(value, `${fn}: ${key}`);
    if (/^\w+Constraint$/.test(key)) getConstraint(value, `${fn}: ${key}`);
  }
}
