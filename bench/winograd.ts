// Winograd vs GEMM convolutions on the lab CNN, in one run (issue 14):
//   node dist/bench/winograd.js [--speed] [--one] [--errors] [--curves] [--rounds 7] [--seeds 0-2] [--epochs 20] [--settings gemm,auto]
// (no section named: all four). One thread throughout unless --threads N.
//   --speed   the Wasm peak probe; each conv layer's algorithm (chosen by timing at allocation) with its
//             forward and backward times at batch 32 beside the GEMM path's; lab CNN training and inference
//             img/s with SIMDNET_CONV=auto vs gemm, alternating rounds, medians; effective GFLOP/s = the
//             direct convolution's FLOPs ÷ time.
//   --one     each 3×3 conv layer's forward of one image (an inference call, as a served request makes) under
//             GEMM, F(2×2) and F(4×4) forced and under auto, whose pick for such a call may differ from its
//             pick for batches (winograd.ts, smallCallChoices), alternating rounds, medians in µs.
//   --errors  every conv layer's output, and the softmax output, of a lab CNN trained for a few epochs on the
//             embedded face set, against a float64 forward and against the GEMM path, per algorithm; and each
//             conv layer's weight gradient against float64.
//   --curves  the lab recipe on the face set over a few seeds, GEMM vs auto: per-epoch validation accuracy
//             and loss, best accuracy per seed.
import { execSync } from 'node:child_process';
import os from 'node:os';
import * as sn from '../src/index.js';
import type { Conv2D } from '../src/layers/conv2d.js';
import { algorithmName, clearConvChoices, setConvAlgorithm, type ConvAlgorithm, type ConvSetting } from '../src/layers/winograd.js';
import { runtime } from '../src/runtime/wasm.js';
import { peak } from './peak.js';
import { median } from './stats.js';

const argv = process.argv.slice(2);
const opt = (name: string, def: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : def; };
const sections = ['speed', 'one', 'errors', 'curves'].filter((s) => argv.includes(`--${s}`));
const run = (s: string) => sections.length === 0 || sections.includes(s);
const threads = Number(opt('threads', '1'));
const rounds = Number(opt('rounds', '7'));

function cpuName(): string {
  try {
    const m = /Model name:\s*(.+)/.exec(execSync('lscpu', { encoding: 'utf8' }));
    if (m) return m[1].trim();
  } catch { /* not Linux */ }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

function table(rows: Record<string, unknown>[]): string {
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(1) : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)) : v === null || v === undefined ? '—' : String(v));
  return [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(' | ')} |`)].join('\n');
}

const lcg = (n: number, seed: number): Float32Array => {
  let s = seed;
  return Float32Array.from({ length: n }, () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; });
};

interface Net { ensurePlan(n: number, training: boolean): { input: number; grad: number }; layers: sn.Layer[] }
const netOf = (m: sn.Sequential): Net => (m as unknown as { net: Net }).net;

/**
 * A compiled lab CNN with its buffers planned for training batches of 32 under `setting` (the algorithms
 * are chosen when a plan is allocated; later fit / predict calls of up to 32 images keep it).
 */
async function labModel(setting: ConvSetting, seed = 1337): Promise<sn.Sequential> {
  const m = sn.models.labFaceCnn({ seed });
  m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await m.predict(sn.tensor(new Float32Array(5292), [1, 42, 42, 3]), { threads: 1 }); // allocates the weights
  const prev = setConvAlgorithm(setting);
  try { netOf(m).ensurePlan(32, true); } finally { setConvAlgorithm(prev); }
  return m;
}
const convs = (m: sn.Sequential): Conv2D[] => m.layers.filter((l) => l.className === 'Conv2D') as Conv2D[];

/** Runs the net's layers one by one on n images at its plan input; returns each layer's output pointer. */
function forwardEach(m: sn.Sequential, n: number, training: boolean): number[] {
  const net = netOf(m);
  let x = net.ensurePlan(n, training).input;
  return net.layers.map((l, i) => (x = l.forward(x, n, training, i + 1)));
}

// ---- one image ----------------------------------------------------------------------------------------------

async function oneImage(): Promise<void> {
  const rt = runtime();
  const forced: ConvSetting[] = ['gemm', 'winograd2', 'winograd4'];
  const x1 = lcg(42 * 42 * 3, 777);
  const runs = await Promise.all([...forced, 'auto' as const].map(async (setting) => {
    const m = await labModel(setting);
    const net = netOf(m);
    const input = net.ensurePlan(32, true).input;
    rt.f32(input, x1.length).set(x1);
    const outs = forwardEach(m, 1, false);
    return { setting, m, layers: convs(m).filter((l) => l.convChoice).map((l) => {
      const i = net.layers.indexOf(l);
      return { l, xin: i === 0 ? input : outs[i - 1], us: [] as number[] };
    }) };
  }));
  const auto = runs[forced.length];
  for (let r = 0; r < 20 * rounds + 5; r++) {
    for (let j = 0; j < runs[0].layers.length; j++) {
      for (const run of runs) {
        const { l, xin, us } = run.layers[j];
        const t0 = performance.now();
        l.forward(xin, 1, false);
        if (r >= 5) us.push((performance.now() - t0) * 1000);
      }
    }
  }
  const rows = runs[0].layers.map(({ l }, j) => {
    const [h, , cin] = l.inputShape, [ho, , cout] = l.outputShape;
    const c = auto.layers[j].l.convChoice!.forward;
    const short = (a: ConvAlgorithm) => algorithmName(a).replace(',3x3', '');
    const row: Record<string, unknown> = { layer: `${l.name} ${h}²×${cin}→${ho}²×${cout}` };
    for (const run of runs.slice(0, forced.length)) row[`${short(run.layers[j].l.convChoice!.forward.algorithm)} µs`] = median(run.layers[j].us);
    row['auto: batches'] = short(c.algorithm);
    row['auto: one image'] = short(c.small[0]?.algorithm ?? c.algorithm); // ascending bounds: the first covers one image
    row['auto µs'] = median(auto.layers[j].us);
    return row;
  });
  console.log(`## One image (an inference call of one; ${rt.flavour}, one thread, ${20 * rounds} alternating rounds, medians)\n\n${table(rows)}\n`);
  for (const run of runs) run.m.dispose();
}

