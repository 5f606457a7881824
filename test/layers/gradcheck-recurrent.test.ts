// Finite-difference gradient checks for Embedding, SimpleRNN, LSTM and GRU, as in gradcheck.test.ts: for
//   L(x, W) = Σ f(x; W) ⊙ r          (r fixed random, so dL/dy = r)
// the layer's backward (through time) is compared with central differences (L(θ+h) - L(θ-h)) / 2h computed
// in float64 from the float32 forward outputs, per tensor (input, kernel, recurrent kernel, bias,
// embeddings) on a random subset of coordinates, by the relative norm error ||a - n|| / max(||a||, ||n||).
// Float32 noise with h = 1e-2 is ~1e-5, truncation O(h²) ~1e-4: far below TOL = 1e-2, while a wrong term
// in the recurrence (a missing h_{t-1} path, a transposed U, an off-by-one step) gives errors near 1.
// The masked path (Embedding maskZero -> recurrent layer) is checked through a Sequential model below.
import { afterAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { Embedding } from '../../src/layers/embedding.js';
import type { Layer } from '../../src/layers/layer.js';
import { GRU, LSTM, SimpleRNN } from '../../src/layers/recurrent.js';
import { LayerHarness, randomArray, rt } from '../helpers.js';

const TOL = 1e-2;
const STEP = 1e-2;
const SAMPLES = 40;

interface TensorCheck { tensor: string; relErr: number; checked: number; skipped: number; normA: number; normN: number }

function sampleIndices(n: number, k: number, seed: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (n <= k) return idx;
  let s = seed >>> 0 || 1;
  const rnd = (): number => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rnd() * (n - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, k).sort((a, b) => a - b);
}

function compare(tensor: string, a: number[], n: number[], skipped: number): TensorCheck {
  let d2 = 0, a2 = 0, n2 = 0;
  for (let i = 0; i < a.length; i++) { d2 += (a[i] - n[i]) ** 2; a2 += a[i] ** 2; n2 += n[i] ** 2; }
  const normA = Math.sqrt(a2), normN = Math.sqrt(n2), scale = Math.max(normA, normN);
  return { tensor, relErr: scale < 1e-12 ? 0 : Math.sqrt(d2) / scale, checked: a.length, skipped, normA, normN };
}

/** A ReLU output changed sign between the two perturbed points: the difference quotient spans a kink. */
const reluKink = (yp: Float32Array, ym: Float32Array): boolean => yp.some((v, i) => (v > 0) !== (ym[i] > 0));

/** Central differences along `samples` coordinates of one tensor; `set` installs values and returns y. */
function numeric(name: string, base: Float32Array, grad: Float32Array, set: (v: Float32Array) => Float32Array,
                 r: Float32Array, salt: number, kink?: typeof reluKink): TensorCheck {
  const a: number[] = [], n: number[] = [];
  let skipped = 0;
  const v = base.slice();
  for (const i of sampleIndices(base.length, SAMPLES, 4321 + salt)) {
    let q: number | null = null;
    for (let h = STEP; h >= STEP / 64 && q === null; h /= 4) {
      const plus = Math.fround(base[i] + h), minus = Math.fround(base[i] - h);
      v[i] = plus; const yp = set(v);
      v[i] = minus; const ym = set(v);
      v[i] = base[i];
      if (kink?.(yp, ym)) continue;
      let d = 0;
      for (let j = 0; j < r.length; j++) d += (yp[j] - ym[j]) * r[j];
      q = d / (plus - minus);
    }
    if (q === null) { skipped++; continue; }
    a.push(grad[i]);
    n.push(q);
  }
  set(v);
  return compare(name, a, n, skipped);
}

const worst = new Map<string, { err: number; checked: number }>();

function expectOk(label: string, results: TensorCheck[]): void {
  for (const c of results) {
    const w = worst.get(label) ?? { err: 0, checked: 0 };
    worst.set(label, { err: Math.max(w.err, c.relErr), checked: w.checked + c.checked });
    const what = `${label} d/d${c.tensor}: relErr ${c.relErr.toExponential(2)} over ${c.checked} coords (${c.skipped} skipped), ` +
      `|analytic| ${c.normA.toExponential(2)}, |numeric| ${c.normN.toExponential(2)}`;
    expect(c.checked, what).toBeGreaterThanOrEqual(Math.max(1, 2 * c.skipped));
    expect(c.normN, what).toBeGreaterThan(1e-4);
    expect(c.relErr, what).toBeLessThanOrEqual(TOL);
  }
}

/** Checks dL/dx (unless ids) and every weight gradient of `layer` against central differences. */
function checkLayer(label: string, layer: Layer, inputShape: number[], batch: number,
                    opts: { x?: Float32Array; inputGrad?: boolean; kink?: typeof reluKink; maxBatch?: number; weights?: Float32Array[] } = {}): TensorCheck[] {
  const h = new LayerHarness(layer, inputShape, batch, opts.weights);
  try {
    if (opts.maxBatch) layer.allocate(rt, opts.maxBatch, true);
    const x = opts.x ?? randomArray(h.inSize, 4242, -1, 1);
    const r = randomArray(h.outSize, 777);
    const run = h.run(x, r);
    const results: TensorCheck[] = [];
    if (opts.inputGrad ?? true) {
      expect(run.dx).not.toBeNull();
      results.push(numeric('input', x, run.dx!, (v) => h.forward(v, true), r, 0, opts.kink));
    }
    const w0 = h.weights();
    layer.params.forEach((p, j) => {
      results.push(numeric(p.name, w0[j], run.dw[j], (v) => { h.setWeight(j, v); return h.forward(x, true); }, r, j + 1, opts.kink));
    });
    expectOk(label, results);
    return results;
  } finally {
    h.dispose();
  }
}

afterAll(() => {
  const lines = [...worst.entries()].map(([k, v]) => `  ${k.padEnd(58)} ${v.err.toExponential(2)}  (${v.checked} coords)`);
  console.log(`recurrent layers, worst finite-difference relative error (tolerance ${TOL}, kernels: ${rt.flavour}):\n${lines.join('\n')}`);
});

const VARIANTS = [
  { returnSequences: false, goBackwards: false },
  { returnSequences: true, goBackwards: false },
  { returnSequences: false, goBackwards: true },
  { returnSequences: true, goBackwards: true },
];
const fmt = (v: { returnSequences: boolean; goBackwards: boolean }): string =>
  `${v.returnSequences ? 'sequences' : 'last'}${v.goBackwards ? ', backwards' : ''}`;

describe('SimpleRNN gradients (input, kernel, recurrent kernel, bias)', () => {
  for (const activation of ['tanh', 'sigmoid', 'linear', 'relu'] as const) {
    for (const v of VARIANTS) {
      it(`${activation}, ${fmt(v)}, 6 units, 5 steps of 3 features, batch 3`, () => {
        const res = checkLayer(`simpleRNN ${activation} ${fmt(v)}`, new SimpleRNN({ units: 6, activation, ...v }), [5, 3], 3,
          { kink: activation === 'relu' ? reluKink : undefined });
        expect(res.map((c) => c.tensor)).toEqual(['input', 'kernel', 'recurrent_kernel', 'bias']);
      });
    }
  }
  it('8 units (whole SIMD lanes), no bias, partial batch 2 of 5', () => {
    const res = checkLayer('simpleRNN no bias', new SimpleRNN({ units: 8, useBias: false, returnSequences: true }), [4, 5], 2, { maxBatch: 5 });
    expect(res.map((c) => c.tensor)).toEqual(['input', 'kernel', 'recurrent_kernel']);
  });
});

describe('LSTM gradients', () => {
  for (const v of VARIANTS) {
    it(`${fmt(v)}, 5 units, 6 steps of 3 features, batch 3`, () => {
      checkLayer(`lstm ${fmt(v)}`, new LSTM({ units: 5, ...v }), [6, 3], 3);
    });
  }
  it('8 units, 2 steps, batch 1; no bias; partial batch', () => {
    checkLayer('lstm 2 steps', new LSTM({ units: 8 }), [2, 4], 1);
    checkLayer('lstm no bias', new LSTM({ units: 3, useBias: false, returnSequences: true }), [4, 2], 2, { maxBatch: 6 });
  });
});

describe("recurrentActivation 'hard_sigmoid' gradients (LSTM and GRU)", () => {
  it('LSTM, returnSequences, 5 units, 6 steps of 3 features, batch 3', () => {
    checkLayer('lstm hard_sigmoid', new LSTM({ units: 5, returnSequences: true, recurrentActivation: 'hard_sigmoid' }), [6, 3], 3);
  });
  it('GRU, 5 units, 6 steps of 3 features, batch 3', () => {
    checkLayer('gru hard_sigmoid', new GRU({ units: 5, recurrentActivation: 'hard_sigmoid' }), [6, 3], 3);
  });
});

describe('GRU resetAfter false gradients', () => {
  for (const v of VARIANTS) {
    it(`${fmt(v)}, 5 units, 6 steps of 3 features, batch 3`, () => {
      const res = checkLayer(`gru resetAfter false ${fmt(v)}`, new GRU({ units: 5, resetAfter: false, ...v }), [6, 3], 3);
      expect(res.map((c) => c.tensor)).toEqual(['input', 'kernel', 'recurrent_kernel', 'bias']);
    });
  }
  it('8 units, no bias, partial batch; hard_sigmoid gates', () => {
    checkLayer('gru resetAfter false no bias', new GRU({ units: 8, resetAfter: false, useBias: false, returnSequences: true }), [4, 2], 2, { maxBatch: 3 });
    checkLayer('gru resetAfter false hard_sigmoid', new GRU({ units: 5, resetAfter: false, recurrentActivation: 'hard_sigmoid' }), [6, 3], 3);
  });
});

describe('GRU (resetAfter) gradients', () => {
  for (const v of VARIANTS) {
    it(`${fmt(v)}, 5 units, 6 steps of 3 features, batch 3`, () => {
      const res = checkLayer(`gru ${fmt(v)}`, new GRU({ units: 5, ...v }), [6, 3], 3);
      expect(res.map((c) => c.tensor)).toEqual(['input', 'kernel', 'recurrent_kernel', 'bias']);
    });
  }
  it('8 units, no bias, partial batch', () => {
    checkLayer('gru no bias', new GRU({ units: 8, useBias: false, returnSequences: true }), [4, 2], 2, { maxBatch: 3 });
  });
});

describe('Embedding gradients', () => {
  it('embeddings (repeated ids accumulate), 7 ids x 5 dims, 6 steps, batch 3', () => {
    const ids = Float32Array.from([0, 3, 3, 6, 1, 3, 2, 2, 5, 0, 0, 4, 6, 6, 6, 1, 2, 3]);
    const layer = new Embedding({ inputDim: 7, outputDim: 5, inputLength: 6 });
    const res = checkLayer('embedding', layer, [6], 3, { x: ids, inputGrad: false });
    expect(res.map((c) => c.tensor)).toEqual(['embeddings']);
  });
  it('ids are not differentiable: the input gradient is zero', () => {
    const h = new LayerHarness(new Embedding({ inputDim: 4, outputDim: 3 }), [2], 2);
    const run = h.run(Float32Array.from([1, 2, 3, 0]), randomArray(h.outSize, 5));
    expect([...run.dx!]).toEqual([0, 0, 0, 0]);
    h.dispose();
  });
});

// ---------------------------------------------------------------------------------------------------------
// Masked sequences through a model: L = mean squared error of Embedding(maskZero) -> RNN -> Dense, whose
// gradient is read from one plain SGD step (w' = w - lr·g) and compared with central differences of
// model.evaluate's loss over the embeddings, kernels and biases.

async function maskedModelCheck(kind: 'simpleRNN' | 'lstm' | 'gru', returnSequences: boolean): Promise<TensorCheck[]> {
  const steps = 5, vocab = 6;
  const m = sn.sequential({ seed: 7 });
  m.add(sn.layers.embedding({ inputDim: vocab, outputDim: 3, inputLength: steps, maskZero: true }));
  const rnnArgs = { units: 4, returnSequences, goBackwards: kind === 'gru' };
  m.add(kind === 'simpleRNN' ? sn.layers.simpleRNN(rnnArgs) : kind === 'lstm' ? sn.layers.lstm(rnnArgs) : sn.layers.gru(rnnArgs));
  if (returnSequences) m.add(sn.layers.flatten());
  m.add(sn.layers.dense({ units: 2 }));
  const lr = 1;
  m.compile({ optimizer: sn.optimizers.sgd({ learningRate: lr }), loss: 'meanSquaredError' });
  // padded sequences: pre-padding, post-padding, a zero in the middle, one all-padding row
  const ids = [[0, 0, 3, 1, 5], [2, 4, 0, 0, 0], [1, 0, 2, 3, 4], [5, 5, 1, 2, 3], [0, 0, 0, 0, 0]];
  const x = sn.tensor(ids);
  const y = sn.tensor(Float32Array.from(randomArray(ids.length * 2, 99, -1, 1)), [ids.length, 2]);
  // bigger weights than the initialisers give, so the gradients are well above float32 noise
  const w0 = m.getWeights().map((w, i) => sn.tensor(randomArray(w.size, 300 + i, -0.6, 0.6), w.shape));
  m.setWeights(w0);
  await m.fit(x, y, { epochs: 1, batchSize: ids.length, shuffle: false, verbose: 0 });
  const grads = m.getWeights().map((w, i) => Float32Array.from(w.data, (v, j) => (w0[i].data[j] - v) / lr));
  const names = m.layers.flatMap((l) => l.params.map((p) => `${l.name}/${p.name}`));
  const results: TensorCheck[] = [];
  for (let i = 0; i < w0.length; i++) {
    const base = w0[i].data as Float32Array;
    const a: number[] = [], nn: number[] = [];
    const v = base.slice();
    for (const j of sampleIndices(base.length, 24, 77 + i)) {
      const lossAt = async (val: number): Promise<number> => {
        v[j] = val;
        m.setWeights(w0.map((w, k) => (k === i ? sn.tensor(v.slice(), w.shape) : w)));
        return (await m.evaluate(x, y, { batchSize: ids.length })).loss;
      };
      const plus = Math.fround(base[j] + STEP), minus = Math.fround(base[j] - STEP);
      const q = ((await lossAt(plus)) - (await lossAt(minus))) / (plus - minus);
      v[j] = base[j];
      a.push(grads[i][j]);
      nn.push(q);
    }
    results.push(compare(names[i], a, nn, 0));
  }
  // rows of padding ids never receive a gradient: the embedding of id 0 is masked everywhere
  const dEmb = grads[0];
  for (let d = 0; d < 3; d++) expect(dEmb[d], 'gradient of the padding id 0').toBe(0);
  m.dispose();
  return results;
}

describe('masked sequences (Embedding maskZero -> recurrent layer), through a model', () => {
  for (const kind of ['simpleRNN', 'lstm', 'gru'] as const) {
    for (const returnSequences of [false, true]) {
      it(`${kind}${returnSequences ? ', returnSequences' : ''}${kind === 'gru' ? ', goBackwards' : ''}`, async () => {
        const res = await maskedModelCheck(kind, returnSequences);
        // the loss is float32 (noise ~1e-6 in the quotients): same tolerance, gradients kept well above it
        for (const c of res) {
          const w = worst.get(`masked ${kind} ${returnSequences ? 'sequences' : 'last'}`) ?? { err: 0, checked: 0 };
          worst.set(`masked ${kind} ${returnSequences ? 'sequences' : 'last'}`, { err: Math.max(w.err, c.relErr), checked: w.checked + c.checked });
          expect(c.relErr, `${c.tensor}: ${c.relErr}`).toBeLessThanOrEqual(TOL);
          expect(c.normN, c.tensor).toBeGreaterThan(1e-3);
        }
      });
    }
  }
});
