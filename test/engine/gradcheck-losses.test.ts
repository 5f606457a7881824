// Finite-difference gradient checks for every loss. lossForward returns the mean loss of the batch and
// writes its gradient: with respect to the predictions (non-fused), or with respect to the logits when the
// loss is fused with the output activation (softmax + categorical / sparse categorical cross-entropy,
// sigmoid + binary cross-entropy). The numeric gradient is the central difference of the returned loss,
// with the forward being `activation (rt.k.softmax_forward / sigmoid_forward) → loss` for the fused paths.
//
// Every coordinate is checked (the batches are small); the error is the relative norm error
// ||a - n|| / max(||a||, ||n||) ≤ TOL. Predictions stay inside [0.05, 0.95] (or [0.05, 1] before
// normalisation), far from the 1e-7 clip; MAE differences stay ≥ 0.05 from 0 and Huber differences ≥ 0.1
// from ±delta, farther than the step, so no perturbation crosses a kink.
import { afterAll, describe, expect, it } from 'vitest';
import { LOSSES, lossForward, type LossName } from '../../src/engine/losses.js';
import { randomArray, rt } from '../helpers.js';

const TOL = 1e-2;

/** The activation fused into the loss; 'logits': the loss takes logits itself (fromLogits); null: predictions. */
type Act = 'softmax' | 'sigmoid' | 'logits' | null;

interface LossCase {
  name: string;
  loss: LossName;
  /** The output activation fused into the loss; null: the loss sees `input` directly. */
  act: Act;
  rows: number;
  cols: number;
  /** Predictions (act null) or logits. */
  input: Float32Array;
  /** One value per output, or one class id per row (sparse). */
  labels: Float32Array | Int32Array;
  step: number;
}

interface LossCheck { relErr: number; ok: boolean; normA: number; normN: number; loss: number; analytic: Float32Array; numeric: Float64Array }

/**
 * Gradient of the returned loss with respect to `input`: analytic (what lossForward writes, optionally
 * corrupted by `tamper`) against central differences over every coordinate.
 */
function lossGradCheck(c: LossCase, tamper?: (g: Float32Array, c: LossCase) => Float32Array): LossCheck {
  const n = c.rows * c.cols;
  const inBuf = rt.arena.alloc(n * 4, 'test loss input');
  const pBuf = rt.arena.alloc(n * 4, 'test loss probabilities');
  const yBuf = rt.arena.alloc(c.labels.length * 4, 'test loss labels');
  const gBuf = rt.arena.alloc(n * 4, 'test loss gradient');
  try {
    if (c.labels instanceof Int32Array) rt.i32(yBuf, c.labels.length).set(c.labels);
    else rt.f32(yBuf, c.labels.length).set(c.labels);
    const evaluate = (v: Float32Array): number => {
      rt.f32(inBuf, n).set(v);
      if (c.act === 'softmax') rt.k.softmax_forward(pBuf, inBuf, c.rows, c.cols);
      else if (c.act === 'sigmoid') rt.k.sigmoid_forward(pBuf, inBuf, n);
      const input = c.act === 'logits' ? 'logits' : c.act ? 'fused' : 'plain';
      return lossForward(rt, c.loss, input, gBuf, c.act && c.act !== 'logits' ? pBuf : inBuf, yBuf, c.rows, c.cols);
    };
    const loss = evaluate(c.input);
    let analytic: Float32Array = rt.f32(gBuf, n).slice();
    if (tamper) analytic = tamper(analytic, c);

    const numeric = new Float64Array(n);
    const v = c.input.slice();
    for (let i = 0; i < n; i++) {
      const plus = Math.fround(c.input[i] + c.step), minus = Math.fround(c.input[i] - c.step);
      v[i] = plus; const lp = evaluate(v);
      v[i] = minus; const lm = evaluate(v);
      v[i] = c.input[i];
      numeric[i] = (lp - lm) / (plus - minus);
    }
    let d2 = 0, a2 = 0, n2 = 0;
    for (let i = 0; i < n; i++) { d2 += (analytic[i] - numeric[i]) ** 2; a2 += analytic[i] ** 2; n2 += numeric[i] ** 2; }
    const normA = Math.sqrt(a2), normN = Math.sqrt(n2);
    const relErr = Math.max(normA, normN) < 1e-12 ? 0 : Math.sqrt(d2) / Math.max(normA, normN);
    return { relErr, ok: relErr <= TOL, normA, normN, loss, analytic, numeric };
  } finally {
    for (const b of [inBuf, pBuf, yBuf, gBuf]) rt.arena.release(b);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Data

/** Rows of probabilities in [lo, hi] (each ≥ 0.05 after normalisation when normalise is set). */
function probabilities(rows: number, cols: number, seed: number, normalise: boolean): Float32Array {
  const p = randomArray(rows * cols, seed, 0.2, 1);
  if (normalise) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += p[r * cols + j];
      for (let j = 0; j < cols; j++) p[r * cols + j] /= s;
    }
  }
  return p;
}

