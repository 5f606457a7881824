// What parts of a training step cost, one thread, in alternating rounds (medians):
// 1. The regularisation, preprocessing and augmentation layers: a convolution (42×42×3 →
// 40×40×32, relu) → 2×2 max pooling → dense 16 softmax, batch 32, SGD, one thread, with each of dropout,
// gaussianNoise, gaussianDropout and spatialDropout2d after the convolution (1.64 M values drawn per batch), or
// rescaling, randomFlip and randomTranslation in front of it, and without: training ms per batch, in alternating
// rounds (medians), and each layer's cost over the model without it.
// 2. Frozen layers: the lab CNN trained whole and with its six convolutions frozen (Keras' transfer-learning recipe:
// the backward pass stops at the first trainable layer), images per second.
//   npm run build && node dist/bench/training-costs.js [--rounds 7]
import * as sn from '../src/index.js';
import { cpuInfo } from './cpu.js';
import { median } from './stats.js';

const i = process.argv.indexOf('--rounds');
const rounds = i > 0 ? Number(process.argv[i + 1]) : 7;
const n = 320, batch = 32;
const x = sn.tensor(Float32Array.from({ length: n * 42 * 42 * 3 }, (_, k) => (k % 251) / 251), [n, 42, 42, 3]);
const y = sn.utils.toCategorical(Int32Array.from({ length: n }, (_, k) => k % 16), 16);

const input = { inputShape: [42, 42, 3] };
// [where, make]: after the convolution, or in front of it
const LAYERS: Record<string, ['after' | 'front', () => sn.Layer] | null> = {
  none: null,
  dropout: ['after', () => sn.layers.dropout({ rate: 0.1 })],
  gaussianNoise: ['after', () => sn.layers.gaussianNoise({ stddev: 0.1 })],
  gaussianDropout: ['after', () => sn.layers.gaussianDropout({ rate: 0.1 })],
  spatialDropout2d: ['after', () => sn.layers.spatialDropout2d({ rate: 0.1 })],
  rescaling: ['front', () => sn.layers.rescaling({ scale: 1 / 255, ...input })],
  randomFlip: ['front', () => sn.layers.randomFlip({ mode: 'horizontal', ...input })],
  randomTranslation: ['front', () => sn.layers.randomTranslation({ heightFactor: 0.1, widthFactor: 0.1, ...input })],
};

const models = Object.entries(LAYERS).map(([name, layer]) => {
  const m = sn.sequential();
  if (layer?.[0] === 'front') m.add(layer[1]());
  m.add(sn.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', ...(layer?.[0] === 'front' ? {} : input) }));
  if (layer?.[0] === 'after') m.add(layer[1]());
  m.add(sn.layers.maxPooling2d({ poolSize: 2 }));
  m.add(sn.layers.flatten());
  m.add(sn.layers.dense({ units: 16, activation: 'softmax' }));
  m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  return { name, m };
});

/** Each model's ms per fit of the n images, one thread: a warm-up fit each, then `rounds` alternating rounds. */
async function timeFits(ms: { m: sn.Sequential }[]): Promise<number[][]> {
  const times = ms.map(() => [] as number[]);
  for (const { m } of ms) await m.fit(x, y, { epochs: 1, batchSize: batch, verbose: 0, threads: 1 });
  for (let r = 0; r < rounds; r++) {
    for (const [k, { m }] of ms.entries()) {
      const t0 = performance.now();
      await m.fit(x, y, { epochs: 1, batchSize: batch, verbose: 0, threads: 1 });
      times[k].push(performance.now() - t0);
    }
  }
  return times;
}

const perBatch = (await timeFits(models)).map((t) => median(t) / (n / batch));
console.log(`${cpuInfo().line}; Node ${process.version}; kernels ${sn.backend()}; ${rounds} alternating rounds, medians\n`);
console.log('| layer | training ms per batch of 32 | the layer\'s cost, ms per batch |\n|---|---|---|');
const base = perBatch[0];
for (const [k, e] of models.entries()) {
  const ms = perBatch[k];
  const where = LAYERS[e.name]?.[0] === 'front' ? ' (in front)' : LAYERS[e.name] ? ' (after the convolution)' : '';
  console.log(`| ${e.name}${where} | ${ms.toFixed(2)} | ${e.name === 'none' ? '—' : (ms - base).toFixed(2)} |`);
}

// 2. the lab CNN whole and with its convolutions frozen
const lab = [false, true].map((freeze) => {
  const m = sn.models.labFaceCnn();
  if (freeze) for (const l of m.layers) if (l.className === 'Conv2D') l.trainable = false;
  m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true }), loss: 'categoricalCrossentropy' });
  return { name: freeze ? 'its six convolutions frozen' : 'all layers trainable', m };
});
const labMs = (await timeFits(lab)).map(median);
console.log('\n| lab CNN, batch 32 | training img/s |\n|---|---|');
for (const [k, e] of lab.entries()) console.log(`| ${e.name} | ${(n / (labMs[k] / 1000)).toFixed(0)} |`);
