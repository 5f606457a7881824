// simdnet benchmarks, with the peers measured in the same run on the same data:
//   npm run bench [-- --json] [-- --quick] [-- --no-peers]
// Prints: the CPU it ran on, the Wasm SIMD peak of this machine, the GEMM micro-kernel chosen per shape class,
// GEMM GFLOP/s at the lab's conv shapes (chosen micro-kernel vs the 4x8 load-splat one, alternating rounds),
// and the lab CNN's training / inference throughput and latency beside TensorFlow.js (cpu and wasm backends) and
// PyTorch (by default, and with glibc keeping freed memory: peers.ts' KEPT_MALLOC).
// The CNN runs the default build (relaxed SIMD wherever it runs); SIMDNET_WASM=simd measures the plain one.
import os from 'node:os';
import { Bench } from 'tinybench';
import * as sn from '../src/index.js';
import { GEMM_UKERNEL_SHIFT, createRuntime, relaxedSimdSupported, type Runtime } from '../src/runtime/wasm.js';
import { microKernels, SHAPE_CLASSES, UKERNELS, ukernelName } from '../src/runtime/ukernels.js';
import { coldScript, EMPTY_SCRIPT, writeEntry } from './cold-entry.js';
import { cpuInfo } from './cpu.js';
import { peaks as probes } from './peak.js';
import { classOf, gflops, labPicks, labShapes, type LabPicks } from './shapes.js';
import { tfjsPeer, torchPeer, type PeerResult } from './peers.js';
import { median, p50 } from './stats.js';

const FLAGS: Record<string, string> = {
  '--quick': 'fewer rounds (a minute instead of three)',
  '--json': 'print the figures as one JSON object instead of the tables',
  '--no-peers': 'leave out TensorFlow.js and PyTorch',
  '--help': 'this text',
};
const args = new Set(process.argv.slice(2));
if (args.has('--help') || args.has('-h')) {
  console.log(`simdnet bench: the benchmarks of the README, peers in the same run\n${Object.entries(FLAGS).map(([f, what]) => `  ${f.padEnd(11)} ${what}`).join('\n')}`);
  process.exit(0);
}
for (const a of args) {
  if (!(a in FLAGS)) {
    console.error(`simdnet bench: unknown option ${a}; valid: ${Object.keys(FLAGS).join(' ')}`);
    process.exit(2);
  }
}
const json = args.has('--json');
const quick = args.has('--quick');
const log = (s: string) => { if (!json) console.log(s); };


/**
 * GFLOP/s of each shape with the micro-kernel chosen for its class and with the 4x8 load-splat kernel (the only
 * one before the variants), in alternating rounds (medians), per build; and the chosen kernel's fastest round,
 * which `main` sets beside the peak (itself the best of 9 runs): interference on a shared VM only ever slows a
 * run down, so the fastest run is the estimate of the undisturbed speed for both, and their ratio compares like
 * with like. The median's share of the peak is printed too.
 */
function gemmTable(flavours: Runtime[], picks: LabPicks): { rows: Record<string, unknown>[]; bests: Record<string, number>[] } {
  const rows: Record<string, unknown>[] = [], bests: Record<string, number>[] = [];
  const rounds = quick ? 3 : 7;
  for (const shape of labShapes(picks)) {
    const row: Record<string, unknown> = { shape: shape.name };
    const best: Record<string, number> = {};
    for (const rt of flavours) {
      const run = shape.setup(rt);
      Object.assign(row, { M: shape.m, N: shape.n, K: shape.k });
      const chosen = microKernels(rt, true).codes[classOf(shape)];
      const codes = chosen === 0 ? [0] : [0, chosen];
      const ms: number[][] = codes.map(() => []);
      for (const c of codes) { run(c << GEMM_UKERNEL_SHIFT); run(c << GEMM_UKERNEL_SHIFT); }
      for (let r = 0; r < rounds; r++) {
        codes.forEach((c, i) => { const t0 = performance.now(); run(c << GEMM_UKERNEL_SHIFT); ms[i].push(performance.now() - t0); });
      }
      row[`${rt.flavour} kernel`] = ukernelName(chosen, rt.flavour).replace(/^f32_gemm_|__wasm(relaxed)?simd(_fma)?/g, '');
      row[`${rt.flavour} GFLOP/s`] = gflops(shape, median(ms[ms.length - 1]));
      row[`${rt.flavour} 4x8_loadsplat GFLOP/s`] = gflops(shape, median(ms[0]));
      best[rt.flavour] = gflops(shape, Math.min(...ms[ms.length - 1]));
    }
    rows.push(row);
    bests.push(best);
  }
  return { rows, bests };
}

