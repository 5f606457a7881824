// Thread management: how many threads an op may use, the pool behind them, and the parallel GEMM.
// Work is split inside each op along its output (rows, or whole 8-column panels of a GEMM with few rows: see
// parallelGemm), so every element is computed by exactly one thread in the same order as on one thread:
// results are bit-identical for any thread count. A sum over rows (a bias gradient) is cut in blocks fixed by
// its shape, not by the thread count, and the blocks added in order (src/layers/activations.ts).
import { host } from '../host/host.js';
import type { Kernels, Runtime } from '../runtime/wasm.js';
import { shapeClass, ukernelBits, type ShapeClass } from '../runtime/ukernels.js';
import { ThreadPool } from './pool.js';
import { show } from '../format.js';

export { ThreadPool, WorkerError } from './pool.js';

let pool: ThreadPool | null = null;
let poolRuntime: Runtime | null = null;
let active = 1;
let noticeShown = false;
let oversubscribedShown = false;
/** Multiplies the per-op work thresholds (setSplitThreshold). */
let splitScale = 1;

/** Cores available to this process (browsers: navigator.hardwareConcurrency). SIMDNET_THREADS overrides 'auto'. */
export async function availableThreads(): Promise<number> {
  const env = typeof process !== 'undefined' ? process.env?.SIMDNET_THREADS : undefined;
  if (env && Number.isInteger(Number(env)) && Number(env) > 0) return Number(env);
  return host().cores();
}

export function checkThreads(spec: unknown, fn: string): void {
  if (spec !== undefined && spec !== 'auto' && !(Number.isInteger(spec) && (spec as number) >= 1)) {
    throw new Error(`${fn}: threads must be 'auto' or a positive integer, got ${show(spec)}`);
  }
}

/**
 * Makes `spec` threads available to the kernels of rt (the calling thread plus spec - 1 workers) and
 * returns the count in use. Without shared memory it runs on one thread, with a one-line notice.
 */
