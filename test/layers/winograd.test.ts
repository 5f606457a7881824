// Conv2D on the Winograd path (src/layers/winograd.ts): each forced tile size against the GEMM path
// (forward, input and weight gradients, each pass on Winograd) and finite differences; the transformed filter follows every
// change of the weights (setWeights, an optimizer step); which layers are eligible; SIMDNET_CONV.
import { afterEach, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { callCost, modelCost, setConvAlgorithm, smallCallChoices, transposedBackwardData, type ConvAlgorithm, type ConvGeometry, type ConvSetting } from '../../src/layers/winograd.js';
import { LayerHarness, maxRelError, rand, rt } from '../helpers.js';
import { checkLayer, reluKink } from './fd.js';

afterEach(() => { setConvAlgorithm(null); });

/** A layer's training run (y, dx, dW) allocated under `setting`. */
function runWith(setting: ConvSetting, args: ConstructorParameters<typeof Conv2D>[0], shape: number[], batch: number) {
  setConvAlgorithm(setting);
  const layer = new Conv2D(args);
  const h = new LayerHarness(layer, shape, batch);
  try {
    const x = rand(h.inSize, 3), dy = rand(h.outSize, 4);
    return { run: h.run(x, dy), choice: layer.convChoice };
  } finally { h.dispose(); }
}

/** runWith, on an arena whose next 64 MB were filled with NaN: a product, transform or pixel the kernels do not write shows. */
function runOnStaleArena(...args: Parameters<typeof runWith>) {
  const junk = rt.arena.alloc(64 << 20);
  rt.f32(junk, 16 << 20).fill(NaN);
  rt.arena.release(junk);
  return runWith(...args);
}

/**
 * Plans m's buffers for calls of up to n images, training included, under `setting`: the algorithms are chosen
 * when a plan is made (lazily, by the first call that needs a bigger one), so a model built under a setting but
 * first used after another was set would run the other.
 */
async function planUnder(m: sn.Sequential, setting: ConvSetting, n: number): Promise<void> {
  await m.predict(sn.tensor(new Float32Array(m.inputShape.reduce((a, b) => a * b)), [1, ...m.inputShape])); // allocates the weights
  const prev = setConvAlgorithm(setting);
  try { (m as unknown as { net: { ensurePlan(n: number, training: boolean): unknown } }).net.ensurePlan(n, true); } finally { setConvAlgorithm(prev); }
}
/** A tensor's bytes, to compare results bit for bit. */
const bits = (t: sn.Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex');
const forwardAlgorithm = (m: sn.Sequential) => (m.layers[0] as Conv2D).convChoice?.forward.algorithm;

const LAYERS: [ConstructorParameters<typeof Conv2D>[0], number[]][] = [
  [{ filters: 6, kernelSize: 3, activation: 'relu' }, [11, 9, 5]],
  [{ filters: 5, kernelSize: 3, padding: 'same', activation: 'tanh' }, [7, 10, 3]],
  [{ filters: 9, kernelSize: 3, useBias: false }, [5, 5, 8]],
  [{ filters: 4, kernelSize: 3, padding: 'same', activation: 'gelu' }, [6, 7, 3]], // the transform writes the pre-activation
];

describe('Conv2D on the Winograd path', () => {
  for (const m of [2, 4, 6]) {
    it(`F(${m}x${m},3x3) matches the GEMM path: output, input and weight gradients`, () => {
      for (const [args, shape] of LAYERS) {
        // on a stale arena: the GEMM run's buffers freed, the Winograd run's would otherwise find its values there
        const g = runWith('gemm', args, shape, 3), w = runOnStaleArena(`winograd${m}` as ConvSetting, args, shape, 3);
        expect(g.choice?.forward.algorithm).toBe('gemm');
        expect(w.choice?.forward.algorithm).toBe(m);
        expect(w.choice?.backwardData?.algorithm).toBe(m);
        expect(w.choice?.filterGradient?.algorithm).toBe(m);
        const label = `F(${m}) ${JSON.stringify(args)} on [${shape}]`;
        expect(maxRelError(w.run.y, g.run.y), `${label} y`).toBeLessThanOrEqual(1e-5);
        expect(maxRelError(w.run.dx!, g.run.dx!), `${label} dx`).toBeLessThanOrEqual(1e-5);
        w.run.dw.forEach((d, j) => expect(maxRelError(d, g.run.dw[j]), `${label} dW ${j}`).toBeLessThanOrEqual(1e-5));
      }
    });

    it(`F(${m}x${m},3x3) weight gradient summed over several chunks and groups of tiles matches the GEMM path, reading no stale memory`, () => {
      // 70 → 72 channels: a chunk holds 56 (F(2)), 24 (F(4)) or 12 (F(6)) tiles; 8 images of 18×18 make 648, 200 or
      // 72: 12, 9 or 6 chunks in 4, 3 or 3 groups (9 and 6 chunks once made 4 groups, the last empty, its products unwritten)
      const args = { filters: 72, kernelSize: 3, padding: 'same' as const }, shape = [18, 18, 70];
      const g = runWith('gemm', args, shape, 8);
      const w = runOnStaleArena(`winograd${m}` as ConvSetting, args, shape, 8);
      expect(w.choice?.filterGradient?.algorithm).toBe(m);
      expect(maxRelError(w.run.dw[0], g.run.dw[0]), `F(${m}) dW`).toBeLessThanOrEqual(1e-5);
      expect(maxRelError(w.run.dw[1], g.run.dw[1]), `F(${m}) bias gradient`).toBeLessThanOrEqual(1e-5);
    });

    it(`F(${m}x${m},3x3) input gradient as the forward transposed: chunks crossing images match the GEMM path, every pixel written`, () => {
      // valid, fewer tiles on dY than on dX, so the transposed pass runs: 14×14 → 12×12 at F(2×2) and F(4×4) (36 vs
      // 49, 9 vs 16 tiles), 20×20 → 18×18 at F(6×6) (9 vs 16); chunks of 52, 24 or 12 tiles over images of 36,
      // 9 or 9 tiles (every chunk crosses images); dX's 70 channels end in a partial vector
      const size = m === 6 ? 20 : 14;
      const args = { filters: 72, kernelSize: 3 }, shape = [size, size, 70];
      expect(transposedBackwardData({ h: size, w: size, cin: 70, ho: size - 2, wo: size - 2, cout: 72, padTop: 0, padLeft: 0 }, m)).toBe(true);
      const g = runWith('gemm', args, shape, 8);
      const w = runOnStaleArena(`winograd${m}` as ConvSetting, args, shape, 8);
      expect(w.choice?.backwardData?.algorithm).toBe(m);
      expect(maxRelError(w.run.dx!, g.run.dx!), `F(${m}) dX`).toBeLessThanOrEqual(1e-5);
    });

    it(`F(${m}x${m},3x3) gradients agree with finite differences`, () => {
      setConvAlgorithm(`winograd${m}` as ConvSetting);
      checkLayer(`Conv2D F(${m})`, new Conv2D({ filters: 4, kernelSize: 3, activation: 'relu' }), [8, 7, 3], 2, { kink: reluKink });
      checkLayer(`Conv2D F(${m}) same`, new Conv2D({ filters: 3, kernelSize: 3, padding: 'same' }), [6, 5, 2], 2, { maxBatch: 4 });
      checkLayer(`Conv2D F(${m}) same swish`, new Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'swish' }), [6, 5, 2], 2, { maxBatch: 4 });
      // 6×6 → 4×4: the input gradient transposed at F(2×2) and F(4×4) (the first layer's: at F(2×2) and F(6×6))
      checkLayer(`Conv2D F(${m}) transposed input gradient`, new Conv2D({ filters: 3, kernelSize: 3 }), [6, 6, 5], 2);
    });
  }

  it('valid padding, odd output sizes and 520 output channels (two output-transform blocks, three GEMM column blocks) match the GEMM path', () => {
    const args = { filters: 520, kernelSize: 3, useBias: false }, shape = [9, 8, 4]; // output 7×6
    const g = runWith('gemm', args, shape, 2), w = runWith('winograd2', args, shape, 2);
    expect(w.choice?.filterGradient?.algorithm).toBe(2);
    expect(maxRelError(w.run.dw[0], g.run.dw[0])).toBeLessThanOrEqual(1e-5);
    // the forward and the (transposed) input gradient too: 4 and 520 channels, more than a chunk's tiles apart, so a
    // tile's staged window and output take scratch of their own instead of the free parts of V and M
    expect(maxRelError(w.run.y, g.run.y), 'y').toBeLessThanOrEqual(1e-5);
    expect(maxRelError(w.run.dx!, g.run.dx!), 'dx').toBeLessThanOrEqual(1e-5);
  });

  it('auto: the weight gradient has its own cost model (the few tiles of a chunk at wide layers keep the GEMM)', () => {
    // 512 → 512 at 14×14: a chunk holds 4 tiles at F(2×2), the products' reduction too short: GEMM, while the forward takes Winograd
    const wide = runWith('auto', { filters: 512, kernelSize: 3, padding: 'same' }, [14, 14, 512], 1).choice!;
    expect(wide.forward.algorithm).not.toBe('gemm');
    expect(wide.filterGradient!.algorithm).toBe('gemm');
    // the lab's conv2d_1 (38×38 from 40×40, 32 → 32): F(4×4) for all three passes
    const lab = runWith('auto', { filters: 32, kernelSize: 3 }, [40, 40, 32], 1).choice!;
    expect([lab.forward.algorithm, lab.backwardData!.algorithm, lab.filterGradient!.algorithm]).toEqual([4, 4, 4]);
    // its input gradient: the correlation (100 tiles per image either way); conv2d_5's (5×5 → 3×3): the forward
    // transposed, one F(4×4) tile per image on dY instead of four on dX
    expect(transposedBackwardData({ h: 40, w: 40, cin: 32, ho: 38, wo: 38, cout: 32, padTop: 0, padLeft: 0 }, 4)).toBe(false);
    const conv5 = runWith('auto', { filters: 128, kernelSize: 3 }, [5, 5, 128], 32).choice!;
    expect(conv5.backwardData!.algorithm).toBe(4);
    // and its weight gradient at batch 32: the GEMM, the three groups' products of F(4×4) (2.4 MB each) outweighing
    // its fewer multiplies
    expect(conv5.filterGradient!.algorithm).toBe('gemm');
    // the first layer's (42×42×3 → 32): the GEMM, the products' 3 rows costing 4
    const conv1 = runWith('auto', { filters: 32, kernelSize: 3 }, [42, 42, 3], 32).choice!;
    expect(conv1.filterGradient!.algorithm).toBe('gemm');
    expect(transposedBackwardData({ h: 5, w: 5, cin: 128, ho: 3, wo: 3, cout: 128, padTop: 0, padLeft: 0 }, 4)).toBe(true);
  });

  it('auto: the weight gradient picks per call size, so training gives the same bits after a larger call planned the buffers', async () => {
    // conv2d_5's geometry: GEMM for calls of 32 images, F(4×4) for 64 (its groups' products weigh less per image)
    const build = () => {
      const m = sn.sequential({ seed: 3 });
      m.add(sn.layers.conv2d({ filters: 128, kernelSize: 3, activation: 'relu', inputShape: [5, 5, 128] }));
      m.add(sn.layers.flatten());
      m.add(sn.layers.dense({ units: 4, activation: 'softmax' }));
      m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.05 }), loss: 'categoricalCrossentropy' });
      return m;
    };
    const x = sn.tensor(rand(64 * 5 * 5 * 128, 9, 0, 1), [64, 5, 5, 128]);
    const y = sn.utils.toCategorical(Int32Array.from({ length: 64 }, (_, i) => i % 4), 4);
    const fresh = build(), planned = build();
    await planUnder(planned, 'auto', 64); // a plan for 64 images, as a larger earlier call leaves it
    expect((planned.layers[0] as Conv2D).convChoice!.filterGradient!.algorithm).toBe(4);
    for (const m of [fresh, planned]) await m.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0, seed: 1 });
    expect((fresh.layers[0] as Conv2D).convChoice!.filterGradient!.algorithm).toBe('gemm');
    expect(planned.getWeights().map(bits)).toEqual(fresh.getWeights().map(bits));
    fresh.dispose(); planned.dispose();
  });

  it('keeps the GEMM path for other kernels, strides and Conv1D, whatever SIMDNET_CONV says', () => {
    for (const args of [{ filters: 2, kernelSize: 2 }, { filters: 2, kernelSize: 3, strides: 2 }, { filters: 2, kernelSize: [3, 1] as [number, number] }]) {
      expect(runWith('winograd', args, [7, 7, 2], 1).choice).toBeNull();
    }
    setConvAlgorithm('winograd');
    const m = sn.sequential();
    m.add(sn.layers.conv1d({ filters: 2, kernelSize: 3, inputShape: [9, 2] }));
    return m.predict(sn.tensor(rand(18, 1), [1, 9, 2])).then(() => {
      expect((m.layers[0] as Conv2D).convChoice).toBeNull();
      m.dispose();
    });
  });

  it('measure times GEMM and each tile size, and records the timings; auto decides by the cost model alone, timing nothing', () => {
    const { choice } = runWith('measure', { filters: 16, kernelSize: 3, activation: 'relu' }, [20, 20, 16], 8);
    expect(Object.keys(choice!.forward.ms).sort()).toEqual(['F(2x2,3x3)', 'F(4x4,3x3)', 'GEMM']);
    expect(Object.values(choice!.forward.ms).every((v) => v > 0)).toBe(true);
    expect(choice!.backwardData).not.toBeNull();
    const auto = runWith('auto', { filters: 16, kernelSize: 3, activation: 'relu' }, [20, 20, 16], 8).choice!;
    expect(auto.forward.ms).toEqual({});
    expect(auto.forward.algorithm).toBe(4);
  });

  it('transforms the filter again when the weights change (setWeights, an optimizer step)', async () => {
    const build = async (setting: ConvSetting) => {
      const m = sn.sequential({ seed: 3 });
      m.add(sn.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 4] }));
      m.add(sn.layers.flatten());
      m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
      m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
      await planUnder(m, setting, 16);
      return m;
    };
    const x = sn.tensor(rand(16 * 576, 5, 0, 1), [16, 12, 12, 4]);
    const y = sn.utils.toCategorical(Int32Array.from({ length: 16 }, (_, i) => i % 3), 3);
    const g = await build('gemm'), w = await build('winograd4');
    expect([forwardAlgorithm(g), forwardAlgorithm(w)]).toEqual(['gemm', 4]);
    const same = async () => expect(maxRelError((await w.predict(x)).data, (await g.predict(x)).data)).toBeLessThanOrEqual(1e-5);
    await same();
    const weights = g.getWeights().map((t) => sn.tensor(t.data.map((v) => v * 1.5), [...t.shape]));
    g.setWeights(weights); w.setWeights(weights);
    await same();
    for (const m of [g, w]) await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, seed: 1 });
    await same();
    expect([forwardAlgorithm(g), forwardAlgorithm(w)]).toEqual(['gemm', 4]); // no call re-planned them
    g.dispose(); w.dispose();
  });

  it('gives inference calls of few images their own pick where the per-image pick reads much more filter', () => {
    const geo = (h: number, cin: number, cout: number): ConvGeometry => ({ h, w: h, cin, ho: h - 2, wo: h - 2, cout, padTop: 0, padLeft: 0 });
    const all: ConvAlgorithm[] = ['gemm', 2, 4];
    const pick = (g: ConvGeometry) => all.reduce((x, y) => (modelCost(g, y) < modelCost(g, x) ? y : x));
    // the lab CNN's last convolution (3×3 output): one image runs F(2×2), whose filter is 1.0 MB against F(4×4)'s 2.4 MB
    const last = geo(5, 128, 128);
    expect(pick(last)).toBe(4);
    expect(smallCallChoices(last, all, 4, 32)).toEqual([{ upTo: 1, algorithm: 2 }]);
    // its second (38×38 output): the products dominate from one image on
    expect(smallCallChoices(geo(40, 32, 32), all, pick(geo(40, 32, 32)), 32)).toEqual([]);
    // wide channels on a 2×2 output: one F(4×4) tile or one F(2×2) tile per image; GEMM reads the least filter
    // (9 against 16 and 36 floats per channel pair), so it serves the smallest calls, and the pick the large ones
    const wide = geo(4, 512, 512);
    const steps = smallCallChoices(wide, all, pick(wide), 64);
    expect(steps[0]).toEqual({ upTo: steps[0].upTo, algorithm: 'gemm' });
    for (let i = 1; i < steps.length; i++) expect(steps[i].upTo).toBeGreaterThan(steps[i - 1].upTo);
    expect(steps.every((s) => s.algorithm !== pick(wide))).toBe(true);
    expect(steps[steps.length - 1].upTo).toBeLessThan(64);
    // a function of the call's image count only: a smaller plan gives a prefix of the same answer
    expect(smallCallChoices(wide, all, pick(wide), steps[0].upTo)).toEqual([steps[0]]);
    expect(smallCallChoices(wide, all, pick(wide), 0)).toEqual([]);
    // against a plain argmin of the call cost at every n, over many geometries and candidate sets
    let checked = 0, other = 0;
    for (const cands of [all, [2, 4], ['gemm', 2, 4, 6]] as ConvAlgorithm[][]) {
      for (const h of [3, 4, 5, 6, 8, 11, 19, 40]) {
        for (const cin of [3, 8, 32, 128, 512]) {
          for (const cout of [8, 64, 256]) {
            const g = geo(h, cin, cout);
            const p = cands.reduce((x, y) => (modelCost(g, y) < modelCost(g, x) ? y : x));
            const got = smallCallChoices(g, cands, p, 200);
            for (let n = 1; n <= 200; n++) {
              const argmin = cands.reduce((x, y) => (callCost(g, y, n) < callCost(g, x, n) ? y : x), p);
              expect(got.find((s) => n <= s.upTo)?.algorithm ?? p, `${JSON.stringify(g)} n=${n}`).toBe(argmin);
              checked++;
              if (argmin !== p) other++;
            }
          }
        }
      }
    }
    expect(checked).toBe(3 * 8 * 5 * 3 * 200);
    expect(other, 'calls whose argmin is not the per-image pick').toBeGreaterThan(0); // the check reaches the small-call steps (91 of them)
  });

  it('runs GEMM for a one-image call where the batch pick is Winograd: the padded input and the packed kernel', async () => {
    for (const [padding, shape] of [['same', [2, 2, 32]], ['valid', [4, 4, 32]]] as ['same' | 'valid', number[]][]) {
      const build = () => {
        const m = sn.sequential({ seed: 9 });
        m.add(sn.layers.conv2d({ filters: 32, kernelSize: 3, padding, activation: 'relu', inputShape: shape }));
        m.add(sn.layers.flatten());
        m.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
        return m;
      };
      const auto = build(), gemm = build(), batchPick = build();
      await planUnder(gemm, 'gemm', 4);
      const size = shape[0] * shape[1] * shape[2];
      const x = sn.tensor(rand(3 * size, 11, -1, 1), [3, ...shape]);
      const one = sn.tensor(x.data.slice(0, size), [1, ...shape]);
      // a first call of one image plans for one: the batch pick's filter is never allocated, GEMM's packed kernel is
      const single = await auto.predict(one);
      const choice = (auto.layers[0] as Conv2D).convChoice!.forward;
      expect(choice.algorithm, padding).not.toBe('gemm');
      expect(choice.small, padding).toEqual([{ upTo: 1, algorithm: 'gemm' }]);
      gemm.setWeights(auto.getWeights());
      expect(bits(single), padding).toBe(bits(await gemm.predict(one)));
      // three images: the batch pick
      const batch = await auto.predict(x);
      await planUnder(batchPick, `winograd${choice.algorithm}` as ConvSetting, 4);
      batchPick.setWeights(auto.getWeights());
      expect(bits(batch), padding).toBe(bits(await batchPick.predict(x)));
      expect(maxRelError(single.data, batch.data.slice(0, 3)), padding).toBeLessThanOrEqual(1e-5);
      for (const m of [auto, gemm, batchPick]) m.dispose();
    }
  });

  it('runs a one-image inference call on its own pick, the same bits whatever ran before, near the batch pick', async () => {
    const build = () => {
      const m = sn.sequential({ seed: 5 });
      m.add(sn.layers.conv2d({ filters: 128, kernelSize: 3, activation: 'relu', inputShape: [5, 5, 128] }));
      m.add(sn.layers.flatten());
      m.add(sn.layers.dense({ units: 4, activation: 'softmax' }));
      m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
      return m;
    };
    const auto = build(), f2 = build(), f4 = build();
    await planUnder(f2, 'winograd2', 3);
    await planUnder(f4, 'winograd4', 3);
    const x = sn.tensor(rand(3 * 3200, 8, 0, 1), [3, 5, 5, 128]);
    const one = sn.tensor(x.data.slice(0, 3200), [1, 5, 5, 128]);
    // auto, the default: its first call plans for one image, inference only; the next for three
    const single = await auto.predict(one), batch = await auto.predict(x);
    for (const m of [f2, f4]) m.setWeights(auto.getWeights());
    const choice = (auto.layers[0] as Conv2D).convChoice!.forward;
    expect(choice.algorithm).toBe(4);
    expect(choice.small).toEqual([{ upTo: 1, algorithm: 2 }]);
    expect(bits(single)).toBe(bits(await f2.predict(one))); // the one-image call ran F(2×2)
    expect(bits(batch)).toBe(bits(await f4.predict(x))); // three images ran F(4×4)
    expect(bits(single)).not.toBe(bits(await f4.predict(one)));
    expect(maxRelError(single.data, batch.data.slice(0, 4))).toBeLessThanOrEqual(1e-5);
    // a training plan replaces the inference one; a one-image inference call still runs F(2×2)
    const y = sn.utils.toCategorical(Int32Array.from([0, 1, 2]), 4);
    await auto.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0, seed: 2 });
    f2.setWeights(auto.getWeights());
    expect(bits(await auto.predict(one))).toBe(bits(await f2.predict(one)));
    expect([forwardAlgorithm(f2), forwardAlgorithm(f4)]).toEqual([2, 4]);
    for (const m of [auto, f2, f4]) m.dispose();
  });

  it('refuses an unknown SIMDNET_CONV, naming the variable and the choices', () => {
    const prev = process.env.SIMDNET_CONV;
    process.env.SIMDNET_CONV = 'fft';
    try {
      expect(() => runWith(null as unknown as ConvSetting, { filters: 2, kernelSize: 3 }, [5, 5, 1], 1))
        .toThrow(/SIMDNET_CONV must be one of auto, measure, gemm, winograd, winograd2, winograd4, winograd6, got "fft"/);
    } finally {
      if (prev === undefined) delete process.env.SIMDNET_CONV; else process.env.SIMDNET_CONV = prev;
    }
    expect(() => setConvAlgorithm('fast' as ConvSetting)).toThrow(/setConvAlgorithm: setting must be one of/);
  });
});