// ---- speed ------------------------------------------------------------------------------------------------

async function speed(): Promise<void> {
  const rt = runtime();
  const peakGflops = peak(rt);
  console.log(`## Speed (${rt.flavour}, ${threads} thread${threads > 1 ? 's' : ''})\n\nWasm peak probe: ${peakGflops.toFixed(1)} GFLOP/s\n`);
  const B = 32;
  const x32 = lcg(B * 42 * 42 * 3, 12345);
  // per layer, batch 32: forward (inference) and backward (training: data + filter gradients)
  const models = { gemm: await labModel('gemm'), auto: await labModel('auto') };
  const rows: Record<string, unknown>[] = [];
  // the two models' layers alternate inside every round, so both see the same machine load
  const runs = Object.entries(models).map(([name, m]) => {
    const net = netOf(m);
    const plan = net.ensurePlan(B, true);
    rt.f32(plan.input, x32.length).set(x32);
    const outs = forwardEach(m, B, true);
    return { name, layers: convs(m).map((l) => {
      const i = net.layers.indexOf(l);
      const dySize = B * l.outputShape.reduce((a, b) => a * b, 1);
      return { l, i, xin: i === 0 ? plan.input : outs[i - 1], dy: rt.arena.alloc(dySize * 4, 'bench dy'), dySize, fwd: [] as number[], bwd: [] as number[] };
    }) };
  });
  for (let r = 0; r < 3 * rounds + 2; r++) {
    for (let j = 0; j < runs[0].layers.length; j++) {
      for (const run of runs) {
        const { l, i, xin, dy, dySize, fwd, bwd } = run.layers[j];
        let t0 = performance.now();
        l.forward(xin, B, false);
        const tf = performance.now() - t0;
        l.forward(xin, B, true);
        rt.f32(dy, dySize).fill(0.001);
        t0 = performance.now();
        l.backward(dy, B, i > 0, false);
        const tb = performance.now() - t0;
        if (r >= 2) { fwd.push(tf); bwd.push(tb); }
      }
    }
  }
  const perLayer: Record<string, { fwd: number; bwd: number }[]> = {};
  for (const run of runs) {
    perLayer[run.name] = run.layers.map((x) => ({ fwd: median(x.fwd), bwd: median(x.bwd) }));
    for (const x of run.layers) rt.arena.release(x.dy);
  }
  convs(models.auto).forEach((l, j) => {
    const [h, , cin] = l.inputShape, [ho, wo, cout] = l.outputShape;
    const gflop = (2 * B * ho * wo * cout * 9 * cin) / 1e9;
    const c = l.convChoice!;
    const g = perLayer.gemm[j], a = perLayer.auto[j];
    rows.push({
      layer: `${l.name} ${h}²×${cin}→${ho}²×${cout}`,
      'forward algorithm': algorithmName(c.forward.algorithm),
      'chosen by (ms, n images)': `${Object.entries(c.forward.ms).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')} (n=${c.forward.images})`,
      'backward-data algorithm': c.backwardData ? algorithmName(c.backwardData.algorithm) : '—',
      'GEMM fwd ms': g.fwd, 'auto fwd ms': a.fwd, 'fwd speed-up': g.fwd / a.fwd,
      'auto fwd GFLOP/s (eff.)': gflop / (a.fwd / 1000), 'eff. % of peak': `${Math.round((100 * gflop) / (a.fwd / 1000) / peakGflops)}%`,
      'GEMM bwd ms': g.bwd, 'auto bwd ms': a.bwd, 'bwd speed-up': g.bwd / a.bwd,
    });
  });
  console.log(`### Per conv layer, batch 32, one thread, ${3 * rounds} alternating rounds, medians (backward = data + filter gradients; conv1 has no data gradient)\n${table(rows)}\n`);
  // end to end, as bench/run.ts times it: fit over 10 steps of 32 images, predict 32 images; alternating rounds
  const steps = 10;
  const x320 = new Float32Array(steps * x32.length);
  for (let k = 0; k < steps; k++) x320.set(x32, k * x32.length);
  const xTrain = sn.tensor(x320, [steps * B, 42, 42, 3]);
  const yTrain = sn.utils.toCategorical(Int32Array.from({ length: steps * B }, (_, i) => i % 16), 16);
  const x = sn.tensor(x32, [B, 42, 42, 3]);
  const t: Record<string, { train: number[]; infer: number[] }> = { gemm: { train: [], infer: [] }, auto: { train: [], infer: [] } };
  // inference rounds, then training rounds (a fit between two predicts would time one filter transform each)
  for (const pass of ['infer', 'train'] as const) {
    for (let r = 0; r < 3 * rounds + 1; r++) {
      for (const [name, m] of Object.entries(models)) {
        const t0 = performance.now();
        if (pass === 'infer') await m.predict(x, { threads });
        else if (r % 3 === 0) await m.fit(xTrain, yTrain, { epochs: 1, batchSize: B, verbose: 0, threads });
        else continue;
        if (r > 0) t[name][pass].push(performance.now() - t0);
      }
    }
  }
  const forwardFlops = convs(models.auto).reduce((s, l) => s + 2 * l.outputShape[0] * l.outputShape[1] * l.outputShape[2] * 9 * l.inputShape[2], 0);
  const e2e = Object.entries(t).map(([name, v]) => {
    const train = (steps * B) / (median(v.train) / 1000), infer = B / (median(v.infer) / 1000);
    return {
      'SIMDNET_CONV': name, 'train img/s': train, 'infer img/s (b32)': infer,
      'infer eff. GFLOP/s (convs)': (infer * forwardFlops) / 1e9, 'train eff. GFLOP/s (convs, 3 passes less conv1 dX)': (train * (3 * forwardFlops - 2 * 40 * 40 * 32 * 27)) / 1e9,
    };
  });
  console.log(`### Lab CNN end to end: ${3 * rounds} inference and ${rounds} training rounds, GEMM and auto alternating, medians\n${table(e2e)}`);
  console.log(`\nauto / gemm: training ${(e2e[1]['train img/s'] / e2e[0]['train img/s']).toFixed(2)}x, inference ${(e2e[1]['infer img/s (b32)'] / e2e[0]['infer img/s (b32)']).toFixed(2)}x` +
    ` (targets 1.25x / 1.4x); peak probe ${peakGflops.toFixed(1)} GFLOP/s\n`);
  for (const m of Object.values(models)) m.dispose();
}