async function simdnetCnn(x32: Float32Array, threads = 1): Promise<PeerResult & { wasmMiB: number; rssMiB: number }> {
  const model = sn.models.labFaceCnn();
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true }), loss: 'categoricalCrossentropy' });
  const x = sn.tensor(x32, [32, 42, 42, 3]);
  // training is timed over 10 steps per fit() call (320 images), so per-call setup (staging the data, the
  // shuffle, callbacks) is amortised as in a real epoch; PyTorch's peer script times whole epochs too
  const steps = 10;
  const x320 = new Float32Array(steps * x32.length);
  for (let k = 0; k < steps; k++) x320.set(x32, k * x32.length);
  const xTrain = sn.tensor(x320, [steps * 32, 42, 42, 3]);
  const yTrain = sn.utils.toCategorical(Int32Array.from({ length: steps * 32 }, (_, i) => i % 16), 16);
  const one = sn.tensor(x32.slice(0, 42 * 42 * 3), [1, 42, 42, 3]);
  const bench = new Bench({ time: quick ? 500 : 3000, iterations: quick ? 3 : 10, warmupIterations: 2 });
  bench.add('train', async () => { await model.fit(xTrain, yTrain, { epochs: 1, batchSize: 32, verbose: 0, threads }); });
  bench.add('infer', async () => { await model.predict(x, { threads }); });
  bench.add('latency', async () => { await model.predict(one, { threads: 1 }); });
  await bench.run();
  const res = {
    peer: `simdnet (${sn.backend()}, ${threads} thread${threads > 1 ? 's' : ''})`,
    trainImgPerSec: (steps * 32) / (p50(bench, 'train') / 1000), trainNote: `batch 32, ${steps} steps per fit`,
    inferImgPerSec: 32 / (p50(bench, 'infer') / 1000),
    latencyMs: p50(bench, 'latency'),
    wasmMiB: sn.memory().wasmBytes / 2 ** 20,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
  };
  model.dispose();
  return res;
}

/**
 * Fresh Node processes, in alternating rounds: an empty one (Node's own start), and ones that import simdnet
 * (the package's Node entry, one bundled file — and, for comparison, its ~80 modules unbundled), load a saved
 * lab model and predict one image. Wall ms, medians of 5; and, inside the bundled entry's processes, the
 * three steps as the process timed them (import, loadModel, the first predict) and the median of its totals
 * (the processes: bench/cold-entry.ts).
 */
