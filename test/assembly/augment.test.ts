// The augmentation kernels (assembly/augment.ts) against a naive float64 reference written from Keras'
// semantics: every flip mode, fill mode and interpolation over odd sizes, fixed and drawn shifts; the draws
// against the counter-based RNG; split-invariance over image ranges; the spread of the draws; the adjoint
// identity for backward.
import { describe, expect, it } from 'vitest';
import {
  FILL_CONSTANT, FILL_NEAREST, FILL_REFLECT, FILL_WRAP, FLIP_HORIZONTAL, FLIP_JOINT, FLIP_VERTICAL,
  INTERP_BILINEAR, INTERP_NEAREST,
} from '../../src/runtime/wasm.js';
import { rand, rt } from '../helpers.js';

const FILLS = { reflect: FILL_REFLECT, wrap: FILL_WRAP, constant: FILL_CONSTANT, nearest: FILL_NEAREST };
const INTERPS = { nearest: INTERP_NEAREST, bilinear: INTERP_BILINEAR };
const SIZES: [number, number][] = [[1, 1], [1, 5], [5, 1], [5, 7], [7, 5], [42, 7], [5, 42], [42, 42]];
const CHANNELS = [1, 3, 4, 5, 8];

// ---- reference (float64, written from the semantics, not from the kernel) --------------------------

/** The counter-based draw of assembly/random.ts: uniform in [0, 1) from hash32(seed, i)'s top 24 bits. */
function hash32(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i, 0x9e3779b9)) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0; h = Math.imul(h, 0x7feb352d) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0; h = Math.imul(h, 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
const uniform = (seed: number, i: number): number => (hash32(seed, i) >>> 8) / 16777216;

/** Integer index k on an axis of length len, extended by the fill mode; null: constant fill. */
function extend(k: number, len: number, fill: number): number | null {
  if (k >= 0 && k < len) return k;
  switch (fill) {
    case FILL_CONSTANT: return null;
    case FILL_NEAREST: return Math.min(Math.max(k, 0), len - 1);
    case FILL_WRAP: return ((k % len) + len) % len;
    default: // reflect about the outer edge of the end pixels, one mirror at a time
      while (k < 0 || k >= len) k = k < 0 ? -k - 1 : 2 * len - 1 - k;
      return k;
  }
}

interface Sampling { fill: number; interp: number; fillValue: number }

/** Images x [b, h, w, c] shifted by shifts [b, 2] = (dy, dx): output (i, j) samples x at (i - dy, j - dx), in f32. */
function refTranslate(x: Float32Array, shifts: Float32Array, b: number, h: number, w: number, c: number, s: Sampling): Float64Array {
  const y = new Float64Array(b * h * w * c);
  const at = (n: number, r: number | null, q: number | null, ch: number): number =>
    r === null || q === null ? s.fillValue : x[((n * h + r) * w + q) * c + ch];
  for (let n = 0; n < b; n++) {
    const dy = shifts[2 * n], dx = shifts[2 * n + 1];
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const qy = Math.fround(i - dy), qx = Math.fround(j - dx); // TF computes the sample point in f32
        for (let ch = 0; ch < c; ch++) {
          let v: number;
          if (s.interp === INTERP_NEAREST) {
            const roundAway = (q: number): number => Math.sign(q) * Math.round(Math.abs(q));
            v = at(n, extend(roundAway(qy), h, s.fill), extend(roundAway(qx), w, s.fill), ch);
          } else {
            const y0 = Math.floor(qy), x0 = Math.floor(qx), ty = qy - y0, tx = qx - x0;
            const r0 = extend(y0, h, s.fill), r1 = extend(y0 + 1, h, s.fill);
            const c0 = extend(x0, w, s.fill), c1 = extend(x0 + 1, w, s.fill);
            v = (1 - ty) * ((1 - tx) * at(n, r0, c0, ch) + tx * at(n, r0, c1, ch))
              + ty * ((1 - tx) * at(n, r1, c0, ch) + tx * at(n, r1, c1, ch));
          }
          y[((n * h + i) * w + j) * c + ch] = v;
        }
      }
    }
  }
  return y;
}

