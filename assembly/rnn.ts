// Recurrent layers: embedding lookup and the per-time-step cells of SimpleRNN, LSTM and GRU, forward and
// backward (through time) side by side. The matrix products go through gemm.ts: the layer projects all
// time steps' inputs at once (X·W + b), then per step adds the recurrent product H_{t-1}·U into the
// step's pre-activations and calls the step kernel here, which applies the gates elementwise.
//
// Shape letters: B rows (samples) of the step, T time steps, U units, G gates (1, 4 or 3).
// Per-step buffers are time-major: step s holds a contiguous [B, G*U] (pre-activations) or [B, U] block.
// Masks (from an embedding with maskZero) are f32 0/1 per (sample, time step), read at mask + i*maskRs
// floats for row i; mask == 0 means "no mask". A masked step carries h (and c) through unchanged, as Keras.
// Backward kernels accumulate the running state gradient in dhRun (and dcRun): on return dhRun holds the
// part of dL/dh_{t-1} that does not go through the recurrent kernel; the layer then adds dRec·Uᵀ with gemm.

import { exp4, hard_sigmoid4, hard_sigmoid_grad4, load4, madd, sigmoid4, store4, tanh4 } from './simd';

// Whether row i is masked out at this step.
// @ts-ignore: decorator
@inline
function masked(mask: usize, maskRs: i32, i: i32): bool {
  return mask != 0 && load<f32>(mask + ((<usize>i * maskRs) << 2)) == 0;
}

// dL/dh of a step: the gradient run back from the later steps plus the step's own output gradient (dy = 0: none),
// `cnt` lanes: every cell's backward starts from it.
// @ts-ignore: decorator
@inline
function state_grad4(dhRun: usize, dy: usize, dyAt: usize, cnt: i32): v128 {
  const dh = load4(dhRun, cnt);
  return dy ? f32x4.add(dh, load4(dyAt, cnt)) : dh;
}

// dst row = src row, `units` floats.
// @ts-ignore: decorator
@inline
function copy_row(dst: usize, src: usize, units: i32): void {
  memory.copy(dst, src, <usize>units << 2);
}

// ---- embedding -----------------------------------------------------------------------------------------

// y [N, dim] = table[ids[i]] for N = samples * steps token ids held as f32 (the engine stages data as
// float32). mask (optional, [N]) = 1 where the id is non-zero. Ids that are not integers in [0, inputDim)
// give a zero row; returns how many there were, so the layer can refuse them (never reads outside table).
export function embedding_forward(y: usize, mask: usize, ids: usize, table: usize, n: i32, inputDim: i32, dim: i32): i32 {
  let bad = 0;
  const bytes = <usize>dim << 2;
  for (let i = 0; i < n; i++) {
    const v = load<f32>(ids + (<usize>i << 2));
    const yr = y + <usize>i * bytes;
    if (v >= 0 && v < <f32>inputDim && v == Mathf.floor(v)) {
      memory.copy(yr, table + <usize>(<i32>v) * bytes, bytes);
    } else {
      memory.fill(yr, 0, bytes);
      bad++;
    }
    if (mask) store<f32>(mask + (<usize>i << 2), v != 0 ? 1 : 0);
  }
  return bad;
}

// dTable[ids[i]] += dy[i] (scatter-add; repeated ids accumulate). Invalid ids are skipped.
export function embedding_backward(dTable: usize, dy: usize, ids: usize, n: i32, inputDim: i32, dim: i32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(ids + (<usize>i << 2));
    if (!(v >= 0 && v < <f32>inputDim && v == Mathf.floor(v))) continue;
    const dst = dTable + ((<usize>(<i32>v) * dim) << 2);
    const src = dy + ((<usize>i * dim) << 2);
    let j = 0;
    for (; j + 4 <= dim; j += 4) {
      const o = <usize>j << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
    for (; j < dim; j++) {
      const o = <usize>j << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
    }
  }
}

// ---- sequence bookkeeping ------------------------------------------------------------------------------

// Row-offset tables between batch-major [B, T, ·] rows and time-major processing-order [T, B, ·] rows.
// Processing step s reads input step t(s) = reverse ? T-1-s : s (goBackwards).
//   timeMajor != 0: dst[s*B + b] = (b*T + t(s)) * stride   (time-major row -> batch-major row)
//   timeMajor == 0: dst[b*T + t] = (s(t)*B + b) * stride   (batch-major row -> time-major row)
export function seq_row_offsets(dst: usize, batch: i32, steps: i32, stride: i32, reverse: i32, timeMajor: i32): void {
  for (let s = 0; s < steps; s++) {
    const t = reverse ? steps - 1 - s : s;
    for (let b = 0; b < batch; b++) {
      if (timeMajor) store<i32>(dst + (<usize>(s * batch + b) << 2), (b * steps + t) * stride);
      else store<i32>(dst + (<usize>(b * steps + t) << 2), (s * batch + b) * stride);
    }
  }
}

