// Real faces: ../shared/data/orl_faces (40 people x 10 PGM photos), when present. The lab's CNN with
// Adam lr 0.001, batch 32, 60 epochs on a 15 % stratified split must reach a median best test accuracy
// ≥ 0.80 over 3 seeds (PyTorch's reference on the same recipe: 0.883 / 0.850 / 0.000 — see PEERS.md).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';

// Opt-in (SIMDNET_ORL=1, about 7 minutes): with seeds 0, 1, 2 simdnet measured 0.662 / 0.850 / 0.050 —
// median 0.662, below the 0.80 this test requires. The recipe is bimodal (a run either leaves the ln(40)
// plateau or not; PyTorch's seed 2 never does either); seeds 3 and 4 gave 0.838 and 0.925.
const ORL = path.resolve(__dirname, '../../../shared/data/orl_faces');
const present = existsSync(ORL);
const enabled = process.env.SIMDNET_ORL === '1';
if (!present) console.log(`ORL real-face test skipped: ${ORL} is not present`);
else if (!enabled) console.log('ORL real-face test skipped: set SIMDNET_ORL=1 to run it (about 7 minutes on one core)');

describe('real faces (ORL)', () => {
  it.skipIf(!present || !enabled)('the lab CNN with Adam reaches a median best test accuracy >= 0.80 over 3 seeds', async () => {
    const data = await sn.data.loadImageFolder(ORL, { size: [42, 42], channels: 3, onWarning: () => {} });
    expect(data.x.shape).toEqual([400, 42, 42, 3]);
    expect(data.classNames).toHaveLength(40);
    const best: number[] = [];
    for (const seed of [0, 1, 2]) {
      const { xTrain, xTest, yTrain, yTest } = sn.utils.trainTestSplit(data.x, sn.utils.toCategorical(data.y, 40), { testSize: 0.15, seed, stratify: true });
      const model = sn.models.labFaceCnn({ numClasses: 40, seed });
      model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const h = await model.fit(xTrain, yTrain, { epochs: 60, batchSize: 32, seed, verbose: 0, validationData: [xTest, yTest] });
      best.push(Math.max(...h.history.val_accuracy));
      model.dispose();
    }
    const median = [...best].sort((a, b) => a - b)[1];
    console.log(`ORL best test accuracy per seed: ${best.map((b) => b.toFixed(3)).join(' / ')}; median ${median.toFixed(3)}`);
    expect(median).toBeGreaterThanOrEqual(0.8);
  }, 1_800_000);
});
