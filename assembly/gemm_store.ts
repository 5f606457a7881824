// The stores at the end of a GEMM micro-kernel tile (assembly/gemm_ukernels.ts): a row of 8 accumulators
// into C, added to C's values and clamped at 0 as the mode asks, clipped to the columns that exist.

// Stores (or adds) one 4-lane vector to c, clamping at 0 when relu; `cols` of its lanes are valid (1..4).
// @ts-ignore: decorator
@inline
export function store_cols(c: usize, v: v128, cols: i32, add: bool, relu: bool): void {
  if (cols >= 4) {
    if (add) v = f32x4.add(v, v128.load(c));
    v128.store(c, relu ? f32x4.max(v, f32x4.splat(0)) : v);
    return;
  }
  let s0 = f32x4.extract_lane(v, 0) + (add ? load<f32>(c) : 0);
  store<f32>(c, relu ? max<f32>(s0, 0) : s0);
  if (cols > 1) {
    const s1 = f32x4.extract_lane(v, 1) + (add ? load<f32>(c, 4) : 0);
    store<f32>(c, relu ? max<f32>(s1, 0) : s1, 4);
  }
  if (cols > 2) {
    const s2 = f32x4.extract_lane(v, 2) + (add ? load<f32>(c, 8) : 0);
    store<f32>(c, relu ? max<f32>(s2, 0) : s2, 8);
  }
}

// @ts-ignore: decorator
@inline
export function store_row(c: usize, lo: v128, hi: v128, cols: i32, add: bool, relu: bool): void {
  if (cols >= 8) {
    store_cols(c, lo, 4, add, relu);
    store_cols(c + 16, hi, 4, add, relu);
  } else if (cols > 4) {
    store_cols(c, lo, 4, add, relu);
    store_cols(c + 16, hi, cols - 4, add, relu);
  } else {
    store_cols(c, lo, cols, add, relu);
  }
}
