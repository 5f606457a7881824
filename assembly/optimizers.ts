// Optimizer updates: one flat loop over a contiguous range of parameters p with gradients g and state
// slots laid out like p. Policy (learning-rate schedules, decay, bias correction) is computed by the
// caller and passed in as scalars.

// SGD, Keras formulation: v = momentum*v - lr*g; p += v (or, Nesterov, p += momentum*v - lr*g).
// With momentum 0 the velocity slot is unused (v may be 0).
export function sgd_update(p: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, nesterov: bool): void {
  const vlr = f32x4.splat(lr), vm = f32x4.splat(momentum);
  let i = 0;
  if (momentum == 0) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.mul(vlr, v128.load(g + o))));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(p + o, load<f32>(p + o) - lr * load<f32>(g + o));
    }
    return;
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const step = f32x4.mul(vlr, v128.load(g + o));
    const vel = f32x4.sub(f32x4.mul(vm, v128.load(v + o)), step);
    v128.store(v + o, vel);
    const delta = nesterov ? f32x4.sub(f32x4.mul(vm, vel), step) : vel;
    v128.store(p + o, f32x4.add(v128.load(p + o), delta));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const step = lr * load<f32>(g + o);
    const vel = momentum * load<f32>(v + o) - step;
    store<f32>(v + o, vel);
    store<f32>(p + o, load<f32>(p + o) + (nesterov ? momentum * vel - step : vel));
  }
}

// Adam (TensorFlow.js form): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²;
// p -= lr m̂ / (sqrt(v̂) + eps) with m̂ = m / (1 - b1^t), v̂ = v / (1 - b2^t). The caller passes
// lrT = lr / (1 - b1^t) and vScale = 1 / sqrt(1 - b2^t). (Keras puts eps outside the bias correction,
// "epsilon hat"; the two agree unless |g| is near eps.)
export function adam_update(p: usize, g: usize, m: usize, v: usize, n: i32,
                            lrT: f32, beta1: f32, beta2: f32, eps: f32, vScale: f32): void {
  const vb1 = f32x4.splat(beta1), vb1c = f32x4.splat(1 - beta1);
  const vb2 = f32x4.splat(beta2), vb2c = f32x4.splat(1 - beta2);
  const vlr = f32x4.splat(lrT), veps = f32x4.splat(eps), vsc = f32x4.splat(vScale);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vb1c, gi));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vb2c, f32x4.mul(gi, gi)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const upd = f32x4.div(f32x4.mul(vlr, mi), f32x4.add(f32x4.mul(f32x4.sqrt(vi), vsc), veps));
    v128.store(p + o, f32x4.sub(v128.load(p + o), upd));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = beta1 * load<f32>(m + o) + (1 - beta1) * gi;
    const vi = beta2 * load<f32>(v + o) + (1 - beta2) * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, load<f32>(p + o) - lrT * mi / (Mathf.sqrt(vi) * vScale + eps));
  }
}

// Adagrad (TensorFlow.js form): a += g²; p -= lr g / sqrt(a + eps).
export function adagrad_update(p: usize, g: usize, a: usize, n: i32, lr: f32, eps: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const ai = load<f32>(a + o) + gi * gi;
    store<f32>(a + o, ai);
    store<f32>(p + o, load<f32>(p + o) - lr * gi / Mathf.sqrt(ai + eps));
  }
}

// RMSprop (TensorFlow.js form, not centred): a = rho a + (1-rho) g²;
// momentum 0: p -= lr g / sqrt(a + eps); else mom = momentum*mom + lr g / sqrt(a + eps); p -= mom.
export function rmsprop_update(p: usize, g: usize, a: usize, mom: usize, n: i32,
                               lr: f32, rho: f32, momentum: f32, eps: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const ai = rho * load<f32>(a + o) + (1 - rho) * gi * gi;
    store<f32>(a + o, ai);
    const step = lr * gi / Mathf.sqrt(ai + eps);
    if (momentum != 0) {
      const mi = momentum * load<f32>(mom + o) + step;
      store<f32>(mom + o, mi);
      store<f32>(p + o, load<f32>(p + o) - mi);
    } else {
      store<f32>(p + o, load<f32>(p + o) - step);
    }
  }
}

// Adamax (Keras' and tfjs'): m = b1 m + (1-b1) g; u = max(b2 u, |g|); p -= lrT · m / (u + eps), the caller passing
// lrT = lr / (1 - b1^t).
export function adamax_update(p: usize, g: usize, m: usize, u: usize, n: i32, lrT: f32, beta1: f32, beta2: f32, eps: f32): void {
  const vb1 = f32x4.splat(beta1), vb1c = f32x4.splat(1 - beta1), vb2 = f32x4.splat(beta2), vlr = f32x4.splat(lrT), veps = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vb1c, gi));
    const ui = f32x4.max(f32x4.mul(vb2, v128.load(u + o)), f32x4.abs(gi));
    v128.store(m + o, mi);
    v128.store(u + o, ui);
    v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.mul(vlr, f32x4.div(mi, f32x4.add(ui, veps)))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = beta1 * load<f32>(m + o) + (1 - beta1) * gi;
    const ui = max(beta2 * load<f32>(u + o), Mathf.abs(gi));
    store<f32>(m + o, mi);
    store<f32>(u + o, ui);
    store<f32>(p + o, load<f32>(p + o) - lrT * (mi / (ui + eps)));
  }
}

