// Winograd convolutions for Conv2D's 3×3 stride-1 passes (assembly/winograd.ts): one pass's buffers and
// calls, and the choice of algorithm per pass — by a cost model (per image; for inference calls of few images,
// per call size), by timing each candidate once per geometry (cached for the process), or forced with
// SIMDNET_CONV. The arithmetic is in the kernels; this file only decides.
import type { Runtime } from '../runtime/wasm.js';
import { shapeClass, ukernelBits } from '../runtime/ukernels.js';
import { parallelFor } from '../threads/index.js';

/** 'gemm' (implicit-im2col GEMM) or the output tile m of Winograd's F(m×m, 3×3). */
export type ConvAlgorithm = 'gemm' | 2 | 4 | 6;
export const WINOGRAD_TILES = [2, 4, 6] as const;

/**
 * SIMDNET_CONV: auto (GEMM, F(2×2) or F(4×4) by the cost model alone, so a seeded run gives the same bits in
 * every process and on every machine), measure (the same candidates, the cost model overruled by timings
 * taken at plan time), gemm, winograd (F(2×2) or F(4×4), whatever GEMM does) or one tile size. F(6×6) runs only when named: its fp32 error (≈ 2e-6 relative on the lab CNN) grows past
 * 1e-4 of the output on layers with large pre-activations (test/layers/parity.test.ts' K = 576 layer).
 */
export type ConvSetting = 'auto' | 'measure' | 'gemm' | 'winograd' | 'winograd2' | 'winograd4' | 'winograd6';
const SETTINGS: readonly ConvSetting[] = ['auto', 'measure', 'gemm', 'winograd', 'winograd2', 'winograd4', 'winograd6'];

let forced: ConvSetting | null = null;

/** The algorithm setting in force: setConvAlgorithm's, else SIMDNET_CONV's, else 'auto'. */
export function convSetting(): ConvSetting {
  if (forced) return forced;
  const env = typeof process !== 'undefined' ? process.env?.SIMDNET_CONV : undefined;
  if (env === undefined || env === '') return 'auto';
  if (!SETTINGS.includes(env as ConvSetting)) {
    throw new Error(`SIMDNET_CONV must be one of ${SETTINGS.join(', ')}, got ${JSON.stringify(env)}`);
  }
  return env as ConvSetting;
}

/** Overrides SIMDNET_CONV for layers allocated from now on (null: back to the environment); returns the previous override. */
export function setConvAlgorithm(setting: ConvSetting | null): ConvSetting | null {
  if (setting !== null && !SETTINGS.includes(setting)) {
    throw new Error(`setConvAlgorithm: setting must be one of ${SETTINGS.join(', ')} or null, got ${JSON.stringify(setting)}`);
  }
  const prev = forced;
  forced = setting;
  return prev;
}

export const algorithmName = (a: ConvAlgorithm): string => (a === 'gemm' ? 'GEMM' : `F(${a}x${a},3x3)`);

/**
 * A stride-1 3×3 correlation pass: input [n, h, w, cin] read zero-padded by padTop / padLeft, output
 * [n, ho, wo, cout]. Conv2D's forward is one; its backward-data is another (dY in, flipped kernel, dX out).
 */
export interface ConvGeometry { h: number; w: number; cin: number; ho: number; wo: number; cout: number; padTop: number; padLeft: number }

type Alloc = (floats: number, what: string) => number;

/** Below this many transformed floats per extra thread, a filter transform stays on the calling thread. */
const FILTER_WORK_PER_THREAD = 1 << 14;

/** One pass computed with F(m×m, 3×3): the transformed filter and the tiled convolution. */
export class WinogradPass {
  /** Output tiles per image. */
  readonly tiles: number;
  protected readonly u: number;
  /** Floats of scratch the filter transform needs (taken from the arena for the call only). */
  private readonly tmpFloats: number;
  /** Version of the weight that u was transformed from (-1: none yet). */
  version = -1;