// dst [cols, rows] = srcᵀ for src [rows, cols] (the recurrent kernel, once per backward pass, so the
// per-step dh·Uᵀ product reads B with unit column stride).
export function transpose(dst: usize, src: usize, rows: i32, cols: i32): void {
  for (let i0 = 0; i0 < rows; i0 += 16) {
    const i1 = min(rows, i0 + 16);
    for (let j0 = 0; j0 < cols; j0 += 16) {
      const j1 = min(cols, j0 + 16);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) {
          store<f32>(dst + ((<usize>j * rows + i) << 2), load<f32>(src + ((<usize>i * cols + j) << 2)));
        }
      }
    }
  }
}

// ---- SimpleRNN: h = act(z), z = x·W + b + h_{t-1}·U -------------------------------------------------------

export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_SIGMOID: i32 = 2;
export const ACT_TANH: i32 = 3;

// @ts-ignore: decorator
@inline
function act4(z: v128, act: i32): v128 {
  if (act == ACT_TANH) return tanh4(z);
  if (act == ACT_SIGMOID) return sigmoid4(z);
  if (act == ACT_RELU) return f32x4.max(z, f32x4.splat(0));
  return z;
}

// act'(z) written in terms of the output h = act(z).
// @ts-ignore: decorator
@inline
function act_grad4(h: v128, act: i32): v128 {
  const one = f32x4.splat(1);
  if (act == ACT_TANH) return f32x4.sub(one, f32x4.mul(h, h));
  if (act == ACT_SIGMOID) return f32x4.mul(h, f32x4.sub(one, h));
  if (act == ACT_RELU) return v128.and(one, f32x4.gt(h, f32x4.splat(0)));
  return one;
}

// h [B, U] = act(z [B, U]); masked rows keep hPrev.
export function simple_rnn_step_forward(h: usize, z: usize, hPrev: usize, mask: usize, maskRs: i32,
                                        rows: i32, units: i32, act: i32): void {
  for (let i = 0; i < rows; i++) {
    const ro = (<usize>i * units) << 2;
    if (masked(mask, maskRs, i)) { copy_row(h + ro, hPrev + ro, units); continue; }
    for (let j = 0; j < units; j += 4) {
      const cnt = min(4, units - j), o = ro + (<usize>j << 2);
      store4(h + o, act4(load4(z + o, cnt), act), cnt);
    }
  }
}

// dh = dhRun + dy (dy: this step's output gradient, row stride dyRs, or 0); dz [B, U] = dh ⊙ act'(h)
// (dz may alias the step's pre-activations); dhRun = 0, or dh on masked rows (then dz = 0).
export function simple_rnn_step_backward(dz: usize, dhRun: usize, dy: usize, dyRs: i32, h: usize,
                                         mask: usize, maskRs: i32, rows: i32, units: i32, act: i32): void {
  const zero = f32x4.splat(0);
  for (let i = 0; i < rows; i++) {
    const ro = (<usize>i * units) << 2;
    const dyr = dy + ((<usize>i * dyRs) << 2);
    const skip = masked(mask, maskRs, i);
    for (let j = 0; j < units; j += 4) {
      const cnt = min(4, units - j), o = ro + (<usize>j << 2), oj = <usize>j << 2;
      const dh = state_grad4(dhRun + o, dy, dyr + oj, cnt);
      if (skip) {
        store4(dhRun + o, dh, cnt);
        store4(dz + o, zero, cnt);
      } else {
        store4(dz + o, f32x4.mul(dh, act_grad4(load4(h + o, cnt), act)), cnt);
        store4(dhRun + o, zero, cnt);
      }
    }
  }
}

// The gates' (recurrent) activation σ: the sigmoid, or (hard != 0) the hard sigmoid, tfjs' default; and its
// derivative from its output a.
// @ts-ignore: decorator
@inline
function gate4(z: v128, hard: i32): v128 { return hard ? hard_sigmoid4(z) : sigmoid4(z); }

