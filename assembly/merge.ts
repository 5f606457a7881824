// Bidirectional's merge (Keras' merge_mode) of its forward and backward layers' outputs, forward and backward side
// by side. yf, yb [B·T, U] are the two layers' outputs (T = 1 without returnSequences); out [B·T, W] with W = 2U for
// concat, U otherwise. The backward layer's steps are in its processing order: with rev != 0, output step s of a
// sample takes the backward layer's step T-1-s (Keras reverses that sequence back). mask (f32 [B·T], or 0 for none):
// a padded step's output is 0 and passes no gradient back, as Keras' wrapper makes its two layers output zeros there
// (zero_output_for_mask) — output step s is input step T-1-s when the forward layer itself goes backwards (maskRev:
// its output stays in its processing order, and the backward one's is flipped to match). Each call does rows r0 .. r0+count of the B·T rows (a range per thread: every value is
// computed the same way however they are split).

export const MERGE_CONCAT: i32 = 0;
export const MERGE_SUM: i32 = 1;
export const MERGE_MUL: i32 = 2;
export const MERGE_AVE: i32 = 3;

// The backward layer's row for output row r (sample r / t, step r % t).
@inline function backRow(r: i32, t: i32, rev: i32): i32 {
  if (!rev) return r;
  const s = r % t;
  return r - s + (t - 1 - s);
}

// Output row r is a padded step (mask given and 0 at its input step).
@inline function padded(mask: usize, r: i32, t: i32, maskRev: i32): bool {
  return mask != 0 && load<f32>(mask + (<usize>backRow(r, t, maskRev) << 2)) == 0;
}

// out[r] = merge(yf[r], yb[backRow(r)]): concat [yf | yb], sum yf + yb, mul yf · yb, ave (yf + yb) · 0.5.
export function bidirectional_merge_forward(out: usize, yf: usize, yb: usize, mask: usize, maskRev: i32, r0: i32, count: i32,
  t: i32, u: i32, mode: i32, rev: i32): void {
  const bytes = <usize>u << 2;
  const width = mode == MERGE_CONCAT ? bytes << 1 : bytes;
  const half = f32x4.splat(0.5);
  for (let r = r0; r < r0 + count; r++) {
    if (padded(mask, r, t, maskRev)) {
      memory.fill(out + <usize>r * width, 0, width);
      continue;
    }
    const f = yf + <usize>r * bytes, b = yb + <usize>backRow(r, t, rev) * bytes;
    if (mode == MERGE_CONCAT) {
      const o = out + <usize>r * 2 * bytes;
      memory.copy(o, f, bytes);
      memory.copy(o + bytes, b, bytes);
      continue;
    }
    const o = out + <usize>r * bytes;
    let j = 0;
    for (; j + 4 <= u; j += 4) {
      const off = <usize>j << 2;
      const x = v128.load(f + off), y = v128.load(b + off);
      const v = mode == MERGE_MUL ? f32x4.mul(x, y) : mode == MERGE_AVE ? f32x4.mul(f32x4.add(x, y), half) : f32x4.add(x, y);
      v128.store(o + off, v);
    }
    for (; j < u; j++) {
      const off = <usize>j << 2;
      const x = load<f32>(f + off), y = load<f32>(b + off);
      store<f32>(o + off, mode == MERGE_MUL ? x * y : mode == MERGE_AVE ? (x + y) * 0.5 : x + y);
    }
  }
}

// The gradients of the two outputs from the merged one's, dout [B·T, W]: concat splits it, sum copies it to both,
// ave halves it, mul scales it by the other output (dyf = dout · yb, dyb = dout · yf). dyb is in the backward layer's
// row order, as its output was.
export function bidirectional_merge_backward(dyf: usize, dyb: usize, dout: usize, yf: usize, yb: usize, mask: usize, maskRev: i32,
  r0: i32, count: i32, t: i32, u: i32, mode: i32, rev: i32): void {
  const bytes = <usize>u << 2;
  const half = f32x4.splat(0.5);
  for (let r = r0; r < r0 + count; r++) {
    const rb = <usize>backRow(r, t, rev) * bytes;
    const df = dyf + <usize>r * bytes, db = dyb + rb;
    if (padded(mask, r, t, maskRev)) {
      memory.fill(df, 0, bytes);
      memory.fill(db, 0, bytes);
      continue;
    }
    if (mode == MERGE_CONCAT) {
      const d = dout + <usize>r * 2 * bytes;
      memory.copy(df, d, bytes);
      memory.copy(db, d + bytes, bytes);
      continue;
    }
    const d = dout + <usize>r * bytes;
    if (mode == MERGE_SUM) {
      memory.copy(df, d, bytes);
      memory.copy(db, d, bytes);
      continue;
    }
    const f = yf + <usize>r * bytes, b = yb + rb;
    let j = 0;
    for (; j + 4 <= u; j += 4) {
      const off = <usize>j << 2;
      const g = v128.load(d + off);
      if (mode == MERGE_MUL) {
        v128.store(df + off, f32x4.mul(g, v128.load(b + off)));
        v128.store(db + off, f32x4.mul(g, v128.load(f + off)));
      } else {
        const h = f32x4.mul(g, half);
        v128.store(df + off, h);
        v128.store(db + off, h);
      }
    }
    for (; j < u; j++) {
      const off = <usize>j << 2;
      const g = load<f32>(d + off);
      if (mode == MERGE_MUL) {
        store<f32>(df + off, g * load<f32>(b + off));
        store<f32>(db + off, g * load<f32>(f + off));
      } else {
        store<f32>(df + off, g * 0.5);
        store<f32>(db + off, g * 0.5);
      }
    }
  }
}

// dst[i] += src[i] for i < n: the input gradient of a layer read by two (Bidirectional's forward and backward layers).
export function add_floats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    v128.store(dst + off, f32x4.add(v128.load(dst + off), v128.load(src + off)));
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(dst + off, load<f32>(dst + off) + load<f32>(src + off));
  }
}
