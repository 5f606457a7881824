// Thread scaling of the lab CNN in one process: 1 and 2 threads in alternating rounds on the same model, so a
// busy machine slows both alike (npm run bench measures each thread count in its own block, minutes apart);
// then PyTorch's own 1- and 2-thread speeds in alternating rounds of its own (../shared/peers/torch_bench.py,
// quick settings), the reference for what the machine allows — by default and with glibc keeping freed memory
// (peers.ts' KEPT_MALLOC: without this VM's page faults on re-mapped tensors). --no-torch leaves it out.
//   node dist/bench/threads.js [--rounds 5] [--images 320] [--no-torch]   (SIMDNET_CONV=gemm: GEMM-only path)
import os from 'node:os';
import * as sn from '../src/index.js';
import { cpuInfo } from './cpu.js';
import { torchPeer } from './peers.js';
import { median } from './stats.js';

const arg = (name: string, d: number) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : d; };
const rounds = arg('--rounds', 5), n = arg('--images', 320), torch = !process.argv.includes('--no-torch');

const x = sn.tensor(Float32Array.from({ length: n * 42 * 42 * 3 }, (_, i) => (i % 251) / 251), [n, 42, 42, 3]);
const y = sn.utils.toCategorical(Int32Array.from({ length: n }, (_, i) => i % 16), 16);
const model = sn.models.labFaceCnn();
model.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true }), loss: 'categoricalCrossentropy' });
const rate = async (f: () => Promise<unknown>) => { const t0 = performance.now(); await f(); return n / ((performance.now() - t0) / 1000); };
const times: Record<string, number[]> = {};
for (let r = 0; r <= rounds; r++) {
  for (const threads of [1, 2]) {
    const train = await rate(() => model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0, threads }));
    const infer = await rate(() => model.predict(x, { batchSize: 32, threads }));
    if (r === 0) continue; // warm-up round: pools started, code optimised
    (times[`train ${threads}`] ??= []).push(train);
    (times[`infer ${threads}`] ??= []).push(infer);
  }
}
// PyTorch's rounds come after simdnet's, not between them: a PyTorch process run between two of simdnet's
// measurements cut simdnet's 2-thread speed-up from 1.57x to 1.28x (measured on Zen 5; why — caches, page
// cache, frequency — was not found), which would make the comparison say more about the order than the code.
// Each round runs PyTorch by default and with glibc keeping freed memory (peers.ts' KEPT_MALLOC: without this VM's
// page faults on its freshly mapped tensors).
let torchFailed = false;
for (let r = 0; torch && !torchFailed && r < rounds; r++) {
  for (const [kept, tag] of [[false, 'torch'], [true, 'torch kept']] as const) {
    for (const threads of [1, 2]) {
      const t = torchPeer(threads, true, kept);
      if (typeof t === 'string') { console.log(t); torchFailed = true; break; }
      (times[`${tag} train ${threads}`] ??= []).push(t.trainImgPerSec ?? NaN);
      (times[`${tag} infer ${threads}`] ??= []).push(t.inferImgPerSec ?? NaN);
    }
    if (torchFailed) break;
  }
}
const m = (k: string) => median(times[k]);
const cpu = cpuInfo();
console.log(`${cpu.model}${cpu.kind ? ` (${cpu.kind})` : ''}, ${cpu.cores} cores, ${cpu.threadsPerCore ?? '?'} thread(s) per core, Node ${process.version}, ${sn.backend()}, convolutions ${process.env.SIMDNET_CONV ?? 'auto'}; ` +
  `load average ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}; medians of ${rounds} alternating rounds, batch 32, ${n} images`);
console.log(`train: 1 thread ${m('train 1').toFixed(0)} img/s, 2 threads ${m('train 2').toFixed(0)} img/s, ${(m('train 2') / m('train 1')).toFixed(2)}x`);
console.log(`infer: 1 thread ${m('infer 1').toFixed(0)} img/s, 2 threads ${m('infer 2').toFixed(0)} img/s, ${(m('infer 2') / m('infer 1')).toFixed(2)}x`);
for (const [tag, how] of [['torch', ''], ['torch kept', ', malloc keeps freed memory']]) {
  if (!times[`${tag} train 2`]?.length) continue;
  const rounds = times[`${tag} train 2`].length;
  for (const what of ['train', 'infer']) {
    const ours = m(`${what} 2`) / m(`${what} 1`), theirs = m(`${tag} ${what} 2`) / m(`${tag} ${what} 1`);
    console.log(`PyTorch${how} ${what} (${rounds} alternating rounds, after simdnet's): 1 thread ${m(`${tag} ${what} 1`).toFixed(0)} img/s, 2 threads ` +
      `${m(`${tag} ${what} 2`).toFixed(0)} img/s, ${theirs.toFixed(2)}x; simdnet's scaling is ${(ours / theirs).toFixed(2)} of PyTorch's`);
  }
}
