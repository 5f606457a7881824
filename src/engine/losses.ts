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
  /** Labels are class ids (one per prediction: per sample, or per step or pixel) rather than a tensor shaped like the output. */
  sparse?: boolean;
  /** tfjs-layers 4.22 knows this loss (a training config naming another stops tf.loadLayersModel). */
  tfjs: boolean;
}

const REGISTRY = {
  categoricalCrossentropy: {
    aliases: ['categorical_crossentropy'], tfjs: true, fusedWith: 'softmax',
    kernel: (rt, g, p, y, r, c) => rt.k.cce(g, p, y, r, c),
    fused: (rt, g, p, y, r, c) => rt.k.softmax_cce(g, p, y, r, c),
  },
  sparseCategoricalCrossentropy: {
    aliases: ['sparse_categorical_crossentropy'], tfjs: true, sparse: true, fusedWith: 'softmax',
    kernel: () => { throw new Error('sparseCategoricalCrossentropy: the model must end in a softmax activation'); },
    fused: (rt, g, p, y, r, c) => rt.k.softmax_sparse_cce(g, p, y, r, c),
  },
  binaryCrossentropy: {
    aliases: ['binary_crossentropy'], tfjs: true, fusedWith: 'sigmoid',
    kernel: (rt, g, p, y, r, c) => rt.k.bce(g, p, y, r, c),
    fused: (rt, g, p, y, r, c) => rt.k.sigmoid_bce(g, p, y, r, c),
  },
  meanSquaredError: { aliases: ['mean_squared_error', 'mse'], tfjs: true, kernel: (rt, g, p, y, r, c) => rt.k.mse(g, p, y, r, c) },
  meanAbsoluteError: { aliases: ['mean_absolute_error', 'mae'], tfjs: true, kernel: (rt, g, p, y, r, c) => rt.k.mae(g, p, y, r, c) },
  huber: { aliases: ['huber', 'huber_loss', 'huberLoss', 'Huber'], tfjs: false, kernel: (rt, g, p, y, r, c) => rt.k.huber(g, p, y, r, c, 1) },
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

/** Mean loss of the batch; writes dLoss/d(output) — or d(logits) when fused — into grad. */
export function lossForward(rt: Runtime, loss: LossName, fused: boolean, grad: number, p: number, y: number,
                            rows: number, cols: number): number {
  const e = entry(loss);
  return (fused && e.fused ? e.fused : e.kernel)(rt, grad, p, y, rows, cols);
}

/** Correct predictions among `rows` rows of `cols` values, and how many were judged (rows, or elements for binary). */
export function accuracyCount(rt: Runtime, loss: LossName, p: number, y: number, rows: number, cols: number): [number, number] {
  if (sparseLabels(loss)) return [rt.k.count_sparse_match(p, y, rows, cols), rows];
  if (loss === 'binaryCrossentropy' || cols === 1) return [rt.k.count_binary_match(p, y, rows * cols), rows * cols];
  return [rt.k.count_argmax_match(p, y, rows, cols), rows];
}
