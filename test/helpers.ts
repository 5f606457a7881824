// Test harness: runs one layer's forward and backward on given data, with its weights in the arena,
// so tests can compare against finite differences and TensorFlow.js.
import { initRuntime, type Runtime } from '../src/runtime/wasm.js';
import type { Layer } from '../src/layers/layer.js';

export const rt: Runtime = await initRuntime();

/** Deterministic values in [lo, hi). */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = lo + ((s >>> 0) / 4294967296) * (hi - lo);
  }
  return out;
}

/**
 * randomArray with the seed mixed first (murmur3's finaliser): from small or consecutive seeds a bare
 * xorshift gives first values near `lo` and nearly equal across seeds (p[0] == y[0] in a loss test).
 */
export function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35) >>> 0; h ^= h >>> 16;
  return randomArray(n, h >>> 0 || 1, lo, hi);
}

export interface LayerRun {
  y: Float32Array;
  dx: Float32Array | null;
  /** weight gradients in the layer's param order */
  dw: Float32Array[];
}

/**
 * A built, allocated layer with its weights in the arena. `weights` (optional) sets them, in the
 * layer's param order (kernel, bias).
 */
export class LayerHarness {
  private paramOffs: number[] = [];
  private input = 0;
  private dyBuf = 0;

  constructor(readonly layer: Layer, inputShape: number[], readonly batch: number, weights?: Float32Array[]) {
    if (!layer.name) layer.name = layer.className.toLowerCase();
    layer.build(inputShape);
    layer.params.forEach((p, i) => {
      p.offset = rt.arena.allocZeroed(p.size * 4, 'test param');
      p.gradOffset = rt.arena.allocZeroed(p.size * 4, 'test grad');
      this.paramOffs.push(p.offset, p.gradOffset);
      const w = weights?.[i] ?? randomArray(p.size, 1000 + i, -0.5, 0.5);
      rt.f32(p.offset, p.size).set(w);
    });
    layer.allocate(rt, batch, true);
    this.input = rt.arena.alloc(this.inSize * 4, 'test input');
    this.dyBuf = rt.arena.alloc(this.outSize * 4, 'test dy');
  }

  get inSize(): number { return this.batch * this.layer.inputShape.reduce((a, b) => a * b, 1); }
  get outSize(): number { return this.batch * this.layer.outputShape.reduce((a, b) => a * b, 1); }

  weights(): Float32Array[] { return this.layer.params.map((p) => rt.f32(p.offset, p.size).slice()); }
  setWeight(i: number, w: Float32Array): void { const p = this.layer.params[i]; rt.f32(p.offset, p.size).set(w); }

  forward(x: Float32Array, training = false, seed = 1): Float32Array {
    rt.f32(this.input, this.inSize).set(x);
    const y = this.layer.forward(this.input, this.batch, training, seed);
    return rt.f32(y, this.outSize).slice();
  }

  /** Forward then backward with the given upstream gradient dy. */
  run(x: Float32Array, dy: Float32Array, training = true, seed = 1): LayerRun {
    const y = this.forward(x, training, seed);
    for (const p of this.layer.params) rt.f32(p.gradOffset, p.size).fill(0);
    rt.f32(this.dyBuf, this.outSize).set(dy);
    const dxp = this.layer.backward(this.dyBuf, this.batch, true, false);
    return {
      y,
      dx: dxp ? rt.f32(dxp, this.inSize).slice() : null,
      dw: this.layer.params.map((p) => rt.f32(p.gradOffset, p.size).slice()),
    };
  }

  dispose(): void {
    this.layer.release();
    for (const o of this.paramOffs) rt.arena.release(o);
    rt.arena.release(this.input);
    rt.arena.release(this.dyBuf);
  }
}

/** max |a - b| / max(1e-3 scale, max |b|): relative error against a reference b. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let maxDiff = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return maxDiff / Math.max(scale, 1e-3);
}
