// History: what fit() returns — per-epoch logs under Keras' keys (loss, accuracy, val_loss, ...).
import { Callback, recordEpoch, type Logs } from './callback.js';

export class History extends Callback {
  epoch: number[] = [];
  history: Record<string, number[]> = {};
  /** The epoch of each value of each key (a key logged on some epochs only — val_ ones under validationFreq — has fewer). */
  epochsOf: Record<string, number[]> = {};

  onTrainBegin(): void { this.epoch = []; this.history = {}; this.epochsOf = {}; }

  onEpochEnd(epoch: number, logs: Logs = {}): void { recordEpoch(this, epoch, logs); }
}
