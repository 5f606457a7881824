// The lab CNN's convolution GEMMs at batch 32, with the offset tables the layers use (bench/run.ts, bench/ukernels.ts).
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

/** The conv GEMMs of the lab CNN at batch 32, with the offset tables the layers use. */
export function convShapes(): GemmShape[] {
  const B = 32;
  const convs: [string, number, number, number][] = [ // name, input size, cin, cout
    ['conv1', 42, 3, 32], ['conv2', 40, 32, 32], ['conv3', 19, 32, 64], ['conv4', 17, 64, 64], ['conv5', 7, 64, 128], ['conv6', 5, 128, 128],
  ];
  const shapes: GemmShape[] = [];
  const alloc = (rt: Runtime, floats: number) => { const o = rt.arena.alloc(floats * 4); rt.f32(o, floats).fill(0.01); return o; };
  for (const [name, h, cin, cout] of convs) {
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
    if (name !== 'conv2') continue;
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
 * One block of Winograd F(4×4, 3×3) products as the lab CNN's layers 2–6 run them (winograd_conv3x3): a chunk
 * of T tiles, V [T, Cin] with rows 36·Cin floats apart (tile-major), times U [Cin, Cout] packed once.
 */
export function winogradShapes(): GemmShape[] {
  const convs: [string, number, number][] = [['conv2', 32, 32], ['conv3', 32, 64], ['conv4', 64, 64], ['conv5', 64, 128], ['conv6', 128, 128]];
  return convs.map(([name, cin, cout]) => {
    const t = 256; // the most tiles per chunk (fewer where the scratch holds fewer: set by the kernel in setup)
    const shape: GemmShape = {
      name: `${name} F(4x4) products`, m: t, n: cout, k: cin, products: 36, cls: 'winograd',
      setup: (rt) => {
        const k = rt.k, tiles = k.winograd_chunk_tiles(4, cin, cout);
        shape.m = tiles;
        const fill = (floats: number) => { const o = rt.arena.alloc(floats * 4); rt.f32(o, floats).fill(0.01); return o; };
        const v = fill(tiles * 36 * cin), c = fill(tiles * 36 * cout), u = fill(k.gemm_packed_floats(cout, cin));
        const rows = rt.arena.alloc(tiles * 4), red = rt.arena.alloc(cin * 4);
        k.strided_offsets(rows, tiles, 36 * cin); k.strided_offsets(red, cin, 1);
        return (uk) => { for (let xi = 0; xi < 36; xi++) k.gemm_packed(c + xi * cout * 4, 36 * cout, v + xi * cin * 4, rows, red, u, tiles, cout, cin, uk, 0, 0); };
      },
    };
    return shape;
  });
}

/**
 * One chunk of the Winograd F(4×4) weight gradient's products as the lab CNN's layers 2–6 run them
 * (winograd_filter_grad): P[ξ] [Cin, Cout] += V[ξ]ᵀ · U[ξ] for the 36 points, the reduction over the chunk's T
 * tiles; V and U tile-major (each tile's 36 points together, padded by a cache line), U packed by each call.
 */
export function winogradGradShapes(): GemmShape[] {
  const convs: [string, number, number][] = [['conv2', 32, 32], ['conv3', 32, 64], ['conv4', 64, 64], ['conv5', 64, 128], ['conv6', 128, 128]];
  return convs.map(([name, cin, cout]) => {
    const shape: GemmShape = {
      name: `${name} F(4x4) weight-gradient products`, m: cin, n: cout, k: 0, products: 36,
      setup: (rt) => {
        const k = rt.k, tiles = k.winograd_grad_chunk_tiles(4, cin, cout);
        shape.k = tiles;
        shape.cls = shapeClass(cin, tiles);
        const vt = 36 * Math.ceil(cin / 4) * 4 + 16, ut = 36 * Math.ceil(cout / 4) * 4 + 16;
        const fill = (floats: number) => { const o = rt.arena.alloc(floats * 4); rt.f32(o, floats).fill(0.01); return o; };
        const v = fill(tiles * vt), u = fill(tiles * ut), p = fill(36 * cin * cout);
        const rows = rt.arena.alloc(cin * 4), red = rt.arena.alloc(tiles * 4);
        k.strided_offsets(rows, cin, 1); k.strided_offsets(red, tiles, vt);
        const cp = Math.ceil(cin / 4) * 4, kp = Math.ceil(cout / 4) * 4;
        return (uk) => { for (let xi = 0; xi < 36; xi++) k.gemm(p + xi * cin * cout * 4, cout, v + xi * cp * 4, rows, red, u + xi * kp * 4, ut, 1, cin, cout, tiles, 1 | uk, 0, rt.gemmScratch); };
      },
    };
    return shape;
  });
}
