// Numerical parity of the layers with TensorFlow.js (cpu backend) as the oracle: forward output, input
// gradient dx and every weight gradient, for L = Σ y ⊙ dy with a fixed random upstream gradient dy.
// Tolerance: max relative error (maxRelError, scaled by max |reference|) ≤ 1e-4.
import type * as TF from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Activation } from '../../src/layers/core.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { Dense } from '../../src/layers/dense.js';
import type { Layer } from '../../src/layers/layer.js';
import { AveragePooling2D, MaxPooling2D } from '../../src/layers/pooling.js';
import type { ActivationName } from '../../src/layers/activations.js';
import { setConvAlgorithm } from '../../src/layers/winograd.js';
import * as sn from '../../src/index.js';
import { LayerHarness, maxRelError, rand } from '../helpers.js';
import { tfjsOracle } from '../tfjs-oracle.js';


const TOL = 1e-4;

// worst error seen per area and quantity, printed at the end
const oracle = tfjsOracle('layer parity');
const tf = oracle.tf;
const record = (area: string, what: string, err: number): void => oracle.record(`${area} ${what}`, err);

type TfFn = (x: TF.Tensor, ...w: TF.Tensor[]) => TF.Tensor;

/** The function tfjs' layers apply for an activation of that name (its registry: tf.layers.activation). */
const tfjsNamed = (name: string) => (t: TF.Tensor): TF.Tensor =>
  tf.layers.activation({ activation: name as 'relu' }).apply(t) as TF.Tensor;

const tfActivation: Record<ActivationName, (t: TF.Tensor) => TF.Tensor> = {
  linear: (t) => t,
  relu: (t) => tf.relu(t),
  tanh: (t) => tf.tanh(t),
  sigmoid: (t) => tf.sigmoid(t),
  softmax: (t) => tf.softmax(t), // last axis
  elu: (t) => tf.elu(t),
  selu: (t) => tf.selu(t),
  softplus: (t) => tf.softplus(t),
  softsign: (t) => tf.div(t, tf.add(1, tf.abs(t))), // as tfjs' 'softsign' activation
  relu6: (t) => tf.relu6(t),
  exponential: (t) => tf.exp(t), // Keras' exponential; tfjs has no activation of that name
  hard_sigmoid: tfjsNamed('hardSigmoid'),
  swish: tfjsNamed('swish'),
  silu: tfjsNamed('swish'), // Keras 3's name of swish
  gelu: tfjsNamed('gelu'),
  gelu_new: tfjsNamed('gelu_new'),
  mish: tfjsNamed('mish'),
};

interface Ref { y: Float32Array; yShape: number[]; grads: Float32Array[] }

