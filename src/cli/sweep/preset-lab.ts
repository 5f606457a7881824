// `simdnet sweep --preset lab`: the lab's question for thought (../shared/seed, section 4) as one sweep on the
// embedded face set, and the written answers, computed from whatever the run measured. Each study changes one
// thing of the lab's recipe (SGD 0.01, momentum 0.9 Nesterov, halved every 10 epochs, batch 32, 20 epochs, relu),
// so the recipe itself is one shared setting. Sized for about 20 minutes on two cores.
import type { SweepConfig } from './config.js';
import { num } from './describe.js';
import type { SettingStats, StudyStats } from './stats.js';

export const STUDY = {
  lr: 'learning rate', schedule: 'learning-rate schedule', momentum: 'momentum and Nesterov', epochs: 'epochs',
  batch: 'batch size', optimizer: 'optimizer', activation: 'activation', loss: 'regression loss',
} as const;

export const LAB_PRESET: SweepConfig = {
  base: { epochs: 20 },
  seeds: [0, 1],
  studies: [
    { name: STUDY.lr, grid: { lr: [0.1, 0.03, 0.01, 0.003] } },
    { name: STUDY.schedule, grid: { lrDrop: [0.5, 1] } },
    { name: STUDY.momentum, grid: { momentum: [0, 0.9], nesterov: [false, true] } },
    { name: STUDY.epochs, base: { epochs: 30 } },
    { name: STUDY.batch, grid: { batchSize: [8, 32, 128] } },
    // each optimizer at simdnet train's default learning rate for it (Keras' defaults; SGD and Adagrad 0.01)
    { name: STUDY.optimizer, grid: { optimizer: ['sgd', 'adam', 'rmsprop', 'adagrad'] } },
    { name: STUDY.activation, grid: { activation: ['relu', 'tanh', 'sigmoid'] } },
    {
      name: STUDY.loss, seeds: [0, 1, 2],
      base: { task: 'face-position', optimizer: 'adam', lr: 0.003, epochs: 30, lrDrop: 1 },
      grid: { labelNoise: [0, 0.2], loss: ['meanSquaredError', 'meanAbsoluteError', 'huber'] },
    },
  ],
};

const CHANCE = 1 / 16;
const pc = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : 'n/a');
const pm = (s: SettingStats) => `${pc(s.test.mean)}${s.trials.length > 1 ? ` (seeds ${pc(s.test.min)}–${pc(s.test.max)})` : ''}`;
const sec = (v: number) => `${v.toFixed(2)} s`;
const byTest = (ss: SettingStats[]) => [...ss].sort((a, b) => b.test.mean - a.test.mean);
const toHalf = (s: SettingStats) => { const e = s.epochsTo(0.5); return Number.isFinite(e) ? `50 % validation accuracy at epoch ${num(e)}` : 'never 50 % validation accuracy'; };

/** Epoch-to-epoch movement of a curve over its last `n` epochs (mean absolute change), in points. */
function wobble(s: SettingStats, key: string, n = 5): number {
  const c = s.curve(key).map((p) => p.mean).slice(-n - 1);
  let t = 0;
  for (let i = 1; i < c.length; i++) t += Math.abs(c[i] - c[i - 1]);
  return c.length > 1 ? t / (c.length - 1) : NaN;
}

/** "did not learn" / "diverged" remarks for one classification setting. */
function failure(s: SettingStats): string {
  if (s.diverged) return ` (diverged in ${s.diverged} of ${s.trials.length} runs)`;
  if (s.test.max < 2 * CHANCE) return ' (never left chance level, 6.25 %)';
  return '';
}

/** Mean change of the validation accuracy per epoch over the last 3 epochs: > 0 means still climbing. */
const climb = (s: SettingStats) => { const c = s.curve('val_accuracy').map((p) => p.mean).slice(-4); return c.length > 1 ? (c[c.length - 1] - c[0]) / (c.length - 1) : 0; };

