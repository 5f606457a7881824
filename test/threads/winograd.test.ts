// Winograd convolutions on threads: training gives the same bits on 1, 2 and 4 threads (tiles are split by
// ranges of the output, each computed as on one thread; transposed input gradients by whole images; filters
// transformed by groups of output channels; weight gradients by groups of tiles fixed by the geometry and call
// size, each summed into its own products),
// with the kernels shown to run on the workers.
import { afterAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import type { Conv2D } from '../../src/layers/conv2d.js';
import { setConvAlgorithm, type ConvSetting } from '../../src/layers/winograd.js';
import { setSplitThreshold, threadStats } from '../../src/threads/index.js';
import { rand, rt } from '../helpers.js';
import { blobTask } from '../labModel.js';

afterAll(() => { setConvAlgorithm(null); sn.shutdownThreads(); });

const bits = (ts: sn.Tensor[]) => ts.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64'));

async function train(setting: ConvSetting, threads: number): Promise<{ w: string[]; p: string; algorithms: string }> {
  setConvAlgorithm(setting);
  const { x, y } = blobTask(48, 4);
  const m = sn.sequential({ seed: 2 });
  m.add(sn.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [42, 42, 3] }));
  m.add(sn.layers.maxPooling2d({ poolSize: 2 }));
  m.add(sn.layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(sn.layers.conv2d({ filters: 16, kernelSize: 3 }));
  m.add(sn.layers.conv2d({ filters: 8, kernelSize: 3 })); // 18 → 16: its input gradient runs transposed at F(4×4) (F(6×6): the one before)
  m.add(sn.layers.flatten());
  m.add(sn.layers.dense({ units: 16, activation: 'softmax' }));
  m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true }), loss: 'categoricalCrossentropy' });
  await m.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0, seed: 5, threads });
  const p = Buffer.from((await m.predict(x, { threads })).data.buffer).toString('base64');
  const algorithms = (m.layers.filter((l) => l.className === 'Conv2D') as Conv2D[])
    .map((l) => `${l.convChoice!.forward.algorithm}/${l.convChoice!.backwardData!.algorithm}/${l.convChoice!.filterGradient!.algorithm}`).join(' ');
  const w = bits(m.getWeights());
  m.dispose();
  return { w, p, algorithms };
}

