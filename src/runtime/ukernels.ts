// The GEMM micro-kernel config table: which of the kernels' micro-kernels (assembly/gemm_ukernels.ts) runs each
// class of GEMM shapes on this host. Every micro-kernel gives the same bits, so the choice is one of speed
// only; it is made once per process, or forced by SIMDNET_UKERNEL / setMicroKernel, and handed to every thread
// in the GEMM's mode word, so all threads run the same kernel. Timing freshly loaded Wasm would time V8's
// baseline compiler (Liftoff), so it goes in two steps: the first large GEMM primes every candidate (a couple
// of runs each, which queues them for optimised code); a large GEMM at least PRIME_MS later times them in
// alternating rounds (a few ms) and fixes the choice. Until then the 4×8 load-splat kernel runs.
import { GEMM_UKERNEL_SHIFT, type Flavour, type Runtime } from './wasm.js';

/** The micro-kernels, by index (the kernels' UKERNEL_* codes): tile MR×8 and how A is broadcast. */
export const UKERNELS = [
  { code: 0, tile: '4x8', variant: 'loadsplat' },
  { code: 1, tile: '4x8', variant: 'splat' },
  { code: 2, tile: '6x8', variant: 'loadsplat' },
  { code: 3, tile: '6x8', variant: 'splat' },
] as const;
export type UkernelCode = 0 | 1 | 2 | 3;

/** XNNPACK's name of a micro-kernel: f32_gemm_4x8__wasmsimd_loadsplat, f32_gemm_6x8__wasmrelaxedsimd_fma_splat ... */
export function ukernelName(code: number, flavour: Flavour): string {
  const u = UKERNELS[code];
  return `f32_gemm_${u.tile}__${flavour === 'relaxed-simd' ? 'wasmrelaxedsimd_fma' : 'wasmsimd'}_${u.variant}`;
}

/**
 * Shape classes, each with its own pick: 'short-k' (K < 64: a first convolution, K = 27), 'long-k' (K ≥ 8 M
 * and ≥ 1024: weight gradients, reductions over a batch's pixels), 'winograd' (Winograd's products: ≤ 256
 * tiles × Cin · Cout), 'general' (the rest: convolution and dense products over many rows).
 */
export type ShapeClass = 'general' | 'short-k' | 'long-k' | 'winograd';
export const SHAPE_CLASSES: readonly ShapeClass[] = ['general', 'short-k', 'long-k', 'winograd'];

export function shapeClass(m: number, k: number): Exclude<ShapeClass, 'winograd'> {
  if (k < 64) return 'short-k';
  if (k >= 1024 && k >= 8 * m) return 'long-k';
  return 'general';
}

/**
 * Below this many multiply-adds a GEMM runs the default kernel rather than start the timing: one image through
 * the lab CNN (conv2: 13 M) never starts it, so a cold start's first predict pays nothing; a batch does.
 */
const CALIBRATE_WORK = 1 << 26;
/** Milliseconds between priming the candidates and timing them: V8 compiles their optimised code meanwhile. */
const PRIME_MS = 250;
/** A candidate must beat the lower-numbered one by this factor to be picked (timing noise never swaps near-ties). */
const MARGIN = 0.97;
/** The kernel of every class before timing (or when forced off): the 4×8 load-splat kernel. */
const DEFAULT_CODE: UkernelCode = 0;

export interface UkernelChoice {
  /** Micro-kernel code per shape class. */
  codes: Record<ShapeClass, UkernelCode>;
  /** How it was chosen: 'timed' (with the µs per candidate), 'forced' (SIMDNET_UKERNEL / setMicroKernel) or 'default'. */
  how: 'timed' | 'forced' | 'default';
  /** Best µs of each candidate on each class's timing product ('timed' only). */
  us?: Record<ShapeClass, number[]>;
  /** Milliseconds the timing took. */
  ms?: number;
}

let forced: UkernelCode | null = null;
const timed = new Map<Runtime, UkernelChoice>();
const primed = new Map<Runtime, number>();