function refFlip(x: Float32Array, flips: Int32Array, b: number, h: number, w: number, c: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const si = flips[n] & 2 ? h - 1 - i : i, sj = flips[n] & 1 ? w - 1 - j : j;
        for (let ch = 0; ch < c; ch++) y[((n * h + i) * w + j) * c + ch] = x[((n * h + si) * w + sj) * c + ch];
      }
    }
  }
  return y;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const bits = (a: Float32Array | Int32Array): Uint32Array => new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

// ---- running the kernels ------------------------------------------------------------------------------

/** Arena buffers for one test, released together. */
class Bufs {
  private ptrs: number[] = [];
  f32(data: ArrayLike<number> | number): number {
    const n = typeof data === 'number' ? data : data.length;
    const p = rt.arena.alloc(Math.max(n, 1) * 4);
    this.ptrs.push(p);
    if (typeof data !== 'number') rt.f32(p, n).set(data);
    return p;
  }
  i32(data: ArrayLike<number> | number): number {
    const n = typeof data === 'number' ? data : data.length;
    const p = rt.arena.alloc(Math.max(n, 1) * 4);
    this.ptrs.push(p);
    if (typeof data !== 'number') rt.i32(p, n).set(data);
    return p;
  }
  release(): void { for (const p of this.ptrs) rt.arena.release(p); }
}

function translate(x: Float32Array, shifts: Float32Array, b: number, h: number, w: number, c: number, s: Sampling): Float32Array {
  const m = new Bufs();
  const px = m.f32(x), ps = m.f32(shifts), py = m.f32(x.length);
  rt.k.translation_forward(py, px, ps, b, h, w, c, s.fill, s.interp, s.fillValue, 0);
  const y = rt.f32(py, x.length).slice();
  m.release();
  return y;
}

function translateBack(g: Float32Array, shifts: Float32Array, b: number, h: number, w: number, c: number, s: Sampling): Float32Array {
  const m = new Bufs();
  const pg = m.f32(g), ps = m.f32(shifts), pdx = m.f32(rand(g.length, 99)); // garbage: the kernel zeroes dx
  rt.k.translation_backward(pdx, pg, ps, b, h, w, c, s.fill, s.interp, 0);
  const dx = rt.f32(pdx, g.length).slice();
  m.release();
  return dx;
}

/** Fixed shifts (dy, dx) per image: whole, half and quarter pixels, past the image, several periods out. */
function fixedShifts(h: number, w: number): Float32Array {
  return new Float32Array([
    0, 0, 1, -2, 0.5, -0.5, -1.5, 2.5, 2.25, -1.75, -0.3, 0.6,
    -h - 0.25, w + 1.5, h + 0.75, -w + 0.5, 3 * h + 0.5, -2.5 * w - 0.25, -h / 2, w / 3,
  ]);
}

