// One trial, in this process, on one thread: its task's data (loaded once per process), the model, fit with
// the lab's schedule, per-epoch measurements, and the pruner's verdict after each epoch.
import os from 'node:os';
import * as sn from '../../index.js';
import { learningRateAt } from '../train-options.js';
import type { TrialParams, TrialSpec } from './config.js';
import { facesData, facePositionData, type TaskData } from './tasks.js';

export type TrialStatus = 'complete' | 'pruned' | 'diverged';

/** A line of trials.jsonl. Non-finite numbers are written as null. */
export interface TrialResult extends TrialSpec {
  status: TrialStatus;
  /** 1-based epoch after which the pruner stopped the trial, else null. */
  prunedAt: number | null;
  epochsRun: number;
  /** Per epoch: loss, val_loss, lr, test_* and the task's metrics (accuracy / mae, rmse), batch_loss_jitter. */
  history: Record<string, (number | null)[]>;
  /** Wall time of each epoch (training and validation), seconds. */
  epochSeconds: number[];
  /** CPU time of each epoch, seconds: what an epoch costs however busy the machine is (one thread per trial). */
  epochCpuSeconds: number[];
  /** The trained model (last epoch) on the held-out test set: accuracy (classification) or null. */
  testAccuracy: number | null;
  testLoss: number | null;
  /** Regression only: mean absolute and root-mean-square error on the test set, else null. */
  testMae: number | null;
  testRmse: number | null;
  /** 'folder': the data's test folder; 'split': the validation split (no test folder); 'generated': fresh draws. */
  testSet: 'folder' | 'split' | 'generated';
  seconds: number;
  host: string;
  backend: string;
  finishedAt: string;
}

/** What a pruner sees: the metric after each epoch, and whether larger is better. */
export const pruneMetric = (p: TrialParams): { key: string; maximize: boolean } =>
  p.task === 'faces' ? { key: 'val_accuracy', maximize: true } : { key: 'val_mae', maximize: false };

export interface TrialHooks {
  /** Called after each epoch with the best metric so far; true stops the trial (reported as pruned). */
  shouldPrune?: (epoch: number, best: number) => boolean | Promise<boolean>;
  onEpoch?: (epoch: number, logs: Record<string, number>) => void;
}

const finite = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

function regressionErrors(pred: sn.Tensor, y: sn.Tensor): { mae: number; rmse: number } {
  let abs = 0, sq = 0;
  for (let i = 0; i < y.size; i++) { const d = pred.data[i] - y.data[i]; abs += Math.abs(d); sq += d * d; }
  return { mae: abs / y.size, rmse: Math.sqrt(sq / y.size) };
}

export async function runTrial(spec: TrialSpec, hooks: TrialHooks = {}): Promise<TrialResult> {
  const t0 = performance.now();
  const p = spec.params;
  const data: TaskData = p.task === 'faces' ? await facesData(spec.data, p, spec.seed) : facePositionData(p, spec.seed);
  const model = data.model(p, spec.seed);
  const epochSeconds: number[] = [], epochCpuSeconds: number[] = [];
  const metric = pruneMetric(p);
  let status: TrialStatus = 'complete', prunedAt: number | null = null, best = metric.maximize ? -Infinity : Infinity;
  let epochStart = 0, cpuStart = process.cpuUsage(), lastLoss = NaN, jitter = 0, steps = 0;
  const own = new sn.callbacks.BatchValues();
  const opts = { batchSize: p.batchSize, threads: 1 as const };
  // test-set figures of the current weights: per epoch in the history, and at the end as the trial's result
  const measure = async (): Promise<Record<string, number>> => {
    if (p.task === 'faces') {
      if (!data.test) return {};
      const e = await model.evaluate(data.test.x, data.test.y, opts);
      return { test_loss: e.loss, test_accuracy: e.accuracy! };
    }
    const v = regressionErrors(await model.predict(data.val.x, opts), data.val.y);
    const t = regressionErrors(await model.predict(data.test!.x, opts), data.test!.y);
    return { val_mae: v.mae, val_rmse: v.rmse, test_mae: t.mae, test_rmse: t.rmse };
  };
  try {
    model.compile({ optimizer: data.optimizer(p), loss: p.loss, metrics: p.task === 'faces' ? ['accuracy'] : [] });
    const history = await model.fit(data.train.x, data.train.y, {
      epochs: p.epochs, batchSize: p.batchSize, verbose: 0, seed: spec.seed, threads: 1, shuffle: true,
      validationData: [data.val.x, data.val.y],
      classWeight: p.classWeight === 'balanced' ? sn.utils.balancedClassWeight(data.train.y) : undefined,
      callbacks: [
        sn.callbacks.learningRateScheduler((epoch) => learningRateAt(p, epoch)),
        own, // before the hook that reads it: it starts each epoch where fit does
        {
          onEpochBegin: () => { epochStart = performance.now(); cpuStart = process.cpuUsage(); lastLoss = NaN; jitter = 0; steps = 0; },
          onBatchEnd: (_b, logs) => {
            // the batch's own loss (the logs hold the epoch's running average, whose changes shrink batch by batch)
            const loss = own.of(logs!).loss;
            if (!Number.isFinite(loss)) { status = 'diverged'; model.stopTraining = true; return; }
            // how much the loss moves from one batch to the next: the gradient noise a batch size brings
            if (Number.isFinite(lastLoss)) { jitter += Math.abs(loss - lastLoss); steps++; }
            lastLoss = loss;
          },
          onEpochEnd: async (epoch, logs) => {
            epochSeconds.push((performance.now() - epochStart) / 1000);
            const cpu = process.cpuUsage(cpuStart);
            epochCpuSeconds.push((cpu.user + cpu.system) / 1e6);
            logs!.batch_loss_jitter = steps ? jitter / steps : NaN;
            if (status !== 'diverged') Object.assign(logs!, await measure());
            hooks.onEpoch?.(epoch, logs!);
            const v = logs![metric.key];
            if (status === 'diverged' || !Number.isFinite(v)) return;
            best = metric.maximize ? Math.max(best, v) : Math.min(best, v);
            if (epoch + 1 < p.epochs && hooks.shouldPrune && (await hooks.shouldPrune(epoch, best))) {
              status = 'pruned'; prunedAt = epoch + 1; model.stopTraining = true;
            }
          },
        },
      ],
    });
    const h = Object.fromEntries(Object.entries(history.history).map(([k, v]) => [k, v.map((x) => finite(x))]));
    const last = (k: string) => { const v = h[k]; return v?.length ? v[v.length - 1] : null; };
    const valAsTest = p.task === 'faces' && !data.test;
    return {
      ...spec, status, prunedAt, epochsRun: epochSeconds.length, history: h, epochSeconds, epochCpuSeconds,
      testAccuracy: p.task === 'faces' ? last(valAsTest ? 'val_accuracy' : 'test_accuracy') : null,
      testLoss: p.task === 'faces' ? last(valAsTest ? 'val_loss' : 'test_loss') : null,
      testMae: p.task === 'faces' ? null : last('test_mae'), testRmse: p.task === 'faces' ? null : last('test_rmse'),
      testSet: p.task === 'faces' ? (data.test ? 'folder' : 'split') : 'generated',
      seconds: (performance.now() - t0) / 1000, host: os.hostname(), backend: sn.backend(), finishedAt: new Date().toISOString(),
    };
  } finally {
    model.dispose();
  }
}