function oneHot(rows: number, cols: number, seed: number): Float32Array {
  const y = new Float32Array(rows * cols);
  sparseIds(rows, cols, seed).forEach((k, r) => { y[r * cols + k] = 1; });
  return y;
}

function sparseIds(rows: number, cols: number, seed: number): Int32Array {
  return Int32Array.from(randomArray(rows, seed, 0, 1), (u) => Math.min(cols - 1, Math.floor(u * cols)));
}

/** Soft labels: non-negative rows summing to 1. */
function softLabels(rows: number, cols: number, seed: number): Float32Array {
  return probabilities(rows, cols, seed, true);
}

function binaryLabels(n: number, seed: number): Float32Array {
  return randomArray(n, seed, 0, 1).map((u) => (u < 0.5 ? 0 : 1));
}

/** y = p - d with |d| drawn from the given bands (random sign): keeps |p - y| off the kinks. */
function offsetLabels(p: Float32Array, seed: number, bands: [number, number][]): Float32Array {
  const u = randomArray(p.length * 3, seed, 0, 1);
  return p.map((v, i) => {
    const [lo, hi] = bands[Math.floor(u[3 * i] * bands.length) % bands.length];
    const mag = lo + (hi - lo) * u[3 * i + 1];
    return v - (u[3 * i + 2] < 0.5 ? -mag : mag);
  });
}

const R = 4, C = 5;