describe('translation_forward against the float64 reference', () => {
  for (const [fillName, fill] of Object.entries(FILLS)) {
    for (const [interpName, interp] of Object.entries(INTERPS)) {
      for (const [h, w] of SIZES) {
        it(`fill ${fillName}, ${interpName}, ${h}x${w}, c ${CHANNELS.join('/')}`, () => {
          const s = { fill, interp, fillValue: 0.75 };
          for (const c of CHANNELS) {
            const fixed = fixedShifts(h, w);
            // random shifts over [-1.2, 1.2)·size as well, rounded to f32 like the kernel's saved shifts
            const r = rand(12, h * 1000 + w * 10 + c);
            const drawn = Float32Array.from(r, (v, k) => 1.2 * v * (k % 2 ? w : h));
            for (const shifts of [fixed, drawn]) {
              const b = shifts.length / 2;
              const x = rand(b * h * w * c, h * 7 + w * 3 + c);
              const got = translate(x, shifts, b, h, w, c, s);
              const want = refTranslate(x, shifts, b, h, w, c, s);
              if (interp === INTERP_NEAREST) expect(Array.from(got)).toEqual(Array.from(want)); // pure copies
              else expect(maxAbsDiff(got, want)).toBeLessThan(2e-6);
            }
          }
        });
      }
    }
  }

  it('zero shift is the identity, bit for bit, in every mode', () => {
    const b = 2, h = 5, w = 7, c = 3, x = rand(b * h * w * c, 3);
    for (const fill of Object.values(FILLS)) {
      for (const interp of Object.values(INTERPS)) {
        expect(bits(translate(x, new Float32Array(2 * b), b, h, w, c, { fill, interp, fillValue: 9 }))).toEqual(bits(x));
      }
    }
  });

  it('constant fill: a whole-pixel shift moves the image and fills the rest, the half-pixel edge blends with the fill', () => {
    const h = 3, w = 4, x = Float32Array.from({ length: h * w }, (_, k) => k + 1);
    const y = translate(x, new Float32Array([1, -2]), 1, h, w, 1, { fill: FILL_CONSTANT, interp: INTERP_BILINEAR, fillValue: -1 });
    expect(Array.from(y)).toEqual([-1, -1, -1, -1, 3, 4, -1, -1, 7, 8, -1, -1]);
    // first column samples x at column -0.5: half pixel, half fill (Keras 3 blends; on TF see augment.ts)
    const z = translate(x, new Float32Array([0, 0.5]), 1, h, w, 1, { fill: FILL_CONSTANT, interp: INTERP_BILINEAR, fillValue: -1 });
    expect(Array.from(z.subarray(0, 4))).toEqual([0, 1.5, 2.5, 3.5]);
  });

  it('reflect, wrap and nearest extend a row as Keras documents them', () => {
    // (d c b a | a b c d | d c b a), (a b c d | a b c d | a b c d), (a a a a | a b c d | d d d d)
    const x = new Float32Array([1, 2, 3, 4]);
    const row = (fill: number, dx: number): number[] =>
      Array.from(translate(x, new Float32Array([0, dx]), 1, 1, 4, 1, { fill, interp: INTERP_NEAREST, fillValue: 0 }));
    expect(row(FILL_REFLECT, 4)).toEqual([4, 3, 2, 1]);
    expect(row(FILL_REFLECT, -4)).toEqual([4, 3, 2, 1]);
    expect(row(FILL_REFLECT, 2)).toEqual([2, 1, 1, 2]);
    expect(row(FILL_WRAP, 1)).toEqual([4, 1, 2, 3]);
    expect(row(FILL_WRAP, -6)).toEqual([3, 4, 1, 2]);
    expect(row(FILL_NEAREST, 3)).toEqual([1, 1, 1, 1]);
    expect(row(FILL_NEAREST, -2)).toEqual([3, 4, 4, 4]);
    expect(row(FILL_CONSTANT, 2)).toEqual([0, 0, 1, 2]);
    // wrap blends last and first pixel across the seam (TF clamps there instead; see augment.ts)
    const seam = translate(x, new Float32Array([0, 0.5]), 1, 1, 4, 1, { fill: FILL_WRAP, interp: INTERP_BILINEAR, fillValue: 0 });
    expect(seam[0]).toBe(2.5);
  });
});

