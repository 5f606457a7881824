// Keras' weight regularizers: L1, L2 and L1L2 — one registry (class name → its factors' defaults) that the
// factories (sn.regularizers.l2({ l2: 1e-4 })), the names layers take ('l2') and the saved form
// ({ class_name, config }, as tfjs and Keras write it in a layer's config) all read. A regularizer adds
// l1·Σ|w| + l2·Σw² of its weight to the loss, and its gradient to the weight's (assembly/regularizers.ts);
// the engine applies them (Network.regularize). Activity regularizers are not here: layers refuse them by name
// (weight constraints are in constraints.ts).
import { checkOptions, savedClass, show } from '../format.js';

/** A regularizer as model.json holds it (tfjs writes every one as L1L2). */
export interface RegularizerJson { class_name: string; config: { l1: number; l2: number } }

export interface Regularizer {
  /** The factor of Σ|w|. */
  readonly l1: number;
  /** The factor of Σw². */
  readonly l2: number;
  /** The saved form: { class_name: 'L1L2', config: { l1, l2 } }, which Keras and tfjs both read. */
  config(): RegularizerJson;
}

/**
 * What a layer's kernelRegularizer (biasRegularizer, ...) takes: a Regularizer (sn.regularizers.l1, l2, l1l2),
 * a name (Keras' 'l1' and 'l2', tfjs' 'l1l2': each factor 0.01), or the saved { class_name, config } form.
 */
export type RegularizerSpec = Regularizer | string | { class_name?: string; className?: string; config?: Record<string, unknown> }
  | { getClassName(): string; getConfig(): Record<string, unknown> };

// The factors' defaults by class (Keras' L1(0.01), L2(0.01), L1L2(0, 0)), for saved configs; a name alone takes
// 0.01 for each factor it names (Keras' 'l1', 'l2'; tfjs' 'l1l2', as tfjs' L1L2() defaults).
const CLASSES: Record<string, { l1: number; l2: number }> = {
  L1: { l1: 0.01, l2: 0 },
  L2: { l1: 0, l2: 0.01 },
  L1L2: { l1: 0, l2: 0 },
};
const NAMES: Record<string, { l1: number; l2: number }> = {
  l1: { l1: 0.01, l2: 0 },
  l2: { l1: 0, l2: 0.01 },
  l1l2: { l1: 0.01, l2: 0.01 },
};

/** A factor as Keras checks it: a finite number >= 0. */
function factor(v: unknown, key: string, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Error(`${what}: ${key} must be a finite number >= 0, got ${show(v)}`);
  }
  return v;
}

function make(l1: number, l2: number): Regularizer {
  return Object.freeze({ l1, l2, config: (): RegularizerJson => ({ class_name: 'L1L2', config: { l1, l2 } }) });
}

/** Options of the factories: the factors by name, as tfjs' tf.regularizers.l1({ l1 }) etc., or Keras' l2(0.01). */
function options(args: unknown, keys: readonly string[], fn: string): Record<string, unknown> {
  if (args === undefined || args === null) return {};
  if (typeof args === 'number' && keys.length === 1) return { [keys[0]]: args }; // Keras' positional factor
  if (typeof args === 'number') throw new Error(`${fn}: options must be an object, got ${args} (${keys.map((k) => `${k}: ${args}`).join(' or ')}?)`);
  checkOptions(fn, args, keys); // the shared check: a typo names the option meant
  return args as Record<string, unknown>;
}

/** Keras' L1 / tfjs' tf.regularizers.l1: l1 · Σ|w| (l1 defaults to 0.01); l1(0.01) as Keras' too. */
export function l1(args?: { l1?: number } | number): Regularizer {
  const o = options(args, ['l1'], 'regularizers.l1');
  return make(o.l1 === undefined ? 0.01 : factor(o.l1, 'l1', 'regularizers.l1'), 0);
}

/** Keras' L2 / tfjs' tf.regularizers.l2: l2 · Σw² (l2 defaults to 0.01); l2(0.01) as Keras' too. */
export function l2(args?: { l2?: number } | number): Regularizer {
  const o = options(args, ['l2'], 'regularizers.l2');
  return make(0, o.l2 === undefined ? 0.01 : factor(o.l2, 'l2', 'regularizers.l2'));
}

/** tfjs' tf.regularizers.l1l2 (Keras' L1L2): l1 · Σ|w| + l2 · Σw² (each defaults to 0.01, as tfjs'). */
export function l1l2(args?: { l1?: number; l2?: number }): Regularizer {
  const o = options(args, ['l1', 'l2'], 'regularizers.l1l2');
  return make(o.l1 === undefined ? 0.01 : factor(o.l1, 'l1', 'regularizers.l1l2'), o.l2 === undefined ? 0.01 : factor(o.l2, 'l2', 'regularizers.l1l2'));
}

const isRegularizer = (v: unknown): v is Regularizer =>
  typeof v === 'object' && v !== null && typeof (v as Regularizer).config === 'function' && 'l1' in v && 'l2' in v;

/**
 * A layer option or saved config as a Regularizer; null / undefined: none. `what` names the option
 * ("dense layer 'd1': kernelRegularizer") in errors.
 */
export function getRegularizer(spec: unknown, what: string): Regularizer | null {
  if (spec === undefined || spec === null) return null;
  if (isRegularizer(spec)) return make(factor(spec.l1, 'l1', what), factor(spec.l2, 'l2', what));
  const supported = `'l1', 'l2', 'l1l2', sn.regularizers.l1({ l1 }), l2({ l2 }), l1l2({ l1, l2 }) or a saved { class_name: 'L1' | 'L2' | 'L1L2', config }`;
  if (typeof spec === 'string') {
    const byName = NAMES[spec] ?? NAMES[spec.toLowerCase().replace(/_/g, '')];
    if (!byName) throw new Error(`${what}: unknown regularizer ${show(spec)}; simdnet has ${supported}`);
    return make(byName.l1, byName.l2);
  }
  // the saved form, or tfjs' own object (tf.regularizers.l2())
  const { cls, config: c } = savedClass(spec, 'regularizer', what, supported);
  const defaults = CLASSES[cls];
  if (!defaults) throw new Error(`${what}: regularizer ${cls} is not supported; simdnet has ${supported}`);
  const unknown = Object.keys(c).filter((k) => k !== 'l1' && k !== 'l2');
  if (unknown.length) throw new Error(`${what}: ${cls} has no option ${unknown.join(', ')} (it takes l1 and l2)`);
  if (cls === 'L1' && c.l2 !== undefined && c.l2 !== null && c.l2 !== 0) throw new Error(`${what}: L1 takes l1 only, got l2 = ${show(c.l2)} (use L1L2)`);
  if (cls === 'L2' && c.l1 !== undefined && c.l1 !== null && c.l1 !== 0) throw new Error(`${what}: L2 takes l2 only, got l1 = ${show(c.l1)} (use L1L2)`);
  // a factor absent or null takes the class' default
  return make(c.l1 === undefined || c.l1 === null ? defaults.l1 : factor(c.l1, 'l1', `${what} (${cls})`),
    c.l2 === undefined || c.l2 === null ? defaults.l2 : factor(c.l2, 'l2', `${what} (${cls})`));
}

/** sn.regularizers: tfjs' tf.regularizers (l1, l2, l1l2), for a layer's kernelRegularizer and the like. */
export const regularizers = { l1, l2, l1l2 };