function lrAnswer(st: StudyStats): string {
  const ss = [...st.settings].sort((a, b) => b.params.lr - a.params.lr);
  const best = byTest(ss)[0];
  const parts = ss.map((s) => `lr ${num(s.params.lr)}: ${pc(s.test.mean)}${failure(s)}, ${toHalf(s)}`);
  const high = ss[0], low = ss[ss.length - 1];
  const notes: string[] = [];
  if (high !== best) notes.push(`the largest step (lr ${num(high.params.lr)}) ${high.diverged ? 'blew up' : high.test.max < 2 * CHANCE ? 'never got off the ground' : `ended ${((best.test.mean - high.test.mean) * 100).toFixed(1)} points lower`}: it overshoots`);
  if (low !== best) notes.push(`the smallest (lr ${num(low.params.lr)}) ended ${((best.test.mean - low.test.mean) * 100).toFixed(1)} points lower${climb(low) > 0.005 ? `, its validation accuracy still climbing ${(climb(low) * 100).toFixed(1)} points per epoch when the epochs ran out: under-fitting` : ''}`);
  return `Best: lr ${num(best.params.lr)} with ${pm(best)} test accuracy after ${best.params.epochs} epochs. ${parts.join('; ')}.` +
    (notes.length ? ` Against the best, ${notes.join('; ')}.` : '');
}

function scheduleAnswer(st: StudyStats): string {
  const decay = st.settings.find((s) => s.params.lrDrop !== 1), constant = st.settings.find((s) => s.params.lrDrop === 1);
  if (!decay || !constant) return '';
  const d = decay.test.mean - constant.test.mean;
  return `Halving the learning rate every 10 epochs: ${pm(decay)}; keeping it constant: ${pm(constant)} ` +
    `(${d >= 0 ? 'decay ahead by' : 'constant ahead by'} ${Math.abs(d * 100).toFixed(1)} points). Over the last 5 epochs the validation accuracy ` +
    `moved ${(wobble(decay, 'val_accuracy') * 100).toFixed(1)} points per epoch with the decay and ${(wobble(constant, 'val_accuracy') * 100).toFixed(1)} without` +
    (wobble(decay, 'val_accuracy') < wobble(constant, 'val_accuracy') ? ': the smaller late steps settle the weights instead of bouncing around the minimum.' : '.');
}

function momentumAnswer(st: StudyStats): string {
  const find = (m: number, n: boolean) => st.settings.find((s) => s.params.momentum === m && (m === 0 || s.params.nesterov === n));
  const none = find(0, false), classic = find(0.9, false), nesterov = find(0.9, true);
  const line = (name: string, s?: SettingStats) => (s ? `${name}: ${pm(s)}${failure(s)}, ${toHalf(s)}` : '');
  const text = [line('plain SGD (no momentum)', none), line('momentum 0.9', classic), line('momentum 0.9 with Nesterov', nesterov)].filter(Boolean).join('; ');
  let verdict = '';
  if (classic && nesterov) {
    const d = nesterov.test.mean - classic.test.mean;
    verdict = ` Nesterov ${Math.abs(d) < 0.02 ? 'made little difference to' : d > 0 ? 'improved' : 'lowered'} the final accuracy (${d >= 0 ? '+' : ''}${(d * 100).toFixed(1)} points) against classic momentum.`;
  }
  if (none && nesterov) verdict += ` Without momentum, SGD at lr ${num(none.params.lr)} ${none.test.mean < nesterov.test.mean - 0.1 ? 'fell far behind in the same epochs: this is the lab report\'s experience that it "could not reach a good accuracy in the time it had"' : 'kept up'}.`;
  return text + '.' + verdict;
}

