// Layers-model folders saved by TensorFlow.js 4.22 itself, as converters write them for Keras models:
// Functional chains (tf.model over tf.input) and an Embedding -> LSTM -> LSTM -> Dense text model whose
// input is [null, null] (any sequence length). Each folder holds model.json + weights.bin and
// reference.json: inputs and tfjs' predictions for them (the text model: two sequence lengths).
//
// Run: node scripts/tfjs-fixtures.mjs   (writes test/io/fixtures/tfjs/; tfjs is a dev dependency)
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';

const OUT = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'test', 'io', 'fixtures', 'tfjs');

/** Deterministic values in [lo, hi): a simple LCG, so the inputs need no seeded library. */
function values(n, seed, lo, hi) {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return lo + (hi - lo) * (s / 2 ** 32); });
}

/** Non-zero biases (tfjs initialises them to zero), so they are checked too. */
function shakeBiases(model, seed) {
  model.setWeights(model.getWeights().map((w, i) => (w.rank === 1 ? tf.tensor(values(w.size, seed + i, -0.3, 0.3), w.shape) : w)));
}

async function save(model, name, cases) {
  const dir = path.join(OUT, name);
  fs.mkdirSync(dir, { recursive: true });
  let artifacts;
  await model.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  const json = {
    format: 'layers-model', generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`, convertedBy: null,
    modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  };
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json, null, 1));
  fs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(artifacts.weightData));
  const reference = cases.map(({ x, shape }) => ({ shape, x, y: Array.from(model.predict(tf.tensor(x, shape)).dataSync()) }));
  fs.writeFileSync(path.join(dir, 'reference.json'), JSON.stringify(reference));
}

await tf.setBackend('cpu');

// a small CNN as a Functional chain: Input -> Conv2D -> MaxPooling2D -> Dropout -> Flatten -> Dense -> Dense
{
  const input = tf.input({ shape: [8, 8, 3], name: 'image' });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv' }).apply(input);
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(x);
  x = tf.layers.dropout({ rate: 0.2, name: 'drop' }).apply(x);
  x = tf.layers.flatten({ name: 'flat' }).apply(x);
  x = tf.layers.dense({ units: 6, activation: 'tanh', name: 'hidden' }).apply(x);
  const output = tf.layers.dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(x);
  const model = tf.model({ inputs: input, outputs: output, name: 'functional_cnn' });
  shakeBiases(model, 11);
  await save(model, 'functional-cnn', [{ shape: [2, 8, 8, 3], x: values(2 * 8 * 8 * 3, 5, 0, 1) }]);
}

// the text model: Embedding -> LSTM -> LSTM -> Dense over sequences of any length ([null, null])
{
  const input = tf.input({ shape: [null], name: 'tokens' });
  let x = tf.layers.embedding({ inputDim: 30, outputDim: 5, name: 'embed' }).apply(input);
  x = tf.layers.lstm({ units: 6, returnSequences: true, recurrentActivation: 'sigmoid', name: 'lstm_a' }).apply(x);
  x = tf.layers.lstm({ units: 4, recurrentActivation: 'sigmoid', name: 'lstm_b' }).apply(x);
  const output = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'score' }).apply(x);
  const model = tf.model({ inputs: input, outputs: output, name: 'text_lstm' });
  shakeBiases(model, 21);
  const ids = (n, t, seed) => values(n * t, seed, 0, 30).map(Math.floor);
  await save(model, 'text-lstm', [{ shape: [3, 5], x: ids(3, 5, 1) }, { shape: [2, 9], x: ids(2, 9, 2) }]);
}

// the same kind of text model as a Sequential one with a GRU-free SimpleRNN, also [null, null]
{
  const model = tf.sequential({ name: 'text_rnn' });
  model.add(tf.layers.embedding({ inputDim: 20, outputDim: 4, inputShape: [null], name: 'embed' }));
  model.add(tf.layers.simpleRNN({ units: 5, name: 'rnn' }));
  model.add(tf.layers.dense({ units: 2, activation: 'softmax', name: 'probs' }));
  shakeBiases(model, 31);
  const ids = (n, t, seed) => values(n * t, seed, 0, 20).map(Math.floor);
  await save(model, 'text-rnn-sequential', [{ shape: [2, 3], x: ids(2, 3, 3) }, { shape: [4, 7], x: ids(4, 7, 4) }]);
}
console.log(`wrote ${fs.readdirSync(OUT).join(', ')} to ${OUT}`);
