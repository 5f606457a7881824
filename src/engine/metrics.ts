// compile's metrics: one registry. The accuracy, under the name compile was given ('accuracy', 'acc' or tfjs'
// loss-specific name), counts hits; a value metric (Keras' mae, mse) is the batch mean of an error that the loss
// kernel of the same name computes, unweighted by sample or class weights (Keras' `metrics`, not its
// `weighted_metrics`). Each is logged under its name as given, and val_<name> for the validation data.
import { show } from '../format.js';
import { sparseLabels, type LossName } from './losses.js';

const ACCURACY_NAMES = ['accuracy', 'acc'];
/**
 * tfjs' loss-specific accuracies (Keras' snake_case names too): the same figure as 'accuracy' for the loss each
 * goes with.
 */
const SPECIFIC_ACCURACY: Record<string, LossName> = {
  categoricalAccuracy: 'categoricalCrossentropy', sparseCategoricalAccuracy: 'sparseCategoricalCrossentropy', binaryAccuracy: 'binaryCrossentropy',
};
/** The value metrics by every name Keras and tfjs give them, each the loss whose kernel computes it. */
const VALUE_METRICS: Record<string, LossName> = {
  mae: 'meanAbsoluteError', MAE: 'meanAbsoluteError', meanAbsoluteError: 'meanAbsoluteError', mean_absolute_error: 'meanAbsoluteError',
  mse: 'meanSquaredError', MSE: 'meanSquaredError', meanSquaredError: 'meanSquaredError', mean_squared_error: 'meanSquaredError',
};

const camel = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** A compiled metric: the key it is logged under and what it measures (a value metric: the loss computing it). */
export type Metric = { key: string; kind: 'accuracy' } | { key: string; kind: 'value'; loss: LossName };

/** compile's metrics list for `loss`, checked: at most one accuracy and one of each value metric. */
export function parseMetrics(metrics: unknown, loss: LossName): Metric[] {
  if (!Array.isArray(metrics)) throw new Error(`compile: metrics must be an array, got ${show(metrics)}`);
  const valid = () => [...ACCURACY_NAMES, ...Object.keys(SPECIFIC_ACCURACY), 'mae', 'mse', 'meanAbsoluteError', 'meanSquaredError'].join(', ');
  const out: Metric[] = [];
  for (const m of metrics) {
    if (typeof m !== 'string') throw new Error(`compile: unknown metric ${show(m)}; valid: ${valid()} (or snake_case)`);
    let metric: Metric;
    if (ACCURACY_NAMES.includes(m)) metric = { key: m, kind: 'accuracy' };
    else if (Object.hasOwn(SPECIFIC_ACCURACY, camel(m))) {
      const goesWith = SPECIFIC_ACCURACY[camel(m)];
      if (goesWith !== loss) throw new Error(`compile: metric ${m} goes with loss ${goesWith}, not ${loss}: use 'accuracy'`);
      metric = { key: m, kind: 'accuracy' };
    } else if (Object.hasOwn(VALUE_METRICS, m)) {
      if (sparseLabels(loss)) throw new Error(`compile: metric ${m} compares outputs with targets shaped like them; ${loss}'s labels are class ids`);
      metric = { key: m, kind: 'value', loss: VALUE_METRICS[m] };
    } else {
      throw new Error(`compile: unknown metric ${show(m)}; valid: ${valid()} (or snake_case)`);
    }
    const same = out.find((o) => o.kind === metric.kind && (o.kind === 'accuracy' || (metric.kind === 'value' && o.loss === metric.loss)));
    if (same) throw new Error(`compile: metrics ${same.key} and ${m} are the same metric; give it once`);
    out.push(metric);
  }
  return out;
}

/**
 * The metric names tfjs-layers 4.22 compiles from a training config (it camel-cases snake_case first): a config
 * naming another stops tf.loadLayersModel (sparseCategoricalAccuracy, the long names of mae and mse).
 */
const TFJS_METRICS = ['accuracy', 'acc', 'binaryAccuracy', 'binary_accuracy', 'categoricalAccuracy', 'categorical_accuracy', 'mae', 'MAE', 'mse', 'MSE'];

/** Whether tfjs-layers 4.22 can compile a training config naming this metric. */
export const tfjsKnowsMetric = (name: unknown): boolean => typeof name === 'string' && TFJS_METRICS.includes(name);