  constructor(protected readonly rt: Runtime, readonly g: ConvGeometry, readonly m: number, alloc: Alloc) {
    const k = rt.k;
    this.tiles = Math.ceil(g.ho / m) * Math.ceil(g.wo / m);
    this.u = alloc(k.winograd_filter_floats(m, g.cin, g.cout), `F(${m}x${m},3x3) transformed filter`);
    this.tmpFloats = k.winograd_filter_tmp_floats(m, g.cin);
  }

  /** Whether the pass fits in a thread's scratch (at least 4 tiles per block). */
  static fits(rt: Runtime, g: ConvGeometry, m: number): boolean { return rt.k.winograd_chunk_tiles(m, g.cin, g.cout) > 0; }

  /**
   * Transforms the filter w [3, 3, cin, cout] (of the given version); shared by every thread. The threads take
   * whole groups of 8 output channels, each with its own scratch (`here`: the calling thread alone, for timing).
   */
  transform(w: number, version: number, here = false): void {
    const { rt, u, m, g } = this;
    const k = rt.k;
    if (this.tmpFloats <= k.gemm_pack_floats()) {
      if (here) k.winograd_filter_transform(u, w, m, g.cin, g.cout, 0, g.cout, rt.gemmScratch);
      else {
        parallelFor(rt, 'winograd_filter_transform', g.cout, Math.max(8, Math.ceil(FILTER_WORK_PER_THREAD / (g.cin * (m + 2) ** 2))), 8,
          (c0, count, scratch) => [u, w, m, g.cin, g.cout, c0, count, scratch], `F(${m}x${m},3x3) filter transform`);
      }
    } else {
      // Too big for a thread's scratch (Cin past 455 at F(4x4)): one group of output channels' plain U from the
      // arena, for this call only, so every pass of a model reuses the same arena bytes.
      const tmp = rt.arena.alloc(this.tmpFloats * 4, `F(${m}x${m},3x3) filter transform scratch`);
      try {
        k.winograd_filter_transform(u, w, m, g.cin, g.cout, 0, g.cout, tmp);
      } finally {
        rt.arena.release(tmp);
      }
    }
    this.version = version;
  }

  /** y = conv(x) for n images, split by tiles over the threads; mode: GEMM_SET or GEMM_BIAS, | GEMM_RELU. */
  run(y: number, x: number, n: number, bias: number, mode: number, what: string): void {
    const { g, m } = this;
    const work = (m + 2) ** 2 * g.cin * g.cout; // multiply-adds per tile
    mode |= ukernelBits(this.rt, 'winograd', n * this.tiles * work);
    parallelFor(this.rt, 'winograd_conv3x3', n * this.tiles, Math.max(1, Math.ceil((1 << 18) / work)), 1,
      (t0, count, scratch) => [y, x, this.u, bias, mode, g.h, g.w, g.cin, g.ho, g.wo, g.cout, g.padTop, g.padLeft, m, t0, count, scratch], what);
  }

  /** The same on the calling thread only (timing). */
  runHere(y: number, x: number, n: number, bias: number, mode: number): void {
    const { g, m } = this;
    mode |= ukernelBits(this.rt, 'winograd', n * this.tiles * (m + 2) ** 2 * g.cin * g.cout);
    this.rt.k.winograd_conv3x3(y, x, this.u, bias, mode, g.h, g.w, g.cin, g.ho, g.wo, g.cout, g.padTop, g.padLeft, m, 0, n * this.tiles, this.rt.gemmScratch);
  }
}

/** The forward's geometry with its channels swapped: the transposed pass's products reduce over dY's channels. */
export const transposedGeometry = (g: ConvGeometry): ConvGeometry => ({ ...g, cin: g.cout, cout: g.cin });

