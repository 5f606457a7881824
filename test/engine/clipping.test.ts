// Keras 3's options of every optimizer: clipnorm, globalClipnorm, clipvalue and weightDecay (AdamW). tfjs' optimizers
// have none of them, so the oracle is tfjs' own optimizer driven as Keras drives its update: the gradients clipped
// with tfjs ops by Keras' formulas (g · c / max(‖g‖, c) per weight or over all, clip(g, ±c)), the weights decayed
// (w − w · wd · lr), then tf.train.*.applyGradients — over two weights, 5 steps, gradients large enough to be clipped.
import type * as TF from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { Adam, AdamW, optimizerFromConfig, SGD, type Optimizer, type WeightSlice } from '../../src/engine/optimizers.js';
import { maxRelError, rand, rt } from '../helpers.js';
import { tfjsOracle } from '../tfjs-oracle.js';

const { tf, record } = tfjsOracle('clipping and weight decay');
const SIZES = [7, 12]; // two weights: four SIMD blocks and tails
const N = SIZES[0] + SIZES[1];
const SLICES: WeightSlice[] = [{ at: 0, size: SIZES[0] }, { at: SIZES[0], size: SIZES[1] }];
const STEPS = 5;

const w0 = rand(N, 7, -1, 1);
const grads = Array.from({ length: STEPS }, (_, t) => rand(N, 70 + t, -3, 3)); // norms ≈ 4–6: a clip at 1 binds

function ours(opt: Optimizer): Float32Array[] {
  const p = rt.arena.alloc(N * 4), g = rt.arena.alloc(N * 4);
  const out: Float32Array[] = [], owner = {};
  try {
    rt.f32(p, N).set(w0);
    for (const gt of grads) {
      rt.f32(g, N).set(gt);
      opt.step(rt, owner, p, g, N, SLICES);
      out.push(rt.f32(p, N).slice());
    }
  } finally {
    rt.arena.release(p); rt.arena.release(g);
  }
  return out;
}

interface Keras { clipnorm?: number; globalClipnorm?: number; clipvalue?: number; weightDecay?: number; lr: number }

function theirs(opt: TF.Optimizer, k: Keras): Float32Array[] {
  const vars = [tf.variable(tf.tensor1d(w0.slice(0, SIZES[0]))), tf.variable(tf.tensor1d(w0.slice(SIZES[0])))];
  const out: Float32Array[] = [];
  for (const gt of grads) {
    tf.tidy(() => {
      let gs = [tf.tensor1d(gt.slice(0, SIZES[0])), tf.tensor1d(gt.slice(SIZES[0]))];
      const norm = (x: TF.Tensor) => tf.sqrt(tf.sum(tf.square(x)));
      if (k.clipnorm) gs = gs.map((x) => tf.div(tf.mul(x, k.clipnorm!), tf.maximum(norm(x), k.clipnorm!)));
      else if (k.globalClipnorm) {
        const total = tf.sqrt(tf.addN(gs.map((x) => tf.sum(tf.square(x)))));
        const scale = tf.div(k.globalClipnorm, tf.maximum(total, k.globalClipnorm));
        gs = gs.map((x) => tf.mul(x, scale));
      } else if (k.clipvalue) gs = gs.map((x) => tf.clipByValue(x, -k.clipvalue!, k.clipvalue!));
      if (k.weightDecay) for (const v of vars) v.assign(tf.sub(v, tf.mul(tf.mul(v, k.weightDecay), k.lr)));
      opt.applyGradients({ [vars[0].name]: gs[0], [vars[1].name]: gs[1] });
    });
    out.push(Float32Array.from([...vars[0].dataSync(), ...vars[1].dataSync()]));
  }
  vars.forEach((v) => v.dispose());
  opt.dispose();
  return out;
}

function compare(name: string, got: Float32Array[], want: Float32Array[]): void {
  for (let t = 0; t < STEPS; t++) {
    const e = maxRelError(got[t], want[t]);
    record(name, e);
    expect(e, `${name}: weights after step ${t + 1}`).toBeLessThanOrEqual(1e-5);
  }
}

