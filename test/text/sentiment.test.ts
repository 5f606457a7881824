// The lab's sentiment RNN on the generated review corpus (examples/sentiment.ts, reduced to the SimpleRNN and
// the bag-of-words baseline): word order must buy a clear margin over bag-of-words, and the lab's target.
// Like the real-face recipe, 10 epochs of this SimpleRNN is bimodal — a run either finds word order or
// stalls near 77 % (seed 1 does since the kernels share one sigmoid; seeds 2-4 reach 95 %) — so the target
// is judged on the median of three seeds, and the comparisons on that median run.
import { describe, expect, it } from 'vitest';
import { runSentiment } from '../../examples/sentiment.js';

describe("the lab's sentiment model", () => {
  it('Embedding(1000, 64) -> SimpleRNN(40) -> Dense(1, sigmoid): median of 3 seeds reaches 85 % and beats bag-of-words clearly', async () => {
    const runs = [];
    for (const seed of [1, 2, 3]) {
      const lines: string[] = [];
      const t0 = performance.now();
      const [bow, rnn] = await runSentiment({ models: ['bagOfWords', 'simpleRNN'], seed, log: (l) => lines.push(l) });
      console.log(`seed ${seed}\n${lines.join('\n')}`);
      expect(performance.now() - t0).toBeLessThan(60_000);
      expect(rnn.params).toBe(68241);
      runs.push({ seed, bow, rnn });
    }
    runs.sort((a, b) => a.rnn.accuracy - b.rnn.accuracy);
    const { bow, rnn } = runs[1];
    expect(rnn.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(rnn.accuracy - bow.accuracy).toBeGreaterThanOrEqual(0.2);
    // bag-of-words reads polarity (plain reviews) but not order: negations defeat it, the RNN handles them
    expect(bow.byKind.plain!).toBeGreaterThan(0.8);
    expect(bow.byKind.negated!).toBeLessThan(0.5);
    expect(rnn.byKind.negated!).toBeGreaterThan(0.8);
    expect(rnn.byKind.contrast!).toBeGreaterThan(0.8);
  }, 300_000);
});