describe('random_translation_forward', () => {
  const b = 9, h = 7, w = 5, c = 3;
  const factors = [-0.2, 0.3, -0.5, 0.1] as const; // hLo, hHi, wLo, wHi

  function run(x: Float32Array, s: Sampling, seed: number, ranges: [number, number][]): { y: Float32Array; shifts: Float32Array } {
    const m = new Bufs();
    const px = m.f32(x), py = m.f32(new Float32Array(x.length).fill(NaN)), ps = m.f32(new Float32Array(2 * b).fill(NaN));
    for (const [n0, count] of ranges) {
      rt.k.random_translation_forward(py, ps, px, count, h, w, c, ...factors, s.fill, s.interp, s.fillValue, seed, n0);
    }
    const out = { y: rt.f32(py, x.length).slice(), shifts: rt.f32(ps, 2 * b).slice() };
    m.release();
    return out;
  }

  it('draws shifts[n] = (uniform[hLo, hHi)·h, uniform[wLo, wHi)·w) from (seed, 2n) and (seed, 2n + 1), and samples with them', () => {
    const x = rand(b * h * w * c, 5);
    for (const seed of [0, 1, 0xdeadbeef]) {
      for (const [fill, interp] of [[FILL_REFLECT, INTERP_BILINEAR], [FILL_CONSTANT, INTERP_NEAREST], [FILL_WRAP, INTERP_BILINEAR]]) {
        const s = { fill, interp, fillValue: -0.5 };
        const { y, shifts } = run(x, s, seed, [[0, b]]);
        const [hLo, hHi, wLo, wHi] = factors.map(Math.fround);
        for (let n = 0; n < b; n++) {
          expect(shifts[2 * n]).toBe(Math.fround((hLo + (hHi - hLo) * uniform(seed, 2 * n)) * h));
          expect(shifts[2 * n + 1]).toBe(Math.fround((wLo + (wHi - wLo) * uniform(seed, 2 * n + 1)) * w));
        }
        expect(maxAbsDiff(y, refTranslate(x, shifts, b, h, w, c, s))).toBeLessThan(2e-6);
      }
    }
  });

  it('two or three image ranges give the same bits as one call, and touch no other image', () => {
    const x = rand(b * h * w * c, 6), s = { fill: FILL_REFLECT, interp: INTERP_BILINEAR, fillValue: 0 };
    const whole = run(x, s, 42, [[0, b]]);
    for (const ranges of [[[0, 4], [4, 5]], [[6, 3], [0, 1], [1, 5]], [[0, 1], [1, 1], [2, 7]]] as [number, number][][]) {
      const split = run(x, s, 42, ranges);
      expect(bits(split.y)).toEqual(bits(whole.y));
      expect(bits(split.shifts)).toEqual(bits(whole.shifts));
    }
    const part = run(x, s, 42, [[3, 2]]);
    const img = h * w * c;
    expect(bits(part.y.subarray(3 * img, 5 * img))).toEqual(bits(whole.y.subarray(3 * img, 5 * img)));
    expect(part.y.subarray(0, 3 * img).every(Number.isNaN)).toBe(true);
    expect(part.y.subarray(5 * img).every(Number.isNaN)).toBe(true);
    expect(part.shifts.subarray(0, 6).every(Number.isNaN) && part.shifts.subarray(10).every(Number.isNaN)).toBe(true);
  });

  it('spreads the shifts uniformly over [lo, hi)·size (1000 images)', () => {
    const nImg = 1000, hh = 42, ww = 5;
    const m = new Bufs();
    const px = m.f32(nImg * hh * ww), py = m.f32(nImg * hh * ww), ps = m.f32(2 * nImg);
    rt.f32(px, nImg * hh * ww).fill(0);
    rt.k.random_translation_forward(py, ps, px, nImg, hh, ww, 1, -0.2, 0.3, -1, 1, FILL_CONSTANT, INTERP_BILINEAR, 0, 2024, 0);
    const sh = rt.f32(ps, 2 * nImg).slice();
    m.release();
    const dys = Array.from({ length: nImg }, (_, n) => sh[2 * n]), dxs = Array.from({ length: nImg }, (_, n) => sh[2 * n + 1]);
    const mean = (a: number[]): number => a.reduce((p, q) => p + q, 0) / a.length;
    // dy in [-8.4, 12.6): mean 2.1, sd of the mean 21/sqrt(12)/sqrt(1000) = 0.19; dx in [-5, 5): mean 0, sd 0.09
    expect(Math.abs(mean(dys) - 2.1)).toBeLessThan(0.8);
    expect(Math.abs(mean(dxs))).toBeLessThan(0.4);
    // within [lo, hi]·size, up to the rounding of the shift to f32
    expect(Math.min(...dys)).toBeGreaterThanOrEqual(Math.fround(Math.fround(-0.2) * 42));
    expect(Math.max(...dys)).toBeLessThanOrEqual(Math.fround(Math.fround(0.3) * 42));
    expect(Math.min(...dys)).toBeLessThan(-8.0);
    expect(Math.max(...dys)).toBeGreaterThan(12.2);
    expect(Math.min(...dxs)).toBeGreaterThanOrEqual(-5);
    expect(Math.max(...dxs)).toBeLessThanOrEqual(5);
    // ten equal bins of dy hold 100 each, binomial sd 9.5
    const bins = new Array(10).fill(0);
    for (const v of dys) bins[Math.min(9, Math.max(0, Math.floor((v + 8.4) / 2.1)))]++;
    for (const k of bins) expect(Math.abs(k - 100)).toBeLessThan(40);
    // dy and dx are drawn independently
    const mdy = mean(dys), mdx = mean(dxs);
    let sxy = 0, sxx = 0, syy = 0;
    for (let n = 0; n < nImg; n++) { sxy += (dys[n] - mdy) * (dxs[n] - mdx); sxx += (dys[n] - mdy) ** 2; syy += (dxs[n] - mdx) ** 2; }
    expect(Math.abs(sxy / Math.sqrt(sxx * syy))).toBeLessThan(0.12);
  });
});

