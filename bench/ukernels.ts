// Every GEMM micro-kernel on every lab CNN product shape, per build, in alternating rounds (medians), beside the
// Wasm peak probe and the kernel the runtime's timing picked for each shape's class:
//   node dist/bench/ukernels.js [--rounds 7]
import os from 'node:os';
import '../src/host/node.js';
import { GEMM_UKERNEL_SHIFT, createRuntime, relaxedSimdSupported } from '../src/runtime/wasm.js';
import { microKernels, UKERNELS } from '../src/runtime/ukernels.js';
import { cpuInfo } from './cpu.js';
import { peaks } from './peak.js';
import { classOf, gflops, labPicks, labShapes } from './shapes.js';
import { median } from './stats.js';

const i = process.argv.indexOf('--rounds');
const rounds = i > 0 ? Number(process.argv[i + 1]) : 7;
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  console.log(`# GEMM micro-kernels — ${cpuInfo().line}, Node ${process.version}, ${rounds} alternating rounds, medians`);
  console.log(`load average at start: ${load()}`);
  const flavours = [await createRuntime({ flavour: 'simd' })];
  if (relaxedSimdSupported()) flavours.push(await createRuntime({ flavour: 'relaxed-simd' }));
  const picks = await labPicks(); // the lab CNN's algorithms: which Winograd products its layers run
  for (const rt of flavours) {
    const probes = peaks(rt), p = Math.max(probes.chained, probes.accumulate);
    const choice = microKernels(rt, true);
    console.log(`\n## ${rt.flavour}: peak ${p.toFixed(1)} GFLOP/s (probes: chained ${probes.chained.toFixed(1)}, accumulate ${probes.accumulate.toFixed(1)}); timing at load (${choice.how}, ${choice.ms?.toFixed(1)} ms): ${JSON.stringify(choice.codes)}\n`);
    const names = UKERNELS.map((u) => `${u.tile}_${u.variant}`);
    console.log(`| shape | M | N | K | class | ${names.join(' | ')} | picked at load | % of peak (picked) | % of peak (best) |`);
    console.log(`|${'---|'.repeat(8 + names.length)}`);
    for (const shape of labShapes(picks)) {
      const run = shape.setup(rt);
      const ms: number[][] = UKERNELS.map(() => []);
      for (const u of UKERNELS) { run(u.code << GEMM_UKERNEL_SHIFT); run(u.code << GEMM_UKERNEL_SHIFT); }
      for (let r = 0; r < rounds; r++) {
        for (const u of UKERNELS) { const t0 = performance.now(); run(u.code << GEMM_UKERNEL_SHIFT); ms[u.code].push(performance.now() - t0); }
      }
      const g = ms.map((m) => gflops(shape, median(m)));
      const picked = choice.codes[classOf(shape)];
      const pct = (x: number) => `${Math.round((100 * x) / p)}%`;
      console.log(`| ${shape.name} | ${shape.m} | ${shape.n} | ${shape.k} | ${classOf(shape)} | ${g.map((x) => x.toFixed(1)).join(' | ')} | ${names[picked]} | ${pct(g[picked])} | ${pct(Math.max(...g))} |`);
    }
  }
  console.log(`\nload average at the end: ${load()}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