function epochsAnswer(st: StudyStats): string {
  const s = st.settings[0];
  if (!s) return '';
  const at = (key: string, e: number) => s.curve(key).find((p) => p.epoch === e)?.mean ?? NaN;
  const marks = [5, 10, 20, s.params.epochs].filter((e, i, a) => e <= s.params.epochs && a.indexOf(e) === i);
  const table = marks.map((e) => `epoch ${e}: train ${pc(at('accuracy', e))}, validation ${pc(at('val_accuracy', e))}, test ${pc(at('test_accuracy', e))}`).join('; ');
  const vl = s.curve('val_loss');
  const min = vl.reduce((b, p) => (p.mean < b.mean ? p : b), vl[0]);
  const end = vl[vl.length - 1];
  const rise = end.mean - min.mean;
  const gap = at('accuracy', end.epoch) - at('val_accuracy', end.epoch);
  const early = marks[0];
  const under = at('val_accuracy', early) < 0.5 ? ` At epoch ${early} the model under-fits: training and validation accuracy are both low.` : '';
  return `${table}.${under} The validation loss was lowest at epoch ${min.epoch} ` +
    `(${min.mean.toFixed(3)}) and ${rise > 0.05 ? `rose ${rise.toFixed(3)} by epoch ${end.epoch} while the training loss kept falling: over-fitting` : `stayed within ${rise.toFixed(3)} of it up to epoch ${end.epoch}: no clear over-fitting yet (dropout and the halving schedule hold it back)`}; ` +
    `the train–validation accuracy gap at the end is ${(gap * 100).toFixed(1)} points` +
    (gap < 0 ? ' (training accuracy is measured with dropout on, so it sits below validation until the model over-fits).' : '.');
}

function batchAnswer(st: StudyStats): string {
  const ss = [...st.settings].sort((a, b) => a.params.batchSize - b.params.batchSize);
  const jitter = (s: SettingStats) => { const c = s.curve('batch_loss_jitter').slice(-5); return c.reduce((a, p) => a + p.mean, 0) / Math.max(1, c.length); };
  const parts = ss.map((s) => `batch ${s.params.batchSize}: ${pm(s)}${failure(s)}, ${sec(s.secondsPerEpoch.mean)} per epoch, loss change from batch to batch ${jitter(s).toFixed(3)}`);
  const small = ss[0], large = ss[ss.length - 1], best = byTest(ss)[0];
  const speed = small.secondsPerEpoch.mean / large.secondsPerEpoch.mean;
  const cpu = ss.every((s) => s.epochClock === 'cpu');
  return `${parts.join('; ')}. Speed${cpu ? ' (CPU time)' : ' (wall time, which other work on the machine inflates: compare with care)'}: ` +
    `batch ${large.params.batchSize} ran an epoch ${speed >= 1 ? `${speed.toFixed(1)}× faster` : `${(1 / speed).toFixed(1)}× slower`} than batch ${small.params.batchSize} ` +
    `while making ${large.params.batchSize / small.params.batchSize}× fewer weight updates. ` +
    `Noise: the loss jumps ${(jitter(small) / jitter(large)).toFixed(1)}× as much between batches of ${small.params.batchSize} as between batches of ${large.params.batchSize}. ` +
    `Within the same ${best.params.epochs} epochs and learning rate, batch ${best.params.batchSize} reached the best test accuracy.`;
}

function rankingAnswer(st: StudyStats, name: (s: SettingStats) => string): string {
  const ss = byTest(st.settings);
  return ss.map((s, i) => `${i + 1}. ${name(s)}: ${pm(s)}${failure(s)}, ${toHalf(s)}, ${sec(s.secondsPerEpoch.mean)} per epoch`).join('; ') + '.';
}

/** What the noisy-label results say about Huber, placed between MSE and MAE by its error. */
function huberNote(mse?: SettingStats, mae?: SettingStats, huber?: SettingStats): string {
  const base = 'MSE squares each residual, so outliers pull its fit towards them; MAE fits the median and ignores how far they lie. ';
  if (!mse || !mae || !huber) return base;
  const t = (huber.test.mean - mae.test.mean) / (mse.test.mean - mae.test.mean);
  if (!Number.isFinite(t)) return base;
  return base + `Huber (delta 1: quadratic below a residual of 1, linear above) landed ${Math.round(t * 100)} % of the way from MAE to MSE: ` +
    (t > 0.5
      ? 'the clean residuals here are all below 1, where its gradient is the small residual itself, while each outlier pulls with the full constant 1, so the outliers still win; a delta on the scale of the clean errors would bring it towards MAE. '
      : 'the linear part caps the pull of each outlier, so it stays near MAE. ');
}

