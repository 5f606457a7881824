// A sweep worker: a child process that runs the trials its parent sends, one at a time on one thread, and
// sends each result back; the parent alone writes trials.jsonl. With pruning on, it asks the parent after
// every epoch. When the parent goes away (even by kill -9) the IPC channel closes and the worker exits,
// so no trial outlives the sweep that started it.
import type { TrialSpec } from './config.js';
import { runTrial } from './trial.js';

export type ToWorker = { type: 'run'; trial: TrialSpec; prune: boolean } | { type: 'prune'; id: string; prune: boolean };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'epoch'; id: string; epoch: number; best: number }
  | { type: 'done'; result: Awaited<ReturnType<typeof runTrial>> }
  | { type: 'failed'; id: string; error: string };

if (!process.send) throw new Error('simdnet sweep worker: run by simdnet sweep (it needs an IPC channel)');
const send = (m: FromWorker) => process.send!(m);
let verdict: ((prune: boolean) => void) | null = null;

process.on('disconnect', () => process.exit(0));
process.on('message', (m: ToWorker) => {
  if (m.type === 'prune') { verdict?.(m.prune); verdict = null; return; }
  const { trial } = m;
  const shouldPrune = m.prune
    ? (epoch: number, best: number) => new Promise<boolean>((resolve) => { verdict = resolve; send({ type: 'epoch', id: trial.id, epoch, best }); })
    : undefined;
  runTrial(trial, { shouldPrune }).then(
    (result) => send({ type: 'done', result }),
    (e: Error) => send({ type: 'failed', id: trial.id, error: e.message }),
  );
});
send({ type: 'ready' });
