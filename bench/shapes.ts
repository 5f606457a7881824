// The lab CNN's convolution GEMMs at batch 32, with the offset tables the layers use (bench/run.ts, bench/ukernels.ts).
import * as sn from '../src/index.js';
import type { Conv2D } from '../src/layers/conv2d.js';
import type { ConvAlgorithm } from '../src/layers/winograd.js';
import { shapeClass, type ShapeClass } from '../src/runtime/ukernels.js';
import type { Runtime } from '../src/runtime/wasm.js';

/**
 * A product of the bench: setup returns a run with the micro-kernel bits `uk` or-ed into the mode; a run does
 * `products` M×N×K products (1 unless said) of shape class `cls` (by M and K unless said).
 */
export interface GemmShape { name: string; m: number; n: number; k: number; products?: number; cls?: ShapeClass; setup(rt: Runtime): (uk: number) => void }

/** The shape class the runtime picks a micro-kernel by. */
export const classOf = (s: GemmShape): ShapeClass => s.cls ?? shapeClass(s.m, s.k);
/** GFLOP/s of one run in `ms`. */
export const gflops = (s: GemmShape, ms: number): number => (2 * s.m * s.n * s.k * (s.products ?? 1)) / (ms / 1000) / 1e9;

/** The lab CNN's convolutions: name, input size, cin, cout. */
const CONVS: [string, number, number, number][] = [
  ['conv1', 42, 3, 32], ['conv2', 40, 32, 32], ['conv3', 19, 32, 64], ['conv4', 17, 64, 64], ['conv5', 7, 64, 128], ['conv6', 5, 128, 128],
];

/** What each of the lab CNN's convolutions runs in training at batch 32 (conv1 … conv6), as its layers pick. */
export interface LabPicks { forward: ConvAlgorithm[]; filterGradient: ConvAlgorithm[] }

/** The lab CNN's picks, read off a model trained one step at batch 32 (the cost model decides: the same on any machine). */
export async function labPicks(): Promise<LabPicks> {
  const B = 32;
  const model = sn.models.labFaceCnn();
  model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  const x = sn.tensor(new Float32Array(B * 42 * 42 * 3).fill(0.5), [B, 42, 42, 3]);
  const y = sn.utils.toCategorical(Int32Array.from({ length: B }, (_, i) => i % 16), 16);
  await model.fit(x, y, { epochs: 1, batchSize: B, verbose: 0 });
  const convs = model.layers.filter((l) => l.className === 'Conv2D') as Conv2D[];
  const picks = {
    forward: convs.map((c) => c.convChoice?.forward.algorithm ?? 'gemm'),
    filterGradient: convs.map((c) => c.convChoice?.filterGradient?.algorithm ?? 'gemm'),
  };
  model.dispose();
  return picks;
}

/** Every product the lab CNN's convolutions run (at batch 32), by its picks: the GEMM shapes, then Winograd's. */
export function labShapes(picks: LabPicks): GemmShape[] {
  return [...convShapes(picks), ...winogradShapes(picks), ...winogradGradShapes(picks)];
}

/**
 * The conv GEMMs of the lab CNN at batch 32, with the offset tables the layers use: every layer's forward as a GEMM
 * (the table's reference rows, whatever the layer runs), conv2's backward-data, and the backward-filter GEMM of
 * conv2 and of every layer whose weight gradient runs as a GEMM.
 */
export function convShapes(picks: LabPicks): GemmShape[] {
  const B = 32;
  const shapes: GemmShape[] = [];
  const alloc = (rt: Runtime, floats: number) => { const o = rt.arena.alloc(floats * 4); rt.f32(o, floats).fill(0.01); return o; };
  for (const [i, [name, h, cin, cout]] of CONVS.entries()) {
    const ho = h - 2;
    shapes.push({
      name: `${name} forward`, m: B * ho * ho, n: cout, k: 9 * cin,
      setup: (rt) => {
        const x = alloc(rt, B * h * h * cin), w = alloc(rt, 9 * cin * cout), y = alloc(rt, B * ho * ho * cout), bias = alloc(rt, cout);
        const win = rt.arena.alloc(B * ho * ho * 4), taps = rt.arena.alloc(9 * cin * 4);
        rt.k.conv_window_offsets(win, B, ho, ho, h, h, cin, 1, 1);
        rt.k.conv_tap_offsets(taps, 3, 3, cin, h);
        return (uk) => rt.k.gemm(y, cout, x, win, taps, w, cout, 1, B * ho * ho, cout, 9 * cin, 2 | uk, bias, rt.gemmScratch);
      },
    });
    if (name === 'conv2') {
      // backward-data: dX [B*H*W, Cin] = dYd (dilated/padded dY) ⋆ flipped W
      const hd = h + 2;
      shapes.push({
        name: `${name} backward-data`, m: B * h * h, n: cin, k: 9 * cout,
        setup: (rt) => {
          const dyd = alloc(rt, B * hd * hd * cout), wf = alloc(rt, 9 * cout * cin), dx = alloc(rt, B * h * h * cin);
          const win = rt.arena.alloc(B * h * h * 4), taps = rt.arena.alloc(9 * cout * 4);
          rt.k.conv_window_offsets(win, B, h, h, hd, hd, cout, 1, 1);
          rt.k.conv_tap_offsets(taps, 3, 3, cout, hd);
          return (uk) => rt.k.gemm(dx, cin, dyd, win, taps, wf, cin, 1, B * h * h, cin, 9 * cout, uk, 0, rt.gemmScratch);
        },
      });
    }
    if (name !== 'conv2' && picks.filterGradient[i] !== 'gemm') continue;
    // backward-filter: dW [9*Cin, Cout] += Xᵀ (taps x windows) · dY
    shapes.push({
      name: `${name} backward-filter`, m: 9 * cin, n: cout, k: B * ho * ho,
      setup: (rt) => {
        const x = alloc(rt, B * h * h * cin), dy = alloc(rt, B * ho * ho * cout), dw = alloc(rt, 9 * cin * cout);
        const win = rt.arena.alloc(B * ho * ho * 4), taps = rt.arena.alloc(9 * cin * 4);
        rt.k.conv_window_offsets(win, B, ho, ho, h, h, cin, 1, 1);
        rt.k.conv_tap_offsets(taps, 3, 3, cin, h);
        return (uk) => rt.k.gemm(dw, cout, x, taps, win, dy, cout, 1, 9 * cin, cout, B * ho * ho, 1 | uk, 0, rt.gemmScratch);
      },
    });
  }
  return shapes;
}

