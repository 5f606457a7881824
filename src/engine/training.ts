// Installs training (the trainer's loops and the optimizers) into the engine: imported by the full entries
// (api.ts), not by simdnet/predict (predict-api.ts). See training-part.ts.
import { getOptimizer, optimizerClass, optimizerFromConfig } from './optimizers.js';
import { evaluate, fit, fitDataset, fitDatasetOptions, fitOptions } from './trainer.js';
import { installTraining } from './training-part.js';

installTraining({ fit, fitDataset, evaluate, fitOptions, fitDatasetOptions, getOptimizer, optimizerClass, optimizerFromConfig });
