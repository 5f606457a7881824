// The median pruner, with Optuna's MedianPruner semantics (a PercentilePruner at 50): after step k, a trial
// stops when its best value so far is worse than the median of the completed trials' values at step k.
// Nothing is pruned before `startup` trials have completed, nor before step `warmup`; completed trials that
// have no value at step k (they ran fewer epochs) do not count; the median interpolates, as numpy's.

export interface MedianPrunerOptions { startup?: number; warmup?: number }

/** The median of the finite values, interpolating between the middle two; NaN when there are none. */
export function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = (v.length - 1) / 2;
  return (v[Math.floor(m)] + v[Math.ceil(m)]) / 2;
}

/**
 * Whether to stop a trial whose best value up to `step` is `best`. `completed` holds the per-step values of
 * the completed trials (pruned and failed trials excluded, as Optuna counts only COMPLETE ones).
 */
export function shouldPrune(step: number, best: number, completed: (number | null)[][], maximize: boolean, opts: MedianPrunerOptions = {}): boolean {
  const startup = opts.startup ?? 5, warmup = opts.warmup ?? 0;
  if (completed.length === 0 || completed.length < startup) return false;
  if (step < warmup) return false;
  if (Number.isNaN(best)) return true;
  const atStep = completed.map((h) => h[step]).filter((v): v is number => v !== null && v !== undefined);
  if (atStep.length === 0) return false;
  const m = median(atStep);
  if (Number.isNaN(m)) return false;
  return maximize ? best < m : best > m;
}
