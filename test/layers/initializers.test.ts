// Every registered initializer (src/layers/initializers.ts' registry) against Keras' definition, written here
// independently: the values' range, mean and spread (73,728 draws of a [3, 3, 64, 128] kernel: fanIn 576, fanOut
// 1152), orthonormal columns or rows, the identity's diagonal; its config read back to the same draws; the config
// kept by TensorFlow.js 4.22 (a model through tf.loadLayersModel and back); bad options named.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { getInitializer, INITIALIZERS, initializerFromConfig, type InitializerSpec } from '../../src/layers/initializers.js';
import { Random } from '../../src/random.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const KERNEL = [3, 3, 64, 128];
const FAN = { fan_in: 576, fan_out: 1152, fan_avg: 864 };
/** Keras' truncated normal: drawn at stddev / 0.87962566 and redrawn beyond two of those, so its spread is stddev. */
const TRUNC = 0.87962566103423978;

type Check = (v: Float32Array, shape: number[]) => void;
interface Ref { spec: InitializerSpec; shape?: number[]; check: Check }

function moments(v: Float32Array): { mean: number; std: number; min: number; max: number } {
  let s = 0, s2 = 0, min = Infinity, max = -Infinity;
  for (const x of v) { s += x; s2 += x * x; min = Math.min(min, x); max = Math.max(max, x); }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean), min, max };
}
/** mean within 5 standard errors, spread within 2 %. */
const near = (v: Float32Array, mean: number, std: number) => {
  const m = moments(v);
  expect(Math.abs(m.mean - mean), `mean ${m.mean} vs ${mean}`).toBeLessThan(5 * std / Math.sqrt(v.length) + 1e-7);
  expect(Math.abs(m.std / std - 1), `std ${m.std} vs ${std}`).toBeLessThan(0.02);
  return m;
};
const uniform = (lo: number, hi: number): Check => (v) => {
  const m = near(v, (lo + hi) / 2, (hi - lo) / Math.sqrt(12));
  expect(m.min).toBeGreaterThanOrEqual(Math.fround(lo));
  expect(m.max).toBeLessThanOrEqual(Math.fround(hi));
  expect(m.min - lo, 'reaches the low end').toBeLessThan(0.01 * (hi - lo));
  expect(hi - m.max, 'reaches the high end').toBeLessThan(0.01 * (hi - lo));
};
const normal = (mean: number, std: number): Check => (v) => {
  const m = near(v, mean, std);
  expect(Math.max(mean - m.min, m.max - mean), 'untruncated: beyond 3 sigma somewhere').toBeGreaterThan(3 * std);
};
/** Keras' truncated normal of stddev `std` (the truncated values' own spread, after the correction). */
const truncated = (mean: number, std: number): Check => (v) => {
  const m = near(v, mean, std);
  const bound = 2 * std / TRUNC;
  expect(Math.max(mean - m.min, m.max - mean)).toBeLessThanOrEqual(bound * (1 + 1e-6));
  expect(Math.max(mean - m.min, m.max - mean), 'reaches the cut').toBeGreaterThan(0.98 * bound);
};
/** Keras' plain TruncatedNormal(mean, stddev): the underlying normal's stddev, cut at two of them. */
const truncatedNormal = (mean: number, stddev: number): Check => truncated(mean, stddev * TRUNC);
const variance = (scale: number, mode: keyof typeof FAN, dist: 'uniform' | 'truncated' | 'untruncated'): Check => {
  const v = scale / FAN[mode];
  if (dist === 'uniform') return uniform(-Math.sqrt(3 * v), Math.sqrt(3 * v));
  return dist === 'truncated' ? truncated(0, Math.sqrt(v)) : normal(0, Math.sqrt(v));
};
const all = (x: number): Check => (v) => expect(v.every((y) => y === Math.fround(x))).toBe(true);
/** gain times orthonormal columns (rows >= cols) or rows. */
const orthonormal = (gain: number): Check => (v, shape) => {
  const [rows, cols] = shape;
  const short = Math.min(rows, cols), long = Math.max(rows, cols);
  const at = (k: number, i: number) => (rows >= cols ? v[i * cols + k] : v[k * cols + i]);
  let worst = 0;
  for (let a = 0; a < short; a++) {
    for (let b = a; b < short; b++) {
      let dot = 0;
      for (let i = 0; i < long; i++) dot += at(a, i) * at(b, i);
      worst = Math.max(worst, Math.abs(dot - (a === b ? gain * gain : 0)));
    }
  }
  expect(worst).toBeLessThan(1e-4 * gain * gain);
};
const eye = (gain: number): Check => (v, [rows, cols]) => {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) expect(v[i * cols + j]).toBe(i === j ? gain : 0);
};

