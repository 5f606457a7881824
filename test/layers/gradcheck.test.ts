// Finite-difference gradient checks for every layer. For a layer f with input x and weights W, the scalar
//   L(x, W) = Σ f(x; W) ⊙ r          (r fixed random, so dL/dy = r)
// is differentiated analytically by the layer's backward (upstream gradient dy = r) and numerically by
// central differences, L(θ + h) - L(θ - h), computed in float64 from the float32 forward outputs. Each
// tensor (the input and every weight) is judged on a random subset of its coordinates by the relative norm
// error ||a - n|| / max(||a||, ||n||).
//
// Float32 noise: the forward output is rounded to float32 (~6e-8 relative); with h = 1e-2 that is ~1e-5
// of noise in the difference quotient, and the O(h²) truncation error is ~1e-4 — far below TOL = 1e-2.
// A gradient off by 10% (scale 1.1) gives ~9e-2, transposed / missing a term much more: those fail.
// Non-smooth points are avoided: when a perturbation flips the sign of a ReLU output (pre-activations are
// affine in each single coordinate, so comparing the ±h masks is exact) the step is shrunk, and the
// coordinate is skipped if even h/64 crosses the kink; max-pool inputs are distinct values spaced further
// apart than 2h, so no perturbation changes an argmax (the same guard would catch one that did).
import { afterAll, describe, expect, it } from 'vitest';
import { Conv2D } from '../../src/layers/conv2d.js';
import { Conv2DTranspose } from '../../src/layers/conv2d-transpose.js';
import { DepthwiseConv2D, SeparableConv2D } from '../../src/layers/depthwise-conv2d.js';
import { setConvAlgorithm } from '../../src/layers/winograd.js';
import { Dense } from '../../src/layers/dense.js';
import { AveragePooling2D, MaxPooling2D } from '../../src/layers/pooling.js';
import { Activation, Dropout, Flatten } from '../../src/layers/core.js';
import type { Layer } from '../../src/layers/layer.js';
import type { ActivationName } from '../../src/layers/activations.js';
import { LayerHarness, randomArray, rt } from '../helpers.js';
import { awayFromZero, checkLayer, distinctSpaced, expectGradOk, gradCheck, maxPoolKink, reluKink, TOL, worst, type CheckOptions, type Kink, type TensorCheck } from './fd.js';

afterAll(() => {
  const lines = [...worst.entries()].map(([k, v]) =>
    `  ${k.padEnd(52)} ${v.err.toExponential(2)}  (${v.checked} coords checked, ${v.skipped} skipped)`);
  console.log(`worst relative error per layer (tolerance ${TOL}, kernels: ${rt.flavour}):\n${lines.join('\n')}`);
});

// ---------------------------------------------------------------------------------------------------------
// Layers

const ACTS: ActivationName[] = ['relu', 'tanh', 'sigmoid', 'linear'];
/** The activations whose derivative needs the input (the layers keep their pre-activation for them). */
const INPUT: ActivationName[] = ['swish', 'silu', 'gelu', 'gelu_new', 'mish'];
/** Every activation but the lab's first ones. */
const ALL: ActivationName[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'softsign', 'relu6', 'exponential', 'hard_sigmoid', ...INPUT];
/** hard_sigmoid's kinks at x = ±2.5: an output leaving (0, 1) between the two sides of a difference. */
const hardSigmoidKink: Kink = (yp, ym) => yp.some((v, i) => (v > 0 && v < 1) !== (ym[i] > 0 && ym[i] < 1));

