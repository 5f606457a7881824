// Losses against TensorFlow.js (cpu backend): the mean loss of the batch and its gradient, for every loss
// in LOSSES. Non-fused paths: gradient w.r.t. the predictions. Fused paths (softmax + categorical /
// sparse categorical cross-entropy, sigmoid + binary cross-entropy): gradient w.r.t. the logits, compared
// with the tfjs gradient of loss(activation(logits)).
import type * as TF from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { LOSSES, lossForward, type LossName } from '../../src/engine/losses.js';
import { maxRelError, rand, rt } from '../helpers.js';
import { tfjsOracle } from '../tfjs-oracle.js';


const VALUE_TOL = 1e-5;
const GRAD_TOL = 1e-5;
const EPS = 1e-7; // Keras / tfjs-layers epsilon()

const { tf, record } = tfjsOracle('loss parity');

/** Runs lossForward on arena buffers; labels are i32 for the sparse loss, f32 otherwise. */
function simdnetLoss(loss: LossName, fused: boolean | 'logits', p: Float32Array, y: Float32Array | Int32Array,
                     rows: number, cols: number): { value: number; grad: Float32Array } {
  const n = rows * cols;
  const pOff = rt.arena.alloc(n * 4, 'test p');
  const yOff = rt.arena.alloc(y.length * 4, 'test labels');
  const gOff = rt.arena.alloc(n * 4, 'test grad');
  try {
    rt.f32(pOff, n).set(p);
    if (y instanceof Int32Array) rt.i32(yOff, y.length).set(y);
    else rt.f32(yOff, y.length).set(y);
    rt.f32(gOff, n).fill(NaN); // every gradient element must be written
    const value = lossForward(rt, loss, fused === 'logits' ? 'logits' : fused ? 'fused' : 'plain', gOff, pOff, yOff, rows, cols);
    return { value, grad: rt.f32(gOff, n).slice() };
  } finally {
    rt.arena.release(gOff);
    rt.arena.release(yOff);
    rt.arena.release(pOff);
  }
}

/** Loss value and gradient of a scalar tfjs loss with respect to its input x [rows, cols]. */
function tfLoss(f: (x: TF.Tensor2D) => TF.Scalar, x: Float32Array, rows: number, cols: number): { value: number; grad: Float32Array } {
  return tf.tidy(() => {
    const xt = tf.tensor2d(x, [rows, cols]);
    const { value, grad } = tf.valueAndGrad(f)(xt);
    return { value: value.dataSync()[0], grad: grad.dataSync() as Float32Array };
  });
}

const relErr = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-3);

function compare(name: string, got: { value: number; grad: Float32Array }, want: { value: number; grad: Float32Array }): void {
  expect(Number.isFinite(got.value), `${name}: loss is finite`).toBe(true);
  const ev = relErr(got.value, want.value);
  const eg = maxRelError(got.grad, want.grad);
  record(`${name} value`, ev);
  record(`${name} grad`, eg);
  expect(ev, `${name}: loss ${got.value} vs tfjs ${want.value}`).toBeLessThanOrEqual(VALUE_TOL);
  expect(eg, `${name}: gradient`).toBeLessThanOrEqual(GRAD_TOL);
}

// ---- data --------------------------------------------------------------------------------------------
const softmaxRows = (logits: Float32Array, rows: number, cols: number): Float32Array =>
  tf.tidy(() => tf.softmax(tf.tensor2d(logits, [rows, cols])).dataSync() as Float32Array);
const sigmoidAll = (logits: Float32Array): Float32Array =>
  tf.tidy(() => tf.sigmoid(tf.tensor1d(logits)).dataSync() as Float32Array);

function oneHot(labels: Int32Array, cols: number): Float32Array {
  const out = new Float32Array(labels.length * cols);
  labels.forEach((l, r) => { out[r * cols + l] = 1; });
  return out;
}
function labelsFor(rows: number, cols: number, seed: number): Int32Array {
  const u = rand(rows, seed, 0, 1);
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) out[r] = Math.min(cols - 1, Math.floor(u[r] * cols));
  return out;
}
/** Random rows that each sum to `total` (soft labels). */
function softLabels(rows: number, cols: number, seed: number, total = 1): Float32Array {
  const u = rand(rows * cols, seed, 0.05, 1);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += u[r * cols + j];
    for (let j = 0; j < cols; j++) u[r * cols + j] *= total / s;
  }
  return u;
}
const binary = (n: number, seed: number): Float32Array => rand(n, seed, 0, 1).map((v) => (v < 0.5 ? 0 : 1));

