// One test for every layer in the registry, driven by each class's examples (src/layers/*.ts): output
// shape and Keras' parameter count; forward (inference) and, where training is deterministic, backward
// parity with TensorFlow.js (cpu) built from simdnet's own saved config; finite differences of the
// input and weight gradients; config and weights round trip through save/load, both ways with tfjs; and
// bit-identical training on 1 and 2 threads with the layer's kernels shown to run on a worker.
// A new layer needs its file and one registry line: its examples bring it here.
import type * as TF from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { Sequential } from '../../src/engine/sequential.js';
import { modelFromArtifacts, modelToArtifacts, type WeightSpec } from '../../src/io/model-files.js';
import { layerToJson, modelTopology } from '../../src/io/topology.js';
import type { Layer, LayerClass, LayerExample } from '../../src/layers/layer.js';
import { LAYERS } from '../../src/layers/registry.js';
import { setSplitThreshold, threadStats, useThreads } from '../../src/threads/index.js';
import { Tensor } from '../../src/tensor.js';
import { LayerHarness, maxRelError, rand, rt } from '../helpers.js';
import { tfjsOracle } from '../tfjs-oracle.js';
import * as sn from '../../src/index.js';
import { regularizers } from '../../src/layers/regularizers.js';
import { distinctSpaced, expectGradOk, gradCheck, maxPoolKink, reluKink, type Kink } from './fd.js';

const oracle = tfjsOracle('generic layer test');
const tf = oracle.tf;
const TOL = 1e-4;
const BATCH = 3;

const make = (cls: LayerClass, args: Record<string, unknown>): Layer => new (cls as unknown as new (a: unknown) => Layer)({ ...args });

/** Inputs for n samples: distinct values spaced apart (no max ties, few ReLU kinks) or token ids. */
function inputs(ex: LayerExample, n: number, seed: number): Float32Array {
  const size = n * ex.inputShape.reduce((a, b) => a * b, 1);
  if (ex.ids) return rand(size, seed, 0, ex.ids).map(Math.floor);
  const spaced = distinctSpaced(size, seed);
  const spacing = Math.max(0.021, Math.min(0.05, 4 / size));
  return spaced.map((v) => (v / 0.05) * spacing);
}

/** Weights for a model: random, with variances positive. */
function weightsFor(model: Sequential, seed: number): Tensor[] {
  return model.namedWeights().map(({ param }, i) => {
    const positive = /variance/.test(param.name);
    return new Tensor(rand(param.size, seed + i, positive ? 0.5 : -0.5, positive ? 1.5 : 0.5), param.shape);
  });
}

function modelWith(layer: Layer, ex: LayerExample): Sequential {
  const m = new Sequential({ name: 'generic', seed: 5 });
  layer.declaredInputShape = [...ex.inputShape];
  m.add(layer);
  return m;
}

/** The tfjs model of a simdnet model, built from simdnet's topology JSON, holding the same weights. */
async function tfjsTwin(m: Sequential): Promise<TF.LayersModel> {
  const t = await tf.models.modelFromJSON({ modelTopology: modelTopology(m) } as unknown as TF.io.ModelJSON);
  t.setWeights(m.getWeights().map((w) => tf.tensor(w.data, [...w.shape])));
  return t;
}

/** Keras' weight option prefixes and the weights they act on (kernel_regularizer → kernel, recurrent_… → recurrent_kernel). */
const KERAS_WEIGHT: Record<string, string> = { kernel: 'kernel', bias: 'bias', recurrent: 'recurrent_kernel', embeddings: 'embeddings', beta: 'beta', gamma: 'gamma',
  depthwise: 'depthwise_kernel', pointwise: 'pointwise_kernel' };

/**
 * The example's layer with the weight options `extra` and without them, the same weights (seed) in both, compiled
 * for plain SGD at rate 1 (one step moves each weight by its gradient), and a batch of 4 for them.
 */
function withAndWithout(cls: LayerClass, ex: LayerExample, extra: Record<string, unknown>, seed: number) {
  const build = (options: Record<string, unknown>) => {
    const m = modelWith(make(cls, { ...ex.args, ...options }), ex);
    m.setWeights(weightsFor(m, seed));
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1 }), loss: 'meanSquaredError' });
    return m;
  };
  const m = build(extra), plain = build({});
  const n = 4;
  const x = new Tensor(inputs(ex, n, seed + 1), [n, ...ex.inputShape]);
  const y = new Tensor(rand(n * m.outputShape.reduce((a, b) => a * b, 1), seed + 2), [n, ...m.outputShape]);
  return { m, plain, n, x, y };
}

