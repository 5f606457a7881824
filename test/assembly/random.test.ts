// The shared counter-based RNG (assembly/random.ts) as dropout uses it: masks match a JS transcription of
// hash32, and outputs match digests recorded before hash32 moved out of dropout.ts (results unchanged; also
// since dropout_forward draws four counters at once, hash32x4).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rt } from '../helpers.js';

function hash32(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i, 0x9e3779b9)) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0; h = Math.imul(h, 0x7feb352d) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0; h = Math.imul(h, 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

// [n, rate, seed, start, sha256 of y then mask], recorded from dropout.ts before the move (commit bdabc80)
const RECORDED: [number, number, number, number, string][] = [
  [1000, 0.3, 1, 0, 'd5d01aad40383e033d981ab04359ca5c61ca644a7029efe121b7e577a0a6583b'],
  [777, 0.5, 0xdeadbeef, 12345, '86b50f1b4c78eb58a5c32256f62e9c0eacd2c1ff6d60e89c64149b365a1a3432'],
  [4096, 0.1, 7, 3, '305a78ec752675059451a4e72d1ebb86dc42d29657d9009267027789896099ec'],
  [50, 0.9, 2 ** 32 - 1, 2 ** 31 - 60, '57f31186a1cc47d153dd8965c437e17db4fcc6c0ea1369358b6d398cb4916213'],
];

describe('dropout on the shared hash32', () => {
  for (const [n, rate, seed, start, digest] of RECORDED) {
    it(`n ${n}, rate ${rate}, seed ${seed}, start ${start}: same bits as before the move`, () => {
      const x = rt.arena.alloc(n * 4), y = rt.arena.alloc(n * 4), m = rt.arena.alloc(n * 4);
      const xs = rt.f32(x, n);
      for (let i = 0; i < n; i++) xs[i] = i * 0.37 - 5;
      rt.k.dropout_forward(y, m, x, n, rate, seed >>> 0, start);
      const h = createHash('sha256');
      h.update(Buffer.from(rt.f32(y, n).slice().buffer)); h.update(Buffer.from(rt.f32(m, n).slice().buffer));
      expect(h.digest('hex')).toBe(digest);
      // keep iff hash32(seed, start + i) >= rate·2^32, scaled by 1/(1 - rate) in f32
      const threshold = Math.floor(Math.fround(rate) * 4294967296) >>> 0;
      const scale = Math.fround(1 / Math.fround(1 - Math.fround(rate)));
      const mask = rt.f32(m, n);
      for (let i = 0; i < n; i++) expect(mask[i]).toBe(hash32(seed, (start + i) >>> 0) >= threshold ? scale : 0);
      for (const p of [x, y, m]) rt.arena.release(p);
    });
  }
});
