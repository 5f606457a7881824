// Keras' weight constraints: MaxNorm, UnitNorm, MinMaxNorm and NonNeg — one registry (class name → its options
// with Keras' defaults, in the saved config's snake_case) that the factories (sn.constraints.maxNorm({ maxValue:
// 3 })), the names layers take ('maxNorm', Keras' 'max_norm') and the saved form ({ class_name, config }) all
// read. As in Keras, the optimizer projects a constrained weight after each of its updates
// (assembly/constraints.ts holds the kernels; Network.trainStep applies them). The norm constraints scale
// each slice of the weight along `axis` (Keras' default 0: a Dense kernel's column, one per unit; [0, 1, 2] for
// a Conv2D kernel's filter; null: the whole weight, as Keras' axis=None) to a norm within bounds:
// w · desired / (ε + ‖w‖), ε = 1e-7 as Keras' epsilon().
import { checkOptions, savedClass, show } from '../format.js';

type Options = Record<string, number | number[] | null>;

interface Entry {
  /** Options and their Keras defaults, snake_case as saved; axis may be a list. */
  defaults: Options;
  /** The bounds [min, max] and rate of the norm a slice is scaled to; null: NonNeg. */
  bounds: ((o: Options) => [number, number, number]) | null;
}

export const CONSTRAINTS = {
  MaxNorm: { defaults: { max_value: 2, axis: 0 }, bounds: (o) => [0, o.max_value as number, 1] },
  UnitNorm: { defaults: { axis: 0 }, bounds: () => [1, 1, 1] },
  MinMaxNorm: { defaults: { min_value: 0, max_value: 1, rate: 1, axis: 0 }, bounds: (o) => [o.min_value as number, o.max_value as number, o.rate as number] },
  NonNeg: { defaults: {}, bounds: null },
} satisfies Record<string, Entry>;

export type ConstraintClass = keyof typeof CONSTRAINTS;
const CLASSES = Object.keys(CONSTRAINTS) as ConstraintClass[];

/** A constraint as model.json holds it. */
export interface ConstraintJson { class_name: ConstraintClass; config: Options }

export interface Constraint {
  readonly className: ConstraintClass;
  /** The norm's axes, as given (Keras counts them on the weight's shape; negative from the end); null: all of them. */
  readonly axis: readonly number[] | null;
  /** [min, max, rate] of the norm constraints; null for NonNeg. */
  readonly bounds: readonly [number, number, number] | null;
  config(): ConstraintJson;
}

/**
 * What a layer's kernelConstraint (biasConstraint, ...) takes: a Constraint (sn.constraints.maxNorm(...)), a
 * name (tfjs' 'maxNorm', 'unitNorm', 'minMaxNorm', 'nonNeg'; Keras' 'max_norm' ...; the class names) with the
 * defaults, the saved { class_name, config } form, or a tfjs constraint object (tf.constraints.maxNorm(...)).
 */
export type ConstraintSpec = Constraint | string | { class_name?: string; className?: string; config?: Record<string, unknown> }
  | { getClassName(): string; getConfig(): Record<string, unknown> };

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Options with snake_case keys (camelCase accepted too); one given both ways is refused. */
function snakeKeys(options: object, cls: string, what: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    const key = snake(k);
    if (key in out) throw new Error(`${what}: ${cls}'s ${key} is given twice (as ${k} too)`);
    out[key] = v;
  }
  return out;
}
const SUPPORTED = "sn.constraints.maxNorm({ maxValue, axis }), unitNorm({ axis }), minMaxNorm({ minValue, maxValue, rate, axis }), nonNeg(), their names ('maxNorm', Keras' 'max_norm', ...) or a saved { class_name, config }";

const camel = (k: string): string => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * A constraint of class `cls` with `given` options (snake_case keys) over the defaults; `what` names it in errors,
 * which name options in camelCase (`camelCase`: given to a factory) or as a saved config spells them.
 */
function make(cls: ConstraintClass, given: Record<string, unknown>, what: string, camelCase = false): Constraint {
  const name = camelCase ? camel : (k: string) => k;
  const e: Entry = CONSTRAINTS[cls];
  const o: Options = { ...e.defaults };
  for (const [k, v] of Object.entries(given)) {
    if (!(k in e.defaults)) {
      const valid = Object.keys(e.defaults);
      throw new Error(`${what}: ${cls} has no option ${name(k)}; ${valid.length ? `it takes ${valid.map(name).join(', ')}` : 'it takes none'}`);
    }
    if (k === 'axis' && v === null) { o.axis = null; continue; } // Keras' axis=None: the whole weight
    if (v === undefined || v === null) continue;
    if (k === 'axis') {
      const axes = Array.isArray(v) ? v : [v];
      if (axes.length === 0 || !axes.every((a) => Number.isInteger(a))) throw new Error(`${what}: ${cls}'s axis must be an integer or a list of them, got ${show(v)}`);
      o.axis = Array.isArray(v) ? [...axes as number[]] : v as number;
    } else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new Error(`${what}: ${cls}'s ${name(k)} must be a finite number >= 0, got ${show(v)}`);
    } else o[k] = v;
  }
  const bounds = e.bounds ? e.bounds(o) : null;
  if (bounds && bounds[0] > bounds[1]) throw new Error(`${what}: ${cls}'s ${name('min_value')} ${bounds[0]} is above its ${name('max_value')} ${bounds[1]}`);
  if (bounds && bounds[2] > 1) throw new Error(`${what}: ${cls}'s rate must be in [0, 1], got ${bounds[2]}`);
  const axis = 'axis' in o && o.axis !== null ? (Array.isArray(o.axis) ? o.axis : [o.axis as number]) : null;
  if (axis && new Set(axis).size !== axis.length) throw new Error(`${what}: ${cls}'s axis ${show(o.axis)} names an axis twice`);
  return Object.freeze({
    className: cls, axis, bounds,
    config: (): ConstraintJson => ({ class_name: cls, config: { ...o, ...(Array.isArray(o.axis) ? { axis: [...o.axis] } : {}) } }),
  });
}