// ---- errors ---------------------------------------------------------------------------------------------------

/** The lab CNN's inference forward in float64 from its weights: every layer's output, flattened NHWC. */
function forward64(m: sn.Sequential, x: Float32Array, n: number): Float64Array[] {
  const weights = new Map(m.layers.map((l) => [l, l.params.map((p) => Float64Array.from(runtime().f32(p.offset, p.size)))]));
  let cur = Float64Array.from(x);
  let shape = [n, 42, 42, 3];
  const outs: Float64Array[] = [];
  for (const l of m.layers) {
    const [w, b] = weights.get(l)!;
    if (l.className === 'Conv2D') {
      const [, h, wd, cin] = shape, cout = l.outputShape[2], ho = h - 2, wo = wd - 2;
      const y = new Float64Array(n * ho * wo * cout);
      for (let i = 0; i < n; i++) for (let oy = 0; oy < ho; oy++) for (let ox = 0; ox < wo; ox++) {
        const o = ((i * ho + oy) * wo + ox) * cout;
        for (let co = 0; co < cout; co++) y[o + co] = b[co];
        for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) for (let ci = 0; ci < cin; ci++) {
          const v = cur[((i * h + oy + kh) * wd + ox + kw) * cin + ci];
          if (v === 0) continue;
          const wr = ((kh * 3 + kw) * cin + ci) * cout;
          for (let co = 0; co < cout; co++) y[o + co] += v * w[wr + co];
        }
      }
      for (let j = 0; j < y.length; j++) y[j] = Math.max(0, y[j]);
      cur = y; shape = [n, ho, wo, cout];
    } else if (l.className === 'MaxPooling2D') {
      const [, h, wd, c] = shape, ho = Math.floor(h / 2), wo = Math.floor(wd / 2);
      const y = new Float64Array(n * ho * wo * c).fill(-Infinity);
      for (let i = 0; i < n; i++) for (let oy = 0; oy < ho; oy++) for (let ox = 0; ox < wo; ox++) for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) {
        for (let ch = 0; ch < c; ch++) {
          const o = ((i * ho + oy) * wo + ox) * c + ch;
          y[o] = Math.max(y[o], cur[((i * h + 2 * oy + dy) * wd + 2 * ox + dx) * c + ch]);
        }
      }
      cur = y; shape = [n, ho, wo, c];
    } else if (l.className === 'Dense') {
      const k = cur.length / n, units = l.outputShape[0];
      const y = new Float64Array(n * units);
      for (let i = 0; i < n; i++) for (let u = 0; u < units; u++) {
        let s = b[u];
        for (let j = 0; j < k; j++) s += cur[i * k + j] * w[j * units + u];
        y[i * units + u] = s;
      }
      if (l.outputActivation === 'relu') for (let j = 0; j < y.length; j++) y[j] = Math.max(0, y[j]);
      else for (let i = 0; i < n; i++) {
        const row = y.subarray(i * units, (i + 1) * units), mx = Math.max(...row);
        let s = 0; for (let u = 0; u < units; u++) s += (row[u] = Math.exp(row[u] - mx));
        for (let u = 0; u < units; u++) row[u] /= s;
      }
      cur = y; shape = [n, units];
    } // dropout (inference) and flatten keep the values
    outs.push(cur);
  }
  return outs;
}