describe('Winograd convolutions on threads', () => {
  for (const setting of ['winograd4', 'winograd6', 'auto'] as ConvSetting[]) {
    it(`${setting}: bit-identical weights and predictions on 1, 2 and 4 threads`, async () => {
      const prev = setSplitThreshold(0);
      try {
        const ops = () => threadStats().workerOps;
        const before = { ...ops() };
        const one = await train(setting, 1);
        for (const t of [2, 4]) {
          const other = await train(setting, t);
          expect(other.algorithms).toBe(one.algorithms);
          expect(other.w).toEqual(one.w);
          expect(other.p).toBe(one.p);
        }
        if (setting !== 'auto') {
          // the tiles, the filter transform (whole 8-channel groups) and the weight packing (GEMM layers) all spread
          for (const op of ['winograd_conv3x3', 'winograd_conv3x3_backward_data', 'transpose_kernel', 'winograd_filter_transform', 'gemm_pack_columns',
            'winograd_filter_grad', 'winograd_filter_grad_output']) {
            expect(ops()[op] ?? 0, op).toBeGreaterThan(before[op] ?? 0);
          }
        }
      } finally { setSplitThreshold(prev); }
    });
  }

  // An inference call of one image may run another algorithm than the batch's (winograd.ts, smallCallChoices):
  // F(2×2) under an F(4×4) pick, GEMM under an F(2×2) one — split over threads like any pass.
  it('runs one-image inference calls on their own pick with the same bits on 1, 2 and 4 threads', async () => {
    setConvAlgorithm(null);
    const prev = setSplitThreshold(0);
    try {
      // (the GEMM one has 4 output rows: one range, the calling thread's)
      for (const [shape, small, op] of [[[5, 5, 128], 2, 'winograd_conv3x3'], [[4, 4, 32], 'gemm', '']] as [number[], string | number, string][]) {
        const m = sn.sequential({ seed: 4 });
        m.add(sn.layers.conv2d({ filters: shape[2], kernelSize: 3, activation: 'relu', inputShape: shape }));
        m.add(sn.layers.flatten());
        m.add(sn.layers.dense({ units: 5, activation: 'softmax' }));
        const size = shape.reduce((a, b) => a * b);
        const x = sn.tensor(rand(size, 21, -1, 1), [1, ...shape]);
        const before = op ? threadStats().workerOps[op] ?? 0 : 0;
        const one = bits([await m.predict(x, { threads: 1 })]);
        expect((m.layers[0] as Conv2D).convChoice!.forward.small.map((s) => s.algorithm), JSON.stringify(shape)).toEqual([small]);
        for (const t of [2, 4]) expect(bits([await m.predict(x, { threads: t })]), `${JSON.stringify(shape)} on ${t} threads`).toEqual(one);
        if (op) expect(threadStats().workerOps[op] ?? 0, `${op} on the workers`).toBeGreaterThan(before);
        m.dispose();
      }
    } finally { setSplitThreshold(prev); }
  });

  // Past 455 input channels F(4x4)'s per-group scratch outgrows a thread's, and the transform runs on the
  // calling thread with scratch from the arena (winograd.ts): the same result on any thread count, near GEMM's,
  // and the arena back where it was after each transform.
  it('transforms a filter too big for a thread\'s scratch on the calling thread, from arena scratch released after', async () => {
    const cin = 464, cout = 16, hw = 6; // two groups of 8 output channels: threads would share them
    expect(rt.k.winograd_filter_tmp_floats(4, cin)).toBeGreaterThan(rt.k.gemm_pack_floats());
    const x = sn.tensor(rand(4 * hw * hw * cin, 11), [4, hw, hw, cin]);
    const y = sn.tensor(rand(4 * hw * hw * cout, 12, 0, 1), [4, hw, hw, cout]);
    const run = async (setting: ConvSetting, threads: number) => {
      setConvAlgorithm(setting);
      const m = sn.sequential({ seed: 3 });
      m.add(sn.layers.conv2d({ filters: cout, kernelSize: 3, padding: 'same', inputShape: [hw, hw, cin] }));
      m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.01 }), loss: 'meanSquaredError' });
      await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, threads });
      const used = rt.arena.usedBytes;
      const p = await m.predict(x, { threads });
      expect(rt.arena.usedBytes, 'arena after a predict (one more transform)').toBe(used);
      const algorithm = (m.layers[0] as Conv2D).convChoice!.forward.algorithm;
      const out = { w: bits(m.getWeights()), p: p.data.slice(), algorithm };
      m.dispose();
      return out;
    };
    const prev = setSplitThreshold(0);
    try {
      const before = threadStats().workerOps.winograd_filter_transform ?? 0;
      const one = await run('winograd4', 1), two = await run('winograd4', 2);
      expect(one.algorithm).toBe(4);
      expect(two.w).toEqual(one.w);
      expect(Array.from(two.p)).toEqual(Array.from(one.p));
      expect(threadStats().workerOps.winograd_filter_transform ?? 0, 'no worker transformed the filter').toBe(before);
      const gemm = await run('gemm', 1);
      expect(gemm.algorithm).toBe('gemm');
      let worst = 0, scale = 0;
      for (let i = 0; i < one.p.length; i++) { worst = Math.max(worst, Math.abs(one.p[i] - gemm.p[i])); scale = Math.max(scale, Math.abs(gemm.p[i])); }
      expect(worst / scale).toBeLessThan(1e-4); // F(4x4) in fp32 (parity.test.ts allows the same)
    } finally { setSplitThreshold(prev); }
  });
});