/** A micro-kernel by code, tile_variant ('6x8_splat') or full name; 'auto' / '' / undefined: none. */
function parseUkernel(spec: string | number | null | undefined, what: string): UkernelCode | null {
  if (spec === null || spec === undefined || spec === '' || spec === 'auto') return null;
  const found = UKERNELS.find((u) => spec === u.code || spec === `${u.tile}_${u.variant}` ||
    spec === ukernelName(u.code, 'simd') || spec === ukernelName(u.code, 'relaxed-simd'));
  if (!found) {
    throw new Error(`${what} must be 'auto' or one of ${UKERNELS.map((u) => `${u.tile}_${u.variant}`).join(', ')} ` +
      `(or the full name, f32_gemm_4x8__wasmsimd_loadsplat), got ${JSON.stringify(spec)}`);
  }
  return found.code;
}

function envUkernel(): UkernelCode | null {
  const env = typeof process !== 'undefined' ? process.env?.SIMDNET_UKERNEL : undefined;
  return parseUkernel(env, 'SIMDNET_UKERNEL');
}

/** Forces one micro-kernel for every class (null: back to SIMDNET_UKERNEL, else the timed choice); returns the previous. */
export function setMicroKernel(spec: string | number | null): string | null {
  const prev = forced;
  forced = parseUkernel(spec, 'setMicroKernel');
  return prev === null ? null : `${UKERNELS[prev].tile}_${UKERNELS[prev].variant}`;
}

function all(code: UkernelCode): Record<ShapeClass, UkernelCode> {
  return { general: code, 'short-k': code, 'long-k': code, winograd: code };
}

/**
 * The micro-kernels in force on rt. `calibrate`: choose them now if not yet done — prime, then time in rounds
 * until every candidate's best time has settled (up to about a second: the bench and sn.microKernels() ask
 * this way); without it the defaults stand until large GEMMs have primed and timed them.
 */
export function microKernels(rt: Runtime, calibrate = false): UkernelChoice {
  const f = forced ?? envUkernel();
  if (f !== null) return { codes: all(f), how: 'forced' };
  const t = timed.get(rt);
  if (t) return t;
  if (!calibrate) return { codes: all(DEFAULT_CODE), how: 'default' };
  if (!primed.has(rt)) prime(rt);
  const choice = time(rt, true);
  timed.set(rt, choice);
  return choice;
}

/** The mode bits naming the micro-kernel for a GEMM of this class and size (multiply-adds). */
export function ukernelBits(rt: Runtime, cls: ShapeClass, work: number): number {
  const f = forced ?? envUkernel();
  if (f !== null) return f << GEMM_UKERNEL_SHIFT;
  let choice = timed.get(rt);
  if (!choice && work >= CALIBRATE_WORK) {
    const at = primed.get(rt);
    if (at === undefined) prime(rt);
    else if (performance.now() - at >= PRIME_MS) { choice = time(rt, false); timed.set(rt, choice); }
  }
  return (choice ? choice.codes[cls] : DEFAULT_CODE) << GEMM_UKERNEL_SHIFT;
}

/** Forgets the timed choices (tests and benchmarks). */
export function clearMicroKernels(): void { timed.clear(); primed.clear(); }

// ---- timing ---------------------------------------------------------------------------------------------

