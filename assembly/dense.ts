// Dense layers and biases. The matrix products go through gemm.ts; what is left is the bias gradient
// and the per-row copies the engine needs to gather shuffled batches.

// db[j] += Σ_i dY[i, j] over dY [rows, cols], rows `ld` floats apart (the bias gradient of dense and conv
// layers; a range of columns per thread: each column's sum runs in the same order however they are split).
export function bias_backward(db: usize, dy: usize, rows: i32, cols: i32, ld: i32): void {
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    let acc = v128.load(db + (<usize>j << 2));
    for (let i = 0; i < rows; i++) acc = f32x4.add(acc, v128.load(dy + ((<usize>i * ld + j) << 2)));
    v128.store(db + (<usize>j << 2), acc);
  }
  for (; j < cols; j++) {
    let acc = load<f32>(db + (<usize>j << 2));
    for (let i = 0; i < rows; i++) acc += load<f32>(dy + ((<usize>i * ld + j) << 2));
    store<f32>(db + (<usize>j << 2), acc);
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
