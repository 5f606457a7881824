// Numerical parity of Embedding, SimpleRNN, LSTM and GRU with TensorFlow.js (cpu backend) on random
// weights: forward output, input gradient and every weight gradient of L = Σ y ⊙ dy, max relative error
// (scaled by max |reference|) ≤ 1e-4.
//
// SimpleRNN, LSTM and Embedding are compared with tfjs' own layers (tf.layers.*, gradients by
// tf.variableGrads). tfjs has no GRU with resetAfter: true (Keras 2+'s default, which simdnet implements),
// so the GRU is compared with the Keras equations written in tfjs ops (`reference` below) — a construction
// first checked against tfjs' SimpleRNN and LSTM layers, masks and goBackwards included.
// Masks (Embedding maskZero) flow only through models, so they are checked end to end: predictions, and
// the gradient of the loss read from one plain SGD step, against tfjs models and the reference.
import type * as TF from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { Embedding } from '../../src/layers/embedding.js';
import type { Layer } from '../../src/layers/layer.js';
import { GRU, LSTM, SimpleRNN } from '../../src/layers/recurrent.js';
import { LayerHarness, maxRelError, rand, rt } from '../helpers.js';
import { tfjsOracle } from '../tfjs-oracle.js';

const TOL = 1e-4;


const { tf, record } = tfjsOracle('recurrent parity');
function check(area: string, what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  const e = maxRelError(got, want);
  record(`${area} ${what}`, e);
  expect(e, `${area}: ${what}`).toBeLessThanOrEqual(TOL);
}

type Kind = 'simpleRNN' | 'lstm' | 'gru';
type Act = 'tanh' | 'relu' | 'sigmoid' | 'linear';
interface RnnOpts { kind: Kind; units: number; activation?: Act; returnSequences: boolean; goBackwards: boolean; hard?: boolean; resetBefore?: boolean }

/** The gates' activation: the sigmoid, or tfjs' hard sigmoid clip(0.2 x + 0.5, 0, 1) (as tfjs computes it). */
const gate = (o: RnnOpts, t: TF.Tensor): TF.Tensor => (o.hard ? tf.clipByValue(tf.add(0.5, tf.mul(0.2, t)), 0, 1) : tf.sigmoid(t));

const tfAct: Record<Act, (t: TF.Tensor) => TF.Tensor> = {
  tanh: (t) => tf.tanh(t), relu: (t) => tf.relu(t), sigmoid: (t) => tf.sigmoid(t), linear: (t) => t,
};

/**
 * The Keras equations in tfjs ops: x [B, T, D], W [D, G], U [units, G], b [G] (GRU: [2, G]); mask [B, T] of
 * 0/1 carries h (and c) through masked steps, as Keras' rnn() does; outputs in processing order.
 */
