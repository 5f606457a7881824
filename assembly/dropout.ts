// Inverted dropout with a counter-based RNG: element i of a call with seed s keeps its value with
// probability 1 - rate, decided by hash32(s, i) alone (assembly/random.ts), so results do not depend on
// how work is split.

import { hash32, hash32x4 } from './random';

// mask[i] = keep ? 1/(1-rate) : 0; y = x ⊙ mask. The mask is what backward needs. `start` is the index
// of element 0 in the whole tensor (threads each take a range), so the draw depends on the element alone.
export function dropout_forward(y: usize, mask: usize, x: usize, n: i32, rate: f32, seed: u32, start: i32): void {
  const scale: f32 = <f32>1 / (<f32>1 - rate);
  const threshold = <u32>(<f64>rate * 4294967296.0);
  const vscale = f32x4.splat(scale), vthreshold = i32x4.splat(threshold);
  let counters = i32x4.add(i32x4.splat(start), i32x4(0, 1, 2, 3));
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const keep = i32x4.ge_u(hash32x4(seed, counters), vthreshold);
    const m = v128.and(keep, vscale);
    v128.store(mask + o, m);
    v128.store(y + o, f32x4.mul(v128.load(x + o), m));
    counters = i32x4.add(counters, i32x4.splat(4));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const m: f32 = hash32(seed, <u32>(start + i)) >= threshold ? scale : 0;
    store<f32>(mask + o, m);
    store<f32>(y + o, load<f32>(x + o) * m);
  }
}

export function dropout_backward(dx: usize, dy: usize, mask: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), v128.load(mask + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dy + o) * load<f32>(mask + o));
  }
}
