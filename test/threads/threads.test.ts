// Multi-threaded training over one shared Wasm memory: bit-identical results for 1, 2 and 4 threads,
// one-thread fallback without SharedArrayBuffer, faults that reject instead of hanging, prompt exit, no
// leaks over many fit calls.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { runtime } from '../../src/runtime/wasm.js';
import { currentPool, useThreads, WorkerError } from '../../src/threads/index.js';
import { setMicroKernel } from '../../src/runtime/ukernels.js';
import { blobTask } from '../labModel.js';

const run = promisify(execFile);
afterAll(() => sn.shutdownThreads());

function smallCnn(seed = 5): sn.Sequential {
  const m = sn.sequential({ seed });
  m.add(sn.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [42, 42, 3] }));
  m.add(sn.layers.maxPooling2d({ poolSize: 2 }));
  m.add(sn.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(sn.layers.dropout({ rate: 0.2 }));
  m.add(sn.layers.averagePooling2d({ poolSize: 2 }));
  m.add(sn.layers.flatten());
  m.add(sn.layers.dense({ units: 64, activation: 'relu' }));
  m.add(sn.layers.dense({ units: 16, activation: 'softmax' }));
  m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

async function trainedWeights(threads: number, lab = false): Promise<{ w: sn.Tensor[]; loss: number[]; p: Float32Array }> {
  const { x, y } = blobTask(96, 21);
  const m = lab ? sn.models.labFaceCnn({ seed: 5 }) : smallCnn();
  if (lab) m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true }), loss: 'categoricalCrossentropy' });
  const h = await m.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0, seed: 9, threads });
  const p = (await m.predict(x, { threads })).data as Float32Array;
  const w = m.getWeights();
  m.dispose();
  return { w, loss: h.history.loss, p };
}

const bits = (ts: sn.Tensor[]) => ts.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64'));

