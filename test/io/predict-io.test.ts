// sn.io and loadModel under simdnet/predict load uncompiled by default even where training is loaded in the same
// program (a bundle importing both entries, as here: the test setup loads training), so what the predict entry
// gives does not depend on what else is imported; { compile: true } still compiles where training is there.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import * as lean from '../../src/predict-api.js';

async function compiledArtifacts() {
  const m = sn.sequential({ seed: 2 });
  m.add(sn.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] }));
  m.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m.toArtifacts();
}

describe('simdnet/predict loaders beside training', () => {
  it('load uncompiled by default, as under simdnet/predict alone; simdnet\'s own compile', async () => {
    const a = await compiledArtifacts();
    expect((await sn.loadModel(a)).optimizer).not.toBeNull();
    expect(sn.io.modelFromMemory(a).optimizer).not.toBeNull();
    expect((await lean.loadModel(a)).optimizer).toBeNull();
    expect((await lean.io.loadModel(a)).optimizer).toBeNull();
    expect(lean.io.modelFromMemory(a).optimizer).toBeNull();
    // options passed on as { compile: opts.compile }: undefined is the default too
    expect((await lean.loadModel(a, { compile: undefined })).optimizer).toBeNull();
    expect(lean.io.modelFromMemory(a, { compile: undefined }).optimizer).toBeNull();
    // asked for: training is loaded here, so it compiles
    expect((await lean.loadModel(a, { compile: true })).optimizer?.learningRate).toBeCloseTo(0.01);
    expect(lean.io.modelFromMemory(a, { compile: true }).optimizer).not.toBeNull();
    // bad options are still refused by name
    await expect(lean.loadModel(a, { compile: 'yes' } as never)).rejects.toThrow(/loadModel: .*compile/);
    await expect(lean.loadModel(a, { compiled: false } as never)).rejects.toThrow(/compiled/);
  });
});
