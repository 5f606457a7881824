// Peak probe: the f32x4 multiply-add throughput this host reaches in Wasm (bench/ only). Twelve
// independent accumulator chains hide the latency of mul + add (or of the relaxed fused madd).
import { madd } from './simd';

// Runs `iters` rounds of 12 f32x4 multiply-adds; returns a value so the work is not optimised away.
// FLOPs performed: iters * 12 * 4 * 2.
export function peak_probe(iters: i32, seed: f32): f32 {
  const a = f32x4.splat(0.999), b = f32x4.splat(seed);
  let v0 = f32x4.splat(0.1), v1 = f32x4.splat(0.2), v2 = f32x4.splat(0.3), v3 = f32x4.splat(0.4);
  let v4 = f32x4.splat(0.5), v5 = f32x4.splat(0.6), v6 = f32x4.splat(0.7), v7 = f32x4.splat(0.8);
  let v8 = f32x4.splat(0.9), v9 = f32x4.splat(1.0), v10 = f32x4.splat(1.1), v11 = f32x4.splat(1.2);
  for (let i = 0; i < iters; i++) {
    v0 = madd(v0, a, b); v1 = madd(v1, a, b); v2 = madd(v2, a, b); v3 = madd(v3, a, b);
    v4 = madd(v4, a, b); v5 = madd(v5, a, b); v6 = madd(v6, a, b); v7 = madd(v7, a, b);
    v8 = madd(v8, a, b); v9 = madd(v9, a, b); v10 = madd(v10, a, b); v11 = madd(v11, a, b);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(v0, v1), f32x4.add(v2, v3)), f32x4.add(f32x4.add(v4, v5), f32x4.add(v6, v7)));
  const t = f32x4.add(s, f32x4.add(f32x4.add(v8, v9), f32x4.add(v10, v11)));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 3);
}

// The same multiply-adds in a GEMM's accumulate form, acc = a·b + acc with a·b independent of acc: 12
// accumulators, each a loaded from its own slot of buf (two banks of 12 vectors, alternating, so no load is
// loop-invariant and no product can be shared), as a GEMM streams its A values. With separate mul and add only
// the add is on the chain, so this reaches the plain build's ceiling where the chained probe above is
// latency-bound (AMD Zen 5). buf: 96 floats of scratch. FLOPs performed: iters * 12 * 4 * 2.
export function peak_probe_acc(iters: i32, seed: f32, buf: usize): f32 {
  for (let j = 0; j < 96; j++) store<f32>(buf + (<usize>j << 2), seed + <f32>j * 0.01);
  const b = f32x4.splat(0.999);
  let v0 = f32x4.splat(0.1), v1 = f32x4.splat(0.2), v2 = f32x4.splat(0.3), v3 = f32x4.splat(0.4);
  let v4 = f32x4.splat(0.5), v5 = f32x4.splat(0.6), v6 = f32x4.splat(0.7), v7 = f32x4.splat(0.8);
  let v8 = f32x4.splat(0.9), v9 = f32x4.splat(1.0), v10 = f32x4.splat(1.1), v11 = f32x4.splat(1.2);
  for (let i = 0; i < iters; i++) {
    const q = buf + (<usize>(i & 1) * 192);
    v0 = madd(v128.load(q), b, v0); v1 = madd(v128.load(q, 16), b, v1); v2 = madd(v128.load(q, 32), b, v2);
    v3 = madd(v128.load(q, 48), b, v3); v4 = madd(v128.load(q, 64), b, v4); v5 = madd(v128.load(q, 80), b, v5);
    v6 = madd(v128.load(q, 96), b, v6); v7 = madd(v128.load(q, 112), b, v7); v8 = madd(v128.load(q, 128), b, v8);
    v9 = madd(v128.load(q, 144), b, v9); v10 = madd(v128.load(q, 160), b, v10); v11 = madd(v128.load(q, 176), b, v11);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(v0, v1), f32x4.add(v2, v3)), f32x4.add(f32x4.add(v4, v5), f32x4.add(v6, v7)));
  const t = f32x4.add(s, f32x4.add(f32x4.add(v8, v9), f32x4.add(v10, v11)));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 3);
}