// @ts-ignore: decorator
@inline
function gate_grad4(a: v128, hard: i32): v128 {
  return hard ? hard_sigmoid_grad4(a) : f32x4.mul(a, f32x4.sub(f32x4.splat(1), a));
}

// ---- LSTM (Keras gate order i, f, c, o; activation tanh) ---------------------------------------------------
//   i = σ(z_i), f = σ(z_f), g = tanh(z_c), o = σ(z_o); c = f ⊙ c_{t-1} + i ⊙ g; h = o ⊙ tanh(c)

// gates [B, 4U]: pre-activations in, activations (i, f, g, o) out — saved for backward. h, c [B, U].
export function lstm_step_forward(h: usize, c: usize, gates: usize, hPrev: usize, cPrev: usize,
                                  mask: usize, maskRs: i32, rows: i32, units: i32, hard: i32): void {
  if (hard) lstm_forward(h, c, gates, hPrev, cPrev, mask, maskRs, rows, units, 1);
  else lstm_forward(h, c, gates, hPrev, cPrev, mask, maskRs, rows, units, 0);
}

// lstm_step_forward's body, inlined once per gate activation (`hard` a constant in each: no choice in the loop)
// @ts-ignore: decorator
@inline
function lstm_forward(h: usize, c: usize, gates: usize, hPrev: usize, cPrev: usize,
                      mask: usize, maskRs: i32, rows: i32, units: i32, hard: i32): void {
  const ub = <usize>units << 2;
  for (let i = 0; i < rows; i++) {
    const ro = (<usize>i * units) << 2;
    if (masked(mask, maskRs, i)) {
      copy_row(h + ro, hPrev + ro, units);
      copy_row(c + ro, cPrev + ro, units);
      continue;
    }
    const g0 = gates + ((<usize>i * 4 * units) << 2);
    for (let j = 0; j < units; j += 4) {
      const cnt = min(4, units - j), oj = <usize>j << 2, o = ro + oj;
      const pi = g0 + oj, pf = pi + ub, pg = pf + ub, po = pg + ub;
      const gi = gate4(load4(pi, cnt), hard);
      const gf = gate4(load4(pf, cnt), hard);
      const gg = tanh4(load4(pg, cnt));
      const go = gate4(load4(po, cnt), hard);
      const cn = madd(gf, load4(cPrev + o, cnt), f32x4.mul(gi, gg));
      store4(pi, gi, cnt); store4(pf, gf, cnt); store4(pg, gg, cnt); store4(po, go, cnt);
      store4(c + o, cn, cnt);
      store4(h + o, f32x4.mul(go, tanh4(cn)), cnt);
    }
  }
}

// dgates [B, 4U] (may alias gates) = dL/d(pre-activations); dcRun = dc ⊙ f; dhRun = 0 (masked rows:
// dgates = 0, dhRun = dh, dcRun unchanged). c, cPrev: the step's saved cell states.
export function lstm_step_backward(dgates: usize, dhRun: usize, dcRun: usize, dy: usize, dyRs: i32,
                                   gates: usize, c: usize, cPrev: usize, mask: usize, maskRs: i32,
                                   rows: i32, units: i32, hard: i32): void {
  if (hard) lstm_backward(dgates, dhRun, dcRun, dy, dyRs, gates, c, cPrev, mask, maskRs, rows, units, 1);
  else lstm_backward(dgates, dhRun, dcRun, dy, dyRs, gates, c, cPrev, mask, maskRs, rows, units, 0);
}

