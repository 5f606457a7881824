// Optimizers against TensorFlow.js (cpu backend): from identical weights and the same fixed sequence of
// gradients, 5 steps of each simdnet optimizer must track the tfjs optimizer after every step.
// Compared after each step: the weights (max relative error ≤ 1e-5), and the displacement from the initial
// weights (more sensitive, as the weights are dominated by their initial values; ≤ 1e-4 because rounding
// weights of magnitude ~1 to f32 already costs ~1e-5 of a displacement of a few learning rates).
import type * as TF from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as sn from '../../src/index.js';
import { Adadelta, Adagrad, Adam, Adamax, Nadam, optimizerFromConfig, RMSprop, SGD, type Optimizer } from '../../src/engine/optimizers.js';
import { maxRelError, rand, rt } from '../helpers.js';
import { tfjsOracle } from '../tfjs-oracle.js';


const TOL = 1e-5;
const DISP_TOL = 1e-4;
const STEPS = 5;
// 19 parameters: four 4-lane SIMD blocks and a scalar tail of 3 in the kernels that vectorise
const N = 19;

const { tf, record } = tfjsOracle('optimizer parity');
let backendEpsilon = 0;
beforeAll(() => { backendEpsilon = tf.backend().epsilon(); });

const initial = (seed = 7): Float32Array => rand(N, seed, -1, 1);
const gradientSequence = (seed = 70, scale = 1): Float32Array[] =>
  Array.from({ length: STEPS }, (_, t) => rand(N, seed + t, -scale, scale));

/** Weights after each of the steps of a simdnet optimizer. */
function runSimdnet(opt: Optimizer, w0: Float32Array, grads: Float32Array[]): Float32Array[] {
  const owner = {};
  const p = rt.arena.alloc(N * 4, 'test params');
  const g = rt.arena.alloc(N * 4, 'test grads');
  const out: Float32Array[] = [];
  try {
    rt.f32(p, N).set(w0);
    for (const gt of grads) {
      rt.f32(g, N).set(gt);
      opt.step(rt, owner, p, g, N);
      out.push(rt.f32(p, N).slice());
      // the optimizer must not touch the gradients
      expect(Array.from(rt.f32(g, N))).toEqual(Array.from(gt));
    }
    expect(opt.iterations).toBe(grads.length);
  } finally {
    opt.reset();
    rt.arena.release(g);
    rt.arena.release(p);
  }
  return out;
}

/** Weights after each step of a tfjs optimizer applied to a variable with the same gradients. */
function runTfjs(opt: TF.Optimizer, w0: Float32Array, grads: Float32Array[]): Float32Array[] {
  const v = tf.variable(tf.tensor1d(w0));
  const out: Float32Array[] = [];
  try {
    for (const gt of grads) {
      tf.tidy(() => opt.applyGradients({ [v.name]: tf.tensor1d(gt) }));
      out.push(v.dataSync().slice() as Float32Array);
    }
  } finally {
    opt.dispose();
    v.dispose();
  }
  return out;
}

const sub = (a: Float32Array, b: Float32Array): Float64Array => Float64Array.from(a, (v, i) => v - b[i]);

/**
 * Compares two trajectories step by step: weights (≤ TOL) and, unless dispTol is null, the displacement
 * from w0 (≤ dispTol).
 */
function compareTrajectories(name: string, got: Float32Array[], want: ArrayLike<number>[], w0: Float32Array,
                             dispTol: number | null = DISP_TOL): void {
  expect(got.length).toBe(want.length);
  for (let t = 0; t < got.length; t++) {
    const eW = maxRelError(got[t], want[t]);
    record(`${name} weights`, eW);
    expect(eW, `${name}: weights after step ${t + 1}`).toBeLessThanOrEqual(TOL);
    if (dispTol === null) continue;
    const eD = maxRelError(sub(got[t], w0), Float64Array.from(want[t], (v, i) => v - w0[i]));
    record(`${name} displacement`, eD);
    expect(eD, `${name}: displacement after step ${t + 1}`).toBeLessThanOrEqual(dispTol);
  }
  // the steps really moved the weights (so the comparison is not vacuous)
  expect(maxRelError(got[got.length - 1], w0)).toBeGreaterThan(1e-3);
}