describe('clipping and weight decay against tfjs driven as Keras drives it', () => {
  // name, Keras' settings, simdnet's optimizer with them and without, tfjs' optimizer
  const CASES: [string, Keras, () => Optimizer, () => Optimizer, () => TF.Optimizer][] = [
    ['SGD clipnorm 1', { clipnorm: 1, lr: 0.1 }, () => new SGD({ learningRate: 0.1, clipnorm: 1 }), () => new SGD({ learningRate: 0.1 }), () => tf.train.sgd(0.1)],
    ['SGD nesterov globalClipnorm 1.5', { globalClipnorm: 1.5, lr: 0.1 }, () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true, globalClipnorm: 1.5 }),
      () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), () => tf.train.momentum(0.1, 0.9, true)],
    ['SGD momentum clipvalue 0.5', { clipvalue: 0.5, lr: 0.1 }, () => new SGD({ learningRate: 0.1, momentum: 0.9, clipvalue: 0.5 }),
      () => new SGD({ learningRate: 0.1, momentum: 0.9 }), () => tf.train.momentum(0.1, 0.9)],
    ['SGD weightDecay 0.1', { weightDecay: 0.1, lr: 0.1 }, () => new SGD({ learningRate: 0.1, weightDecay: 0.1 }), () => new SGD({ learningRate: 0.1 }), () => tf.train.sgd(0.1)],
    ['Adam clipnorm 2 + weightDecay 0.05', { clipnorm: 2, weightDecay: 0.05, lr: 0.01 }, () => new Adam({ learningRate: 0.01, clipnorm: 2, weightDecay: 0.05 }),
      () => new Adam({ learningRate: 0.01 }), () => tf.train.adam(0.01, 0.9, 0.999, 1e-7)],
    ['AdamW (default weightDecay 0.004), lr 0.05', { weightDecay: 0.004, lr: 0.05 }, () => new AdamW({ learningRate: 0.05 }), () => new Adam({ learningRate: 0.05 }),
      () => tf.train.adam(0.05, 0.9, 0.999, 1e-7)],
    ['RMSprop globalClipnorm 1', { globalClipnorm: 1, lr: 0.01 }, () => sn.optimizers.rmsprop({ learningRate: 0.01, globalClipnorm: 1 }),
      () => sn.optimizers.rmsprop({ learningRate: 0.01 }), () => tf.train.rmsprop(0.01, 0.9, 0, 1e-7)],
    ['Adagrad clipvalue 1', { clipvalue: 1, lr: 0.1 }, () => sn.optimizers.adagrad({ learningRate: 0.1, clipvalue: 1 }),
      () => sn.optimizers.adagrad({ learningRate: 0.1 }), () => tf.train.adagrad(0.1, 0.1)],
  ];
  for (const [name, k, mine, plainOf, tfjs] of CASES) {
    it(name, () => {
      const got = ours(mine()), want = theirs(tfjs(), k);
      compare(name, got, want);
      // and the option mattered: without it the run differs
      expect(maxRelError(ours(plainOf())[STEPS - 1], got[STEPS - 1]), `${name} changes the run`).toBeGreaterThan(1e-4);
    });
  }

  it('a clip above every norm, or a weight decay of 0, changes nothing, bit for bit', () => {
    const base = ours(new SGD({ learningRate: 0.1, momentum: 0.9 }));
    for (const o of [{ clipnorm: 1e6 }, { globalClipnorm: 1e6 }, { clipvalue: 1e6 }, { weightDecay: 0 }]) {
      expect(ours(new SGD({ learningRate: 0.1, momentum: 0.9, ...o })).map((w) => Array.from(w)), JSON.stringify(o)).toEqual(base.map((w) => Array.from(w)));
    }
    expect(ours(new AdamW({ learningRate: 0.01 })).map((w) => Array.from(w))).toEqual(ours(new Adam({ learningRate: 0.01, weightDecay: 0.004 })).map((w) => Array.from(w)));
  });
});

