// sn.text: Keras-style text preprocessing (Tokenizer, padSequences) and the generated review corpus.
export { Tokenizer, textToWordSequence, DEFAULT_FILTERS, type TokenizerArgs, type MatrixMode } from './tokenizer.js';
export { padSequences, type PadSequencesArgs } from './pad-sequences.js';
export { reviewCorpus, sentimentLexicon, neutralWords, REVIEW_KINDS, type Review, type ReviewKind, type ReviewCorpusArgs } from './reviews.js';
