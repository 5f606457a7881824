// A sweep file, checked and expanded into trials. Keys are `simdnet train`'s options in camelCase plus what
// only a sweep varies (activation, loss, momentum, nesterov, task, labelNoise) and classWeight ('none' or 'balanced'):
//   { "base": { "epochs": 20 }, "grid": { "optimizer": ["sgd", "adam"], "lr": [0.01, 0.001] }, "seeds": [0, 1, 2] }
//   "random": { "lr": { "logUniform": [1e-4, 0.1] } }, "samples": 8, "sampleSeed": 0      random search
//   "studies": [{ "name": "learning rate", "grid": { "lr": [...] } }, ...]               several grids over one base
// Each setting (grid point x random draw) runs once per seed. A trial is named by a hash of its resolved
// parameters, seed and data, so the same trial planned by two studies or two runs is one trial.
import { Random } from '../../random.js';
import { parseValue, UsageError, type OptionSpec } from '../args.js';
import { recipeFromOptions, TRAIN_OPTIONS, type Recipe } from '../train-options.js';

export const TASKS = ['faces', 'face-position'] as const;
export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'linear'] as const;
export const CLASSIFICATION_LOSSES = ['categoricalCrossentropy', 'meanSquaredError', 'meanAbsoluteError', 'huber'] as const;
export const REGRESSION_LOSSES = ['meanSquaredError', 'meanAbsoluteError', 'huber'] as const;

/** Every parameter of a trial, resolved (defaults filled in; null where it does not apply). */
export interface TrialParams {
  /** 'faces': the lab CNN classifying the 16 people; 'face-position': a small CNN regressing where the face is. */
  task: (typeof TASKS)[number];
  epochs: number;
  batchSize: number;
  optimizer: Recipe['optimizer'];
  lr: number;
  lrDrop: number;
  testSize: number;
  epsilon: number | null;
  momentum: number | null;
  nesterov: boolean | null;
  activation: (typeof ACTIVATIONS)[number];
  loss: (typeof CLASSIFICATION_LOSSES)[number];
  /** face-position only: the fraction of training targets replaced by gross outliers. */
  labelNoise: number;
  /** faces only: 'balanced' weighs each class's loss by n / (classes × its count) (simdnet train --class-weight); 'none': 1. */
  classWeight: 'none' | 'balanced';
}
export type ParamKey = keyof TrialParams;

/** `simdnet train` options a sweep can vary: sweep key -> train option. */
const TRAIN_KEYS: Record<string, string> = {
  epochs: 'epochs', batchSize: 'batch-size', optimizer: 'optimizer', lr: 'lr', lrDrop: 'lr-drop', epsilon: 'epsilon', testSize: 'test-size',
};
const SWEEP_ONLY: Record<string, OptionSpec | 'boolean'> = {
  task: { type: 'string', choices: [...TASKS] },
  momentum: { type: 'number', min: 0, max: 1 },
  nesterov: 'boolean',
  activation: { type: 'string', choices: [...ACTIVATIONS] },
  loss: { type: 'string', choices: [...CLASSIFICATION_LOSSES] },
  labelNoise: { type: 'number', min: 0, max: 0.5 },
  // simdnet train's --class-weight balanced, or none (train without it): a grid names both
  classWeight: { type: 'string', choices: ['none', 'balanced'] },
};
const NOT_SWEPT: Record<string, string> = {
  data: 'give --data to simdnet sweep', threads: 'each trial runs on one thread; --parallel sets how many run at once',
  seed: 'list the seeds in "seeds"', out: 'give --out to simdnet sweep', plot: 'the report draws the curves', verbose: 'trials run silently',
  backup: 'a sweep run again skips the trials whose results it has (trials.jsonl)',
};
/** Key order of a resolved setting: fixed, so equal settings print (and hash) equally. */
export const PARAM_KEYS: ParamKey[] = ['task', 'epochs', 'batchSize', 'optimizer', 'lr', 'lrDrop', 'testSize', 'epsilon', 'momentum', 'nesterov', 'activation', 'loss', 'labelNoise', 'classWeight'];
/** Keys added after the first sweeps, with their value before: left out of a setting's id at that value, so earlier sweeps' trials keep their ids. */
const LATER_KEYS: Partial<Record<ParamKey, unknown>> = { classWeight: 'none' };

