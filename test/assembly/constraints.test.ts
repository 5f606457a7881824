// The weight constraints' kernels (assembly/constraints.ts) against their float32 formulas, bit for bit: the
// norm of each slice summed in order, desired = rate · clip(n, lo, hi) + (1 − rate) · n, w · desired / (ε + n)
// (UnitNorm: w / (ε + n)), over blocks [outer, reduced, inner] whose inner count takes the SIMD body, its tail
// or both; NonNeg as Keras' w · (w ≥ 0).
import { describe, expect, it } from 'vitest';
import { rand, rt } from '../helpers.js';

const f = Math.fround;
const EPS = f(1e-7);

function reference(w: Float32Array, outer: number, red: number, inner: number, lo: number, hi: number, rate: number, unit: boolean): Float32Array {
  const out = w.slice();
  const [flo, fhi, frate, keep] = [f(lo), f(hi), f(rate), f(1 - f(rate))];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (r: number) => (o * red + r) * inner + i;
      let acc = 0;
      for (let r = 0; r < red; r++) acc = f(acc + f(w[at(r)] * w[at(r)]));
      const n = f(Math.sqrt(acc)), den = f(EPS + n);
      const s = f(f(f(frate * Math.min(Math.max(n, flo), fhi)) + f(keep * n)) / den);
      for (let r = 0; r < red; r++) out[at(r)] = unit ? f(w[at(r)] / den) : f(w[at(r)] * s);
    }
  }
  return out;
}

function run(w: Float32Array, apply: (p: number) => void): Float32Array {
  const p = rt.arena.alloc(Math.max(1, w.length) * 4);
  try {
    rt.f32(p, w.length).set(w);
    apply(p);
    return rt.f32(p, w.length).slice();
  } finally {
    rt.arena.release(p);
  }
}

describe('constrain_norm', () => {
  const BLOCKS: [number, number, number][] = [[1, 7, 1], [1, 5, 4], [1, 9, 6], [3, 4, 5], [2, 1, 9], [4, 6, 1], [1, 1, 1], [1, 27, 8]];
  const BOUNDS: [string, number, number, number, boolean][] = [
    ['MaxNorm 2', 0, 2, 1, false], ['MaxNorm 0.3 (binding)', 0, 0.3, 1, false], ['MinMaxNorm [0.5, 0.8] rate 0.25', 0.5, 0.8, 0.25, false],
    ['MinMaxNorm [1, 3] rate 1', 1, 3, 1, false], ['UnitNorm', 1, 1, 1, true],
  ];
  for (const [outer, red, inner] of BLOCKS) {
    for (const [name, lo, hi, rate, unit] of BOUNDS) {
      it(`[${outer}, ${red}, ${inner}] ${name}: as the float32 formula, bit for bit`, () => {
        const w = rand(outer * red * inner, outer * 100 + red * 10 + inner, -0.9, 0.9);
        const got = run(w, (p) => rt.k.constrain_norm(p, outer, red, inner, lo, hi, rate, unit ? 1 : 0));
        expect(Array.from(got)).toEqual(Array.from(reference(w, outer, red, inner, lo, hi, rate, unit)));
      });
    }
  }

  it('an all-zero slice stays zero (ε keeps the division finite)', () => {
    const w = new Float32Array(12);
    expect(Array.from(run(w, (p) => rt.k.constrain_norm(p, 1, 3, 4, 0, 2, 1, 0)))).toEqual(Array.from(w));
    expect(Array.from(run(w, (p) => rt.k.constrain_norm(p, 1, 3, 4, 1, 1, 1, 1)))).toEqual(Array.from(w));
  });
});

describe('constrain_nonneg', () => {
  for (const n of [0, 1, 4, 7, 33]) {
    it(`n=${n}: negative values become -0 (w · 0, as Keras), the others stay`, () => {
      const w = rand(n, n + 5, -1, 1);
      if (n > 1) { w[0] = 0; w[1] = -0; }
      const got = run(w, (p) => rt.k.constrain_nonneg(p, n));
      for (let i = 0; i < n; i++) expect(Object.is(got[i], w[i] * (w[i] >= 0 ? 1 : 0)), `element ${i}: ${w[i]} → ${got[i]}`).toBe(true);
    });
  }
});