/** max |a - b| / max |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, s = 0;
  for (let i = 0; i < b.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return d / s;
}

async function faceSet(): Promise<{ xTrain: sn.Tensor; yTrain: sn.Tensor; xTest: sn.Tensor; yTest: sn.Tensor }> {
  const set = await sn.data.syntheticFaces({ seed: 0 });
  const folder = await sn.data.loadImageFolder(set.trainDir, { size: [42, 42], channels: 3, classNames: set.labels });
  return sn.utils.trainTestSplit(folder.x, sn.utils.toCategorical(folder.y, 16), { testSize: 0.15, seed: 0, stratify: true });
}

async function errors(): Promise<void> {
  const { xTrain, yTrain, xTest } = await faceSet();
  const epochs = Number(opt('error-epochs', '5'));
  console.log(`## Numerics: lab CNN trained ${epochs} epochs on the face set (GEMM path), 32 test faces, inference forward\n`);
  const trained = await labModel('gemm', 7);
  await trained.fit(xTrain, yTrain, { epochs, batchSize: 32, verbose: 0, seed: 7, threads: 'auto' });
  const weights = trained.getWeights();
  trained.dispose();
  const n = 32;
  const x = xTest.data.slice(0, n * 5292) as Float32Array;
  const outputsOf = async (setting: ConvSetting): Promise<{ outs: Float32Array[]; model: sn.Sequential }> => {
    const m = await labModel(setting, 7);
    m.setWeights(weights);
    const net = netOf(m);
    runtime().f32(net.ensurePlan(n, false).input, x.length).set(x);
    const ptrs = forwardEach(m, n, false);
    const outs = ptrs.map((p, i) => runtime().f32(p, n * m.layers[i].outputShape.reduce((a, b) => a * b, 1)).slice());
    return { outs, model: m };
  };
  const gemm = await outputsOf('gemm');
  const ref = forward64(gemm.model, x, n);
  const watch = gemm.model.layers.map((l, i) => [l, i] as const).filter(([l], i) => l.className === 'Conv2D' || i === gemm.model.layers.length - 1);
  const rows: Record<string, unknown>[] = [];
  const row = (label: string, outs: Float32Array[], vsGemm: boolean) => {
    const r: Record<string, unknown> = { path: label };
    for (const [l, i] of watch) r[l.name === gemm.model.layers.at(-1)!.name ? 'softmax' : l.name] = relErr(outs[i], vsGemm ? gemm.outs[i] : ref[i]);
    rows.push(r);
  };
  row('GEMM vs float64', gemm.outs, false);
  for (const setting of ['winograd2', 'winograd4', 'winograd6', 'auto'] as ConvSetting[]) {
    const w = await outputsOf(setting);
    const label = setting === 'auto' ? `auto (${convs(w.model).map((l) => algorithmName(l.convChoice!.forward.algorithm).replace(',3x3', '')).join(' ')})` : setting.replace('winograd', 'F(') + ')';
    row(`${label} vs float64`, w.outs, false);
    row(`${label} vs GEMM`, w.outs, true);
    w.model.dispose();
  }
  console.log(`max |error| / max |reference| of each layer's output (the whole fp32 chain up to it)\n${table(rows)}\n`);
  await gradientErrors(weights, [x, ...gemm.outs], n);
  gemm.model.dispose();
}

/**
 * Each conv layer's weight gradient from its input in the GEMM path's forward (`inputs[i]`: layer i's input) and
 * an output gradient of pseudo-random values in ±1e-3 (the activation's derivative left out: the correlation
 * Σ X · dY alone), by each algorithm against float64.
 */
