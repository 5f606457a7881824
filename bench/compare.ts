// Before / after in one process: the lab CNN (batch 32) trained and run for inference by two builds of simdnet —
// another checkout's dist and this one — in alternating rounds, medians, on a shared noisy machine the only fair
// comparison. Each build loads the same kernel flavour; each runs its own thread pool.
//   node dist/bench/compare.js --other ../base/dist/src/index.js [--flavour simd|relaxed-simd] [--other-flavour F] [--rounds 7] [--threads 1,2]
//                              [--model lab|lstm|gru]
// --other-flavour gives the other build its own flavour (default: the same): each build's default, say.
// --model lstm / gru: the lab's sentiment model's recurrent layer instead, 40 units over [32, 40, 64] float inputs then
// Dense(1, sigmoid), Adam, binary cross-entropy (samples/s: sequences).
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as current from '../src/index.js';
import { cpuInfo } from './cpu.js';
import { median } from './stats.js';

type Sn = typeof current;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const otherPath = arg('other', '');
if (!otherPath) { console.error('usage: node dist/bench/compare.js --other <other build>/dist/src/index.js [--flavour simd|relaxed-simd] [--rounds 7] [--threads 1,2]'); process.exit(2); }
const flavour = arg('flavour', 'relaxed-simd') as 'simd' | 'relaxed-simd';
const otherFlavour = arg('other-flavour', flavour) as 'simd' | 'relaxed-simd';
const rounds = Number(arg('rounds', '7'));
const threadCounts = arg('threads', '1,2').split(',').map(Number);
const kind = arg('model', 'lab');
if (!['lab', 'lstm', 'gru'].includes(kind)) { console.error(`--model must be lab, lstm or gru, got ${kind}`); process.exit(2); }
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

interface Runner { name: string; train(threads: number): Promise<number>; infer(threads: number): Promise<number> }

async function runner(sn: Sn, name: string, flavour: 'simd' | 'relaxed-simd'): Promise<Runner> {
  await sn.ready({ flavour });
  const recurrent = kind !== 'lab';
  // one sample's shape: a face photo, or 40 steps of 64 features
  const sample = recurrent ? [40, 64] : [42, 42, 3];
  let model: ReturnType<typeof sn.sequential>;
  if (recurrent) {
    model = sn.sequential({ seed: 1 });
    model.add(kind === 'lstm' ? sn.layers.lstm({ units: 40, inputShape: [40, 64] }) : sn.layers.gru({ units: 40, inputShape: [40, 64] }));
    model.add(sn.layers.dense({ units: 1, activation: 'sigmoid' }));
    model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
  } else {
    model = sn.models.labFaceCnn({ seed: 1 });
    model.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true }), loss: 'categoricalCrossentropy' });
  }
  let s = 12345;
  const size = sample.reduce((a, b) => a * b, 1);
  const x32 = Float32Array.from({ length: 32 * size }, () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; });
  const steps = 10;
  const x320 = new Float32Array(steps * x32.length);
  for (let k = 0; k < steps; k++) x320.set(x32, k * x32.length);
  const xTrain = sn.tensor(x320, [steps * 32, ...sample]);
  const labels = Int32Array.from({ length: steps * 32 }, (_, i) => i % 16);
  const yTrain = recurrent ? sn.tensor(Float32Array.from(labels, (c) => c % 2), [steps * 32, 1]) : sn.utils.toCategorical(labels, 16);
  const x = sn.tensor(x32, [32, ...sample]);
  return {
    name,
    async train(threads) {
      const t0 = performance.now();
      await model.fit(xTrain, yTrain, { epochs: 1, batchSize: 32, verbose: 0, threads });
      return (steps * 32) / ((performance.now() - t0) / 1000);
    },
    async infer(threads) {
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) await model.predict(x, { threads });
      return (5 * 32) / ((performance.now() - t0) / 1000);
    },
  };
}

async function main(): Promise<void> {
  const other = (await import(pathToFileURL(path.resolve(otherPath)).href)) as Sn;
  // this build first: its host adapter turns Node 20's relaxed-SIMD flag on for the process, so both can load it
  const runners = [await runner(current, `this build (${flavour})`, flavour), await runner(other, `other (${otherPath}, ${otherFlavour})`, otherFlavour)].reverse();
  console.log(`# before / after, ${kind === 'lab' ? 'the lab CNN' : `${kind.toUpperCase()}(40) on [32, 40, 64]`} — ${cpuInfo().line}, Node ${process.version}, ${rounds} alternating rounds`);
  console.log(`load average at start: ${load()}\n`);
  const unit = kind === 'lab' ? 'img/s' : 'sequences/s';
  console.log(`| threads | build | train ${unit} (median) | infer ${unit} (median) |\n|---|---|---|---|`);
  for (const threads of threadCounts) {
    const train = runners.map(() => [] as number[]), infer = runners.map(() => [] as number[]);
    for (const r of runners) { await r.train(threads); await r.infer(threads); } // warm-up: tier-up, plans, pools
    for (let round = 0; round < rounds; round++) {
      for (const [i, r] of runners.entries()) { train[i].push(await r.train(threads)); infer[i].push(await r.infer(threads)); }
    }
    runners.forEach((r, i) => console.log(`| ${threads} | ${r.name} | ${median(train[i]).toFixed(1)} | ${median(infer[i]).toFixed(1)} |`));
    console.log(`| ${threads} | ratio this / other | ${(median(train[1]) / median(train[0])).toFixed(3)}x | ${(median(infer[1]) / median(infer[0])).toFixed(3)}x |`);
  }
  console.log(`\nload average at the end: ${load()}`);
  current.shutdownThreads();
  other.shutdownThreads();
}

main().catch((e) => { console.error(e); process.exit(1); });
