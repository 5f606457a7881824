// ModelCheckpoint (Keras semantics): save the model after each epoch, or every saveFreq batches (counted across
// epochs, as Keras counts them), or only when `monitor` improves (saveBestOnly). Saving is atomic (see
// io/model-files), so a crash mid-write never breaks the best model. filepath may hold Keras-style fields:
// 'model-{epoch:02d}-{val_loss:.2f}', and with a batch count '{batch}' (1-based, as Keras').
import { saveOptions } from '../engine/save-handlers.js';
import { runningLogs, holdsNonFinite, type DoneEpochs, type Logs } from '../engine/callback.js';
import { MonitorCallback, type Mode } from './monitor.js';
import { show } from '../format.js';
import { checkSpecFor, formatNumber, parseSpec, pyStr, type NumberSpec } from './py-format.js';
import { saveFreqOf, type SaveFreq } from './save-freq.js';

export interface ModelCheckpointArgs {
  filepath: string; monitor?: string; verbose?: number; saveBestOnly?: boolean; mode?: Mode;
  /**
   * 'epoch' (default): save at each epoch's end; a number n: every n batches, counted across epochs, and at no
   * epoch's end (Keras' save_freq). Then the monitored quantity is the epoch's running average so far (Keras'
   * batch logs): 'loss' and compile's metrics; a val_ quantity is not there, and nothing is saved (with a warning).
   */
  saveFreq?: SaveFreq;
  /**
   * Also save the optimizer's state, so that training resumes from a checkpoint where it stopped (Keras'
   * checkpoints keep it; simdnet's, as tfjs' saves, only when asked: folder paths, not .h5).
   */
  includeOptimizer?: boolean;
  /**
   * The value of `monitor` a model must beat to be saved (Keras' initial_value_threshold; saveBestOnly only): a
   * run resumed by hand (loadModel, fit with initialEpoch) passes its best so far, so a worse epoch never replaces
   * the saved model.
   */
  initialValueThreshold?: number;
  /**
   * Save the weights alone (Keras' save_weights_only, model.saveWeights): filepath ends in `.weights.h5` (Keras 3's
   * layout) or `.h5` (Keras 2's).
   */
  saveWeightsOnly?: boolean;
}

/** The `{key}` / `{key:spec}` fields of a filepath; each spec checked now (a bad one would fail only at the first save). */
export function pathFields(template: string, where = 'modelCheckpoint'): { whole: string; key: string; spec: NumberSpec | null }[] {
  return [...template.matchAll(/\{(\w+)(?::([^}]*))?\}/g)].map(([whole, key, spec]) => {
    if (spec === undefined || spec === '') return { whole, key, spec: null };
    const field = `${where}: filepath field '${whole}'`, parsed = parseSpec(spec, field);
    checkSpecFor(parsed, isInteger(key), field); // epoch and batch are Python ints in Keras' format call; the logs, floats
    return { whole, key, spec: parsed };
  });
}

const isInteger = (key: string) => key === 'epoch' || key === 'batch';

/** The filepath for epoch (0-based) with logs, as Keras' filepath.format(epoch=epoch + 1, **logs). */
export function formatPath(template: string, epoch: number, logs: Logs): string {
  const fields = new Map(pathFields(template).map((f) => [f.whole, f]));
  return template.replace(/\{(\w+)(?::([^}]*))?\}/g, (whole) => {
    const { key, spec } = fields.get(whole)!;
    const v = key === 'epoch' ? epoch + 1 : logs[key];
    if (v === undefined) throw new Error(`modelCheckpoint: filepath field '${whole}' names no logged quantity; available: epoch, ${Object.keys(logs).join(', ')}`);
    if (!spec) return key === 'epoch' || key === 'batch' ? String(v) : (v < 0 || Object.is(v, -0) ? '-' : '') + pyStr(Math.abs(v));
    return formatNumber(v, spec, isInteger(key));
  });
}

export class ModelCheckpoint extends MonitorCallback {
  readonly filepath: string;
  readonly saveBestOnly: boolean;
  readonly includeOptimizer: boolean;
  readonly saveWeightsOnly: boolean;
  readonly saveFreq: SaveFreq;
  private readonly verbose: number;
  private batchesSinceSave = 0;
  private epochNow = 0;
  /** Epoch (0-based) of the last save, -1 before any. */
  lastSavedEpoch = -1;

