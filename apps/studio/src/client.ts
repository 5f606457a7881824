// The page's side of the worker protocol (protocol.ts): each request a promise of its reply, with the
// worker's events on the way.
import type { Answer, Envelope, Replies, Request, WorkerEvent } from './protocol.js';

/** The training worker, as promises: one reply per request, events on the way. */
export class StudioWorker {
  private readonly worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; onEvent?: (e: WorkerEvent) => void }>();

  constructor(onFailure: (message: string) => void) {
    this.worker.onmessage = (e: MessageEvent<Answer>) => {
      const a = e.data, p = this.pending.get(a.id);
      if (!p) return;
      if ('event' in a) { p.onEvent?.(a.event); return; }
      this.pending.delete(a.id);
      if ('error' in a) p.reject(new Error(a.error)); else p.resolve(a.result);
    };
    this.worker.onerror = (e) => {
      const message = `the training worker failed: ${e.message || 'it could not start'}`;
      for (const p of this.pending.values()) p.reject(new Error(message));
      this.pending.clear();
      onFailure(message);
    };
  }

  call<T extends Request['type']>(request: Extract<Request, { type: T }>, onEvent?: (e: WorkerEvent) => void, transfer: Transferable[] = []): Promise<Replies[T]> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onEvent });
      this.worker.postMessage({ id, request } satisfies Envelope, transfer);
    });
  }
}