function reference(o: RnnOpts, x: TF.Tensor, w: TF.Tensor, u: TF.Tensor, b: TF.Tensor | null, mask?: TF.Tensor): TF.Tensor {
  const [batch, steps, dim] = x.shape;
  let h: TF.Tensor = tf.zeros([batch, o.units]);
  let c: TF.Tensor = tf.zeros([batch, o.units]);
  const outs: TF.Tensor[] = [];
  for (let s = 0; s < steps; s++) {
    const t = o.goBackwards ? steps - 1 - s : s;
    const xt = tf.reshape(tf.slice(x, [0, t, 0], [batch, 1, dim]), [batch, dim]);
    let hn: TF.Tensor, cn = c;
    if (o.kind === 'gru' && o.resetBefore) {
      // Keras' reset_after=False (tfjs' GRU): one bias, r applied to h before its product with U_h
      const xp = b ? tf.add(tf.matMul(xt, w), b) : tf.matMul(xt, w);
      const [xz, xr, xh] = tf.split(xp, 3, 1);
      const [uzr, uh] = tf.split(u, [2 * o.units, o.units], 1);
      const [rz, rr] = tf.split(tf.matMul(h, uzr), 2, 1);
      const z = gate(o, tf.add(xz, rz)), r = gate(o, tf.add(xr, rr));
      const hh = tf.tanh(tf.add(xh, tf.matMul(tf.mul(r, h), uh)));
      hn = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
    } else if (o.kind === 'gru') {
      const [bi, br] = b ? tf.split(b, 2, 0).map((v) => tf.reshape(v, [-1])) : [null, null];
      const xp = bi ? tf.add(tf.matMul(xt, w), bi) : tf.matMul(xt, w);
      const rp = br ? tf.add(tf.matMul(h, u), br) : tf.matMul(h, u);
      const [xz, xr, xh] = tf.split(xp, 3, 1);
      const [rz, rr, rh] = tf.split(rp, 3, 1);
      const z = gate(o, tf.add(xz, rz)), r = gate(o, tf.add(xr, rr));
      const hh = tf.tanh(tf.add(xh, tf.mul(r, rh)));
      hn = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
    } else {
      let zp = tf.add(tf.matMul(xt, w), tf.matMul(h, u));
      if (b) zp = tf.add(zp, b);
      if (o.kind === 'simpleRNN') {
        hn = tfAct[o.activation ?? 'tanh'](zp);
      } else {
        const [zi, zf, zc, zo] = tf.split(zp, 4, 1);
        cn = tf.add(tf.mul(gate(o, zf), c), tf.mul(gate(o, zi), tf.tanh(zc)));
        hn = tf.mul(gate(o, zo), tf.tanh(cn));
      }
    }
    if (mask) {
      const m = tf.slice(mask, [0, t], [batch, 1]);
      hn = tf.add(tf.mul(m, hn), tf.mul(tf.sub(1, m), h));
      cn = tf.add(tf.mul(m, cn), tf.mul(tf.sub(1, m), c));
    }
    h = hn; c = cn;
    outs.push(h);
  }
  return o.returnSequences ? tf.stack(outs, 1) : h;
}

/** tfjs' own layer for a kind (LSTM with Keras' defaults: recurrentActivation sigmoid, unitForgetBias; hard: tfjs' default hardSigmoid). */
function tfLayer(o: RnnOpts, extra: Record<string, unknown> = {}): TF.layers.Layer {
  const args = { units: o.units, returnSequences: o.returnSequences, goBackwards: o.goBackwards, ...extra };
  if (o.kind === 'simpleRNN') return tf.layers.simpleRNN({ ...args, activation: o.activation ?? 'tanh' });
  if (o.kind === 'lstm') return tf.layers.lstm({ ...args, recurrentActivation: o.hard ? 'hardSigmoid' : 'sigmoid', unitForgetBias: true });
  if (o.resetBefore) return tf.layers.gru({ ...args, recurrentActivation: o.hard ? 'hardSigmoid' : 'sigmoid' });
  throw new Error('tfjs has no GRU with resetAfter');
}

interface Ref { y: Float32Array; grads: Float32Array[] }

