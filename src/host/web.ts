// The host adapter for the web platform: browsers, Web Workers and Cloudflare Workers (workerd). No file
// system; cores from navigator; workers from a Blob URL where the host has Worker (workerd has none, so
// simdnet runs there on one thread); bytes through fetch. Installed by the web entry (src/browser.ts).
import { setHost, type Host, type HostWorker } from './host.js';

const g = globalThis as { Worker?: unknown; document?: unknown; navigator?: { hardwareConcurrency?: number } };
const hasWorker = typeof g.Worker === 'function';

export const webHost: Host = {
  name: 'web',
  files: null,
  workerThreads: null,
  cores: () => (hasWorker ? g.navigator?.hardwareConcurrency ?? 1 : 1),
  canSpawnWorkers: hasWorker,
  // Atomics.wait is refused on a browser's main thread; there the pool spins instead
  canBlock: typeof g.document === 'undefined',
  async spawnWorker(source: string, init: object, label: string): Promise<HostWorker> {
    if (!hasWorker) throw new Error(`${label}: this host has no Worker`);
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const w = new Worker(url);
    try {
      await new Promise<void>((resolve, reject) => {
        w.onmessage = (e: MessageEvent) => (e.data?.type === 'ready' ? resolve() : reject(new Error(`${label}: unexpected message`)));
        w.onerror = (e: ErrorEvent) => reject(new Error(`${label} failed to start: ${e.message}`));
        w.postMessage(init);
      });
    } catch (e) {
      w.terminate();
      throw e;
    } finally {
      URL.revokeObjectURL(url);
    }
    return w;
  },
  readUrlSync: null,
  async readUrl(url: URL): Promise<Uint8Array> {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    return new Uint8Array(await res.arrayBuffer());
  },
};

setHost(webHost);
