// Losses by name (tfjs camelCase, Keras snake_case aliases). Each dispatches to one Wasm kernel; when the
// model ends in softmax (cross-entropy) or sigmoid (binary cross-entropy) the fused kernel writes the
// gradient with respect to the logits and the last layer skips its activation's backward.
import type { ActivationName } from '../layers/activations.js';
import type { Runtime } from '../runtime/wasm.js';

export const LOSSES = ['categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy',
  'meanSquaredError', 'meanAbsoluteError', 'huber'] as const;
export type LossName = (typeof LOSSES)[number];

const ALIASES: Record<string, LossName> = {
  categorical_crossentropy: 'categoricalCrossentropy', sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  binary_crossentropy: 'binaryCrossentropy', mean_squared_error: 'meanSquaredError', mse: 'meanSquaredError',
  mean_absolute_error: 'meanAbsoluteError', mae: 'meanAbsoluteError', huber_loss: 'huber', huberLoss: 'huber',
};

export function checkLoss(name: unknown): LossName {
  const n = ALIASES[name as string] ?? name;
  if (!(LOSSES as readonly unknown[]).includes(n)) {
    throw new Error(`compile: unknown loss ${JSON.stringify(name)}; valid: ${LOSSES.join(', ')} (or their snake_case names)`);
  }
  return n as LossName;
}

/** Whether labels are integer class ids (one per sample) rather than a tensor shaped like the output. */
export const sparseLabels = (loss: LossName): boolean => loss === 'sparseCategoricalCrossentropy';

/** Whether `loss` after `activation` is computed by a fused kernel that returns the logits' gradient. */
export function isFused(loss: LossName, activation: ActivationName): boolean {
  return (activation === 'softmax' && (loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy')) ||
    (activation === 'sigmoid' && loss === 'binaryCrossentropy');
}

/** Mean loss of the batch; writes dLoss/d(output) — or d(logits) when fused — into grad. */
export function lossForward(rt: Runtime, loss: LossName, fused: boolean, grad: number, p: number, y: number,
                            rows: number, cols: number): number {
  const k = rt.k;
  switch (loss) {
    case 'categoricalCrossentropy': return fused ? k.softmax_cce(grad, p, y, rows, cols) : k.cce(grad, p, y, rows, cols);
    case 'sparseCategoricalCrossentropy':
      if (!fused) throw new Error('sparseCategoricalCrossentropy: the model must end in a softmax activation');
      return k.softmax_sparse_cce(grad, p, y, rows, cols);
    case 'binaryCrossentropy': return fused ? k.sigmoid_bce(grad, p, y, rows, cols) : k.bce(grad, p, y, rows, cols);
    case 'meanSquaredError': return k.mse(grad, p, y, rows, cols);
    case 'meanAbsoluteError': return k.mae(grad, p, y, rows, cols);
    case 'huber': return k.huber(grad, p, y, rows, cols, 1);
  }
}

/** Correct predictions in the batch, and how many were judged (samples, or elements for binary). */
export function accuracyCount(rt: Runtime, loss: LossName, p: number, y: number, rows: number, cols: number): [number, number] {
  if (loss === 'sparseCategoricalCrossentropy') return [rt.k.count_sparse_match(p, y, rows, cols), rows];
  if (loss === 'binaryCrossentropy' || cols === 1) return [rt.k.count_binary_match(p, y, rows * cols), rows * cols];
  return [rt.k.count_argmax_match(p, y, rows, cols), rows];
}