/**
 * A Conv2D's backward-data pass as its forward F(m×m, 3×3) transposed (assembly/winograd.ts'
 * winograd_conv3x3_backward_data): dX = Σ over the forward's own tiles of B [Uᵀ ⊙ (A dY Aᵀ)] Bᵀ, added into the
 * windows the forward read. The correlation of dY padded by 2 with the flipped kernel — a WinogradPass on
 * dX's geometry — tiles all of dX; this tiles dY: at conv2d_5 of the lab CNN (dY 3×3, dX 5×5) one F(4×4)
 * tile per image instead of nine F(2×2) ones. Its geometry `g` is transposedGeometry(the forward's) (the filter
 * is transformed from the kernel with its channels swapped, transpose_kernel's); the threads take whole images,
 * as neighbouring tiles add into the same pixels.
 */
export class WinogradTransposedPass extends WinogradPass {
  /** dx [n, h, w, cout] from dy [n, ho, wo, cin] (this pass's channels: the forward's swapped); bias and mode unused. */
  run(dx: number, dy: number, n: number, _bias: number, _mode: number, what: string): void {
    const { g, m, tiles } = this;
    const work = tiles * (m + 2) ** 2 * g.cin * g.cout; // multiply-adds per image
    const mode = ukernelBits(this.rt, 'winograd', n * work);
    parallelFor(this.rt, 'winograd_conv3x3_backward_data', n, Math.max(1, Math.ceil((1 << 18) / work)), 1,
      (i0, count, scratch) => [dx, dy, this.u, mode, g.h, g.w, g.cout, g.ho, g.wo, g.cin, g.padTop, g.padLeft, m, i0 * tiles, count * tiles, scratch], what);
  }

  /** The same on the calling thread only (timing). */
  runHere(dx: number, dy: number, n: number): void {
    const { g, m, tiles } = this;
    const mode = ukernelBits(this.rt, 'winograd', n * tiles * (m + 2) ** 2 * g.cin * g.cout);
    this.rt.k.winograd_conv3x3_backward_data(dx, dy, this.u, mode, g.h, g.w, g.cout, g.ho, g.wo, g.cin, g.padTop, g.padLeft, m, 0, n * tiles, this.rt.gemmScratch);
  }
}

/**
 * Which way Conv2D's backward-data runs F(m×m, 3×3): as the correlation of dY padded by 2 with the flipped kernel
 * (a WinogradPass on that geometry, tiling dX) or as the forward transposed (a WinogradTransposedPass, tiling dY).
 * A transposed tile costs a little more (B's α×α pixels added into dX, against Aᵀ's m×m stored: conv2d_1 of the lab
 * CNN, 100 tiles per image either way, took 17.2 ms against 16.7 for its whole backward), so the transposed pass
 * runs only where it has fewer tiles: where dY is smaller than dX by at least a tile (valid padding, small images).
 * A function of the geometry and m: the same bits in every process.
 */
export function transposedBackwardData(forward: ConvGeometry, m: number): boolean {
  const tiles = (h: number, w: number) => Math.ceil(h / m) * Math.ceil(w / m);
  return tiles(forward.ho, forward.wo) < tiles(forward.h, forward.w);
}

/**
 * A Conv2D's weight gradient computed with F(m×m, 3×3) transposed (assembly/winograd.ts' winograd_filter_grad):
 * dW += Gᵀ [Σ_tiles (A dY Aᵀ) ⊙ (Bᵀ X B)] G. The batch's tiles fall into up to 4 groups of whole chunks, fixed by
 * the geometry and call size; the threads take whole groups, each summed into its own products, and the output
 * transform (a range of input channels per thread) adds the groups in order: bit-identical for any thread count,
 * no tile transformed twice. Its buffers come from the arena for the call only.
 */
export class WinogradGradPass {
  readonly tiles: number;

  constructor(private readonly rt: Runtime, readonly g: ConvGeometry, readonly m: number) {
    this.tiles = Math.ceil(g.ho / m) * Math.ceil(g.wo / m);
  }