function factory(cls: ConstraintClass, fn: string) {
  // a factory takes camelCase options, as every simdnet factory (a saved config's snake_case is for files)
  const valid = Object.keys(CONSTRAINTS[cls].defaults).map(camel);
  return (args?: Record<string, unknown>): Constraint => {
    checkOptions(fn, args, valid);
    return make(cls, snakeKeys(args ?? {}, cls, fn), fn, true);
  };
}

/** Keras' MaxNorm / tfjs' tf.constraints.maxNorm: each slice's norm along axis at most maxValue (2). */
export const maxNorm = factory('MaxNorm', 'constraints.maxNorm') as (args?: { maxValue?: number; axis?: number | number[] }) => Constraint;
/** Keras' UnitNorm / tfjs' unitNorm: each slice along axis scaled to norm 1. */
export const unitNorm = factory('UnitNorm', 'constraints.unitNorm') as (args?: { axis?: number | number[] }) => Constraint;
/** Keras' MinMaxNorm / tfjs' minMaxNorm: each slice's norm moved rate of the way into [minValue, maxValue]. */
export const minMaxNorm = factory('MinMaxNorm', 'constraints.minMaxNorm') as
  (args?: { minValue?: number; maxValue?: number; rate?: number; axis?: number | number[] }) => Constraint;
/** Keras' NonNeg / tfjs' nonNeg: negative values set to 0. */
export const nonNeg = factory('NonNeg', 'constraints.nonNeg') as () => Constraint;

/** sn.constraints: tfjs' tf.constraints, for a layer's kernelConstraint and the like. */
export const constraints = { maxNorm, unitNorm, minMaxNorm, nonNeg };

const isConstraint = (v: unknown): v is Constraint =>
  typeof v === 'object' && v !== null && typeof (v as Constraint).config === 'function' && 'className' in v && 'bounds' in v;


/** A class by any of its names: MaxNorm, maxNorm, max_norm, maxnorm. */
const byName = (name: string): ConstraintClass | undefined => CLASSES.find((c) => c.toLowerCase() === name.replace(/_/g, '').toLowerCase());

/** A layer option or saved config as a Constraint; null / undefined: none. `what` names the option in errors. */
export function getConstraint(spec: unknown, what: string): Constraint | null {
  if (spec === undefined || spec === null) return null;
  if (isConstraint(spec)) return spec;
  if (typeof spec === 'string') {
    const cls = byName(spec);
    if (!cls) throw new Error(`${what}: unknown constraint ${show(spec)}; simdnet has ${SUPPORTED}`);
    return make(cls, {}, what);
  }
  // the saved form, or tfjs' own object (tf.constraints.maxNorm())
  const { cls: name, config } = savedClass(spec, 'constraint', what, SUPPORTED);
  const cls = byName(name);
  if (!cls) throw new Error(`${what}: constraint ${name} is not supported; simdnet has ${SUPPORTED}`);
  return make(cls, snakeKeys(config, cls, what), what);
}

/**
 * A norm constraint's axes on a weight of `shape`, as the [outer, reduced, inner] blocks the kernel walks: the
 * axes must be one run of consecutive axes (every Keras use: 0, -1, [0, 1, 2]); others are refused.
 */
export function normBlocks(c: Constraint, shape: readonly number[], what: string): [number, number, number] {
  const rank = Math.max(1, shape.length), dims = shape.length ? shape : [1];
  const given = c.config().config.axis;
  if (c.axis === null) return [1, dims.reduce((a, b) => a * b, 1), 1]; // every axis: one norm for the weight
  const axes = c.axis.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  if (axes.some((a) => a < 0 || a >= rank)) throw new Error(`${what}: ${c.className}'s axis ${show(given)} is outside a weight of shape [${shape.join(', ')}]`);
  if (new Set(axes).size !== axes.length) throw new Error(`${what}: ${c.className}'s axis ${show(given)} names an axis of the weight (shape [${shape.join(', ')}]) twice`);
  if (axes[axes.length - 1] - axes[0] !== axes.length - 1) {
    throw new Error(`${what}: ${c.className}'s axis ${show(given)} are not consecutive axes of the weight (shape [${shape.join(', ')}]); simdnet takes one run of axes`);
  }
  const prod = (from: number, to: number) => dims.slice(from, to).reduce((a, b) => a * b, 1);
  return [prod(0, axes[0]), prod(axes[0], axes[axes.length - 1] + 1), prod(axes[axes.length - 1] + 1, rank)];
}
