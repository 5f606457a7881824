// Dense layers and biases. The matrix products go through gemm.ts; what is left is the bias gradient
// and the per-row copies the engine needs to gather shuffled batches.

// db[j] += Σ_i dY[i, j] over dY [rows, cols], rows `ld` floats apart (the bias gradient of dense and conv
// layers; a range of columns per thread: each column's sum runs in the same order however they are split).
export function bias_backward(db: usize, dy: usize, rows: i32, cols: i32, ld: i32): void {
  for (let r0 = 0; r0 < rows; r0 += SUM_ROWS) {
    const o = <usize>r0 * ld << 2;
    column_sums(db, dy + o, dy + o, 0, min(SUM_ROWS, rows - r0), cols, ld, false);
  }
}

// dY's 4 values at byte offset o; with `relu`, 0 where Y ≤ 0 (or NaN), stored to dx.
// @ts-ignore: decorator
@inline
function masked(dx: usize, dy: usize, y: usize, o: usize, relu: bool): v128 {
  let v = v128.load(dy + o);
  if (relu) { v = v128.and(v, f32x4.gt(v128.load(y + o), f32x4.splat(0))); v128.store(dx + o, v); }
  return v;
}

// ReLU's backward and the bias gradient in one pass over dY: dX[i, j] = dY[i, j] where Y[i, j] > 0, else 0,
// and db[j] += Σ_i dX[i, j] (pointers at the thread's first column; dx may alias dy). The same bits as
// relu_backward then bias_backward, reading dY once.
export function relu_bias_backward(db: usize, dx: usize, dy: usize, y: usize, rows: i32, cols: i32, ld: i32): void {
  for (let r0 = 0; r0 < rows; r0 += SUM_ROWS) {
    const o = <usize>r0 * ld << 2;
    column_sums(db, dx + o, dy + o, y + o, min(SUM_ROWS, rows - r0), cols, ld, true);
  }
}

// The bias gradient of narrow rows by blocks of rows, a range of blocks per thread (threads splitting a narrow
// row's columns would each read and write the cache lines beside the other's): part[b, j] = Σ dX[i, j] over the
// rows i of block b, from 0 in row order, for the `nb` blocks of `blockRows` rows from row 0 of dy (part, dx, dy
// and y at the thread's first block; the last block may be short: `rows` rows in all), dX masked by ReLU and stored
// to dx as in relu_bias_backward when `relu` is 1. bias_add_blocks then adds the block sums to db in block order: the
// same bits on any thread count, as the blocks do not depend on it.
export function bias_block_sums(part: usize, dx: usize, dy: usize, y: usize, rows: i32, cols: i32, ld: i32,
                                blockRows: i32, nb: i32, relu: i32): void {
  for (let b = 0; b < nb; b++) {
    const r0 = b * blockRows;
    const n = min(blockRows, rows - r0);
    const pb = part + (<usize>b * cols << 2);
    memory.fill(pb, 0, <usize>cols << 2);
    for (let r = 0; r < n; r += SUM_ROWS) {
      const o = <usize>(r0 + r) * ld << 2;
      if (relu != 0) column_sums(pb, dx + o, dy + o, y + o, min(SUM_ROWS, n - r), cols, ld, true);
      else column_sums(pb, dy + o, dy + o, 0, min(SUM_ROWS, n - r), cols, ld, false);
    }
  }
}

// db[j] += part[0, j] + part[1, j] + ... + part[nb - 1, j], added to db one block at a time in block order.
export function bias_add_blocks(db: usize, part: usize, nb: i32, cols: i32): void {
  const rs = <usize>cols << 2;
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const c = <usize>j << 2;
    let acc = v128.load(db + c);
    for (let b = 0, o = c; b < nb; b++, o += rs) acc = f32x4.add(acc, v128.load(part + o));
    v128.store(db + c, acc);
  }
  for (; j < cols; j++) {
    const c = <usize>j << 2;
    let acc = load<f32>(db + c);
    for (let b = 0, o = c; b < nb; b++, o += rs) acc += load<f32>(part + o);
    store<f32>(db + c, acc);
  }
}

// Rows summed per visit of a block of columns: a block's pass over them leaves the next block's columns of those
// rows in the cache (64 rows × 64 columns: 16 KB of dY), so wide rows are read from memory once.
const SUM_ROWS: i32 = 64;

