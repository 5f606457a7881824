// sn.callbacks: Keras callbacks, tfjs-style factories.
import { checkOptions, type AllOptions } from '../format.js';
import { BackupAndRestore, type BackupAndRestoreArgs } from './backup-and-restore.js';
import { BatchValues } from './batch-values.js';
import { CSVLogger } from './csv-logger.js';
import { EarlyStopping, type EarlyStoppingArgs } from './early-stopping.js';
import { LearningRateScheduler } from './lr-scheduler.js';
import { ModelCheckpoint, type ModelCheckpointArgs } from './model-checkpoint.js';
import { ReduceLROnPlateau, type ReduceLROnPlateauArgs } from './reduce-lr.js';
import { TerminateOnNaN } from './terminate-on-nan.js';

export { Callback } from '../engine/callback.js';
export type { Logs, CallbackHooks } from '../engine/callback.js';
export { History } from '../engine/history.js';
export { ProgressLogger } from '../engine/progress.js';
export { BackupAndRestore, BatchValues, CSVLogger, EarlyStopping, LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau, TerminateOnNaN };

// each factory's option names (the compiler checks each list names all of its interface's keys)
const CHECKPOINT_OPTIONS = ['filepath', 'monitor', 'mode', 'verbose', 'saveBestOnly', 'saveFreq', 'includeOptimizer', 'initialValueThreshold', 'saveWeightsOnly'] as const;
const EARLY_STOPPING_OPTIONS = ['monitor', 'mode', 'minDelta', 'verbose', 'patience', 'baseline', 'restoreBestWeights', 'startFromEpoch'] as const;
const REDUCE_LR_OPTIONS = ['monitor', 'mode', 'minDelta', 'verbose', 'factor', 'patience', 'cooldown', 'minLr'] as const;
const BACKUP_OPTIONS = ['backupDir', 'saveFreq', 'deleteCheckpoint'] as const;
interface CSVLoggerArgs { filename: string; separator?: string; append?: boolean }
const CSV_LOGGER_OPTIONS = ['filename', 'separator', 'append'] as const;

export const learningRateScheduler = (schedule: (epoch: number, lr: number) => number, verbose = 0) => new LearningRateScheduler(schedule, verbose);
export const modelCheckpoint = (args: ModelCheckpointArgs) => {
  checkOptions('modelCheckpoint', args, CHECKPOINT_OPTIONS satisfies AllOptions<ModelCheckpointArgs, typeof CHECKPOINT_OPTIONS>);
  return new ModelCheckpoint(args);
};
export const earlyStopping = (args?: EarlyStoppingArgs) => {
  checkOptions('earlyStopping', args, EARLY_STOPPING_OPTIONS satisfies AllOptions<EarlyStoppingArgs, typeof EARLY_STOPPING_OPTIONS>);
  return new EarlyStopping(args);
};
export const reduceLROnPlateau = (args?: ReduceLROnPlateauArgs) => {
  checkOptions('reduceLROnPlateau', args, REDUCE_LR_OPTIONS satisfies AllOptions<ReduceLROnPlateauArgs, typeof REDUCE_LR_OPTIONS>);
  return new ReduceLROnPlateau(args);
};
export const csvLogger = (args: CSVLoggerArgs | string) => {
  if (typeof args === 'string') return new CSVLogger(args);
  if (args === undefined || args === null) throw new Error("csvLogger: expected a file name or { filename, separator?, append? }, e.g. csvLogger('training.csv')");
  checkOptions('csvLogger', args, CSV_LOGGER_OPTIONS satisfies AllOptions<CSVLoggerArgs, typeof CSV_LOGGER_OPTIONS>);
  return new CSVLogger(args.filename, args.separator, args.append);
};
export const terminateOnNaN = () => new TerminateOnNaN();
export const backupAndRestore = (args: BackupAndRestoreArgs) => {
  if (args === undefined || args === null) throw new Error("backupAndRestore: expected { backupDir, saveFreq?, deleteCheckpoint? }, e.g. backupAndRestore({ backupDir: 'backup' })");
  checkOptions('backupAndRestore', args, BACKUP_OPTIONS satisfies AllOptions<BackupAndRestoreArgs, typeof BACKUP_OPTIONS>);
  return new BackupAndRestore(args);
};