  /** dw [3, 3, cin, cout] += the weight gradient of n images x [n, h, w, cin] and dy [n, ho, wo, cout]. */
  run(dw: number, x: number, dy: number, n: number, what: string, here = false): void {
    const { rt, g, m } = this;
    const k = rt.k;
    const tiles = n * this.tiles;
    if (tiles === 0) return; // no images: dW unchanged, as the GEMM path leaves it
    const groups = k.winograd_grad_groups(m, g.cin, g.cout, tiles);
    const work = rt.arena.alloc(groups * k.winograd_grad_work_floats(m, g.cin, g.cout) * 4, `${what} transformed tiles`);
    const p = rt.arena.alloc(groups * k.winograd_grad_product_floats(m, g.cin, g.cout) * 4, `${what} products`);
    try {
      const chunk = k.winograd_grad_chunk_tiles(m, g.cin, g.cout);
      const mode = ukernelBits(rt, shapeClass(g.cin, chunk), tiles * (m + 2) ** 2 * g.cin * g.cout);
      const args = (g0: number, count: number, scratch: number) =>
        [p, work, x, dy, mode, g.h, g.w, g.cin, g.ho, g.wo, g.cout, g.padTop, g.padLeft, m, tiles, g0, count, scratch];
      const out = (c0: number, count: number, scratch: number) => [dw, p, groups, m, g.cin, g.cout, c0, count, scratch];
      if (here) {
        k.winograd_filter_grad(p, work, x, dy, mode, g.h, g.w, g.cin, g.ho, g.wo, g.cout, g.padTop, g.padLeft, m, tiles, 0, groups, rt.gemmScratch);
        k.winograd_filter_grad_output(dw, p, groups, m, g.cin, g.cout, 0, g.cin, rt.gemmScratch);
        return;
      }
      parallelFor(rt, 'winograd_filter_grad', groups, 1, 1, args, `${what} products`);
      parallelFor(rt, 'winograd_filter_grad_output', g.cin, Math.max(1, Math.ceil(FILTER_WORK_PER_THREAD / (groups * (m + 2) ** 2 * g.cout))), 1, out,
        `${what} output transform`);
    } finally {
      rt.arena.release(p);
      rt.arena.release(work);
    }
  }
}

/**
 * What a pass chose and the timings it chose by (ms for `images` images on one thread; none when forced).
 * `small`: inference calls of few images (a served request) that run another algorithm — calls of at most
 * `upTo` images run the first entry whose bound they meet, larger calls `algorithm` (ascending; often empty).
 */
export interface PassChoice {
  algorithm: ConvAlgorithm;
  ms: Record<string, number>;
  images: number;
  small: { upTo: number; algorithm: ConvAlgorithm }[];
  /** The algorithms the cost model chose among (auto only; empty when forced or timed). */
  candidates: ConvAlgorithm[];
}

const chosen = new Map<string, PassChoice>();

/**
 * The timings overrule the cost model's pick only when they show it this much slower than the fastest: on a
 * shared, noisy machine candidates within a few tens of percent swap places from run to run, and a choice
 * that changed between processes would change a seeded run's bits.
 */
const OVERRULE = 2;

/** Share of the micro-kernel's speed reached with a reduction of k steps (the 4×8 tile's fixed costs). */
const efficiency = (k: number): number => k / (k + 8);

/**
 * A cost model per image, in multiply-adds: the products over their reduction efficiency, plus the tile
 * transforms (about 6 multiply-add equivalents per channel and transform point; channel counts that are
 * not a multiple of 4 go through a staging copy, about 4 times that).
 */
export function modelCost(g: ConvGeometry, a: ConvAlgorithm): number {
  if (a === 'gemm') return (9 * g.ho * g.wo * g.cin * g.cout) / efficiency(9 * g.cin);
  return winogradCost(g, a, g.cin);
}

