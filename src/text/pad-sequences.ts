// Keras' pad_sequences: id sequences of any lengths -> one [n, maxLen] tensor, padded and truncated at the
// start ('pre', Keras' default) or the end ('post').
import { Tensor } from '../tensor.js';
import { checkOptions, show, type AllOptions } from '../format.js';

export interface PadSequencesArgs {
  /** Length of the output rows; defaults to the longest sequence. */
  maxLen?: number;
  /** Where padding goes: 'pre' (default, as Keras) or 'post'. */
  padding?: 'pre' | 'post';
  /** Which end longer sequences lose: 'pre' (default, as Keras) or 'post'. */
  truncating?: 'pre' | 'post';
  /** The padding value (default 0). */
  value?: number;
  /** 'int32' (default, as Keras) or 'float32'. */
  dtype?: 'int32' | 'float32';
}

const PAD_SEQUENCES_OPTIONS = ['maxLen', 'padding', 'truncating', 'value', 'dtype'] as const;

export function padSequences(sequences: ArrayLike<number>[], args: PadSequencesArgs = {}): Tensor {
  if (!Array.isArray(sequences)) throw new Error(`padSequences: sequences must be an array of id arrays, got ${typeof sequences}`);
  checkOptions('padSequences', args, PAD_SEQUENCES_OPTIONS satisfies AllOptions<PadSequencesArgs, typeof PAD_SEQUENCES_OPTIONS>);
  args ??= {};
  const { padding = 'pre', truncating = 'pre', value = 0, dtype = 'int32' } = args;
  if (padding !== 'pre' && padding !== 'post') throw new Error(`padSequences: padding must be 'pre' or 'post', got ${show(padding)}`);
  if (truncating !== 'pre' && truncating !== 'post') throw new Error(`padSequences: truncating must be 'pre' or 'post', got ${show(truncating)}`);
  if (dtype !== 'int32' && dtype !== 'float32') throw new Error(`padSequences: dtype must be 'int32' or 'float32', got ${show(dtype)}`);
  if (typeof value !== 'number' || !Number.isFinite(value) || (dtype === 'int32' && !Number.isInteger(value))) {
    throw new Error(`padSequences: value must be ${dtype === 'int32' ? 'an integer' : 'a finite number'}, got ${show(value)}`);
  }
  sequences.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || typeof s.length !== 'number') {
      throw new Error(`padSequences: sequences[${i}] must be an array of numbers, got ${s === null ? 'null' : typeof s}`);
    }
  });
  const maxLen = args.maxLen ?? sequences.reduce((m, s) => Math.max(m, s.length), 0);
  if (!Number.isInteger(maxLen) || maxLen < 0 || (args.maxLen !== undefined && maxLen === 0)) {
    throw new Error(`padSequences: maxLen must be a positive integer, got ${show(args.maxLen)}`);
  }
  const out = dtype === 'int32' ? new Int32Array(sequences.length * maxLen) : new Float32Array(sequences.length * maxLen);
  out.fill(value);
  sequences.forEach((s, i) => {
    const len = Math.min(s.length, maxLen);
    const from = truncating === 'pre' ? s.length - len : 0;     // first kept element
    const at = padding === 'pre' ? maxLen - len : 0;             // where it goes
    for (let k = 0; k < len; k++) {
      const v = s[from + k];
      if (typeof v !== 'number' || !Number.isFinite(v) || (dtype === 'int32' && !Number.isInteger(v))) {
        throw new Error(`padSequences: sequences[${i}][${from + k}] = ${show(v)} is not ${dtype === 'int32' ? 'an integer' : 'a finite number'}` +
          (dtype === 'int32' ? "; pass dtype: 'float32' for real values" : ''));
      }
      out[i * maxLen + at + k] = v;
    }
  });
  return new Tensor(out, [sequences.length, maxLen]);
}