/** Cases per loss; a Record so that a loss added to LOSSES without cases fails to type-check. */
const CASES: Record<LossName, LossCase[]> = {
  categoricalCrossentropy: [
    { name: 'probabilities, one-hot', loss: 'categoricalCrossentropy', act: null, rows: R, cols: C,
      input: probabilities(R, C, 1, true), labels: oneHot(R, C, 2), step: 1e-3 },
    { name: 'unnormalised probabilities, soft labels', loss: 'categoricalCrossentropy', act: null, rows: R, cols: C,
      input: probabilities(R, C, 3, false), labels: softLabels(R, C, 4), step: 1e-3 },
    { name: 'softmax fused, one-hot', loss: 'categoricalCrossentropy', act: 'softmax', rows: R, cols: C,
      input: randomArray(R * C, 5, -2, 2), labels: oneHot(R, C, 6), step: 1e-2 },
    { name: 'softmax fused, soft labels, 3x7', loss: 'categoricalCrossentropy', act: 'softmax', rows: 3, cols: 7,
      input: randomArray(21, 7, -2, 2), labels: softLabels(3, 7, 8), step: 1e-2 },
    { name: 'from logits, one-hot', loss: 'categoricalCrossentropy', act: 'logits', rows: R, cols: C,
      input: randomArray(R * C, 31, -2, 2), labels: oneHot(R, C, 32), step: 1e-2 },
    { name: 'from logits, soft labels, 3x7', loss: 'categoricalCrossentropy', act: 'logits', rows: 3, cols: 7,
      input: randomArray(21, 33, -3, 3), labels: softLabels(3, 7, 34), step: 1e-2 },
    { name: 'from logits of ±40 (probabilities far below the 1e-7 clip)', loss: 'categoricalCrossentropy', act: 'logits', rows: R, cols: C,
      input: randomArray(R * C, 35, -40, 40), labels: oneHot(R, C, 36), step: 1e-2 },
  ],
  sparseCategoricalCrossentropy: [
    { name: 'softmax fused', loss: 'sparseCategoricalCrossentropy', act: 'softmax', rows: R, cols: C,
      input: randomArray(R * C, 9, -2, 2), labels: sparseIds(R, C, 10), step: 1e-2 },
    { name: 'softmax fused, 6x3', loss: 'sparseCategoricalCrossentropy', act: 'softmax', rows: 6, cols: 3,
      input: randomArray(18, 11, -3, 3), labels: sparseIds(6, 3, 12), step: 1e-2 },
    { name: 'from logits', loss: 'sparseCategoricalCrossentropy', act: 'logits', rows: R, cols: C,
      input: randomArray(R * C, 37, -2, 2), labels: sparseIds(R, C, 38), step: 1e-2 },
    { name: 'from logits of ±40', loss: 'sparseCategoricalCrossentropy', act: 'logits', rows: 6, cols: 3,
      input: randomArray(18, 39, -40, 40), labels: sparseIds(6, 3, 40), step: 1e-2 },
  ],
  binaryCrossentropy: [
    { name: 'probabilities, 0/1 labels', loss: 'binaryCrossentropy', act: null, rows: R, cols: C,
      input: randomArray(R * C, 13, 0.05, 0.95), labels: binaryLabels(R * C, 14), step: 1e-3 },
    { name: 'probabilities, soft labels, 8x1', loss: 'binaryCrossentropy', act: null, rows: 8, cols: 1,
      input: randomArray(8, 15, 0.05, 0.95), labels: randomArray(8, 16, 0, 1), step: 1e-3 },
    { name: 'sigmoid fused, 0/1 labels', loss: 'binaryCrossentropy', act: 'sigmoid', rows: R, cols: C,
      input: randomArray(R * C, 17, -3, 3), labels: binaryLabels(R * C, 18), step: 1e-2 },
    { name: 'sigmoid fused, soft labels, 8x1', loss: 'binaryCrossentropy', act: 'sigmoid', rows: 8, cols: 1,
      input: randomArray(8, 19, -3, 3), labels: randomArray(8, 20, 0, 1), step: 1e-2 },
    { name: 'from logits, 0/1 labels', loss: 'binaryCrossentropy', act: 'logits', rows: R, cols: C,
      input: randomArray(R * C, 41, -3, 3), labels: binaryLabels(R * C, 42), step: 1e-2 },
    { name: 'from logits of ±40, soft labels, 8x1', loss: 'binaryCrossentropy', act: 'logits', rows: 8, cols: 1,
      input: randomArray(8, 43, -40, 40), labels: randomArray(8, 44, 0, 1), step: 1e-2 },
  ],
  meanSquaredError: [
    { name: '4x5', loss: 'meanSquaredError', act: null, rows: R, cols: C,
      input: randomArray(R * C, 21, -2, 2), labels: randomArray(R * C, 22, -2, 2), step: 1e-2 },
    { name: '7x1', loss: 'meanSquaredError', act: null, rows: 7, cols: 1,
      input: randomArray(7, 23, -2, 2), labels: randomArray(7, 24, -2, 2), step: 1e-2 },
  ],
  meanAbsoluteError: [
    { name: '4x5', loss: 'meanAbsoluteError', act: null, rows: R, cols: C,
      input: randomArray(R * C, 25, -2, 2), labels: offsetLabels(randomArray(R * C, 25, -2, 2), 26, [[0.05, 2]]), step: 1e-2 },
  ],
  huber: [
    // both branches: |d| ≤ 1 (quadratic) and |d| > 1 (linear), away from the switch at delta = 1
    { name: '4x5, both branches', loss: 'huber', act: null, rows: R, cols: C,
      input: randomArray(R * C, 27, -2, 2), labels: offsetLabels(randomArray(R * C, 27, -2, 2), 28, [[0.02, 0.9], [1.1, 3]]), step: 1e-2 },
    { name: '3x3, quadratic only', loss: 'huber', act: null, rows: 3, cols: 3,
      input: randomArray(9, 29, -2, 2), labels: offsetLabels(randomArray(9, 29, -2, 2), 30, [[0, 0.9]]), step: 1e-2 },
  ],
};

const worst = new Map<string, number>();
afterAll(() => {
  const lines = [...worst.entries()].map(([k, v]) => `  ${k.padEnd(72)} ${v.toExponential(2)}`);
  console.log(`worst relative gradient error per loss (tolerance ${TOL}):\n${lines.join('\n')}`);
});

