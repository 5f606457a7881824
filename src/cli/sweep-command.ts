// simdnet sweep: hyper-parameter search over `simdnet train`'s options (plus activation and loss), each
// setting over seeds, in parallel processes, resumable; a report with charts; plan / trial / report for
// fanning trials out over machines.
//   simdnet sweep (--config FILE | --preset lab) --out DIR [--data DIR] [--parallel N] [--prune median]
//   simdnet sweep plan (--config FILE | --preset lab) [--data DIR] [--out DIR]   trials as JSON lines
//   simdnet sweep trial [--results FILE] [--prune median] [LINE...]               runs plan lines (args or stdin)
//   simdnet sweep report DIR [RESULTS.jsonl...]                                   merges, then writes the report
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, UsageError, type OptionSpec } from './args.js';
import { planSweep, type Plan, type SweepConfig, type TrialSpec } from './sweep/config.js';
import { headline } from './sweep/describe.js';
import { LAB_PRESET, labAnswers } from './sweep/preset-lab.js';
import { shouldPrune, type MedianPrunerOptions } from './sweep/pruner.js';
import { writeReport } from './sweep/report.js';
import { completedCurves, runSweep } from './sweep/runner.js';
import { planFromResults, studyStats } from './sweep/stats.js';
import { appendLine, parseResults, readResultsFile, TRIALS_FILE, TrialStore } from './sweep/store.js';
import { pruneMetric, runTrial, type TrialResult } from './sweep/trial.js';

const PRESETS: Record<string, SweepConfig> = { lab: LAB_PRESET };
const SWEEP_FILE = 'sweep.json';

const PLAN_OPTIONS: Record<string, OptionSpec> = {
  config: { type: 'string' }, preset: { type: 'string', choices: Object.keys(PRESETS) }, data: { type: 'string' }, out: { type: 'string' },
};
const PRUNE_OPTIONS: Record<string, OptionSpec> = {
  prune: { type: 'string', choices: ['median', 'none'] }, 'prune-startup': { type: 'int', min: 0 }, 'prune-warmup': { type: 'int', min: 0 },
};
const RUN_OPTIONS: Record<string, OptionSpec> = { ...PLAN_OPTIONS, ...PRUNE_OPTIONS, parallel: { type: 'int', min: 1 } };

/** What DIR/sweep.json keeps: enough to plan the same trials again and to group results in the report. */
interface SweepFile { config: SweepConfig; data: string | null; preset: string | null }

function loadConfig(opts: Record<string, unknown>, command: string): SweepFile {
  if (opts.config !== undefined && opts.preset !== undefined) throw new UsageError(`simdnet ${command}: give --config or --preset, not both`);
  const data = (opts.data as string | undefined) ?? null;
  if (opts.preset !== undefined) return { config: PRESETS[opts.preset as string], data, preset: opts.preset as string };
  if (opts.config === undefined) throw new UsageError(`simdnet ${command}: --config FILE (a sweep file, see simdnet sweep --help) or --preset lab is required`);
  const file = opts.config as string;
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { throw new UsageError(`simdnet ${command}: --config ${file}: cannot read it`); }
  let config: SweepConfig;
  try { config = JSON.parse(text); } catch (e) { throw new UsageError(`simdnet ${command}: --config ${file} is not JSON: ${(e as Error).message}`); }
  return { config, data: data === null ? null : path.resolve(data), preset: null };
}

function prunerOf(opts: Record<string, unknown>): MedianPrunerOptions | null {
  if (opts.prune !== 'median') {
    if (opts['prune-startup'] !== undefined || opts['prune-warmup'] !== undefined) throw new UsageError('simdnet sweep: --prune-startup and --prune-warmup need --prune median');
    return null;
  }
  return { startup: opts['prune-startup'] as number | undefined, warmup: opts['prune-warmup'] as number | undefined };
}

function writeSweepFile(dir: string, s: SweepFile): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, SWEEP_FILE), tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(s, null, 1) + '\n');
  fs.renameSync(tmp, file);
}

/** The plan a results folder was made with (its sweep.json), or one grouping whatever results it holds. */
function planOf(dir: string, results: TrialResult[]): { plan: Plan; sweep: SweepFile | null } {
  const file = path.join(dir, SWEEP_FILE);
  if (!fs.existsSync(file)) return { plan: planFromResults(results), sweep: null };
  const sweep = JSON.parse(fs.readFileSync(file, 'utf8')) as SweepFile;
  const plan = planSweep(sweep.config, sweep.data, file);
  // results of trials outside the plan (an older config, another data folder) still show, on their own
  const known = new Set(plan.trials.map((t) => t.id));
  const others = results.filter((r) => !known.has(r.id));
  if (others.length) {
    const extra = planFromResults(others);
    extra.studies[0].name = 'other trials in this folder';
    plan.studies.push(...extra.studies);
    for (const [k, v] of extra.settings) plan.settings.set(k, v);
  }
  return { plan, sweep };
}

