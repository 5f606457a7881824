// Datasets larger than memory: fitDataset over batches made on the fly (no disk) at 10k, 100k and 1M
// images, and sn.data.imageDataset over a folder of photos written first — seconds per epoch, images per
// second and peak resident memory, beside fit() on the same data held in memory where that fits.
//
//   node dist/bench/stream.js [--sizes 10000,100000,1000000] [--folder 10000] [--model small|lab]
//
// Each size runs in its own child process, so each peak RSS is that run's alone. 'small' is a 3-layer CNN
// (the streaming machinery at speed); 'lab' the lab's 6-convolution CNN (seconds per epoch of the real job).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import * as sn from '../src/index.js';

const H = 42, W = 42, C = 3, CLASSES = 16, BATCH = 32;
const per = H * W * C;

function option(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

function model(kind: string): sn.Sequential {
  if (kind === 'lab') return sn.models.labFaceCnn({ seed: 1 });
  const m = sn.sequential({ seed: 1 });
  m.add(sn.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, activation: 'relu', inputShape: [H, W, C] }));
  m.add(sn.layers.globalAveragePooling2d());
  m.add(sn.layers.dense({ units: CLASSES, activation: 'softmax' }));
  return m;
}

/** Image i of a generated set: a class-dependent bright square on noise, fixed by i alone. */
function fillImage(out: Float32Array, off: number, i: number): number {
  const cls = i % CLASSES;
  let s = (Math.imul(i + 1, 0x9e3779b1) >>> 0) || 1;
  for (let j = 0; j < per; j++) { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; out[off + j] = (s & 255) / 1024; }
  const y0 = 2 * (cls >> 2) * 5, x0 = 2 * (cls & 3) * 5;
  for (let y = y0; y < y0 + 8; y++) for (let x = x0; x < x0 + 8; x++) for (let c = 0; c < C; c++) out[off + (y * W + x) * C + c] += 0.75;
  return cls;
}

function generated(n: number): () => Iterable<{ xs: sn.Tensor; ys: sn.Tensor }> {
  return function* () {
    for (let from = 0; from < n; from += BATCH) {
      const count = Math.min(BATCH, n - from);
      const xs = new Float32Array(count * per), ys = new Float32Array(count * CLASSES);
      for (let r = 0; r < count; r++) ys[r * CLASSES + fillImage(xs, r * per, from + r)] = 1;
      yield { xs: sn.tensor(xs, [count, H, W, C]), ys: sn.tensor(ys, [count, CLASSES]) };
    }
  };
}

const peakMiB = () => process.resourceUsage().maxRSS / 1024;

/** One measurement, in this process: prints a JSON line. */
async function child(kind: string, mode: string, n: number, folder: string): Promise<void> {
  const m = model(kind);
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  let t0 = performance.now();
  let h: sn.History;
  if (mode === 'stream') h = await m.fitDataset(generated(n), { epochs: 1, verbose: 0, seed: 0 });
  else if (mode === 'folder') h = await m.fitDataset(sn.data.imageDataset(folder, { size: [H, W], batchSize: BATCH, seed: 0 }), { epochs: 1, verbose: 0, seed: 0 });
  else {
    const xs = new Float32Array(n * per), ys = new Float32Array(n * CLASSES);
    for (let i = 0; i < n; i++) ys[i * CLASSES + fillImage(xs, i * per, i)] = 1;
    t0 = performance.now(); // in memory: the data is made before the clock starts (streamed: during the epoch)
    h = await m.fit(sn.tensor(xs, [n, H, W, C]), sn.tensor(ys, [n, CLASSES]), { epochs: 1, batchSize: BATCH, verbose: 0, seed: 0, shuffle: false });
  }
  const s = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ kind, mode, n, seconds: s, imagesPerSecond: n / s, peakRssMiB: peakMiB(), wasmMiB: sn.memory().wasmBytes / 2 ** 20,
    accuracy: h.history.accuracy[0] }));
  sn.shutdownThreads();
}

function writeFolder(n: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simdnet-stream-'));
  const img = new Float32Array(per);
  for (let i = 0; i < n; i++) {
    const cls = fillImage(img, 0, i);
    const sub = path.join(dir, `c${String(cls).padStart(2, '0')}`);
    if (i < CLASSES) fs.mkdirSync(sub);
    const png = new PNG({ width: W, height: H, colorType: 2 });
    for (let p = 0; p < H * W; p++) {
      for (let c = 0; c < 3; c++) png.data[p * 4 + c] = Math.min(255, Math.round(img[p * 3 + c] * 255));
      png.data[p * 4 + 3] = 255;
    }
    fs.writeFileSync(path.join(sub, `${i}.png`), PNG.sync.write(png));
  }
  return dir;
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) {
    await child(option('model', 'small'), option('mode', 'stream'), Number(option('n', '0')), option('dir', ''));
    return;
  }
  const kind = option('model', 'small');
  const sizes = option('sizes', '10000,100000,1000000').split(',').map(Number);
  const folderN = Number(option('folder', '10000'));
  const self = fileURLToPath(import.meta.url);
  const run = (mode: string, n: number, dir = ''): Record<string, number | string> | string => {
    const r = spawnSync(process.execPath, [self, '--child', '--model', kind, '--mode', mode, '--n', String(n), '--dir', dir], { encoding: 'utf8' });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try { return JSON.parse(line); } catch { return `failed: ${(r.stderr || line).trim().split('\n').pop()}`; }
  };
  console.log(`# fitDataset, one epoch, model '${kind}', batch ${BATCH}, ${H}x${W}x${C}; ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, Node ${process.version}`);
  console.log('| data | images | s / epoch | img/s | peak RSS MiB | Wasm memory MiB |');
  console.log('|---|---|---|---|---|---|');
  const row = (label: string, r: Record<string, number | string> | string, n: number) => console.log(typeof r === 'string'
    ? `| ${label} | ${n} | ${r} | | | |`
    : `| ${label} | ${n} | ${(r.seconds as number).toFixed(1)} | ${(r.imagesPerSecond as number).toFixed(0)} | ${(r.peakRssMiB as number).toFixed(0)} | ${(r.wasmMiB as number).toFixed(0)} |`);
  for (const n of sizes) {
    row('generated, streamed (fitDataset)', run('stream', n), n);
    if (n <= 100_000) row('generated, in memory (fit)', run('memory', n), n);
  }
  if (folderN > 0) {
    const dir = writeFolder(folderN);
    try { row('PNG folder (imageDataset, 2 decoding threads)', run('folder', folderN, dir), folderN); } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  }
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exitCode = 1; });
