import { describe, expect, it } from 'vitest';
import { Arena } from '../../src/runtime/arena.js';

describe('Arena', () => {
  it('hands out aligned, disjoint blocks and reuses freed space', () => {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 16 });
    const a = new Arena(mem, 1024, 16 * 65536);
    const p = a.alloc(10), q = a.alloc(100), r = a.alloc(33);
    for (const o of [p, q, r]) expect(o % 16).toBe(0);
    expect(q).toBeGreaterThanOrEqual(p + 16);
    expect(r).toBeGreaterThanOrEqual(q + 112);
    a.release(q);
    expect(a.alloc(50)).toBe(q); // first fit into the hole
    a.release(p);
    a.release(r);
    expect(a.usedBytes).toBe(64);
  });

  it('coalesces neighbours and shrinks the top', () => {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 16 });
    const a = new Arena(mem, 0, 16 * 65536);
    const x = a.alloc(64), y = a.alloc(64), z = a.alloc(64);
    a.release(x); a.release(y);
    expect(a.alloc(128)).toBe(x); // x and y merged
    a.release(x); a.release(z);
    expect(a.alloc(192)).toBe(0);
  });

  it('grows the memory on demand and fails clearly at its limit', () => {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const a = new Arena(mem, 0, 4 * 65536);
    a.alloc(3 * 65536, 'big block');
    expect(mem.buffer.byteLength).toBeGreaterThanOrEqual(3 * 65536);
    expect(() => a.alloc(2 * 65536, 'activations of conv2d')).toThrow(/activations of conv2d.*over the limit of/);
  });

  it('refuses to release an unknown offset', () => {
    const a = new Arena(new WebAssembly.Memory({ initial: 1 }), 0, 65536);
    expect(() => a.release(12345)).toThrow(/unknown offset 12345/);
  });

  it('allocZeroed zeroes bytes handed out before, including a block straddling the high-water mark', () => {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const a = new Arena(mem, 1024, 4 * 65536);
    const bytes = new Uint8Array(mem.buffer);
    const x = a.alloc(256);
    bytes.fill(7, x, x + 256); // dirty, then freed: the next allocation reuses it
    a.release(x);
    const y = a.allocZeroed(1024); // 256 reused bytes + 768 never handed out
    expect(y).toBe(x);
    expect(new Uint8Array(mem.buffer, y, 1024).every((b) => b === 0)).toBe(true);
    // a block above the high-water mark is not written (Wasm memory is zero there already): a spy on fill sees nothing
    const fills: number[] = [];
    const fill = Uint8Array.prototype.fill;
    Uint8Array.prototype.fill = function (this: Uint8Array, ...args: Parameters<Uint8Array['fill']>) { fills.push(this.length); return fill.apply(this, args); };
    try {
      const z = a.allocZeroed(3 * 65536, 'big block');
      expect(new Uint8Array(mem.buffer, z, 3 * 65536).every((b) => b === 0)).toBe(true);
    } finally {
      Uint8Array.prototype.fill = fill;
    }
    expect(fills).toEqual([]);
  });
});