/** Non-differentiable points: a max's winner changing (max layers), else a ReLU output changing sign. */
const kinkOf = (cls: LayerClass): Kink => (/Max/.test(cls.className) ? maxPoolKink : reluKink);

/** The kernels a call makes, by name (rt.k wrapped for the duration). */
function kernelsCalled(fn: () => void): Set<string> {
  const seen = new Set<string>();
  const k = rt.k;
  const spy = new Proxy(k, { get: (target, prop) => { seen.add(String(prop)); return Reflect.get(target, prop); } });
  (rt as { k: unknown }).k = spy;
  try { fn(); } finally { (rt as { k: unknown }).k = k; }
  return seen;
}

const entries = Object.entries(LAYERS) as [string, LayerClass][];

describe('every registered layer', () => {
  it('has at least one example', () => {
    for (const [name, cls] of entries) expect(cls.examples.length, `${name} has no examples`).toBeGreaterThan(0);
  });
});

for (const [factory, cls] of entries) {
  describe(`${factory} (${cls.className})`, () => {
    cls.examples.forEach((ex, i) => {
      const label = `${cls.className} #${i} ${JSON.stringify(ex.args)} on [${ex.inputShape}]`;

      it(`#${i}: output shape and Keras' parameter count`, () => {
        const m = modelWith(make(cls, ex.args), ex);
        expect(m.countParams(), label).toBe(ex.params);
        const layer = m.layers[0];
        expect(layer.computeOutputShape(ex.inputShape)).toEqual(layer.outputShape);
        // layer.getWeights (Keras' layer.get_weights): the model's weights of that layer, in order
        expect(m.layers.flatMap((l) => l.getWeights().map((w) => w.shape))).toEqual(m.getWeights().map((w) => w.shape));
        m.dispose();
      });

      it.skipIf(ex.noTfjs !== undefined)(`#${i}: parity with TensorFlow.js (${ex.noTfjs ?? 'tfjs cpu'})`, async () => {
        const m = modelWith(make(cls, ex.args), ex);
        m.setWeights(weightsFor(m, 11));
        const t = await tfjsTwin(m);
        try {
          expect(t.countParams(), `${label}: tfjs parameter count`).toBe(m.countParams());
          expect(t.outputs[0].shape.slice(1), `${label}: tfjs output shape`).toEqual(m.outputShape);
          // weights in the same order (Keras': trainable first)
          expect(t.weights.map((w) => w.shape)).toEqual(m.getWeights().map((w) => w.shape));
          const x = inputs(ex, BATCH, 21);
          const ours = (await m.predict(new Tensor(x, [BATCH, ...ex.inputShape]))).data;
          const theirs = tf.tidy(() => (t.predict(tf.tensor(x, [BATCH, ...ex.inputShape])) as TF.Tensor).dataSync());
          const err = maxRelError(ours, theirs);
          oracle.record(`${label} forward`, err);
          expect(err, `${label}: inference output vs tfjs`).toBeLessThanOrEqual(TOL);
          if (cls.randomInTraining || ex.noTfjsTraining) return;
          // training mode: y, dx and the trainable weights' gradients of L = Σ y ⊙ r
          const layer = make(cls, ex.args);
          layer.name = 'twin';
          const h = new LayerHarness(layer, ex.inputShape, BATCH, m.layers[0].params.map((_, j) => {
            const w = m.layers[0].params[j];
            return rt.f32(w.offset, w.size).slice();
          }));
          try {
            const r = rand(h.outSize, 31);
            const run = h.run(x, r, true, 1);
            const tl = t.layers[0];
            const vars = tl.trainableWeights.map((w) => w.read());
            const ref = tf.tidy(() => {
              const xT = tf.tensor(x, [BATCH, ...ex.inputShape]);
              const rT = tf.tensor(r, [BATCH, ...m.outputShape]);
              const f = (xx: TF.Tensor) => tf.sum(tf.mul(tl.apply(xx, { training: true }) as TF.Tensor, rT)) as TF.Scalar;
              const y = (tl.apply(xT, { training: true }) as TF.Tensor).dataSync();
              const dx = ex.ids ? null : tf.grad(f)(xT).dataSync();
              if (vars.length === 0) return { y, dx, dw: [] };
              const { grads } = tf.variableGrads(() => f(xT), vars as TF.Variable[]);
              return { y, dx, dw: vars.map((v) => grads[v.name].dataSync()) };
            });
            const errs = [maxRelError(run.y, ref.y)];
            if (ref.dx) errs.push(maxRelError(run.dx!, ref.dx));
            const trainable = layer.params.filter((p) => layer.isTrainable(p));
            expect(trainable.length).toBe(ref.dw.length);
            trainable.forEach((p, j) => errs.push(maxRelError(run.dw[layer.params.indexOf(p)], ref.dw[j])));
            const worst = Math.max(...errs);
            oracle.record(`${label} training y, dx, dW`, worst);
            expect(worst, `${label}: training-mode output and gradients vs tfjs (${errs.map((e) => e.toExponential(1))})`).toBeLessThanOrEqual(TOL);
          } finally { h.dispose(); }
        } finally { t.dispose(); m.dispose(); }
      });

      it(`#${i}: gradients agree with finite differences`, () => {
        const layer = make(cls, ex.args);
        const h = new LayerHarness(layer, ex.inputShape, BATCH);
        try {
          if (layer.params.length === 0 && ex.ids) return; // nothing differentiable
          const res = gradCheck(h, { x: inputs(ex, BATCH, 41), kink: kinkOf(cls), seed: 9, noInputGradient: ex.ids !== undefined,
            tolerance: ex.fdTolerance });
          // moving statistics have no gradient: check the trainable weights and the input only
          const checked = res.filter((c) => c.tensor === 'input' || layer.params.some((p) => p.name === c.tensor && layer.isTrainable(p)));
          expect(checked.length).toBeGreaterThan(0);
          expectGradOk(label, checked);
        } finally { h.dispose(); }
      });

      it(`#${i}: config and weights round-trip through save/load, and through tfjs ${ex.noTfjsSave ? `one way (${ex.noTfjsSave})` : 'both ways'}`, async () => {
        const m = modelWith(make(cls, ex.args), ex);
        m.setWeights(weightsFor(m, 51));
        const a = modelToArtifacts(m);
        const again = modelFromArtifacts(a.modelTopology, a.weightSpecs, a.weightData);
        const x = new Tensor(inputs(ex, BATCH, 61), [BATCH, ...ex.inputShape]);
        try {
          expect(layerToJson(again.layers[0])).toEqual(layerToJson(m.layers[0]));
          expect(again.getWeights().map((w) => Array.from(w.data))).toEqual(m.getWeights().map((w) => Array.from(w.data)));
          expect(Array.from((await again.predict(x)).data)).toEqual(Array.from((await m.predict(x)).data));
          if (ex.noTfjs) return;
          // tfjs loads simdnet's artifacts, and simdnet loads what tfjs saves from them
          const t = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs as TF.io.WeightsManifestEntry[],
            weightData: a.weightData }));
          const theirs = tf.tidy(() => (t.predict(tf.tensor(x.data, [...x.shape])) as TF.Tensor).dataSync());
          expect(maxRelError((await m.predict(x)).data, theirs), `${label}: tfjs predicting with simdnet's files`).toBeLessThanOrEqual(TOL);
          if (ex.noTfjsSave) { t.dispose(); return; }
          let saved: TF.io.ModelArtifacts | null = null;
          await t.save(tf.io.withSaveHandler(async (art) => { saved = art; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
          t.dispose();
          const s = saved! as TF.io.ModelArtifacts;
          const back = modelFromArtifacts(s.modelTopology, s.weightSpecs as WeightSpec[], s.weightData as ArrayBuffer);
          expect(maxRelError((await back.predict(x)).data, theirs), `${label}: simdnet predicting with tfjs' files`).toBeLessThanOrEqual(TOL);
          back.dispose();
        } finally { m.dispose(); again.dispose(); }
      });

      if (cls.weightOptions) {
        it(`#${i}: weight regularizers (${Object.keys(cls.weightOptions).map((k) => `${k}Regularizer`).join(', ')}) add their penalty and its gradient, as tfjs'`, async () => {
          // a different L1L2 on each weight that takes one; the same run without them is the reference
          const regs: Record<string, unknown> = {};
          Object.keys(cls.weightOptions!).forEach((k, j) => { regs[`${k}Regularizer`] = regularizers.l1l2({ l1: 0.01 * (j + 1), l2: 0.03 * (j + 2) }); });
          const { m, plain, n, x, y } = withAndWithout(cls, ex, regs, 81);
          try {
            const layer = m.layers[0];
            // each option on the weight Keras names for it (KERAS_WEIGHT, not the layer's own table), and every
            // trainable weight with one: Keras gives each of them a regularizer option
            for (const p of layer.params) {
              const prefix = Object.entries(KERAS_WEIGHT).find(([, weight]) => weight === p.name)?.[0];
              const want = prefix && layer.isTrainable(p) ? regs[`${prefix}Regularizer`] as { l1: number; l2: number } : null;
              if (layer.isTrainable(p)) expect(want, `${label}: no option for ${p.name}`).toBeTruthy();
              expect(p.regularizer && [p.regularizer.l1, p.regularizer.l2], `${label}: ${p.name}'s regularizer`).toEqual(want && [want.l1, want.l2]);
            }
            const regularized = layer.params.filter((p) => p.regularizer && layer.isTrainable(p));
            expect(regularized.length, `${label}: no weight took its regularizer`).toBeGreaterThan(0);
            const w0 = m.getWeights().map((w) => Float64Array.from(w.data));
            // the penalty, in float64 from the weights
            let penalty = 0;
            layer.params.forEach((p, j) => {
              if (!p.regularizer || !layer.isTrainable(p)) return;
              for (const v of w0[j]) penalty += p.regularizer.l1 * Math.abs(v) + p.regularizer.l2 * v * v;
            });
            expect(penalty).toBeGreaterThan(0);
            const e0 = (await m.evaluate(x, y)).loss, p0 = (await plain.evaluate(x, y)).loss;
            expect(Math.abs(e0 - p0 - penalty), `${label}: evaluate's loss holds the penalty`).toBeLessThanOrEqual(1e-6 * Math.max(1, penalty));
            // one step of plain SGD at rate 1: the regularized run moves each weight by l1·sign(w) + 2·l2·w more
            const h = await m.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
            const hp = await plain.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
            expect(Math.abs(h.history.loss[0] - hp.history.loss[0] - penalty), `${label}: fit's logged loss holds the penalty`).toBeLessThanOrEqual(1e-6 * Math.max(1, penalty));
            const w1 = m.getWeights(), q1 = plain.getWeights();
            layer.params.forEach((p, j) => {
              const r = layer.isTrainable(p) ? p.regularizer : null;
              let worst = 0;
              for (let k = 0; k < p.size; k++) {
                const w = w0[j][k];
                const want = r ? -(r.l1 * Math.sign(w) + 2 * r.l2 * w) : 0;
                worst = Math.max(worst, Math.abs(w1[j].data[k] - q1[j].data[k] - want));
              }
              expect(worst, `${label}: ${p.name} after a step`).toBeLessThanOrEqual(2e-6);
            });
            // the regularizers are in the saved config, and come back from it
            const a = modelToArtifacts(m);
            const again = modelFromArtifacts(a.modelTopology, a.weightSpecs, a.weightData);
            expect(again.layers[0].params.map((p) => p.regularizer && [p.regularizer.l1, p.regularizer.l2]))
              .toEqual(layer.params.map((p) => p.regularizer && [p.regularizer.l1, p.regularizer.l2]));
            again.dispose();
            if (ex.noTfjs || ex.noTfjsTraining || cls.randomInTraining) return;
            // tfjs, built from simdnet's saved topology (so with the regularizers), takes the same step
            const t = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs as TF.io.WeightsManifestEntry[],
              weightData: a.weightData }));
            try {
              t.setWeights(w0.map((w, j) => tf.tensor(Float32Array.from(w), [...m.getWeights()[j].shape])));
              t.compile({ optimizer: tf.train.sgd(1), loss: 'meanSquaredError' });
              const th = await t.fit(tf.tensor(x.data, [...x.shape]), tf.tensor(y.data, [...y.shape]), { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
              if (cls.noTfjsRegularizers) {
                // tfjs trains as if there were none: its loss and weights are the plain run's (a fixed tfjs fails this)
                expect(Math.abs((th.history.loss[0] as number) - hp.history.loss[0]), `${label}: ${cls.noTfjsRegularizers}`).toBeLessThanOrEqual(TOL);
                const tw = t.getWeights().map((w) => w.dataSync());
                expect(Math.max(...q1.map((w) => Math.min(...tw.map((v) => (v.length === w.data.length ? maxRelError(w.data, v) : Infinity))))),
                  `${label}: ${cls.noTfjsRegularizers}`).toBeLessThanOrEqual(TOL);
                return;
              }
              const lossErr = Math.abs((th.history.loss[0] as number) - h.history.loss[0]) / Math.max(1, Math.abs(h.history.loss[0]));
              oracle.record(`${label} regularized step: loss`, lossErr);
              expect(lossErr, `${label}: tfjs' logged loss ${th.history.loss[0]} vs ${h.history.loss[0]}, plain ${hp.history.loss[0]}, penalty ${penalty}`).toBeLessThanOrEqual(TOL);
              const tw = t.getWeights();
              // tfjs lists trainable weights first; match by shape and name order as the topology test does
              const byName = new Map(t.weights.map((v, j) => [v.originalName.split('/').pop()!, tw[j].dataSync()]));
              layer.params.forEach((p, j) => {
                const theirs = byName.get(p.name);
                expect(theirs, `${label}: tfjs has ${p.name}`).toBeDefined();
                const err = maxRelError(w1[j].data, theirs!);
                oracle.record(`${label} regularized step: ${p.name}`, err);
                expect(err, `${label}: ${p.name} after tfjs' step`).toBeLessThanOrEqual(TOL);
              });
            } finally { t.dispose(); }
          } finally { m.dispose(); plain.dispose(); }
        });
      }

      if (cls.weightOptions) {
        it(`#${i}: weight constraints (${Object.keys(cls.weightOptions).map((k) => `${k}Constraint`).join(', ')}) project each weight after the step, as tfjs' constraints compute`, async () => {
          // the four kinds in turn over the layer's options; the reference: the same step without them, then tfjs' projection
          const kinds: [(axis: number) => unknown, (axis: number) => { apply(w: TF.Tensor): TF.Tensor }][] = [
            [(axis) => sn.constraints.maxNorm({ maxValue: 0.05, axis }), (axis) => tf.constraints.maxNorm({ maxValue: 0.05, axis })],
            [(axis) => sn.constraints.minMaxNorm({ minValue: 0.2, maxValue: 0.4, rate: 0.5, axis }), (axis) => tf.constraints.minMaxNorm({ minValue: 0.2, maxValue: 0.4, rate: 0.5, axis })],
            [(axis) => sn.constraints.unitNorm({ axis }), (axis) => tf.constraints.unitNorm({ axis })],
            [() => sn.constraints.nonNeg(), () => tf.constraints.nonNeg()],
          ];
          const cons: Record<string, unknown> = {}, theirs: Record<string, { apply(w: TF.Tensor): TF.Tensor }> = {};
          Object.keys(cls.weightOptions!).forEach((k, j) => {
            const [ours, tfjs] = kinds[(j + i) % kinds.length];
            cons[`${k}Constraint`] = ours(0); theirs[KERAS_WEIGHT[k]] = tfjs(0);
          });
          const { m, plain, n, x, y } = withAndWithout(cls, ex, cons, 91);
          try {
            const layer = m.layers[0];
            // setWeights leaves them as given (Keras projects only after an update)
            expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(plain.getWeights().map((w) => Array.from(w.data)));
            for (const p of layer.params) {
              const prefix = Object.entries(KERAS_WEIGHT).find(([, weight]) => weight === p.name)?.[0];
              if (layer.isTrainable(p)) expect(prefix && p.constraint?.of.className, `${label}: ${p.name}'s constraint`).toBe((cons[`${prefix}Constraint`] as { className: string }).className);
              else expect(p.constraint, `${label}: ${p.name} takes no constraint`).toBeNull();
            }
            await m.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
            await plain.fit(x, y, { epochs: 1, batchSize: n, shuffle: false, verbose: 0 });
            const got = m.getWeights(), base = plain.getWeights();
            layer.params.forEach((p, j) => {
              const want = layer.isTrainable(p)
                ? tf.tidy(() => theirs[p.name].apply(tf.tensor(base[j].data, [...base[j].shape])).dataSync())
                : base[j].data;
              const err = maxRelError(got[j].data, want);
              oracle.record(`${label} constrained step: ${p.name}`, err);
              expect(err, `${label}: ${p.name} after the step`).toBeLessThanOrEqual(1e-5);
            });
            // the constraints are in the saved config, come back from it, and tfjs reads them
            const a = modelToArtifacts(m);
            const again = modelFromArtifacts(a.modelTopology, a.weightSpecs, a.weightData);
            expect(again.layers[0].params.map((p) => p.constraint?.of.config() ?? null)).toEqual(layer.params.map((p) => p.constraint?.of.config() ?? null));
            again.dispose();
            if (ex.noTfjs) return;
            const t = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs as TF.io.WeightsManifestEntry[], weightData: a.weightData }));
            const tc = t.layers[t.layers.length - 1].getConfig();
            for (const k of Object.keys(cls.weightOptions!)) {
              if (cls.className === 'LayerNormalization') continue; // tfjs' has no constraint options (Keras' has): it drops them
              // tfjs 4.22's DepthwiseConv2D.getConfig serializes its depthwiseRegularizer as depthwiseConstraint (it applies the constraint)
              if (cls.className === 'DepthwiseConv2D' && k === 'depthwise') continue;
              expect((tc[`${k}Constraint`] as { className: string } | null)?.className, `${label}: tfjs reads ${k}Constraint`).toBe((cons[`${k}Constraint`] as { className: string }).className);
            }
            t.dispose();
          } finally { m.dispose(); plain.dispose(); }
        });
      }

      it(`#${i}: trains bit-identically on 1 and 2 threads, ${cls.singleThreaded ? `single-threaded (${cls.singleThreaded})` : 'its kernels running on a worker'}`, async () => {
        const runWith = async (threads: number): Promise<{ w: Tensor[]; p: Float32Array; calls: Set<string>; ops: Record<string, number> }> => {
          const m = modelWith(make(cls, ex.args), ex);
          m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
          const n = 8;
          const x = new Tensor(inputs(ex, n, 71), [n, ...ex.inputShape]);
          const y = new Tensor(rand(n * m.outputShape.reduce((a, b) => a * b, 1), 72), [n, ...m.outputShape]);
          await useThreads(rt, threads);
          const before = { ...threadStats().workerOps };
          await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, seed: 3, threads });
          // the kernels one training step calls, seen on this thread
          const net = (m as unknown as { net: { trainStep(n: number, s: number): unknown } }).net;
          const calls = kernelsCalled(() => net.trainStep(4, 99));
          const after = threadStats().workerOps;
          const ops: Record<string, number> = {};
          for (const [op, c] of Object.entries(after)) if (c > (before[op] ?? 0)) ops[op] = c - (before[op] ?? 0);
          const p = (await m.predict(x, { threads })).data;
          const w = m.getWeights();
          m.dispose();
          return { w, p, calls, ops };
        };
        const prev = setSplitThreshold(0);
        try {
          const one = await runWith(1);
          const two = await runWith(2);
          expect(two.w.map((t) => Array.from(t.data))).toEqual(one.w.map((t) => Array.from(t.data)));
          expect(Array.from(two.p)).toEqual(Array.from(one.p));
          const layerKernels = [...two.calls].filter((k) => !['gemm_pack_floats', 'count_nonfinite', 'gather_rows', 'mse', 'count_argmax_match',
            'count_binary_match', 'sgd_update', 'zero_floats'].includes(k));
          const onWorkers = layerKernels.filter((k) => two.ops[k]);
          // a configuration that runs no kernel of its own (dropout at rate 0) has nothing to split
          if (cls.singleThreaded || layerKernels.length === 0) expect(onWorkers, `${label}: declared single-threaded`).toEqual([]);
          else expect(onWorkers.length, `${label}: none of its kernels (${layerKernels.join(', ')}) ran on a worker (workers ran ${JSON.stringify(two.ops)})`).toBeGreaterThan(0);
        } finally {
          setSplitThreshold(prev);
          await useThreads(rt, 1);
        }
      });
    });
  });
}

afterAll(() => setSplitThreshold(1));
