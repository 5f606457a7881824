// Where a training step of the lab CNN goes: median forward and backward time per layer at batch 32,
// one thread. Run: npm run build && node dist/bench/layers.js
import * as sn from '../src/index.js';
import type { Conv2D } from '../src/layers/conv2d.js';
import { algorithmName } from '../src/layers/winograd.js';
import { runtime } from '../src/runtime/wasm.js';
import { cpuInfo } from './cpu.js';
import { median } from './stats.js';


async function main(): Promise<void> {
  const B = 32, reps = 15;
  const model = sn.models.labFaceCnn();
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true }), loss: 'categoricalCrossentropy' });
  const x = sn.tensor(Float32Array.from({ length: B * 42 * 42 * 3 }, (_, i) => (i * 7919 % 1000) / 1000), [B, 42, 42, 3]);
  const y = sn.utils.toCategorical(Int32Array.from({ length: B }, (_, i) => i % 16), 16);
  await model.fit(x, y, { epochs: 2, batchSize: B, verbose: 0 }); // warm up and plan buffers
  const rt = runtime();
  const input = rt.arena.alloc(x.size * 4);
  rt.f32(input, x.size).set(x.data);
  const fwd = model.layers.map(() => [] as number[]), bwd = model.layers.map(() => [] as number[]);
  const dys: number[] = [];
  for (const l of model.layers) dys.push(rt.arena.alloc(B * l.outputShape.reduce((a, b) => a * b, 1) * 4));
  for (let r = 0; r < reps; r++) {
    let p = input;
    model.layers.forEach((l, i) => { const t0 = performance.now(); p = l.forward(p, B, true, r + 1); fwd[i].push(performance.now() - t0); });
    for (let i = model.layers.length - 1; i >= 0; i--) {
      const l = model.layers[i];
      const n = B * l.outputShape.reduce((a, b) => a * b, 1);
      rt.f32(dys[i], n).fill(1e-3);
      const t0 = performance.now();
      l.backward(dys[i], B, i > 0, false);
      bwd[i].push(performance.now() - t0);
    }
  }
  let tf = 0, tb = 0;
  console.log(`${cpuInfo().line}; Node ${process.version}; kernels ${sn.backend()}; threads ${process.env.SIMDNET_THREADS ?? 'default'}\n`);
  // a convolution's algorithm per pass: forward / backward-data / weight gradient
  const algorithms = (l: sn.Layer, first: boolean): string => {
    const c = (l as Conv2D).convChoice;
    if (!c) return l.className === 'Conv2D' ? 'GEMM / GEMM / GEMM' : '';
    const name = (p: { algorithm: Parameters<typeof algorithmName>[0] } | null) => (p ? algorithmName(p.algorithm).replace(',3x3', '') : '—');
    const transposed = (l as Conv2D).transposedBackwardData ? 'ᵀ' : ''; // the forward transposed, on dY's tiles
    // the first layer computes no input gradient
    return `${name(c.forward)} / ${first ? '—' : name(c.backwardData) + transposed} / ${name(c.filterGradient)}`;
  };
  console.log('| layer | forward ms | backward ms | forward / backward-data / weight-gradient algorithm |\n|---|---|---|---|');
  model.layers.forEach((l, i) => {
    const f = median(fwd[i]), b = median(bwd[i]);
    tf += f; tb += b;
    console.log(`| ${l.name} | ${f.toFixed(2)} | ${b.toFixed(2)} | ${algorithms(l, i === 0)} |`);
  });
  console.log(`| total (batch ${B}) | ${tf.toFixed(2)} | ${tb.toFixed(2)} | |`);
  console.log(`\n${sn.backend()}: layers alone ${(B / ((tf + tb) / 1000)).toFixed(0)} img/s (training), ${(B / (tf / 1000)).toFixed(0)} img/s (forward)`);
}

main().catch((e) => { console.error(e); process.exit(1); });
