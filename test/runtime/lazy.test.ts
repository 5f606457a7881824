// Nothing loads at import: building and compiling a model needs no kernels, the first async call loads
// them, and a synchronous call that needs Wasm memory before then says to await sn.ready().
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { runtimeLoaded } from '../../src/runtime/wasm.js';

describe('the kernels load on first use', () => {
  it('importing simdnet loads nothing; compile and setWeights wait for the kernels; predict loads them', async () => {
    expect(runtimeLoaded()).toBe(false);
    const model = sn.sequential({ seed: 1 });
    model.add(sn.layers.dense({ units: 2, inputShape: [3] }));
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    expect(() => sn.backend()).toThrow('simdnet: sn.backend() needs the Wasm kernels, which are not loaded yet: `await sn.ready()` first');
    expect(() => model.getWeights()).toThrow(/model\.getWeights\(\) needs the Wasm kernels, which are not loaded yet: `await sn\.ready\(\)` first/);
    const kernel = sn.tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]), bias = sn.tensor(new Float32Array([0.5, -0.5]), [2]);
    model.setWeights([kernel, bias]);
    expect(model.getWeights()[0].data).toEqual(kernel.data); // kept until the kernels load
    expect(runtimeLoaded()).toBe(false);
    const y = await model.predict(sn.tensor(new Float32Array([1, 1, 1]), [1, 3]));
    expect(runtimeLoaded()).toBe(true);
    expect(Array.from(y.data)).toEqual([9.5, 11.5]);
    expect(['simd', 'relaxed-simd']).toContain(sn.backend());
  });

  it('concurrent first calls share one load; handing in other kernels afterwards is refused', async () => {
    await Promise.all([sn.ready(), sn.ready(), sn.ready()]);
    await expect(sn.ready({ wasm: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) }))
      .rejects.toThrow(/the kernels are already loaded \((relaxed-)?simd\); hand in wasm before the first use of simdnet/);
  });
});