async function report(dir: string, results: TrialResult[], wallSeconds?: number): Promise<{ md: string; html: string }> {
  const { plan, sweep } = planOf(dir, results);
  const studies = studyStats(plan, results);
  const answers = sweep?.preset === 'lab' ? labAnswers(studies) : undefined;
  const title = sweep?.preset === 'lab' ? 'How hyper-parameters change training: the lab\'s question, measured' : `Sweep report: ${path.basename(path.resolve(dir))}`;
  return writeReport(dir, { title, studies, results, answers, wallSeconds });
}

async function sweepRun(argv: string[]): Promise<number> {
  const { opts, positionals } = parseArgs(argv, RUN_OPTIONS, 'sweep');
  if (positionals.length) throw new UsageError(`simdnet sweep: unexpected argument '${positionals[0]}'; subcommands: plan, trial, report`);
  if (opts.out === undefined) throw new UsageError('simdnet sweep: --out DIR is required (trials.jsonl and the report go there)');
  const sweep = loadConfig(opts, 'sweep');
  const plan = planSweep(sweep.config, sweep.data, (opts.config as string | undefined) ?? `preset ${sweep.preset}`);
  const dir = opts.out as string;
  const t0 = performance.now();
  writeSweepFile(dir, sweep);
  const summary = await runSweep({ dir, plan, parallel: (opts.parallel as number | undefined) ?? os.availableParallelism(), prune: prunerOf(opts) });
  const results = readResultsFile(path.join(dir, 'trials.jsonl'));
  const files = await report(dir, results, (performance.now() - t0) / 1000);
  console.log(`\n${summary.ran} trials run (${summary.pruned} pruned), ${summary.skipped} skipped as already done, ${summary.failed.length} failed; ` +
    `wall time ${((performance.now() - t0) / 60000).toFixed(1)} min`);
  console.log(`Report: ${files.html}\n        ${files.md}`);
  if (summary.failed.length) {
    console.error(`simdnet sweep: ${summary.failed.length} trial(s) failed and were not recorded; rerun the same command to retry them`);
    return 1;
  }
  return 0;
}