/** The reference for each registered initializer: one row at least per entry of the registry. */
const REFS: Record<keyof typeof INITIALIZERS, Ref[]> = {
  zeros: [{ spec: 'zeros', check: all(0) }],
  ones: [{ spec: 'ones', check: all(1) }],
  constant: [{ spec: { name: 'constant', value: 0.37 }, check: all(0.37) }, { spec: 'constant', check: all(0) }],
  glorotUniform: [{ spec: 'glorotUniform', check: variance(1, 'fan_avg', 'uniform') }],
  glorotNormal: [{ spec: 'glorotNormal', check: variance(1, 'fan_avg', 'truncated') }],
  heUniform: [{ spec: 'heUniform', check: variance(2, 'fan_in', 'uniform') }],
  heNormal: [{ spec: 'heNormal', check: variance(2, 'fan_in', 'truncated') }],
  lecunUniform: [{ spec: 'lecunUniform', check: variance(1, 'fan_in', 'uniform') }],
  lecunNormal: [{ spec: 'lecunNormal', check: variance(1, 'fan_in', 'truncated') }],
  randomUniform: [{ spec: 'randomUniform', check: uniform(-0.05, 0.05) }, { spec: { name: 'randomUniform', minval: 1, maxval: 3 }, check: uniform(1, 3) }],
  randomNormal: [{ spec: 'randomNormal', check: normal(0, 0.05) }, { spec: { name: 'randomNormal', mean: 2, stddev: 0.5 }, check: normal(2, 0.5) }],
  truncatedNormal: [{ spec: 'truncatedNormal', check: truncatedNormal(0, 0.05) }, { spec: { name: 'truncatedNormal', mean: -1, stddev: 0.2 }, check: truncatedNormal(-1, 0.2) }],
  orthogonal: [{ spec: { name: 'orthogonal', gain: 2 }, shape: [128, 96], check: orthonormal(2) }, { spec: 'orthogonal', shape: [96, 128], check: orthonormal(1) }],
  identity: [{ spec: { name: 'identity', gain: 3 }, shape: [5, 7], check: eye(3) }, { spec: 'identity', shape: [6, 4], check: eye(1) }],
  varianceScaling: [
    { spec: 'varianceScaling', check: variance(1, 'fan_in', 'truncated') },
    { spec: { name: 'varianceScaling', scale: 0.5, mode: 'fan_out', distribution: 'uniform' }, check: variance(0.5, 'fan_out', 'uniform') },
    { spec: { name: 'varianceScaling', scale: 3, mode: 'fanAvg', distribution: 'untruncated_normal' }, check: variance(3, 'fan_avg', 'untruncated') },
    { spec: { name: 'varianceScaling', scale: 1 / 3, mode: 'fan_in', distribution: 'truncatedNormal' }, check: variance(1 / 3, 'fan_in', 'truncated') },
  ],
};

const label = (spec: InitializerSpec) => (typeof spec === 'string' ? spec : JSON.stringify(spec));
const draw = (spec: InitializerSpec, shape: number[], seed = 5) => {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  getInitializer(spec, 'test').fill(out, shape, new Random(seed));
  return out;
};

describe('every registered initializer', () => {
  it('has a reference here', () => {
    expect(Object.keys(REFS).sort()).toEqual(Object.keys(INITIALIZERS).sort());
  });

  for (const [name, refs] of Object.entries(REFS)) {
    for (const ref of refs) {
      const shape = ref.shape ?? KERNEL;
      it(`${name}: ${label(ref.spec)} on [${shape.join(', ')}] draws as Keras defines it; its config reads back to the same draws`, () => {
        const values = draw(ref.spec, shape);
        ref.check(values, shape);
        const config = getInitializer(ref.spec, 'test').config();
        const back = initializerFromConfig(JSON.parse(JSON.stringify(config)));
        expect(getInitializer(back, 'test').config()).toEqual(config);
        expect(Buffer.from(draw(back, shape).buffer).equals(Buffer.from(values.buffer)), 'same draws from the saved config').toBe(true);
      });
    }
  }

  it('a model with each as a Dense kernel initializer goes through tf.loadLayersModel and back with its config unchanged', async () => {
    for (const ref of Object.values(REFS).flat()) {
      const m = sn.sequential({ seed: 1 });
      m.add(sn.layers.dense({ units: 6, inputShape: [6], kernelInitializer: ref.spec }));
      const { modelJson, weights } = await m.toArtifacts();
      const topology = modelJson.modelTopology as Record<string, unknown>;
      const ours = JSON.stringify((topology.config as { layers: { config: { kernel_initializer: unknown } }[] }).layers[0].config.kernel_initializer);
      const t = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs: (modelJson.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[])[0].weights, weightData: weights.slice().buffer }));
      const theirs = (t.layers[0].getConfig() as { kernelInitializer: { className: string; config: Record<string, unknown> } }).kernelInitializer;
      // tfjs has no untruncated normal: simdnet's file says 'normal' to tfjs and keeps the distribution beside it, which
      // tfjs drops when it writes the config again
      expect(JSON.stringify(getInitializer(theirs as never, 'tfjs').config()), label(ref.spec)).toBe(ours.replace(',"simdnet_distribution":"untruncated_normal"', ''));
      t.dispose(); m.dispose();
    }
  });
});