describe('conv2d gradients', () => {
  const geometries: { name: string; input: [number, number, number]; filters: number;
    kernelSize: number | [number, number]; strides?: number | [number, number]; padding: 'valid' | 'same' }[] = [
    { name: 'valid 3x3', input: [6, 7, 3], filters: 4, kernelSize: 3, padding: 'valid' },
    { name: 'same 3x3', input: [5, 6, 2], filters: 5, kernelSize: 3, padding: 'same' },
    { name: 'same 3x3 stride 2', input: [7, 6, 3], filters: 3, kernelSize: 3, strides: 2, padding: 'same' },
    { name: 'valid 3x3 stride 2', input: [8, 7, 2], filters: 4, kernelSize: 3, strides: 2, padding: 'valid' },
    { name: 'valid kernel [2,3]', input: [5, 6, 3], filters: 4, kernelSize: [2, 3], padding: 'valid' },
    { name: 'same kernel [2,3] strides [2,1]', input: [6, 5, 2], filters: 3, kernelSize: [2, 3], strides: [2, 1], padding: 'same' },
    { name: 'same 4x4 stride 3', input: [7, 8, 2], filters: 2, kernelSize: 4, strides: 3, padding: 'same' },
  ];
  for (const g of geometries) {
    for (const act of ACTS) {
      it(`${g.name}, ${act}`, () => {
        checkLayer(`conv2d ${g.name} ${act}`,
          new Conv2D({ filters: g.filters, kernelSize: g.kernelSize, strides: g.strides, padding: g.padding, activation: act }),
          g.input, 2, { kink: act === 'relu' ? reluKink : undefined });
      });
    }
  }

  for (const g of [geometries[2], geometries[4]]) {
    for (const act of INPUT) {
      it(`${g.name}, ${act}`, () => {
        checkLayer(`conv2d ${g.name} ${act}`,
          new Conv2D({ filters: g.filters, kernelSize: g.kernelSize, strides: g.strides, padding: g.padding, activation: act }), g.input, 2);
      });
    }
  }

  it('without bias, 1 input channel, 9 filters', () => {
    const res = checkLayer('conv2d no bias', new Conv2D({ filters: 9, kernelSize: 3, padding: 'same', useBias: false, activation: 'tanh' }),
      [5, 5, 1], 3);
    expect(res.map((c) => c.tensor)).toEqual(['input', 'kernel']);
  });

  it('large: GEMM blocking (reductions over more than 512, 70 filters)', () => {
    // backward-filter reduces over 6*10*10 = 600 windows, backward-data over 3*3*70 = 630 taps
    const layer = new Conv2D({ filters: 70, kernelSize: 3, padding: 'same', activation: 'tanh' });
    const weights = [randomArray(3 * 3 * 16 * 70, 51, -0.1, 0.1), randomArray(70, 52, -0.1, 0.1)];
    checkLayer('conv2d large [10,10,16] -> 70 tanh', layer, [10, 10, 16], 6, { weights, samples: 24 });
  });

  it('1x1 kernel', () => {
    checkLayer('conv2d 1x1', new Conv2D({ filters: 6, kernelSize: 1, activation: 'sigmoid' }), [3, 4, 5], 2);
  });
});

describe('dense gradients', () => {
  for (const act of ALL) {
    it(`7 -> 5, ${act}`, () => {
      checkLayer(`dense 7->5 ${act}`, new Dense({ units: 5, activation: act }), [7], 3,
        { kink: act === 'relu' ? reluKink : undefined });
    });
  }
  it('40 -> 19, tanh, batch 6 (GEMM tails)', () => {
    checkLayer('dense 40->19 tanh', new Dense({ units: 19, activation: 'tanh' }), [40], 6);
  });
  it('600 -> 260, linear (GEMM blocking: K > 512, N > 256)', () => {
    const weights = [randomArray(600 * 260, 61, -0.1, 0.1), randomArray(260, 62, -0.1, 0.1)];
    checkLayer('dense 600->260 linear', new Dense({ units: 260 }), [600], 3, { weights, samples: 24 });
  });
  it('9 -> 1, sigmoid', () => {
    checkLayer('dense 9->1 sigmoid', new Dense({ units: 1, activation: 'sigmoid' }), [9], 4);
  });
  it('6 -> 4, softmax, without bias', () => {
    checkLayer('dense 6->4 softmax no bias', new Dense({ units: 4, activation: 'softmax', useBias: false }), [6], 2);
  });
});

