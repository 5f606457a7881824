// Weight regularizers (Keras' L1, L2 and L1L2): the penalty l1·Σ|w| + l2·Σw² a weight adds to the loss, and its
// gradient, added to the weight's own, side by side. The engine calls them once per regularized weight and step.

// l1·Σ|w| + l2·Σw² over w[0, n): the two sums in f64, four lanes each, the lanes added in order at the end.
export function regularizer_penalty(w: usize, n: i32, l1: f32, l2: f32): f64 {
  let a0 = f64x2.splat(0), a1 = a0, s0 = a0, s1 = a0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(w + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(v), hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
    a0 = f64x2.add(a0, f64x2.abs(lo)); a1 = f64x2.add(a1, f64x2.abs(hi));
    s0 = f64x2.add(s0, f64x2.mul(lo, lo)); s1 = f64x2.add(s1, f64x2.mul(hi, hi));
  }
  let abs = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1) + f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1);
  let sq = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1) + f64x2.extract_lane(s1, 0) + f64x2.extract_lane(s1, 1);
  for (; i < n; i++) {
    const v = <f64>load<f32>(w + (<usize>i << 2));
    abs += Math.abs(v);
    sq += v * v;
  }
  // a factor of 0 contributes 0 even for an infinite weight (not 0 · ∞ = NaN): Σw² alone is a norm's square
  return (l1 != 0 ? <f64>l1 * abs : 0) + (l2 != 0 ? <f64>l2 * sq : 0);
}

// g[i] += l1·sign(w[i]) + 2·l2·w[i] for i < n, in f32: the penalty's gradient. At w = 0, |w|'s is 0, as
// TensorFlow's (tf.keras; Keras 3 on TensorFlow); tfjs takes -1 there and JAX +1.
export function regularizer_backward(g: usize, w: usize, n: i32, l1: f32, l2: f32): void {
  const t = l2 * 2; // exact: the product with w rounds once, as (2w)·l2 does
  const vt = f32x4.splat(t), vl1 = f32x4.splat(l1), zero = f32x4.splat(0), signBit = i32x4.splat(0x80000000);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const pw = w + (<usize>i << 2), pg = g + (<usize>i << 2);
    const v = v128.load(pw);
    // l1 with w's sign, 0 where w is ±0
    const s = v128.and(v128.bitselect(v, vl1, signBit), f32x4.ne(v, zero));
    v128.store(pg, f32x4.add(v128.load(pg), f32x4.add(s, f32x4.mul(vt, v))));
  }
  for (; i < n; i++) {
    const v = load<f32>(w + (<usize>i << 2));
    const s: f32 = v > 0 ? l1 : v < 0 ? -l1 : 0;
    const p = g + (<usize>i << 2);
    store<f32>(p, load<f32>(p) + (s + t * v));
  }
}
