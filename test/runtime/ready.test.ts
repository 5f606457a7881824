// Loading the kernels: nothing at import, the .wasm files beside the module by default, or a build handed
// in (module, bytes, URL, or a function of the file name); each build names itself in a custom section.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRuntime, wasmFile } from '../../src/runtime/wasm.js';

const ROOT = new URL('../../', import.meta.url);
const bytesOf = (file: string) => new Uint8Array(readFileSync(new URL(`wasm/${file}`, ROOT)));

/** A custom section's payload, read from the binary (relaxed builds do not compile on Node 20 without a flag). */
function customSection(bytes: Uint8Array, name: string): Uint8Array | null {
  const leb = (p: number): [number, number] => {
    let v = 0, shift = 0, b: number;
    do { b = bytes[p++]; v |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    return [v >>> 0, p];
  };
  for (let p = 8; p < bytes.length;) {
    const id = bytes[p];
    const [size, body] = leb(p + 1);
    if (id === 0) {
      const [len, at] = leb(body);
      if (new TextDecoder().decode(bytes.subarray(at, at + len)) === name) return bytes.subarray(at + len, body + size);
    }
    p = body + size;
  }
  return null;
}

describe('loading the kernels', () => {
  it('every build says which it is, and the package serves all four', () => {
    for (const flavour of ['simd', 'relaxed-simd'] as const) {
      for (const shared of [false, true]) {
        const file = wasmFile(flavour, shared);
        expect(JSON.parse(new TextDecoder().decode(customSection(bytesOf(file), 'simdnet')!)), file).toEqual({ flavour, shared });
        expect(readFileSync(new URL(`dist/wasm/${file}`, ROOT))).toEqual(Buffer.from(bytesOf(file)));
      }
    }
  });

  it('loads the file beside the module by default, shared where the host has workers', async () => {
    const rt = await createRuntime({ flavour: 'simd' });
    expect(rt.flavour).toBe('simd');
    expect(rt.shared).toBe(true);
    expect(WebAssembly.Module.customSections(rt.module, 'simdnet')).toHaveLength(1);
  });

  it('takes a module, bytes, a URL or a function of the file name; the build decides flavour and memory', async () => {
    const module = new WebAssembly.Module(bytesOf('simd.wasm'));
    const fromModule = await createRuntime({ wasm: module });
    expect([fromModule.flavour, fromModule.shared, fromModule.module]).toEqual(['simd', false, module]);
    const fromBytes = await createRuntime({ wasm: bytesOf('simd-shared.wasm') });
    expect([fromBytes.flavour, fromBytes.shared]).toEqual(['simd', true]);
    const fromUrl = await createRuntime({ wasm: new URL('wasm/simd.wasm', ROOT) });
    expect(fromUrl.shared).toBe(false);
    const asked: string[] = [];
    const fromFn = await createRuntime({ flavour: 'simd', shared: false, wasm: (file) => { asked.push(file); return bytesOf(file); } });
    expect(asked).toEqual(['simd.wasm']);
    expect(fromFn.k.gemm_pack_floats()).toBeGreaterThan(0);
  });

  it('says what went wrong: a missing file, a foreign module, a bad argument', async () => {
    await expect(createRuntime({ wasm: new URL('wasm/nothing.wasm', ROOT) }))
      .rejects.toThrow(/could not load the kernels from file:.*nothing\.wasm: .*ENOENT.*sn\.ready\(\{ wasm \}\)/);
    await expect(createRuntime({ wasm: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) }))
      .rejects.toThrow(/the wasm has no simdnet kernels; hand sn\.ready a build from simdnet\/wasm\//);
    await expect(createRuntime({ wasm: new Uint8Array([1, 2, 3]) })).rejects.toThrow(/is not a valid simdnet kernel build/);
    await expect(createRuntime({ wasm: 42 as never })).rejects.toThrow(/wasm must be a WebAssembly.Module, its bytes, a URL or a function/);
    await expect(createRuntime({ flavour: 'avx' as never })).rejects.toThrow(/flavour must be 'auto', 'simd' or 'relaxed-simd', got "avx"/);
  });
});
