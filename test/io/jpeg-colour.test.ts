// The kernels' YCbCr → RGB conversion (assembly/jpeg.ts jpeg_to_rgb) is integer arithmetic standing in for
// jpeg-js' f64 formulas (Y + 1.402 Cr, Y − 0.3441363 Cb − 0.71413636 Cr, Y + 1.772 Cb, clamped to [0, 255] and
// truncated). Checked here for every one of the 2^24 (Y, Cb, Cr) triples: one call per Y over a 256 × 256
// picture whose Cb runs along x and Cr along y; plus subsampled chroma (4:2:0) read at x >> 1, y >> 1.
import { describe, expect, it } from 'vitest';
import { rt } from '../helpers.js';

/** jpeg-js' conversion of one pixel, as its decoder writes it into a Uint8Array. */
function jpegJs(Y: number, cb: number, cr: number): [number, number, number] {
  const c = (a: number) => (a < 0 ? 0 : a > 255 ? 255 : a | 0);
  cb -= 128; cr -= 128;
  return [c(Y + 1.402 * cr), c(Y - 0.3441363 * cb - 0.71413636 * cr), c(Y + 1.772 * cb)];
}

describe('jpeg_to_rgb', () => {
  it('gives jpeg-js\' f64 conversion for every (Y, Cb, Cr)', () => {
    const a = rt.arena, n = 256 * 256;
    const planes = a.alloc(3 * n), out = a.alloc(3 * n), table = a.alloc(12 * 4);
    try {
      const mem = () => new Uint8Array(rt.memory.buffer);
      for (let i = 0; i < n; i++) { mem()[planes + n + i] = i & 255; mem()[planes + 2 * n + i] = i >> 8; } // Cb = x, Cr = y
      rt.i32(table, 12).set([planes, 256, 0, 0, planes + n, 256, 0, 0, planes + 2 * n, 256, 0, 0]);
      let bad = 0, first = '';
      for (let Y = 0; Y < 256; Y++) {
        mem().fill(Y, planes, planes + n);
        rt.k.jpeg_to_rgb(out, 256, 256, 3, table);
        const got = mem().subarray(out, out + 3 * n);
        for (let i = 0; i < n; i++) {
          const want = jpegJs(Y, i & 255, i >> 8);
          if (got[3 * i] !== want[0] || got[3 * i + 1] !== want[1] || got[3 * i + 2] !== want[2]) {
            if (!bad++) first = `Y ${Y} Cb ${i & 255} Cr ${i >> 8}: got ${Array.from(got.subarray(3 * i, 3 * i + 3))}, jpeg-js ${want}`;
          }
        }
      }
      expect(bad, first).toBe(0);
    } finally {
      for (const p of [table, out, planes]) a.release(p);
    }
  });

  it('reads subsampled chroma at (x >> 1, y >> 1), and grey as Y replicated', () => {
    const a = rt.arena, w = 7, h = 5, cw = 4, ch = 3;
    const planes = a.alloc(w * h + 2 * cw * ch), out = a.alloc(3 * w * h), table = a.alloc(12 * 4);
    try {
      const mem = () => new Uint8Array(rt.memory.buffer);
      const Yp = planes, Cb = planes + w * h, Cr = Cb + cw * ch;
      for (let i = 0; i < w * h; i++) mem()[Yp + i] = (i * 37) & 255;
      for (let i = 0; i < cw * ch; i++) { mem()[Cb + i] = (i * 53 + 11) & 255; mem()[Cr + i] = (i * 91 + 7) & 255; }
      rt.i32(table, 12).set([Yp, w, 0, 0, Cb, cw, 1, 1, Cr, cw, 1, 1]);
      rt.k.jpeg_to_rgb(out, w, h, 3, table);
      const got = Array.from(mem().subarray(out, out + 3 * w * h));
      const want: number[] = [];
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        const c = (y >> 1) * cw + (x >> 1);
        want.push(...jpegJs(mem()[Yp + y * w + x], mem()[Cb + c], mem()[Cr + c]));
      }
      expect(got).toEqual(want);
      rt.k.jpeg_to_rgb(out, w, h, 1, table);
      const grey = Array.from(mem().subarray(out, out + 3 * w * h));
      expect(grey).toEqual(Array.from({ length: 3 * w * h }, (_, i) => mem()[Yp + Math.floor(i / 3)]));
    } finally {
      for (const p of [table, out, planes]) a.release(p);
    }
  });

  // sixteen pixels a vector while sixteen fit in the line, the rest one at a time: lines of 16 … 53 pixels
  // with each plane read at x >> 0, 1 or 2 (4:4:4, 4:2:2, 4:1:1 and the odd files whose luma is the sampled
  // plane), against the per-pixel formula
  it('gives the same pixels sixteen at a time as one at a time, for every sampling and line length', () => {
    const a = rt.arena, h = 3, maxW = 53, stride = 64;
    const planes = a.alloc(3 * stride * h), out = a.alloc(3 * maxW * h), table = a.alloc(12 * 4);
    try {
      const mem = () => new Uint8Array(rt.memory.buffer);
      for (let i = 0; i < 3 * stride * h; i++) mem()[planes + i] = (i * 97 + 13) & 255;
      let cases = 0;
      for (const w of [16, 17, 31, 32, 48, 53]) {
        for (const [s0, s1, s2] of [[0, 0, 0], [0, 1, 1], [0, 2, 2], [1, 0, 0], [2, 1, 0], [0, 1, 2]]) {
          const plane = (c: number) => planes + c * stride * h;
          rt.i32(table, 12).set([plane(0), stride, s0, 0, plane(1), stride, s1, 1, plane(2), stride, s2, 0]);
          rt.k.jpeg_to_rgb(out, w, h, 3, table);
          const want: number[] = [];
          for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
            const at = (c: number, sx: number, sy: number) => mem()[plane(c) + (y >> sy) * stride + (x >> sx)];
            want.push(...jpegJs(at(0, s0, 0), at(1, s1, 1), at(2, s2, 0)));
          }
          expect(Array.from(mem().subarray(out, out + 3 * w * h)), `width ${w}, shifts ${s0} ${s1} ${s2}`).toEqual(want);
          rt.k.jpeg_to_rgb(out, w, h, 1, table);
          const grey = Array.from({ length: 3 * w * h }, (_, i) => {
            const p = Math.floor(i / 3);
            return mem()[plane(0) + Math.floor(p / w) * stride + ((p % w) >> s0)];
          });
          expect(Array.from(mem().subarray(out, out + 3 * w * h)), `grey, width ${w}, shift ${s0}`).toEqual(grey);
          cases++;
        }
      }
      expect(cases).toBe(36);
    } finally {
      for (const p of [table, out, planes]) a.release(p);
    }
  });
});