// ---------------------------------------------------------------------------------------------------------
// Tests

describe('loss gradients match finite differences', () => {
  it('every loss in LOSSES has cases, fused and non-fused where both exist', () => {
    expect(Object.keys(CASES).sort()).toEqual([...LOSSES].sort());
    for (const loss of LOSSES) expect(CASES[loss].length, loss).toBeGreaterThan(0);
    const fused = (l: LossName): boolean[] => [...new Set(CASES[l].map((c) => c.act !== null))].sort();
    expect(fused('categoricalCrossentropy')).toEqual([false, true]);
    expect(fused('binaryCrossentropy')).toEqual([false, true]);
    expect(fused('sparseCategoricalCrossentropy')).toEqual([true]);
    // the data keep off the kinks: MAE |d| ≥ 0.05, Huber | |d| - 1 | ≥ 0.1, and both Huber branches occur
    const diffs = (c: LossCase): number[] => Array.from(c.input, (p, i) => Math.abs(p - c.labels[i]));
    for (const c of CASES.meanAbsoluteError) expect(Math.min(...diffs(c))).toBeGreaterThan(0.04);
    for (const c of CASES.huber) expect(Math.min(...diffs(c).map((d) => Math.abs(d - 1)))).toBeGreaterThan(0.09);
    expect(diffs(CASES.huber[0]).some((d) => d > 1) && diffs(CASES.huber[0]).some((d) => d < 1)).toBe(true);
  });

  for (const loss of LOSSES) {
    for (const c of CASES[loss]) {
      it(`${loss}: ${c.name} (d/d${c.act ? 'logits' : 'predictions'})`, () => {
        const r = lossGradCheck(c);
        const label = `${loss} ${c.name}`;
        worst.set(label, Math.max(worst.get(label) ?? 0, r.relErr));
        const what = `${label}: relErr ${r.relErr.toExponential(2)}, |analytic| ${r.normA.toExponential(2)}, ` +
          `|numeric| ${r.normN.toExponential(2)}\nanalytic ${Array.from(r.analytic).join(', ')}\nnumeric  ${Array.from(r.numeric).join(', ')}`;
        expect(Number.isFinite(r.loss), what).toBe(true);
        expect(r.normN, what).toBeGreaterThan(1e-3);
        expect(r.relErr, what).toBeLessThanOrEqual(TOL);
      });
    }
  }

  it('sparseCategoricalCrossentropy has no non-fused path (it requires a softmax output)', () => {
    const b = rt.arena.alloc(64, 'test');
    try {
      expect(() => lossForward(rt, 'sparseCategoricalCrossentropy', 'plain', b, b, b, 1, 4)).toThrow(/softmax/);
    } finally { rt.arena.release(b); }
  });
});

/** Reference mean loss in float64, Keras formulas (probabilities clipped to [1e-7, 1 - 1e-7]). */
function referenceLoss(c: LossCase): number {
  if (c.act === 'logits') return logitsReference(c);
  const clip = (p: number): number => Math.min(Math.max(p, 1e-7), 1 - 1e-7);
  const n = c.rows * c.cols;
  let p = Array.from(c.input);
  if (c.act === 'sigmoid') p = p.map((z) => 1 / (1 + Math.exp(-z)));
  if (c.act === 'softmax') {
    for (let r = 0; r < c.rows; r++) {
      const row = p.slice(r * c.cols, (r + 1) * c.cols);
      const m = Math.max(...row);
      const e = row.map((z) => Math.exp(z - m));
      const s = e.reduce((a, b) => a + b, 0);
      e.forEach((v, j) => { p[r * c.cols + j] = v / s; });
    }
  }
  const y = Array.from(c.labels);
  let total = 0;
  switch (c.loss) {
    case 'categoricalCrossentropy':
      for (let r = 0; r < c.rows; r++) {
        let s = 0;
        for (let j = 0; j < c.cols; j++) s += p[r * c.cols + j];
        for (let j = 0; j < c.cols; j++) total -= y[r * c.cols + j] * Math.log(clip(p[r * c.cols + j] / s));
      }
      return total / c.rows;
    case 'sparseCategoricalCrossentropy':
      for (let r = 0; r < c.rows; r++) total -= Math.log(clip(p[r * c.cols + y[r]]));
      return total / c.rows;
    case 'binaryCrossentropy':
      for (let i = 0; i < n; i++) { const q = clip(p[i]); total -= y[i] * Math.log(q) + (1 - y[i]) * Math.log(1 - q); }
      return total / n;
    case 'meanSquaredError':
      for (let i = 0; i < n; i++) total += (p[i] - y[i]) ** 2;
      return total / n;
    case 'meanAbsoluteError':
      for (let i = 0; i < n; i++) total += Math.abs(p[i] - y[i]);
      return total / n;
    case 'huber':
      for (let i = 0; i < n; i++) { const a = Math.abs(p[i] - y[i]); total += a <= 1 ? 0.5 * a * a : a - 0.5; }
      return total / n;
  }
}

