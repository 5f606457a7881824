// Real-face accuracy over many seeds: the lab's CNN on ../shared/data/orl_faces (40 people x 10 PGM photos)
// with Adam lr 0.001, batch 32, 60 epochs, 15 % stratified split — simdnet for each Adam epsilon asked for,
// and, when Debian's PyTorch is importable by /usr/bin/python3, the PyTorch reference script on the same seeds
// (../shared/peers/orl_torch_ref.py: Adam lr 0.001, its own default epsilon 1e-8, random 15 % split).
//
//   node dist/bench/orl.js [--seeds 0-7] [--epsilon 1e-7,1e-8] [--epochs 60] [--variants plain,bn,aug,bn+aug] [--no-torch]
//
// Variants: the lab CNN as it is (plain), with batch normalization after every convolution and the dense
// layer (bn), with randomFlip + randomTranslation in front (aug), or both (bn+aug).
//
// The recipe is bimodal: a run either leaves the ln(40) loss plateau early or stays there, so one seed says
// little. The table gives each seed's best test accuracy and the epoch the training loss first fell below 3.5.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sn from '../src/index.js';
import { median } from './stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// dist/bench/orl.js and bench/orl.ts both sit two levels below the checkout's parent
const shared = path.resolve(here, '..', '..', '..', 'shared');
const ORL = path.join(shared, 'data', 'orl_faces');
const TORCH_REF = path.join(shared, 'peers', 'orl_torch_ref.py');

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`bench/orl: --${name} needs a value`);
  return v;
}

function parseSeeds(s: string): number[] {
  const out: number[] = [];
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`bench/orl: --seeds must look like 0-7 or 0,1,2; got '${s}'`);
    const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
    for (let k = a; k <= b; k++) out.push(k);
  }
  return out;
}


interface Run { seed: number; best: number; escape: number; seconds: number }

const VARIANTS: Record<string, { batchNorm?: boolean; augment?: boolean }> = {
  plain: {}, bn: { batchNorm: true }, aug: { augment: true }, 'bn+aug': { batchNorm: true, augment: true },
};

async function simdnetRuns(data: sn.data.ImageFolder, seeds: number[], epsilon: number, epochs: number, variant: string): Promise<Run[]> {
  const runs: Run[] = [];
  const y = sn.utils.toCategorical(data.y, 40);
  for (const seed of seeds) {
    const t0 = performance.now();
    const { xTrain, xTest, yTrain, yTest } = sn.utils.trainTestSplit(data.x, y, { testSize: 0.15, seed, stratify: true });
    const model = sn.models.labFaceCnn({ numClasses: 40, seed, ...VARIANTS[variant] });
    model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.001, epsilon }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(xTrain, yTrain, { epochs, batchSize: 32, seed, verbose: 0, validationData: [xTest, yTest] });
    model.dispose();
    const run = { seed, best: Math.max(...h.history.val_accuracy), escape: h.history.loss.findIndex((l) => l < 3.5) + 1, seconds: (performance.now() - t0) / 1000 };
    console.log(`  simdnet ${variant} eps ${epsilon}: seed ${seed} best ${run.best.toFixed(3)} left plateau ${run.escape ? `at epoch ${run.escape}` : 'never'} (${run.seconds.toFixed(0)} s)`);
    runs.push(run);
  }
  return runs;
}

function torchRuns(seeds: number[], epochs: number): Run[] | string {
  if (!existsSync(TORCH_REF)) return `${TORCH_REF} not found`;
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch, PIL, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'PyTorch is not importable by /usr/bin/python3 (Debian: apt-get install python3-torch python3-pil)';
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/python3', [TORCH_REF, ORL, String(epochs), seeds.join(',')], {
    encoding: 'utf8', env: { ...process.env, OPT: 'adam', LR: '0.001', DROP: '1', THREADS: '1' },
  });
  if (r.status !== 0) return `PyTorch reference failed: ${r.stderr.trim().split('\n').pop()}`;
  const seconds = (performance.now() - t0) / 1000 / seeds.length;
  const runs: Run[] = [];
  for (const m of r.stdout.matchAll(/seed (\d+): best test accuracy ([\d.]+)/g)) runs.push({ seed: Number(m[1]), best: Number(m[2]), escape: -1, seconds });
  if (runs.length !== seeds.length) return `PyTorch reference printed ${runs.length} results for ${seeds.length} seeds`;
  return runs;
}

async function main() {
  if (!existsSync(ORL)) { console.log(`bench/orl: skipped, ${ORL} is not present`); return; }
  const seeds = parseSeeds(option('seeds') ?? '0-7');
  const epochs = Number(option('epochs') ?? 60);
  const epsilons = (option('epsilon') ?? '1e-7,1e-8').split(',').map(Number);
  const variants = (option('variants') ?? 'plain').split(',');
  for (const v of variants) if (!VARIANTS[v]) throw new Error(`bench/orl: unknown variant '${v}'; valid: ${Object.keys(VARIANTS).join(', ')}`);
  if (!(epochs > 0) || epsilons.some((e) => !(e > 0))) throw new Error('bench/orl: --epochs and --epsilon must be positive numbers');
  console.log(`# ORL real faces, lab CNN, Adam lr 0.001, batch 32, ${epochs} epochs, seeds ${seeds.join(',')}`);
  console.log(`# ${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, Node ${process.version}; simdnet trains on all cores, PyTorch on one thread`);
  const data = await sn.data.loadImageFolder(ORL, { size: [42, 42], channels: 3, onWarning: () => {} });
  const rows: [string, Run[] | string][] = [];
  for (const variant of variants) {
    for (const eps of epsilons) rows.push([`simdnet ${variant} (Adam epsilon ${eps})`, await simdnetRuns(data, seeds, eps, epochs, variant)]);
  }
  if (!process.argv.includes('--no-torch')) {
    console.log('  PyTorch reference running …');
    rows.push(['PyTorch (torch.optim.Adam, epsilon 1e-8)', torchRuns(seeds, epochs)]);
  }
  console.log(`\n| run | ${seeds.map((s) => `seed ${s}`).join(' | ')} | median | ≥ 0.80 | median of seeds 0-2 |`);
  console.log(`|---|${seeds.map(() => '---|').join('')}---|---|---|`);
  for (const [name, runs] of rows) {
    if (typeof runs === 'string') { console.log(`| ${name} | ${runs} |`); continue; }
    const best = runs.map((r) => r.best);
    const first3 = runs.filter((r) => r.seed <= 2).map((r) => r.best);
    console.log(`| ${name} | ${best.map((b) => b.toFixed(3)).join(' | ')} | ${median(best).toFixed(3)} | ${best.filter((b) => b >= 0.8).length}/${best.length} | ${first3.length === 3 ? median(first3).toFixed(3) : '–'} |`);
  }
  sn.shutdownThreads();
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exitCode = 1; });