/**
 * The weight gradient's cost model for a call of `images` images, in multiply-adds. The GEMM's reduction runs over
 * the batch's pixels (no short-reduction penalty); Winograd's products reduce over one chunk of `chunkTiles(a)` tiles
 * (assembly/winograd.ts' winograd_grad_chunk_tiles) instead of over Cin, and a chunk holds few tiles at wide
 * layers (4 at 512 channels), where each product's fixed costs (its α² [Cin × Cout] read and written per chunk)
 * weigh: so such layers keep the GEMM. Each of the call's `groups(a)` groups of chunks also writes its own
 * products, which the output transform reads back (GROUP_PRODUCTS per float): at conv2d_5 of the lab CNN (5×5×128 →
 * 3×3×128, one F(4×4) tile per image, 3 groups of 2.4 MB at batch 32) that is most of the pass, and the GEMM
 * wins (1.70 against 1.89–2.08 ms, one thread, Zen 5). A per-call cost: Conv2D picks by it for each call's image
 * count (never the plan's, which earlier, larger calls may have set), so training gives the same bits whatever ran
 * before it. The products' rows are the input channels, padded to the
 * micro-kernel's 4: the lab's first layer (3 channels) keeps the GEMM (2.10 against 2.14 ms).
 */
export function gradModelCost(g: ConvGeometry, a: ConvAlgorithm, chunkTiles: (m: number) => number, groups: (m: number) => number,
  images: number): number {
  if (a === 'gemm') return images * 9 * g.ho * g.wo * g.cin * g.cout;
  // the products' rows are the input channels, in blocks of the micro-kernel's 4 (3 channels cost 4)
  return images * winogradCost(g, a, chunkTiles(a), Math.ceil(g.cin / 4) * 4) + GROUP_PRODUCTS * groups(a) * (a + 2) ** 2 * g.cin * g.cout;
}

/** Multiply-add equivalents per float of a group's products (written, then read by the output transform). */
const GROUP_PRODUCTS = 8;

/** F(a×a, 3×3)'s products, each a reduction of `reduction` steps, and its tile transforms, per image. */
function winogradCost(g: ConvGeometry, a: Exclude<ConvAlgorithm, 'gemm'>, reduction: number, productRows = g.cin): number {
  const tiles = Math.ceil(g.ho / a) * Math.ceil(g.wo / a), points = (a + 2) ** 2;
  const transform = (c: number) => 6 * (c % 4 ? 4 : 1) * c;
  return points * tiles * ((productRows * g.cout) / efficiency(reduction) + transform(g.cin) + transform(g.cout));
}

/**
 * Multiply-add equivalents per float of filter a call streams from memory. Each call reads its pass's whole
 * filter once — GEMM's packed kernel (9·Cin·Cout floats) or the transformed one ((m+2)²·Cin·Cout) — while the
 * products run; a call of few images is bound by that read. Fitted on the lab CNN at one image (AMD Zen 5,
 * 2026-12-01, steady state, `node dist/bench/winograd.js --one`): conv2d_5's F(4×4) filter, 2.36 MB, took
 * 94–115 µs where its products model to ≈ 26 µs (20–25 GB/s), and max(products, 4 × filter floats) ranks the
 * three candidates as measured on every layer but a modelled tie (bench/RESULTS.md, "Fifth session").
 */
const FILTER_READ = 4;

/** Floats of filter a call of the pass reads. */
const filterFloats = (g: ConvGeometry, a: ConvAlgorithm): number => (a === 'gemm' ? 9 : (a + 2) ** 2) * g.cin * g.cout;

/** Calls of more images than this are bound by their products for any candidate (far past the filter read). */
const SMALL_CALLS = 1024;

/** The modelled cost of a call of n images: its products, or its read of the filter where that takes longer. */
export function callCost(g: ConvGeometry, a: ConvAlgorithm, n: number): number {
  return Math.max(n * modelCost(g, a), FILTER_READ * filterFloats(g, a));
}

/**
 * The per-call refinement of the cost model's pick, for inference: a call of n images costs about
 * max(n · modelCost, FILTER_READ · filter floats), so the per-image pick (F(4×4): the most filter per product)
 * can lose to GEMM or F(2×2) below some n. Returns the calls of up to `maxImages` images that run another
 * algorithm, as ascending bounds; ties keep the per-image pick. A function of geometry and n only: a call of
 * n images gives the same bits in every process, on every thread count, whatever ran before it.
 */