describe('optimizer parity with tfjs (5 steps, same gradients)', () => {
  it('tfjs cpu backend epsilon is 1e-7 (used by tf.train.adagrad, and passed explicitly elsewhere)', () => {
    expect(backendEpsilon).toBeCloseTo(1e-7, 12);
  });

  it('SGD (plain, lr 0.1) vs tf.train.sgd', () => {
    const w0 = initial(), grads = gradientSequence();
    compareTrajectories('sgd', runSimdnet(new SGD({ learningRate: 0.1 }), w0, grads), runTfjs(tf.train.sgd(0.1), w0, grads), w0);
  });

  it('SGD (plain) with default learning rate 0.01 vs tf.train.sgd(0.01)', () => {
    const w0 = initial(8), grads = gradientSequence(80);
    compareTrajectories('sgd default lr', runSimdnet(new SGD(), w0, grads), runTfjs(tf.train.sgd(0.01), w0, grads), w0);
  });

  it('SGD momentum 0.9 vs tf.train.momentum(0.1, 0.9)', () => {
    const w0 = initial(), grads = gradientSequence();
    compareTrajectories('sgd momentum',
      runSimdnet(new SGD({ learningRate: 0.1, momentum: 0.9 }), w0, grads),
      runTfjs(tf.train.momentum(0.1, 0.9, false), w0, grads), w0);
  });

  it('SGD momentum 0.9 nesterov vs tf.train.momentum(0.1, 0.9, useNesterov)', () => {
    const w0 = initial(), grads = gradientSequence();
    compareTrajectories('sgd nesterov',
      runSimdnet(new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), w0, grads),
      runTfjs(tf.train.momentum(0.1, 0.9, true), w0, grads), w0);
  });

  it('SGD nesterov differs from plain momentum (the two cases are distinguishable)', () => {
    const w0 = initial(), grads = gradientSequence();
    const a = runSimdnet(new SGD({ learningRate: 0.1, momentum: 0.9 }), w0, grads);
    const b = runSimdnet(new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), w0, grads);
    expect(maxRelError(a[STEPS - 1], b[STEPS - 1])).toBeGreaterThan(1e-2);
  });

  // Adam, TensorFlow.js form: p -= lr · m̂ / (sqrt(v̂) + ε). (Keras' "epsilon hat" form differs when |g| ~ ε;
  // simdnet follows tfjs, so even tiny gradients and a large ε must match.)
  const ADAM_CASES = [
    { label: 'lr 0.01, beta1 0.9, beta2 0.999, epsilon 1e-7', lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-7, seed: 7 },
    { label: 'lr 0.05, beta1 0.8, beta2 0.99, epsilon 1e-7', lr: 0.05, b1: 0.8, b2: 0.99, eps: 1e-7, seed: 9 },
    { label: 'lr 0.01, beta1 0.9, beta2 0.999, epsilon 1e-3', lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-3, seed: 11 },
  ];
  for (const c of ADAM_CASES) {
    it(`Adam (${c.label}) vs tf.train.adam`, () => {
      const w0 = initial(c.seed), grads = gradientSequence(c.seed * 10);
      compareTrajectories(`adam eps ${c.eps}`,
        runSimdnet(new Adam({ learningRate: c.lr, beta1: c.b1, beta2: c.b2, epsilon: c.eps }), w0, grads),
        runTfjs(tf.train.adam(c.lr, c.b1, c.b2, c.eps), w0, grads), w0);
    });
  }

  it('Adam defaults equal tf.train.adam defaults (lr 0.001, 0.9, 0.999, backend epsilon)', () => {
    const w0 = initial(10), grads = gradientSequence(100);
    compareTrajectories('adam defaults', runSimdnet(new Adam(), w0, grads), runTfjs(tf.train.adam(), w0, grads), w0);
  });

  it('Adam with tiny gradients (|g| ~ 1e-6, epsilon 1e-7) vs tf.train.adam: epsilon sits where tfjs puts it', () => {
    const w0 = initial(12), grads = gradientSequence(120, 1e-6);
    compareTrajectories('adam small gradients',
      runSimdnet(new Adam({ learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }), w0, grads),
      runTfjs(tf.train.adam(0.01, 0.9, 0.999, 1e-7), w0, grads), w0);
  });

  it('Adagrad (lr 0.1, initial accumulator 0.1, epsilon 1e-7) vs tf.train.adagrad', () => {
    const w0 = initial(), grads = gradientSequence();
    compareTrajectories('adagrad',
      runSimdnet(new Adagrad({ learningRate: 0.1, initialAccumulatorValue: 0.1, epsilon: backendEpsilon }), w0, grads),
      runTfjs(tf.train.adagrad(0.1, 0.1), w0, grads), w0);
  });

  it('Adagrad (lr 0.5, initial accumulator 0.01) vs tf.train.adagrad', () => {
    const w0 = initial(12), grads = gradientSequence(120);
    compareTrajectories('adagrad accum 0.01',
      runSimdnet(new Adagrad({ learningRate: 0.5, initialAccumulatorValue: 0.01, epsilon: backendEpsilon }), w0, grads),
      runTfjs(tf.train.adagrad(0.5, 0.01), w0, grads), w0);
  });

  it('RMSprop without momentum (lr 0.01, rho 0.9, epsilon 1e-7) vs tf.train.rmsprop', () => {
    const w0 = initial(), grads = gradientSequence();
    compareTrajectories('rmsprop',
      runSimdnet(new RMSprop({ learningRate: 0.01, rho: 0.9, momentum: 0, epsilon: 1e-7 }), w0, grads),
      runTfjs(tf.train.rmsprop(0.01, 0.9, 0, 1e-7, false), w0, grads), w0);
  });

  it('RMSprop with momentum 0.9 (lr 0.01, rho 0.8, epsilon 1e-7) vs tf.train.rmsprop', () => {
    const w0 = initial(), grads = gradientSequence();
    compareTrajectories('rmsprop momentum',
      runSimdnet(new RMSprop({ learningRate: 0.01, rho: 0.8, momentum: 0.9, epsilon: 1e-7 }), w0, grads),
      runTfjs(tf.train.rmsprop(0.01, 0.8, 0.9, 1e-7, false), w0, grads), w0);
  });

  it('RMSprop defaults equal tf.train.rmsprop defaults (lr 0.001, decay 0.9, momentum 0, backend epsilon)', () => {
    const w0 = initial(13), grads = gradientSequence(130);
    compareTrajectories('rmsprop defaults', runSimdnet(new RMSprop(), w0, grads), runTfjs(tf.train.rmsprop(0.001), w0, grads), w0);
  });

  it("RMSprop refuses decay (Keras' learning-rate decay, tfjs' rho: either port would train otherwise), but takes decay 0", () => {
    expect(() => new RMSprop({ learningRate: 1e-4, decay: 1e-6 })).toThrow(/^rmsprop: decay 0\.000001 is ambiguous: Keras' RMSprop\(decay=\.\.\.\) is a learning-rate decay.*pass that as rho \(default 0\.9\)$/);
    expect(() => new RMSprop({ rho: 0.9, decay: 0.9 })).toThrow(/decay 0\.9 is ambiguous/);
    expect(new RMSprop({ decay: 0 }).rho).toBe(0.9);
    expect(new RMSprop({ rho: 0.8 }).rho).toBe(0.8);
  });

  it('state is per optimizer: reset() restarts from zero moments (second run equals the first)', () => {
    const w0 = initial(), grads = gradientSequence();
    const opt = new Adam({ learningRate: 0.01 });
    const first = runSimdnet(opt, w0, grads); // runSimdnet calls reset() at the end
    const second = runSimdnet(opt, w0, grads);
    expect(maxRelError(second[STEPS - 1], first[STEPS - 1])).toBe(0);
  });
});

