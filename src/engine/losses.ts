// Losses: one registry (tfjs camelCase names) with each loss's Keras aliases, its Wasm kernel, the output
// activation it fuses with, and whether tfjs-layers can load a training config naming it. When the model
// ends in softmax (cross-entropy) or sigmoid (binary cross-entropy) the fused kernel writes the gradient
// with respect to the logits and the last layer skips its activation's backward.
import type { ActivationName } from '../layers/activations.js';
import type { Runtime } from '../runtime/wasm.js';
import { show } from '../format.js';

type LossKernel = (rt: Runtime, grad: number, p: number, y: number, rows: number, cols: number) => number;

interface LossEntry {
  aliases: string[];
  /** Mean loss of the batch; writes dLoss/d(output) into grad. */
  kernel: LossKernel;
  /** The activation whose output the fused kernel takes, returning the gradient of the logits. */
  fusedWith?: ActivationName;
  fused?: LossKernel;
  /** The kernel taking logits (Keras' from_logits=True: the last layer has no activation). */
  logits?: LossKernel;
  /** Keras' class name (what a training config holds when the loss has options). */
  kerasClass: string;
  /** Labels are class ids (one per prediction: per sample, or per step or pixel) rather than a tensor shaped like the output. */
  sparse?: boolean;
  /** tfjs-layers 4.22 knows this loss (a training config naming another stops tf.loadLayersModel). */
  tfjs: boolean;
}

const REGISTRY = {
  categoricalCrossentropy: {
    aliases: ['categorical_crossentropy'], tfjs: true, fusedWith: 'softmax', kerasClass: 'CategoricalCrossentropy',
    kernel: (rt, g, p, y, r, c) => rt.k.cce(g, p, y, r, c),
    fused: (rt, g, p, y, r, c) => rt.k.softmax_cce(g, p, y, r, c),
    logits: (rt, g, z, y, r, c) => rt.k.logits_cce(g, z, y, r, c),
  },
  sparseCategoricalCrossentropy: {
    aliases: ['sparse_categorical_crossentropy'], tfjs: true, sparse: true, fusedWith: 'softmax', kerasClass: 'SparseCategoricalCrossentropy',
    kernel: () => { throw new Error('sparseCategoricalCrossentropy: the model must end in a softmax activation'); },
    fused: (rt, g, p, y, r, c) => rt.k.softmax_sparse_cce(g, p, y, r, c),
    logits: (rt, g, z, y, r, c) => rt.k.logits_sparse_cce(g, z, y, r, c),
  },
  binaryCrossentropy: {
    aliases: ['binary_crossentropy'], tfjs: true, fusedWith: 'sigmoid', kerasClass: 'BinaryCrossentropy',
    kernel: (rt, g, p, y, r, c) => rt.k.bce(g, p, y, r, c),
    fused: (rt, g, p, y, r, c) => rt.k.sigmoid_bce(g, p, y, r, c),
    logits: (rt, g, z, y, r, c) => rt.k.logits_bce(g, z, y, r, c),
  },
  meanSquaredError: { aliases: ['mean_squared_error', 'mse'], tfjs: true, kerasClass: 'MeanSquaredError', kernel: (rt, g, p, y, r, c) => rt.k.mse(g, p, y, r, c) },
  meanAbsoluteError: { aliases: ['mean_absolute_error', 'mae'], tfjs: true, kerasClass: 'MeanAbsoluteError', kernel: (rt, g, p, y, r, c) => rt.k.mae(g, p, y, r, c) },
  huber: { aliases: ['huber', 'huber_loss', 'huberLoss', 'Huber'], tfjs: false, kerasClass: 'Huber', kernel: (rt, g, p, y, r, c) => rt.k.huber(g, p, y, r, c, 1) },
} satisfies Record<string, LossEntry>;

export type LossName = keyof typeof REGISTRY;
export const LOSSES = Object.keys(REGISTRY) as LossName[];
const entry = (loss: LossName): LossEntry => REGISTRY[loss];

/** A loss name (camelCase, Keras snake_case or Keras class name) as simdnet's; undefined if unknown. */
export function lossByName(name: unknown): LossName | undefined {
  if (typeof name !== 'string') return undefined;
  if ((LOSSES as string[]).includes(name)) return name as LossName;
  const lower = name[0]?.toLowerCase() + name.slice(1); // Keras class names: CategoricalCrossentropy
  return LOSSES.find((l) => l === lower || entry(l).aliases.includes(name));
}

