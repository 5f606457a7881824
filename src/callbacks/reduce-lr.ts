// ReduceLROnPlateau (Keras semantics): multiply the learning rate by `factor` when `monitor` has not
// improved for `patience` epochs, then wait `cooldown` epochs; never below minLr.
import { doneLogs, type DoneEpochs, type Logs } from '../engine/callback.js';
import { MonitorCallback, type Mode } from './monitor.js';

export interface ReduceLROnPlateauArgs {
  monitor?: string; factor?: number; patience?: number; verbose?: number; mode?: Mode;
  minDelta?: number; cooldown?: number; minLr?: number;
}

export class ReduceLROnPlateau extends MonitorCallback {
  readonly factor: number; readonly patience: number; readonly cooldown: number; readonly minLr: number;
  private readonly verbose: number;
  private wait = 0;
  private cooldownCounter = 0;

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super({ ...args, minDelta: args.minDelta ?? 1e-4 }, 'val_loss', 'reduceLROnPlateau');
    this.factor = args.factor ?? 0.1;
    if (!(this.factor < 1 && this.factor > 0)) throw new Error(`reduceLROnPlateau: factor must be in (0, 1), got ${args.factor}`);
    this.patience = args.patience ?? 10;
    this.cooldown = args.cooldown ?? 0;
    this.minLr = args.minLr ?? 0;
    this.verbose = args.verbose ?? 0;
  }

  onTrainBegin(): void { this.wait = 0; this.cooldownCounter = 0; this.resetBest(); }

  onEpochEnd(epoch: number, logs?: Logs): void {
    const opt = this.model.optimizer!;
    if (logs) logs.lr = opt.learningRate;
    const v = this.current(logs, 'reduceLROnPlateau', epoch);
    if (v === undefined || !this.observe(v, opt.learningRate)) return;
    opt.learningRate = Math.max(opt.learningRate * this.factor, this.minLr);
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${opt.learningRate}.`);
  }

  /** One epoch's monitored value (the rate then: lr): updates the counters; true when the rate is to be reduced. */
  private observe(v: number, lr: number): boolean {
    if (this.cooldownCounter > 0) { this.cooldownCounter--; this.wait = 0; }
    if (this.improved(v)) { this.best = v; this.wait = 0; return false; }
    if (this.cooldownCounter > 0) return false;
    this.wait++;
    if (this.wait < this.patience || !(lr > this.minLr)) return false;
    this.cooldownCounter = this.cooldown;
    this.wait = 0;
    return true;
  }

  /**
   * A run restored from a backup (backupAndRestore): the counters catch up on its epochs (their logged rate says
   * whether a reduction happened; the rate itself came back with the backup), so it reduces when the uninterrupted
   * run would have.
   */
  onResume(done: DoneEpochs): void {
    for (const { logs } of doneLogs(done)) {
      const v = logs[this.monitor];
      if (v !== undefined) this.observe(v, logs.lr ?? Infinity);
    }
  }
}