// @ts-ignore: decorator
@inline
function lstm_backward(dgates: usize, dhRun: usize, dcRun: usize, dy: usize, dyRs: i32,
                       gates: usize, c: usize, cPrev: usize, mask: usize, maskRs: i32,
                       rows: i32, units: i32, hard: i32): void {
  const ub = <usize>units << 2;
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  for (let i = 0; i < rows; i++) {
    const ro = (<usize>i * units) << 2;
    const dyr = dy + ((<usize>i * dyRs) << 2);
    const goff = (<usize>i * 4 * units) << 2;
    const skip = masked(mask, maskRs, i);
    for (let j = 0; j < units; j += 4) {
      const cnt = min(4, units - j), oj = <usize>j << 2, o = ro + oj;
      const dh = state_grad4(dhRun + o, dy, dyr + oj, cnt);
      const di0 = dgates + goff + oj, df0 = di0 + ub, dg0 = df0 + ub, do0 = dg0 + ub;
      if (skip) {
        store4(dhRun + o, dh, cnt);
        store4(di0, zero, cnt); store4(df0, zero, cnt); store4(dg0, zero, cnt); store4(do0, zero, cnt);
        continue;
      }
      const pi = gates + goff + oj, pf = pi + ub, pg = pf + ub, po = pg + ub;
      const gi = load4(pi, cnt), gf = load4(pf, cnt), gg = load4(pg, cnt), go = load4(po, cnt);
      const tc = tanh4(load4(c + o, cnt));
      const dc = madd(f32x4.mul(dh, go), f32x4.sub(one, f32x4.mul(tc, tc)), load4(dcRun + o, cnt));
      const dzo = f32x4.mul(f32x4.mul(dh, tc), gate_grad4(go, hard));
      const dzi = f32x4.mul(f32x4.mul(dc, gg), gate_grad4(gi, hard));
      const dzf = f32x4.mul(f32x4.mul(dc, load4(cPrev + o, cnt)), gate_grad4(gf, hard));
      const dzg = f32x4.mul(f32x4.mul(dc, gi), f32x4.sub(one, f32x4.mul(gg, gg)));
      store4(dcRun + o, f32x4.mul(dc, gf), cnt);
      store4(dhRun + o, zero, cnt);
      store4(di0, dzi, cnt); store4(df0, dzf, cnt); store4(dg0, dzg, cnt); store4(do0, dzo, cnt);
    }
  }
}

// ---- GRU, reset_after (Keras 2+ default; gate order z, r, h; input bias and recurrent bias) ---------------
//   x-part [xz, xr, xh] = x·W + b_in; rec [rz, rr, rh] = h_{t-1}·U + b_rec
//   z = σ(xz + rz), r = σ(xr + rr), hh = tanh(xh + r ⊙ rh), h = z ⊙ h_{t-1} + (1 - z) ⊙ hh

// gates [B, 3U]: x-part in, (z, r, hh) out; rec [B, 3U] is read only (rh is needed again by backward).
export function gru_step_forward(h: usize, gates: usize, rec: usize, hPrev: usize, mask: usize, maskRs: i32,
                                 rows: i32, units: i32, hard: i32): void {
  if (hard) gru_forward(h, gates, rec, hPrev, mask, maskRs, rows, units, 1);
  else gru_forward(h, gates, rec, hPrev, mask, maskRs, rows, units, 0);
}

// @ts-ignore: decorator
@inline
function gru_forward(h: usize, gates: usize, rec: usize, hPrev: usize, mask: usize, maskRs: i32,
                     rows: i32, units: i32, hard: i32): void {
  const ub = <usize>units << 2;
  for (let i = 0; i < rows; i++) {
    const ro = (<usize>i * units) << 2;
    if (masked(mask, maskRs, i)) { copy_row(h + ro, hPrev + ro, units); continue; }
    const goff = (<usize>i * 3 * units) << 2;
    for (let j = 0; j < units; j += 4) {
      const cnt = min(4, units - j), oj = <usize>j << 2, o = ro + oj;
      const pz = gates + goff + oj, pr = pz + ub, ph = pr + ub;
      const qz = rec + goff + oj, qr = qz + ub, qh = qr + ub;
      const z = gate4(f32x4.add(load4(pz, cnt), load4(qz, cnt)), hard);
      const r = gate4(f32x4.add(load4(pr, cnt), load4(qr, cnt)), hard);
      const hh = tanh4(madd(r, load4(qh, cnt), load4(ph, cnt)));
      const hp = load4(hPrev + o, cnt);
      store4(h + o, f32x4.add(hh, f32x4.mul(z, f32x4.sub(hp, hh))), cnt);
      store4(pz, z, cnt); store4(pr, r, cnt); store4(ph, hh, cnt);
    }
  }
}

// dgx [B, 3U] (may alias gates) = dL/d(x-part) = [dz, dr, dh̃]; dgr [B, 3U] (may alias rec) = dL/d(rec) =
// [dz, dr, dh̃ ⊙ r] (pre-activation gradients); dhRun = dh ⊙ z (masked rows: dhRun = dh, dgx = dgr = 0).
export function gru_step_backward(dgx: usize, dgr: usize, dhRun: usize, dy: usize, dyRs: i32,
                                  gates: usize, rec: usize, hPrev: usize, mask: usize, maskRs: i32,
                                  rows: i32, units: i32, hard: i32): void {
  if (hard) gru_backward(dgx, dgr, dhRun, dy, dyRs, gates, rec, hPrev, mask, maskRs, rows, units, 1);
  else gru_backward(dgx, dgr, dhRun, dy, dyRs, gates, rec, hPrev, mask, maskRs, rows, units, 0);
}