describe('Adamax against tfjs; Adadelta and Nadam against Keras 3\'s update in float64 (tfjs has no Nadam, and its Adadelta differs)', () => {
  for (const [lr, b1, b2, eps, seed] of [[0.002, 0.9, 0.999, 1e-7, 7], [0.05, 0.8, 0.99, 1e-3, 9]]) {
    it(`Adamax (lr ${lr}, beta1 ${b1}, beta2 ${b2}, epsilon ${eps}) vs tf.train.adamax`, () => {
      const w0 = initial(seed), grads = gradientSequence(seed * 10);
      compareTrajectories(`adamax ${lr}`, runSimdnet(new Adamax({ learningRate: lr, beta1: b1, beta2: b2, epsilon: eps }), w0, grads),
        runTfjs(tf.train.adamax(lr, b1, b2, eps), w0, grads), w0);
    });
  }
  it('Adamax defaults are tfjs\' (learning rate 0.002, 0.9, 0.999, 1e-7)', () => {
    const w0 = initial(3), grads = gradientSequence(30);
    compareTrajectories('adamax defaults', runSimdnet(new Adamax(), w0, grads), runTfjs(tf.train.adamax(0.002, 0.9, 0.999), w0, grads), w0);
  });

  /** Keras 3's Adadelta: a = ρa + (1−ρ)g²; d = √(s+ε)/√(a+ε)·g with the new a; s = ρs + (1−ρ)d²; w −= lr·d. */
  function kerasAdadelta(w0: Float32Array, grads: Float32Array[], lr: number, rho: number, eps: number): Float64Array[] {
    const w = Float64Array.from(w0), a = new Float64Array(N), s = new Float64Array(N), out: Float64Array[] = [];
    for (const g of grads) {
      for (let i = 0; i < N; i++) {
        a[i] = rho * a[i] + (1 - rho) * g[i] * g[i];
        const d = Math.sqrt(s[i] + eps) / Math.sqrt(a[i] + eps) * g[i];
        s[i] = rho * s[i] + (1 - rho) * d * d;
        w[i] -= lr * d;
      }
      out.push(w.slice());
    }
    return out;
  }
  for (const [lr, rho, eps] of [[1, 0.95, 1e-7], [0.5, 0.9, 1e-4]]) {
    it(`Adadelta (lr ${lr}, rho ${rho}, epsilon ${eps}) vs Keras' update; tfjs' (the previous step's accumulator) differs`, () => {
      const w0 = initial(5), grads = gradientSequence(50);
      const got = runSimdnet(new Adadelta({ learningRate: lr, rho, epsilon: eps }), w0, grads);
      compareTrajectories(`adadelta ${lr}`, got, kerasAdadelta(w0, grads, lr, rho, eps), w0);
      expect(maxRelError(got[STEPS - 1], runTfjs(tf.train.adadelta(lr, rho, eps), w0, grads)[STEPS - 1])).toBeGreaterThan(1e-3);
    });
  }

  /** Keras 3's Nadam, in float64: u(t) = β1(1 − ½·0.96^t); m̂ = u(t+1)·m/(1 − Πu(..t+1)) + (1 − u(t))·g/(1 − Πu(..t)). */
  function kerasNadam(w0: Float32Array, grads: Float32Array[], lr: number, b1: number, b2: number, eps: number): Float64Array[] {
    const w = Float64Array.from(w0), m = new Float64Array(N), v = new Float64Array(N), out: Float64Array[] = [];
    const u = (t: number) => b1 * (1 - 0.5 * 0.96 ** t);
    let prod = 1;
    grads.forEach((g, k) => {
      const t = k + 1;
      prod *= u(t);
      const prod1 = prod * u(t + 1);
      for (let i = 0; i < N; i++) {
        m[i] += (g[i] - m[i]) * (1 - b1);
        v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
        const mHat = u(t + 1) * m[i] / (1 - prod1) + (1 - u(t)) * g[i] / (1 - prod);
        w[i] -= mHat * lr / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
      }
      out.push(w.slice());
    });
    return out;
  }
  for (const [lr, b1, b2, eps] of [[0.001, 0.9, 0.999, 1e-7], [0.05, 0.8, 0.99, 1e-3]]) {
    it(`Nadam (lr ${lr}, beta1 ${b1}, beta2 ${b2}, epsilon ${eps}) vs Keras 3's update`, () => {
      const w0 = initial(4), grads = gradientSequence(40);
      compareTrajectories(`nadam ${lr}`, runSimdnet(new Nadam({ learningRate: lr, beta1: b1, beta2: b2, epsilon: eps }), w0, grads),
        kerasNadam(w0, grads, lr, b1, b2, eps), w0);
    });
  }

  it("Nadam's and Adadelta's defaults are Keras' (learning rate 0.001; Nadam 0.9, 0.999, 1e-7; Adadelta rho 0.95, 1e-7)", () => {
    const w0 = initial(6), grads = gradientSequence(60);
    compareTrajectories('nadam defaults', runSimdnet(sn.optimizers.nadam(), w0, grads), kerasNadam(w0, grads, 0.001, 0.9, 0.999, 1e-7), w0);
    // Adadelta's steps at 0.001 are too small to tell apart from the start: the defaults take the explicit run's path, bit for bit
    expect(runSimdnet(sn.optimizers.adadelta(), w0, grads).map((w) => Array.from(w)))
      .toEqual(runSimdnet(new Adadelta({ learningRate: 0.001, rho: 0.95, epsilon: 1e-7 }), w0, grads).map((w) => Array.from(w)));
  });

  it("a tf.keras 2 (legacy) Nadam file's schedule decay is named in a warning; Adadelta's learning-rate decay is refused", () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      optimizerFromConfig({ class_name: 'Nadam', config: { learning_rate: 0.002, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, decay: 0.004 } });
      expect(warn.mock.calls[0][0]).toMatch(/optimizer Nadam: the file's decay = 0.004 is tf.keras 2's momentum schedule/);
    } finally { warn.mockRestore(); }
    expect(() => optimizerFromConfig({ class_name: 'Adadelta', config: { learning_rate: 1, rho: 0.95, decay: 0.1 } })).toThrow('optimizer Adadelta: option decay = 0.1 is not supported');
  });

  it('their configs round-trip, and Keras 3\'s load', () => {
    for (const o of [new Adamax({ learningRate: 0.01 }), new Adadelta({ rho: 0.9 }), new Nadam({ beta2: 0.99 })]) {
      expect(optimizerFromConfig(o.toConfig()).toConfig()).toEqual(o.toConfig());
    }
    const k = optimizerFromConfig({ module: 'keras.optimizers', class_name: 'Nadam', config: { name: 'nadam', learning_rate: 0.002, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null, use_ema: false }, registered_name: null });
    expect(k).toBeInstanceOf(Nadam);
    expect(k.learningRate).toBe(0.002);
    expect(() => optimizerFromConfig({ class_name: 'Adamax', config: { learningRate: 0.002, decay: 0.1 } })).toThrow('optimizer Adamax: option decay = 0.1 is not supported');
  });
});