/** A stored trial's parameters with the keys added since it was written at their value then (its id is unchanged). */
export function withLaterKeys(params: TrialParams): TrialParams {
  const missing = Object.entries(LATER_KEYS).filter(([k]) => !(k in params));
  return missing.length ? { ...params, ...Object.fromEntries(missing) } : params;
}

export type Distribution = { uniform: [number, number] } | { logUniform: [number, number] } | { int: [number, number] } | { choice: unknown[] };

export interface StudyConfig { name: string; base?: Record<string, unknown>; grid?: Record<string, unknown[]>; random?: Record<string, Distribution>; samples?: number; seeds?: number[] }
export interface SweepConfig {
  base?: Record<string, unknown>;
  grid?: Record<string, unknown[]>;
  random?: Record<string, Distribution>;
  samples?: number;
  sampleSeed?: number;
  seeds?: number[];
  studies?: StudyConfig[];
}

/** One run: a setting and a seed. This is also a line of `simdnet sweep plan`. */
export interface TrialSpec { id: string; setting: string; params: TrialParams; seed: number; data: string | null }

export interface Study { name: string; settings: string[]; varied: ParamKey[] }
export interface Plan { trials: TrialSpec[]; studies: Study[]; settings: Map<string, TrialParams> }

/** A 64-bit hash of a string as 16 hex digits (two 32-bit FNV-1a variants); names trials and settings. */
export function hashText(s: string): string {
  let h1 = 0x811c9dc5, h2 = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** One key's value, checked as `simdnet train` checks its option (or as the sweep-only key demands). */
function checkValue(key: string, v: unknown, where: string): unknown {
  if (key in NOT_SWEPT) throw new UsageError(`simdnet sweep: ${where}: '${key}' cannot vary in a sweep: ${NOT_SWEPT[key]}`);
  const spec = TRAIN_KEYS[key] ? TRAIN_OPTIONS[TRAIN_KEYS[key]] : SWEEP_ONLY[key];
  if (!spec) throw new UsageError(`simdnet sweep: ${where}: unknown key '${key}'; valid: ${[...Object.keys(TRAIN_KEYS), ...Object.keys(SWEEP_ONLY)].join(', ')}`);
  if (spec === 'boolean') {
    if (typeof v !== 'boolean') throw new UsageError(`simdnet sweep: ${where} must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }
  if (spec.type === 'string' ? typeof v !== 'string' : typeof v !== 'number') {
    throw new UsageError(`simdnet sweep: ${where} must be ${spec.type === 'string' ? 'a string' : 'a number'}, got ${JSON.stringify(v)}`);
  }
  return parseValue('sweep', where, spec, String(v));
}

/** Fills in the defaults (`simdnet train`'s, and per task) and nulls what does not apply. */
export function resolveParams(given: Record<string, unknown>, where: string): TrialParams {
  const kebab: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(given)) if (TRAIN_KEYS[k]) kebab[TRAIN_KEYS[k]] = v;
  kebab.momentum = given.momentum; kebab.nesterov = given.nesterov;
  let r: Recipe;
  try { r = recipeFromOptions(kebab, 'sweep'); } catch (e) { throw new UsageError(`${(e as Error).message} (${where})`); }
  const task = (given.task as TrialParams['task'] | undefined) ?? 'faces';
  const loss = (given.loss as TrialParams['loss'] | undefined) ?? (task === 'faces' ? 'categoricalCrossentropy' : 'meanSquaredError');
  if (task === 'face-position' && !(REGRESSION_LOSSES as readonly string[]).includes(loss)) {
    throw new UsageError(`simdnet sweep: ${where}: task 'face-position' is a regression; loss must be one of ${REGRESSION_LOSSES.join(', ')}, got '${loss}'`);
  }
  const labelNoise = (given.labelNoise as number | undefined) ?? 0;
  if (labelNoise > 0 && task !== 'face-position') throw new UsageError(`simdnet sweep: ${where}: labelNoise applies to task 'face-position' only`);
  const classWeight = (given.classWeight as TrialParams['classWeight'] | undefined) ?? 'none';
  if (classWeight !== 'none' && task !== 'faces') throw new UsageError(`simdnet sweep: ${where}: classWeight applies to task 'faces' only`);
  const sgd = r.optimizer === 'sgd';
  return {
    task, epochs: r.epochs, batchSize: r.batchSize, optimizer: r.optimizer, lr: r.lr, lrDrop: r.lrDrop, testSize: r.testSize,
    epsilon: r.epsilon ?? null, momentum: sgd ? r.momentum : null, nesterov: sgd ? r.momentum > 0 && r.nesterov : null,
    activation: (given.activation as TrialParams['activation'] | undefined) ?? 'relu', loss, labelNoise, classWeight,
  };
}

const canonical = (p: TrialParams) =>
  JSON.stringify(Object.fromEntries(PARAM_KEYS.filter((k) => !(k in LATER_KEYS && p[k] === LATER_KEYS[k])).map((k) => [k, p[k]])));
export const settingId = (p: TrialParams, data: string | null) => hashText(`${canonical(p)}|${data ?? ''}`);
export const trialId = (p: TrialParams, seed: number, data: string | null) => hashText(`${canonical(p)}|${seed}|${data ?? ''}`);

/** The keys on which settings differ; null (does not apply, e.g. momentum for Adam) is no value of its own. */
export function variedKeys(settings: TrialParams[]): ParamKey[] {
  return PARAM_KEYS.filter((k) => new Set(settings.map((p) => p[k]).filter((v) => v !== null)).size > 1);
}

function isObject(v: unknown): v is Record<string, unknown> { return typeof v === 'object' && v !== null && !Array.isArray(v); }

function checkKeys(o: Record<string, unknown>, valid: string[], where: string): void {
  for (const k of Object.keys(o)) if (!valid.includes(k)) throw new UsageError(`simdnet sweep: ${where}: unknown key '${k}'; valid: ${valid.join(', ')}`);
}

function checkBase(base: unknown, where: string): Record<string, unknown> {
  if (base === undefined) return {};
  if (!isObject(base)) throw new UsageError(`simdnet sweep: ${where} must be an object of settings`);
  return Object.fromEntries(Object.entries(base).map(([k, v]) => [k, checkValue(k, v, `${where}.${k}`)]));
}

function gridPoints(grid: unknown, where: string): Record<string, unknown>[] {
  if (grid === undefined) return [{}];
  if (!isObject(grid)) throw new UsageError(`simdnet sweep: ${where} must be an object of value lists`);
  let points: Record<string, unknown>[] = [{}];
  for (const [k, values] of Object.entries(grid)) {
    if (!Array.isArray(values) || values.length === 0) throw new UsageError(`simdnet sweep: ${where}.${k} must be a non-empty list of values`);
    const checked = values.map((v, i) => checkValue(k, v, `${where}.${k}[${i}]`));
    points = points.flatMap((p) => checked.map((v) => ({ ...p, [k]: v })));
  }
  return points;
}

function randomDraws(random: unknown, samples: unknown, seed: number, where: string): Record<string, unknown>[] {
  if (random === undefined) {
    if (samples !== undefined) throw new UsageError(`simdnet sweep: ${where}: "samples" needs "random"`);
    return [{}];
  }
  if (!isObject(random)) throw new UsageError(`simdnet sweep: ${where}.random must be an object of distributions`);
  if (!Number.isInteger(samples) || (samples as number) < 1) throw new UsageError(`simdnet sweep: ${where}.samples must be a positive integer (how many random settings), got ${JSON.stringify(samples)}`);
  const rng = new Random(seed);
  const keys = Object.keys(random).sort();
  return Array.from({ length: samples as number }, () => Object.fromEntries(keys.map((k) => {
    const d = random[k], at = `${where}.random.${k}`;
    const range = (name: string, r: unknown): [number, number] => {
      if (!Array.isArray(r) || r.length !== 2 || typeof r[0] !== 'number' || typeof r[1] !== 'number' || !(r[0] <= r[1])) {
        throw new UsageError(`simdnet sweep: ${at}.${name} must be [low, high] with low <= high, got ${JSON.stringify(r)}`);
      }
      return r as [number, number];
    };
    let v: unknown;
    if (isObject(d) && 'uniform' in d) { const [a, b] = range('uniform', d.uniform); v = +rng.uniform(a, b).toPrecision(4); }
    else if (isObject(d) && 'logUniform' in d) {
      const [a, b] = range('logUniform', d.logUniform);
      if (!(a > 0)) throw new UsageError(`simdnet sweep: ${at}.logUniform needs a positive low end, got ${a}`);
      v = +Math.exp(rng.uniform(Math.log(a), Math.log(b))).toPrecision(4);
    } else if (isObject(d) && 'int' in d) { const [a, b] = range('int', d.int); v = Math.min(b, Math.floor(rng.uniform(a, b + 1))); }
    else if (isObject(d) && 'choice' in d && Array.isArray(d.choice) && d.choice.length) v = d.choice[Math.floor(rng.next() * d.choice.length)];
    else throw new UsageError(`simdnet sweep: ${at} must be one of {"uniform": [a, b]}, {"logUniform": [a, b]}, {"int": [a, b]}, {"choice": [...]}, got ${JSON.stringify(d)}`);
    return [k, checkValue(k, v, at)];
  })));
}

/** Checks a parsed sweep file (`source` names it in errors) and lists its trials, once each, in plan order. */
export function planSweep(config: unknown, data: string | null, source = 'sweep file'): Plan {
  if (!isObject(config)) throw new UsageError(`simdnet sweep: ${source} must hold a JSON object`);
  checkKeys(config, ['base', 'grid', 'random', 'samples', 'sampleSeed', 'seeds', 'studies'], source);
  const checkSeeds = (v: unknown, where: string): number[] => {
    if (!Array.isArray(v) || !v.length || !v.every((s) => Number.isInteger(s))) throw new UsageError(`simdnet sweep: ${where}: seeds must be a non-empty list of integers, got ${JSON.stringify(v)}`);
    return v;
  };
  const seeds = checkSeeds(config.seeds ?? [0], source);
  const sampleSeed = config.sampleSeed ?? 0;
  if (!Number.isInteger(sampleSeed)) throw new UsageError(`simdnet sweep: ${source}: sampleSeed must be an integer, got ${JSON.stringify(sampleSeed)}`);
  const base = checkBase(config.base, `${source}: base`);
  let studies: StudyConfig[];
  if (config.studies !== undefined) {
    if (config.grid !== undefined || config.random !== undefined) throw new UsageError(`simdnet sweep: ${source}: with "studies", put "grid" and "random" inside each study`);
    if (!Array.isArray(config.studies) || !config.studies.length) throw new UsageError(`simdnet sweep: ${source}: studies must be a non-empty list`);
    studies = config.studies.map((s, i) => {
      if (!isObject(s) || typeof s.name !== 'string' || !s.name) throw new UsageError(`simdnet sweep: ${source}: studies[${i}] must be an object with a "name"`);
      checkKeys(s, ['name', 'base', 'grid', 'random', 'samples', 'seeds'], `${source}: studies[${i}]`);
      return s as unknown as StudyConfig;
    });
    const names = studies.map((s) => s.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new UsageError(`simdnet sweep: ${source}: two studies are named '${twice}'`);
  } else {
    studies = [{ name: 'sweep', grid: config.grid as StudyConfig['grid'], random: config.random as StudyConfig['random'], samples: config.samples as number | undefined }];
  }

  const trials: TrialSpec[] = [], seen = new Set<string>(), settings = new Map<string, TrialParams>();
  const out: Study[] = studies.map((s, si) => {
    const where = config.studies ? `${source}: studies[${si}] (${s.name})` : source;
    const studyBase = { ...base, ...checkBase(s.base, `${where}.base`) };
    const draws = randomDraws(s.random, s.samples, (sampleSeed as number) + si * 0x9e3779b1, where);
    const studySeeds = s.seeds === undefined ? seeds : checkSeeds(s.seeds, where);
    const ids: string[] = [];
    for (const point of gridPoints(s.grid, `${where}.grid`)) {
      for (const draw of draws) {
        const given = { ...studyBase, ...point, ...draw };
        const params = resolveParams(given, `${where}: ${JSON.stringify(given)}`);
        const setting = settingId(params, data);
        if (!ids.includes(setting)) ids.push(setting);
        settings.set(setting, params);
        for (const seed of studySeeds) {
          const id = trialId(params, seed, data);
          if (seen.has(id)) continue;
          seen.add(id);
          trials.push({ id, setting, params, seed, data });
        }
      }
    }
    const varied = variedKeys(ids.map((id) => settings.get(id)!));
    return { name: s.name, settings: ids, varied };
  });
  return { trials, studies: out, settings };
}
