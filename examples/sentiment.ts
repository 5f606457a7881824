// The lab's movie-review sentiment model on the generated AFINN review corpus (src/text/reviews.ts):
//   Embedding(1000, 64) → SimpleRNN(40) → Dense(1, sigmoid), binary cross-entropy, Adam,
// beside a bag-of-words logistic regression (Dense(1, sigmoid) on binary word-presence vectors of the same
// vocabulary) and the same model with an LSTM or a GRU in place of the SimpleRNN.
//   npm run example:sentiment [-- --quick]
import { pathToFileURL } from 'node:url';
import * as sn from '../src/index.js';
import type { Review, ReviewKind } from '../src/text/index.js';

export type SentimentModel = 'bagOfWords' | 'simpleRNN' | 'lstm' | 'gru';

export interface SentimentOptions {
  trainSize: number;
  testSize: number;
  /** Padded review length (reviews are up to ~30 words). */
  maxLen: number;
  /** Vocabulary size: the lab's Embedding(1000, 64). */
  numWords: number;
  epochs: number;
  batchSize: number;
  models: SentimentModel[];
  seed: number;
  log: (line: string) => void;
}

export interface SentimentResult {
  model: SentimentModel;
  params: number;
  accuracy: number;
  byKind: Partial<Record<ReviewKind, number>>;
  seconds: number;
}

export const DEFAULTS: SentimentOptions = {
  trainSize: 10000, testSize: 2500, maxLen: 40, numWords: 1000, epochs: 10, batchSize: 32,
  models: ['bagOfWords', 'simpleRNN', 'lstm', 'gru'], seed: 1, log: console.log,
};

/** Accuracy over all reviews and per kind of review. */
function accuracy(pred: Int32Array, reviews: Review[]): { all: number; byKind: Partial<Record<ReviewKind, number>> } {
  const hit: Partial<Record<ReviewKind, [number, number]>> = {};
  let correct = 0;
  reviews.forEach((r, i) => {
    const ok = pred[i] === r.label ? 1 : 0;
    correct += ok;
    const h = (hit[r.kind] ??= [0, 0]);
    h[0] += ok; h[1]++;
  });
  const byKind = Object.fromEntries(Object.entries(hit).map(([k, [c, n]]) => [k, c / n]));
  return { all: correct / reviews.length, byKind };
}

export async function runSentiment(options: Partial<SentimentOptions> = {}): Promise<SentimentResult[]> {
  const o = { ...DEFAULTS, ...options };
  // train and test reviews come from different seeds of the generator
  const train = await sn.text.reviewCorpus({ count: o.trainSize, seed: o.seed });
  const test = await sn.text.reviewCorpus({ count: o.testSize, seed: o.seed + 1000 });
  const tokenizer = new sn.text.Tokenizer({ numWords: o.numWords, oovToken: '<oov>' });
  tokenizer.fitOnTexts(train.map((r) => r.text));
  const seqTrain = tokenizer.textsToSequences(train.map((r) => r.text));
  const seqTest = tokenizer.textsToSequences(test.map((r) => r.text));
  const yTrain = sn.tensor(Float32Array.from(train, (r) => r.label), [train.length, 1]);
  const yTest = sn.tensor(Float32Array.from(test, (r) => r.label), [test.length, 1]);
  o.log(`${train.length} training and ${test.length} test reviews, ${tokenizer.wordIndex.size} distinct words ` +
    `(vocabulary ${o.numWords}), padded to ${o.maxLen} words; e.g. "${train[0].text}" -> ${train[0].label}`);

  const results: SentimentResult[] = [];
  for (const kind of o.models) {
    const t0 = performance.now();
    let model: sn.Sequential, xTrain: sn.Tensor, xTest: sn.Tensor, lr: number;
    if (kind === 'bagOfWords') {
      // logistic regression on which vocabulary words occur: order-blind by construction
      model = sn.sequential({ seed: o.seed });
      model.add(sn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [o.numWords] }));
      xTrain = tokenizer.sequencesToMatrix(seqTrain, 'binary');
      xTest = tokenizer.sequencesToMatrix(seqTest, 'binary');
      lr = 0.01;
    } else {
      model = sn.models.labSentimentRnn({ vocabSize: o.numWords, sequenceLength: o.maxLen, cell: kind, seed: o.seed });
      xTrain = sn.utils.padSequences(seqTrain, { maxLen: o.maxLen });
      xTest = sn.utils.padSequences(seqTest, { maxLen: o.maxLen });
      lr = 0.003;
    }
    model.compile({ optimizer: sn.optimizers.adam({ learningRate: lr }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    await model.fit(xTrain, yTrain, { epochs: o.epochs, batchSize: o.batchSize, verbose: 0, seed: o.seed });
    const acc = accuracy(await model.predictClasses(xTest), test);
    const r: SentimentResult = { model: kind, params: model.countParams(), accuracy: acc.all, byKind: acc.byKind, seconds: (performance.now() - t0) / 1000 };
    results.push(r);
    const kinds = Object.entries(r.byKind).map(([k, v]) => `${k} ${(100 * v!).toFixed(0)}%`).join(', ');
    o.log(`${kind.padEnd(10)} ${String(r.params).padStart(6)} params  test accuracy ${(100 * r.accuracy).toFixed(1)}%  (${kinds})  ${r.seconds.toFixed(1)} s`);
    model.dispose();
  }
  return results;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  console.log(`simdnet ${sn.version} (${sn.backend()}): the lab's sentiment RNN on generated AFINN movie reviews\n`);
  const summaryModel = sn.models.labSentimentRnn({ sequenceLength: DEFAULTS.maxLen });
  summaryModel.summary();
  summaryModel.dispose();
  console.log('');
  const results = await runSentiment(quick ? { models: ['bagOfWords', 'simpleRNN'] } : {});
  const bow = results.find((r) => r.model === 'bagOfWords');
  const rnn = results.find((r) => r.model === 'simpleRNN');
  if (bow && rnn) {
    console.log(`\nSimpleRNN ${(100 * rnn.accuracy).toFixed(1)}% vs bag-of-words ${(100 * bow.accuracy).toFixed(1)}%: ` +
      `+${(100 * (rnn.accuracy - bow.accuracy)).toFixed(1)} points from word order (negation, "but", "even though", intensifiers)`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
