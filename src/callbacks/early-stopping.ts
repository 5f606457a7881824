// EarlyStopping (Keras 3 semantics, which TensorFlow.js shares on the first point): stop when `monitor` has not
// improved for `patience` epochs — an epoch that improves never stops training (tf.keras 2.x stopped after
// epoch 1 with the default patience 0 even when it improved: keras-team/keras#16393); restoreBestWeights puts
// back the weights of the best epoch when training ends, stopped early or not; startFromEpoch ignores the
// first epochs (a warm-up).
import type { Tensor } from '../tensor.js';
import { doneLogs, type DoneEpochs, type Logs } from '../engine/callback.js';
import { MonitorCallback, type Mode } from './monitor.js';

export interface EarlyStoppingArgs {
  monitor?: string; minDelta?: number; patience?: number; verbose?: number; mode?: Mode;
  baseline?: number; restoreBestWeights?: boolean; startFromEpoch?: number;
}

export class EarlyStopping extends MonitorCallback {
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  readonly baseline: number | undefined;
  readonly startFromEpoch: number;
  private readonly verbose: number;
  wait = 0;
  stoppedEpoch = 0;
  bestEpoch = 0;
  private bestWeights: Tensor[] | null = null;

  constructor(args: EarlyStoppingArgs = {}) {
    super(args, 'val_loss', 'earlyStopping');
    this.patience = args.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new Error(`earlyStopping: patience must be a non-negative integer, got ${args.patience}`);
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.baseline = args.baseline;
    this.verbose = args.verbose ?? 0;
    this.startFromEpoch = args.startFromEpoch ?? 0;
    if (!Number.isInteger(this.startFromEpoch) || this.startFromEpoch < 0) {
      throw new Error(`earlyStopping: startFromEpoch must be a non-negative integer, got ${args.startFromEpoch}`);
    }
  }

  onTrainBegin(): void {
    this.wait = 0; this.stoppedEpoch = 0; this.bestEpoch = 0; this.bestWeights = null;
    this.resetBest();
  }

  onEpochEnd(epoch: number, logs?: Logs): void {
    const v = this.current(logs, 'earlyStopping', epoch);
    if (v === undefined || epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === null) {
      // the first epoch looked at is the best so far, whatever its value
      this.bestWeights = this.model.getWeights();
      this.bestEpoch = epoch;
    }
    const improved = this.improved(v);
    if (this.observe(v, epoch)) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    } else if (improved && this.restoreBestWeights) this.bestWeights = this.model.getWeights();
  }

  /** One epoch's monitored value: updates best and wait; true when training is to stop. */
  private observe(v: number, epoch: number): boolean {
    this.wait++;
    if (this.improved(v)) {
      this.best = v;
      this.bestEpoch = epoch;
      // with a baseline, only improving on the baseline resets the wait; an improving epoch never stops
      if (this.baseline === undefined || this.improved(v, this.baseline)) this.wait = 0;
      return false;
    }
    return this.wait >= this.patience && epoch > 0;
  }

  /**
   * A run restored from a backup (backupAndRestore): best and wait catch up on its epochs, so it stops when the
   * uninterrupted run would have. With restoreBestWeights it starts afresh, as Keras does: the best epoch's weights
   * from before the interruption are not in the backup.
   */
  onResume(done: DoneEpochs): void {
    if (this.restoreBestWeights) return;
    for (const { epoch, logs } of doneLogs(done)) {
      const v = logs[this.monitor];
      if (v === undefined || epoch < this.startFromEpoch || !this.observe(v, epoch)) continue;
      // the run had stopped here (killed before its backup was deleted, or deleteCheckpoint: false): no epoch more
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
      return;
    }
  }


  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights) {
      if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.model.setWeights(this.bestWeights);
    }
  }
}
