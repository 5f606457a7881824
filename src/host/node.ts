// The host adapter for Node (and Deno and Bun, which run Node's modules): files through node:fs, cores from
// node:os, workers from node:worker_threads. Installed by the Node entry (src/index.ts) when imported.
// The built-in modules load on first use, through require: an ESM import of node:fs builds its whole export
// facade (node:stream and its friends), and the six imports together cost ~20 ms of every cold start while
// most processes need only readFileSync (the kernels) — see README, "Cold start".
import { createRequire } from 'node:module';
import type * as NodeFs from 'node:fs';
import type * as NodeFsPromises from 'node:fs/promises';
import type * as NodeOs from 'node:os';
import type * as NodePath from 'node:path';
import type * as NodeV8 from 'node:v8';
import type * as NodeWorkerThreads from 'node:worker_threads';
import { setHost, type Host, type HostWorker } from './host.js';

let require: NodeJS.Require | undefined;
/**
 * A built-in module, loaded on the first call. (The require is made then too, and from the working folder
 * when this module has no file URL — Deno importing simdnet from a CDN: built-ins resolve from anywhere.)
 */
const builtin = <T>(name: string): (() => T) => {
  let m: T | undefined;
  return () => (m ??= (require ??= createRequire(import.meta.url.startsWith('file:') ? import.meta.url : `${process.cwd()}/`))(name) as T);
};
const nodeFs = builtin<typeof NodeFs>('node:fs');
const fsPromises = builtin<typeof NodeFsPromises>('node:fs/promises');
const os = builtin<typeof NodeOs>('node:os');
const path = builtin<typeof NodePath>('node:path');
const v8 = builtin<typeof NodeV8>('node:v8');
const workerThreads = builtin<typeof NodeWorkerThreads>('node:worker_threads');

export const nodeHost: Host = {
  name: 'node',
  get files() { return { fs: fsPromises(), path: path() }; },
  get workerThreads() { return workerThreads(); },
  cores: () => os().availableParallelism?.() ?? os().cpus().length,
  canSpawnWorkers: true,
  canBlock: true,
  async spawnWorker(source: string, init: object, label: string): Promise<HostWorker> {
    const w = new (workerThreads().Worker)(source, { eval: true });
    try {
      await new Promise<void>((resolve, reject) => {
        w.once('message', (m: { type: string }) => (m.type === 'ready' ? resolve() : reject(new Error(`${label}: unexpected ${m.type}`))));
        w.once('error', (e) => reject(new Error(`${label} failed to start: ${e.message}`)));
        w.once('exit', (code) => reject(new Error(`${label} exited with code ${code} while starting`)));
        w.postMessage(init);
      });
    } catch (e) {
      void w.terminate();
      throw e;
    }
    w.removeAllListeners('exit');
    w.removeAllListeners('error');
    w.on('error', () => { /* reported through the control slot */ });
    w.unref(); // an idle pool never keeps the process alive
    return w;
  },
  readUrlSync: (url: URL) => new Uint8Array(nodeFs().readFileSync(url)),
  // Node 20 (V8 11.3) has relaxed SIMD behind --experimental-wasm-relaxed-simd; V8 reads its Wasm feature flags
  // at each validation and compile, so setting the flag at run time, before simdnet's first compile, turns it
  // on for the process (worker threads included). Node 22+ has it on already; Deno and Bun are left alone.
  enableRelaxedSimd: () => {
    const versions = process.versions as Record<string, string | undefined>;
    if (versions.bun || versions.deno || typeof v8().setFlagsFromString !== 'function') return;
    v8().setFlagsFromString('--experimental-wasm-relaxed-simd');
  },
  // a local file (the kernels: ~100 KB) is read synchronously: fs/promises' first read waits ~20 ms for
  // libuv's thread pool to start, longer than the read itself
  async readUrl(url: URL): Promise<Uint8Array> {
    if (url.protocol === 'file:') return new Uint8Array(nodeFs().readFileSync(url));
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    return new Uint8Array(await res.arrayBuffer());
  },
};

setHost(nodeHost);
