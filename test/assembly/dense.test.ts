// The small kernels of assembly/dense.ts: count_nonfinite, the guard every loaded weight, batch and output passes
// through (its SIMD body, its scalar tail, each lane position), and the bias gradient's column sums, alone and
// fused with ReLU's backward, against a float64 reference and a plain loop's bits.
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

describe('bias_backward and relu_bias_backward', () => {
  // 32-, 16- and 4-column blocks and a scalar tail, ranges of columns as threads cut them, and 130 rows: blocks of
  // 64 rows, each column's sums stored and taken up again between them
  for (const [rows, cols] of [1, 3, 4, 7, 16, 21, 32, 53].map((c) => [37, c]).concat([[130, 53], [130, 68]])) {
    it(`${rows}×${cols}: db += the column sums in row order (the bits of a plain loop); fused, dx = dy where y > 0`, () => {
      const dy = rand(rows * cols, cols, -1, 1), y = rand(rows * cols, cols + 100, -1, 1), db0 = rand(cols, cols + 200);
      y[5] = 0; y[6] = NaN; dy[7] = -0; // the mask: y > 0 only (0 and NaN give 0)
      const wantDx = dy.map((v, i) => (y[i] > 0 ? v : 0));
      const sums = (d: Float32Array) => db0.map((b, j) => { let a = b; for (let i = 0; i < rows; i++) a = Math.fround(a + d[i * cols + j]); return a; });
      const n = rows * cols;
      const pdy = rt.arena.alloc(n * 4), py = rt.arena.alloc(n * 4), pdx = rt.arena.alloc(n * 4), pdb = rt.arena.alloc(cols * 4);
      try {
        rt.f32(py, n).set(y);
        for (const ranges of [[[0, cols]], cols > 4 ? [[0, 4], [4, cols - 4]] : [[0, cols]]]) {
          rt.f32(pdy, n).set(dy); rt.f32(pdb, cols).set(db0);
          for (const [c0, count] of ranges) rt.k.bias_backward(pdb + 4 * c0, pdy + 4 * c0, rows, count, cols);
          expect(Array.from(rt.f32(pdb, cols))).toEqual(Array.from(sums(dy)));
          rt.f32(pdb, cols).set(db0); rt.f32(pdx, n).fill(NaN);
          for (const [c0, count] of ranges) rt.k.relu_bias_backward(pdb + 4 * c0, pdx + 4 * c0, pdy + 4 * c0, py + 4 * c0, rows, count, cols);
          expect(Array.from(rt.f32(pdx, n))).toEqual(Array.from(wantDx));
          expect(Array.from(rt.f32(pdb, cols))).toEqual(Array.from(sums(wantDx)));
          // in place (dx = dy), as the layers run it
          rt.f32(pdb, cols).set(db0);
          for (const [c0, count] of ranges) rt.k.relu_bias_backward(pdb + 4 * c0, pdy + 4 * c0, pdy + 4 * c0, py + 4 * c0, rows, count, cols);
          expect(Array.from(rt.f32(pdy, n))).toEqual(Array.from(wantDx));
          expect(Array.from(rt.f32(pdb, cols))).toEqual(Array.from(sums(wantDx)));
        }
      } finally {
        for (const p of [pdb, pdx, py, pdy]) rt.arena.release(p);
      }
    });
  }
});

describe('bias_block_sums and bias_add_blocks', () => {
  // rows in blocks of `blockRows` (the last one short or not), each block summed from 0 in row order, then added to db
  // one block at a time; the blocks cut into ranges as threads take them; 32-, 16- and 4-column runs and a scalar tail
  const cases: [rows: number, cols: number, blockRows: number][] = [[130, 32, 64], [200, 53, 70], [129, 3, 64], [256, 68, 64], [64, 16, 64]];
  for (const [rows, cols, blockRows] of cases) {
    it(`${rows}×${cols} in blocks of ${blockRows}: the bits of a plain loop over blocks, on any cut of them; ReLU's dx as fused`, () => {
      const nb = Math.ceil(rows / blockRows), n = rows * cols;
      const dy = rand(n, rows + cols, -1, 1), y = rand(n, rows + cols + 1, -1, 1), db0 = rand(cols, cols + 2);
      y[5] = 0; y[6] = NaN; dy[7] = -0;
      const wantDx = dy.map((v, i) => (y[i] > 0 ? v : 0));
      const sums = (d: Float32Array) => db0.map((b, j) => {
        let a = b;
        for (let k = 0; k < nb; k++) {
          let s = 0;
          for (let i = k * blockRows; i < Math.min(rows, (k + 1) * blockRows); i++) s = Math.fround(s + d[i * cols + j]);
          a = Math.fround(a + s);
        }
        return a;
      });
      const pdy = rt.arena.alloc(n * 4), py = rt.arena.alloc(n * 4), pdb = rt.arena.alloc(cols * 4), part = rt.arena.alloc(nb * cols * 4);
      try {
        rt.f32(py, n).set(y);
        const cuts = [[[0, nb]], nb > 1 ? [[0, 1], [1, nb - 1]] : [[0, nb]], nb > 2 ? [[0, 2], [2, 1], [3, nb - 3]].filter(([, c]) => c > 0) : [[0, nb]]];
        for (const ranges of cuts) {
          for (const relu of [0, 1] as const) {
            rt.f32(pdy, n).set(dy); rt.f32(pdb, cols).set(db0); rt.f32(part, nb * cols).fill(NaN); // block sums start from 0, not from what was there
            for (const [b0, count] of ranges) {
              const o = 4 * b0 * blockRows * cols;
              rt.k.bias_block_sums(part + 4 * b0 * cols, pdy + o, pdy + o, py + o, Math.min(count * blockRows, rows - b0 * blockRows), cols, cols,
                blockRows, count, relu);
            }
            rt.k.bias_add_blocks(pdb, part, nb, cols);
            expect(Array.from(rt.f32(pdy, n)), `dx, relu ${relu}`).toEqual(Array.from(relu ? wantDx : dy));
            expect(Array.from(rt.f32(pdb, cols)), `db, relu ${relu}, cut ${JSON.stringify(ranges)}`).toEqual(Array.from(sums(relu ? wantDx : dy)));
          }
        }
        // against float64 (the last run's db: through ReLU)
        const exact = db0.map((b, j) => { let a = b; for (let i = 0; i < rows; i++) a += wantDx[i * cols + j]; return a; });
        for (let j = 0; j < cols; j++) expect(Math.abs(rt.f32(pdb, cols)[j] - exact[j])).toBeLessThan(1e-5 * (rows + 1));
      } finally {
        for (const p of [part, pdb, py, pdy]) rt.arena.release(p);
      }
    });
  }
});
