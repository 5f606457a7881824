// Keras' save_freq, as ModelCheckpoint and BackupAndRestore take it: 'epoch' (the default), or a number of batches,
// counted across epochs, after which the callback saves (and then at no epoch's end).
import { show } from '../format.js';

export type SaveFreq = 'epoch' | number;

/** `value` checked (undefined: 'epoch'), or an error naming the callback. */
export function saveFreqOf(fn: string, value: unknown): SaveFreq {
  if (value === undefined || value === 'epoch') return 'epoch';
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  throw new Error(`${fn}: saveFreq must be 'epoch' or a number of batches >= 1, got ${show(value)}`);
}
