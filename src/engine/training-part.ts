// Training — fit, fitDataset, evaluate and the optimizers compile takes — reached through one slot, so that an
// import that only loads models and predicts (simdnet/predict) bundles none of it: engine/training.ts fills the
// slot when imported, as every full entry does (api.ts), the way io registers its save handlers with the engine.
import type * as optimizers from './optimizers.js';
import type * as trainer from './trainer.js';

export interface TrainingPart {
  fit: typeof trainer.fit;
  fitDataset: typeof trainer.fitDataset;
  evaluate: typeof trainer.evaluate;
  fitOptions: typeof trainer.fitOptions;
  fitDatasetOptions: typeof trainer.fitDatasetOptions;
  getOptimizer: typeof optimizers.getOptimizer;
  optimizerClass: typeof optimizers.optimizerClass;
  optimizerFromConfig: typeof optimizers.optimizerFromConfig;
}

let part: TrainingPart | null = null;

export function installTraining(p: TrainingPart): void { part = p; }

/** Whether training is loaded: false under simdnet/predict, where models load uncompiled. */
export function trainingLoaded(): boolean { return part !== null; }

/** The training part, or an error naming `fn` and where training is. */
export function training(fn: string): TrainingPart {
  if (!part) {
    throw new Error(`${fn}: simdnet/predict loads and runs models only; to compile, fit or evaluate, load or build the ` +
      "model with simdnet itself (`import * as sn from 'simdnet'`), and use that entry alone: in Node each is its own copy");
  }
  return part;
}
