// Keras' text Tokenizer (keras.preprocessing.text.Tokenizer), tfjs-style camelCase names: lower-cases,
// strips the same punctuation, splits on spaces, ranks words by frequency (ties in order of first
// appearance) and maps texts to id sequences. Id 0 is never given to a word (it is left for padding); with
// an oovToken, that token takes id 1 and stands for words outside the vocabulary.
import { Tensor } from '../tensor.js';
import { checkOptions, show, type AllOptions } from '../format.js';

export interface TokenizerArgs {
  /** Keep only the numWords - 1 most frequent words (ids 1 .. numWords - 1) in textsToSequences. */
  numWords?: number;
  /** Characters removed before splitting (Keras' default: punctuation, tabs and newlines; not the apostrophe). */
  filters?: string;
  lower?: boolean;
  split?: string;
  charLevel?: boolean;
  /** Token standing for out-of-vocabulary words (Keras: oov_token); without it they are dropped. */
  oovToken?: string;
}

const TOKENIZER_OPTIONS = ['numWords', 'filters', 'lower', 'split', 'charLevel', 'oovToken'] as const;

export const DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';

/** Keras' text_to_word_sequence: lower-case, replace filter characters by `split`, split, drop empty words. */
export function textToWordSequence(text: string, args: { filters?: string; lower?: boolean; split?: string } = {}): string[] {
  if (typeof text !== 'string') throw new Error(`textToWordSequence: text must be a string, got ${typeof text}`);
  const filters = args.filters ?? DEFAULT_FILTERS, split = args.split ?? ' ';
  let s = args.lower ?? true ? text.toLowerCase() : text;
  if (filters.length) s = Array.from(s, (c) => (filters.includes(c) ? split : c)).join('');
  return s.split(split).filter((w) => w.length > 0);
}

export type MatrixMode = 'binary' | 'count' | 'freq' | 'tfidf';

export class Tokenizer {
  readonly numWords: number | null;
  readonly filters: string;
  readonly lower: boolean;
  readonly split: string;
  readonly charLevel: boolean;
  readonly oovToken: string | null;
  /** word -> id (1-based), every word seen, most frequent first. */
  wordIndex = new Map<string, number>();
  /** id -> word. */
  indexWord = new Map<number, string>();
  /** word -> occurrences in the fitted texts. */
  wordCounts = new Map<string, number>();
  /** word -> number of texts it occurs in. */
  wordDocs = new Map<string, number>();
  documentCount = 0;

  constructor(args: TokenizerArgs = {}) {
    checkOptions('Tokenizer', args, TOKENIZER_OPTIONS satisfies AllOptions<TokenizerArgs, typeof TOKENIZER_OPTIONS>);
    args ??= {};
    if (args.numWords !== undefined && args.numWords !== null && !(Number.isInteger(args.numWords) && args.numWords > 0)) {
      throw new Error(`Tokenizer: numWords must be a positive integer, got ${show(args.numWords)}`);
    }
    if (args.oovToken !== undefined && args.oovToken !== null && typeof args.oovToken !== 'string') {
      throw new Error(`Tokenizer: oovToken must be a string, got ${show(args.oovToken)}`);
    }
    this.numWords = args.numWords ?? null;
    this.filters = args.filters ?? DEFAULT_FILTERS;
    this.lower = args.lower ?? true;
    this.split = args.split ?? ' ';
    this.charLevel = args.charLevel ?? false;
    this.oovToken = args.oovToken ?? null;
  }

  private words(text: string, fn: string, i: number): string[] {
    if (typeof text !== 'string') throw new Error(`Tokenizer.${fn}: texts[${i}] must be a string, got ${typeof text}`);
    if (this.charLevel) return Array.from(this.lower ? text.toLowerCase() : text);
    return textToWordSequence(text, { filters: this.filters, lower: this.lower, split: this.split });
  }

  private static texts(texts: unknown, fn: string): string[] {
    if (!Array.isArray(texts)) throw new Error(`Tokenizer.${fn}: texts must be an array of strings, got ${typeof texts}`);
    return texts as string[];
  }

