// The host adapter for Node (and Deno and Bun, which run Node's modules): files through node:fs, cores from
// node:os, workers from node:worker_threads. Installed by the Node entry (src/index.ts) when imported.
import { readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as workerThreads from 'node:worker_threads';
import { setHost, type Host, type HostWorker } from './host.js';

export const nodeHost: Host = {
  name: 'node',
  files: { fs, path },
  workerThreads,
  cores: () => os.availableParallelism?.() ?? os.cpus().length,
  canSpawnWorkers: true,
  canBlock: true,
  async spawnWorker(source: string, init: object, label: string): Promise<HostWorker> {
    const w = new workerThreads.Worker(source, { eval: true });
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
  readUrlSync: (url: URL) => new Uint8Array(readFileSync(url)),
  // Node 20 (V8 11.3) has relaxed SIMD behind --experimental-wasm-relaxed-simd; V8 reads its Wasm feature flags
  // at each validation and compile, so setting the flag at run time, before simdnet's first compile, turns it
  // on for the process (worker threads included). Node 22+ has it on already; Deno and Bun are left alone.
  enableRelaxedSimd: () => {
    const versions = process.versions as Record<string, string | undefined>;
    if (versions.bun || versions.deno || typeof v8.setFlagsFromString !== 'function') return;
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  },
  async readUrl(url: URL): Promise<Uint8Array> {
    if (url.protocol === 'file:') return new Uint8Array(await fs.readFile(url));
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    return new Uint8Array(await res.arrayBuffer());
  },
};

setHost(nodeHost);
