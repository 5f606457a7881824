// sn.callbacks: Keras callbacks, tfjs-style factories.
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
export { CSVLogger, EarlyStopping, LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau, TerminateOnNaN };

export const learningRateScheduler = (schedule: (epoch: number, lr: number) => number, verbose = 0) => new LearningRateScheduler(schedule, verbose);
export const modelCheckpoint = (args: ModelCheckpointArgs) => new ModelCheckpoint(args);
export const earlyStopping = (args?: EarlyStoppingArgs) => new EarlyStopping(args);
export const reduceLROnPlateau = (args?: ReduceLROnPlateauArgs) => new ReduceLROnPlateau(args);
export const csvLogger = (args: { filename: string; separator?: string; append?: boolean } | string) =>
  typeof args === 'string' ? new CSVLogger(args) : new CSVLogger(args.filename, args.separator, args.append);
export const terminateOnNaN = () => new TerminateOnNaN();
