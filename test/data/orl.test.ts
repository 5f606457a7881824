// Real faces: ../shared/data/orl_faces (40 people x 10 PGM photos), when present. The lab's CNN with
// Adam lr 0.001, batch 32, 60 epochs on a 15 % stratified split (60 test photos), seeds 0, 1, 2, checked twice:
// - with PyTorch's Adam epsilon 1e-8, the reference's exact recipe: a median best test accuracy >= 0.80 (PyTorch's
//   reference on the same recipe: 0.850 median — PEERS.md);
// - with simdnet's defaults (Keras' and TensorFlow.js' epsilon 1e-7): every run that leaves the ln(40) loss plateau
//   (its training loss falls below 3.5) reaches a best test accuracy >= 0.80, and at least one of the three leaves it.
// The recipe is bimodal — a run either leaves the plateau or stays on it to the end, in PyTorch too — and which
// seeds leave it follows the last bits of the arithmetic: with Keras' epsilon about a third of the runs stay (README,
// "Real faces": 5 of 16 on the GEMM path, 6 of 16 on the default one), so a median over three seeds was a coin flip
// that any change of rounding could turn (it did on 2026-12-02, a Winograd change, and on 2026-12-03, the bias gradient summed by blocks of rows
// for two threads: 0.033 / 0.850 / 0.950 became 0.033 / 0.917 / 0.017). Measured with `node dist/bench/orl.js`.
// Training is bit-reproducible for any thread count, so the test is deterministic; it asks for 2 threads so it
// finishes sooner once the other test files are done. Both checks run on the GEMM convolution path, whose bits no
// Winograd change moves.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { setConvAlgorithm } from '../../src/layers/winograd.js';

const ORL = path.resolve(__dirname, '../../../shared/data/orl_faces');
const present = existsSync(ORL);
// An accuracy study (six 60-epoch runs, ~7 min on two idle cores): not part of `npm test`, which must stay
// under 15 minutes; `npm run test:orl` runs it (on the plain-SIMD kernels its figures were measured with) and
// CI runs that as its own step.
const enabled = process.env.SIMDNET_ORL === '1';
if (!present) console.log(`ORL real-face test skipped: ${ORL} is not present`);
else if (!enabled) console.log('ORL real-face test skipped: it runs with SIMDNET_ORL=1 (npm run test:orl)');

describe('real faces (ORL)', () => {
  const skip = !present || !enabled;
  let data: sn.data.ImageFolder;
  /** Each seed's best test accuracy and whether its training loss left the ln 40 plateau (fell below 3.5). */
  async function runs(epsilon: number | undefined): Promise<{ best: number; left: boolean }[]> {
    data ??= await sn.data.loadImageFolder(ORL, { size: [42, 42], channels: 3, onWarning: () => {} });
    expect(data.x.shape).toEqual([400, 42, 42, 3]);
    expect(data.classNames).toHaveLength(40);
    const out: { best: number; left: boolean }[] = [];
    for (const seed of [0, 1, 2]) {
      const { xTrain, xTest, yTrain, yTest } = sn.utils.trainTestSplit(data.x, sn.utils.toCategorical(data.y, 40), { testSize: 0.15, seed, stratify: true });
      expect(xTest.shape[0]).toBe(60);
      const model = sn.models.labFaceCnn({ numClasses: 40, seed });
      model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.001, epsilon }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const h = await model.fit(xTrain, yTrain, { epochs: 60, batchSize: 32, seed, verbose: 0, validationData: [xTest, yTest], threads: 2 });
      out.push({ best: Math.max(...h.history.val_accuracy), left: Math.min(...h.history.loss) < 3.5 });
      model.dispose();
    }
    console.log(`ORL, Adam epsilon ${epsilon ?? '1e-7 (default)'}: best test accuracy per seed ${out.map((r) => `${r.best.toFixed(3)}${r.left ? '' : ' (stayed on the plateau)'}`).join(' / ')}`);
    return out;
  }

  it.skipIf(skip)('the lab CNN with Adam (Keras defaults): every run that leaves the ln 40 plateau reaches a best test accuracy >= 0.80, on the GEMM convolution path', async () => {
    const previous = setConvAlgorithm('gemm');
    try {
      const r = await runs(undefined);
      const left = r.filter((x) => x.left);
      expect(left.length, 'runs that left the plateau').toBeGreaterThanOrEqual(1);
      for (const x of left) expect(x.best).toBeGreaterThanOrEqual(0.8);
    } finally { setConvAlgorithm(previous); }
  }, 1_800_000);

  it.skipIf(skip)('and with PyTorch\'s Adam epsilon (1e-8), the reference\'s exact recipe, a median best test accuracy >= 0.80, on the GEMM convolution path', async () => {
    const previous = setConvAlgorithm('gemm');
    try {
      const best = (await runs(1e-8)).map((x) => x.best).sort((a, b) => a - b);
      expect(best[1]).toBeGreaterThanOrEqual(0.8);
    } finally { setConvAlgorithm(previous); }
  }, 1_800_000);
});
