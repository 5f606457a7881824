// Keras initialisers: one registry (tfjs names) holding each initialiser's saved class name, its options
// with their defaults, and how it draws values. Reading and writing the saved form ({ class_name, config },
// as tfjs-layers writes it in model.json) derive from the same table.
// Fans follow Keras: for a kernel [..receptive, in, out], fanIn = in * receptive, fanOut = out * receptive.
import { Random } from '../random.js';
import { show } from '../format.js';

type FillFn = (out: Float32Array, shape: readonly number[], rng: Random) => void;
type Options = Record<string, number | string>;

type Mode = 'fan_in' | 'fan_out' | 'fan_avg';
/** 'normal' is the truncated normal (Keras' legacy name, tfjs' only one); 'untruncated_normal' is plain. */
type Distribution = 'uniform' | 'normal' | 'untruncated_normal';
/** Variance scaling: scale, mode, distribution (Keras' VarianceScaling arguments). */
type Variance = [number, Mode, Distribution];

interface Entry {
  /** The class name in model.json (the variance-scaling family is written as VarianceScaling, as tfjs does). */
  className: string;
  variance?: Variance;
  /** Options and their defaults, in the saved config's (snake_case) names. */
  defaults?: Options;
  /** The values a string option takes (snake_case; camelCase is read too). */
  choices?: Record<string, readonly string[]>;
  fill?: (o: Options) => FillFn;
  /** Throws if the initializer cannot fill a weight of this shape (checked when the layer adds it). */
  check?: (shape: readonly number[]) => void;
  /** Draws nothing at random: its config has no seed (Keras' Constant and Identity take none, and refuse one). */
  unseeded?: boolean;
}

// Keras scales the truncated normal of variance scaling by 1/.87962566 so the variance is exact.
const TRUNC_CORRECTION = 0.87962566103423978;

/** Truncated normal (redrawn beyond two standard deviations), as Keras does. */
function truncated(rng: Random, std: number): number {
  for (;;) {
    const v = rng.normal();
    if (Math.abs(v) <= 2) return v * std;
  }
}

const each = (f: (rng: Random) => number): FillFn => (out, _s, rng) => { for (let i = 0; i < out.length; i++) out[i] = f(rng); };

export const INITIALIZERS = {
  zeros: { className: 'Zeros', fill: () => (out) => out.fill(0) },
  ones: { className: 'Ones', fill: () => (out) => out.fill(1) },
  glorotUniform: { className: 'GlorotUniform', variance: [1, 'fan_avg', 'uniform'] },
  glorotNormal: { className: 'GlorotNormal', variance: [1, 'fan_avg', 'normal'] },
  heUniform: { className: 'HeUniform', variance: [2, 'fan_in', 'uniform'] },
  heNormal: { className: 'HeNormal', variance: [2, 'fan_in', 'normal'] },
  lecunUniform: { className: 'LecunUniform', variance: [1, 'fan_in', 'uniform'] },
  lecunNormal: { className: 'LecunNormal', variance: [1, 'fan_in', 'normal'] },
  randomUniform: { className: 'RandomUniform', defaults: { minval: -0.05, maxval: 0.05 }, fill: (o) => each((r) => r.uniform(o.minval as number, o.maxval as number)) },
  randomNormal: { className: 'RandomNormal', defaults: { mean: 0, stddev: 0.05 }, fill: (o) => each((r) => (o.mean as number) + (o.stddev as number) * r.normal()) },
  truncatedNormal: { className: 'TruncatedNormal', defaults: { mean: 0, stddev: 0.05 }, fill: (o) => each((r) => (o.mean as number) + truncated(r, o.stddev as number)) },
  orthogonal: { className: 'Orthogonal', defaults: { gain: 1 }, fill: (o) => (out, shape, rng) => orthogonal(out, shape, rng, o.gain as number) },
  constant: { className: 'Constant', defaults: { value: 0 }, unseeded: true, fill: (o) => (out) => out.fill(o.value as number) },
  identity: {
    className: 'Identity', defaults: { gain: 1 }, unseeded: true, fill: (o) => (out, shape) => identity(out, shape, o.gain as number),
    check: (shape) => { if (shape.length !== 2) throw new Error(`the identity initializer fills 2D weights (a matrix), not shape [${shape.join(', ')}]`); },
  },
  varianceScaling: {
    className: 'VarianceScaling', defaults: { scale: 1, mode: 'fan_in', distribution: 'truncated_normal' },
    choices: { mode: ['fan_in', 'fan_out', 'fan_avg'], distribution: ['truncated_normal', 'untruncated_normal', 'uniform', 'normal'] },
    fill: (o) => varianceScaling([o.scale as number, o.mode as Mode, o.distribution === 'truncated_normal' ? 'normal' : o.distribution as Distribution]),
  },
} satisfies Record<string, Entry>;

