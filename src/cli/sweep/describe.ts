// Short human names for settings and results, used by the progress lines, the tables and the charts.
import type { ParamKey, TrialParams } from './config.js';
import type { TrialResult } from './trial.js';

const LOSS_NAMES: Record<string, string> = { categoricalCrossentropy: 'cross-entropy', meanSquaredError: 'MSE', meanAbsoluteError: 'MAE', huber: 'Huber' };

/** A number as written by people: 0.001, 0.03, 1e-7. */
export const num = (v: number): string => (v !== 0 && Math.abs(v) < 1e-4 ? v.toExponential() : String(+v.toPrecision(4)));

/** One parameter as a phrase: "lr 0.03", "batch 8", "Nesterov on". */
export function describeParam(k: ParamKey, p: TrialParams): string {
  const v = p[k];
  switch (k) {
    case 'task': return String(v);
    case 'epochs': return `${v} epochs`;
    case 'batchSize': return `batch ${v}`;
    case 'optimizer': return String(v);
    case 'lr': return `lr ${num(v as number)}`;
    case 'lrDrop': return v === 1 ? 'constant lr' : `lr ×${num(v as number)} / 10 epochs`;
    case 'testSize': return `test ${num(v as number)}`;
    case 'epsilon': return v === null ? 'default epsilon' : `epsilon ${num(v as number)}`;
    case 'momentum': return v === null ? 'no momentum term' : `momentum ${num(v as number)}`;
    case 'nesterov': return v === null ? '' : v ? 'Nesterov' : 'no Nesterov';
    case 'activation': return String(v);
    case 'loss': return LOSS_NAMES[v as string] ?? String(v);
    case 'labelNoise': return v === 0 ? 'clean labels' : `${Math.round((v as number) * 100)} % outliers`;
    case 'classWeight': return v === 'none' ? 'unweighted classes' : `${v} class weights`;
  }
}

/** A setting named by the keys that vary (all of them when none is given). */
export function describeSetting(p: TrialParams, keys: ParamKey[]): string {
  const uniq = [...new Set(keys)];
  const shown = (uniq.length ? uniq : (['optimizer', 'lr'] as ParamKey[]))
    // momentum and Nesterov mean nothing for Adam & co: name the optimizer instead
    .filter((k) => !((k === 'momentum' || k === 'nesterov') && p.optimizer !== 'sgd'));
  if ((uniq.includes('momentum') || uniq.includes('nesterov')) && p.optimizer !== 'sgd' && !shown.includes('optimizer')) shown.unshift('optimizer');
  return shown.map((k) => describeParam(k, p)).filter(Boolean).join(', ');
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);

/** One result in a line: its test figure, how far it ran and how long it took. */
export function headline(r: TrialResult): string {
  const fig = r.params.task === 'faces'
    ? `test acc ${pct(r.testAccuracy)}`
    : `test MAE ${r.testMae === null ? '—' : r.testMae.toFixed(3)}, RMSE ${r.testRmse === null ? '—' : r.testRmse.toFixed(3)}`;
  const how = r.status === 'pruned' ? `pruned after epoch ${r.prunedAt}` : r.status === 'diverged' ? `diverged in epoch ${r.epochsRun}` : `${r.epochsRun} epochs`;
  return `${fig}, ${how}, ${r.seconds.toFixed(0)} s`;
}