describe('pooling gradients', () => {
  const configs: { name: string; poolSize?: number | [number, number]; strides?: number | [number, number];
    padding: 'valid' | 'same' }[] = [
    { name: 'valid 2x2', poolSize: 2, padding: 'valid' },
    { name: 'same 2x2', poolSize: 2, padding: 'same' },
    { name: 'valid 3x3 stride 2', poolSize: 3, strides: 2, padding: 'valid' },
    { name: 'same 3x3 stride 2', poolSize: 3, strides: 2, padding: 'same' },
    { name: 'same 3x3 stride 1', poolSize: 3, strides: 1, padding: 'same' },
    { name: 'valid [2,3] strides [1,2]', poolSize: [2, 3], strides: [1, 2], padding: 'valid' },
  ];
  const input: [number, number, number] = [5, 7, 3];
  for (const c of configs) {
    it(`maxPooling2d ${c.name}`, () => {
      const layer = new MaxPooling2D({ poolSize: c.poolSize, strides: c.strides, padding: c.padding });
      checkLayer(`maxPooling2d ${c.name}`, layer, input, 2, { x: distinctSpaced(2 * 5 * 7 * 3, 99), kink: maxPoolKink, samples: 60 });
    });
    it(`averagePooling2d ${c.name}`, () => {
      const layer = new AveragePooling2D({ poolSize: c.poolSize, strides: c.strides, padding: c.padding });
      checkLayer(`averagePooling2d ${c.name}`, layer, input, 2, { samples: 60 });
    });
  }
});

describe('activation layer gradients', () => {
  for (const act of ALL) {
    it(`${act} on [4, 6]`, () => {
      const n = 2 * 4 * 6;
      checkLayer(`activation ${act} [4,6]`, new Activation({ activation: act }), [4, 6], 2,
        { x: awayFromZero(n, 5).map((v) => 2 * v), kink: act === 'relu' || act === 'relu6' ? reluKink : undefined });
    });
    it(`${act} on [7]`, () => {
      checkLayer(`activation ${act} [7]`, new Activation({ activation: act }), [7], 3,
        { x: awayFromZero(21, 6).map((v) => 2 * v), kink: act === 'relu' || act === 'relu6' ? reluKink : undefined });
    });
  }
});

describe('hard_sigmoid beyond its kinks', () => {
  it('inputs up to ±3.8: 0.2 inside (-2.5, 2.5), 0 outside', () => {
    const x = awayFromZero(2 * 4 * 6, 8).map((v) => 3.8 * v);
    expect(x.some((v) => Math.abs(v) > 2.6) && x.some((v) => Math.abs(v) < 2.4)).toBe(true);
    checkLayer('activation hard_sigmoid saturated', new Activation({ activation: 'hard_sigmoid' }), [4, 6], 2, { x, kink: hardSigmoidKink });
  });
});

describe('dropout and flatten gradients', () => {
  for (const rate of [0.3, 0.5]) {
    it(`dropout rate ${rate}, training, fixed seed`, () => {
      const h = new LayerHarness(new Dropout({ rate }), [3, 5, 2], 2);
      try {
        const x = randomArray(h.inSize, 31);
        const res = gradCheck(h, { x, seed: 987, samples: 60 });
        expectGradOk(`dropout ${rate}`, res);
        // the mask is non-trivial: some inputs are dropped, the kept ones are scaled by 1/(1 - rate)
        const run = h.run(x, new Float32Array(h.outSize).fill(1), true, 987);
        const dropped = run.dx!.filter((v) => v === 0).length;
        expect(dropped).toBeGreaterThan(0);
        expect(dropped).toBeLessThan(h.inSize);
        for (const v of run.dx!) if (v !== 0) expect(v).toBeCloseTo(1 / (1 - rate), 5);
      } finally { h.dispose(); }
    });
  }
  it('flatten', () => {
    checkLayer('flatten', new Flatten(), [3, 4, 2], 2);
  });
});