describe('translation_backward is the adjoint of translation_forward', () => {
  // <T(x) - T(0), g> = <x, T*(g)>: the constant fill is an offset with no gradient
  for (const [fillName, fill] of Object.entries(FILLS)) {
    for (const [interpName, interp] of Object.entries(INTERPS)) {
      it(`fill ${fillName}, ${interpName}`, () => {
        for (const [h, w] of SIZES) {
          for (const c of [1, 3, 4, 5]) {
            const shifts = new Float32Array([...fixedShifts(h, w), ...rand(6, h + w + c, -1.2 * h, 1.2 * h)]);
            const b = shifts.length / 2, len = b * h * w * c, s = { fill, interp, fillValue: 0.5 };
            const x = rand(len, 11 + c), g = rand(len, 13 + c);
            const y = translate(x, shifts, b, h, w, c, s), y0 = translate(new Float32Array(len), shifts, b, h, w, c, s);
            const dx = translateBack(g, shifts, b, h, w, c, s);
            let lhs = 0, rhs = 0, scale = 0;
            for (let k = 0; k < len; k++) {
              lhs += (y[k] - y0[k]) * g[k]; rhs += x[k] * dx[k];
              scale += Math.abs(y[k] * g[k]) + Math.abs(x[k] * dx[k]);
            }
            expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-6 * scale);
          }
        }
      });
    }
  }

  it('constant fill: samples that read only the fill send nothing back; split ranges give the same bits', () => {
    const b = 4, h = 5, w = 7, c = 3, s = { fill: FILL_CONSTANT, interp: INTERP_BILINEAR, fillValue: 3 };
    const shifts = new Float32Array([0, 100, 100, 0, 2.5, -3.25, 0.5, 0.5]);
    const g = rand(b * h * w * c, 8);
    const dx = translateBack(g, shifts, b, h, w, c, s);
    expect(dx.subarray(0, 2 * h * w * c).every((v) => v === 0)).toBe(true);
    const m = new Bufs();
    const pg = m.f32(g), ps = m.f32(shifts), pdx = m.f32(b * h * w * c);
    rt.k.translation_backward(pdx, pg, ps, 1, h, w, c, s.fill, s.interp, 3);
    rt.k.translation_backward(pdx, pg, ps, 3, h, w, c, s.fill, s.interp, 0);
    expect(bits(rt.f32(pdx, b * h * w * c).slice())).toEqual(bits(dx));
    m.release();
  });
});