  constructor(args: ModelCheckpointArgs) {
    super(args ?? {}, 'val_loss', 'modelCheckpoint');
    if (!args || typeof args.filepath !== 'string' || !args.filepath) throw new Error('modelCheckpoint: filepath must be a non-empty string');
    this.saveFreq = saveFreqOf('modelCheckpoint', args.saveFreq);
    pathFields(args.filepath); // its format specs, checked before training rather than at the first save
    this.filepath = args.filepath;
    this.saveBestOnly = args.saveBestOnly ?? false;
    this.includeOptimizer = saveOptions('modelCheckpoint', { includeOptimizer: args.includeOptimizer }).includeOptimizer;
    const weightsOnly = args.saveWeightsOnly ?? false;
    if (typeof weightsOnly !== 'boolean') throw new Error(`modelCheckpoint: saveWeightsOnly must be true or false, got ${show(weightsOnly)}`);
    if (weightsOnly && this.includeOptimizer) throw new Error('modelCheckpoint: saveWeightsOnly saves no optimizer state: drop includeOptimizer');
    if (weightsOnly && !/\.(h5|hdf5)$/i.test(args.filepath)) {
      throw new Error(`modelCheckpoint: saveWeightsOnly writes Keras weight files: filepath must end in .weights.h5 (Keras 3's layout) or .h5 (Keras 2's), got ${show(args.filepath)}`);
    }
    if (this.includeOptimizer && /\.(h5|hdf5|keras)$/i.test(args.filepath)) {
      throw new Error(`modelCheckpoint: ${args.filepath}: simdnet writes no optimizer state into Keras files (.h5, .keras); use a folder path with includeOptimizer`);
    }
    this.saveWeightsOnly = weightsOnly;
    this.verbose = args.verbose ?? 0;
    const t = args.initialValueThreshold as number | null | undefined; // Keras' None: not given
    if (t != null) {
      if (typeof t !== 'number' || Number.isNaN(t)) throw new Error(`modelCheckpoint: initialValueThreshold must be a number, got ${show(t)}`);
      // Keras takes it and consults it only with save_best_only: ported code passing it anyway still runs
      if (!this.saveBestOnly) console.warn('modelCheckpoint: initialValueThreshold applies with saveBestOnly: true only; without it every epoch is saved');
      this.best = t;
    }
  }

  // Keras keeps `best` across fit() calls, so resumed training never overwrites a better checkpoint

  /** A run restored from a backup (backupAndRestore): the best of its epochs done is the one to beat. */
  onResume(done: DoneEpochs): void {
    // with a batch count it judged running averages mid-epoch, which the epochs' logs do not hold: it starts over (Keras)
    if (!this.saveBestOnly || this.saveFreq !== 'epoch') return;
    for (const v of done.history[this.monitor] ?? []) if (Number.isFinite(v) && this.improved(v)) this.best = v;
  }

  /** A Keras file that cannot hold the model (a layout without its layers, a name Keras lacks) fails now, not after an epoch of training. */
  onTrainBegin(): void {
    if (/\.(h5|hdf5|keras)$/i.test(this.filepath)) this.model.checkWeightsLayout?.(this.filepath, 'modelCheckpoint', this.saveWeightsOnly);
  }

  onEpochBegin(epoch: number): void { this.epochNow = epoch; }

  async onBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch' || ++this.batchesSinceSave < this.saveFreq) return;
    this.batchesSinceSave = 0;
    // a diverged batch is not saved (fit refuses it next, or terminateOnNaN stops)
    if (!Number.isFinite(logs.loss ?? 0)) return;
    const running = runningLogs(this.params, logs) ?? logs; // Keras' batch logs: the epoch's averages so far
    await this.save(this.epochNow, running, { ...running, batch: batch + 1 });
  }

  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    if (this.saveFreq === 'epoch') await this.save(epoch, logs, logs, epoch);
  }

  /**
   * Saves the model to the path made of `pathLogs`, if saveBestOnly's monitor in `logs` improved (epoch: the
   * epoch whose end it is, where a val_ quantity may be absent by validationFreq).
   */
  private async save(epoch: number, logs: Logs, pathLogs: Logs, epochEnd?: number): Promise<void> {
    if (this.saveBestOnly) {
      // an epoch that is not saved needs no path (its template may name a val_ quantity this epoch lacks: validationFreq)
      const v = this.current(logs, 'modelCheckpoint', epochEnd);
      if (v === undefined || !this.improved(v)) {
        if (this.verbose > 0 && v !== undefined) console.log(`\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${this.best.toFixed(5)}`);
        return;
      }
    }
    const path = formatPath(this.filepath, epoch, pathLogs);
    if (holdsNonFinite(this.model)) {
      console.warn(`modelCheckpoint: epoch ${epoch + 1}: the weights are NaN or infinite (training diverged); not saved to ${path} ` +
        '(such a model could not be loaded again); the last checkpoint is kept');
      return;
    }
    if (this.saveBestOnly) {
      if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ${this.monitor} improved from ${this.best.toFixed(5)} to ${logs[this.monitor].toFixed(5)}, saving model to ${path}`);
    } else if (this.verbose > 0) {
      console.log(`\nEpoch ${epoch + 1}: saving model to ${path}`);
    }
    if (this.saveWeightsOnly) {
      if (!this.model.saveWeights) throw new Error(`modelCheckpoint: saveWeightsOnly needs a model with saveWeights (got ${show(this.model)})`);
      await this.model.saveWeights(path);
    } else {
      await this.model.save(path, { includeOptimizer: this.includeOptimizer });
    }
    // the best moves once its model is saved: a save that failed leaves the old best to beat
    if (this.saveBestOnly) this.best = logs[this.monitor];
    this.lastSavedEpoch = epoch;
  }
}
