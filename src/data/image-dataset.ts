// imageDataset: a folder of labelled photos (loadImageFolder's layouts) streamed in batches for
// model.fitDataset — photos are decoded and resized in worker threads, a few batches ahead of training,
// so memory holds a few batches however many photos there are (Node). With the same seed it gives the
// batches fit() would draw from loadImageFolder's tensors: the same shuffle, the same pixels. The threads
// start with the first epoch and serve the next ones (a fresh thread's first batch took ~4 times a warm
// one's here: module loading, the kernels, V8's first compiles); idle, they hold no process open. They end
// with dataset.close() or when the dataset is garbage-collected; a pool whose thread failed is replaced by
// the next epoch.
import { host } from '../host/host.js';
import { EpochShuffler } from '../random.js';
import { Tensor } from '../tensor.js';
import { checkImageOptions, classOrder, listImageFolder, readPixels } from './image-folder.js';
import { workerScript } from './own-modules.js';
import { checkOptions, show, type AllOptions } from '../format.js';

export interface ImageDatasetOptions {
  /** [height, width] of the model input; default [42, 42]. */
  size?: [number, number];
  /** 3 (grayscale repeated, like OpenCV imread) or 1. */
  channels?: 1 | 3;
  batchSize?: number;
  /** Reshuffle every epoch (default true), from `seed` exactly as fit() shuffles. */
  shuffle?: boolean;
  seed?: number;
  /** Class order (index = label); default: sorted class names found. */
  classNames?: string[];
  /** 'categorical' (one-hot, default: what categoricalCrossentropy takes) or 'int' (class ids). */
  labelMode?: 'categorical' | 'int';
  /** Decoding threads (default: 2); 0 decodes on the calling thread. */
  workers?: number;
  /** Batches decoded ahead of training (default 3). */
  prefetch?: number;
  onWarning?: (message: string) => void;
}

const IMAGE_DATASET_OPTIONS = ['size', 'channels', 'batchSize', 'shuffle', 'seed', 'classNames', 'labelMode', 'workers', 'prefetch', 'onWarning'] as const;

/** A batch's pixels, decoded somewhere: in a worker thread, or here. */
type Decoder = (files: string[]) => Promise<Float32Array>;

export class ImageDataset implements AsyncIterable<{ xs: Tensor; ys: Tensor }> {
  /** Filled by ready(): every photo, its class, the class order. */
  files: string[] = [];
  classNames: string[] = [];
  private labels = new Int32Array(0);
  private readonly shuffler: EpochShuffler;
  /** The epoch fitDataset said comes next (setEpoch); null: the one after the last drawn. */
  private nextEpoch: number | null = null;
  private listed: Promise<void> | null = null;
  readonly batchSize: number;
  private readonly h: number; private readonly w: number; private readonly channels: 1 | 3;
  /** The decoding threads, once an epoch started them (replaced if one failed). */
  private decoders: Promise<Decoders> | null = null;

  private readonly opts: ImageDatasetOptions;

  constructor(readonly dir: string, opts: ImageDatasetOptions = {}) {
    checkOptions('imageDataset', opts, IMAGE_DATASET_OPTIONS satisfies AllOptions<ImageDatasetOptions, typeof IMAGE_DATASET_OPTIONS>);
    opts ??= {};
    this.opts = opts;
    const fn = 'imageDataset';
    ({ h: this.h, w: this.w, channels: this.channels } = checkImageOptions(fn, opts.size, opts.channels));
    this.batchSize = opts.batchSize ?? 32;
    for (const [k, v, min] of [['batchSize', this.batchSize, 1], ['workers', opts.workers ?? 2, 0], ['prefetch', opts.prefetch ?? 3, 1]] as const) {
      if (!Number.isInteger(v) || v < min) throw new Error(`${fn}: ${k} must be an integer ≥ ${min}, got ${show(v)}`);
    }
    if (opts.labelMode !== undefined && opts.labelMode !== 'categorical' && opts.labelMode !== 'int') {
      throw new Error(`${fn}: labelMode must be 'categorical' or 'int', got ${show(opts.labelMode)}`);
    }
    if (opts.seed !== undefined && !Number.isInteger(opts.seed)) throw new Error(`${fn}: seed must be an integer, got ${show(opts.seed)}`);
    this.shuffler = new EpochShuffler(opts.seed ?? 0);
  }