export function checkLoss(name: unknown): LossName {
  if (name instanceof Loss) return name.name;
  const loss = lossByName(name);
  if (!loss) throw new Error(`compile: unknown loss ${show(name)}; valid: ${LOSSES.join(', ')} (or their snake_case names)`);
  return loss;
}

/** The loss's Keras snake_case name (what a training config holds). */
export const lossConfigName = (loss: LossName): string => entry(loss).aliases[0] ?? loss;

/** Whether tfjs-layers can load a training config naming this loss. */
export const tfjsKnowsLoss = (loss: LossName): boolean => entry(loss).tfjs;

/** Whether labels are integer class ids (one per prediction: per sample, or per step or pixel) rather than a tensor shaped like the output. */
export const sparseLabels = (loss: LossName): boolean => entry(loss).sparse === true;

/** Whether `loss` after `activation` is computed by a fused kernel that returns the logits' gradient. */
export const isFused = (loss: LossName, activation: ActivationName): boolean => entry(loss).fusedWith === activation;

/**
 * How a loss reads the model's output: probabilities ('plain'), the output of the activation it fuses with
 * ('fused': its gradient is the logits'), or logits from a last layer without activation ('logits': fromLogits).
 */
export type LossInput = 'plain' | 'fused' | 'logits';

/** Mean loss of the batch; writes dLoss/d(output) — or d(logits) when fused or from logits — into grad. */
export function lossForward(rt: Runtime, loss: LossName, input: LossInput, grad: number, p: number, y: number,
                            rows: number, cols: number): number {
  const e = entry(loss);
  const kernel = input === 'logits' ? e.logits! : input === 'fused' && e.fused ? e.fused : e.kernel;
  return kernel(rt, grad, p, y, rows, cols);
}

/** Whether the loss takes logits (Keras' from_logits: categorical, sparse categorical and binary cross-entropy). */
export const takesLogits = (loss: LossName): boolean => entry(loss).logits !== undefined;

/** The loss's Keras class name (CategoricalCrossentropy). */
export const lossKerasClass = (loss: LossName): string => entry(loss).kerasClass;

/**
 * A loss with its options, as compile takes it beside a name: `sn.losses.sparseCategoricalCrossentropy({ fromLogits:
 * true })` (Keras' SparseCategoricalCrossentropy(from_logits=True)).
 */
export class Loss {
  /** `where` names the caller in errors (sn.losses' factories pass theirs). */
  constructor(readonly name: LossName, readonly fromLogits: boolean, where = 'Loss') {
    if (!(LOSSES as unknown[]).includes(name)) throw new Error(`${where}: unknown loss ${show(name)}; valid: ${LOSSES.join(', ')}`);
    if (typeof fromLogits !== 'boolean') throw new Error(`${where}: fromLogits must be true or false, got ${show(fromLogits)}`);
    if (fromLogits && !takesLogits(name)) throw new Error(`${where}: fromLogits applies to the cross-entropies only (${LOSSES.filter(takesLogits).join(', ')}), not ${name}`);
  }
}

export interface LossArgs {
  /** The model's last layer gives logits (no activation): the loss applies softmax / sigmoid itself, stably. */
  fromLogits?: boolean;
}

/** sn.losses: a factory per loss, taking Keras' options. */
export const losses = Object.fromEntries(LOSSES.map((name) => [name, (args: LossArgs = {}) => {
  if (args === null || typeof args !== 'object') throw new Error(`losses.${name}: expected { fromLogits? }, got ${show(args)}`);
  for (const k of Object.keys(args)) if (k !== 'fromLogits') throw new Error(`losses.${name}: unknown option ${k}; options: fromLogits`);
  return new Loss(name, args.fromLogits ?? false, `losses.${name}`);
}])) as Record<LossName, (args?: LossArgs) => Loss>;

/** Correct predictions among `rows` rows of `cols` values, and how many were judged (rows, or elements for binary). */
export function accuracyCount(rt: Runtime, loss: LossName, p: number, y: number, rows: number, cols: number, fromLogits = false): [number, number] {
  if (sparseLabels(loss)) return [rt.k.count_sparse_match(p, y, rows, cols), rows];
  // a logit above 0 is a probability above 0.5 (Keras' 'accuracy' thresholds logits at 0.5: the pitfall its
  // tutorials avoid with BinaryAccuracy(threshold=0))
  if (loss === 'binaryCrossentropy' || cols === 1) return [rt.k.count_binary_match(p, y, rows * cols, fromLogits ? 0 : 0.5), rows * cols];
  return [rt.k.count_argmax_match(p, y, rows, cols), rows];
}