describe('flips', () => {
  const MODES = { horizontal: FLIP_HORIZONTAL, vertical: FLIP_VERTICAL, both: FLIP_HORIZONTAL | FLIP_VERTICAL,
    'both, joint draw': FLIP_HORIZONTAL | FLIP_VERTICAL | FLIP_JOINT };

  function expectedFlips(mode: number, seed: number, n: number): number {
    const u0 = uniform(seed, 2 * n), u1 = mode & FLIP_JOINT ? u0 : uniform(seed, 2 * n + 1);
    return (mode & FLIP_HORIZONTAL && u0 < 0.5 ? 1 : 0) | (mode & FLIP_VERTICAL && u1 < 0.5 ? 2 : 0);
  }

  for (const [h, w] of SIZES) {
    it(`flip_forward and flip_backward with given flips, ${h}x${w}, out of place and in place`, () => {
      for (const c of CHANNELS) {
        const b = 4, len = b * h * w * c, flips = new Int32Array([0, 1, 2, 3]);
        const x = rand(len, h * 31 + w + c), want = refFlip(x, flips, b, h, w, c);
        const m = new Bufs();
        const px = m.f32(x), py = m.f32(len), pf = m.i32(flips);
        rt.k.flip_forward(py, px, pf, b, h, w, c, 0);
        expect(bits(rt.f32(py, len).slice())).toEqual(bits(want));
        rt.k.flip_backward(px, px, pf, b, h, w, c, 0); // in place
        expect(bits(rt.f32(px, len).slice())).toEqual(bits(want));
        m.release();
      }
    });
  }

  for (const [modeName, mode] of Object.entries(MODES)) {
    it(`random_flip_forward, mode ${modeName}: draws from (seed, 2n), (seed, 2n + 1), flips, splits over ranges`, () => {
      const b = 11, h = 5, w = 7, c = 3, len = b * h * w * c, seed = 7 + mode;
      const x = rand(len, 21);
      const m = new Bufs();
      const px = m.f32(x), py = m.f32(len), pf = m.i32(b);
      rt.k.random_flip_forward(py, pf, px, b, h, w, c, mode, seed, 0);
      const flips = rt.i32(pf, b).slice(), y = rt.f32(py, len).slice();
      for (let n = 0; n < b; n++) expect(flips[n]).toBe(expectedFlips(mode, seed, n));
      expect(bits(y)).toEqual(bits(refFlip(x, flips, b, h, w, c)));
      rt.f32(py, len).fill(NaN); rt.i32(pf, b).fill(-1);
      for (const [n0, count] of [[5, 6], [0, 2], [2, 3]]) rt.k.random_flip_forward(py, pf, px, count, h, w, c, mode, seed, n0);
      expect(bits(rt.f32(py, len).slice())).toEqual(bits(y));
      expect(Array.from(rt.i32(pf, b))).toEqual(Array.from(flips));
      // backward maps dy back through the same flips: flip(flip(x)) = x
      rt.k.flip_backward(py, py, pf, b, h, w, c, 0);
      expect(bits(rt.f32(py, len).slice())).toEqual(bits(x));
      m.release();
    });
  }

  it('flips about half of 1000 images per axis, the axes independently (or together when joint)', () => {
    const nImg = 1000, m = new Bufs();
    const px = m.f32(nImg), py = m.f32(nImg), pf = m.i32(nImg);
    const count = (mode: number, seed: number): number[] => {
      rt.k.random_flip_forward(py, pf, px, nImg, 1, 1, 1, mode, seed, 0);
      const k = [0, 0, 0, 0];
      for (const f of rt.i32(pf, nImg)) k[f]++;
      return k;
    };
    // binomial(1000, 1/2): sd 15.8; (1000, 1/4): sd 13.7
    const [none, hOnly] = count(FLIP_HORIZONTAL, 3);
    expect(none + hOnly).toBe(nImg);
    expect(Math.abs(hOnly - 500)).toBeLessThan(60);
    const v = count(FLIP_VERTICAL, 4);
    expect(v[1] + v[3]).toBe(0);
    expect(Math.abs(v[2] - 500)).toBeLessThan(60);
    for (const k of count(FLIP_HORIZONTAL | FLIP_VERTICAL, 5)) expect(Math.abs(k - 250)).toBeLessThan(55);
    const j = count(FLIP_HORIZONTAL | FLIP_VERTICAL | FLIP_JOINT, 6);
    expect(j[1] + j[2]).toBe(0);
    expect(Math.abs(j[3] - 500)).toBeLessThan(60);
    m.release();
  });

  it('backward is the adjoint: <flip(x), g> = <x, flip(g)>', () => {
    const b = 4, h = 7, w = 5, c = 3, len = b * h * w * c;
    const x = rand(len, 1), g = rand(len, 2), m = new Bufs();
    const px = m.f32(x), pg = m.f32(g), py = m.f32(len), pdx = m.f32(len), pf = m.i32([3, 1, 2, 0]);
    rt.k.flip_forward(py, px, pf, b, h, w, c, 0);
    rt.k.flip_backward(pdx, pg, pf, b, h, w, c, 0);
    const y = rt.f32(py, len), dx = rt.f32(pdx, len);
    let lhs = 0, rhs = 0;
    for (let k = 0; k < len; k++) { lhs += y[k] * g[k]; rhs += x[k] * dx[k]; }
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-9);
    m.release();
  });
});