  /** Lists the folder (once); size, batches and classNames are known after it. fitDataset awaits it. */
  ready(): Promise<void> {
    const warn = this.opts.onWarning ?? ((m: string) => console.warn(m));
    this.listed ??= listImageFolder(this.dir, { onWarning: warn }, 'imageDataset').then((l) => {
      this.files = l.files;
      this.classNames = classOrder(l, this.dir, this.opts.classNames, warn, 'imageDataset');
      const index = new Map(this.classNames.map((c, i) => [c, i]));
      this.labels = Int32Array.from(l.labels, (c) => index.get(c)!);
    });
    return this.listed;
  }

  get size(): number { return this.files.length; }
  get batches(): number { return Math.ceil(this.size / this.batchSize); }

  /**
   * The next epoch is epoch `epoch` (from 0): its shuffle is the seed's epoch-th, as fit's is (fitDataset calls
   * this before each epoch, as PyTorch's DistributedSampler.set_epoch), so a run resumed with initialEpoch draws
   * the batches of the run it continues. Call after ready().
   */
  setEpoch(epoch: number): void { this.nextEpoch = epoch; }

  /** One epoch: a new shuffle (the next from the seed's sequence), then the batches in order. */
  async *[Symbol.asyncIterator](): AsyncIterator<{ xs: Tensor; ys: Tensor }> {
    await this.ready();
    const n = this.size, bs = this.batchSize;
    const order = Int32Array.from({ length: n }, (_, i) => i);
    if (this.opts.shuffle ?? true) this.shuffler.orderFor(order, this.nextEpoch ?? undefined);
    this.nextEpoch = null;
    const decoders = await this.pool();
    const ahead = this.opts.prefetch ?? 3;
    const pending: Promise<Float32Array>[] = [];
    let next = 0;
    const launch = () => {
      const b = next++;
      const files = Array.from(order.subarray(b * bs, Math.min(n, (b + 1) * bs)), (i) => this.files[i]);
      const decoded = decoders.decode(files);
      // a batch decoded ahead may fail before the loop awaits it: its error reaches fitDataset when its turn comes
      // (or is dropped with the epoch), never Node's unhandled-rejection exit
      decoded.catch(() => {});
      pending.push(decoded);
    };
    try {
      for (let b = 0; b < this.batches; b++) {
        while (next < this.batches && pending.length < ahead) launch();
        const pixels = await pending.shift()!;
        const idx = order.subarray(b * bs, Math.min(n, (b + 1) * bs));
        const count = idx.length;
        yield { xs: new Tensor(pixels, [count, this.h, this.w, this.channels]), ys: this.labelTensor(idx) };
      }
    } finally {
      // an abandoned epoch (stopTraining, an error) must not leave decodes running
      await Promise.allSettled(pending);
    }
  }

  /**
   * The decoding threads: those of the last epoch, or new ones if there were none or one failed (set at
   * once, so epochs that start together share one pool).
   */
  private pool(): Promise<Decoders> {
    const previous = this.decoders;
    const next = (async () => {
      const running = await previous?.catch(() => null);
      if (running && !running.failed()) return running;
      running?.close();
      const pool = await startDecoders(this.opts.workers ?? 2, this.h, this.w, this.channels);
      if (running) closeWhenCollected()?.unregister(running);
      closeWhenCollected()?.register(this, pool, pool);
      return pool;
    })();
    this.decoders = next;
    return next;
  }

  /**
   * Ends the decoding threads (asks them to stop: an epoch running still gets an error); the next epoch
   * starts new ones. Idle threads hold no process open either way.
   */
  async close(): Promise<void> {
    const pool = this.decoders;
    this.decoders = null;
    const running = await pool?.catch(() => null);
    if (running) { collected?.unregister(running); running.close(); }
  }

  private labelTensor(idx: Int32Array): Tensor {
    const ids = Int32Array.from(idx, (i) => this.labels[i]);
    if (this.opts.labelMode === 'int') return new Tensor(ids, [ids.length]);
    const k = this.classNames.length;
    const y = new Float32Array(ids.length * k);
    ids.forEach((c, r) => { y[r * k + c] = 1; });
    return new Tensor(y, [ids.length, k]);
  }
}

/** sn.data.imageDataset(dir, options): a streamed dataset for model.fitDataset. */
export function imageDataset(dir: string, opts?: ImageDatasetOptions): ImageDataset { return new ImageDataset(dir, opts); }