// @ts-ignore: decorator
@inline
function gru_backward(dgx: usize, dgr: usize, dhRun: usize, dy: usize, dyRs: i32,
                      gates: usize, rec: usize, hPrev: usize, mask: usize, maskRs: i32,
                      rows: i32, units: i32, hard: i32): void {
  const ub = <usize>units << 2;
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  for (let i = 0; i < rows; i++) {
    const ro = (<usize>i * units) << 2;
    const dyr = dy + ((<usize>i * dyRs) << 2);
    const goff = (<usize>i * 3 * units) << 2;
    const skip = masked(mask, maskRs, i);
    for (let j = 0; j < units; j += 4) {
      const cnt = min(4, units - j), oj = <usize>j << 2, o = ro + oj;
      const dh = state_grad4(dhRun + o, dy, dyr + oj, cnt);
      const ax = dgx + goff + oj, ar = dgr + goff + oj;
      if (skip) {
        store4(dhRun + o, dh, cnt);
        store4(ax, zero, cnt); store4(ax + ub, zero, cnt); store4(ax + 2 * ub, zero, cnt);
        store4(ar, zero, cnt); store4(ar + ub, zero, cnt); store4(ar + 2 * ub, zero, cnt);
        continue;
      }
      const pz = gates + goff + oj;
      const z = load4(pz, cnt), r = load4(pz + ub, cnt), hh = load4(pz + 2 * ub, cnt);
      const rh = load4(rec + goff + oj + 2 * ub, cnt);
      const hp = load4(hPrev + o, cnt);
      const dah = f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(hh, hh)));
      const daz = f32x4.mul(f32x4.mul(dh, f32x4.sub(hp, hh)), gate_grad4(z, hard));
      const dar = f32x4.mul(f32x4.mul(dah, rh), gate_grad4(r, hard));
      store4(dhRun + o, f32x4.mul(dh, z), cnt);
      store4(ax, daz, cnt); store4(ax + ub, dar, cnt); store4(ax + 2 * ub, dah, cnt);
      store4(ar, daz, cnt); store4(ar + ub, dar, cnt); store4(ar + 2 * ub, f32x4.mul(dah, r), cnt);
    }
  }
}

// ---- GRU without reset_after (Keras 1's, tf.keras' reset_after=False, tfjs' only GRU; gate order z, r, h; one bias) ----
//   x-part [xz, xr, xh] = x·W + b; z = σ(xz + h_{t-1}·U_z), r = σ(xr + h_{t-1}·U_r),
//   hh = tanh(xh + (r ⊙ h_{t-1})·U_h), h = z ⊙ h_{t-1} + (1 - z) ⊙ hh
// The layer runs two products per step (h_{t-1}·U_zr, then (r ⊙ h_{t-1})·U_h) around these kernels.

// gates [B, 3U]: x-part in, z and r out in its first two thirds; rec [B, 3U]: h_{t-1}·U_z, h_{t-1}·U_r in its first two;
// rh [B, U] = r ⊙ h_{t-1} (the candidate's product reads it; backward reads it again for dU_h).
export function gru1_step_gates(gates: usize, rec: usize, rh: usize, hPrev: usize, rows: i32, units: i32, hard: i32): void {
  const ub = <usize>units << 2;
  for (let i = 0; i < rows; i++) {
    const ro = (<usize>i * units) << 2;
    const goff = (<usize>i * 3 * units) << 2;
    for (let j = 0; j < units; j += 4) {
      const cnt = min(4, units - j), oj = <usize>j << 2;
      const pz = gates + goff + oj, pr = pz + ub;
      const qz = rec + goff + oj, qr = qz + ub;
      const z = gate4(f32x4.add(load4(pz, cnt), load4(qz, cnt)), hard);
      const r = gate4(f32x4.add(load4(pr, cnt), load4(qr, cnt)), hard);
      store4(pz, z, cnt); store4(pr, r, cnt);
      store4(rh + ro + oj, f32x4.mul(r, load4(hPrev + ro + oj, cnt)), cnt);
    }
  }
}

