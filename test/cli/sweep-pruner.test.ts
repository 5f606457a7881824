// The median pruner against Optuna's MedianPruner rules (n_startup_trials, n_warmup_steps, the trial's best
// value so far against the median of completed trials at the same step, numpy's interpolating median).
import { describe, expect, it } from 'vitest';
import { median, shouldPrune } from '../../src/cli/sweep/pruner.js';

describe('median pruner', () => {
  const five = [[0.1, 0.5, 0.9], [0.2, 0.6, 0.8], [0.3, 0.7, 0.7], [0.4, 0.8, 0.95], [0.5, 0.9, 0.99]];

  it('median as numpy: the middle value, or the mean of the middle two; NaN and infinities ignored', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 1, Infinity, 3])).toBe(2);
    expect(median([])).toBeNaN();
  });

  it('prunes a maximised metric whose best so far is below the median of completed trials at that step', () => {
    expect(shouldPrune(0, 0.29, five, true)).toBe(true); // median at step 0 is 0.3
    expect(shouldPrune(0, 0.3, five, true)).toBe(false); // equal is not worse
    expect(shouldPrune(2, 0.89, five, true)).toBe(true); // median at step 2 is 0.9
    expect(shouldPrune(2, 0.91, five, true)).toBe(false);
  });

  it('minimised metrics are pruned above the median', () => {
    expect(shouldPrune(1, 0.71, five, false)).toBe(true);
    expect(shouldPrune(1, 0.69, five, false)).toBe(false);
  });

  it('waits for n_startup completed trials and n_warmup steps', () => {
    expect(shouldPrune(0, 0, five.slice(0, 4), true)).toBe(false); // Optuna's default: 5 completed trials first
    expect(shouldPrune(0, 0, five.slice(0, 4), true, { startup: 4 })).toBe(true);
    expect(shouldPrune(0, 0, [], true, { startup: 0 })).toBe(false); // nothing to compare with
    expect(shouldPrune(1, 0, five, true, { warmup: 2 })).toBe(false);
    expect(shouldPrune(2, 0, five, true, { warmup: 2 })).toBe(true);
  });

  it('counts only the completed trials that reached the step; no value at all there prunes nothing', () => {
    const ragged = [[0.1], [0.2, 0.9], [0.3, 0.1], [0.4], [0.5]];
    expect(shouldPrune(1, 0.4, ragged, true)).toBe(true); // median of 0.9 and 0.1 is 0.5
    expect(shouldPrune(5, 0, ragged, true)).toBe(false);
    expect(shouldPrune(0, 0.35, [[null], [0.1], [0.2], [0.5], [0.6], [null]] as (number | null)[][], true)).toBe(false); // median 0.35
  });

  it('a NaN best value is pruned, as Optuna does', () => {
    expect(shouldPrune(0, NaN, five, true)).toBe(true);
  });
});
