// The sweep's coordinator: skips the trials already in trials.jsonl, hands the others to `parallel` worker
// processes (one thread each), answers their pruning questions and appends each result as it arrives.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as sn from '../../index.js';
import { PARAM_KEYS, type Plan, type TrialParams, type TrialSpec } from './config.js';
import { describeSetting, headline } from './describe.js';
import { shouldPrune, type MedianPrunerOptions } from './pruner.js';
import { TrialStore } from './store.js';
import { pruneMetric, type TrialResult } from './trial.js';

export interface RunOptions {
  dir: string;
  plan: Plan;
  parallel: number;
  /** Median pruning, or null for none. */
  prune: MedianPrunerOptions | null;
  log?: (line: string) => void;
}

export interface RunSummary { planned: number; skipped: number; ran: number; pruned: number; failed: { trial: TrialSpec; error: string }[]; seconds: number }

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

/** Names a setting by where it differs from the most common value of each parameter among `settings`. */
function settingNamer(settings: TrialParams[]): (p: TrialParams) => string {
  const common = Object.fromEntries(PARAM_KEYS.map((k) => {
    const counts = new Map<string, number>();
    for (const p of settings) counts.set(JSON.stringify(p[k]), (counts.get(JSON.stringify(p[k])) ?? 0) + 1);
    return [k, [...counts].sort((a, b) => b[1] - a[1])[0][0]];
  }));
  return (p) => {
    const keys = PARAM_KEYS.filter((k) => p[k] !== null && JSON.stringify(p[k]) !== common[k]);
    return keys.length ? describeSetting(p, keys) : 'the base setting';
  };
}

/** A trial's rough cost, for ordering: epochs of the lab CNN (the regression task's small CNN is ~20x cheaper). */
const cost = (t: TrialSpec) => t.params.epochs * (t.params.task === 'faces' ? 1 : 0.05);

/** The per-epoch values of the completed trials that a pruner compares a trial with (same metric). */
export function completedCurves(results: TrialResult[], metricKey: string): (number | null)[][] {
  return results.filter((r) => r.status === 'complete' && pruneMetric(r.params).key === metricKey).map((r) => r.history[metricKey] ?? []);
}

export async function runSweep(opts: RunOptions): Promise<RunSummary> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const t0 = performance.now();
  const store = TrialStore.open(opts.dir);
  const children = new Set<ChildProcess>();
  const stop = (signal: NodeJS.Signals) => {
    for (const c of children) c.kill('SIGKILL');
    store.close();
    process.kill(process.pid, signal);
  };
  const onSignal = (s: NodeJS.Signals) => { process.removeAllListeners(s); stop(s); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (store.repaired) log(`${store.file}: cut off a torn last line (an interrupted write)`);
    const todo = opts.plan.trials.filter((t) => !store.has(t.id));
    const summary: RunSummary = { planned: opts.plan.trials.length, skipped: opts.plan.trials.length - todo.length, ran: 0, pruned: 0, failed: [], seconds: 0 };
    log(`${summary.planned} trials planned, ${summary.skipped} already in ${store.file}, ${todo.length} to run on ${Math.min(opts.parallel, todo.length)} processes (1 thread each)`);
    if (!todo.length) return summary;
    if (todo.some((t) => t.params.task === 'faces' && t.data === null)) {
      // generated once here rather than by every worker at once
      let last = 0;
      await sn.data.syntheticFaces({
        seed: 0,
        onProgress: (done, total) => { if (done === total || performance.now() - last > 5000) { last = performance.now(); log(`  embedded face set (first run only): ${done}/${total} photos`); } },
      });
    }

    const studies = opts.plan.studies;
    const name = studies.length === 1 ? (p: TrialParams) => describeSetting(p, studies[0].varied) : settingNamer([...opts.plan.settings.values()]);
    // every setting's first seed before any setting's second (a partial run already covers every setting),
    // and within that longest first, so the last trials to finish are short ones and no core idles at the end
    const rank = new Map<string, number>(), seen = new Map<string, number>();
    for (const t of opts.plan.trials) { const r = seen.get(t.setting) ?? 0; rank.set(t.id, r); seen.set(t.setting, r + 1); }
    const queue = [...todo].sort((a, b) => rank.get(a.id)! - rank.get(b.id)! || cost(b) - cost(a));
    let finished = 0, busySeconds = 0, doneCost = 0, leftCost = todo.reduce((a, t) => a + cost(t), 0);
    await new Promise<void>((resolveAll) => {
      const start = () => {
        const child = fork(WORKER, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, SIMDNET_THREADS: '1' } });
        children.add(child);
        let current: TrialSpec | null = null;
        const next = () => {
          current = queue.shift() ?? null;
          if (current) child.send({ type: 'run', trial: current, prune: opts.prune !== null });
          else child.disconnect();
        };
        child.on('message', (m: import('./worker.js').FromWorker) => {
          if (m.type === 'ready') next();
          else if (m.type === 'epoch') {
            const metric = pruneMetric(current!.params);
            const prune = shouldPrune(m.epoch, m.best, completedCurves(store.results, metric.key), metric.maximize, opts.prune ?? {});
            child.send({ type: 'prune', id: m.id, prune });
          } else if (m.type === 'done') {
            store.append(m.result);
            finished++; summary.ran++; busySeconds += m.result.seconds; doneCost += cost(current!); leftCost -= cost(current!);
            if (m.result.status === 'pruned') summary.pruned++;
            const left = todo.length - finished - summary.failed.length;
            const eta = left > 0 ? `, about ${Math.ceil((busySeconds / doneCost) * leftCost / Math.min(opts.parallel, left) / 60)} min left` : '';
            log(`[${finished + summary.failed.length}/${todo.length}] ${name(m.result.params)} seed ${m.result.seed}: ${headline(m.result)}${eta}`);
            next();
          } else if (m.type === 'failed') {
            summary.failed.push({ trial: current!, error: m.error });
            leftCost -= cost(current!);
            log(`[${finished + summary.failed.length}/${todo.length}] ${name(current!.params)} seed ${current!.seed}: FAILED: ${m.error}`);
            next();
          }
        });
        child.on('exit', (code, signal) => {
          children.delete(child);
          if (current) {
            // the process died inside a trial: record nothing (a rerun retries it), carry on with a new worker
            summary.failed.push({ trial: current, error: `worker exited (${signal ?? `code ${code}`})` });
            log(`worker ${child.pid} exited (${signal ?? `code ${code}`}) during ${current.id}; it will be retried on the next run`);
            current = null;
            if (queue.length) start();
          }
          if (children.size === 0) resolveAll();
        });
      };
      for (let i = 0; i < Math.min(opts.parallel, todo.length); i++) start();
    });
    summary.seconds = (performance.now() - t0) / 1000;
    return summary;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    store.close();
  }
}
