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

// Number of non-finite values among x[0 .. n): guards against silent NaNs.
export function count_nonfinite(x: usize, n: i32): i32 {
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v - v != 0) bad++;
  }
  return bad;
}