/** y = fn(x, ...w) and the gradients of Σ y ⊙ dy with respect to x and each w, computed by tfjs. */
function tfReference(fn: TfFn, x: Float32Array, xShape: number[], ws: { data: Float32Array; shape: number[] }[],
                     dy: Float32Array): Ref {
  return tf.tidy(() => {
    const xT = tf.tensor(x, xShape);
    const wT = ws.map((w) => tf.tensor(w.data, w.shape));
    const y = fn(xT, ...wT);
    expect(y.size).toBe(dy.length);
    const dyT = tf.tensor(dy, y.shape);
    const grads = tf.grads((...a: TF.Tensor[]) => tf.sum(tf.mul(fn(a[0], ...a.slice(1)), dyT)))([xT, ...wT]);
    return { y: y.dataSync() as Float32Array, yShape: y.shape, grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

/** Minimum |v| (used to check that no ReLU pre-activation sits on the kink). */
function minAbs(a: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < a.length; i++) m = Math.min(m, Math.abs(a[i]));
  return m;
}

/**
 * Runs `layer` in the harness (weights: the harness' random values) and compares y, dx and each weight
 * gradient with the tfjs reference `ref(x, ...weights)`.
 */
function checkLayer(area: string, layer: Layer, inputShape: number[], batch: number, ref: TfFn,
                    opts: { seed: number; xRange?: [number, number]; preActivation?: TfFn; distinct?: boolean } = { seed: 1 }): void {
  const h = new LayerHarness(layer, inputShape, batch);
  try {
    const x = rand(h.inSize, opts.seed, ...(opts.xRange ?? [-1, 1]));
    const dy = rand(h.outSize, opts.seed + 7919, -1, 1);
    const weights = h.weights();
    const ws = layer.params.map((p, i) => ({ data: weights[i], shape: p.shape }));
    const xShape = [batch, ...inputShape];
    // guard: max pooling needs no ties (the argmax, hence dx, would be ambiguous)
    if (opts.distinct) expect(new Set(x).size, 'input values must be distinct').toBe(x.length);
    // guard: a ReLU pre-activation within rounding of 0 would make the mask (and dx) ambiguous
    if (opts.preActivation) {
      const z = tf.tidy(() => opts.preActivation!(tf.tensor(x, xShape), ...ws.map((w) => tf.tensor(w.data, w.shape))).dataSync());
      expect(minAbs(z), 'a ReLU pre-activation is too close to 0: change the seed').toBeGreaterThan(1e-5);
    }
    const r = h.run(x, dy);
    const want = tfReference(ref, x, xShape, ws, dy);
    expect(want.yShape).toEqual([batch, ...layer.outputShape]);

    const eY = maxRelError(r.y, want.y);
    record(area, 'y', eY);
    expect(eY, 'forward y').toBeLessThanOrEqual(TOL);

    expect(r.dx, 'dx').not.toBeNull();
    const eDx = maxRelError(r.dx!, want.grads[0]);
    record(area, 'dx', eDx);
    expect(eDx, 'dx').toBeLessThanOrEqual(TOL);

    expect(r.dw.length).toBe(layer.params.length);
    layer.params.forEach((p, i) => {
      const e = maxRelError(r.dw[i], want.grads[i + 1]);
      record(area, `d${p.name}`, e);
      expect(e, `d${p.name}`).toBeLessThanOrEqual(TOL);
    });
  } finally {
    h.dispose();
  }
}

const ACTS4: ActivationName[] = ['linear', 'relu', 'tanh', 'sigmoid'];
const ACTS5: ActivationName[] = [...ACTS4, 'softmax'];
/** Keras' activations whose derivative is a function of the output, beyond the lab's. */
const MORE: ActivationName[] = ['elu', 'selu', 'softplus', 'softsign', 'relu6', 'exponential', 'hard_sigmoid'];
/** The activations whose derivative needs the input (the layers keep their pre-activation for them). */
const INPUT: ActivationName[] = ['swish', 'silu', 'gelu', 'gelu_new', 'mish'];

const fmt = (v: number | number[]): string => (Array.isArray(v) ? `[${v.join(',')}]` : String(v));

// ---------------------------------------------------------------------------------------------------
describe('Conv2D parity with tf.conv2d (forward, dx, dkernel, dbias)', () => {
  interface ConvCase {
    input: [number, number, number]; filters: number; kernel: number | [number, number];
    strides: number | [number, number]; padding: 'valid' | 'same'; batch: number; useBias?: boolean;
  }
  const base: [number, number, number] = [7, 5, 3];
  const geometries: ConvCase[] = [];
  let bi = 0;
  for (const kernel of [3, [2, 3]] as (number | [number, number])[]) {
    for (const strides of [1, 2, [1, 2]] as (number | [number, number])[]) {
      for (const padding of ['valid', 'same'] as const) {
        geometries.push({ input: base, filters: 5, kernel, strides, padding, batch: 2 + (bi++ % 2) });
      }
    }
  }
  // extra shapes: asymmetric 'same' padding (even input, stride 2), wide output (9 filters > one 8-column
  // panel), 1x1 kernels, tall kernels with [2,1] strides, no bias, a single input channel
  const extras: ConvCase[] = [
    { input: [8, 6, 2], filters: 9, kernel: 3, strides: 2, padding: 'same', batch: 3 },
    { input: [8, 6, 2], filters: 4, kernel: [3, 2], strides: [2, 1], padding: 'valid', batch: 2 },
    { input: [5, 7, 4], filters: 6, kernel: 1, strides: 1, padding: 'valid', batch: 2 },
    { input: [5, 7, 4], filters: 3, kernel: 1, strides: 2, padding: 'same', batch: 3 },
    { input: [6, 6, 1], filters: 2, kernel: 5, strides: 3, padding: 'same', batch: 2 },
    { input: [7, 5, 3], filters: 5, kernel: 3, strides: [2, 1], padding: 'same', batch: 2, useBias: false },
    { input: [7, 5, 3], filters: 5, kernel: [2, 3], strides: 2, padding: 'valid', batch: 3, useBias: false },
  ];

  const cases: (ConvCase & { activation: ActivationName })[] = [];
  for (const g of geometries) for (const activation of ACTS4) cases.push({ ...g, activation });
  extras.forEach((g, i) => cases.push({ ...g, activation: ACTS4[i % 4] }));
  extras.forEach((g, i) => cases.push({ ...g, activation: ACTS4[(i + 1) % 4] }));

  let seed = 100;
  for (const c of cases) {
    const s = seed++;
    const name = `${c.input.join('x')} in, ${c.filters} filters, kernel ${fmt(c.kernel)}, strides ${fmt(c.strides)}, ` +
      `${c.padding}, batch ${c.batch}, ${c.activation}${c.useBias === false ? ', no bias' : ''}`;
    it(name, () => {
      const layer = new Conv2D({ filters: c.filters, kernelSize: c.kernel, strides: c.strides, padding: c.padding,
        activation: c.activation, useBias: c.useBias });
      const strides = (Array.isArray(c.strides) ? c.strides : [c.strides, c.strides]) as [number, number];
      const pre: TfFn = (x, w, b) => {
        const z = tf.conv2d(x as TF.Tensor4D, w as TF.Tensor4D, strides, c.padding);
        return b ? tf.add(z, b) : z;
      };
      checkLayer('conv2d', layer, c.input, c.batch, (x, w, b) => tfActivation[c.activation](pre(x, w, b)),
        { seed: s, preActivation: c.activation === 'relu' ? pre : undefined });
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// Larger shapes that cross the GEMM's cache blocking (KC = 512 reduction, NC = 256 columns) in the
// forward, backward-data and backward-filter products.
describe('GEMM blocking (reduction > 512, columns > 256)', () => {
  it('conv2d 16x17x64 in, 8 filters, kernel 3, same, batch 2, tanh (forward K = 576, dW reduction 544)', () => {
    const layer = new Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'tanh' });
    checkLayer('conv2d large', layer, [16, 17, 64], 2,
      (x, w, b) => tf.tanh(tf.add(tf.conv2d(x as TF.Tensor4D, w as TF.Tensor4D, 1, 'same'), b)), { seed: 4001 });
  });
  it('conv2d 4x5x3 in, 260 filters, kernel 3, same, batch 2, linear (N = 260, backward-data K = 2340)', () => {
    const layer = new Conv2D({ filters: 260, kernelSize: 3, padding: 'same' });
    checkLayer('conv2d large', layer, [4, 5, 3], 2,
      (x, w, b) => tf.add(tf.conv2d(x as TF.Tensor4D, w as TF.Tensor4D, 1, 'same'), b), { seed: 4002 });
  });
  it('dense 600 -> 270 units, batch 3, sigmoid (K = 600, N = 270; dx with N = 600)', () => {
    const layer = new Dense({ units: 270, activation: 'sigmoid' });
    checkLayer('dense large', layer, [600], 3,
      (x, w, b) => tf.sigmoid(tf.add(tf.matMul(x as TF.Tensor2D, w as TF.Tensor2D), b)), { seed: 4003 });
  });
});

// ---------------------------------------------------------------------------------------------------
/** TensorFlow's 'same' padding along one axis (computed here independently of simdnet). */
function samePad(size: number, k: number, s: number): [number, number] {
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

describe('MaxPooling2D / AveragePooling2D parity with tf.maxPool / tf.avgPool (forward, dx)', () => {
  interface PoolCase { pool: number | [number, number]; strides?: number | [number, number]; padding: 'valid' | 'same';
    input: [number, number, number]; batch: number }
  const cases: PoolCase[] = [];
  let bi = 0;
  for (const pool of [2, 3]) {
    for (const strides of [1, 2]) {
      for (const padding of ['valid', 'same'] as const) {
        cases.push({ pool, strides, padding, input: [7, 5, 3], batch: 2 + (bi++ % 2) });
      }
    }
  }
  cases.push({ pool: [2, 3], strides: [1, 2], padding: 'valid', input: [7, 5, 3], batch: 2 });
  cases.push({ pool: [2, 3], strides: [1, 2], padding: 'same', input: [7, 5, 3], batch: 3 });
  cases.push({ pool: [3, 2], strides: [2, 1], padding: 'same', input: [6, 8, 2], batch: 2 });
  cases.push({ pool: 2, padding: 'valid', input: [6, 8, 2], batch: 2 }); // default strides = poolSize
  cases.push({ pool: 3, padding: 'same', input: [8, 6, 2], batch: 2 }); // default strides, asymmetric padding
  // channels in multiples of 4 take the SIMD max-pool path
  cases.push({ pool: 2, padding: 'valid', input: [6, 6, 8], batch: 2 });
  cases.push({ pool: 3, strides: 2, padding: 'same', input: [7, 5, 4], batch: 3 });

  let seed = 500;
  for (const kind of ['max', 'avg'] as const) {
    for (const c of cases) {
      const s = seed++;
      const pool = (Array.isArray(c.pool) ? c.pool : [c.pool, c.pool]) as [number, number];
      const strides = (c.strides === undefined ? pool : Array.isArray(c.strides) ? c.strides : [c.strides, c.strides]) as [number, number];
      const name = `${kind}Pooling2d ${c.input.join('x')} in, pool ${fmt(c.pool)}, strides ${c.strides === undefined ? 'default' : fmt(c.strides)}, ` +
        `${c.padding}, batch ${c.batch}`;
      it(name, () => {
        const args = { poolSize: c.pool, strides: c.strides, padding: c.padding };
        const layer = kind === 'max' ? new MaxPooling2D(args) : new AveragePooling2D(args);
        let ref: TfFn;
        if (kind === 'max') {
          ref = (x) => tf.maxPool(x as TF.Tensor4D, pool, strides, c.padding);
        } else if (c.padding === 'valid') {
          ref = (x) => tf.avgPool(x as TF.Tensor4D, pool, strides, 'valid');
        } else {
          // tfjs' cpu AvgPoolGrad divides by the full window size even where 'same' padding cuts the window
          // (inconsistent with its own forward, which averages over the valid taps only). So the reference is
          // built from ops whose gradients are exact: pad explicitly, sum-pool, divide by the count of valid taps.
          const [pt, pb] = samePad(c.input[0], pool[0], strides[0]);
          const [pl, pr] = samePad(c.input[1], pool[1], strides[1]);
          const pads: [number, number][] = [[0, 0], [pt, pb], [pl, pr], [0, 0]];
          ref = (x) => {
            const sum = tf.avgPool(tf.pad(x as TF.Tensor4D, pads), pool, strides, 'valid');
            const count = tf.avgPool(tf.pad(tf.onesLike(x) as TF.Tensor4D, pads), pool, strides, 'valid');
            return tf.div(sum, count);
          };
          // the construction must agree with tf.avgPool's own 'same' forward
          const x0 = rand(c.batch * c.input.reduce((a, b) => a * b, 1), s, -1, 1);
          const e = tf.tidy(() => {
            const xt = tf.tensor4d(x0, [c.batch, ...c.input]);
            return maxRelError(ref(xt).dataSync(), tf.avgPool(xt, pool, strides, 'same').dataSync());
          });
          expect(e, 'reference construction vs tf.avgPool same forward').toBeLessThan(1e-6);
        }
        checkLayer(`${kind}Pooling2d`, layer, c.input, c.batch, ref, { seed: s, distinct: kind === 'max' });
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------------
describe('Dense parity with tf.matMul (forward, dx, dkernel, dbias)', () => {
  const cases: { inDim: number; units: number; batch: number; activation: ActivationName; useBias?: boolean }[] = [];
  for (const activation of ACTS5) cases.push({ inDim: 7, units: 5, batch: 3, activation });
  // past one 4x8 micro-tile in every direction, and odd sizes
  for (const activation of ACTS5) cases.push({ inDim: 13, units: 9, batch: 6, activation });
  cases.push({ inDim: 6, units: 3, batch: 2, activation: 'tanh', useBias: false });
  cases.push({ inDim: 1, units: 4, batch: 5, activation: 'softmax' });
  for (const activation of MORE) cases.push({ inDim: 13, units: 9, batch: 6, activation });
  for (const activation of INPUT) cases.push({ inDim: 13, units: 9, batch: 6, activation });
  for (const activation of INPUT) cases.push({ inDim: 7, units: 5, batch: 3, activation, useBias: false });
  cases.push({ inDim: 5, units: 1, batch: 3, activation: 'sigmoid' });

  let seed = 900;
  for (const c of cases) {
    const s = seed++;
    it(`${c.inDim} -> ${c.units} units, batch ${c.batch}, ${c.activation}${c.useBias === false ? ', no bias' : ''}`, () => {
      const layer = new Dense({ units: c.units, activation: c.activation, useBias: c.useBias });
      const pre: TfFn = (x, w, b) => {
        const z = tf.matMul(x as TF.Tensor2D, w as TF.Tensor2D);
        return b ? tf.add(z, b) : z;
      };
      checkLayer('dense', layer, [c.inDim], c.batch, (x, w, b) => tfActivation[c.activation](pre(x, w, b)),
        { seed: s, xRange: [-2, 2], preActivation: c.activation === 'relu' ? pre : undefined });
    });
  }
});

// ---------------------------------------------------------------------------------------------------
describe('Activation layer parity with tfjs activations (forward, dx)', () => {
  const shapes: { shape: number[]; batch: number }[] = [
    { shape: [7], batch: 3 },
    { shape: [3, 2, 5], batch: 2 }, // softmax over the last axis of a rank-3 sample
  ];
  let seed = 1300;
  for (const activation of [...ACTS5, ...MORE, ...INPUT]) {
    for (const { shape, batch } of shapes) {
      const s = seed++;
      it(`${activation} on [${shape.join(',')}], batch ${batch}`, () => {
        checkLayer('activation', new Activation({ activation }), shape, batch, (x) => tfActivation[activation](x),
          { seed: s, xRange: [-3, 3], preActivation: activation === 'relu' ? (x) => x : undefined });
      });
    }
  }
});

/** An Activation layer's output and input gradient (dy = 1) over `xs`, one sample. */
function activationAt(activation: ActivationName, xs: Float32Array): { y: Float32Array; dx: Float32Array } {
  const h = new LayerHarness(new Activation({ activation }), [xs.length], 1);
  try {
    const r = h.run(xs, new Float32Array(xs.length).fill(1));
    return { y: r.y, dx: r.dx! };
  } finally {
    h.dispose();
  }
}

/**
 * The worst errors of an activation against tfjs over `xs`, value by value: y relative to max(|y|, yFloor), dx relative
 * to max(|dx|, 1); recorded and held to `tol`.
 */
function checkWideRange(activation: ActivationName, xs: Float32Array, yFloor: number, tol: number): void {
  const r = activationAt(activation, xs);
  const want = tfReference(tfActivation[activation], xs, [1, xs.length], [], new Float32Array(xs.length).fill(1));
  let eY = 0, eDx = 0;
  xs.forEach((_, i) => {
    eY = Math.max(eY, Math.abs(r.y[i] - want.y[i]) / Math.max(Math.abs(want.y[i]), yFloor));
    eDx = Math.max(eDx, Math.abs(r.dx[i] - want.grads[0][i]) / Math.max(Math.abs(want.grads[0][i]), 1));
  });
  record(`${activation} wide range, value by value`, 'y', eY);
  record(`${activation} wide range, value by value`, 'dx', eDx);
  expect(eY, 'forward y').toBeLessThanOrEqual(tol);
  expect(eDx, 'dx').toBeLessThanOrEqual(tol);
}

// ---------------------------------------------------------------------------------------------------
describe('activations over a wide range, value by value (tfjs)', () => {
  // tiny values (where e^x - 1 and ln(1 + e^x) lose digits if computed naively), large ones (overflow), relu6's kinks
  const mags = [1e-7, 1e-5, 1e-3, 0.01, 0.1, 0.5, 1, 2, 5, 5.99, 6.01, 10, 20, 40, 80];
  const xs = Float32Array.from([...mags.map((v) => -v), ...mags]);
  for (const activation of [...ACTS4.filter((a) => a !== 'linear'), ...MORE]) {
    // outputs: relative, value by value; derivatives: relative to max(|f'|, 1) (those computed from the output, as
    // tfjs' elu gradient is, keep absolute precision only)
    it(activation, () => checkWideRange(activation, xs, 1e-30, 2e-6));
  }
});

// ---------------------------------------------------------------------------------------------------
describe('activations needing the input over a wide range, value by value (tfjs)', () => {
  // tfjs' gelu takes 1 + erf(x/√2) with Abramowitz–Stegun's erf (1.5e-7 absolute) and gelu_new 1 + tanh: both keep
  // absolute precision only, so y and dx are judged relative to max(|reference|, 1) here; the relative precision
  // is checked against float64 formulas below
  const mags = [1e-7, 1e-5, 1e-3, 0.01, 0.1, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 10, 13, 20, 40, 80];
  const xs = Float32Array.from([...mags.map((v) => -v), ...mags]);
  for (const activation of INPUT) it(activation, () => checkWideRange(activation, xs, 1, 1e-6));
});

/** erfc(z), z ≥ 0, in float64: its Taylor series below 2 (erf's, ~1e-14 absolute), Laplace's continued fraction above. */
function erfc64(z: number): number {
  if (z < 2) {
    let term = z, sum = z;
    for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-z * z) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = z;
  for (let k = 400; k >= 1; k--) f = z + k / 2 / f;
  return Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
}

/**
 * float64 references: f(x) and f'(x), and the scale f' is judged against (the sum of its terms' magnitudes: f' crosses 0
 * where two terms cancel, and float32 inputs to them cannot do better than that scale).
 */
const sigmoid64 = (x: number): number => 1 / (1 + Math.exp(-x));
const REFERENCE64: Partial<Record<ActivationName, (x: number) => { y: number; d: number; scale: number }>> = {
  exponential: (x) => ({ y: Math.exp(x), d: Math.exp(x), scale: Math.exp(x) }),
  swish: (x) => { const s = sigmoid64(x); return { y: x * s, d: s + x * s * (1 - s), scale: s + Math.abs(x * s * (1 - s)) }; },
  gelu: (x) => {
    const phi = x < 0 ? erfc64(-x / Math.SQRT2) / 2 : 1 - erfc64(x / Math.SQRT2) / 2;
    const t = x * Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    return { y: x * phi, d: phi + t, scale: phi + Math.abs(t) };
  },
  gelu_new: (x) => {
    const s = sigmoid64(2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3));
    const t = x * s * (1 - s) * 2 * Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * x * x);
    return { y: x * s, d: s + t, scale: s + Math.abs(t) };
  },
  mish: (x) => {
    const th = Math.tanh(x > 30 ? x : Math.log1p(Math.exp(x)));
    const t = x * (1 - th * th) * sigmoid64(x);
    return { y: x * th, d: th + t, scale: Math.abs(th) + Math.abs(t) };
  },
};

describe('activations needing the input (and exponential) against float64 formulas, value by value', () => {
  // a fine grid over [-13, 13] (past -13 gelu is below the smallest normal float) and tiny values; exponential to its overflow
  const grid = Array.from({ length: 2601 }, (_, i) => -13 + i / 100);
  const tiny = [1e-30, 1e-12, 1e-7, 1e-4].flatMap((v) => [v, -v]);
  // the worst relative errors seen, set a little above the measured ones (simd and relaxed kernels)
  const TOL64: Partial<Record<ActivationName, { y: number; d: number }>> = {
    exponential: { y: 2e-7, d: 2e-7 }, swish: { y: 4e-7, d: 4e-7 }, gelu: { y: 6e-7, d: 6e-7 }, mish: { y: 5e-7, d: 5e-7 },
    // gelu_new's lower tail: its argument 2u rounds in float32 (a few ulp of up to 87), which e^{2u} turns into ~8e-6
    gelu_new: { y: 2e-5, d: 2e-5 },
  };
  for (const activation of Object.keys(REFERENCE64) as ActivationName[]) {
    it(activation, () => {
      const xs = Float32Array.from([...grid, ...tiny, ...(activation === 'exponential' ? [-87.3, -87, 50, 88, 88.5, 88.72] : [-40, 30, 80])]);
      const r = activationAt(activation, xs);
      let eY = 0, eD = 0;
      xs.forEach((x, i) => {
        const w = REFERENCE64[activation]!(x);
        eY = Math.max(eY, Math.abs(r.y[i] - w.y) / Math.max(Math.abs(w.y), 1e-30));
        eD = Math.max(eD, Math.abs(r.dx[i] - w.d) / Math.max(w.scale, 1e-30));
      });
      record(`${activation} vs float64, value by value`, 'y', eY);
      record(`${activation} vs float64, value by value`, 'dx', eD);
      expect(eY, 'forward y').toBeLessThanOrEqual(TOL64[activation]!.y);
      expect(eD, 'dx').toBeLessThanOrEqual(TOL64[activation]!.d);
    });
  }
  it('swish, gelu, gelu_new and mish reach their limits at any magnitude: y = x and f\' = 1 far above 0, y = -0 and f\' = 0 far below', () => {
    const big = [100, 1e4, 1e13, 1e17, 1e21, 1e30, 1e38];
    const xs = Float32Array.from([...big, ...big.map((v) => -v)]);
    for (const activation of ['swish', 'gelu', 'gelu_new', 'mish'] as ActivationName[]) {
      const r = activationAt(activation, xs);
      xs.forEach((x, i) => {
        const at = `${activation}(${x})`;
        if (x > 0) {
          expect(Math.abs(r.y[i] / x - 1), at).toBeLessThan(1e-6);
          expect(Math.abs(r.dx[i] - 1), `${at}'`).toBeLessThan(1e-6);
        } else {
          expect(Math.abs(r.y[i]), at).toBeLessThan(1e-30);
          expect(Math.abs(r.dx[i]), `${at}'`).toBeLessThan(1e-30);
        }
      });
    }
  });

  it('exponential overflows to Infinity past ln(FLT_MAX) and underflows through the subnormals to 0 (exp4 alone would saturate), NaN stays NaN', () => {
    const xs = Float32Array.from([88.7, 89, 200, -90, -110, -200, NaN]);
    const { y } = activationAt('exponential', xs);
    expect(Math.abs(y[0] / Math.exp(xs[0]) - 1)).toBeLessThan(1e-6);
    expect(Math.abs(y[3] / Math.exp(-90) - 1)).toBeLessThan(1e-5); // 1.2e-39, a subnormal of 21 bits
    expect(Array.from(y.slice(1, 3))).toEqual([Infinity, Infinity]);
    expect(Array.from(y.slice(4))).toEqual([0, 0, NaN]);
  });
});

// ---------------------------------------------------------------------------------------------------
describe('Conv2D parity through the activations needing the input, on the GEMM and Winograd paths', () => {
  let seed = 1700;
  for (const setting of ['gemm', 'winograd2', 'winograd4'] as const) {
    for (const activation of INPUT) {
      const s = seed++;
      it(`${setting}, 7x6x3 in, 4 filters, kernel 3, same, batch 2, ${activation}`, () => {
        setConvAlgorithm(setting);
        try {
          const layer = new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation });
          checkLayer(`conv2d ${setting}`, layer, [7, 6, 3], 2,
            (x, w, b) => tfActivation[activation](tf.add(tf.conv2d(x as TF.Tensor4D, w as TF.Tensor4D, 1, 'same'), b)), { seed: s });
          expect(layer.convChoice?.forward.algorithm).toBe(setting === 'gemm' ? 'gemm' : Number(setting.slice(-1)));
        } finally {
          setConvAlgorithm(null);
        }
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------------
describe('training through the activations needing the input: SGD steps vs tfjs', () => {
  it('Conv2D gelu → Flatten → Dense mish → Dense swish, mean squared error, 5 SGD steps: the same losses and weights', async () => {
    const m = sn.sequential({ seed: 3 });
    m.add(sn.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'gelu', inputShape: [6, 5, 2] }));
    m.add(sn.layers.flatten());
    m.add(sn.layers.dense({ units: 4, activation: 'mish' }));
    m.add(sn.layers.dense({ units: 2, activation: 'swish' }));
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    const t = tf.sequential();
    t.add(tf.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'gelu', inputShape: [6, 5, 2] }));
    t.add(tf.layers.flatten());
    t.add(tf.layers.dense({ units: 4, activation: 'mish' }));
    t.add(tf.layers.dense({ units: 2, activation: 'swish' }));
    t.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    t.setWeights(m.getWeights().map((w) => tf.tensor(w.data as Float32Array, [...w.shape])));
    const x = rand(8 * 6 * 5 * 2, 71, -2, 2), y = rand(8 * 2, 72, -1, 1);
    const xt = tf.tensor(x, [8, 6, 5, 2]), yt = tf.tensor(y, [8, 2]);
    const ours: number[] = [], theirs: number[] = [];
    for (let step = 0; step < 5; step++) {
      ours.push(await m.trainOnBatch(sn.tensor(x, [8, 6, 5, 2]), sn.tensor(y, [8, 2])) as number);
      theirs.push(await t.trainOnBatch(xt, yt) as number);
    }
    expect(theirs[4], 'the loss falls').toBeLessThan(theirs[0]);
    const eLoss = Math.max(...ours.map((l, i) => Math.abs(l - theirs[i]) / theirs[i]));
    const eW = Math.max(...t.getWeights().map((w, i) => maxRelError(m.getWeights()[i].data, w.dataSync())));
    record('training gelu/mish/swish, 5 SGD steps', 'losses', eLoss);
    record('training gelu/mish/swish, 5 SGD steps', 'weights', eW);
    expect(eLoss, 'losses').toBeLessThanOrEqual(1e-5);
    expect(eW, 'weights').toBeLessThanOrEqual(1e-5);
    m.dispose(); t.dispose(); tf.dispose([xt, yt]);
  });
});