describe('edges', () => {
  it("SGD's legacy time-based decay sets the rate weight decay uses (lr / (1 + decay · (t − 1)))", () => {
    const lr = 0.1, decay = 0.5, wd = 0.2;
    const got = ours(new SGD({ learningRate: lr, decay, weightDecay: wd }));
    const w = Float64Array.from(w0);
    grads.forEach((g, t) => {
      const rate = lr / (1 + decay * t);
      for (let i = 0; i < N; i++) w[i] = w[i] - w[i] * wd * rate - rate * g[i];
      expect(maxRelError(got[t], w), `step ${t + 1}`).toBeLessThanOrEqual(1e-6);
    });
  });

  it('a non-finite gradient does as in Keras: clipnorm sends that weight\'s finite values to 0, globalClipnorm makes every gradient NaN', () => {
    const step = (opt: Optimizer, g: Float32Array) => {
      const p = rt.arena.alloc(N * 4), gp = rt.arena.alloc(N * 4);
      try {
        rt.f32(p, N).fill(1); rt.f32(gp, N).set(g);
        opt.step(rt, {}, p, gp, N, SLICES);
        return rt.f32(p, N).slice();
      } finally { rt.arena.release(p); rt.arena.release(gp); }
    };
    const g = new Float32Array(N).fill(1e6);
    g[1] = Infinity;
    const each = step(new SGD({ learningRate: 0.1, clipnorm: 1 }), g);
    expect(Number.isNaN(each[1])).toBe(true); // ∞ · 0
    expect(Array.from(each.subarray(2, SIZES[0]))).toEqual(new Array(SIZES[0] - 2).fill(1)); // finite values: clipped to 0
    const second = Math.hypot(...Array.from(each.subarray(SIZES[0]), (v) => v - 1));
    expect(second).toBeCloseTo(0.1, 6); // the other weight: clipped as usual
    const all = step(new SGD({ learningRate: 0.1, globalClipnorm: 1 }), g);
    expect(Array.from(all).every(Number.isNaN)).toBe(true);
  });

  it("AdamW's weight decay defaults to Keras' 0.004 when absent or null, in a file too; 0 turns it off", () => {
    expect(new AdamW().weightDecay).toBe(0.004);
    expect(new AdamW({ weightDecay: null }).weightDecay).toBe(0.004);
    expect(new AdamW({ weightDecay: 0 }).weightDecay).toBeNull();
    expect(optimizerFromConfig({ class_name: 'AdamW', config: { learning_rate: 0.001 } }).weightDecay).toBe(0.004);
    expect(optimizerFromConfig({ class_name: 'AdamW', config: { learning_rate: 0.001, weight_decay: 0.02 } }).weightDecay).toBe(0.02);
  });
});

describe('the options, as given and as saved', () => {
  it('refuses bad values and more than one clip, naming them', () => {
    expect(() => sn.optimizers.sgd({ clipnorm: -1 })).toThrow('sgd: clipnorm must be a finite number > 0, got -1');
    expect(() => sn.optimizers.adam({ clipvalue: 0 })).toThrow('adam: clipvalue must be a finite number > 0, got 0');
    expect(() => sn.optimizers.adam({ weightDecay: NaN })).toThrow('adam: weightDecay must be a finite number >= 0, got NaN');
    expect(() => sn.optimizers.sgd({ clipnorm: 1, clipvalue: 0.5 })).toThrow('sgd: clipnorm and clipvalue are set together; give one (Keras 3 refuses this too)');
    expect(() => sn.optimizers.sgd({ clipnorm: 1, globalClipnorm: 2, clipvalue: 0.5 })).toThrow('sgd: clipnorm, globalClipnorm and clipvalue are set together');
    expect(() => sn.optimizers.sgd({ clip_norm: 1 } as never)).toThrow(/sgd: unknown option clip_norm/);
  });

  it('writes them in the training config and reads them back; reads Keras 3 configs (SGD, AdamW) with their nulls', () => {
    const a = sn.optimizers.adamw({ learningRate: 0.002, clipnorm: 1 });
    expect(a.toConfig()).toEqual({ class_name: 'Adam', config: { learningRate: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, clipnorm: 1, weightDecay: 0.004 } });
    const back = optimizerFromConfig(a.toConfig());
    expect([back.clipnorm, back.weightDecay, back.learningRate]).toEqual([1, 0.004, 0.002]);
    const k3 = optimizerFromConfig({ module: 'keras.optimizers', class_name: 'SGD', config: { name: 'SGD', learning_rate: 0.01, weight_decay: null, clipnorm: null,
      global_clipnorm: 2.0, clipvalue: null, use_ema: false, ema_momentum: 0.99, ema_overwrite_frequency: null, loss_scale_factor: null,
      gradient_accumulation_steps: null, momentum: 0.9, nesterov: true }, registered_name: null });
    expect([k3.globalClipnorm, k3.clipnorm, k3.weightDecay, (k3 as SGD).nesterov]).toEqual([2, null, null, true]);
    const w = optimizerFromConfig({ class_name: 'AdamW', config: { learning_rate: 0.001, weight_decay: 0.01, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false } });
    expect(w).toBeInstanceOf(AdamW);
    expect(w.weightDecay).toBe(0.01);
  });

  it('a file setting several clips keeps the one Keras applies, and says so', () => {
    const warn = console.warn;
    const said: string[] = [];
    console.warn = (m: string) => { said.push(m); };
    try {
      const o = optimizerFromConfig({ class_name: 'SGD', config: { learning_rate: 0.1, clipnorm: 1, clipvalue: 0.5 } });
      expect([o.clipnorm, o.clipvalue]).toEqual([1, null]);
      expect(said).toEqual(['optimizer SGD: the file sets clipnorm, clipvalue; simdnet applies only clipnorm, as tf.keras 2.11–2.15 ' +
        '(Keras 3 refuses several; legacy tf.keras applied clipvalue and then clipnorm)']);
      // tf.keras 2's learning-rate decay is refused where simdnet's update has none (it would be dropped, changing the run)
      for (const cls of ['Adam', 'Adagrad', 'Adamax', 'Adadelta', 'AdamW', 'RMSprop']) {
        expect(() => optimizerFromConfig({ class_name: cls, config: { learning_rate: 0.01, decay: 1e-4 } }), cls).toThrow(`optimizer ${cls}: option decay = 0.0001 is not supported`);
        expect(() => optimizerFromConfig({ class_name: cls, config: { learning_rate: 0.01, decay: 0 } }), cls).not.toThrow();
      }
      expect(optimizerFromConfig({ class_name: 'RMSProp', config: { learningRate: 0.01, decay: 0.8 } })).toMatchObject({ rho: 0.8 }); // tfjs' spelling of rho
      // a clip of 0 or below is off, as Keras ignores it
      expect(optimizerFromConfig({ class_name: 'SGD', config: { learning_rate: 0.1, clipnorm: 0, clipvalue: -1 } }).clipnorm).toBeNull();
    } finally { console.warn = warn; }
  });
});

