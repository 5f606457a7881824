// A pool of workers computing on the one shared Wasm memory: the module is compiled once and
// instantiated in every worker on the same memory; workers run kernels on raw pointers only (all
// allocation stays with the calling thread's arena). One interface, two hosts: Node worker_threads and
// browser Web Workers. Tasks are posted through control slots in the shared memory with Atomics, so a
// dispatch costs microseconds; the calling thread takes a share of every op itself.
import { host, type HostWorker } from '../host/host.js';
import type { Runtime } from '../runtime/wasm.js';
import { ARGS_OFFSET, MESSAGE_BYTES, MESSAGE_OFFSET, SLOT_BYTES, WORKER_SOURCE } from './worker-source.js';

/** Test-only fault injections a worker understands besides the kernels. */
const FAULT_OPS = ['__throw', '__exit'];

/** What a worker may run, by index: every function the kernel module exports, then the fault injections. */
function workerOps(module: WebAssembly.Module): string[] {
  return [...WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name), ...FAULT_OPS];
}

/**
 * How long a thread that waits (a worker for its next task, the caller for a worker's share) polls before it
 * sleeps: waking a sleeping thread costs 20–70 µs on a VM, and a training step posts a task every ~0.1–1 ms.
 */
const SPIN_MS = 0.5;

/** How long a worker may take for one op before the pool gives up on it (it may have died). */
const DEFAULT_TIMEOUT_MS = 120_000;

export class WorkerError extends Error {}

export class ThreadPool {
  readonly size: number;
  private workers: HostWorker[] = [];
  private slots: number[] = [];
  // Views of each control slot, made once: a shared memory never detaches when it grows, so they stay valid
  private ctl: Int32Array[] = [];
  private args: Float64Array[] = [];
  private seq: number[] = [];
  /** What each worker is running, for error messages. */
  private pending: string[] = [];
  private broken: string | null = null;
  readonly scratch: number[] = [];
  private readonly blocking = host().canBlock;
  private readonly ops: string[];
  private readonly opIndex: Map<string, number>;
  /**
   * Milliseconds a waiting thread polls before it sleeps: 0 when the threads outnumber the cores, where a
   * polling thread would take time from one doing the work.
   */
  readonly spinMs: number;
  /** How many times workers ran each kernel (tests show that an op really reaches the workers). */
  readonly opCounts = new Map<string, number>();
  timeoutMs = DEFAULT_TIMEOUT_MS;

  private constructor(readonly rt: Runtime, workers: number) {
    this.size = workers;
    this.ops = workerOps(rt.module);
    this.opIndex = new Map(this.ops.map((op, i) => [op, i]));
    this.spinMs = workers + 1 <= host().cores() ? SPIN_MS : 0;
  }

  /** Starts `workers` helper threads on rt's shared memory (the caller is the extra thread). */
  static async create(rt: Runtime, workers: number): Promise<ThreadPool> {
    if (!rt.shared) throw new Error('threads: the runtime has no shared memory');
    const pool = new ThreadPool(rt, workers);
    const ready: Promise<void>[] = [];
    try {
      for (let i = 0; i < workers; i++) {
        const slot = rt.arena.allocZeroed(SLOT_BYTES, `worker ${i + 1} control slot`);
        pool.ctl.push(new Int32Array(rt.memory.buffer, slot, 8));
        pool.args.push(new Float64Array(rt.memory.buffer, slot + ARGS_OFFSET, 64));
        pool.slots.push(slot);
        pool.seq.push(0);
        pool.scratch.push(rt.arena.alloc(rt.k.gemm_pack_floats() * 4, `worker ${i + 1} GEMM scratch`));
        const init = { type: 'init', module: rt.module, memory: rt.memory, slot, ops: pool.ops, spinMs: pool.spinMs };
        ready.push(pool.spawn(i, init));
      }
      await Promise.all(ready);
    } catch (e) {
      pool.terminate();
      throw e;
    }
    return pool;
  }

  private async spawn(index: number, init: object): Promise<void> {
    const label = `worker ${index + 1}`;
    try {
      this.workers.push(await host().spawnWorker(WORKER_SOURCE, init, label));
    } catch (e) {
      throw new WorkerError((e as Error).message);
    }
  }

  /** Test hook: the next op posted to a worker makes it throw ('throw') or exit ('exit') instead. */
  injectFault: 'throw' | 'exit' | null = null;

  /** Posts op to worker i (0-based) with numeric args; returns at once. */
  post(i: number, op: string, args: number[], what: string): void {
    if (this.broken) throw new WorkerError(`threads: the pool is unusable: ${this.broken}`);
    if (this.injectFault) { op = this.injectFault === 'throw' ? '__throw' : '__exit'; this.injectFault = null; }
    const ctl = this.ctl[i];
    this.args[i].set(args);
    const index = this.opIndex.get(op) ?? -1;
    if (index < 0) throw new WorkerError(`threads: ${op} is not a kernel`);
    this.opCounts.set(op, (this.opCounts.get(op) ?? 0) + 1);
    Atomics.store(ctl, 3, index);
    Atomics.store(ctl, 4, args.length);
    this.pending[i] = what;
    this.seq[i] = Atomics.add(ctl, 0, 1) + 1;
    Atomics.notify(ctl, 0);
  }


  /** Waits for worker i's last posted op; throws a WorkerError naming the worker and the op on failure. */
  wait(i: number): void {
    const ctl = this.ctl[i];
    const start = performance.now();
    const deadline = start + this.timeoutMs, sleepAfter = start + this.spinMs;
    for (let polls = 1; ; polls++) {
      const status = Atomics.load(ctl, 2);
      if (status !== 0) this.fail(i, status);
      const done = Atomics.load(ctl, 1);
      if (done === this.seq[i]) return;
      if ((polls & 63) !== 0) continue;
      const now = performance.now();
      if (now > deadline) this.fail(i, -1);
      if (this.blocking && now > sleepAfter) Atomics.wait(ctl, 1, done, 50);
    }
  }

  private fail(i: number, status: number): never {
    const raw = new Uint8Array(this.rt.memory.buffer, this.slots[i] + MESSAGE_OFFSET, MESSAGE_BYTES);
    const end = raw.indexOf(0);
    const text = new TextDecoder().decode(raw.slice(0, end < 0 ? MESSAGE_BYTES : end));
    const what = this.pending[i] ?? 'an op';
    const why = status === -1 ? `did not finish within ${this.timeoutMs / 1000} s (it may have died)`
      : status === 2 ? `died (${text})` : `failed: ${text}`;
    const msg = `worker ${i + 1} ${why} while running ${what}`;
    this.broken = msg;
    this.terminate();
    throw new WorkerError(msg);
  }

  get usable(): boolean { return !this.broken && this.workers.length === this.size; }

  /** Ops each worker has run so far (shows that the work really spread). */
  get tasksPerWorker(): number[] { return [...this.seq]; }

  /**
   * Stops every worker. Their control slots and scratch return to the arena only once the threads have
   * exited, so a dying worker can never write into memory handed out again.
   */
  terminate(): void {
    const stopped = this.workers.map((w) => Promise.resolve(w.terminate()).catch(() => undefined));
    this.workers = [];
    const blocks = [...this.slots, ...this.scratch];
    this.slots = [];
    this.ctl = [];
    this.args = [];
    this.scratch.length = 0;
    this.broken ??= 'terminated';
    void Promise.all(stopped).then(() => {
      for (const off of blocks) this.rt.arena.release(off);
    });
  }
}