function lossAnswer(st: StudyStats): string {
  const get = (loss: string, noise: boolean) => st.settings.find((s) => s.params.loss === loss && (s.params.labelNoise > 0) === noise);
  const names: [string, string][] = [['meanSquaredError', 'MSE'], ['meanAbsoluteError', 'MAE'], ['huber', 'Huber']];
  const row = (noise: boolean) => names.map(([k, n]) => { const s = get(k, noise); return s ? `${n} ${s.test.mean.toFixed(3)}` : ''; }).filter(Boolean).join(', ');
  const winner = (noise: boolean) => {
    const c = names.map(([k, n]) => [n, get(k, noise)] as const).filter(([, s]) => s).sort((a, b) => a[1]!.test.mean - b[1]!.test.mean);
    return c.length ? c[0][0] : 'n/a';
  };
  const noisy = st.settings.find((s) => s.params.labelNoise > 0);
  const growth = names.map(([k, n]) => {
    const a = get(k, false), b = get(k, true);
    return a && b ? `${n} ×${(b.test.mean / a.test.mean).toFixed(1)}` : '';
  }).filter(Boolean).join(', ');
  return `Regressing where the face is (targets in [-1, 1]; test error on clean labels; mean over ${st.settings[0].trials.length} seeds). ` +
    `Clean training labels, test MAE: ${row(false)} (best: ${winner(false)}). ` +
    (noisy ? `With ${Math.round(noisy.params.labelNoise * 100)} % of the training targets replaced by gross one-sided outliers: ${row(true)} (best: ${winner(true)}); the error grew ${growth}. ` : '') +
    huberNote(get('meanSquaredError', true), get('meanAbsoluteError', true), get('huber', true)) +
    'Cross-entropy belongs to the classification studies above.';
}

/** The written answers, from the measured numbers; a study that has no results yet gets none. */
export function labAnswers(studies: StudyStats[]): { intro: string; byStudy: Record<string, string> } {
  const get = (name: string) => studies.find((s) => s.name === name && s.settings.length);
  const byStudy: Record<string, string> = {};
  const put = (name: string, f: (s: StudyStats) => string) => { const s = get(name); if (s) byStudy[name] = f(s); };
  put(STUDY.lr, lrAnswer);
  put(STUDY.schedule, scheduleAnswer);
  put(STUDY.momentum, momentumAnswer);
  put(STUDY.epochs, epochsAnswer);
  put(STUDY.batch, batchAnswer);
  put(STUDY.optimizer, (s) => rankingAnswer(s, (x) => `${x.params.optimizer} (lr ${num(x.params.lr)})`));
  put(STUDY.activation, (s) => {
    const ranked = byTest(s.settings).map((x) => x.params.activation);
    const why = ranked[0] === 'relu' && ranked[ranked.length - 1] === 'sigmoid'
      ? ' ReLU passes gradients unchanged where it is active; sigmoid saturates and multiplies them by at most 0.25 per layer, so through seven layers almost nothing reaches the first convolutions.' : '';
    return rankingAnswer(s, (x) => x.params.activation) + why;
  });
  put(STUDY.loss, lossAnswer);
  const intro = 'Each study below changes one thing in the lab\'s recipe (SGD lr 0.01, momentum 0.9 with Nesterov, learning rate halved every 10 epochs, ' +
    'batch 32, 20 epochs, ReLU, cross-entropy) and trains the lab\'s CNN on the embedded face set (16 people) from the same seeds; ' +
    'the recipe itself is one shared run. The answers are written from the numbers in the tables.';
  return { intro, byStudy };
}