describe('in fit', () => {
  const n = 16;
  const x = sn.tensor(rand(n * 5, 1, -3, 3), [n, 5]);
  const y = sn.tensor(rand(n * 3, 2, -3, 3), [n, 3]);
  const model = (optimizer: Optimizer) => {
    const m = sn.sequential({ seed: 4 });
    m.add(sn.layers.dense({ units: 4, activation: 'tanh', inputShape: [5] }));
    m.add(sn.layers.dense({ units: 3 }));
    m.compile({ optimizer, loss: 'meanSquaredError' });
    return m;
  };
  const norm = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v, i) => s + (v - b[i]) ** 2, 0));

  it('clipnorm clips each weight on its own, globalClipnorm all together (plain SGD: each step moves by lr · the clipped gradient)', async () => {
    const c = 0.05, lr = 0.5;
    const each = model(new SGD({ learningRate: lr, clipnorm: c }));
    const w0 = each.getWeights();
    await each.fit(x, y, { epochs: 1, batchSize: n, verbose: 0 });
    each.getWeights().forEach((w, i) => expect(norm(w.data, w0[i].data), `weight ${i}`).toBeCloseTo(lr * c, 6));
    const all = model(new SGD({ learningRate: lr, globalClipnorm: c }));
    await all.fit(x, y, { epochs: 1, batchSize: n, verbose: 0 });
    const moved = all.getWeights().map((w, i) => norm(w.data, w0[i].data));
    expect(Math.hypot(...moved)).toBeCloseTo(lr * c, 6);
    each.dispose(); all.dispose();
  });

  it('survives save and load: the loaded model trains on as the original does', async () => {
    const a = model(sn.optimizers.adamw({ learningRate: 0.01, clipnorm: 0.5 }));
    await a.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, seed: 1 });
    const b = await sn.loadModel(await a.toArtifacts({ includeOptimizer: true }));
    expect([b.optimizer!.clipnorm, b.optimizer!.weightDecay]).toEqual([0.5, 0.004]);
    const ha = await a.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, seed: 2 });
    const hb = await b.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, seed: 2 });
    expect(hb.history.loss).toEqual(ha.history.loss);
    a.getWeights().forEach((w, i) => expect(b.getWeights()[i].data).toEqual(w.data));
    a.dispose(); b.dispose();
  });
});
