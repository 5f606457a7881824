// BackupAndRestore (Keras semantics): at the end of every epoch (or every saveFreq batches) the model's weights,
// its optimizer's state and the epoch are backed up to a folder; when fit starts and finds a backup there (the
// previous run was interrupted: a crash, a kill, a lost machine), it restores them and goes on from where the
// backup was made, as the uninterrupted run would have — bit for bit, since fit draws each epoch's shuffle and
// each step's dropout from the epoch and step (a backup made mid-epoch also keeps that epoch's running sums, and
// fit skips its batches done: tf.keras 2's resume; Keras 3 would start that epoch over). A run that ends normally
// deletes its backup (deleteCheckpoint, default true).
// Hosts with a file system (Node, Deno, Bun).
import { Callback, missingSums, recordEpoch, holdsNonFinite, type DoneEpochs, type EpochProgress, type Logs } from '../engine/callback.js';
import { Sequential } from '../engine/sequential.js';
import { show } from '../format.js';
import { removeBackup, restoreBackup, writeBackup, type BackupState } from '../io/training-backup.js';
import { saveFreqOf, type SaveFreq } from './save-freq.js';

export interface BackupAndRestoreArgs {
  /** The folder the backup lives in: the callback's own (one per training run). */
  backupDir: string;
  /** When to back up: 'epoch' (each epoch's end, the default) or every n batches (counted across epochs, as Keras). */
  saveFreq?: SaveFreq;
  /** Delete the backup when training ends normally (default true, as Keras). */
  deleteCheckpoint?: boolean;
}

const FN = 'backupAndRestore';

export class BackupAndRestore extends Callback {
  readonly backupDir: string;
  readonly deleteCheckpoint: boolean;
  readonly saveFreq: SaveFreq;
  private batchesSinceBackup = 0;
  /** What the last fit restored (the last epoch done, the learning rate, the logs so far), or null if it started afresh. */
  restored: BackupState | null = null;
  /** The epochs backed up and their logs, the restored run's included. */
  private done: BackupState['history'] = { epoch: [], history: {}, epochsOf: {} };

  constructor(args: BackupAndRestoreArgs) {
    super();
    if (!args || typeof args.backupDir !== 'string' || !args.backupDir) throw new Error(`${FN}: backupDir must be a non-empty folder path, got ${show(args?.backupDir)}`);
    this.saveFreq = saveFreqOf(FN, args.saveFreq);
    if (args.deleteCheckpoint !== undefined && typeof args.deleteCheckpoint !== 'boolean') {
      throw new Error(`${FN}: deleteCheckpoint must be true or false, got ${show(args.deleteCheckpoint)}`);
    }
    this.backupDir = args.backupDir;
    this.deleteCheckpoint = args.deleteCheckpoint ?? true;
  }

  /** At a batch's and an epoch's end it records what the other callbacks did (a checkpoint saved, a rate changed): it runs after them. */
  get epochEndLast(): boolean { return true; }

  private sequential(): Sequential {
    if (!(this.model instanceof Sequential)) throw new Error(`${FN}: backs up Sequential models (fit was called on ${show(this.model)})`);
    return this.model;
  }

  async onTrainBegin(): Promise<void> {
    this.batchesSinceBackup = 0;
    // a backup made mid-epoch must fit this run's batches, checked before anything is restored
    const model = this.sequential();
    this.restored = await restoreBackup(model, this.backupDir, FN, (state) => {
      const p = state.partial, { steps, batchSize, samples } = this.params;
      // the value metrics (mae ...) go on from their running sums: a backup of a run compiled without one has none
      const unsummed = p ? missingSums(p, model.valueMetricKeys) : [];
      if (unsummed.length) {
        return `its epoch in progress (epoch ${p!.epoch + 1}, ${p!.batches} batch${p!.batches === 1 ? '' : 'es'} done) kept no running sum of ${unsummed.join(', ')}: ` +
          "the interrupted run was compiled with other metrics; compile with the interrupted run's metrics";
      }
      const seenThen = p ? Math.min(p.batches * batchSize, samples) : NaN;
      if (p && ((Number.isFinite(steps) && p.batches > steps) || (Number.isFinite(seenThen) && p.seen !== seenThen))) {
        return `it had done ${p.batches} batches (${p.seen} samples) of epoch ${p.epoch + 1}, which this data (${Number.isFinite(steps) ? steps : 'an unknown number of'} ` +
          `batches of ${batchSize} an epoch) cannot continue: fit with the interrupted run's batchSize and data`;
      }
      return null;
    });
    this.done = structuredClone(this.restored?.history ?? { epoch: [], history: {}, epochsOf: {} });
    // a backup without the keys' epochs: a key logged every epoch has them all; another's are unknown, and it is dropped
    if (!this.done.epochsOf) {
      const full = Object.entries(this.done.history).filter(([, v]) => v.length === this.done.epoch.length);
      this.done.history = Object.fromEntries(full);
      this.done.epochsOf = Object.fromEntries(full.map(([k]) => [k, [...this.done.epoch]]));
    }
  }

  resumeFrom(): { epoch: number; done: DoneEpochs; partial?: EpochProgress } | null {
    const r = this.restored;
    return r ? { epoch: r.epoch + 1, done: r.history, ...(r.partial ? { partial: r.partial } : {}) } : null;
  }

  async onBatchEnd(_batch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch' || ++this.batchesSinceBackup < this.saveFreq) return;
    // a diverged batch (fit refuses it next, or terminateOnNaN stops), or an update that overflowed the weights
    // (the next batch's loss shows it), keeps the last good backup
    if (!Number.isFinite(logs.loss ?? 0) || this.model.stopTraining || holdsNonFinite(this.model)) return;
    this.batchesSinceBackup = 0;
    const progress = this.params.progress;
    if (!progress) throw new Error(`${FN}: saveFreq ${this.saveFreq} needs fit's progress (the callback is driven by hand?)`);
    await writeBackup(this.sequential(), this.backupDir, progress.epoch - 1, this.done, FN, progress);
  }

  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    recordEpoch(this.done as Required<DoneEpochs>, epoch, logs); // as History keeps them
    // with a batch count, Keras backs up only every saveFreq batches; a run stopped on a NaN loss keeps the last good one
    if (this.saveFreq !== 'epoch' || !Number.isFinite(logs.loss ?? 0)) return;
    // an epoch whose last update overflowed the weights, which terminateOnNaN stopped: not backed up (such weights
    // cannot be written); training then ends normally, and deleteCheckpoint removes the backup as Keras' does
    if (holdsNonFinite(this.model)) {
      console.warn(`${FN}: epoch ${epoch + 1}: the weights are NaN or infinite (training diverged); not backed up` +
        (this.deleteCheckpoint ? ' (training ends: the backup is deleted, as deleteCheckpoint says)' : '; the last good epoch\'s backup stays'));
      return;
    }
    await writeBackup(this.sequential(), this.backupDir, epoch, this.done, FN);
  }

  async onTrainEnd(): Promise<void> {
    if (this.deleteCheckpoint) await removeBackup(this.backupDir, FN);
  }
}