// ---- decoding threads (Node worker_threads) --------------------------------------------------------------

interface Decoders { decode(files: string[]): Promise<Float32Array>; failed(): boolean; close(): void }

/**
 * A dataset dropped without close() takes its idle threads with it. Made on first use, where the host has
 * FinalizationRegistry (Cloudflare Workers has not, nor threads to end).
 */
let collected: FinalizationRegistry<Decoders> | null = null;
const closeWhenCollected = (): FinalizationRegistry<Decoders> | null =>
  typeof FinalizationRegistry === 'undefined' ? null : (collected ??= new FinalizationRegistry<Decoders>((pool) => pool.close()));

/**
 * The worker's source: it decodes whole batches with simdnet's own image code (a compiled module). Made when
 * a decoder starts, not at import: hosts without files (Cloudflare Workers) have no import.meta.url.
 */
const decoderSource = () => workerScript(`
  const { readPixels } = await load('data/image-folder.js');
  parentPort.on('message', async ({ id, files, h, w, channels }) => {
    try {
      const out = new Float32Array(files.length * h * w * channels);
      for (let i = 0; i < files.length; i++) out.set(await readPixels(files[i], h, w, channels), i * h * w * channels);
      parentPort.postMessage({ id, pixels: out }, [out.buffer]);
    } catch (e) {
      parentPort.postMessage({ id, error: e && e.message ? e.message : String(e) });
    }
  });`);

async function startDecoders(count: number, h: number, w: number, channels: 1 | 3): Promise<Decoders> {
  const per = h * w * channels;
  const here: Decoder = async (files) => {
    const out = new Float32Array(files.length * per);
    for (let i = 0; i < files.length; i++) out.set(await readPixels(files[i], h, w, channels), i * per);
    return out;
  };
  if (count === 0) return { decode: here, failed: () => false, close: () => {} };
  const threads = host().workerThreads;
  if (!threads) throw new Error('imageDataset: decoding threads need Node\'s worker_threads (Node, Deno or Bun); use workers: 0');
  const { Worker } = threads;
  const workers = Array.from({ length: count }, () => new Worker(decoderSource(), { eval: true }));
  const waiting = new Map<number, { resolve: (p: Float32Array) => void; reject: (e: Error) => void }>();
  let failure: Error | null = null, closed = false;
  // idle threads hold no process open; threads with batches to decode do, until they answer
  const settle = (id: number) => {
    const p = waiting.get(id);
    waiting.delete(id);
    if (waiting.size === 0) for (const wk of workers) wk.unref();
    return p;
  };
  const fail = (e: Error) => {
    if (closed || failure) return; // the first failure is the one to report
    failure = e;
    for (const p of waiting.values()) p.reject(e);
    waiting.clear();
    for (const wk of workers) wk.unref();
  };
  for (const wk of workers) {
    wk.unref();
    wk.on('message', (m: { id: number; pixels?: Float32Array; error?: string }) => {
      const p = settle(m.id);
      if (m.error !== undefined) p?.reject(new Error(`imageDataset: ${m.error}`)); else p?.resolve(m.pixels!);
    });
    wk.on('error', (e) => fail(new Error(`imageDataset: a decoding thread failed: ${e.message}`)));
    // a thread ends only when closed: any other exit, even a clean one, would leave its batches unanswered
    wk.on('exit', (code) => fail(new Error(`imageDataset: a decoding thread exited (code ${code})`)));
  }
  let next = 0; // request ids: unique across epochs, and across epochs running at once
  return {
    decode: (files) => new Promise((resolve, reject) => {
      if (closed) { reject(new Error('imageDataset: the dataset was closed (ds.close()) while an epoch ran')); return; }
      if (failure) { reject(failure); return; }
      const id = next++;
      if (waiting.size === 0) for (const wk of workers) wk.ref();
      waiting.set(id, { resolve, reject });
      workers[id % workers.length].postMessage({ id, files, h, w, channels });
    }),
    failed: () => closed || failure !== null,
    close: () => {
      if (closed) return;
      closed = true;
      const gone = new Error('imageDataset: the dataset was closed (ds.close()) while an epoch ran');
      for (const p of waiting.values()) p.reject(gone);
      waiting.clear();
      for (const wk of workers) void wk.terminate();
    },
  };
}
