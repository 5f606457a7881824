// The lab's sentiment RNN on the generated review corpus (examples/sentiment.ts, reduced to the SimpleRNN and
// the bag-of-words baseline): word order must buy a clear margin over bag-of-words, and the lab's target.
import { describe, expect, it } from 'vitest';
import { runSentiment } from '../../examples/sentiment.js';

describe("the lab's sentiment model", () => {
  it('Embedding(1000, 64) -> SimpleRNN(40) -> Dense(1, sigmoid) reaches 85 % and beats bag-of-words clearly', async () => {
    const lines: string[] = [];
    const t0 = performance.now();
    const results = await runSentiment({ models: ['bagOfWords', 'simpleRNN'], log: (l) => lines.push(l) });
    console.log(lines.join('\n'));
    const [bow, rnn] = results;
    expect(rnn.params).toBe(68241);
    expect(rnn.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(rnn.accuracy - bow.accuracy).toBeGreaterThanOrEqual(0.2);
    // bag-of-words reads polarity (plain reviews) but not order: negations defeat it, the RNN handles them
    expect(bow.byKind.plain!).toBeGreaterThan(0.8);
    expect(bow.byKind.negated!).toBeLessThan(0.5);
    expect(rnn.byKind.negated!).toBeGreaterThan(0.8);
    expect(rnn.byKind.contrast!).toBeGreaterThan(0.8);
    expect(performance.now() - t0).toBeLessThan(60_000);
  });
});