export async function useThreads(rt: Runtime, spec: number | 'auto' | undefined): Promise<number> {
  const want = spec === undefined || spec === 'auto' ? await availableThreads() : spec;
  if (want > 1 && !rt.shared) {
    if (!noticeShown) {
      const why = typeof SharedArrayBuffer === 'undefined' ? 'SharedArrayBuffer is not available here (no cross-origin isolation)'
        : (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false ? 'this page is not cross-origin isolated (it needs the COOP and COEP headers)'
          : !host().canSpawnWorkers ? 'this host starts no workers'
            : 'the kernels were loaded with a memory workers cannot share (sn.ready({ shared: false }), or a build without -shared handed to sn.ready)';
      console.warn(`simdnet: ${why}; running on one thread`);
      noticeShown = true;
    }
    active = 1;
    return 1;
  }
  if (want > 1 && !oversubscribedShown) {
    const cores = host().cores();
    if (want > cores) {
      const asked = spec === undefined || spec === 'auto' ? `SIMDNET_THREADS=${want}` : `threads: ${want}`;
      console.warn(`simdnet: ${asked} is more than the ${cores} core${cores > 1 ? 's' : ''} here: the extra workers only take turns ` +
        'on them (slower, and each holds its own stack and kernels)' + (spec === undefined || spec === 'auto' ? '' : '; threads: \'auto\' uses one per core'));
      oversubscribedShown = true;
    }
  }
  if (want > 1 && (!pool || !pool.usable || pool.size < want - 1 || poolRuntime !== rt)) {
    pool?.terminate();
    pool = null;
    pool = await ThreadPool.create(rt, want - 1);
    poolRuntime = rt;
  }
  active = want;
  return want;
}

/** Threads the kernels currently use. */
export function activeThreads(): number { return active; }

/** Stops the workers (they are also unref'd: an idle pool never keeps Node alive). */
export function shutdown(): void {
  pool?.terminate();
  pool = null;
  active = 1;
}

/** Threads in use, the tasks each worker has run, and how often workers ran each kernel. */
export function threadStats(): { threads: number; shared: boolean; workerTasks: number[]; workerOps: Record<string, number> } {
  return {
    threads: active, shared: poolRuntime?.shared ?? false, workerTasks: pool?.tasksPerWorker ?? [],
    workerOps: Object.fromEntries(pool?.opCounts ?? []),
  };
}

/**
 * Test hook: scales the work below which an op stays on the calling thread (0 splits every op that has
 * more than one unit of work), so tests can show small ops reach the workers. Returns the previous scale.
 */
export function setSplitThreshold(scale: number): number {
  const prev = splitScale;
  splitScale = scale;
  return prev;
}

/** The pool in use, if any (tests and fault handling). */
export function currentPool(): ThreadPool | null { return pool; }

const MR = 4, NR = 8;
/** Below this many floats per extra thread, packing a matrix stays on the calling thread. */
const PACK_FLOATS_PER_THREAD = 1 << 15;
/** Below this much work (multiply-adds) per extra thread, a GEMM stays on the calling thread. */
const MIN_WORK_PER_THREAD = 1 << 18;

type WorkerKernel = keyof Kernels;

/** How many of `threads` the pool can run now (1 without a usable pool). */
function threadsAvailable(threads: number): number {
  return Math.min(threads, pool && pool.usable ? Math.min(active, pool.size + 1) : 1);
}

/** The longest of t ranges of `units` whole units, over an even share: the time the others wait for it. */
function imbalance(units: number, t: number): number {
  return Math.ceil(units / t) * t / units;
}

/**
 * Splits [0, total) into at most `threads` contiguous ranges (multiples of `align`): the calling thread runs
 * the first, the workers the others. Ranges never overlap and each is computed exactly as one thread would,
 * so the result is the same for any thread count.
 */
function splitAcrossThreads(rt: Runtime, op: WorkerKernel, total: number, threads: number, align: number,
  args: (start: number, count: number, scratch: number) => number[], what: string): void {
  const run = (a: number[]) => (rt.k[op] as (...x: number[]) => void)(...a);
  const t = threadsAvailable(threads);
  if (t <= 1) { run(args(0, total, rt.gemmScratch)); return; }
  const p = pool!;
  const chunk = Math.ceil(total / t / align) * align;
  const parts: [number, number][] = [];
  for (let s = 0; s < total; s += chunk) parts.push([s, Math.min(chunk, total - s)]);
  for (let w = 1; w < parts.length; w++) p.post(w - 1, op, args(parts[w][0], parts[w][1], p.scratch[w - 1]), what);
  let err: unknown = null;
  try { run(args(parts[0][0], parts[0][1], rt.gemmScratch)); } catch (e) { err = e; }
  for (let w = 1; w < parts.length; w++) p.wait(w - 1);
  if (err) throw err;
}

/**
 * gemm (see assembly/gemm.ts) split by rows of C over the active threads (by columns where that shares the
 * work more evenly); each thread computes whole rows (whole 8-column panels) with its own packing scratch, and
 * every thread runs the micro-kernel picked for the shape (ukernels.ts).
 */
export function parallelGemm(rt: Runtime, c: number, ldc: number, a: number, rowOff: number, redOff: number,
  b: number, bRs: number, bCs: number, m: number, n: number, k: number, mode: number, bias: number, what: string): void {
  const work = Math.floor((m * n * k) / (MIN_WORK_PER_THREAD * splitScale)) + 1;
  mode |= ukernelBits(rt, shapeClass(m, k), m * n * k);
  const byRows = Math.min(work, Math.ceil(m / MR)), byCols = Math.min(work, Math.ceil(n / NR));
  const tr = threadsAvailable(byRows), tc = threadsAvailable(byCols);
  // few rows of C (a first convolution's weight gradient: 27 rows, 7 row tiles, 4 and 3 on 2 threads) split
  // better by columns: whole panels of NR, each element's sum over k the same, so the same bits
  if (tc > 1 && (tr < tc || imbalance(Math.ceil(n / NR), tc) < imbalance(Math.ceil(m / MR), tr))) {
    splitAcrossThreads(rt, 'gemm', n, byCols, NR, (j0, cols, scratch) =>
      [c + j0 * 4, ldc, a, rowOff, redOff, b + j0 * bCs * 4, bRs, bCs, m, cols, k, mode, bias ? bias + j0 * 4 : 0, scratch], what);
    return;
  }
  splitAcrossThreads(rt, 'gemm', m, byRows, MR,
    (i0, rows, scratch) => [c + i0 * ldc * 4, ldc, a, rowOff + i0 * 4, redOff, b, bRs, bCs, rows, n, k, mode, bias, scratch], what);
}

/**
 * A K×N matrix B packed once into the micro-kernels' panel layout (gemm_pack) for many products: a weight
 * packed once per version (per optimizer step in training, once per load in inference; an RNN's recurrent
 * kernel once per batch for all its time steps), shared by all threads. K may be less than the maximum it
 * was made for.
 */
export class PackedMatrix {
  readonly offset: number;
  /** The reduction length of the matrix packed last. */
  k: number;
  /** The version B was packed from (-1: none yet, or packed for one product only). */
  version = -1;

  constructor(private readonly rt: Runtime, readonly n: number, readonly maxK: number, alloc: (floats: number, what: string) => number, what: string) {
    this.offset = alloc(Math.max(1, rt.k.gemm_packed_floats(n, maxK)), `${what} (packed)`);
    this.k = maxK;
  }

  /** Packs B(r, j) = b[r*bRs + j*bCs], r < k, unless it holds that version already (version -1: always). */
  pack(b: number, bRs: number, bCs: number, version = -1, k = this.maxK): this {
    if (k > this.maxK) throw new Error(`PackedMatrix: K = ${k} is more than the ${this.maxK} it was made for`);
    if (version < 0 || version !== this.version || k !== this.k) {
      // whole panels of NR columns per thread: a copy, the same bytes for any split
      const { offset, n } = this;
      parallelFor(this.rt, 'gemm_pack_columns', n, Math.max(NR, Math.ceil(PACK_FLOATS_PER_THREAD / k)), NR,
        (c0, count) => [offset, b + c0 * bCs * 4, bRs, bCs, n, k, c0, count], 'packing a weight');
      this.version = version;
      this.k = k;
    }
    return this;
  }
}

/**
 * parallelGemm with B packed once (PackedMatrix): the same micro-kernels and bits, split by rows of C; no
 * thread packs anything. cls: the shape class (default: by M and K).
 */
export function parallelGemmPacked(rt: Runtime, c: number, ldc: number, a: number, rowOff: number, redOff: number,
  b: PackedMatrix, m: number, mode: number, bias: number, what: string, cls?: ShapeClass): void {
  const { n, k } = b;
  const threads = Math.min(Math.floor((m * n * k) / (MIN_WORK_PER_THREAD * splitScale)) + 1, Math.ceil(m / MR));
  mode |= ukernelBits(rt, cls ?? shapeClass(m, k), m * n * k);
  splitAcrossThreads(rt, 'gemm_packed', m, threads, MR,
    (i0, rows, scratch) => [c + i0 * ldc * 4, ldc, a, rowOff + i0 * 4, redOff, b.offset, rows, n, k, mode, bias, scratch], what);
}

/**
 * Runs an elementwise or per-image op over [0, total) split over the active threads; args(start, count,
 * scratch) gives the op's arguments for one range, scratch being that thread's gemm_pack_floats() floats
 * (for kernels that work in blocks, as Winograd's). Below minPerThread items per extra thread it stays on
 * the calling thread.
 */
export function parallelFor(rt: Runtime, op: Exclude<WorkerKernel, 'gemm'>, total: number,
  minPerThread: number, align: number, args: (start: number, count: number, scratch: number) => number[], what: string): void {
  const threads = splitScale === 0 ? Math.ceil(total / align) : Math.floor(total / (minPerThread * splitScale)) + 1;
  splitAcrossThreads(rt, op, total, threads, align, args, what);
}