  /** Counts the words of the texts (can be called repeatedly) and rebuilds wordIndex. */
  fitOnTexts(texts: string[]): void {
    Tokenizer.texts(texts, 'fitOnTexts').forEach((text, i) => {
      this.documentCount++;
      const seq = this.words(text, 'fitOnTexts', i);
      for (const w of seq) this.wordCounts.set(w, (this.wordCounts.get(w) ?? 0) + 1);
      for (const w of new Set(seq)) this.wordDocs.set(w, (this.wordDocs.get(w) ?? 0) + 1);
    });
    // most frequent first; Array.prototype.sort is stable, so ties keep first-seen order (as Python's sort)
    const sorted = [...this.wordCounts.entries()].sort((a, b) => b[1] - a[1]).map(([w]) => w);
    const vocab = this.oovToken === null ? sorted : [this.oovToken, ...sorted];
    this.wordIndex = new Map();
    vocab.forEach((w, i) => this.wordIndex.set(w, i + 1)); // a repeated oovToken takes its later id, as in Keras
    this.indexWord = new Map([...this.wordIndex.entries()].map(([w, i]) => [i, w]));
  }

  /** Word ids per text; words outside the vocabulary (or ranked ≥ numWords) become oovToken's id, or are dropped. */
  textsToSequences(texts: string[]): number[][] {
    const oov = this.oovToken === null ? undefined : this.wordIndex.get(this.oovToken);
    return Tokenizer.texts(texts, 'textsToSequences').map((text, t) => {
      const out: number[] = [];
      for (const w of this.words(text, 'textsToSequences', t)) {
        const i = this.wordIndex.get(w);
        if (i !== undefined && (this.numWords === null || i < this.numWords)) out.push(i);
        else if (oov !== undefined) out.push(oov);
      }
      return out;
    });
  }

  /** Id sequences back to space-joined words (ids without a word, or ≥ numWords, as oovToken or dropped). */
  sequencesToTexts(sequences: ArrayLike<number>[]): string[] {
    const oov = this.oovToken === null ? undefined : this.wordIndex.get(this.oovToken);
    return sequences.map((seq) => {
      const words: string[] = [];
      for (let k = 0; k < seq.length; k++) {
        const i = seq[k];
        const w = this.indexWord.get(i);
        if (w !== undefined && (this.numWords === null || i < this.numWords)) words.push(w);
        else if (oov !== undefined) words.push(this.oovToken!);
      }
      return words.join(' ');
    });
  }

  /**
   * Bag-of-words matrix [texts, numWords] (numWords defaults to the vocabulary size + 1) as Keras'
   * sequences_to_matrix: 'binary' (word present), 'count', 'freq' (count / length), 'tfidf'.
   */
  sequencesToMatrix(sequences: ArrayLike<number>[], mode: MatrixMode = 'binary'): Tensor {
    if (!['binary', 'count', 'freq', 'tfidf'].includes(mode)) {
      throw new Error(`Tokenizer.sequencesToMatrix: mode must be 'binary', 'count', 'freq' or 'tfidf', got ${show(mode)}`);
    }
    const width = this.numWords ?? (this.wordIndex.size ? this.wordIndex.size + 1 : 0);
    if (!width) throw new Error('Tokenizer.sequencesToMatrix: give numWords or call fitOnTexts first');
    if (mode === 'tfidf' && this.documentCount === 0) throw new Error("Tokenizer.sequencesToMatrix: mode 'tfidf' needs fitOnTexts first");
    const docsById = new Map<number, number>();
    for (const [w, c] of this.wordDocs) { const i = this.wordIndex.get(w); if (i !== undefined) docsById.set(i, c); }
    const out = new Float32Array(sequences.length * width);
    sequences.forEach((seq, r) => {
      const counts = new Map<number, number>();
      for (let k = 0; k < seq.length; k++) if (seq[k] < width) counts.set(seq[k], (counts.get(seq[k]) ?? 0) + 1);
      for (const [j, c] of counts) {
        let v = 1;
        if (mode === 'count') v = c;
        else if (mode === 'freq') v = c / seq.length;
        else if (mode === 'tfidf') v = (1 + Math.log(c)) * Math.log(1 + this.documentCount / (1 + (docsById.get(j) ?? 0)));
        out[r * width + j] = v;
      }
    });
    return new Tensor(out, [sequences.length, width]);
  }

  textsToMatrix(texts: string[], mode: MatrixMode = 'binary'): Tensor {
    return this.sequencesToMatrix(this.textsToSequences(texts), mode);
  }
}
