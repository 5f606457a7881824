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

describe('Gaussian draws (gaussian_noise_forward, gaussian_dropout_forward)', () => {
  const U = 1 / 16777216;
  /**
   * float64 Box–Muller of the same uniforms: elements 2p and 2p + 1 share u1 = (top 24 bits of hash(2p) + 1) / 2^24
   * and u2 = top 24 bits of hash(2p + 1) / 2^24, and take r cos 2πu2 and r sin 2πu2.
   */
  const exact = (seed: number, i: number) => {
    const p = i - (i & 1);
    const u1 = ((hash32(seed, p >>> 0) >>> 8) + 1) * U, u2 = (hash32(seed, (p + 1) >>> 0) >>> 8) * U;
    const r = Math.sqrt(-2 * Math.log(u1));
    return i & 1 ? r * Math.sin(2 * Math.PI * u2) : r * Math.cos(2 * Math.PI * u2);
  };
  const draw = (op: 'noise' | 'dropout', n: number, seed: number, start: number, pieces: number[] = [n]) => {
    const x = rt.arena.alloc(n * 4), y = rt.arena.alloc(n * 4), mask = rt.arena.alloc(n * 4);
    try {
      rt.f32(x, n).fill(op === 'noise' ? 0 : 1);
      for (let at = 0, k = 0; at < n; k++) {
        const c = Math.min(pieces[k % pieces.length], n - at);
        if (op === 'noise') rt.k.gaussian_noise_forward(y + 4 * at, x + 4 * at, c, 1, seed, start + at);
        else rt.k.gaussian_dropout_forward(y + 4 * at, mask + 4 * at, x + 4 * at, c, 0.5, seed, start + at);
        at += c;
      }
      return rt.f32(y, n).slice();
    } finally {
      for (const p of [mask, y, x]) rt.arena.release(p);
    }
  };

  it('each draw is float64 Box–Muller of its counter\'s uniforms, within 5e-7 (relative above |z| = 1, absolute below)', () => {
    for (const [seed, start] of [[1, 0], [0xdeadbeef, 2 ** 30 - 7]]) {
      const n = 200_003, z = draw('noise', n, seed, start);
      let worst = 0, big = 0;
      for (let i = 0; i < n; i++) {
        const want = exact(seed, start + i);
        worst = Math.max(worst, Math.abs(z[i] - want) / Math.max(1, Math.abs(want)));
        big = Math.max(big, Math.abs(want));
      }
      expect(worst).toBeLessThan(5e-7); // 2.2e-7 in these draws, 2.9e-7 the worst pair found: the f32 rounding of the inputs to sqrt and cos
      expect(big).toBeGreaterThan(4); // the sample reaches the tails
    }
  });

  it('a value depends on its counter alone: the same bits cut into any pieces, at any alignment', () => {
    const whole = draw('noise', 1001, 9, 5);
    for (const pieces of [[1], [3, 5, 7], [4], [6, 2, 9], [8], [17]]) {
      expect(Buffer.from(draw('noise', 1001, 9, 5, pieces).buffer).equals(Buffer.from(whole.buffer)), `pieces ${pieces}`).toBe(true);
    }
    // the first 3 values (one by one: an odd first counter, then a tail) and the same counters inside a longer run
    expect(Array.from(draw('noise', 3, 9, 5))).toEqual(Array.from(whole.subarray(0, 3)));
    expect(Array.from(draw('noise', 12, 9, 6))).toEqual(Array.from(whole.subarray(1, 13)));
  });

  it('gaussian dropout\'s factor is 1 + stddev · the same z', () => {
    const z = draw('noise', 999, 4, 17), m = draw('dropout', 999, 4, 17);
    for (let i = 0; i < 999; i++) expect(m[i]).toBe(Math.fround(1 + Math.fround(0.5 * z[i])));
  });
});
