// Hosts that cannot read the kernels synchronously (browsers, Workers: the web host adapter, installed
// here in Node): a synchronous call that needs Wasm memory before the kernels load says to await
// sn.ready(); compile and setWeights wait for them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '../../src/host/web.js';
import * as sn from '../../src/api.js';
import { runtimeLoaded } from '../../src/runtime/wasm.js';

describe('the kernels load on first use (web hosts)', () => {
  it('sync calls before the kernels say to await sn.ready(); compile and setWeights wait for them', async () => {
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
    await sn.ready({ wasm: new Uint8Array(readFileSync(new URL('../../wasm/simd.wasm', import.meta.url))) });
    const y = await model.predict(sn.tensor(new Float32Array([1, 1, 1]), [1, 3]));
    expect(Array.from(y.data)).toEqual([9.5, 11.5]);
    expect(sn.backend()).toBe('simd');
  });
});
