// Weight constraints (Keras' MaxNorm, UnitNorm, MinMaxNorm, NonNeg): projections the engine applies to a weight
// after each optimizer update. No gradient: Keras projects, it does not differentiate through them.

const EPS: f32 = 1e-7; // Keras' backend.epsilon()

// The norm constraints on w [outer, red, inner] (the weight with its constrained axes merged into `red`): each of
// the outer·inner slices along red is scaled by desired / (ε + n), n its Euclidean norm (summed along red in
// order, in f32) and desired = rate · clip(n, lo, hi) + (1 − rate) · n (MaxNorm: lo 0, rate 1; MinMaxNorm); with
// `unit`, divided by ε + n instead (UnitNorm, as Keras writes it). Four slices at a time where inner allows.
export function constrain_norm(w: usize, outer: i32, red: i32, inner: i32, lo: f32, hi: f32, rate: f32, unit: i32): void {
  const keep: f32 = 1 - rate;
  const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi), vrate = f32x4.splat(rate), vkeep = f32x4.splat(keep), veps = f32x4.splat(EPS);
  const stride = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const base = w + ((<usize>o * red * inner) << 2);
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      const col = base + (<usize>i << 2);
      let acc = f32x4.splat(0);
      for (let r = 0; r < red; r++) {
        const v = v128.load(col + <usize>r * stride);
        acc = f32x4.add(acc, f32x4.mul(v, v));
      }
      const n = f32x4.sqrt(acc), den = f32x4.add(veps, n);
      if (unit) {
        for (let r = 0; r < red; r++) { const p = col + <usize>r * stride; v128.store(p, f32x4.div(v128.load(p), den)); }
      } else {
        const desired = f32x4.add(f32x4.mul(vrate, f32x4.min(f32x4.max(n, vlo), vhi)), f32x4.mul(vkeep, n));
        const s = f32x4.div(desired, den);
        for (let r = 0; r < red; r++) { const p = col + <usize>r * stride; v128.store(p, f32x4.mul(v128.load(p), s)); }
      }
    }
    for (; i < inner; i++) {
      const col = base + (<usize>i << 2);
      let acc: f32 = 0;
      for (let r = 0; r < red; r++) { const v = load<f32>(col + <usize>r * stride); acc += v * v; }
      const n = Mathf.sqrt(acc), den = EPS + n;
      if (unit) {
        for (let r = 0; r < red; r++) { const p = col + <usize>r * stride; store<f32>(p, load<f32>(p) / den); }
      } else {
        const desired = rate * min(max(n, lo), hi) + keep * n;
        const s = desired / den;
        for (let r = 0; r < red; r++) { const p = col + <usize>r * stride; store<f32>(p, load<f32>(p) * s); }
      }
    }
  }
}

// NonNeg: w[i] ·= (w[i] ≥ 0 ? 1 : 0) for i < n, as Keras writes it (a negative value becomes -0).
export function constrain_nonneg(w: usize, n: i32): void {
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = w + (<usize>i << 2), v = v128.load(p);
    v128.store(p, f32x4.mul(v, v128.and(one, f32x4.ge(v, zero))));
  }
  for (; i < n; i++) {
    const p = w + (<usize>i << 2), v = load<f32>(p);
    store<f32>(p, v * (v >= 0 ? <f32>1 : <f32>0));
  }
}