/** A small product of each class, laid out as the layers lay theirs out; returns a run(code) and a release. */
function classProduct(rt: Runtime, cls: ShapeClass): { run: (code: number) => void; release: () => void } {
  const k = rt.k, arena = rt.arena;
  const offs: number[] = [];
  const alloc = (floats: number, fill = true) => {
    const o = arena.alloc(floats * 4, `micro-kernel timing (${cls})`);
    offs.push(o);
    if (fill) rt.f32(o, floats).fill(0.25); // the values do not change the time (no subnormals)
    return o;
  };
  const release = () => { for (const o of offs) arena.release(o); };
  if (cls === 'winograd') {
    // M [256 tiles, 64] = V [256 tiles (36·64 floats apart), 64] · U (64 × 64, packed), as F(4×4)'s products
    const t = 256, cin = 64, cout = 64, a2 = 36;
    const v = alloc(t * a2 * cin), c = alloc(t * a2 * cout, false), u = alloc(k.gemm_packed_floats(cout, cin));
    const rows = alloc(t, false), red = alloc(cin, false);
    k.strided_offsets(rows, t, a2 * cin); k.strided_offsets(red, cin, 1);
    return { run: (code) => k.gemm_packed(c, a2 * cout, v, rows, red, u, t, cout, cin, code << GEMM_UKERNEL_SHIFT, 0, 0), release };
  }
  // convolutions over 2 images of 14×14: 'general' Cin = 16 (K = 144), 'short-k' Cin = 3 (K = 27); 'long-k' the
  // weight gradient of Cin = 8 over 8 images (M = 72, K = 1152)
  const images = cls === 'long-k' ? 8 : 2, h = 14, ho = 12, cin = cls === 'short-k' ? 3 : cls === 'long-k' ? 8 : 16, cout = 32;
  const x = alloc(images * h * h * cin), w = alloc(9 * cin * cout), y = alloc(images * ho * ho * cout);
  const windows = alloc(images * ho * ho, false), taps = alloc(9 * cin, false);
  k.conv_window_offsets(windows, images, ho, ho, h, h, cin, 1, 1);
  k.conv_tap_offsets(taps, 3, 3, cin, h);
  const mp = images * ho * ho;
  if (cls === 'long-k') {
    return { run: (code) => k.gemm(w, cout, x, taps, windows, y, cout, 1, 9 * cin, cout, mp, 1 | (code << GEMM_UKERNEL_SHIFT), 0, rt.gemmScratch), release };
  }
  return { run: (code) => k.gemm(y, cout, x, windows, taps, w, cout, 1, mp, cout, 9 * cin, code << GEMM_UKERNEL_SHIFT, 0, rt.gemmScratch), release };
}

/** Runs every candidate twice on every class's product, so V8 queues each for optimised code. */
function prime(rt: Runtime): void {
  for (const cls of SHAPE_CLASSES) {
    const p = classProduct(rt, cls);
    try { for (const u of UKERNELS) { p.run(u.code); p.run(u.code); } } finally { p.release(); }
  }
  primed.set(rt, performance.now());
}

/**
 * Times every micro-kernel on each class's product in alternating rounds and keeps each class's fastest by its
 * best round (a higher-numbered kernel must beat a lower one by MARGIN). At least 6 rounds; settle (right after
 * priming): also until PRIME_MS after priming and no candidate's best improved by 2 % for 4 rounds.
 */
function time(rt: Runtime, settle: boolean): UkernelChoice {
  const t0 = performance.now();
  const codes = UKERNELS.map((u) => u.code);
  const us = {} as Record<ShapeClass, number[]>;
  const picks = {} as Record<ShapeClass, UkernelCode>;
  for (const cls of SHAPE_CLASSES) {
    const p = classProduct(rt, cls);
    try {
      const best = codes.map(() => Infinity);
      const primedAt = primed.get(rt) ?? 0;
      // settle: at least PRIME_MS after priming (optimised code takes that long to arrive on a loaded machine,
      // and a candidate timed on baseline code would lose unfairly), then until calm; at most 1.5 s
      const more = (round: number, calm: number) => round < 6 ||
        (settle && (calm < 4 || performance.now() - primedAt < PRIME_MS) && performance.now() - t0 < 1500);
      for (let round = 0, calm = 0; more(round, calm); round++) {
        let improved = false;
        for (const code of codes) {
          const s = performance.now();
          p.run(code);
          const t = (performance.now() - s) * 1000;
          if (t < best[code] * 0.98) improved = true;
          best[code] = Math.min(best[code], t);
        }
        calm = improved ? 0 : calm + 1;
      }
      us[cls] = best;
      picks[cls] = codes.reduce((a, b) => (best[b] < best[a] * MARGIN ? b : a)) as UkernelCode;
    } finally {
      p.release();
    }
  }
  return { codes: picks, how: 'timed', us, ms: performance.now() - t0 };
}