// Adadelta (Keras'): a = rho a + (1-rho) g²; d = sqrt(s + eps) / sqrt(a + eps) · g, with the new a;
// s = rho s + (1-rho) d²; p -= lr d. (tfjs 4.22 divides by the previous step's a.)
export function adadelta_update(p: usize, g: usize, a: usize, s: usize, n: i32, lr: f32, rho: f32, eps: f32): void {
  const vr = f32x4.splat(rho), vrc = f32x4.splat(1 - rho), veps = f32x4.splat(eps), vlr = f32x4.splat(lr);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const ai = f32x4.add(f32x4.mul(vr, v128.load(a + o)), f32x4.mul(vrc, f32x4.mul(gi, gi)));
    const si = v128.load(s + o);
    const d = f32x4.mul(f32x4.div(f32x4.sqrt(f32x4.add(si, veps)), f32x4.sqrt(f32x4.add(ai, veps))), gi);
    v128.store(a + o, ai);
    v128.store(s + o, f32x4.add(f32x4.mul(vr, si), f32x4.mul(vrc, f32x4.mul(d, d))));
    v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.mul(vlr, d)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const ai = rho * load<f32>(a + o) + (1 - rho) * gi * gi;
    const si = load<f32>(s + o);
    const d = Mathf.sqrt(si + eps) / Mathf.sqrt(ai + eps) * gi;
    store<f32>(a + o, ai);
    store<f32>(s + o, rho * si + (1 - rho) * d * d);
    store<f32>(p + o, load<f32>(p + o) - lr * d);
  }
}

// Nadam (Keras'): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²; p -= lr (cm m + cg g) / (sqrt(v · vScale) + eps), the
// caller passing Keras' momentum-schedule factors cm = u(t+1) / (1 - Πu(..t+1)), cg = (1 - u(t)) / (1 - Πu(..t)) and
// vScale = 1 / (1 - b2^t).
export function nadam_update(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32, eps: f32,
                             cm: f32, cg: f32, vScale: f32): void {
  const vb1 = f32x4.splat(beta1), vb1c = f32x4.splat(1 - beta1), vb2 = f32x4.splat(beta2), vb2c = f32x4.splat(1 - beta2);
  const vlr = f32x4.splat(lr), veps = f32x4.splat(eps), vcm = f32x4.splat(cm), vcg = f32x4.splat(cg), vsc = f32x4.splat(vScale);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vb1c, gi));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vb2c, f32x4.mul(gi, gi)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const mHat = f32x4.add(f32x4.mul(vcm, mi), f32x4.mul(vcg, gi));
    const upd = f32x4.div(f32x4.mul(mHat, vlr), f32x4.add(f32x4.sqrt(f32x4.mul(vi, vsc)), veps));
    v128.store(p + o, f32x4.sub(v128.load(p + o), upd));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = beta1 * load<f32>(m + o) + (1 - beta1) * gi;
    const vi = beta2 * load<f32>(v + o) + (1 - beta2) * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, load<f32>(p + o) - (cm * mi + cg * gi) * lr / (Mathf.sqrt(vi * vScale) + eps));
  }
}

// ---- what Keras 3 does to the gradients and weights before any optimizer's update -----------------------

// g[i] = clip(g[i], -v, v) for i < n (Keras' clipvalue).
export function clip_values(g: usize, n: i32, v: f32): void {
  const hi = f32x4.splat(v), lo = f32x4.splat(-v);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = g + (<usize>i << 2);
    v128.store(p, f32x4.min(f32x4.max(v128.load(p), lo), hi));
  }
  for (; i < n; i++) {
    const p = g + (<usize>i << 2);
    store<f32>(p, min(max(load<f32>(p), -v), v));
  }
}

// x[i] *= s for i < n (a gradient scaled to its clipped norm: Keras' clipnorm, global_clipnorm).
export function scale_floats(x: usize, n: i32, s: f32): void {
  const vs = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = x + (<usize>i << 2);
    v128.store(p, f32x4.mul(v128.load(p), vs));
  }
  for (; i < n; i++) {
    const p = x + (<usize>i << 2);
    store<f32>(p, load<f32>(p) * s);
  }
}

// p[i] -= p[i] · wd · lr for i < n, in that order (Keras 3's decoupled weight decay, before the update).
export function decay_weights(p: usize, n: i32, wd: f32, lr: f32): void {
  const vwd = f32x4.splat(wd), vlr = f32x4.splat(lr);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = p + (<usize>i << 2), v = v128.load(q);
    v128.store(q, f32x4.sub(v, f32x4.mul(f32x4.mul(v, vwd), vlr)));
  }
  for (; i < n; i++) {
    const q = p + (<usize>i << 2), v = load<f32>(q);
    store<f32>(q, v - v * wd * lr);
  }
}