/**
 * One block of Winograd F(m×m, 3×3) products as the lab CNN's layers run them forward (winograd_conv3x3), for every
 * layer whose forward is Winograd: a chunk of T tiles, V [T, Cin] with rows α²·Cin floats apart (tile-major), times
 * U [Cin, Cout] packed once, for each of the α² points.
 */
export function winogradShapes(picks: LabPicks): GemmShape[] {
  return CONVS.flatMap(([name, , cin, cout], i) => {
    const m = picks.forward[i];
    if (m === 'gemm') return [];
    const a2 = (m + 2) ** 2;
    const shape: GemmShape = {
      name: `${name} F(${m}x${m}) products`, m: 256, n: cout, k: cin, products: a2, cls: 'winograd',
      setup: (rt) => {
        const k = rt.k, tiles = k.winograd_chunk_tiles(m, cin, cout);
        shape.m = tiles;
        const fill = (floats: number) => { const o = rt.arena.alloc(floats * 4); rt.f32(o, floats).fill(0.01); return o; };
        const v = fill(tiles * a2 * cin), c = fill(tiles * a2 * cout), u = fill(k.gemm_packed_floats(cout, cin));
        const rows = rt.arena.alloc(tiles * 4), red = rt.arena.alloc(cin * 4);
        k.strided_offsets(rows, tiles, a2 * cin); k.strided_offsets(red, cin, 1);
        return (uk) => { for (let xi = 0; xi < a2; xi++) k.gemm_packed(c + xi * cout * 4, a2 * cout, v + xi * cin * 4, rows, red, u, tiles, cout, cin, uk, 0, 0); };
      },
    };
    return [shape];
  });
}

/**
 * One chunk of the Winograd F(m×m) weight gradient's products as the lab CNN's layers run them
 * (winograd_filter_grad), for every layer whose weight gradient is Winograd: P[ξ] [Cin, Cout] += V[ξ]ᵀ · U[ξ] for
 * the α² points, the reduction over the chunk's T tiles; V and U tile-major (each tile's points together, padded by
 * a cache line), U packed by each call.
 */
export function winogradGradShapes(picks: LabPicks): GemmShape[] {
  return CONVS.flatMap(([name, , cin, cout], i) => {
    const m = picks.filterGradient[i];
    if (m === 'gemm') return [];
    const a2 = (m + 2) ** 2;
    const shape: GemmShape = {
      name: `${name} F(${m}x${m}) weight-gradient products`, m: cin, n: cout, k: 0, products: a2,
      setup: (rt) => {
        const k = rt.k, tiles = k.winograd_grad_chunk_tiles(m, cin, cout);
        shape.k = tiles;
        shape.cls = shapeClass(cin, tiles);
        const cp = Math.ceil(cin / 4) * 4, kp = Math.ceil(cout / 4) * 4;
        const vt = a2 * cp + 16, ut = a2 * kp + 16;
        const fill = (floats: number) => { const o = rt.arena.alloc(floats * 4); rt.f32(o, floats).fill(0.01); return o; };
        const v = fill(tiles * vt), u = fill(tiles * ut), p = fill(a2 * cin * cout);
        const rows = rt.arena.alloc(cin * 4), red = rt.arena.alloc(tiles * 4);
        k.strided_offsets(rows, cin, 1); k.strided_offsets(red, tiles, vt);
        return (uk) => { for (let xi = 0; xi < a2; xi++) k.gemm(p + xi * cin * cout * 4, cout, v + xi * cp * 4, rows, red, u + xi * kp * 4, ut, 1, cin, cout, tiles, 1 | uk, 0, rt.gemmScratch); };
      },
    };
    return [shape];
  });
}