export type InitializerName = keyof typeof INITIALIZERS;
const NAMES = Object.keys(INITIALIZERS) as InitializerName[];
const entry = (name: InitializerName): Entry => INITIALIZERS[name];

/** An initialiser as model.json holds it. */
export interface InitializerJson { class_name: string; config: Record<string, number | string | null> }
export type InitializerSpec = InitializerName | { name: InitializerName; [k: string]: number | string } | Initializer;

export interface Initializer {
  readonly name: InitializerName;
  fill(out: Float32Array, shape: readonly number[], rng: Random): void;
  config(): InitializerJson;
  /** Throws, naming the problem, if it cannot fill a weight of this shape. */
  check?(shape: readonly number[]): void;
}

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

function varianceScaling([scale, mode, dist]: Variance): FillFn {
  return (out, shape, rng) => {
    const [fi, fo] = fans(shape);
    const variance = scale / Math.max(1, mode === 'fan_in' ? fi : mode === 'fan_out' ? fo : (fi + fo) / 2);
    if (dist === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
    } else if (dist === 'untruncated_normal') {
      const std = Math.sqrt(variance);
      for (let i = 0; i < out.length; i++) out[i] = std * rng.normal();
    } else {
      const std = Math.sqrt(variance) / TRUNC_CORRECTION;
      for (let i = 0; i < out.length; i++) out[i] = truncated(rng, std);
    }
  };
}