describe('threads', () => {
  it('gives bit-identical weights, losses and predictions with 1, 2 and 4 threads (same seed)', async () => {
    const one = await trainedWeights(1);
    for (const t of [2, 4]) {
      const other = await trainedWeights(t);
      expect(currentPool()!.size).toBeGreaterThanOrEqual(t - 1);
      expect(other.loss).toEqual(one.loss);
      expect(bits(other.w)).toEqual(bits(one.w));
      expect(Buffer.from(other.p.buffer).equals(Buffer.from(one.p.buffer))).toBe(true);
    }
  });

  it('every GEMM micro-kernel trains the same bits, on 1 and 2 threads (the choice is one of speed only)', async () => {
    const timed = await trainedWeights(1);
    try {
      for (const [kernel, threads] of [['4x8_loadsplat', 2], ['4x8_splat', 1], ['6x8_loadsplat', 2], ['6x8_splat', 2]] as const) {
        setMicroKernel(kernel);
        const other = await trainedWeights(threads);
        expect(other.loss, kernel).toEqual(timed.loss);
        expect(bits(other.w), kernel).toEqual(bits(timed.w));
      }
    } finally {
      setMicroKernel(null);
    }
  });

  it('the lab CNN trains bit-identically on 1 and 2 threads', async () => {
    const a = await trainedWeights(1, true), b = await trainedWeights(2, true);
    expect(bits(b.w)).toEqual(bits(a.w));
  });

  it('the lab sentiment RNN trains bit-identically on 1 and 2 threads', async () => {
    const ids = Float32Array.from({ length: 256 * 40 }, (_, i) => ((i * 7919) % 997) + 1);
    const labels = sn.tensor(Float32Array.from({ length: 256 }, (_, i) => i % 2), [256, 1]);
    const run = async (threads: number) => {
      const m = sn.models.labSentimentRnn({ sequenceLength: 40, seed: 3 });
      m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
      await m.fit(sn.tensor(ids, [256, 40]), labels, { epochs: 1, batchSize: 128, verbose: 0, seed: 1, threads });
      const w = m.getWeights();
      m.dispose();
      return bits(w);
    };
    expect(await run(2)).toEqual(await run(1));
  });

  it('runs on one thread with a notice, and the same results, where SharedArrayBuffer is missing', async () => {
    const script = `
      const sn = await import(${JSON.stringify(path.resolve('dist/src/index.js'))});
      const x = sn.tensor(Float32Array.from({ length: 64 * 5292 }, (_, i) => ((i * 7919) % 1009) / 1009), [64, 42, 42, 3]);
      const y = sn.utils.toCategorical(Int32Array.from({ length: 64 }, (_, i) => i % 16), 16);
      const m = sn.models.labFaceCnn({ seed: 2 });
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      await m.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0, seed: 4, threads: 2 });
      const h = require('node:crypto').createHash('sha256');
      for (const w of m.getWeights()) h.update(Buffer.from(w.data.buffer));
      console.log('SAB=' + typeof SharedArrayBuffer + ' threads=' + sn.activeThreads() + ' hash=' + h.digest('hex'));`;
    const child = async (flags: string[]) => {
      const r = await run(process.execPath, [...flags, '--input-type=module', '-e', `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n${script}`]);
      return { out: r.stdout.trim(), err: r.stderr };
    };
    const isolated = await child(['--no-harmony-sharedarraybuffer']);
    const normal = await child([]);
    expect(isolated.out).toMatch(/^SAB=undefined threads=1 hash=/);
    expect(isolated.err).toMatch(/SharedArrayBuffer is not available here .*running on one thread/);
    expect(normal.out).toMatch(/^SAB=function threads=2 hash=/);
    expect(isolated.out.split('hash=')[1]).toBe(normal.out.split('hash=')[1]);
  });

  it('says why it runs on one thread after sn.ready({ shared: false }), and warns once when asked for more threads than cores', async () => {
    const script = (ready: string, threads: string) => `
      const sn = await import(${JSON.stringify(path.resolve('dist/src/index.js'))});
      ${ready}
      const m = sn.sequential(); m.add(sn.layers.dense({ units: 2, inputShape: [3] }));
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      const x = sn.tensor(new Float32Array(12).fill(0.5), [4, 3]), y = sn.tensor(new Float32Array(8), [4, 2]);
      for (let i = 0; i < 2; i++) await m.fit(x, y, { verbose: 0, threads: ${threads} });
      console.log('threads=' + sn.activeThreads()); sn.shutdownThreads();`;
    const child = async (ready: string, threads: string) => {
      const r = await run(process.execPath, ['--input-type=module', '-e', script(ready, threads)]);
      return { out: r.stdout.trim(), err: r.stderr };
    };
    const unshared = await child('await sn.ready({ shared: false });', '2');
    expect(unshared.out).toBe('threads=1');
    expect(unshared.err.trim()).toBe('simdnet: the kernels were loaded with a memory workers cannot share (sn.ready({ shared: false }), or a build without -shared handed to sn.ready); running on one thread');
    const many = await child('', 'require_cores + 1'.replace('require_cores', String((await import('node:os')).availableParallelism())));
    expect(many.err.match(/simdnet: threads: \d+ is more than the \d+ cores? here/g)).toHaveLength(1);
    const auto = await child('', "'auto'");
    expect(auto.err).toBe('');
  });

  it('a worker that throws or dies makes fit reject naming the worker and the op; the pool is torn down', async () => {
    const { x, y } = blobTask(64, 8);
    const m = smallCnn();
    await useThreads(runtime(), 2);
    currentPool()!.injectFault = 'throw';
    await expect(m.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0, threads: 2 }))
      .rejects.toThrow(/worker 1 failed: Error: injected fault.* while running conv2d forward GEMM/);
    expect(currentPool()!.usable).toBe(false);
    // the next call starts a fresh pool and works
    await m.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0, threads: 2 });
    expect(currentPool()!.usable).toBe(true);
    currentPool()!.injectFault = 'exit';
    const err = await m.predict(x, { threads: 2 }).catch((e) => e);
    expect(err).toBeInstanceOf(WorkerError);
    expect(String(err.message)).toMatch(/worker 1 died \(exited with code 3[^)]*\) while running conv2d forward GEMM/);
    // a kernel fault inside a worker (out-of-bounds pointer) is reported, not hung on
    await useThreads(runtime(), 2);
    const pool = currentPool()!;
    pool.post(0, 'gemm', [2 ** 31, 8, 0, 0, 0, 0, 8, 1, 64, 8, 8, 0, 0, pool.scratch[0]], 'a test GEMM');
    expect(() => pool.wait(0)).toThrow(/worker 1 failed: RuntimeError: memory access out of bounds.* while running a test GEMM/);
    m.dispose();
  });

  it('waiting threads poll briefly only when each has a core of its own', async () => {
    const cores = (await import('node:os')).availableParallelism();
    const spin = async (threads: number) => { sn.shutdownThreads(); await useThreads(runtime(), threads); return currentPool()!.spinMs; };
    expect(await spin(cores + 1)).toBe(0);
    expect(await spin(2)).toBe(cores >= 2 ? 0.5 : 0);
    sn.shutdownThreads();
  });

  it('a hundred successive fit calls leak neither workers nor memory', async () => {
    const m = sn.sequential();
    m.add(sn.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 3] }));
    m.add(sn.layers.flatten());
    m.add(sn.layers.dense({ units: 4, activation: 'softmax' }));
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const x = sn.tensor(Float32Array.from({ length: 64 * 432 }, (_, i) => (i % 17) / 17), [64, 12, 12, 3]);
    const y = sn.utils.toCategorical(Int32Array.from({ length: 64 }, (_, i) => i % 4), 4);
    await m.fit(x, y, { epochs: 1, verbose: 0, threads: 2 });
    const pool = currentPool();
    const used = sn.memory().usedBytes;
    for (let i = 0; i < 100; i++) await m.fit(x, y, { epochs: 1, verbose: 0, threads: 2 });
    expect(currentPool()).toBe(pool); // the same two-thread pool, no new workers
    expect(sn.memory().usedBytes).toBe(used);
    m.dispose();
  });

  it('the process exits promptly after multi-threaded training (no dangling workers)', async () => {
    const script = `
      const sn = await import(${JSON.stringify(path.resolve('dist/src/index.js'))});
      const m = sn.models.labFaceCnn();
      m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
      const x = sn.tensor(new Float32Array(32 * 5292).fill(0.5), [32, 42, 42, 3]);
      await m.fit(x, sn.utils.toCategorical(new Int32Array(32), 16), { epochs: 1, verbose: 0, threads: 2 });
      console.log('threads', sn.activeThreads());`;
    const t0 = performance.now();
    const r = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 });
    expect(r.stdout.trim()).toBe('threads 2');
    expect(performance.now() - t0).toBeLessThan(30_000);
  });
});