describe('Keras configs that load now', () => {
  it('Constant(0.1), VarianceScaling of any scale, mode and distribution, Identity: read as Keras writes them', () => {
    const constant = initializerFromConfig({ class_name: 'Constant', config: { value: 0.1 } });
    expect(constant).toEqual({ name: 'constant', value: 0.1 });
    expect(initializerFromConfig({ class_name: 'Constant', config: { value: 0 } })).toEqual({ name: 'constant', value: 0 });
    expect(initializerFromConfig({ class_name: 'VarianceScaling', config: { scale: 2, mode: 'fan_in', distribution: 'truncated_normal', seed: null } })).toBe('heNormal');
    expect(initializerFromConfig({ class_name: 'VarianceScaling', config: { scale: 1 / 3, mode: 'fan_in', distribution: 'uniform', seed: null } }))
      .toEqual({ name: 'varianceScaling', scale: 1 / 3, mode: 'fan_in', distribution: 'uniform' });
    expect(initializerFromConfig({ class_name: 'Identity', config: { gain: 2 } })).toEqual({ name: 'identity', gain: 2 });
    // tfjs' spelling of the enums
    expect(initializerFromConfig({ className: 'VarianceScaling', config: { scale: 0.1, mode: 'fanOut', distribution: 'normal' } }))
      .toEqual({ name: 'varianceScaling', scale: 0.1, mode: 'fan_out', distribution: 'normal' });
  });

  it('a Dense layer with bias Constant(0.1) and kernel VarianceScaling(1/3, fan_in, uniform) builds, draws and saves them', async () => {
    const m = sn.sequential({ seed: 4 });
    m.add(sn.layers.dense({ units: 300, inputShape: [200], kernelInitializer: { name: 'varianceScaling', scale: 1 / 3, mode: 'fanIn', distribution: 'uniform' }, biasInitializer: { name: 'constant', value: 0.1 } }));
    const [k, b] = m.getWeights();
    uniform(-Math.sqrt(1 / 200), Math.sqrt(1 / 200))(k.data as Float32Array, [200, 300]);
    all(0.1)(b.data as Float32Array, [300]);
    // saved and loaded: the same initializers, drawing the same values again
    const loaded = await sn.loadModel(await m.toArtifacts());
    const config = loaded.layers[0].getConfig() as { kernel_initializer: unknown; bias_initializer: unknown };
    // no seed: Keras' Constant and Identity take none (tf.keras 2's Constant.from_config fails on one)
    expect(config.bias_initializer).toEqual({ class_name: 'Constant', config: { value: 0.1 } });
    expect(getInitializer({ name: 'identity', gain: 2 }, 'test').config()).toEqual({ class_name: 'Identity', config: { gain: 2 } });
    expect(getInitializer('orthogonal', 'test').config()).toEqual({ class_name: 'Orthogonal', config: { gain: 1, seed: null } });
    expect(draw(initializerFromConfig(config.kernel_initializer), [200, 300], 9)).toEqual(draw({ name: 'varianceScaling', scale: 1 / 3, mode: 'fan_in', distribution: 'uniform' }, [200, 300], 9));
    // an untruncated normal, which tfjs files cannot name, comes back from simdnet's own file as it was
    const u = sn.sequential();
    u.add(sn.layers.dense({ units: 3, inputShape: [2], kernelInitializer: { name: 'varianceScaling', distribution: 'untruncated_normal' } }));
    const uj = (await sn.loadModel(await u.toArtifacts())).layers[0].getConfig() as { kernel_initializer: { config: { distribution: string } } };
    expect(uj.kernel_initializer.config.distribution).toBe('untruncated_normal');
    u.dispose();
    m.dispose(); loaded.dispose();
  });
});

describe('bad initializer options are named', () => {
  it('an unknown mode or distribution, a negative scale, an identity on a convolution kernel', () => {
    const dense = (init: unknown) => () => {
      const m = sn.sequential();
      m.add(sn.layers.dense({ units: 2, inputShape: [3], kernelInitializer: init as never }));
    };
    expect(dense({ name: 'varianceScaling', mode: 'fan_middle' })).toThrow(
      "dense (Dense): kernelInitializer: initializer varianceScaling option mode must be one of 'fan_in', 'fan_out', 'fan_avg', got \"fan_middle\"");
    expect(dense({ name: 'varianceScaling', distribution: 'cauchy' })).toThrow("option distribution must be one of 'truncated_normal', 'untruncated_normal', 'uniform', 'normal', got \"cauchy\"");
    expect(dense({ name: 'varianceScaling', scale: -1 })).toThrow('initializer varianceScaling option scale must be >= 0, got -1');
    expect(dense({ name: 'constant', value: 'a' })).toThrow('initializer constant option value must be a finite number, got "a"');
    expect(() => {
      const m = sn.sequential();
      m.add(sn.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1], kernelInitializer: 'identity' }));
    }).toThrow('conv2d (Conv2D): kernelInitializer: the identity initializer fills 2D weights (a matrix), not shape [3, 3, 1, 2]');
  });
});