// db += the column sums of `rows` rows, 32 columns (two cache lines of each row, in 8 registers) at a time, then
// 16, 4 and 1, each column's rows in order; with `relu`, the masked dY is stored to dx on the way.
// @ts-ignore: decorator
@inline
function column_sums(db: usize, dx: usize, dy: usize, y: usize, rows: i32, cols: i32, ld: i32, relu: bool): void {
  const zero = f32x4.splat(0);
  const rs = <usize>ld << 2;
  let j = 0;
  for (; j + 32 <= cols; j += 32) {
    const c = <usize>j << 2;
    let a0 = v128.load(db + c), a1 = v128.load(db + c + 16), a2 = v128.load(db + c + 32), a3 = v128.load(db + c + 48);
    let a4 = v128.load(db + c + 64), a5 = v128.load(db + c + 80), a6 = v128.load(db + c + 96), a7 = v128.load(db + c + 112);
    let o = c;
    for (let i = 0; i < rows; i++, o += rs) {
      a0 = f32x4.add(a0, masked(dx, dy, y, o, relu));
      a1 = f32x4.add(a1, masked(dx, dy, y, o + 16, relu));
      a2 = f32x4.add(a2, masked(dx, dy, y, o + 32, relu));
      a3 = f32x4.add(a3, masked(dx, dy, y, o + 48, relu));
      a4 = f32x4.add(a4, masked(dx, dy, y, o + 64, relu));
      a5 = f32x4.add(a5, masked(dx, dy, y, o + 80, relu));
      a6 = f32x4.add(a6, masked(dx, dy, y, o + 96, relu));
      a7 = f32x4.add(a7, masked(dx, dy, y, o + 112, relu));
    }
    v128.store(db + c, a0); v128.store(db + c + 16, a1); v128.store(db + c + 32, a2); v128.store(db + c + 48, a3);
    v128.store(db + c + 64, a4); v128.store(db + c + 80, a5); v128.store(db + c + 96, a6); v128.store(db + c + 112, a7);
  }
  for (; j + 16 <= cols; j += 16) {
    const c = <usize>j << 2;
    let a0 = v128.load(db + c), a1 = v128.load(db + c + 16), a2 = v128.load(db + c + 32), a3 = v128.load(db + c + 48);
    let o = c;
    for (let i = 0; i < rows; i++, o += rs) {
      let v0 = v128.load(dy + o), v1 = v128.load(dy + o + 16), v2 = v128.load(dy + o + 32), v3 = v128.load(dy + o + 48);
      if (relu) {
        v0 = v128.and(v0, f32x4.gt(v128.load(y + o), zero));
        v1 = v128.and(v1, f32x4.gt(v128.load(y + o + 16), zero));
        v2 = v128.and(v2, f32x4.gt(v128.load(y + o + 32), zero));
        v3 = v128.and(v3, f32x4.gt(v128.load(y + o + 48), zero));
        v128.store(dx + o, v0); v128.store(dx + o + 16, v1); v128.store(dx + o + 32, v2); v128.store(dx + o + 48, v3);
      }
      a0 = f32x4.add(a0, v0); a1 = f32x4.add(a1, v1); a2 = f32x4.add(a2, v2); a3 = f32x4.add(a3, v3);
    }
    v128.store(db + c, a0); v128.store(db + c + 16, a1); v128.store(db + c + 32, a2); v128.store(db + c + 48, a3);
  }
  for (; j + 4 <= cols; j += 4) {
    const c = <usize>j << 2;
    let acc = v128.load(db + c);
    let o = c;
    for (let i = 0; i < rows; i++, o += rs) {
      let v = v128.load(dy + o);
      if (relu) { v = v128.and(v, f32x4.gt(v128.load(y + o), zero)); v128.store(dx + o, v); }
      acc = f32x4.add(acc, v);
    }
    v128.store(db + c, acc);
  }
  for (; j < cols; j++) {
    const c = <usize>j << 2;
    let acc = load<f32>(db + c);
    let o = c;
    for (let i = 0; i < rows; i++, o += rs) {
      let v = load<f32>(dy + o);
      if (relu) { v = load<f32>(y + o) > 0 ? v : 0; store<f32>(dx + o, v); }
      acc += v;
    }
    store<f32>(db + c, acc);
  }
}

// dst[0, n) = 0 (gradients cleared before a step; a range per thread).
export function zero_floats(dst: usize, n: i32): void {
  memory.fill(dst, 0, <usize>n << 2);
}

// dst row r = src row idx[r] for r < rows, rows of `width` floats: gathers a (shuffled) batch.
export function gather_rows(dst: usize, src: usize, idx: usize, rows: i32, width: i32): void {
  const bytes = <usize>width << 2;
  for (let r = 0; r < rows; r++) {
    memory.copy(dst + <usize>r * bytes, src + <usize>load<i32>(idx + (<usize>r << 2)) * bytes, bytes);
  }
}

// Number of non-finite values among x[0 .. n): guards against silent NaNs (every loaded weight, batch and
// output passes here). v - v is 0 for a finite v and NaN for ±Inf and NaN; four lanes at a time, each lane
// counting its hits down from 0 (a true compare is -1), 16 values per turn.
export function count_nonfinite(x: usize, n: i32): i32 {
  let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
    a0 = i32x4.add(a0, f32x4.ne(f32x4.sub(v0, v0), f32x4.splat(0)));
    a1 = i32x4.add(a1, f32x4.ne(f32x4.sub(v1, v1), f32x4.splat(0)));
    a2 = i32x4.add(a2, f32x4.ne(f32x4.sub(v2, v2), f32x4.splat(0)));
    a3 = i32x4.add(a3, f32x4.ne(f32x4.sub(v3, v3), f32x4.splat(0)));
  }
  const a = i32x4.add(i32x4.add(a0, a1), i32x4.add(a2, a3));
  let bad = -(i32x4.extract_lane(a, 0) + i32x4.extract_lane(a, 1) + i32x4.extract_lane(a, 2) + i32x4.extract_lane(a, 3));
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v - v != 0) bad++;
  }
  return bad;
}
