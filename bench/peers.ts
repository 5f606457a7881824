// Peers measured in the same process as simdnet: TensorFlow.js 4.22 with the 'cpu' (pure JS) and 'wasm'
// (XNNPACK, SIMD) backends, on the lab's CNN and the same data shape; and PyTorch (Debian's python3-torch)
// through the workplace's reference script ../shared/peers/torch_bench.py, run as a child process.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { p50 } from './stats.js';

const require = createRequire(import.meta.url);

export interface PeerResult {
  peer: string;
  trainImgPerSec: number | null;
  trainNote?: string;
  inferImgPerSec: number | null;
  latencyMs: number | null;
}

type TF = typeof import('@tensorflow/tfjs');

function labModel(tf: TF) {
  const L = tf.layers;
  const m = tf.sequential();
  m.add(L.conv2d({ inputShape: [42, 42, 3], filters: 32, kernelSize: 3, activation: 'relu' }));
  m.add(L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }));
  m.add(L.maxPooling2d({ poolSize: 2 }));
  m.add(L.dropout({ rate: 0.2 }));
  m.add(L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  m.add(L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  m.add(L.maxPooling2d({ poolSize: 2 }));
  m.add(L.dropout({ rate: 0.2 }));
  m.add(L.conv2d({ filters: 128, kernelSize: 3, activation: 'relu' }));
  m.add(L.conv2d({ filters: 128, kernelSize: 3, activation: 'relu' }));
  m.add(L.maxPooling2d({ poolSize: 2 }));
  m.add(L.dropout({ rate: 0.2 }));
  m.add(L.flatten());
  m.add(L.dense({ units: 1024, activation: 'relu' }));
  m.add(L.dropout({ rate: 0.5 }));
  m.add(L.dense({ units: 16, activation: 'softmax' }));
  m.compile({ optimizer: tf.train.momentum(0.01, 0.9, true), loss: 'categoricalCrossentropy' });
  return m;
}


/**
 * tfjs on `backend`. trainBatch: images per timed training step (the cpu backend needs minutes for 32);
 * 0 skips training. x32: 32 images [32, 42, 42, 3].
 */
export async function tfjsPeer(backend: 'cpu' | 'wasm', x32: Float32Array, trainBatch: number, quick: boolean): Promise<PeerResult> {
  const tf: TF = require('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} unavailable`);
  await tf.ready();
  const model = labModel(tf);
  const x = tf.tensor4d(x32, [32, 42, 42, 3]);
  const one = tf.slice(x, [0, 0, 0, 0], [1, 42, 42, 3]);
  const result: PeerResult = { peer: `tfjs ${tf.version.tfjs} ${backend}`, trainImgPerSec: null, inferImgPerSec: null, latencyMs: null };
  const bench = new Bench({ time: quick ? 200 : 1000, iterations: quick ? 2 : 3, warmupIterations: 1 });
  bench.add('infer', () => { const p = model.predict(x) as import('@tensorflow/tfjs').Tensor; p.dataSync(); p.dispose(); });
  bench.add('latency', () => { const p = model.predict(one) as import('@tensorflow/tfjs').Tensor; p.dataSync(); p.dispose(); });
  await bench.run();
  result.inferImgPerSec = 32 / (p50(bench, 'infer') / 1000);
  result.latencyMs = p50(bench, 'latency');
  if (trainBatch > 0) {
    const xs = tf.slice(x, [0, 0, 0, 0], [trainBatch, 42, 42, 3]);
    const ys = tf.oneHot(tf.tensor1d(Array.from({ length: trainBatch }, (_, i) => i % 16), 'int32'), 16);
    try {
      // one timed step: the cpu backend takes seconds per image, so no repetitions
      const t0 = performance.now();
      await model.fit(xs, ys, { epochs: 1, batchSize: trainBatch, verbose: 0 });
      result.trainImgPerSec = trainBatch / ((performance.now() - t0) / 1000);
      result.trainNote = `one step of batch ${trainBatch}`;
    } catch (e) {
      result.trainNote = `cannot train: ${(e as Error).message.split('\n')[0]}`;
    }
    xs.dispose(); ys.dispose();
  } else {
    result.trainNote = 'not measured';
  }
  x.dispose(); one.dispose(); model.dispose();
  return result;
}

const TORCH_BENCH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'peers', 'torch_bench.py');

/**
 * glibc's allocator told to keep freed memory (large blocks from the heap, up to its 32 MiB maximum, and no trimming):
 * by default PyTorch's step maps and unmaps its large tensors again and again, and each first touch of a fresh page
 * costs 10-18 µs on the VM this project runs on. Lab CNN, one thread, Zen 5, 2026-12-02: training 139-196 img/s by
 * default and 361-493 with this; its inference swung either way (1279-1304 vs 1010-1026 in short runs, 787 vs 1366 in
 * the 07:03 bench). The bench runs PyTorch both ways and compares simdnet with each (bench/RESULTS.md, twelfth session).
 */
export const KEPT_MALLOC: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: String(32 << 20), MALLOC_TRIM_THRESHOLD_: String(2 ** 32) };

/**
 * PyTorch CPU on `threads` threads: ../shared/peers/torch_bench.py (lab CNN, batch 32, SGD Nesterov, 640 random
 * images, median epoch of 5 after a warm-up) when /usr/bin/python3 can import torch; otherwise a reason. keptMalloc:
 * with KEPT_MALLOC in its environment.
 */
export function torchPeer(threads: number, quick: boolean, keptMalloc = false): PeerResult | string {
  if (!existsSync(TORCH_BENCH)) return `PyTorch skipped: ${TORCH_BENCH} not found`;
  if (spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
    return 'PyTorch skipped: /usr/bin/python3 cannot import torch (Debian: apt-get install -y python3-torch)';
  }
  const args = [TORCH_BENCH, '--threads', String(threads), ...(quick ? ['--n', '256', '--epochs', '2', '--predict-reps', '2', '--lat-reps', '20'] : [])];
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, ...(keptMalloc ? KEPT_MALLOC : {}) } });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line) return `PyTorch failed: ${(r.stderr ?? '').trim().split('\n').pop()}`;
  const res = JSON.parse(line.slice(7)) as { torch: string; trainImgPerSec: number; inferImgPerSecB32: number; latencyMsMedian: number };
  return {
    peer: `PyTorch ${res.torch} (${threads} thread${threads > 1 ? 's' : ''}${keptMalloc ? ', malloc keeps freed memory' : ''})`,
    trainImgPerSec: res.trainImgPerSec, trainNote: 'batch 32, median epoch',
    inferImgPerSec: res.inferImgPerSecB32, latencyMs: res.latencyMsMedian,
  };
}