export function smallCallChoices(g: ConvGeometry, candidates: readonly ConvAlgorithm[], pick: ConvAlgorithm, maxImages: number):
  { upTo: number; algorithm: ConvAlgorithm }[] {
  const steps: { upTo: number; algorithm: ConvAlgorithm }[] = [];
  for (let n = 1; n <= Math.min(maxImages, SMALL_CALLS); n++) {
    const best = candidates.reduce((x, y) => (callCost(g, y, n) < callCost(g, x, n) ? y : x), pick);
    if (best === pick) break; // costs are linear in n past the reads: once the pick wins it keeps winning
    const last = steps[steps.length - 1];
    if (last && last.algorithm === best) last.upTo = n;
    else steps.push({ upTo: n, algorithm: best });
  }
  return steps;
}

/** Milliseconds of one run: the best of five after two warm-up runs (V8 tiers Wasm up on the way). */
function timeRun(run: () => void): number {
  run(); run();
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/**
 * The algorithm of one pass. `gemm` runs the GEMM path once; `winograd(m)` returns a run of F(m×m) with its
 * filter transformed (and a release of its temporary buffers). Every candidate is timed on the calling thread,
 * once per key; the cost model's pick stands unless it timed OVERRULE times slower than the fastest. The
 * same algorithm then serves every thread count. Under 'auto', inference calls of up to `smallUpTo` images
 * may get their own pick (smallCallChoices; 0: none, as for training's passes).
 */
export function choosePass(rt: Runtime, key: string, g: ConvGeometry, images: number, gemm: () => void,
  winograd: (m: number) => { run: () => void; release: () => void }, smallUpTo = 0,
  cost: (a: ConvAlgorithm) => number = (a) => modelCost(g, a)): PassChoice {
  const setting = convSetting();
  const tiles = WINOGRAD_TILES.filter((m) => WinogradPass.fits(rt, g, m) && (m !== 6 || setting === 'winograd6'));
  if (setting === 'gemm' || tiles.length === 0) return { algorithm: 'gemm', ms: {}, images, small: [], candidates: [] };
  const fixed = /^winograd(\d)$/.exec(setting);
  if (fixed) {
    const m = Number(fixed[1]) as 2 | 4 | 6;
    if (tiles.includes(m)) return { algorithm: m, ms: {}, images, small: [], candidates: [] };
  }
  const candidates: ConvAlgorithm[] = setting === 'winograd' ? [...tiles] : ['gemm', ...tiles];
  const modelled = candidates.reduce((x, y) => (cost(y) < cost(x) ? y : x));
  // the default: deterministic — timings on a shared machine would let a seeded run's bits differ by process
  if (setting === 'auto') return { algorithm: modelled, ms: {}, images, small: smallCallChoices(g, candidates, modelled, smallUpTo), candidates };
  const full = `${rt.flavour}|${setting}|${key}|${images}`;
  const cached = chosen.get(full);
  if (cached) return cached;
  const ms: Record<string, number> = {};
  for (const a of candidates) {
    if (a === 'gemm') { ms.GEMM = timeRun(gemm); continue; }
    const w = winograd(a);
    try { ms[algorithmName(a)] = timeRun(w.run); } finally { w.release(); }
  }
  const t = (a: ConvAlgorithm) => ms[algorithmName(a)];
  const fastest = candidates.reduce((x, y) => (t(y) < t(x) ? y : x));
  const choice = { algorithm: t(modelled) > OVERRULE * t(fastest) ? fastest : modelled, ms, images, small: [], candidates: [] };
  chosen.set(full, choice);
  return choice;
}

/** Forgets the timed choices (tests, benchmarks). */
export function clearConvChoices(): void { chosen.clear(); }