async function gradientErrors(weights: sn.Tensor[], inputs: Float32Array[], n: number): Promise<void> {
  const rt = runtime();
  const rows: Record<string, unknown>[] = [], dxRows: Record<string, unknown>[] = [];
  const refs = new Map<number, Float64Array>(), dxRefs = new Map<number, Float64Array>();
  for (const setting of ['gemm', 'winograd2', 'winograd4', 'winograd6', 'auto'] as ConvSetting[]) {
    const m = await labModel(setting, 7);
    m.setWeights(weights);
    const r: Record<string, unknown> = {}, rx: Record<string, unknown> = {};
    for (const [i, l] of m.layers.entries()) {
      if (l.className !== 'Conv2D') continue;
      const [h, w, cin] = l.inputShape, [ho, wo, cout] = l.outputShape;
      const xs = inputs[i], xp = rt.arena.alloc(xs.length * 4);
      rt.f32(xp, xs.length).set(xs);
      const dyLen = n * ho * wo * cout, dyp = rt.arena.alloc(dyLen * 4);
      const dy = rt.f32(dyp, dyLen);
      let seed = 12345;
      for (let j = 0; j < dyLen; j++) { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; dy[j] = ((seed >>> 8) / 2 ** 24 - 0.5) * 2e-3; }
      const dy64 = Float64Array.from(dy);
      const kernel = l.params[0];
      rt.f32(kernel.gradOffset, kernel.size).fill(0);
      l.forward(xp, n, true, 1);
      // the input gradient too, but for the first layer (training never computes it)
      const dxp = l.backward(dyp, n, i > 0, true);
      const dw = rt.f32(kernel.gradOffset, kernel.size).slice();
      if (i > 0) {
        if (!dxRefs.has(i)) {
          // dX[n, y + kh, x + kw, ci] = Σ_co W[kh, kw, ci, co] · dY[n, y, x, co], float64
          const wk = rt.f32(kernel.offset, kernel.size), ref = new Float64Array(xs.length);
          for (let b = 0; b < n; b++) for (let y = 0; y < ho; y++) for (let x = 0; x < wo; x++) {
            const o = ((b * ho + y) * wo + x) * cout;
            for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) for (let ci = 0; ci < cin; ci++) {
              const wr = ((kh * 3 + kw) * cin + ci) * cout;
              let acc = 0;
              for (let co = 0; co < cout; co++) acc += wk[wr + co] * dy64[o + co];
              ref[((b * h + y + kh) * w + x + kw) * cin + ci] += acc;
            }
          }
          dxRefs.set(i, ref);
        }
        rx[l.name] = relErr(rt.f32(dxp, xs.length).slice(), dxRefs.get(i)!);
      }
      if (!refs.has(i)) {
        // dW[kh, kw, ci, co] = Σ_n,y,x X[n, y + kh, x + kw, ci] · dY[n, y, x, co], float64 (valid 3×3 convolutions)
        const ref = new Float64Array(kernel.size);
        for (let b = 0; b < n; b++) for (let y = 0; y < ho; y++) for (let x = 0; x < wo; x++) {
          const o = ((b * ho + y) * wo + x) * cout;
          for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) for (let ci = 0; ci < cin; ci++) {
            const v = xs[((b * h + y + kh) * w + x + kw) * cin + ci];
            if (v === 0) continue;
            const wr = ((kh * 3 + kw) * cin + ci) * cout;
            for (let co = 0; co < cout; co++) ref[wr + co] += v * dy64[o + co];
          }
        }
        refs.set(i, ref);
      }
      r[l.name] = relErr(dw, refs.get(i)!);
      rt.arena.release(dyp); rt.arena.release(xp);
    }
    const label = setting === 'auto' ? `auto (${convs(m).map((l) => algorithmName(l.convChoice!.filterGradient!.algorithm).replace(',3x3', '')).join(' ')})` : setting === 'gemm' ? 'GEMM' : setting.replace('winograd', 'F(') + ')';
    rows.push({ path: `${label} vs float64`, ...r });
    const dxLabel = setting === 'gemm' ? label
      : `${setting === 'auto' ? 'auto' : label} (${convs(m).slice(1).map((l) => algorithmName(l.convChoice!.backwardData!.algorithm).replace(',3x3', '') + (l.transposedBackwardData ? 'ᵀ' : '')).join(' ')})`;
    dxRows.push({ path: `${dxLabel} vs float64`, ...rx });
    m.dispose();
  }
  console.log(`Input gradients: max |error| / max |reference| of each conv layer's dX but the first (same inputs and dY; ᵀ: the forward transposed, on dY's tiles)\n${table(dxRows)}\n`);
  console.log(`Weight gradients: max |error| / max |reference| of each conv layer's dW (its GEMM-path input, dY pseudo-random in ±1e-3, activation left out)\n${table(rows)}\n`);
}

