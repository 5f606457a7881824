// Keras initialisers (tfjs names). Fans follow Keras: for a kernel [..receptive, in, out],
// fanIn = in * receptive, fanOut = out * receptive.
import { Random } from '../engine/random.js';

export type InitializerName =
  | 'zeros' | 'ones' | 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal'
  | 'lecunUniform' | 'lecunNormal' | 'randomUniform' | 'randomNormal' | 'truncatedNormal' | 'orthogonal';

export interface InitializerConfig { className: string; config: Record<string, number | string | null> }
export type InitializerSpec = InitializerName | { name: InitializerName; [k: string]: number | string } | Initializer;

export interface Initializer {
  readonly name: InitializerName;
  fill(out: Float32Array, shape: readonly number[], rng: Random): void;
  config(): InitializerConfig;
}

const SNAKE_ALIASES: Record<string, InitializerName> = {
  glorot_uniform: 'glorotUniform', glorot_normal: 'glorotNormal', he_uniform: 'heUniform', he_normal: 'heNormal',
  lecun_uniform: 'lecunUniform', lecun_normal: 'lecunNormal', random_uniform: 'randomUniform',
  random_normal: 'randomNormal', truncated_normal: 'truncatedNormal',
};
const CLASS_NAMES: Record<InitializerName, string> = {
  zeros: 'Zeros', ones: 'Ones', glorotUniform: 'GlorotUniform', glorotNormal: 'GlorotNormal', heUniform: 'HeUniform',
  heNormal: 'HeNormal', lecunUniform: 'LecunUniform', lecunNormal: 'LecunNormal', randomUniform: 'RandomUniform',
  randomNormal: 'RandomNormal', truncatedNormal: 'TruncatedNormal', orthogonal: 'Orthogonal',
};

export function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/** Truncated normal (redrawn beyond two standard deviations), as Keras does. */
function truncated(rng: Random, std: number): number {
  for (;;) {
    const v = rng.normal();
    if (Math.abs(v) <= 2) return v * std;
  }
}

// Keras scales the truncated normal of variance scaling by 1/.87962566 so the variance is exact.
const TRUNC_CORRECTION = 0.87962566103423978;

export function getInitializer(spec: InitializerSpec, what: string): Initializer {
  if (typeof spec === 'object' && 'fill' in spec) return spec as Initializer;
  const raw = typeof spec === 'string' ? spec : spec?.name;
  const name = (SNAKE_ALIASES[raw as string] ?? raw) as InitializerName;
  const opts = (typeof spec === 'object' ? spec : {}) as Record<string, number>;
  if (!(name in CLASS_NAMES)) {
    throw new Error(`${what}: unknown initializer '${raw}'; valid: ${Object.keys(CLASS_NAMES).join(', ')}`);
  }
  const scaled = (mode: 'fanIn' | 'fanAvg', scale: number, dist: 'uniform' | 'normal'): Initializer['fill'] =>
    (out, shape, rng) => {
      const [fi, fo] = fans(shape);
      const n = mode === 'fanIn' ? fi : (fi + fo) / 2;
      const variance = scale / Math.max(1, n);
      if (dist === 'uniform') {
        const limit = Math.sqrt(3 * variance);
        for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
      } else {
        const std = Math.sqrt(variance) / TRUNC_CORRECTION;
        for (let i = 0; i < out.length; i++) out[i] = truncated(rng, std);
      }
    };
  const mean = opts.mean ?? 0, stddev = opts.stddev ?? 0.05;
  const minval = opts.minval ?? -0.05, maxval = opts.maxval ?? 0.05;
  const gain = opts.gain ?? 1;
  const fills: Record<InitializerName, Initializer['fill']> = {
    zeros: (out) => out.fill(0),
    ones: (out) => out.fill(1),
    glorotUniform: scaled('fanAvg', 1, 'uniform'),
    glorotNormal: scaled('fanAvg', 1, 'normal'),
    heUniform: scaled('fanIn', 2, 'uniform'),
    heNormal: scaled('fanIn', 2, 'normal'),
    lecunUniform: scaled('fanIn', 1, 'uniform'),
    lecunNormal: scaled('fanIn', 1, 'normal'),
    randomUniform: (out, _s, rng) => { for (let i = 0; i < out.length; i++) out[i] = rng.uniform(minval, maxval); },
    randomNormal: (out, _s, rng) => { for (let i = 0; i < out.length; i++) out[i] = mean + stddev * rng.normal(); },
    truncatedNormal: (out, _s, rng) => { for (let i = 0; i < out.length; i++) out[i] = mean + truncated(rng, stddev); },
    orthogonal: (out, shape, rng) => orthogonal(out, shape, rng, gain),
  };
  const config: Record<string, number | string | null> = {};
  if (name === 'randomUniform') Object.assign(config, { minval, maxval, seed: null });
  if (name === 'randomNormal' || name === 'truncatedNormal') Object.assign(config, { mean, stddev, seed: null });
  if (name === 'orthogonal') Object.assign(config, { gain, seed: null });
  return { name, fill: fills[name], config: () => ({ className: CLASS_NAMES[name], config: { ...config } }) };
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
