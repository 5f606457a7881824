// `simdnet train`'s training options, shared with `simdnet sweep` (whose config keys are these options in
// camelCase): the spec that checks them, their defaults, the optimizer they build and the lab's schedule.
import * as sn from '../index.js';
import { UsageError, type OptionSpec } from './args.js';

export const TRAIN_OPTIONS: Record<string, OptionSpec> = {
  data: { type: 'string' }, epochs: { type: 'int', min: 1 }, 'batch-size': { type: 'int', min: 1 },
  optimizer: { type: 'string', choices: Object.keys(sn.optimizers) }, lr: { type: 'number', min: 1e-12 },
  threads: { type: 'string' }, seed: { type: 'int' }, out: { type: 'string' }, plot: { type: 'string' },
  'test-size': { type: 'number', min: 0.01, max: 0.9 }, verbose: { type: 'int', min: 0, max: 2 },
  'lr-drop': { type: 'number', min: 1e-6, max: 1 }, epsilon: { type: 'number', min: 1e-12, max: 1 },
  backup: { type: 'string' }, 'class-weight': { type: 'string', choices: ['balanced'] },
};

/** How a model is trained: what `simdnet train` takes from its options, with the lab's defaults filled in. */
export interface Recipe {
  epochs: number;
  batchSize: number;
  optimizer: keyof typeof sn.optimizers;
  lr: number;
  /** The learning rate is multiplied by lrDrop every 10 epochs (the lab: 0.5; 1 keeps it constant). */
  lrDrop: number;
  /** The epsilon of every optimizer but SGD; undefined: the optimizer's default. */
  epsilon?: number;
  testSize: number;
  /** SGD only (the lab: 0.9 with Nesterov). */
  momentum: number;
  nesterov: boolean;
}

/** The recipe from parsed options (kebab-case names, as parseArgs returns them); missing ones take the lab's values. */
export function recipeFromOptions(opts: Record<string, unknown>, command: string): Recipe {
  const optimizer = (opts.optimizer as Recipe['optimizer'] | undefined) ?? 'sgd';
  const epsilon = opts.epsilon as number | undefined;
  if (epsilon !== undefined && optimizer === 'sgd') throw new UsageError(`simdnet ${command}: --epsilon applies to every optimizer but sgd`);
  return {
    epochs: (opts.epochs as number | undefined) ?? 20,
    batchSize: (opts['batch-size'] as number | undefined) ?? 32,
    optimizer,
    lr: (opts.lr as number | undefined) ?? (optimizer === 'sgd' || optimizer === 'adagrad' ? 0.01 : 0.001),
    lrDrop: (opts['lr-drop'] as number | undefined) ?? 0.5,
    epsilon,
    testSize: (opts['test-size'] as number | undefined) ?? 0.15,
    momentum: (opts.momentum as number | undefined) ?? 0.9,
    nesterov: (opts.nesterov as boolean | undefined) ?? true,
  };
}

export function makeOptimizer(r: Recipe): sn.Optimizer {
  const { lr: learningRate, epsilon } = r;
  if (r.optimizer === 'sgd') return sn.optimizers.sgd({ learningRate, momentum: r.momentum, nesterov: r.nesterov });
  // every other optimizer takes the rate and epsilon alike
  return (sn.optimizers[r.optimizer] as (args: { learningRate: number; epsilon?: number }) => sn.Optimizer)({ learningRate, epsilon });
}

/** The lab's schedule: lr * lrDrop ** floor((1 + epoch) / 10). */
export const learningRateAt = (r: Pick<Recipe, 'lr' | 'lrDrop'>, epoch: number): number => r.lr * r.lrDrop ** Math.floor((1 + epoch) / 10);
