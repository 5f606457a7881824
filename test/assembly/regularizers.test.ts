// The weight regularizers' kernels (assembly/regularizers.ts): the penalty against float64, the gradient
// element by element against its float32 formula (sign(±0) = 0), and against finite differences of the penalty.
import { describe, expect, it } from 'vitest';
import { rand, rt } from '../helpers.js';

function put(data: Float32Array): number {
  const p = rt.arena.alloc(Math.max(1, data.length) * 4);
  rt.f32(p, data.length).set(data);
  return p;
}

/** l1·Σ|w| + l2·Σw² in float64. */
function penaltyOf(w: ArrayLike<number>, l1: number, l2: number): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += l1 * Math.abs(w[i]) + l2 * w[i] * w[i];
  return s;
}

describe('regularizer kernels', () => {
  for (const n of [0, 1, 3, 4, 5, 17, 64, 1001]) {
    it(`n=${n}: the penalty equals float64's, and the gradient l1·sign(w) + 2·l2·w is added to g`, () => {
      const w = rand(n, n + 3, -2, 2);
      if (n > 2) { w[0] = 0; w[1] = -0; } // sign(±0) = 0: no l1 push at 0
      const g = rand(n, n + 4);
      const pw = put(w), pg = put(g);
      try {
        for (const [l1, l2] of [[0.01, 0], [0, 0.03], [0.02, 0.005], [0, 0]]) {
          const got = rt.k.regularizer_penalty(pw, n, l1, l2);
          expect(Math.abs(got - penaltyOf(w, Math.fround(l1), Math.fround(l2)))).toBeLessThanOrEqual(1e-9 * Math.max(1, got));
        }
        rt.k.regularizer_backward(pg, pw, n, 0.02, 0.005);
        const out = rt.f32(pg, n);
        const t = Math.fround(2 * Math.fround(0.005)), l1 = Math.fround(0.02);
        for (let i = 0; i < n; i++) {
          const s = w[i] > 0 ? l1 : w[i] < 0 ? -l1 : 0;
          const want = Math.fround(g[i] + Math.fround(s + Math.fround(t * w[i])));
          expect(out[i], `element ${i} (w = ${w[i]})`).toBe(want);
        }
      } finally {
        rt.arena.release(pw); rt.arena.release(pg);
      }
    });
  }

  it('the gradient agrees with finite differences of the penalty (float64 steps, away from the kink at 0)', () => {
    const n = 37, l1 = 0.013, l2 = 0.021;
    const w = rand(n, 5, 0.1, 1.5).map((v, i) => (i % 2 ? -v : v));
    const pw = put(w), pg = put(new Float32Array(n));
    try {
      rt.k.regularizer_backward(pg, pw, n, l1, l2);
      const grad = rt.f32(pg, n).slice();
      const f1 = Math.fround(l1), f2 = Math.fround(l2);
      for (let i = 0; i < n; i++) {
        const h = 1e-4, up = Float64Array.from(w), down = Float64Array.from(w);
        up[i] += h; down[i] -= h;
        const fd = (penaltyOf(up, f1, f2) - penaltyOf(down, f1, f2)) / (2 * h);
        expect(Math.abs(fd - grad[i]), `weight ${i}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fd)));
      }
    } finally {
      rt.arena.release(pw); rt.arena.release(pg);
    }
  });
});