/** y and the gradients of Σ y ⊙ dy with respect to x and the weights, through a tfjs layer. */
function viaTfLayer(layer: TF.layers.Layer, x: Float32Array, xShape: number[], weights: Float32Array[], dy: Float32Array,
                    inputGrad = true): Ref {
  const xT = tf.tensor(x, xShape);
  tf.tidy(() => { layer.apply(xT); });
  layer.setWeights(layer.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
  const xv = tf.variable(xT, true);
  const vars = layer.trainableWeights.map((w) => w.read() as TF.Variable);
  const out = tf.tidy(() => {
    const yT = layer.apply(xv) as TF.Tensor;
    const dyT = tf.tensor(dy, yT.shape);
    const f = () => tf.sum(tf.mul(layer.apply(xv) as TF.Tensor, dyT)) as TF.Scalar;
    const y = yT.dataSync() as Float32Array;
    const { grads } = tf.variableGrads(f, inputGrad ? [xv, ...vars] : vars);
    const list = (inputGrad ? [xv, ...vars] : vars).map((v) => grads[v.name].dataSync() as Float32Array);
    return { y, grads: list };
  });
  xv.dispose(); xT.dispose();
  return out;
}

/** The same through the tfjs-ops reference. */
function viaReference(o: RnnOpts, x: Float32Array, xShape: number[], weights: { data: Float32Array; shape: number[] }[],
                      dy: Float32Array): Ref {
  return tf.tidy(() => {
    const xT = tf.tensor(x, xShape);
    const ws = weights.map((w) => tf.tensor(w.data, w.shape));
    const fn = (...a: TF.Tensor[]) => reference(o, a[0], a[1], a[2], a[3] ?? null);
    const y = fn(xT, ...ws);
    const grads = tf.grads((...a: TF.Tensor[]) => tf.sum(tf.mul(fn(...a), tf.tensor(dy, y.shape))))([xT, ...ws]);
    return { y: y.dataSync() as Float32Array, grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

function simdnetLayer(o: RnnOpts, useBias = true): Layer {
  const args = { units: o.units, returnSequences: o.returnSequences, goBackwards: o.goBackwards, useBias, ...(o.hard ? { recurrentActivation: 'hard_sigmoid' as const } : {}),
    ...(o.resetBefore ? { resetAfter: false } : {}) };
  if (o.kind === 'simpleRNN') return new SimpleRNN({ ...args, activation: o.activation ?? 'tanh' });
  return o.kind === 'lstm' ? new LSTM(args) : new GRU(args);
}

const label = (o: RnnOpts): string =>
  `${o.kind}${o.resetBefore ? ' resetAfter false' : ''}${o.hard ? ' hard_sigmoid' : ''}${o.activation && o.activation !== 'tanh' ? ` ${o.activation}` : ''}${o.returnSequences ? ' sequences' : ''}${o.goBackwards ? ' backwards' : ''}`;

/** Runs the simdnet layer in the harness and compares y, dx and each weight gradient with `ref`. */
function checkRnn(o: RnnOpts, steps: number, dim: number, batch: number, seed: number, useBias = true, xRange = 1): void {
  const layer = simdnetLayer(o, useBias);
  const h = new LayerHarness(layer, [steps, dim], batch);
  try {
    const x = rand(h.inSize, seed, -xRange, xRange), dy = rand(h.outSize, seed + 7919);
    const weights = h.weights();
    const r = h.run(x, dy);
    const xShape = [batch, steps, dim];
    const want = (o.kind === 'gru' && !o.resetBefore) || !useBias
      ? viaReference(o, x, xShape, layer.params.map((p, i) => ({ data: weights[i], shape: p.shape })), dy)
      : viaTfLayer(tfLayer(o), x, xShape, weights, dy);
    const area = label(o);
    check(area, 'y', r.y, want.y);
    check(area, 'dx', r.dx!, want.grads[0]);
    layer.params.forEach((p, i) => check(area, `d${p.name}`, r.dw[i], want.grads[i + 1]));
  } finally {
    h.dispose();
  }
}

const VARIANTS = [
  { returnSequences: false, goBackwards: false }, { returnSequences: true, goBackwards: false },
  { returnSequences: false, goBackwards: true }, { returnSequences: true, goBackwards: true },
];

// ---------------------------------------------------------------------------------------------------
describe('the tfjs-ops reference agrees with tfjs layers (so it can stand in for the GRU)', () => {
  for (const kind of ['simpleRNN', 'lstm'] as const) {
    for (const v of VARIANTS) {
      const o: RnnOpts = { kind, units: 5, ...v };
      it(label(o), () => {
        const batch = 3, steps = 6, dim = 4, seed = 11;
        const x = rand(batch * steps * dim, seed);
        const g = kind === 'lstm' ? 4 : 1;
        const shapes = [[dim, g * 5], [5, g * 5], [g * 5]];
        const weights = shapes.map((s, i) => ({ data: rand(s[0] * (s[1] ?? 1), seed + 100 + i, -0.5, 0.5), shape: s }));
        const dy = rand(batch * (v.returnSequences ? steps * 5 : 5), seed + 1);
        const a = viaReference(o, x, [batch, steps, dim], weights, dy);
        const b = viaTfLayer(tfLayer(o), x, [batch, steps, dim], weights.map((w) => w.data), dy);
        expect(maxRelError(a.y, b.y)).toBeLessThan(1e-6);
        a.grads.forEach((gr, i) => expect(maxRelError(gr, b.grads[i]), `gradient ${i}`).toBeLessThan(1e-5));
      });
    }
  }
});

describe('SimpleRNN parity with tf.layers.simpleRNN (y, dx, dkernel, drecurrent_kernel, dbias)', () => {
  let seed = 100;
  for (const activation of ['tanh', 'relu', 'sigmoid', 'linear'] as const) {
    for (const v of VARIANTS) {
      const s = seed++;
      const o: RnnOpts = { kind: 'simpleRNN', units: 5, activation, ...v };
      it(`${label(o)}: 5 units, 7 steps of 3 features, batch 3`, () => checkRnn(o, 7, 3, 3, s));
    }
  }
  it('the lab size: 40 units on 64 features, 12 steps, batch 5', () => checkRnn({ kind: 'simpleRNN', units: 40, returnSequences: false, goBackwards: false }, 12, 64, 5, 150));
  it('no bias (reference), 8 units, returnSequences', () => checkRnn({ kind: 'simpleRNN', units: 8, returnSequences: true, goBackwards: false }, 5, 3, 2, 151, false));
});

describe('LSTM parity with tf.layers.lstm (sigmoid recurrent activation, unitForgetBias)', () => {
  let seed = 200;
  for (const v of VARIANTS) {
    const s = seed++;
    const o: RnnOpts = { kind: 'lstm', units: 5, ...v };
    it(`${label(o)}: 5 units, 7 steps of 3 features, batch 3`, () => checkRnn(o, 7, 3, 3, s));
  }
  it('40 units on 16 features, 10 steps, batch 4, returnSequences', () => checkRnn({ kind: 'lstm', units: 40, returnSequences: true, goBackwards: false }, 10, 16, 4, 250));
  it('no bias (reference), 7 units', () => checkRnn({ kind: 'lstm', units: 7, returnSequences: false, goBackwards: true }, 5, 3, 2, 251, false));
});

describe("recurrentActivation 'hard_sigmoid' (tfjs' default), inputs reaching its flat ends", () => {
  it("LSTM against tf.layers.lstm's default (recurrentActivation hardSigmoid), 6 units, 7 steps of 4 features, batch 3", () => {
    checkRnn({ kind: 'lstm', units: 6, returnSequences: true, goBackwards: false, hard: true }, 7, 4, 3, 260, true, 6);
  });
  it('LSTM without bias (reference), goBackwards', () => {
    checkRnn({ kind: 'lstm', units: 5, returnSequences: false, goBackwards: true, hard: true }, 6, 3, 2, 261, false, 6);
  });
  it('GRU (resetAfter) against the Keras equations with the hard sigmoid', () => {
    checkRnn({ kind: 'gru', units: 6, returnSequences: true, goBackwards: false, hard: true }, 7, 4, 3, 262, true, 6);
  });
  it('the inputs reach both flat ends of the gates (the test covers the zero derivative)', () => {
    const layer = new LSTM({ units: 6, returnSequences: true, recurrentActivation: 'hard_sigmoid' });
    const h = new LayerHarness(layer, [7, 4], 3);
    try {
      h.forward(rand(h.inSize, 260, -6, 6), true);
      // the gates' activations of every step, saved for backward: some at 0, some at 1, some between
      const gates = (layer as unknown as { gatesAt(s: number, n: number): number }).gatesAt(0, 3);
      const a = Array.from(rt.f32(gates, 7 * 3 * 4 * 6));
      expect(a.some((v) => v === 0) && a.some((v) => v === 1) && a.some((v) => v > 0 && v < 1), a.join(' ')).toBe(true);
    } finally {
      h.dispose();
    }
  });
});

describe('GRU resetAfter false (Keras 1, tfjs) parity with tf.layers.gru (y, dx, dkernel, drecurrent_kernel, dbias)', () => {
  VARIANTS.forEach((v, i) => {
    const o: RnnOpts = { kind: 'gru', units: 5, resetBefore: true, ...v };
    it(`${label(o)}: 5 units, 7 steps of 3 features, batch 3`, () => checkRnn(o, 7, 3, 3, 370 + i));
  });
  it('40 units on 16 features, 10 steps, batch 4, returnSequences (GEMM tiles)', () => checkRnn({ kind: 'gru', units: 40, resetBefore: true, returnSequences: true, goBackwards: false }, 10, 16, 4, 380));
  it("tfjs' default: hardSigmoid gates, inputs reaching their flat ends", () => checkRnn({ kind: 'gru', units: 6, resetBefore: true, hard: true, returnSequences: true, goBackwards: false }, 7, 4, 3, 381, true, 6));
  it('no bias (the Keras equations in tfjs ops), 7 units, goBackwards', () => checkRnn({ kind: 'gru', units: 7, resetBefore: true, returnSequences: false, goBackwards: true }, 5, 3, 2, 382, false));
});

describe('GRU (resetAfter) parity with the Keras equations in tfjs ops', () => {
  let seed = 300;
  for (const v of VARIANTS) {
    const s = seed++;
    const o: RnnOpts = { kind: 'gru', units: 5, ...v };
    it(`${label(o)}: 5 units, 7 steps of 3 features, batch 3`, () => checkRnn(o, 7, 3, 3, s));
  }
  it('40 units on 16 features, 10 steps, batch 4', () => checkRnn({ kind: 'gru', units: 40, returnSequences: false, goBackwards: false }, 10, 16, 4, 350));
  it('no bias, 6 units, returnSequences, goBackwards', () => checkRnn({ kind: 'gru', units: 6, returnSequences: true, goBackwards: true }, 5, 3, 2, 351, false));
});

describe('Embedding parity with tf.layers.embedding (y, dembeddings)', () => {
  it('50 ids x 8 dims, 9 steps, batch 4, repeated ids', () => {
    const layer = new Embedding({ inputDim: 50, outputDim: 8, inputLength: 9 });
    const h = new LayerHarness(layer, [9], 4);
    try {
      const ids = Float32Array.from(rand(36, 400, 0, 1), (v) => Math.floor(v * 12)); // ids < 12: many repeats
      const dy = rand(h.outSize, 401);
      const r = h.run(ids, dy);
      const want = viaTfLayer(tf.layers.embedding({ inputDim: 50, outputDim: 8, inputLength: 9 }), ids, [4, 9], h.weights(), dy, false);
      check('embedding', 'y', r.y, want.y);
      check('embedding', 'dembeddings', r.dw[0], want.grads[0]);
    } finally {
      h.dispose();
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Models: masks end to end, and the lab's model.

/** Padded id sequences with zeros before, after and inside, one all-padding row, and full rows. */
function paddedIds(batch: number, steps: number, vocab: number, seed: number): number[][] {
  const u = rand(batch * steps, seed, 0, 1);
  return Array.from({ length: batch }, (_, b) => Array.from({ length: steps }, (_, t) => {
    if (b === batch - 1) return 0;
    if (b % 3 === 0 && t < b % steps) return 0;            // pre-padding
    if (b % 3 === 1 && t >= steps - 1 - (b % 2)) return 0; // post-padding
    const v = u[b * steps + t];
    return v < 0.12 ? 0 : Math.min(vocab - 1, 1 + Math.floor(v * (vocab - 1))); // some zeros inside too
  }));
}

interface ModelSpec { kinds: Kind[]; goBackwards: boolean[]; units: number; vocab: number; dim: number; steps: number; out: number; resetBefore?: boolean }

/** simdnet model: Embedding(maskZero) -> kinds[0] (returnSequences when stacked) -> ... -> Dense(out). */
function simdnetModel(spec: ModelSpec, maskZero: boolean): sn.Sequential {
  const m = sn.sequential({ seed: 5 });
  m.add(sn.layers.embedding({ inputDim: spec.vocab, outputDim: spec.dim, inputLength: spec.steps, maskZero }));
  spec.kinds.forEach((kind, i) => {
    const args = { units: spec.units, returnSequences: i < spec.kinds.length - 1, goBackwards: spec.goBackwards[i], ...(spec.resetBefore ? { resetAfter: false } : {}) };
    m.add(kind === 'simpleRNN' ? sn.layers.simpleRNN(args) : kind === 'lstm' ? sn.layers.lstm(args) : sn.layers.gru(args));
  });
  m.add(sn.layers.dense({ units: spec.out }));
  return m;
}

/** The loss (MSE) of the same model written with the reference, as a function of its weights. */
function referenceLoss(spec: ModelSpec, ids: TF.Tensor, y: TF.Tensor, maskZero: boolean, ws: TF.Tensor[]): TF.Scalar {
  const mask = maskZero ? tf.cast(tf.notEqual(ids, 0), 'float32') : undefined;
  let h = tf.gather(ws[0], tf.cast(ids, 'int32'));
  let k = 1;
  spec.kinds.forEach((kind, i) => {
    const o: RnnOpts = { kind, units: spec.units, returnSequences: i < spec.kinds.length - 1, goBackwards: spec.goBackwards[i], resetBefore: spec.resetBefore };
    h = reference(o, h, ws[k], ws[k + 1], ws[k + 2], mask);
    k += 3;
  });
  const out = tf.add(tf.matMul(h, ws[k]), ws[k + 1]);
  return tf.mean(tf.square(tf.sub(out, y)));
}

/**
 * One plain SGD step w' = w - LR·g reveals the gradient; LR is a power of two (exact division) and large
 * so that the rounding of w' (~1e-8 absolute) is far below LR·g.
 */
const LR = 64;

/** Compares predictions and the loss gradient (from one SGD step) of simdnet with the reference. */
async function checkModel(area: string, spec: ModelSpec, maskZero: boolean, seed: number, viaTfjsModel: boolean): Promise<void> {
  const batch = 7;
  const ids = paddedIds(batch, spec.steps, spec.vocab, seed);
  if (!maskZero) ids[batch - 1][0] = 3;
  const yData = rand(batch * spec.out, seed + 1);
  const m = simdnetModel(spec, maskZero);
  m.compile({ optimizer: sn.optimizers.sgd({ learningRate: LR }), loss: 'meanSquaredError' });
  const w0 = m.getWeights().map((w, i) => sn.tensor(rand(w.size, seed + 10 + i, -0.5, 0.5), w.shape));
  m.setWeights(w0);
  const x = sn.tensor(ids), y = sn.tensor(yData, [batch, spec.out]);
  const pred = (await m.predict(x)).data;
  await m.fit(x, y, { epochs: 1, batchSize: batch, shuffle: false, verbose: 0 });
  const grads = m.getWeights().map((w, i) => Float32Array.from(w.data, (v, j) => (w0[i].data[j] - v) / LR));
  const names = m.layers.flatMap((l) => l.params.map((p) => `d${l.name}/${p.name}`));
  m.dispose();

  const want = tf.tidy(() => {
    const idsT = tf.tensor(ids), yT = tf.tensor(yData, [batch, spec.out]);
    const ws = w0.map((w) => tf.tensor(w.data, [...w.shape]));
    const f = (...a: TF.Tensor[]) => referenceLoss(spec, idsT, yT, maskZero, a);
    const grads = tf.grads(f)(ws).map((g) => g.dataSync() as Float32Array);
    // predictions: the loss' model output
    const p = tf.tidy(() => {
      const mask = maskZero ? tf.cast(tf.notEqual(idsT, 0), 'float32') : undefined;
      let h = tf.gather(ws[0], tf.cast(idsT, 'int32'));
      let k = 1;
      spec.kinds.forEach((kind, i) => {
        h = reference({ kind, units: spec.units, returnSequences: i < spec.kinds.length - 1, goBackwards: spec.goBackwards[i], resetBefore: spec.resetBefore }, h, ws[k], ws[k + 1], ws[k + 2], mask);
        k += 3;
      });
      return tf.add(tf.matMul(h, ws[k]), ws[k + 1]).dataSync() as Float32Array;
    });
    return { p, grads };
  });
  check(area, 'predict', pred, want.p);
  grads.forEach((g, i) => check(area, names[i].replace(/_\d+\//, '/'), g, want.grads[i]));

  if (viaTfjsModel) {
    // the same model in tfjs, trained one step with the same SGD: its weight change is its gradient
    const tm = tf.sequential();
    tm.add(tf.layers.embedding({ inputDim: spec.vocab, outputDim: spec.dim, inputLength: spec.steps, maskZero }));
    spec.kinds.forEach((kind, i) => tm.add(tfLayer({ kind, units: spec.units, returnSequences: i < spec.kinds.length - 1, goBackwards: spec.goBackwards[i], resetBefore: spec.resetBefore })));
    tm.add(tf.layers.dense({ units: spec.out }));
    tm.setWeights(w0.map((w) => tf.tensor(w.data, [...w.shape])));
    tm.compile({ optimizer: tf.train.sgd(LR), loss: 'meanSquaredError' });
    const xT = tf.tensor(ids), yT = tf.tensor(yData, [batch, spec.out]);
    check(`${area} (tfjs model)`, 'predict', pred, (tm.predict(xT) as TF.Tensor).dataSync());
    await tm.trainOnBatch(xT, yT);
    tm.getWeights().forEach((w, i) => {
      const after = w.dataSync();
      check(`${area} (tfjs model)`, names[i].replace(/_\d+\//, '/'), grads[i], Float32Array.from(after, (v, j) => (w0[i].data[j] - v) / LR));
    });
    tm.dispose(); xT.dispose(); yT.dispose();
  }
}

describe('masked sequences (Embedding maskZero), whole models: predictions and loss gradients', () => {
  const base = { units: 6, vocab: 9, dim: 4, steps: 6, out: 2 };
  let seed = 600;
  for (const kind of ['simpleRNN', 'lstm', 'gru'] as const) {
    const tfjs = kind !== 'gru';
    for (const goBackwards of [false, true]) {
      const s = seed++;
      it(`Embedding(maskZero) -> ${kind}${goBackwards ? ' (goBackwards)' : ''} -> Dense${tfjs ? ', also against a tfjs model' : ''}`, async () => {
        await checkModel(`masked ${kind}${goBackwards ? ' backwards' : ''}`, { ...base, kinds: [kind], goBackwards: [goBackwards] }, true, s, tfjs);
      });
    }
    const s = seed++;
    it(`stacked: Embedding(maskZero) -> ${kind}(returnSequences) -> ${kind} -> Dense: the mask passes on`, async () => {
      await checkModel(`masked stacked ${kind}`, { ...base, kinds: [kind, kind], goBackwards: [false, true] }, true, s, tfjs);
    });
  }
  it('Embedding(maskZero) -> GRU resetAfter false (returnSequences) -> GRU resetAfter false (goBackwards) -> Dense, also against a tfjs model', async () => {
    await checkModel('masked stacked gru resetAfter false', { ...base, kinds: ['gru', 'gru'], goBackwards: [false, true], resetBefore: true }, true, 650, true);
  });
  it('without maskZero the padding ids are ordinary tokens (and the same model differs)', async () => {
    await checkModel('unmasked lstm', { ...base, kinds: ['lstm'], goBackwards: [false] }, false, 700, true);
  });
});

describe("the lab's model: Embedding(1000, 64) -> SimpleRNN(40) -> Dense(1, sigmoid)", () => {
  it('predictions and one binary-cross-entropy SGD step agree with the same tfjs model', async () => {
    const batch = 16, steps = 30;
    const m = sn.sequential();
    m.add(sn.layers.embedding({ inputDim: 1000, outputDim: 64, inputLength: steps }));
    m.add(sn.layers.simpleRNN({ units: 40 }));
    m.add(sn.layers.dense({ units: 1, activation: 'sigmoid' }));
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: LR }), loss: 'binaryCrossentropy' });
    const w0 = m.getWeights().map((w, i) => sn.tensor(rand(w.size, 800 + i, -0.2, 0.2), w.shape));
    m.setWeights(w0);
    const ids = Float32Array.from(rand(batch * steps, 810, 0, 1), (v) => Math.floor(v * 1000));
    const labels = Float32Array.from(rand(batch, 811, 0, 1), (v) => (v > 0.5 ? 1 : 0));
    const x = sn.tensor(ids, [batch, steps]), y = sn.tensor(labels, [batch, 1]);
    const pred = (await m.predict(x)).data;
    await m.fit(x, y, { epochs: 1, batchSize: batch, shuffle: false, verbose: 0 });
    const grads = m.getWeights().map((w, i) => Float32Array.from(w.data, (v, j) => (w0[i].data[j] - v) / LR));

    const tm = tf.sequential();
    tm.add(tf.layers.embedding({ inputDim: 1000, outputDim: 64, inputLength: steps }));
    tm.add(tf.layers.simpleRNN({ units: 40 }));
    tm.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
    tm.setWeights(w0.map((w) => tf.tensor(w.data, [...w.shape])));
    tm.compile({ optimizer: tf.train.sgd(LR), loss: 'binaryCrossentropy' });
    const xT = tf.tensor(ids, [batch, steps]), yT = tf.tensor(labels, [batch, 1]);
    check('lab model', 'predict', pred, (tm.predict(xT) as TF.Tensor).dataSync());
    await tm.trainOnBatch(xT, yT);
    const names = ['dembeddings', 'dkernel', 'drecurrent_kernel', 'dbias', 'ddense/kernel', 'ddense/bias'];
    tm.getWeights().forEach((w, i) => check('lab model', names[i], grads[i], Float32Array.from(w.dataSync(), (v, j) => (w0[i].data[j] - v) / LR)));
    tm.dispose(); xT.dispose(); yT.dispose();
    m.dispose();
  });
});