describe('SGD time-based decay (Keras: lr / (1 + decay * iterations)) vs a hand-computed reference', () => {
  /** Keras SGD in float64: iterations counts the updates already applied (0 on the first step). */
  function kerasSgd(w0: Float32Array, grads: Float32Array[], lr: number, decay: number, momentum: number, nesterov: boolean): Float64Array[] {
    const p = Float64Array.from(w0), v = new Float64Array(N);
    const out: Float64Array[] = [];
    grads.forEach((g, iterations) => {
      const lrT = lr / (1 + decay * iterations);
      for (let i = 0; i < N; i++) {
        v[i] = momentum * v[i] - lrT * g[i];
        p[i] += nesterov ? momentum * v[i] - lrT * g[i] : momentum > 0 ? v[i] : -lrT * g[i];
      }
      out.push(p.slice());
    });
    return out;
  }

  for (const [label, momentum, nesterov] of [
    ['plain', 0, false], ['momentum 0.9', 0.9, false], ['momentum 0.9 nesterov', 0.9, true],
  ] as const) {
    it(`SGD ${label}, lr 0.1, decay 0.5`, () => {
      const w0 = initial(), grads = gradientSequence();
      compareTrajectories(`sgd decay ${label}`,
        runSimdnet(new SGD({ learningRate: 0.1, momentum, nesterov, decay: 0.5 }), w0, grads),
        kerasSgd(w0, grads, 0.1, 0.5, momentum, nesterov), w0);
    });
  }

  it('decay really changes the trajectory (vs decay 0)', () => {
    const w0 = initial(), grads = gradientSequence();
    const a = runSimdnet(new SGD({ learningRate: 0.1, decay: 0.5 }), w0, grads);
    const b = runSimdnet(new SGD({ learningRate: 0.1 }), w0, grads);
    // the first step uses the undecayed rate
    expect(maxRelError(a[0], b[0])).toBe(0);
    expect(maxRelError(sub(a[STEPS - 1], w0), sub(b[STEPS - 1], w0))).toBeGreaterThan(1e-2);
  });
});