describe('the pre-activation buffer', () => {
  /** Arena bytes a layer's buffers take for batches of 3 (its weights' excluded), built on `shape`. */
  function bytes(make: () => Layer, shape: number[], training: boolean): number {
    const layer = make();
    layer.name = 'l';
    layer.build(shape);
    const before = rt.arena.usedBytes;
    layer.allocate(rt, 3, training);
    const used = rt.arena.usedBytes - before;
    layer.release();
    return used;
  }
  const cases: { name: string; make: (activation: ActivationName) => Layer; shape: number[]; outputs: number }[] = [
    { name: 'dense', make: (activation) => new Dense({ units: 5, activation }), shape: [7], outputs: 3 * 5 },
    { name: 'conv2d', make: (activation) => new Conv2D({ filters: 4, kernelSize: 3, activation }), shape: [6, 5, 2], outputs: 3 * 4 * 3 * 4 },
    { name: 'conv2dTranspose', make: (activation) => new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, activation }), shape: [3, 4, 2],
      outputs: 3 * 7 * 9 * 2 },
    { name: 'depthwiseConv2d', make: (activation) => new DepthwiseConv2D({ kernelSize: 3, activation }), shape: [5, 6, 2], outputs: 3 * 3 * 4 * 2 },
    { name: 'separableConv2d', make: (activation) => new SeparableConv2D({ filters: 3, kernelSize: 3, activation }), shape: [5, 6, 2],
      outputs: 3 * 3 * 4 * 3 },
    { name: 'activation', make: (activation) => new Activation({ activation }), shape: [4, 5], outputs: 0 },
  ];
  for (const c of cases) {
    it(`${c.name}: only an activation needing its input, in training, adds one (the Activation layer keeps its input instead)`, () => {
      setConvAlgorithm('gemm');
      try {
        const tanh = [false, true].map((t) => bytes(() => c.make('tanh'), c.shape, t));
        for (const a of ['linear', 'relu', 'softmax', 'exponential'] as ActivationName[]) {
          expect([false, true].map((t) => bytes(() => c.make(a), c.shape, t)), a).toEqual(tanh);
        }
        for (const a of ['gelu', 'swish', 'mish'] as ActivationName[]) {
          const [inference, training] = [false, true].map((t) => bytes(() => c.make(a), c.shape, t));
          expect(inference, `${a} inference`).toBe(tanh[0]);
          expect(training - tanh[1], `${a} training`).toBe(Math.ceil((c.outputs * 4) / 16) * 16);
        }
      } finally {
        setConvAlgorithm(null);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------------------
// The checker can fail

describe('a batch smaller than the allocated one (the last batch of an epoch)', () => {
  it('conv2d same 3x3 stride 2, tanh: 2 of 5', () => {
    checkLayer('conv2d partial batch', new Conv2D({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }),
      [6, 7, 3], 2, { maxBatch: 5 });
  });
  it('dense 9 -> 6, softmax: 3 of 8', () => {
    checkLayer('dense partial batch', new Dense({ units: 6, activation: 'softmax' }), [9], 3, { maxBatch: 8 });
  });
  it('dense 9 -> 6, gelu: 3 of 8 (the pre-activation buffer holds 8)', () => {
    checkLayer('dense partial batch gelu', new Dense({ units: 6, activation: 'gelu' }), [9], 3, { maxBatch: 8 });
  });
  it('conv2d same 3x3 stride 2, mish: 2 of 5', () => {
    checkLayer('conv2d partial batch mish', new Conv2D({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'mish' }),
      [6, 7, 3], 2, { maxBatch: 5 });
  });
  it('dense 7 -> 5, sigmoid: 1 of 4', () => {
    checkLayer('dense batch 1 of 4', new Dense({ units: 5, activation: 'sigmoid' }), [7], 1, { maxBatch: 4 });
  });
  it('maxPooling2d same 3x3 stride 2: 1 of 3', () => {
    checkLayer('maxPooling2d partial batch', new MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }), [5, 7, 3], 1,
      { maxBatch: 3, x: distinctSpaced(5 * 7 * 3, 98), kink: maxPoolKink, samples: 60 });
  });
  it('averagePooling2d same 3x3 stride 2: 1 of 3', () => {
    checkLayer('averagePooling2d partial batch', new AveragePooling2D({ poolSize: 3, strides: 2, padding: 'same' }), [5, 7, 3], 1,
      { maxBatch: 3, samples: 60 });
  });
  it('dropout 0.4: 2 of 6', () => {
    checkLayer('dropout partial batch', new Dropout({ rate: 0.4 }), [10], 2, { maxBatch: 6, seed: 5, samples: 60 });
  });
});

describe('the checker detects wrong gradients', () => {
  const checkWith = (layer: Layer, inputShape: number[], batch: number,
                     tamper: CheckOptions['tamper'], kink?: Kink): TensorCheck[] => {
    const h = new LayerHarness(layer, inputShape, batch);
    try { return gradCheck(h, { x: randomArray(h.inSize, 4242), tamper, kink }); } finally { h.dispose(); }
  };
  const byName = (res: TensorCheck[], t: string): TensorCheck => res.find((c) => c.tensor === t)!;

  it('an untampered gradient passes (control)', () => {
    const res = checkWith(new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh' }), [5, 6, 2], 2, undefined);
    expect(res.every((c) => c.ok)).toBe(true);
  });

  it('conv2d input gradient scaled by 1.1 fails; the others still pass', () => {
    const res = checkWith(new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh' }), [5, 6, 2], 2,
      (a) => ({ ...a, dx: a.dx.map((v) => 1.1 * v) }));
    expect(byName(res, 'input').ok).toBe(false);
    expect(byName(res, 'input').relErr).toBeGreaterThan(0.05);
    expect(byName(res, 'kernel').ok).toBe(true);
    expect(byName(res, 'bias').ok).toBe(true);
  });

  it('conv2d kernel gradient scaled by 1.1 fails', () => {
    const res = checkWith(new Conv2D({ filters: 3, kernelSize: [2, 3], strides: 2, activation: 'relu' }), [6, 7, 2], 2,
      (a) => ({ ...a, dw: [a.dw[0].map((v) => 1.1 * v), a.dw[1]] }), reluKink);
    expect(byName(res, 'kernel').ok).toBe(false);
    expect(byName(res, 'bias').ok).toBe(true);
  });

  it('dense kernel gradient transposed fails', () => {
    const I = 7, U = 5;
    const res = checkWith(new Dense({ units: U, activation: 'sigmoid' }), [I], 3, (a) => {
      const t = new Float32Array(I * U);
      for (let i = 0; i < I; i++) for (let u = 0; u < U; u++) t[u * I + i] = a.dw[0][i * U + u];
      return { ...a, dw: [t, a.dw[1]] };
    });
    expect(byName(res, 'kernel').ok).toBe(false);
  });

  it('dense kernel gradient missing the other samples of the batch fails', () => {
    const res = checkWith(new Dense({ units: 5, activation: 'tanh' }), [7], 3, (a, h, x, r) => {
      const r0 = r.slice(); r0.fill(0, 5); // upstream gradient of sample 0 only
      const firstOnly = h.run(x, r0, true, 1);
      return { ...a, dw: [firstOnly.dw[0], a.dw[1]] };
    });
    expect(byName(res, 'kernel').ok).toBe(false);
  });

  it('softmax backward missing the -Σ dy·y term fails', () => {
    const res = checkWith(new Activation({ activation: 'softmax' }), [6], 3, (a, h, x, r) => {
      const y = h.forward(x, true, 1);
      return { ...a, dx: y.map((v, i) => v * r[i]) };
    });
    expect(byName(res, 'input').ok).toBe(false);
  });

  it('sigmoid backward using y instead of y(1-y) fails', () => {
    const res = checkWith(new Dense({ units: 4, activation: 'sigmoid' }), [5], 2, (a, h, x, r) => {
      // bias gradient of a layer that forgot the (1 - y) factor: Σ_batch r·y
      const y = h.forward(x, true, 1);
      const db = new Float32Array(4);
      for (let i = 0; i < y.length; i++) db[i % 4] += r[i] * y[i];
      return { ...a, dw: [a.dw[0], db] };
    });
    expect(byName(res, 'bias').ok).toBe(false);
  });
});
