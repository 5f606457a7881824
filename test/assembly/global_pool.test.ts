// The global pooling kernels (assembly/global_pool.ts) against naive float64 references over awkward
// sizes, with ties for the max, and bit-identity across image ranges.
import { describe, expect, it } from 'vitest';
import { maxRelError, rand, rt } from '../helpers.js';

const CHANNELS = [1, 3, 5, 17, 64];
const POSITIONS = [1, 9, 25];
const B = 3;

function put(data: Float32Array | Int32Array): number {
  const p = rt.arena.alloc(Math.max(data.length, 1) * 4);
  if (data instanceof Int32Array) rt.i32(p, data.length).set(data);
  else rt.f32(p, data.length).set(data);
  return p;
}

function release(...ptrs: number[]): void {
  for (const p of ptrs) if (p) rt.arena.release(p);
}

/** Image ranges as threads would cut them: one call, one image at a time, and an uneven cut. */
const IMAGE_RANGES: [number, number][][] = [[[0, B]], [[0, 1], [1, 1], [2, 1]], [[0, 2], [2, 1]]];

/** x [B, P, C] on a coarse grid (multiples of 1/8), so that maxima tie often. */
function tiedInput(hw: number, c: number, seed: number): Float32Array {
  return rand(B * hw * c, seed).map((v) => Math.round(v * 8) / 8);
}

describe('global_avgpool', () => {
  for (const c of CHANNELS) {
    for (const hw of POSITIONS) {
      it(`P=${hw} C=${c}: forward is the mean, backward spreads dy / P, over any image ranges`, () => {
        const x = rand(B * hw * c, hw * 100 + c, -2, 3), dy = rand(B * c, hw + c);
        const wantY = new Float64Array(B * c), wantDx = new Float64Array(B * hw * c);
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < c; j++) {
            let s = 0;
            for (let p = 0; p < hw; p++) s += x[(b * hw + p) * c + j];
            wantY[b * c + j] = s / hw;
            for (let p = 0; p < hw; p++) wantDx[(b * hw + p) * c + j] = dy[b * c + j] / hw;
          }
        }
        const px = put(x), pdy = put(dy), py = rt.arena.alloc(B * c * 4), pdx = rt.arena.alloc(B * hw * c * 4);
        let firstY: Uint32Array | null = null, firstDx: Uint32Array | null = null;
        for (const ranges of IMAGE_RANGES) {
          rt.f32(py, B * c).fill(NaN);
          rt.f32(pdx, B * hw * c).fill(NaN); // overwritten, not accumulated
          for (const [n0, count] of ranges) {
            rt.k.global_avgpool_forward(py, px, hw, c, n0, count);
            rt.k.global_avgpool_backward(pdx, pdy, hw, c, n0, count);
          }
          const y = rt.f32(py, B * c).slice(), dx = rt.f32(pdx, B * hw * c).slice();
          expect(maxRelError(y, wantY)).toBeLessThan(1e-6);
          expect(maxRelError(dx, wantDx)).toBeLessThan(1e-6);
          firstY ??= new Uint32Array(y.buffer);
          firstDx ??= new Uint32Array(dx.buffer);
          expect(new Uint32Array(y.buffer)).toEqual(firstY);
          expect(new Uint32Array(dx.buffer)).toEqual(firstDx);
        }
        release(px, pdy, py, pdx);
      });
    }
  }

  it('keeps the mean of a long sequence accurate (P = 20000 steps, values near 1000)', () => {
    const hw = 20000, c = 5, b = 1;
    const x = rand(b * hw * c, 99).map((v) => 1000 + v);
    const px = put(x), py = rt.arena.alloc(c * 4);
    rt.k.global_avgpool_forward(py, px, hw, c, 0, b);
    const want = new Float64Array(c);
    for (let p = 0; p < hw; p++) for (let j = 0; j < c; j++) want[j] += x[p * c + j] / hw;
    const y = rt.f32(py, c);
    for (let j = 0; j < c; j++) expect(Math.abs(y[j] - want[j]) / want[j]).toBeLessThan(1e-7);
    release(px, py);
  });
});

describe('global_maxpool', () => {
  for (const c of CHANNELS) {
    for (const hw of POSITIONS) {
      it(`P=${hw} C=${c}: forward takes the first maximum, backward puts dy there, over any image ranges`, () => {
        const x = tiedInput(hw, c, hw * 31 + c), dy = rand(B * c, hw + 2 * c);
        const wantY = new Float32Array(B * c), wantIdx = new Int32Array(B * c), wantDx = new Float32Array(B * hw * c);
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < c; j++) {
            let best = -Infinity, at = -1;
            for (let p = 0; p < hw; p++) {
              const i = (b * hw + p) * c + j;
              if (x[i] > best) { best = x[i]; at = i; }
            }
            wantY[b * c + j] = best; wantIdx[b * c + j] = at; wantDx[at] = dy[b * c + j];
          }
        }
        const px = put(x), pdy = put(dy), py = rt.arena.alloc(B * c * 4), pidx = rt.arena.alloc(B * c * 4);
        const pdx = rt.arena.alloc(B * hw * c * 4);
        for (const ranges of IMAGE_RANGES) {
          rt.f32(py, B * c).fill(NaN);
          rt.i32(pidx, B * c).fill(-7);
          rt.f32(pdx, B * hw * c).fill(NaN); // overwritten, not accumulated
          for (const [n0, count] of ranges) {
            rt.k.global_maxpool_forward(py, pidx, px, hw, c, n0, count);
            rt.k.global_maxpool_backward(pdx, pdy, pidx, hw, c, n0, count);
          }
          expect(rt.f32(py, B * c).slice()).toEqual(wantY);
          expect(rt.i32(pidx, B * c).slice()).toEqual(wantIdx);
          expect(rt.f32(pdx, B * hw * c).slice()).toEqual(wantDx);
        }
        // inference: argmax = 0, same y
        rt.f32(py, B * c).fill(NaN);
        rt.k.global_maxpool_forward(py, 0, px, hw, c, 0, B);
        expect(rt.f32(py, B * c).slice()).toEqual(wantY);
        release(px, pdy, py, pidx, pdx);
      });
    }
  }

  it('ties really occur in the test data, and the first of equal maxima wins', () => {
    const hw = 25, c = 17;
    const x = tiedInput(hw, c, 25 * 31 + 17);
    let ties = 0;
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < c; j++) {
        const col = Array.from({ length: hw }, (_, p) => x[(b * hw + p) * c + j]);
        const m = Math.max(...col);
        if (col.filter((v) => v === m).length > 1) ties++;
      }
    }
    expect(ties).toBeGreaterThan(5);
    // all equal: position 0 wins in every lane and in the tail
    const flat = new Float32Array(B * hw * c).fill(0.5);
    const px = put(flat), py = rt.arena.alloc(B * c * 4), pidx = rt.arena.alloc(B * c * 4);
    rt.k.global_maxpool_forward(py, pidx, px, hw, c, 0, B);
    expect(Array.from(rt.i32(pidx, B * c))).toEqual(Array.from({ length: B * c }, (_, o) => Math.floor(o / c) * hw * c + (o % c)));
    release(px, py, pidx);
  });
});
