// What simdnet needs from its JavaScript host beyond the language: files, cores, worker threads and the
// kernels' bytes. One adapter per kind of host — Node's (node.ts: Node, Deno, Bun) and the web's
// (web.ts: browsers, Web Workers, Cloudflare Workers) — and each entry installs its own: the core never
// touches node: modules or browser APIs, so a browser bundle reaches no node: import.
import type * as NodeFs from 'node:fs/promises';
import type * as NodePath from 'node:path';
import type * as NodeWorkerThreads from 'node:worker_threads';

/** A started worker thread, as the thread pool sees it. */
export interface HostWorker { terminate(): unknown }

export interface Host {
  readonly name: 'node' | 'web';
  /** Node's fs/promises and path where the host has a file system (Node, Deno, Bun), else null. */
  readonly files: { fs: typeof NodeFs; path: typeof NodePath } | null;
  /** Node's worker_threads (Node, Deno, Bun), for threads that run simdnet's own modules (imageDataset's decoders). */
  readonly workerThreads: typeof NodeWorkerThreads | null;
  /** Cores this process may use. */
  cores(): number;
  /** Whether this host can start worker threads (Cloudflare Workers cannot). */
  readonly canSpawnWorkers: boolean;
  /** Whether Atomics.wait may block this thread (a browser's main thread may not). */
  readonly canBlock: boolean;
  /**
   * Starts a worker running `source` (workers/worker-source.ts), posts it `init` and resolves once it
   * answers { type: 'ready' }; rejects with `label` in the message if it fails to start.
   */
  spawnWorker(source: string, init: object, label: string): Promise<HostWorker>;
  /** The bytes at a URL: a file: URL from disk where there is one, anything else through fetch. */
  readUrl(url: URL): Promise<Uint8Array>;
  /** A file: URL's bytes, synchronously, where the host has a file system (the kernels load on a synchronous call). */
  readonly readUrlSync: ((url: URL) => Uint8Array) | null;
  /**
   * Turns on relaxed SIMD where the engine has it behind a switch (Node 20: V8's flag); the runtime calls it
   * only when a tiny relaxed module does not validate, and validates again after. Absent: nothing to turn on.
   */
  readonly enableRelaxedSimd?: () => void;
}

let current: Host | null = null;

/** Installs the host adapter (each entry does, on import). */
export function setHost(host: Host): void { current = host; }

/** The host adapter the entry installed. */
export function host(): Host {
  if (!current) throw new Error('simdnet: no host adapter installed; import simdnet (or simdnet/browser) rather than a file inside it');
  return current;
}

/** Node's file system, or an error naming the function and what to use instead. */
export function files(fn: string, instead: string): { fs: typeof NodeFs; path: typeof NodePath } {
  const f = current?.files;
  if (!f) throw new Error(`${fn}: needs a file system (Node, Deno or Bun); ${instead}`);
  return f;
}
