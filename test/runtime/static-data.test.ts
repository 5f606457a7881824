// The arena starts at ARENA_BASE (64 KiB, src/runtime/wasm.ts) and hands out memory that nothing else writes:
// Arena.allocZeroed skips bytes above its high-water mark because Wasm memory is zero there. That holds only
// if the module's own static data (its data segments) lies below the arena: checked here in every build.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARENA_BASE } from '../../src/runtime/wasm.js';

const WASM = new URL('../../dist/wasm/', import.meta.url);

/** [offset, length] of each active data segment (flags 0: memory 0, offset an i32.const). */
function dataSegments(bytes: Uint8Array): [number, number][] {
  let o = 8;
  const leb = (): number => { let r = 0, s = 0, b: number; do { b = bytes[o++]; r |= (b & 127) << s; s += 7; } while (b & 128); return r >>> 0; };
  const sleb = (): number => { let r = 0, s = 0, b: number; do { b = bytes[o++]; r |= (b & 127) << s; s += 7; } while (b & 128); return s < 32 && (b & 64) ? r | (-1 << s) : r; };
  const out: [number, number][] = [];
  while (o < bytes.length) {
    const id = bytes[o++], size = leb(), end = o + size;
    if (id === 11) {
      for (let n = leb(); n > 0; n--) {
        const flags = leb();
        if (flags !== 0) throw new Error(`data segment flags ${flags}: not an active segment of memory 0`);
        if (bytes[o++] !== 0x41) throw new Error('data segment offset is not an i32.const');
        const offset = sleb();
        if (bytes[o++] !== 0x0b) throw new Error('data segment offset expression does not end');
        const length = leb();
        out.push([offset, length]);
        o += length;
      }
    }
    o = end;
  }
  return out;
}

describe('static data', () => {
  const builds = readdirSync(WASM).filter((f) => f.endsWith('.wasm'));
  it.each(builds)('%s keeps its data segments below the arena', (file) => {
    const segments = dataSegments(new Uint8Array(readFileSync(new URL(file, WASM))));
    expect(segments.length).toBeGreaterThan(0); // the JPEG zig-zag table at least
    for (const [offset, length] of segments) expect(offset + length).toBeLessThanOrEqual(ARENA_BASE);
  });
});
