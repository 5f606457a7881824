// The finite-difference gradient checker shared by the layer tests (see gradcheck.test.ts for the method
// and its tolerances): central differences of L = Σ f(x; W) ⊙ r against the layer's backward.
import { expect } from 'vitest';
import type { Layer } from '../../src/layers/layer.js';
import { LayerHarness, randomArray, rt } from '../helpers.js';

// ---------------------------------------------------------------------------------------------------------
// The checker

export const TOL = 1e-2;
const STEP = 1e-2;
const SAMPLES = 32;

/** (y(θ+h), y(θ-h), (θ+h) - (θ-h)) → true when the perturbation crosses a non-differentiable point. */
export type Kink = (yPlus: Float32Array, yMinus: Float32Array, delta: number) => boolean;

export interface Analytic { dx: Float32Array; dw: Float32Array[] }

export interface CheckOptions {
  x: Float32Array;
  /** L = Σ y ⊙ r; defaults to random values in [-1, 1). */
  r?: Float32Array;
  step?: number;
  samples?: number;
  /** Forward in training mode with this seed (dropout); the same for the analytic and numeric passes. */
  seed?: number;
  kink?: Kink;
  /** Corrupts the analytic gradient (the "checker can fail" tests). */
  tamper?: (a: Analytic, h: LayerHarness, x: Float32Array, r: Float32Array) => Analytic;
  sampleSeed?: number;
  /** The input is not differentiable (token ids): check the weights only. */
  noInputGradient?: boolean;
  /** Relative-error tolerance (default TOL). */
  tolerance?: number;
}

export interface TensorCheck {
  tensor: string;
  relErr: number;
  ok: boolean;
  checked: number;
  skipped: number;
  normA: number;
  normN: number;
}

/** Deterministic distinct indices in [0, n), all of them when n ≤ k. */
function sampleIndices(n: number, k: number, seed: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (n <= k) return idx;
  let s = (seed >>> 0) || 1;
  const rnd = (): number => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rnd() * (n - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, k).sort((a, b) => a - b);
}

/** Σ (yPlus - yMinus) ⊙ r in float64: the difference of L at the two points. */
function lossDiff(yPlus: Float32Array, yMinus: Float32Array, r: Float32Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += (yPlus[i] - yMinus[i]) * r[i];
  return s;
}

function compare(tensor: string, a: number[], n: number[], skipped: number, tol: number): TensorCheck {
  let d2 = 0, a2 = 0, n2 = 0;
  for (let i = 0; i < a.length; i++) { d2 += (a[i] - n[i]) ** 2; a2 += a[i] ** 2; n2 += n[i] ** 2; }
  const normA = Math.sqrt(a2), normN = Math.sqrt(n2);
  const scale = Math.max(normA, normN);
  const relErr = scale < 1e-12 ? 0 : Math.sqrt(d2) / scale;
  return { tensor, relErr, ok: relErr <= tol, checked: a.length, skipped, normA, normN };
}

/** Checks dL/dx and dL/dW of the harness' layer against central differences. */
export function gradCheck(h: LayerHarness, opts: CheckOptions): TensorCheck[] {
  const { x, step = STEP, samples = SAMPLES, seed = 1, kink, tamper, sampleSeed = 12345 } = opts;
  const r = opts.r ?? randomArray(h.outSize, 777);
  const run = h.run(x, r, true, seed);
  if (!run.dx && !opts.noInputGradient) throw new Error('backward returned no input gradient');
  let analytic: Analytic = { dx: run.dx ?? new Float32Array(0), dw: run.dw };
  if (tamper) analytic = tamper({ dx: analytic.dx.slice(), dw: analytic.dw.map((w) => w.slice()) }, h, x, r);

  // One tensor: `set` installs a perturbed copy and returns the forward output.
  const checkTensor = (name: string, base: Float32Array, grad: Float32Array, set: (v: Float32Array) => Float32Array,
                       salt: number): TensorCheck => {
    const a: number[] = [], n: number[] = [];
    let skipped = 0;
    const v = base.slice();
    for (const i of sampleIndices(base.length, samples, sampleSeed + salt)) {
      // On a kink, retry with steps 4x, 16x, 64x smaller (ReLU / max: L is piecewise linear in one
      // coordinate, so a smaller step costs no truncation error); skip the coordinate if it persists.
      let quotient: number | null = null;
      for (let hs = step; hs >= step / 64 && quotient === null; hs /= 4) {
        const plus = Math.fround(base[i] + hs), minus = Math.fround(base[i] - hs);
        v[i] = plus; const yPlus = set(v);
        v[i] = minus; const yMinus = set(v);
        v[i] = base[i];
        const delta = plus - minus;
        if (!kink?.(yPlus, yMinus, delta)) quotient = lossDiff(yPlus, yMinus, r) / delta;
        if (!kink) break;
      }
      if (quotient === null) { skipped++; continue; }
      a.push(grad[i]);
      n.push(quotient);
    }
    set(v); // restore
    return compare(name, a, n, skipped, opts.tolerance ?? TOL);
  };

  const results = opts.noInputGradient ? [] : [checkTensor('input', x, analytic.dx, (v) => h.forward(v, true, seed), 0)];
  const w0 = h.weights();
  h.layer.params.forEach((p, j) => {
    results.push(checkTensor(p.name, w0[j], analytic.dw[j], (v) => { h.setWeight(j, v); return h.forward(x, true, seed); }, j + 1));
  });
  return results;
}