// ---- training curves --------------------------------------------------------------------------------

async function curves(): Promise<void> {
  const { xTrain, yTrain, xTest, yTest } = await faceSet();
  const epochs = Number(opt('epochs', '20'));
  const [a, b] = opt('seeds', '0-2').split('-').map(Number);
  const seeds = Array.from({ length: (b ?? a) - a + 1 }, (_, i) => a + i);
  console.log(`## Training curves: the lab recipe (SGD 0.01 Nesterov, halved every 10 epochs, batch 32), ${epochs} epochs, face set ${xTrain.shape[0]} train / ${xTest.shape[0]} test\n`);
  const rows: Record<string, unknown>[] = [];
  for (const seed of seeds) {
    for (const setting of opt('settings', 'gemm,auto').split(',') as ConvSetting[]) {
      const m = await labModel(setting, seed);
      const t0 = performance.now();
      const h = await m.fit(xTrain, yTrain, {
        epochs, batchSize: 32, verbose: 0, seed, threads: 'auto', validationData: [xTest, yTest],
        callbacks: [sn.callbacks.learningRateScheduler((e) => 0.01 * 0.5 ** Math.floor((1 + e) / 10))],
      });
      const acc = h.history.val_accuracy as number[], loss = h.history.val_loss as number[];
      const pick = (v: number[]) => [4, 9, 14, 19].filter((e) => e < epochs).map((e) => v[e].toFixed(3)).join(' / ');
      rows.push({
        seed, SIMDNET_CONV: setting, 'val acc @5/10/15/20': pick(acc), 'val loss @5/10/15/20': pick(loss),
        'best val acc': Math.max(...acc), 'final val loss': loss.at(-1), 'train loss final': (h.history.loss as number[]).at(-1), s: (performance.now() - t0) / 1000,
      });
      m.dispose();
      console.log(JSON.stringify(rows.at(-1)));
    }
  }
  console.log(`\n${table(rows)}\n`);
}

async function main(): Promise<void> {
  await sn.ready();
  console.log(`simdnet Winograd bench — ${cpuName()} (lscpu), ${os.cpus().length} CPUs, Node ${process.version}, load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}\n`);
  if (run('speed')) await speed();
  if (run('one')) await oneImage();
  if (run('errors')) await errors();
  if (run('curves')) await curves();
  clearConvChoices();
  sn.shutdownThreads();
}

main().catch((e) => { console.error(e); process.exit(1); });
