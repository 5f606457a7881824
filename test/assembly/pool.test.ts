// maxpool_forward and maxpool_backward (assembly/pool.ts) against a naive reference: the maximum of each window
// and the flat input index of its first occurrence in row-major window order (ties go to the earlier pixel);
// dX = 0 + the dY of every window whose maximum a pixel is (bit for bit: -0 becomes +0), every pixel written.
// The 2×2 stride-2 fast paths and the generic loops over awkward geometries, channel counts on and off the SIMD
// path, with and without argmax, and image ranges as threads cut them.
import { describe, expect, it } from 'vitest';
import { rand, rt } from '../helpers.js';

const B = 3;

interface Geometry { h: number; w: number; ph: number; pw: number; sh: number; sw: number; padTop: number; padLeft: number; ho: number; wo: number }

const GEOMETRIES: [string, Geometry][] = [
  ['2×2 stride 2 on 8×6 (the fast path)', { h: 8, w: 6, ph: 2, pw: 2, sh: 2, sw: 2, padTop: 0, padLeft: 0, ho: 4, wo: 3 }],
  ['2×2 stride 2 on 7×5, the last row and column dropped (the fast path)', { h: 7, w: 5, ph: 2, pw: 2, sh: 2, sw: 2, padTop: 0, padLeft: 0, ho: 3, wo: 2 }],
  ['2×2 stride 2, same padding on 5×5 (edge windows clipped: generic)', { h: 5, w: 5, ph: 2, pw: 2, sh: 2, sw: 2, padTop: 0, padLeft: 0, ho: 3, wo: 3 }],
  ['3×3 stride 2, padded by 1 (generic)', { h: 7, w: 6, ph: 3, pw: 3, sh: 2, sw: 2, padTop: 1, padLeft: 1, ho: 4, wo: 3 }],
  ['2×2 stride 1 (generic)', { h: 4, w: 5, ph: 2, pw: 2, sh: 1, sw: 1, padTop: 0, padLeft: 0, ho: 3, wo: 4 }],
];

/** y and the first argmax of each window, in the kernel's window order (rows, then columns). */
function reference(x: Float32Array, g: Geometry, c: number): { y: Float32Array; idx: Int32Array } {
  const y = new Float32Array(B * g.ho * g.wo * c), idx = new Int32Array(y.length);
  let o = 0;
  for (let n = 0; n < B; n++) {
    for (let oy = 0; oy < g.ho; oy++) {
      for (let ox = 0; ox < g.wo; ox++) {
        for (let ci = 0; ci < c; ci++, o++) {
          let best = -Infinity, at = -1;
          for (let iy = oy * g.sh - g.padTop; iy < oy * g.sh - g.padTop + g.ph; iy++) {
            for (let ix = ox * g.sw - g.padLeft; ix < ox * g.sw - g.padLeft + g.pw; ix++) {
              if (iy < 0 || ix < 0 || iy >= g.h || ix >= g.w) continue;
              const i = ((n * g.h + iy) * g.w + ix) * c + ci;
              if (at < 0 || x[i] > best) { best = x[i]; at = i; }
            }
          }
          y[o] = best; idx[o] = at;
        }
      }
    }
  }
  return { y, idx };
}

describe('maxpool_forward and maxpool_backward', () => {
  for (const [name, g] of GEOMETRIES) {
    for (const c of [3, 4, 8, 64]) {
      it(`${name}, C=${c}: maxima, first argmax and the gradient, any image ranges`, () => {
        // a coarse grid (multiples of 1/4), so that a window often holds its maximum twice
        const x = rand(B * g.h * g.w * c, g.h * 31 + c).map((v) => Math.round(v * 4) / 4);
        const want = reference(x, g, c);
        const out = B * g.ho * g.wo * c;
        const px = rt.arena.alloc(x.length * 4), py = rt.arena.alloc(out * 4), pi = rt.arena.alloc(out * 4);
        try {
          rt.f32(px, x.length).set(x);
          for (const ranges of [[[0, B]], [[0, 1], [1, 2]]]) {
            rt.f32(py, out).fill(NaN);
            rt.i32(pi, out).fill(-7);
            for (const [n0, count] of ranges) {
              rt.k.maxpool_forward(py, pi, px, count, g.h, g.w, c, g.ho, g.wo, g.ph, g.pw, g.sh, g.sw, g.padTop, g.padLeft, n0);
            }
            expect(Array.from(rt.f32(py, out))).toEqual(Array.from(want.y));
            expect(Array.from(rt.i32(pi, out))).toEqual(Array.from(want.idx));
          }
          // backward from the argmax just made: dX over NaN (every pixel must be written), dY with a -0
          const dy = rand(out, c + 7);
          dy[1] = -0;
          const wantDx = new Float32Array(x.length);
          want.idx.forEach((at, o) => { wantDx[at] = Math.fround(wantDx[at] + dy[o]); });
          const pdy = rt.arena.alloc(out * 4), pdx = rt.arena.alloc(x.length * 4);
          try {
            rt.f32(pdy, out).set(dy);
            for (const ranges of [[[0, B]], [[0, 2], [2, 1]]]) {
              rt.f32(pdx, x.length).fill(NaN);
              for (const [n0, count] of ranges) {
                rt.k.maxpool_backward(pdx, pdy, pi, count, g.h, g.w, c, g.ho, g.wo, g.ph, g.pw, g.sh, g.sw, g.padTop, g.padLeft, n0);
              }
              expect(Array.from(rt.f32(pdx, x.length))).toEqual(Array.from(wantDx));
            }
          } finally {
            rt.arena.release(pdx); rt.arena.release(pdy);
          }
          // inference: no argmax kept, the same maxima
          rt.f32(py, out).fill(NaN);
          rt.k.maxpool_forward(py, 0, px, B, g.h, g.w, c, g.ho, g.wo, g.ph, g.pw, g.sh, g.sw, g.padTop, g.padLeft, 0);
          expect(Array.from(rt.f32(py, out))).toEqual(Array.from(want.y));
        } finally {
          for (const p of [pi, py, px]) rt.arena.release(p);
        }
      });
    }
  }
});