// Skips: a ReLU output changed sign; a max-pool output moved by neither 0 nor the full perturbation.
export const reluKink: Kink = (yp, ym) => yp.some((v, i) => (v > 0) !== (ym[i] > 0));
export const maxPoolKink: Kink = (yp, ym, delta) => yp.some((v, i) => {
  const d = v - ym[i];
  return Math.abs(d) > 1e-6 && Math.abs(d - delta) > 1e-6;
});

/** Worst relative error, coordinates checked and skipped per layer label, printed at the end. */
export const worst = new Map<string, { err: number; checked: number; skipped: number }>();

export function expectGradOk(label: string, results: TensorCheck[]): void {
  for (const c of results) {
    const w = worst.get(label) ?? { err: 0, checked: 0, skipped: 0 };
    worst.set(label, { err: Math.max(w.err, c.relErr), checked: w.checked + c.checked, skipped: w.skipped + c.skipped });
    const what = `${label} d/d${c.tensor}: relErr ${c.relErr.toExponential(2)} over ${c.checked} coords ` +
      `(${c.skipped} skipped), |analytic| ${c.normA.toExponential(2)}, |numeric| ${c.normN.toExponential(2)}`;
    // not vacuous: most sampled coordinates were checked and the gradient is not identically zero
    expect(c.checked, what).toBeGreaterThanOrEqual(Math.max(1, 2 * c.skipped));
    expect(c.normN, what).toBeGreaterThan(1e-4);
    expect(c.ok, what).toBe(true);
  }
}

/** Builds the harness, checks, disposes. */
export function checkLayer(label: string, layer: Layer, inputShape: number[], batch: number,
                    opts: Omit<CheckOptions, 'x'> & { x?: Float32Array; weights?: Float32Array[]; maxBatch?: number } = {}): TensorCheck[] {
  const h = new LayerHarness(layer, inputShape, batch, opts.weights);
  try {
    // buffers for a larger batch than the one run: the partial last batch of an epoch
    if (opts.maxBatch) layer.allocate(rt, opts.maxBatch, true);
    const x = opts.x ?? randomArray(h.inSize, 4242);
    const res = gradCheck(h, { ...opts, x });
    expectGradOk(label, res);
    return res;
  } finally {
    h.dispose();
  }
}

/** Values bounded away from 0 (|v| ≥ 0.1 ≫ step): no ReLU kinks at the input itself. */
export function awayFromZero(n: number, seed: number): Float32Array {
  const u = randomArray(n, seed, -1, 1);
  return u.map((v) => (v < 0 ? -0.1 + 0.9 * v : 0.1 + 0.9 * v));
}

/** A random permutation of distinct values spaced 0.05 apart (> 2·STEP): max-pool windows have no ties. */
export function distinctSpaced(n: number, seed: number): Float32Array {
  const order = Array.from({ length: n }, (_, i) => i);
  const keys = randomArray(n, seed);
  order.sort((a, b) => keys[a] - keys[b]);
  const out = new Float32Array(n);
  order.forEach((pos, rank) => { out[pos] = (rank - n / 2) * 0.05; });
  return out;
}