interface ColdStart { node: number; bundle: number; modules: number; steps: { import: number; loadModel: number; predict: number; sum: number } }
async function coldStart(): Promise<ColdStart> {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const path = await import('node:path');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'simdnet-cold-'));
  try {
    await sn.models.labFaceCnn().save(path.join(dir, 'model'));
    const script = (entry: string) => coldScript(new URL(entry, import.meta.url).href, path.join(dir, 'model'));
    const runs = { node: EMPTY_SCRIPT, bundle: script('../src/bundle/index.js'), modules: script('../src/index.js') };
    const files = Object.fromEntries(Object.entries(runs).map(([k, src]) => [k, writeEntry(dir, k, src)]));
    const times: Record<keyof typeof runs, number[]> = { node: [], bundle: [], modules: [] };
    const steps: number[][] = [];
    for (let i = 0; i < 5; i++) {
      for (const k of Object.keys(runs) as (keyof typeof runs)[]) {
        const t0 = performance.now();
        const out = execFileSync(process.execPath, [...process.execArgv, files[k]]).toString();
        times[k].push(performance.now() - t0);
        if (k === 'bundle') steps.push(JSON.parse(out) as number[]);
      }
    }
    const step = (j: number) => median(steps.map((s) => s[j]));
    return {
      node: median(times.node), bundle: median(times.bundle), modules: median(times.modules),
      steps: { import: step(0), loadModel: step(1), predict: step(2), sum: step(3) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Peak resident memory of a fresh process training the lab experiment's model (640 images, 2 epochs). */
async function trainingPeakRss(): Promise<number> {
  const { execFileSync } = await import('node:child_process');
  const index = new URL('../src/index.js', import.meta.url).href;
  const script = `const sn = await import(${JSON.stringify(index)}); const m = sn.models.labFaceCnn();` +
    `m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });` +
    `const x = sn.tensor(Float32Array.from({ length: 640 * 5292 }, (_, i) => (i % 251) / 251), [640, 42, 42, 3]);` +
    `const y = sn.utils.toCategorical(Int32Array.from({ length: 640 }, (_, i) => i % 16), 16);` +
    `await m.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0, validationSplit: 0.15 });` +
    `console.log(process.resourceUsage().maxRSS);`;
  const out = execFileSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script]).toString().trim();
  return Number(out) / 1024; // KiB -> MiB
}

function table(rows: Record<string, unknown>[]): string {
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)) : v === null || v === undefined ? '—' : String(v));
  return [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(' | ')} |`)].join('\n');
}

async function main(): Promise<void> {
  const cpu = cpuInfo();
  const machine = `${cpu.line}, Node ${process.version}`;
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  log(`simdnet bench — ${machine}${quick ? ' (quick)' : ''}\nload average at start: ${load()}\n`);
  const plain = await createRuntime({ flavour: 'simd' });
  const flavours = [plain];
  if (relaxedSimdSupported()) flavours.push(await createRuntime({ flavour: 'relaxed-simd' }));
  const peaks = flavours.map((rt) => {
    const p = probes(rt);
    return { build: rt.flavour, 'chained probe': p.chained, 'accumulate probe': p.accumulate, 'peak GFLOP/s': Math.max(p.chained, p.accumulate) };
  });
  log('## Wasm SIMD peak (one thread, f32x4 multiply-add; the higher probe is the peak)\n' + table(peaks) +
    (relaxedSimdSupported() ? '' : '\n(relaxed SIMD unavailable on this host)') + '\n');

  const kernels = flavours.map((rt) => ({ rt, choice: microKernels(rt, true) }));
  const kernelRows = SHAPE_CLASSES.map((cls) => Object.fromEntries([['shape class', cls], ...kernels.flatMap(({ rt, choice }) => [
    [`${rt.flavour} micro-kernel`, ukernelName(choice.codes[cls], rt.flavour)],
    [`${rt.flavour} µs (${UKERNELS.map((u) => `${u.tile} ${u.variant}`).join(' / ')})`, choice.us ? choice.us[cls].map((u) => u.toFixed(0)).join(' / ') : choice.how],
  ])]));
  log(`## GEMM micro-kernels chosen at load (${kernels.map(({ rt, choice }) => `${rt.flavour}: ${choice.how}${choice.ms !== undefined ? ` in ${choice.ms.toFixed(1)} ms` : ''}`).join(', ')})\n` + table(kernelRows) + '\n');

  const { rows: gemm, bests } = gemmTable(flavours, await labPicks());
  const share = (gf: number, p: number) => `${Math.round((100 * gf) / p)}%`;
  gemm.forEach((row, i) => {
    for (const p of peaks) row[`${p.build} % peak (fastest round)`] = share(bests[i][p.build], p['peak GFLOP/s']);
    for (const p of peaks) row[`${p.build} % peak (median)`] = share(row[`${p.build} GFLOP/s`] as number, p['peak GFLOP/s']);
  });
  log(`## GEMM at the lab CNN conv shapes (batch 32, one thread; chosen micro-kernel vs 4x8 load-splat, alternating rounds, medians; load ${load()})\n` +
    'The peak is its probe\'s fastest run; "% peak (fastest round)" sets the chosen kernel\'s fastest round beside it (like with like: ' +
    'interference only slows a run), "% peak (median)" the median GFLOP/s of the table\n' + table(gemm) + '\n');

  let s = 12345;
  const x32 = Float32Array.from({ length: 32 * 42 * 42 * 3 }, () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; });
  const ours = await simdnetCnn(x32);
  log(`simdnet's own runtime (${sn.backend()}): ${JSON.stringify(sn.microKernels())}\n`);
  const scaling = [ours];
  for (const t of quick ? [2] : [2, 4]) scaling.push(await simdnetCnn(x32, t));
  sn.shutdownThreads();
  const peers: PeerResult[] = [];
  let torch2: PeerResult | null = null;
  if (!args.has('--no-peers')) {
    peers.push(await tfjsPeer('wasm', x32, 32, quick));
    peers.push(await tfjsPeer('cpu', x32, quick ? 1 : 2, quick));
    const torch = torchPeer(1, quick);
    if (typeof torch === 'string') log(torch);
    else {
      peers.push(torch);
      // PyTorch with glibc keeping freed memory (peers.ts' KEPT_MALLOC): its training without this VM's page faults
      const kept = torchPeer(1, quick, true);
      if (typeof kept === 'string') log(kept); else peers.push(kept);
      // PyTorch's own 2-thread speed-up: what the hardware allows, the reference for simdnet's
      const two = torchPeer(2, quick);
      if (typeof two !== 'string') torch2 = two;
    }
  }
  const rows = [ours, ...peers].map((r) => ({
    runtime: r.peer,
    'train img/s': r.trainImgPerSec, train: r.trainNote,
    'infer img/s (b32)': r.inferImgPerSec,
    '1-image ms': r.latencyMs,
    'simdnet train ratio': r === ours || !r.trainImgPerSec ? null : `${(ours.trainImgPerSec! / r.trainImgPerSec).toFixed(2)}x`,
    'simdnet infer ratio': r === ours || !r.inferImgPerSec ? null : `${(ours.inferImgPerSec! / r.inferImgPerSec).toFixed(2)}x`,
  }));
  log('## Lab CNN (42x42x3, 16 classes, SGD Nesterov), one thread\n' + table(rows));
  const scaleRows = scaling.map((r) => ({
    runtime: r.peer, 'train img/s': r.trainImgPerSec, 'train speed-up': r.trainImgPerSec! / ours.trainImgPerSec!,
    'infer img/s (b32)': r.inferImgPerSec, 'infer speed-up': r.inferImgPerSec! / ours.inferImgPerSec!,
  }));
  const torch1 = peers.find((p) => p.peer.startsWith('PyTorch'));
  if (torch1 && torch2) {
    for (const r of [torch1, torch2]) {
      scaleRows.push({ runtime: r.peer, 'train img/s': r.trainImgPerSec, 'train speed-up': r.trainImgPerSec! / torch1.trainImgPerSec!,
        'infer img/s (b32)': r.inferImgPerSec, 'infer speed-up': r.inferImgPerSec! / torch1.inferImgPerSec! });
    }
  }
  log(`\n## Threads (${os.cpus().length} cores; more threads than cores shows oversubscription)\n` + table(scaleRows));
  const cold = await coldStart();
  const rss = await trainingPeakRss();
  log(`\nFresh process: import simdnet + load the lab model + predict one image: ${cold.bundle.toFixed(0)} ms wall ` +
    `(the ~80 modules unbundled: ${cold.modules.toFixed(0)} ms; an empty Node process: ${cold.node.toFixed(0)} ms; medians of 5, alternating)`);
  const st = cold.steps;
  log(`  inside the process: import ${st.import.toFixed(0)} ms + loadModel ${st.loadModel.toFixed(0)} ms + first predict ${st.predict.toFixed(0)} ms = ${st.sum.toFixed(0)} ms (medians)`);
  log(`Peak resident memory of a process training the lab CNN (640 images, batch 32): ${rss.toFixed(0)} MiB`);
  log(`simdnet Wasm memory in this run: ${ours.wasmMiB.toFixed(0)} MiB`);
  log(`load average at the end: ${load()}`);
  if (json) console.log(JSON.stringify({ machine, cpu, microKernels: sn.microKernels(), peaks, gemm, cnn: [ours, ...peers], threads: scaleRows, coldStartMs: cold, trainingPeakRssMiB: rss }, null, 1));
}

main().catch((e) => { console.error(e); process.exit(1); });