// rec's last third holds (r ⊙ h_{t-1})·U_h: hh = tanh(xh + that) (kept in gates' last third), h (masked rows: h_{t-1}).
export function gru1_step_forward(h: usize, gates: usize, rec: usize, hPrev: usize, mask: usize, maskRs: i32,
                                  rows: i32, units: i32): void {
  const ub = <usize>units << 2;
  for (let i = 0; i < rows; i++) {
    const ro = (<usize>i * units) << 2;
    if (masked(mask, maskRs, i)) { copy_row(h + ro, hPrev + ro, units); continue; }
    const goff = (<usize>i * 3 * units) << 2;
    for (let j = 0; j < units; j += 4) {
      const cnt = min(4, units - j), oj = <usize>j << 2, o = ro + oj;
      const pz = gates + goff + oj, ph = pz + 2 * ub;
      const hh = tanh4(f32x4.add(load4(ph, cnt), load4(rec + goff + oj + 2 * ub, cnt)));
      const hp = load4(hPrev + o, cnt);
      store4(h + o, f32x4.add(hh, f32x4.mul(load4(pz, cnt), f32x4.sub(hp, hh))), cnt);
      store4(ph, hh, cnt);
    }
  }
}

// Backward, first half: dh = dhRun + dy; dgx [B, 3U] (aliases gates) gets daz and dah in its first and last thirds,
// dgr [B, 3U] (aliases rec: its first two thirds are dL/d(h_{t-1}·U_zr), which the layer multiplies by U_zrᵀ and adds
// into dh_{t-1}) daz in its first; dhRun = dh ⊙ z. Masked rows: dhRun = dh, those thirds 0.
export function gru1_step_backward_candidate(dgx: usize, dgr: usize, dhRun: usize, dy: usize, dyRs: i32,
                                             gates: usize, hPrev: usize, mask: usize, maskRs: i32,
                                             rows: i32, units: i32, hard: i32): void {
  const ub = <usize>units << 2;
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  for (let i = 0; i < rows; i++) {
    const ro = (<usize>i * units) << 2;
    const dyr = dy + ((<usize>i * dyRs) << 2);
    const goff = (<usize>i * 3 * units) << 2;
    const skip = masked(mask, maskRs, i);
    for (let j = 0; j < units; j += 4) {
      const cnt = min(4, units - j), oj = <usize>j << 2, o = ro + oj;
      const dh = state_grad4(dhRun + o, dy, dyr + oj, cnt);
      const ax = dgx + goff + oj, ar = dgr + goff + oj;
      if (skip) {
        store4(dhRun + o, dh, cnt);
        store4(ax, zero, cnt); store4(ax + 2 * ub, zero, cnt);
        store4(ar, zero, cnt);
        continue;
      }
      const pz = gates + goff + oj;
      const z = load4(pz, cnt), hh = load4(pz + 2 * ub, cnt);
      const hp = load4(hPrev + o, cnt);
      const dah = f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(hh, hh)));
      const daz = f32x4.mul(f32x4.mul(dh, f32x4.sub(hp, hh)), gate_grad4(z, hard));
      store4(dhRun + o, f32x4.mul(dh, z), cnt);
      store4(ax, daz, cnt); store4(ax + 2 * ub, dah, cnt);
      store4(ar, daz, cnt);
    }
  }
}

// Backward, second half, once the layer has drh [B, U] = dah·U_hᵀ = dL/d(r ⊙ h_{t-1}): dar = drh ⊙ h_{t-1} ⊙ σ'(r)
// into the middle thirds of dgx and dgr; dhRun += drh ⊙ r. Masked rows: those thirds 0, dhRun unchanged.
export function gru1_step_backward_reset(dgx: usize, dgr: usize, dhRun: usize, drh: usize, gates: usize, hPrev: usize,
                                         mask: usize, maskRs: i32, rows: i32, units: i32, hard: i32): void {
  const ub = <usize>units << 2;
  const zero = f32x4.splat(0);
  for (let i = 0; i < rows; i++) {
    const ro = (<usize>i * units) << 2;
    const goff = (<usize>i * 3 * units) << 2;
    const skip = masked(mask, maskRs, i);
    for (let j = 0; j < units; j += 4) {
      const cnt = min(4, units - j), oj = <usize>j << 2, o = ro + oj;
      const ax = dgx + goff + oj + ub, ar = dgr + goff + oj + ub;
      if (skip) { store4(ax, zero, cnt); store4(ar, zero, cnt); continue; }
      const r = load4(gates + goff + oj + ub, cnt);
      const d = load4(drh + o, cnt);
      const dar = f32x4.mul(f32x4.mul(d, load4(hPrev + o, cnt)), gate_grad4(r, hard));
      store4(ax, dar, cnt); store4(ar, dar, cnt);
      store4(dhRun + o, madd(d, r, load4(dhRun + o, cnt)), cnt);
    }
  }
}
