// Keras-style progress output. verbose 1 on a terminal: a live bar
//   Epoch 3/20
//   19/19 [==============================] 2s 105ms/step - loss: 0.4215 - accuracy: 0.8750
// verbose 1 off a terminal: exactly one line per epoch, `Epoch 3/20  19/19 [====] 2s 105ms/step - loss: ...`;
// verbose 2: one line per epoch, `Epoch 3/20 - 2s - loss: ...`.
import { Callback, runningLogs, type Logs } from './callback.js';

interface Writer { write(s: string): unknown; isTTY?: boolean; columns?: number }

function defaultWriter(): Writer {
  const proc = (globalThis as { process?: { stdout?: Writer } }).process;
  if (proc?.stdout) return proc.stdout;
  return { write: (s: string) => console.log(s.replace(/\n$/, '')) };
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(4);
}

function logsText(logs: Logs): string {
  return Object.entries(logs).filter(([k]) => k !== 'batch' && k !== 'size').map(([k, v]) => ` - ${k}: ${fmt(v)}`).join('');
}

function duration(sec: number): string {
  return sec >= 1 ? `${Math.round(sec)}s` : `${Math.round(sec * 1000)}ms`;
}

export class ProgressLogger extends Callback {
  private epochStart = 0;
  private lastDraw = 0;
  private seen = 0;
  private steps = 0;
  /** The epoch's first batch run here (a resumed epoch's batches done before the resume are not timed). */
  private firstStep = -1;
  private sums: Logs = {};

  constructor(private readonly verbose: number, private readonly out: Writer = defaultWriter()) { super(); }

  private get live(): boolean { return this.verbose === 1 && this.out.isTTY === true; }

  onEpochBegin(epoch: number): void {
    this.epochStart = performance.now();
    this.lastDraw = 0;
    this.seen = 0;
    this.steps = 0;
    this.firstStep = -1;
    this.sums = {};
    if (this.live) this.out.write(`Epoch ${epoch + 1}/${this.params.epochs}\n`);
  }

  onBatchEnd(batch: number, logs: Logs = {}): void {
    const size = logs.size ?? 1;
    this.seen += size;
    this.steps = batch + 1;
    if (this.firstStep < 0) this.firstStep = batch;
    for (const [k, v] of Object.entries(logs)) if (k !== 'batch' && k !== 'size') this.sums[k] = (this.sums[k] ?? 0) + v * size;
    if (!this.live) return;
    const now = performance.now();
    if (now - this.lastDraw < 100 && batch + 1 < this.params.steps) return;
    this.lastDraw = now;
    this.out.write('\r' + this.bar(batch + 1, this.running(logs), now) + '\x1b[K');
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const now = performance.now();
    if (this.verbose === 1) {
      const line = this.bar(Number.isFinite(this.params.steps) ? this.params.steps : this.steps, logs, now, true);
      this.out.write(this.live ? `\r${line}\x1b[K\n` : `Epoch ${epoch + 1}/${this.params.epochs}  ${line}\n`);
    } else if (this.verbose === 2) {
      this.out.write(`Epoch ${epoch + 1}/${this.params.epochs} - ${duration((now - this.epochStart) / 1000)}${logsText(logs)}\n`);
    }
  }

  /** The epoch's averages so far: fit's (a resumed epoch's included), else of the batches seen here. */
  private running(logs: Logs): Logs {
    const fromFit = runningLogs(this.params, logs);
    if (fromFit) return fromFit;
    const r: Logs = {};
    for (const [k, v] of Object.entries(this.sums)) r[k] = v / Math.max(1, this.seen);
    return r;
  }

  private bar(step: number, logs: Logs, now: number, finished = false): string {
    const steps = this.params.steps;
    const elapsed0 = (now - this.epochStart) / 1000;
    if (!Number.isFinite(steps)) {
      // a dataset of unknown length (fitDataset): Keras' "37/Unknown"
      const timing = `${duration(elapsed0)} ${Math.round((elapsed0 * 1000) / Math.max(1, step - Math.max(0, this.firstStep)))}ms/step`;
      return `${step}/${finished ? step : 'Unknown'} ${timing}${logsText(logs)}`;
    }
    const width = 30;
    const done = Math.floor((width * step) / steps);
    const bar = step >= steps ? '='.repeat(width) : '='.repeat(Math.max(0, done - 1)) + '>' + '.'.repeat(width - Math.max(done, 1));
    const elapsed = (now - this.epochStart) / 1000;
    const perStep = elapsed / Math.max(1, step - Math.max(0, this.firstStep));
    const timing = step >= steps
      ? `${duration(elapsed)} ${Math.round(perStep * 1000)}ms/step`
      : `ETA: ${duration(perStep * (steps - step))}`;
    const digits = String(steps).length;
    return `${String(step).padStart(digits)}/${steps} [${bar}] ${timing}${logsText(logs)}`;
  }
}
