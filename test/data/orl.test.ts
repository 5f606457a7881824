// Real faces: ../shared/data/orl_faces (40 people x 10 PGM photos), when present. The lab's CNN with
// Adam lr 0.001, batch 32, 60 epochs on a 15 % stratified split must reach a median best test accuracy
// >= 0.80 over seeds 0, 1, 2 (PyTorch's reference on the same recipe: 0.850 median — see PEERS.md).
//
// Adam's epsilon is PyTorch's 1e-8, the value the reference ran with (torch.optim.Adam's default), so the
// recipe is the same one. simdnet's default is Keras' and TensorFlow.js' 1e-7, and on this task it matters:
// the recipe is bimodal — a run either leaves the ln(40) loss plateau or stays on it — and with 1e-7 runs
// leave it later (seeds 0 and 5: epochs 31 and 43 instead of 15 and 15), too late to finish learning.
// Measured with `node dist/bench/orl.js` (seeds 0-7, best test accuracy >= 0.80): epsilon 1e-7 on 3 of 8
// seeds, 0.662 / 0.850 / 0.050 on seeds 0-2; epsilon 1e-8 on 4 of 8, 0.787 / 0.863 / 0.850; PyTorch 1.13.1
// (Debian) on 6 of 8, 0.817 / 0.783 / 0.833. Training is bit-reproducible (for any thread count), so this
// test is deterministic; it asks for 2 threads so it finishes sooner once the other test files are done.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';

const ORL = path.resolve(__dirname, '../../../shared/data/orl_faces');
const present = existsSync(ORL);
const enabled = process.env.SIMDNET_ORL !== '0';
if (!present) console.log(`ORL real-face test skipped: ${ORL} is not present`);
else if (!enabled) console.log('ORL real-face test skipped: SIMDNET_ORL=0');

describe('real faces (ORL)', () => {
  it.skipIf(!present || !enabled)('the lab CNN with Adam reaches a median best test accuracy >= 0.80 over 3 seeds', async () => {
    const data = await sn.data.loadImageFolder(ORL, { size: [42, 42], channels: 3, onWarning: () => {} });
    expect(data.x.shape).toEqual([400, 42, 42, 3]);
    expect(data.classNames).toHaveLength(40);
    const best: number[] = [];
    for (const seed of [0, 1, 2]) {
      const { xTrain, xTest, yTrain, yTest } = sn.utils.trainTestSplit(data.x, sn.utils.toCategorical(data.y, 40), { testSize: 0.15, seed, stratify: true });
      const model = sn.models.labFaceCnn({ numClasses: 40, seed });
      model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.001, epsilon: 1e-8 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const h = await model.fit(xTrain, yTrain, { epochs: 60, batchSize: 32, seed, verbose: 0, validationData: [xTest, yTest], threads: 2 });
      best.push(Math.max(...h.history.val_accuracy));
      model.dispose();
    }
    const median = [...best].sort((a, b) => a - b)[1];
    console.log(`ORL best test accuracy per seed: ${best.map((b) => b.toFixed(3)).join(' / ')}; median ${median.toFixed(3)}`);
    expect(median).toBeGreaterThanOrEqual(0.8);
  }, 1_800_000);
});