/** Reference mean loss from logits in float64 (Keras' from_logits: log-softmax and log-sigmoid, unclipped). */
function logitsReference(c: LossCase): number {
  const z = Array.from(c.input), y = Array.from(c.labels), n = c.rows * c.cols;
  let total = 0;
  if (c.loss === 'binaryCrossentropy') {
    for (let i = 0; i < n; i++) total += Math.max(z[i], 0) - z[i] * y[i] + Math.log1p(Math.exp(-Math.abs(z[i])));
    return total / n;
  }
  for (let r = 0; r < c.rows; r++) {
    const row = z.slice(r * c.cols, (r + 1) * c.cols), m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    if (c.loss === 'sparseCategoricalCrossentropy') total += lse - row[y[r]];
    else for (let j = 0; j < c.cols; j++) total += y[r * c.cols + j] * (lse - row[j]);
  }
  return total / c.rows;
}

describe('loss values (what the finite differences differentiate) match a float64 reference', () => {
  for (const loss of LOSSES) {
    for (const c of CASES[loss]) {
      it(`${loss}: ${c.name}`, () => {
        const r = lossGradCheck(c);
        expect(Math.abs(r.loss - referenceLoss(c)) / Math.max(1e-3, Math.abs(referenceLoss(c)))).toBeLessThan(1e-5);
      });
    }
  }
});

describe('the checker detects wrong loss gradients', () => {
  const find = (loss: LossName, act: Act): LossCase => CASES[loss].find((c) => c.act === act)!;

  it('meanSquaredError gradient scaled by 1.1 fails', () => {
    const r = lossGradCheck(find('meanSquaredError', null), (g) => g.map((v) => 1.1 * v));
    expect(r.ok).toBe(false);
    expect(r.relErr).toBeGreaterThan(0.05);
  });

  it('categoricalCrossentropy gradient without the Σy/Σp term fails', () => {
    const c = CASES.categoricalCrossentropy[1];
    const p = c.input, y = c.labels as Float32Array;
    const r = lossGradCheck(c, () => p.map((pj, i) => -y[i] / pj / c.rows));
    expect(r.ok).toBe(false);
  });

  it('fused softmax + categoricalCrossentropy gradient not divided by the batch size fails', () => {
    const c = find('categoricalCrossentropy', 'softmax');
    expect(lossGradCheck(c, (g) => g.map((v) => v * c.rows)).ok).toBe(false);
  });

  it('fused sigmoid + binaryCrossentropy returning the gradient w.r.t. the probabilities fails', () => {
    const c = find('binaryCrossentropy', 'sigmoid');
    const y = c.labels as Float32Array;
    // (p - y)/n is the logits' gradient; (p - y)/(p(1 - p) n) is the probabilities' one
    const r = lossGradCheck(c, (g) => g.map((_, i) => {
      const p = 1 / (1 + Math.exp(-c.input[i]));
      return (p - y[i]) / (p * (1 - p)) / (c.rows * c.cols);
    }));
    expect(r.ok).toBe(false);
  });

  it('huber gradient using the quadratic branch everywhere fails', () => {
    const c = CASES.huber[0];
    const y = c.labels as Float32Array;
    const r = lossGradCheck(c, () => c.input.map((p, i) => (p - y[i]) / (c.rows * c.cols)));
    expect(r.ok).toBe(false);
  });

  it('an untampered gradient passes (control)', () => {
    expect(lossGradCheck(CASES.huber[0]).ok).toBe(true);
  });
});