/** A name (tfjs camelCase or Keras snake_case), { name, ...options } or an Initializer, as an Initializer. */
export function getInitializer(spec: InitializerSpec, what: string): Initializer {
  if (typeof spec === 'object' && spec !== null && 'fill' in spec) return spec as Initializer;
  if (typeof spec === 'object' && spec !== null && !('name' in spec) && ('className' in spec || 'class_name' in spec)) {
    // the serialized form, as tfjs takes it too: { className: 'RandomNormal', config: { stddev: 0.1 } }
    let named: InitializerSpec;
    try { named = initializerFromConfig(spec); } catch (e) { throw new Error(`${what}: ${(e as Error).message}`); }
    return getInitializer(named, what);
  }
  const raw = typeof spec === 'string' ? spec : (spec as { name?: unknown } | null)?.name;
  const name = (typeof raw === 'string' ? camel(raw) : raw) as InitializerName;
  if (!NAMES.includes(name)) throw new Error(`${what}: unknown initializer ${show(raw)}; valid: ${NAMES.join(', ')}`);
  const e = entry(name);
  const options: Options = { ...e.defaults };
  if (typeof spec === 'object') {
    for (const [k, v] of Object.entries(spec)) {
      if (k === 'name') continue;
      const key = snake(k);
      if (!(key in options)) throw new Error(`${what}: initializer ${name} has no option ${show(k)}; valid: ${Object.keys(options).join(', ') || 'none'}`);
      const choices = e.choices?.[key];
      if (choices) {
        const value = typeof v === 'string' ? snake(v) : v;
        if (typeof value !== 'string' || !choices.includes(value)) throw new Error(`${what}: initializer ${name} option ${k} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${show(v)}`);
        options[key] = value;
        continue;
      }
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${what}: initializer ${name} option ${k} must be a finite number, got ${show(v)}`);
      if ((key === 'scale' || key === 'stddev') && v < 0) throw new Error(`${what}: initializer ${name} option ${k} must be >= 0, got ${v}`);
      options[key] = v;
    }
  }
  const fill = e.variance ? varianceScaling(e.variance) : e.fill!(options);
  // a truncated normal is written 'normal': what Keras reads as truncated and all tfjs 4.22 knows ('truncatedNormal'
  // would draw uniform values there); 'untruncated_normal' tfjs does not have (it draws uniform values)
  const written = (o: Options): Options => (o.distribution === 'truncated_normal' ? { ...o, distribution: 'normal' } : o);
  const config = (): InitializerJson => e.variance
    ? { class_name: 'VarianceScaling', config: { scale: e.variance[0], mode: e.variance[1], distribution: e.variance[2], seed: null } }
    : { class_name: e.className, config: e.defaults ? { ...written(options), ...(e.unseeded ? {} : { seed: null }) } : {} };
  const check = e.check ? (shape: readonly number[]) => { try { e.check!(shape); } catch (err) { throw new Error(`${what}: ${(err as Error).message}`); } } : undefined;
  return { name, fill, config, check };
}

/**
 * A saved initialiser ({ class_name, config } as Keras or tfjs write it, or a bare name) as a spec.
 * Keras' truncated-normal variance scaling maps to simdnet's normal variants (which draw truncated normals).
 */
export function initializerFromConfig(v: unknown): InitializerSpec {
  const supported = () => NAMES.map((n) => entry(n).className).join(', ');
  if (typeof v === 'string') {
    const byClass = NAMES.find((n) => entry(n).className.toLowerCase() === v.toLowerCase());
    if (byClass) return byClass;
    const name = camel(v) as InitializerName;
    if (NAMES.includes(name)) return name;
    throw new Error(`unknown initializer '${v}'; supported: ${supported()}`);
  }
  const cls = typeof v === 'object' && v !== null ? ((v as Record<string, unknown>).class_name ?? (v as Record<string, unknown>).className) : undefined;
  if (typeof cls !== 'string') throw new Error(`expected an initializer { class_name, config }, got ${show(v)}`);
  const raw = (v as { config?: unknown }).config;
  const c: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(typeof raw === 'object' && raw !== null ? raw : {})) c[snake(k)] = x;
  const num = (k: string, def: number): number => {
    const x = c[k] ?? def;
    if (typeof x !== 'number') throw new Error(`${cls}: ${k} must be a number, got ${show(x)}`);
    return x;
  };
  if (cls === 'VarianceScaling') {
    const scale = num('scale', 1);
    const mode = snake(String(c.mode ?? 'fan_in'));
    // simdnet_distribution: the distribution tfjs cannot hold, kept beside it in simdnet's tfjs files (io/model-files.ts)
    const dist = snake(String(c.simdnet_distribution ?? c.distribution ?? 'normal')).replace(/^truncated_normal$/, 'normal');
    // glorot, he and lecun by name, as tfjs and Keras write them; any other as varianceScaling itself
    const found = NAMES.find((n) => { const s = entry(n).variance; return s && s[0] === scale && s[1] === mode && s[2] === dist; });
    return found ?? { name: 'varianceScaling', scale, mode, distribution: dist };
  }
  if (cls === 'Constant') {
    return { name: 'constant', value: num('value', 0) };
  }
  const name = NAMES.find((n) => entry(n).className.toLowerCase() === cls.toLowerCase()); // tfjs spells LeCunUniform
  if (!name) throw new Error(`unknown initializer '${cls}'; supported: ${supported()}`);
  const e = entry(name);
  if (!e.defaults) return name;
  const spec: { name: InitializerName; [k: string]: number | string } = { name };
  for (const [k, d] of Object.entries(e.defaults)) spec[camel(k)] = typeof d === 'number' ? num(k, d) : String(c[k] ?? d);
  return spec;
}

/** Keras' Identity: gain times the identity matrix (rows by columns; ones on the diagonal as far as it goes). */
function identity(out: Float32Array, shape: readonly number[], gain: number): void {
  const [rows, cols] = shape;
  out.fill(0);
  for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = gain;
}

/**
 * Keras' Orthogonal: a [rows, cols] matrix (rows = product of all but the last axis) with orthonormal rows
 * or columns, whichever are fewer: the Q of a QR factorisation of a normal matrix (here by modified
 * Gram-Schmidt in float64, which gives R a positive diagonal as Keras' sign correction does), times gain.
 */
function orthogonal(out: Float32Array, shape: readonly number[], rng: Random, gain: number): void {
  const cols = shape.length ? shape[shape.length - 1] : 1;
  const rows = out.length / Math.max(1, cols);
  const long = Math.max(rows, cols), short = Math.min(rows, cols);
  // q: `short` vectors of length `long`, orthonormalised in turn
  const q = Array.from({ length: short }, () => Float64Array.from({ length: long }, () => rng.normal()));
  for (let j = 0; j < short; j++) {
    const v = q[j];
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < long; i++) dot += q[k][i] * v[i];
      for (let i = 0; i < long; i++) v[i] -= dot * q[k][i];
    }
    let norm = 0;
    for (let i = 0; i < long; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < long; i++) v[i] /= norm;
  }
  // rows >= cols: the vectors are the columns; otherwise they are the rows
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows >= cols ? q[c][r] : q[r][c]);
  }
}