// tfjs-layers' losses (tf.metrics.* are the same functions, per sample), averaged over the batch
const tfCCE = (y: Float32Array, rows: number, cols: number) => (p: TF.Tensor2D): TF.Scalar =>
  tf.mean(tf.metrics.categoricalCrossentropy(tf.tensor2d(y, [rows, cols]), p)) as TF.Scalar;
/** tfjs-layers' sparseCategoricalCrossentropy: clip, one-hot, categoricalCrossentropy (not exported by tfjs). */
const tfSparseCCE = (labels: Int32Array, cols: number) => (p: TF.Tensor2D): TF.Scalar => {
  const clipped = tf.clipByValue(p, EPS, 1 - EPS);
  const target = tf.oneHot(tf.tensor1d(labels, 'int32'), cols);
  return tf.mean(tf.metrics.categoricalCrossentropy(target, clipped)) as TF.Scalar;
};
const tfBCE = (y: Float32Array, rows: number, cols: number) => (p: TF.Tensor2D): TF.Scalar =>
  tf.mean(tf.metrics.binaryCrossentropy(tf.tensor2d(y, [rows, cols]), p)) as TF.Scalar;

// ---- tests -------------------------------------------------------------------------------------------
describe('loss parity with tfjs', () => {
  it('covers every loss in LOSSES', () => {
    expect([...LOSSES].sort()).toEqual(['binaryCrossentropy', 'categoricalCrossentropy', 'huber', 'meanAbsoluteError',
      'meanSquaredError', 'sparseCategoricalCrossentropy']);
  });

  describe('categoricalCrossentropy, non-fused (gradient w.r.t. probabilities)', () => {
    it('softmax probabilities, one-hot labels, 4x5', () => {
      const rows = 4, cols = 5;
      const p = softmaxRows(rand(rows * cols, 11, -2, 2), rows, cols);
      const y = oneHot(labelsFor(rows, cols, 12), cols);
      compare('cce', simdnetLoss('categoricalCrossentropy', false, p, y, rows, cols), tfLoss(tfCCE(y, rows, cols), p, rows, cols));
    });
    it('unnormalised positive predictions (Keras divides by the row sum), soft labels, 3x7', () => {
      const rows = 3, cols = 7;
      const p = rand(rows * cols, 13, 0.05, 1);
      const y = softLabels(rows, cols, 14);
      compare('cce', simdnetLoss('categoricalCrossentropy', false, p, y, rows, cols), tfLoss(tfCCE(y, rows, cols), p, rows, cols));
    });
    it('labels that do not sum to 1 (multi-hot), unnormalised predictions, 2x6', () => {
      const rows = 2, cols = 6;
      const p = rand(rows * cols, 15, 0.05, 1);
      const y = new Float32Array([1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0]);
      compare('cce', simdnetLoss('categoricalCrossentropy', false, p, y, rows, cols), tfLoss(tfCCE(y, rows, cols), p, rows, cols));
    });
    it('a probability below epsilon is clipped: loss uses eps, its gradient is zero', () => {
      const rows = 3, cols = 3;
      // row 0: the true class has q = 1e-9 < 1e-7 (clipped); row 1: ordinary;
      // row 2: a wrong class is clipped (its gradient is only the normalisation term Σy/s)
      const p = new Float32Array([1e-9, 0.4, 0.6, 0.2, 0.3, 0.5, 0.5, 1e-9, 0.7]);
      const y = new Float32Array([1, 0, 0, 0, 0, 1, 1, 0, 0]);
      const got = simdnetLoss('categoricalCrossentropy', false, p, y, rows, cols);
      compare('cce clipped', got, tfLoss(tfCCE(y, rows, cols), p, rows, cols));
      expect(Array.from(got.grad.slice(0, 3))).toEqual([0, 0, 0]);
    });
  });

  describe('categoricalCrossentropy fused with softmax (gradient w.r.t. logits)', () => {
    for (const [label, rows, cols, seed, kind] of [
      ['one-hot labels, 4x5', 4, 5, 21, 'onehot'], ['soft labels, 3x7', 3, 7, 23, 'soft'],
      ['one-hot labels, 8x2', 8, 2, 25, 'onehot'], ['multi-hot labels (sum 2), 2x4', 2, 4, 27, 'multi'],
    ] as const) {
      it(label, () => {
        const logits = rand(rows * cols, seed, -3, 3);
        const p = softmaxRows(logits, rows, cols);
        const y = kind === 'onehot' ? oneHot(labelsFor(rows, cols, seed + 1), cols)
          : kind === 'soft' ? softLabels(rows, cols, seed + 1) : softLabels(rows, cols, seed + 1, 2);
        const want = tfLoss((z) => tfCCE(y, rows, cols)(tf.softmax(z)), logits, rows, cols);
        compare('softmax+cce', simdnetLoss('categoricalCrossentropy', true, p, y, rows, cols), want);
      });
    }
  });

  describe('sparseCategoricalCrossentropy fused with softmax (gradient w.r.t. logits, i32 labels)', () => {
    for (const [rows, cols, seed] of [[4, 5, 31], [7, 3, 33], [2, 10, 35]] as const) {
      it(`${rows}x${cols}`, () => {
        const logits = rand(rows * cols, seed, -3, 3);
        const p = softmaxRows(logits, rows, cols);
        const labels = labelsFor(rows, cols, seed + 1);
        const want = tfLoss((z) => tfSparseCCE(labels, cols)(tf.softmax(z)), logits, rows, cols);
        compare('softmax+sparse cce', simdnetLoss('sparseCategoricalCrossentropy', true, p, labels, rows, cols), want);
        // and it equals the dense loss on one-hot labels
        const dense = simdnetLoss('categoricalCrossentropy', true, p, oneHot(labels, cols), rows, cols);
        expect(relErr(dense.value, want.value)).toBeLessThanOrEqual(VALUE_TOL);
      });
    }
    it('without a softmax (non-fused) it is rejected with a clear error', () => {
      expect(() => simdnetLoss('sparseCategoricalCrossentropy', false, new Float32Array(4), new Int32Array(2), 2, 2))
        .toThrow(/must end in a softmax/);
    });
  });

  describe('binaryCrossentropy, non-fused (gradient w.r.t. probabilities)', () => {
    for (const [label, rows, cols, seed, soft] of [
      ['0/1 labels, 4x3', 4, 3, 41, false], ['soft labels, 3x5', 3, 5, 43, true], ['one output, 6x1', 6, 1, 45, false],
    ] as const) {
      it(label, () => {
        const p = rand(rows * cols, seed, 0.02, 0.98);
        const y = soft ? rand(rows * cols, seed + 1, 0, 1) : binary(rows * cols, seed + 1);
        compare('bce', simdnetLoss('binaryCrossentropy', false, p, y, rows, cols), tfLoss(tfBCE(y, rows, cols), p, rows, cols));
      });
    }
    it('predictions of exactly 0 and 1 are clipped: finite loss, zero gradient there', () => {
      const rows = 2, cols = 3;
      const p = new Float32Array([0, 1, 0.3, 1, 0, 0.8]);
      const y = new Float32Array([1, 0, 1, 1, 0, 0]);
      const got = simdnetLoss('binaryCrossentropy', false, p, y, rows, cols);
      compare('bce clipped', got, tfLoss(tfBCE(y, rows, cols), p, rows, cols));
      expect([got.grad[0], got.grad[1], got.grad[3], got.grad[4]]).toEqual([0, 0, 0, 0]);
    });
  });

  describe('binaryCrossentropy fused with sigmoid (gradient w.r.t. logits)', () => {
    for (const [label, rows, cols, seed, soft] of [
      ['0/1 labels, 4x3', 4, 3, 51, false], ['soft labels, 3x5', 3, 5, 53, true], ['one output, 6x1', 6, 1, 55, false],
    ] as const) {
      it(label, () => {
        const logits = rand(rows * cols, seed, -3, 3);
        const p = sigmoidAll(logits);
        const y = soft ? rand(rows * cols, seed + 1, 0, 1) : binary(rows * cols, seed + 1);
        const want = tfLoss((z) => tfBCE(y, rows, cols)(tf.sigmoid(z)), logits, rows, cols);
        compare('sigmoid+bce', simdnetLoss('binaryCrossentropy', true, p, y, rows, cols), want);
      });
    }
  });

  // Keras' from_logits=True is TensorFlow's softmax / sigmoid cross-entropy with logits, unclipped: tfjs' tf.losses
  // of the same name (mean over the rows; over every value for the sigmoid), logits of ±30 included
  describe('from logits (fromLogits: the gradient w.r.t. the logits), as tf.losses.softmaxCrossEntropy / sigmoidCrossEntropy', () => {
    for (const [label, rows, cols, seed, range] of [['4x5', 4, 5, 61, 3], ['3x7, logits of ±30', 3, 7, 63, 30], ['8x2', 8, 2, 65, 5]] as const) {
      it(`categoricalCrossentropy, soft labels, ${label}`, () => {
        const logits = rand(rows * cols, seed, -range, range), y = softLabels(rows, cols, seed + 1);
        const want = tfLoss((z) => tf.losses.softmaxCrossEntropy(tf.tensor2d(y, [rows, cols]), z) as TF.Scalar, logits, rows, cols);
        compare('cce from logits', simdnetLoss('categoricalCrossentropy', 'logits', logits, y, rows, cols), want);
      });
      it(`sparseCategoricalCrossentropy, ${label}`, () => {
        const logits = rand(rows * cols, seed, -range, range), labels = labelsFor(rows, cols, seed + 2);
        const want = tfLoss((z) => tf.losses.softmaxCrossEntropy(tf.tensor2d(oneHot(labels, cols), [rows, cols]), z) as TF.Scalar, logits, rows, cols);
        compare('sparse cce from logits', simdnetLoss('sparseCategoricalCrossentropy', 'logits', logits, labels, rows, cols), want);
      });
      it(`binaryCrossentropy, soft labels, ${label}`, () => {
        const logits = rand(rows * cols, seed, -range, range), y = rand(rows * cols, seed + 3, 0, 1);
        const want = tfLoss((z) => tf.losses.sigmoidCrossEntropy(tf.tensor2d(y, [rows, cols]), z) as TF.Scalar, logits, rows, cols);
        compare('bce from logits', simdnetLoss('binaryCrossentropy', 'logits', logits, y, rows, cols), want);
      });
    }
  });

  describe('regression losses (reduction MEAN over all elements)', () => {
    const shapes = [[4, 3], [5, 1], [2, 7]] as const;
    const refs: Record<'meanSquaredError' | 'meanAbsoluteError' | 'huber', (y: TF.Tensor2D, p: TF.Tensor2D) => TF.Scalar> = {
      meanSquaredError: (y, p) => tf.losses.meanSquaredError(y, p, undefined, tf.Reduction.MEAN) as TF.Scalar,
      meanAbsoluteError: (y, p) => tf.losses.absoluteDifference(y, p, undefined, tf.Reduction.MEAN) as TF.Scalar,
      huber: (y, p) => tf.losses.huberLoss(y, p, undefined, 1, tf.Reduction.MEAN) as TF.Scalar,
    };
    let seed = 60;
    for (const loss of ['meanSquaredError', 'meanAbsoluteError', 'huber'] as const) {
      for (const [rows, cols] of shapes) {
        const s = (seed += 2);
        it(`${loss} ${rows}x${cols}`, () => {
          const p = rand(rows * cols, s, -2, 2);
          const y = rand(rows * cols, s + 1, -2, 2);
          if (loss === 'huber' && rows * cols > 6) {
            // both branches of huber (|d| ≤ 1 and |d| > 1) are exercised
            const d = p.map((v, i) => Math.abs(v - y[i]));
            expect(d.some((v) => v < 1) && d.some((v) => v > 1)).toBe(true);
          }
          const want = tfLoss((pt) => refs[loss](tf.tensor2d(y, [rows, cols]), pt), p, rows, cols);
          compare(loss, simdnetLoss(loss, false, p, y, rows, cols), want);
          // the regression losses have no fused variant: the flag must not change anything
          const fusedFlag = simdnetLoss(loss, true, p, y, rows, cols);
          expect(fusedFlag.value).toBe(simdnetLoss(loss, false, p, y, rows, cols).value);
        });
      }
    }
    it('tf.metrics and tf.losses agree on MSE / MAE (reference sanity)', () => {
      const p = tf.tensor2d(rand(12, 81, -2, 2), [4, 3]), y = tf.tensor2d(rand(12, 82, -2, 2), [4, 3]);
      expect(relErr(tf.mean(tf.metrics.meanSquaredError(y, p)).dataSync()[0],
        tf.losses.meanSquaredError(y, p, undefined, tf.Reduction.MEAN).dataSync()[0])).toBeLessThan(1e-6);
      expect(relErr(tf.mean(tf.metrics.meanAbsoluteError(y, p)).dataSync()[0],
        tf.losses.absoluteDifference(y, p, undefined, tf.Reduction.MEAN).dataSync()[0])).toBeLessThan(1e-6);
      tf.dispose([p, y]);
    });
  });
});
