// The small kernels of assembly/dense.ts that are not a layer's arithmetic: count_nonfinite, the guard every
// loaded weight, batch and output passes through (its SIMD body, its scalar tail, each lane position).
import { describe, expect, it } from 'vitest';
import { rand, rt } from '../helpers.js';

function count(data: Float32Array, at = 0): number {
  const p = rt.arena.alloc((data.length + at) * 4);
  try {
    rt.f32(p + at * 4, data.length).set(data);
    return rt.k.count_nonfinite(p + at * 4, data.length);
  } finally {
    rt.arena.release(p);
  }
}

describe('count_nonfinite', () => {
  const BAD = [NaN, Infinity, -Infinity];
  for (const n of [0, 1, 3, 15, 16, 17, 31, 64, 100, 1027]) {
    it(`n=${n}: finite values count 0, each NaN / ±Inf once, wherever it sits`, () => {
      const x = rand(n, n + 1, -1e30, 1e30);
      if (n) { x[0] = 3.4028234663852886e38; x[n - 1] = -0; } // the largest float and -0 are finite
      expect(count(x)).toBe(0);
      for (let i = 0; i < n; i++) {
        const y = x.slice();
        y[i] = BAD[i % 3];
        expect(count(y), `bad value at ${i}`).toBe(1);
      }
      const all = new Float32Array(n).fill(NaN);
      expect(count(all)).toBe(n);
      const every = x.slice();
      let want = 0;
      for (let i = 0; i < n; i += 3) { every[i] = BAD[(i / 3) % 3]; want++; }
      expect(count(every)).toBe(want);
    });
  }

  it('reads only [x, x + n): values just past the end are not counted, at any alignment', () => {
    for (const at of [0, 1, 2, 3]) {
      const p = rt.arena.alloc(64 * 4);
      try {
        rt.f32(p, 64).fill(NaN);
        rt.f32(p + at * 4, 21).fill(1);
        expect(rt.k.count_nonfinite(p + at * 4, 21)).toBe(0);
        expect(rt.k.count_nonfinite(p + at * 4, 22)).toBe(1);
      } finally {
        rt.arena.release(p);
      }
    }
  });
});
