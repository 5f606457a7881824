// Recurrent layers: training (and inference) throughput in tokens/s of the lab's sentiment model
//   Embedding(1000, 64) -> {SimpleRNN, LSTM, GRU}(40) -> Dense(1, sigmoid), batch 32, 40 time steps
// for simdnet (one thread) beside TensorFlow.js' cpu backend, measured in the same run on the same data;
// then the recurrent layer alone (float inputs [32, 40, 64] -> cell(40) -> Dense(1)), because tfjs' cpu
// Embedding gradient takes ~10 s per batch here and would hide the recurrent layers' own speed.
//   npm run build && node dist/bench/rnn.js [--quick] [--steps N]
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { Bench } from 'tinybench';
import { p50 } from './stats.js';
import * as sn from '../src/index.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const stepsArg = argv.indexOf('--steps');
const STEPS = stepsArg >= 0 ? Number(argv[stepsArg + 1]) : 40;
const BATCH = 32, VOCAB = 1000;
// gru: Keras 2+'s (resetAfter true; tfjs runs its only GRU, resetAfter false, beside it); gruV1: resetAfter false in both
type Cell = 'simpleRNN' | 'lstm' | 'gru' | 'gruV1';
const CELLS: Cell[] = ['simpleRNN', 'lstm', 'gru', 'gruV1'];


/** Deterministic token ids and labels. */
function data(): { ids: Float32Array; labels: Float32Array } {
  let s = 12345;
  const next = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
  return {
    ids: Float32Array.from({ length: BATCH * STEPS }, () => Math.floor(next() * VOCAB)),
    labels: Float32Array.from({ length: BATCH }, () => (next() > 0.5 ? 1 : 0)),
  };
}

interface Row { trainTokPerSec: number; inferTokPerSec: number; params: number }

/** Float inputs [BATCH, STEPS, 64] for the recurrent layer alone. */
const floats = Float32Array.from({ length: BATCH * STEPS * 64 }, (_, i) => ((i * 7919) % 2000) / 1000 - 1);

async function simdnet(cell: Cell, d: ReturnType<typeof data>, embedding: boolean): Promise<Row> {
  let m: sn.Sequential;
  if (embedding && cell !== 'gruV1') {
    m = sn.models.labSentimentRnn({ vocabSize: VOCAB, sequenceLength: STEPS, cell });
  } else {
    m = sn.sequential();
    if (embedding) m.add(sn.layers.embedding({ inputDim: VOCAB, outputDim: 64, inputLength: STEPS }));
    const args = { units: 40, ...(embedding ? {} : { inputShape: [STEPS, 64] }) };
    m.add(cell === 'lstm' ? sn.layers.lstm(args) : cell === 'gru' ? sn.layers.gru(args) : cell === 'gruV1' ? sn.layers.gru({ ...args, resetAfter: false })
      : sn.layers.simpleRNN(args));
    m.add(sn.layers.dense({ units: 1, activation: 'sigmoid' }));
  }
  m.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.001 }), loss: 'binaryCrossentropy' });
  const x = embedding ? sn.tensor(d.ids, [BATCH, STEPS]) : sn.tensor(floats, [BATCH, STEPS, 64]);
  const y = sn.tensor(d.labels, [BATCH, 1]);
  const bench = new Bench({ time: quick ? 300 : 2000, warmupIterations: 3 });
  bench.add('train', async () => { await m.fit(x, y, { epochs: 1, batchSize: BATCH, verbose: 0, threads: 1 }); });
  bench.add('infer', async () => { await m.predict(x, { batchSize: BATCH, threads: 1 }); });
  await bench.run();
  const row = { trainTokPerSec: (BATCH * STEPS) / (p50(bench, 'train') / 1000), inferTokPerSec: (BATCH * STEPS) / (p50(bench, 'infer') / 1000), params: m.countParams() };
  m.dispose();
  return row;
}

/** The same model in tfjs. tfjs has no GRU with resetAfter: true, so its GRU is the resetAfter: false variant. */
async function tfjs(cell: Cell, d: ReturnType<typeof data>, embedding: boolean): Promise<Row> {
  const m = tf.sequential();
  if (embedding) m.add(tf.layers.embedding({ inputDim: VOCAB, outputDim: 64, inputLength: STEPS }));
  // (glorotUniform recurrent kernels: tfjs warns that its orthogonal initialiser is slow; speed is the same)
  const args = { units: 40, recurrentInitializer: 'glorotUniform' as const, ...(embedding ? {} : { inputShape: [STEPS, 64] }) };
  if (cell === 'simpleRNN') m.add(tf.layers.simpleRNN(args));
  else if (cell === 'lstm') m.add(tf.layers.lstm({ ...args, recurrentActivation: 'sigmoid', unitForgetBias: true }));
  else m.add(tf.layers.gru({ ...args, recurrentActivation: 'sigmoid' }));
  m.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  m.compile({ optimizer: tf.train.adam(0.001), loss: 'binaryCrossentropy' });
  const x = embedding ? tf.tensor(d.ids, [BATCH, STEPS]) : tf.tensor(floats, [BATCH, STEPS, 64]);
  const y = tf.tensor(d.labels, [BATCH, 1]);
  // the embedding model takes ~10 s per tfjs training step: few iterations
  const bench = new Bench({ time: quick || embedding ? 300 : 2000, iterations: quick || embedding ? 2 : 5, warmupIterations: 1 });
  bench.add('train', async () => { await m.trainOnBatch(x, y); });
  bench.add('infer', async () => { const p = m.predict(x) as tf.Tensor; await p.data(); p.dispose(); });
  await bench.run();
  const row = { trainTokPerSec: (BATCH * STEPS) / (p50(bench, 'train') / 1000), inferTokPerSec: (BATCH * STEPS) / (p50(bench, 'infer') / 1000), params: m.countParams() };
  m.dispose(); x.dispose(); y.dispose();
  return row;
}

const fmt = (v: number): string => (v >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(v >= 100 ? 0 : 1));

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  console.log(`simdnet recurrent bench — ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, simdnet ${sn.backend()} one thread, ` +
    `tfjs ${tf.version.tfjs} cpu${quick ? ' (quick)' : ''}`);
  console.log(`lab model Embedding(${VOCAB}, 64) -> cell(40) -> Dense(1, sigmoid), batch ${BATCH}, ${STEPS} steps; tokens = samples x steps\n`);
  const d = data();
  for (const embedding of [true, false]) {
    console.log(embedding ? "## The lab's model (Embedding -> cell -> Dense)" : `\n## The recurrent layer alone (float inputs [${BATCH}, ${STEPS}, 64] -> cell -> Dense)`);
    console.log('| cell | params | simdnet train tok/s | tfjs cpu train tok/s | train speed-up | simdnet infer tok/s | tfjs cpu infer tok/s |');
    console.log('|---|---|---|---|---|---|---|');
    for (const cell of CELLS) {
      const ours = await simdnet(cell, d, embedding);
      const theirs = await tfjs(cell, d, embedding);
      console.log(`| ${cell === 'gruV1' ? 'gru, resetAfter false (both)' : cell}${cell === 'gru' ? ' (tfjs: resetAfter false)' : ''} | ${ours.params} | ${fmt(ours.trainTokPerSec)} | ${fmt(theirs.trainTokPerSec)} | ` +
        `${(ours.trainTokPerSec / theirs.trainTokPerSec).toFixed(0)}x | ${fmt(ours.inferTokPerSec)} | ${fmt(theirs.inferTokPerSec)} |`);
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
