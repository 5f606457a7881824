// A batch's own values from Keras' batch logs. fit() gives onBatchEnd the epoch's running averages up to the
// batch (Keras' semantics: what its progress bar shows); tfjs gave the batch's own values. A chart of per-batch
// noise, or a study of it, needs the latter: each is recovered exactly from two running averages, since the
// average after batch b is (sum over the epoch's batches of value × size) / (samples so far).
import { Callback, runningLogs, type Logs } from '../engine/callback.js';

export class BatchValues extends Callback {
  private readonly sums = new Map<string, number>();
  private seen = 0;

  /**
   * In fit's callbacks (before the hooks that call of()), it starts each epoch where fit does: from nothing, or
   * from the batches done of an epoch that backupAndRestore resumed mid-way.
   */
  onEpochBegin(): void {
    this.reset();
    const p = this.params?.progress;
    if (!p || p.seen === 0) return;
    this.seen = p.seen;
    const keys = Object.fromEntries(['loss', ...(this.params.metrics ?? [])].map((k) => [k, 0]));
    for (const [k, v] of Object.entries(runningLogs(this.params, keys) ?? {})) this.sums.set(k, v * p.seen);
  }

  /** Starts again from nothing (an epoch's begin, where it is not one of fit's callbacks). */
  reset(): void { this.sums.clear(); this.seen = 0; }

  /**
   * The batch's own values of a batch's logs (its `size` required): loss, and each metric averaged over samples
   * (accuracy, mae ...). A metric judged per time step of masked sequences is averaged over unmasked steps, not
   * samples: for it the value is the batch's weighted share, not exact.
   */
  of(logs: Logs): Logs {
    const size = logs.size;
    if (!(size > 0)) throw new Error(`BatchValues.of: the logs hold no batch size (${size}): pass onBatchEnd's logs of fit()`);
    const seen = this.seen + size, out: Logs = { batch: logs.batch, size };
    for (const [k, v] of Object.entries(logs)) {
      if (k === 'batch' || k === 'size') continue;
      const total = v * seen, before = this.sums.get(k) ?? 0;
      out[k] = (total - before) / size;
      this.sums.set(k, total);
    }
    this.seen = seen;
    return out;
  }
}
