// Results gathered per setting (the same parameters over several seeds): means, spreads, curves and cost.
import type { ParamKey, Plan, TrialParams } from './config.js';
import { PARAM_KEYS, resolveParams, settingId, variedKeys } from './config.js';
import { describeSetting } from './describe.js';
import { median } from './pruner.js';
import type { TrialResult } from './trial.js';

export interface Summary { n: number; mean: number; sd: number; min: number; max: number }

/** Mean, sample standard deviation and range of the finite values (n = 0 when there are none). */
export function summarize(values: (number | null | undefined)[]): Summary {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  const n = v.length;
  if (!n) return { n: 0, mean: NaN, sd: NaN, min: NaN, max: NaN };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, sd, min: Math.min(...v), max: Math.max(...v) };
}

export interface CurvePoint { epoch: number; mean: number; min: number; max: number; n: number }

export interface SettingStats {
  setting: string;
  params: TrialParams;
  label: string;
  trials: TrialResult[];
  /** The task's headline figure on the test set: accuracy (faces, higher is better) or MAE (lower is better). */
  test: Summary;
  testRmse: Summary;
  /** Best validation figure during training (val accuracy, or val MAE for regression). */
  bestVal: Summary;
  /** Median seconds per epoch, averaged over the trials: CPU seconds when every trial measured them (results
   * of older versions have wall time only, which other work on the machine inflates), else wall seconds. */
  secondsPerEpoch: Summary;
  epochClock: 'cpu' | 'wall';
  seconds: Summary;
  epochsRun: Summary;
  pruned: number;
  diverged: number;
  /** Per epoch over seeds: a history key's mean and range. */
  curve(key: string): CurvePoint[];
  /** First epoch (1-based) at which a seed's validation figure reached `level`, averaged; NaN if some never did. */
  epochsTo(level: number): number;
}

/** A setting's name: the keys its study varies, or (a study of one setting) where it departs from the defaults. */
function labelOf(p: TrialParams, varied: ParamKey[]): string {
  if (varied.length) return describeSetting(p, varied);
  const defaults = resolveParams({ task: p.task }, 'defaults');
  const own = PARAM_KEYS.filter((k) => p[k] !== defaults[k]);
  return own.length ? describeSetting(p, own) : 'simdnet train\'s defaults';
}

export const higherIsBetter = (p: TrialParams) => p.task === 'faces';
export const valKey = (p: TrialParams) => (p.task === 'faces' ? 'val_accuracy' : 'val_mae');

export function settingStats(setting: string, params: TrialParams, trials: TrialResult[], varied: ParamKey[]): SettingStats {
  const faces = params.task === 'faces', vk = valKey(params);
  const cpuClock = trials.every((t) => t.epochCpuSeconds?.length);
  const bestOf = (h: (number | null)[] | undefined) => {
    const v = (h ?? []).filter((x): x is number => x !== null);
    return v.length ? (faces ? Math.max(...v) : Math.min(...v)) : null;
  };
  return {
    setting, params, label: labelOf(params, varied), trials,
    test: summarize(trials.map((t) => (faces ? t.testAccuracy : t.testMae))),
    testRmse: summarize(trials.map((t) => t.testRmse)),
    bestVal: summarize(trials.map((t) => bestOf(t.history[vk]))),
    secondsPerEpoch: summarize(trials.map((t) => median(cpuClock ? t.epochCpuSeconds : t.epochSeconds))),
    epochClock: cpuClock ? 'cpu' : 'wall',
    seconds: summarize(trials.map((t) => t.seconds)),
    epochsRun: summarize(trials.map((t) => t.epochsRun)),
    pruned: trials.filter((t) => t.status === 'pruned').length,
    diverged: trials.filter((t) => t.status === 'diverged').length,
    curve(key: string): CurvePoint[] {
      const len = Math.max(0, ...trials.map((t) => t.history[key]?.length ?? 0));
      return Array.from({ length: len }, (_, e) => {
        const s = summarize(trials.map((t) => t.history[key]?.[e]));
        return { epoch: e + 1, mean: s.mean, min: s.min, max: s.max, n: s.n };
      }).filter((p) => p.n > 0);
    },
    epochsTo(level: number): number {
      const firsts = trials.map((t) => {
        const i = (t.history[vk] ?? []).findIndex((v) => v !== null && (faces ? v >= level : v <= level));
        return i < 0 ? NaN : i + 1;
      });
      return firsts.some(Number.isNaN) ? NaN : firsts.reduce((a, b) => a + b, 0) / firsts.length;
    },
  };
}

export interface StudyStats { name: string; varied: ParamKey[]; settings: SettingStats[] }

/** The plan's studies with their results (settings without any result are left out). */
export function studyStats(plan: Plan, results: TrialResult[]): StudyStats[] {
  const bySetting = new Map<string, TrialResult[]>();
  for (const r of results) {
    const s = settingId(r.params, r.data);
    if (!bySetting.has(s)) bySetting.set(s, []);
    bySetting.get(s)!.push(r);
  }
  return plan.studies.map((st) => ({
    name: st.name, varied: st.varied,
    settings: st.settings.filter((s) => bySetting.has(s))
      .map((s) => settingStats(s, plan.settings.get(s)!, bySetting.get(s)!.sort((a, b) => a.seed - b.seed), st.varied)),
  })).filter((s) => s.settings.length);
}

/** A plan that groups results with no sweep file: every setting found, in one study. */
export function planFromResults(results: TrialResult[]): Plan {
  const settings = new Map<string, TrialParams>();
  for (const r of results) settings.set(settingId(r.params, r.data), r.params);
  const ids = [...settings.keys()];
  const varied = variedKeys(ids.map((id) => settings.get(id)!));
  return { trials: results.map((r) => ({ id: r.id, setting: settingId(r.params, r.data), params: r.params, seed: r.seed, data: r.data })), studies: [{ name: 'all trials', settings: ids, varied }], settings };
}
