// EarlyStopping (Keras 2 semantics): stop when `monitor` has not improved for `patience` epochs;
// restoreBestWeights puts back the weights of the best epoch when it stops.
import type { Tensor } from '../tensor.js';
import type { Logs } from '../engine/callback.js';
import { MonitorCallback, type Mode } from './monitor.js';

export interface EarlyStoppingArgs {
  monitor?: string; minDelta?: number; patience?: number; verbose?: number; mode?: Mode;
  baseline?: number; restoreBestWeights?: boolean;
}

export class EarlyStopping extends MonitorCallback {
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  readonly baseline: number | undefined;
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
  }

  onTrainBegin(): void {
    this.wait = 0; this.stoppedEpoch = 0; this.bestEpoch = 0; this.bestWeights = null;
    this.resetBest();
  }

  onEpochEnd(epoch: number, logs?: Logs): void {
    const v = this.current(logs, 'earlyStopping');
    if (v === undefined) return;
    if (this.restoreBestWeights && this.bestWeights === null) this.bestWeights = this.model.getWeights();
    this.wait++;
    if (this.improved(v)) {
      this.best = v;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model.getWeights();
      // with a baseline, only improving on the baseline resets the wait
      if (this.baseline === undefined || this.improved(v, this.baseline)) this.wait = 0;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
      if (this.restoreBestWeights && this.bestWeights) {
        if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
        this.model.setWeights(this.bestWeights);
      }
    }
  }

  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
  }
}
