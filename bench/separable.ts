// Depthwise and separable convolutions: a MobileNet-style block, batch 32 of [32, 32, 16] inputs —
//   depthwiseConv2d 3x3 same relu -> conv2d 1x1 32 relu -> separableConv2d 64 3x3 stride 2 same relu
//   -> separableConv2d 64 3x3 same relu -> globalAveragePooling2d -> dense 10 softmax
// training steps (SGD, Nesterov momentum) and inference in images/s, simdnet on one thread beside TensorFlow.js 4.22's
// wasm backend (XNNPACK) and PyTorch (bench/separable_torch.py, groups = channels) on one thread, in the same run.
//   npm run build && node dist/bench/separable.js [--quick]
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { p50 } from './stats.js';
import * as sn from '../src/index.js';
import { cpuInfo } from './cpu.js';
import { KEPT_MALLOC } from './peers.js';

const require = createRequire(import.meta.url);
const quick = process.argv.includes('--quick');
const B = 32, H = 32, W = 32, C = 16, CLASSES = 10;
const x32 = Float32Array.from({ length: B * H * W * C }, (_, i) => ((i * 7919) % 1000) / 1000);
const labels = Int32Array.from({ length: B }, (_, i) => i % CLASSES);


interface Row { peer: string; train: number | null; infer: number | null; note?: string }

async function simdnet(): Promise<Row> {
  const L = sn.layers;
  const m = sn.sequential({ seed: 1 });
  m.add(L.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [H, W, C] }));
  m.add(L.conv2d({ filters: 32, kernelSize: 1, activation: 'relu' }));
  m.add(L.separableConv2d({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
  m.add(L.separableConv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(L.globalAveragePooling2d());
  m.add(L.dense({ units: CLASSES, activation: 'softmax' }));
  m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true }), loss: 'sparseCategoricalCrossentropy' });
  const x = sn.tensor(x32, [B, H, W, C]), y = sn.tensor(labels, [B]);
  const bench = new Bench({ time: quick ? 300 : 2000, warmupIterations: 3 });
  bench.add('train', async () => { await m.fit(x, y, { epochs: 1, batchSize: B, verbose: 0, threads: 1 }); });
  bench.add('infer', async () => { await m.predict(x, { batchSize: B, threads: 1 }); });
  await bench.run();
  const row = { peer: `simdnet ${sn.version} (1 thread)`, train: B / (p50(bench, 'train') / 1000), infer: B / (p50(bench, 'infer') / 1000) };
  m.dispose();
  return row;
}

async function tfjsWasm(): Promise<Row> {
  const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
  wasm.setThreadsCount?.(1);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs backend wasm unavailable');
  await tf.ready();
  const L = tf.layers;
  const m = tf.sequential();
  m.add(L.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [H, W, C] }));
  m.add(L.conv2d({ filters: 32, kernelSize: 1, activation: 'relu' }));
  m.add(L.separableConv2d({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
  m.add(L.separableConv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(L.globalAveragePooling2d({}));
  m.add(L.dense({ units: CLASSES, activation: 'softmax' }));
  m.compile({ optimizer: tf.train.momentum(0.01, 0.9, true), loss: 'sparseCategoricalCrossentropy' });
  const x = tf.tensor4d(x32, [B, H, W, C]), y = tf.tensor1d(Array.from(labels));
  const row: Row = { peer: `tfjs ${tf.version.tfjs} wasm`, train: null, infer: null };
  const bench = new Bench({ time: quick ? 300 : 2000, warmupIterations: 3 });
  bench.add('infer', () => { const p = m.predict(x) as import('@tensorflow/tfjs').Tensor; p.dataSync(); p.dispose(); });
  await bench.run();
  row.infer = B / (p50(bench, 'infer') / 1000);
  try {
    const t = new Bench({ time: quick ? 300 : 2000, iterations: 3, warmupIterations: 1 });
    t.add('train', async () => { await m.trainOnBatch(x, y); });
    await t.run();
    row.train = B / (p50(t, 'train') / 1000);
  } catch (e) {
    row.note = `cannot train: ${(e as Error).message.split('\n')[0]}`;
  }
  x.dispose(); y.dispose(); m.dispose();
  return row;
}

function torch(keptMalloc: boolean): Row | string {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'separable_torch.py');
  if (spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) {
    return 'PyTorch skipped: /usr/bin/python3 cannot import torch (Debian: apt-get install -y python3-torch)';
  }
  const r = spawnSync('/usr/bin/python3', [script, '--threads', '1', '--reps', quick ? '5' : '15'],
    { encoding: 'utf8', env: { ...process.env, ...(keptMalloc ? KEPT_MALLOC : {}) } });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line) return `PyTorch failed: ${(r.stderr ?? '').trim().split('\n').pop()}`;
  const res = JSON.parse(line.slice(7)) as { torch: string; trainImgPerSec: number; inferImgPerSec: number };
  return { peer: `PyTorch ${res.torch} (1 thread${keptMalloc ? ', malloc keeps freed memory' : ''})`, train: res.trainImgPerSec, infer: res.inferImgPerSec };
}

const ours = await simdnet();
const rows: Row[] = [ours];
const notes: string[] = [];
try { rows.push(await tfjsWasm()); } catch (e) { notes.push(`tfjs wasm failed: ${(e as Error).message}`); }
// PyTorch by default and with glibc keeping freed memory (peers.ts' KEPT_MALLOC): by default this block's training
// measured 276-2732 img/s from one process to the next here, fresh pages costing this VM 10-18 µs each
for (const kept of [false, true]) {
  const t = torch(kept);
  if (typeof t === 'string') { notes.push(t); break; }
  rows.push(t);
}
const ratio = (a: number | null, b: number | null) => (a && b ? `${(a / b).toFixed(2)}×` : '—');
console.log(`${cpuInfo().line}; Node ${process.version}; kernels ${sn.backend()}; batch ${B}, medians`);
console.log('| peer | train img/s | infer img/s | simdnet train ÷ peer | simdnet infer ÷ peer |\n|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.peer} | ${r.train?.toFixed(0) ?? r.note ?? '—'} | ${r.infer?.toFixed(0) ?? '—'} | ${r === ours ? '' : ratio(ours.train, r.train)} | ${r === ours ? '' : ratio(ours.infer, r.infer)} |`);
}
for (const n of notes) console.log(n);
