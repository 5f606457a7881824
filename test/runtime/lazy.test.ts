// Nothing loads at import. In Node (and Deno, Bun) a synchronous call that needs Wasm memory before any
// async one loads the kernels there and then, synchronously; concurrent async loads share one.
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { runtimeLoaded } from '../../src/runtime/wasm.js';

describe('the kernels load on first use (Node)', () => {
  it('importing simdnet loads nothing; compile waits; a synchronous call loads them synchronously', async () => {
    expect(runtimeLoaded()).toBe(false);
    const model = sn.sequential({ seed: 1, layers: [sn.layers.dense({ units: 2, inputShape: [3] })] });
    model.compile({ optimizer: 'adam', loss: 'meanAbsoluteError' });
    expect(runtimeLoaded()).toBe(false);
    const w = model.getWeights();
    expect(runtimeLoaded()).toBe(true);
    expect(w.map((t) => t.shape)).toEqual([[3, 2], [2]]);
    expect(['simd', 'relaxed-simd']).toContain(sn.backend());
    await Promise.all([sn.ready(), sn.ready(), sn.ready()]);
    await expect(sn.ready({ wasm: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) }))
      .rejects.toThrow(/the kernels are already loaded \((relaxed-)?simd\); hand in wasm or a flavour before the first use of simdnet/);
  });
});