async function sweepPlan(argv: string[]): Promise<number> {
  const { opts, positionals } = parseArgs(argv, PLAN_OPTIONS, 'sweep plan');
  if (positionals.length) throw new UsageError(`simdnet sweep plan: unexpected argument '${positionals[0]}'`);
  const sweep = loadConfig(opts, 'sweep plan');
  const plan = planSweep(sweep.config, sweep.data, (opts.config as string | undefined) ?? `preset ${sweep.preset}`);
  let done = new Set<string>();
  if (opts.out !== undefined) {
    // the folder the results will be merged into: remember the plan, and leave out what is already there
    writeSweepFile(opts.out as string, sweep);
    done = new Set(readResultsFile(path.join(opts.out as string, 'trials.jsonl')).map((r) => r.id));
  }
  for (const t of plan.trials) if (!done.has(t.id)) process.stdout.write(JSON.stringify(t) + '\n');
  return 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function checkTrialLine(line: string, where: string): TrialSpec {
  let t: TrialSpec;
  try { t = JSON.parse(line); } catch { throw new UsageError(`simdnet sweep trial: ${where} is not a JSON line from simdnet sweep plan: ${line.slice(0, 80)}`); }
  // re-plan the line's parameters so a hand-edited line is checked like a sweep file, and named as the plan names it
  const given = Object.fromEntries(Object.entries(t?.params ?? {}).filter(([, v]) => v !== null));
  const plan = planSweep({ base: given, seeds: [t?.seed] }, t?.data ?? null, where);
  if (plan.trials[0].id !== t.id) throw new UsageError(`simdnet sweep trial: ${where}: its id ${t.id} does not match its parameters (${plan.trials[0].id}); make lines with simdnet sweep plan`);
  return plan.trials[0];
}

async function sweepTrial(argv: string[]): Promise<number> {
  const { opts, positionals } = parseArgs(argv, { results: { type: 'string' }, ...PRUNE_OPTIONS }, 'sweep trial');
  const pruner = prunerOf(opts);
  const results = opts.results as string | undefined;
  if (pruner && !results) throw new UsageError('simdnet sweep trial: --prune median compares with the completed trials in --results FILE; give it');
  const lines = positionals.length ? positionals : (await readStdin()).split('\n').filter((l) => l.trim());
  if (!lines.length) throw new UsageError('simdnet sweep trial: give plan lines as arguments or on standard input');
  const trials = lines.map((l, i) => checkTrialLine(l, positionals.length ? `argument ${i + 1}` : `stdin line ${i + 1}`));
  for (const trial of trials) {
    if (results && readResultsFile(results).some((r) => r.id === trial.id)) { console.error(`${trial.id}: already in ${results}, skipped`); continue; }
    const metric = pruneMetric(trial.params);
    const result = await runTrial(trial, {
      shouldPrune: pruner ? (epoch, best) => shouldPrune(epoch, best, completedCurves(readResultsFile(results!), metric.key), metric.maximize, pruner) : undefined,
    });
    if (results) { appendLine(results, JSON.stringify(result)); console.error(`${trial.id}: ${headline(result)}`); }
    else process.stdout.write(JSON.stringify(result) + '\n');
  }
  return 0;
}

async function sweepReport(argv: string[]): Promise<number> {
  const { positionals } = parseArgs(argv, {}, 'sweep report');
  if (!positionals.length) throw new UsageError('simdnet sweep report: give the results folder DIR, then any result files to merge into it');
  const [dir, ...files] = positionals;
  const trialsFile = path.join(dir, TRIALS_FILE);
  if (files.length) {
    // merging writes trials.jsonl: not while a sweep runs there. A report alone only reads it (also mid-run).
    const store = TrialStore.open(dir);
    let added = 0, duplicates = 0;
    try {
      for (const f of files) {
        const { results, torn, duplicates: d } = parseResults(fs.readFileSync(f, 'utf8'), f);
        if (torn) console.error(`${f}: its last line is incomplete (an interrupted write); left out`);
        duplicates += d;
        for (const r of results) { if (store.has(r.id)) duplicates++; else { store.append(r); added++; } }
      }
    } finally {
      store.close();
    }
    console.log(`Merged ${added} new trial(s) into ${trialsFile} (${duplicates} already there or repeated)`);
  }
  const all = readResultsFile(trialsFile);
  if (!all.length) throw new Error(`simdnet sweep report: ${trialsFile} holds no trials yet`);
  const out = await report(dir, all);
  console.log(`Report of ${all.length} trials: ${out.html}\n${' '.repeat(16 + String(all.length).length)}${out.md}`);
  return 0;
}

const HELP = `simdnet sweep: hyper-parameter search, each setting over seeds, trials in parallel processes (1 thread each)

  simdnet sweep (--config sweep.json | --preset lab) --out DIR [--data DIR] [--parallel N (cores)]
                [--prune median [--prune-startup 5] [--prune-warmup 0]]
  simdnet sweep plan   (--config sweep.json | --preset lab) [--data DIR] [--out DIR]   trials as JSON lines
  simdnet sweep trial  [--results FILE] [--prune median] [LINE...]   runs plan lines (arguments or stdin)
  simdnet sweep report DIR [RESULTS.jsonl...]                        merges result files, writes the report

A sweep file (keys: simdnet train's options in camelCase, plus activation, loss, momentum, nesterov, task,
labelNoise):
  { "base": { "epochs": 20, "batchSize": 32 },
    "grid": { "optimizer": ["sgd", "adam"], "lr": [0.01, 0.001] },
    "random": { "momentum": { "uniform": [0.5, 0.99] } }, "samples": 4, "sampleSeed": 0,
    "seeds": [0, 1, 2] }
  or "studies": [{ "name": "...", "base": {...}, "grid": {...}, "seeds": [...] }, ...] over one "base".
Distributions: uniform, logUniform, int ([low, high]), choice ([values]). Tasks: faces (the lab CNN on
--data or the embedded set), face-position (regression, for meanSquaredError / meanAbsoluteError / huber).
DIR gets trials.jsonl (one finished trial per line; a rerun skips them), report.html and report.md.`;

export async function sweepCommand(argv: string[]): Promise<number> {
  switch (argv[0]) {
    case '--help': case 'help': console.log(HELP); return 0;
    case 'plan': return sweepPlan(argv.slice(1));
    case 'trial': return sweepTrial(argv.slice(1));
    case 'report': return sweepReport(argv.slice(1));
    default: return sweepRun(argv);
  }
}
