// The live training charts, drawn by uPlot (a small canvas chart library: 1.6.32, MIT, no dependencies).
// x is the epoch as a fraction (batch b of epoch e ends at e + (b + 1) / steps), so per-batch values and
// per-epoch values share one axis: a thin smoothed line through every batch, points joined per epoch.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export const COLORS = { train: '#0a58ca', val: '#d9480f', batch: 'rgba(10, 88, 202, 0.35)' };

/** An exponential moving average with TensorBoard's bias correction (the first values are not pulled to 0). */
export class Smoother {
  private s = 0;
  private n = 0;
  constructor(private readonly beta: number) {}
  push(v: number): number {
    this.n++;
    this.s = this.beta * this.s + (1 - this.beta) * v;
    return this.s / (1 - this.beta ** this.n);
  }
}

export class TrainingChart {
  private xs: number[] = [];
  private batches: (number | null)[] = [];
  private trainEpochs: (number | null)[] = [];
  private valEpochs: (number | null)[] = [];
  private smoother = new Smoother(0.8);
  private plot: uPlot;
  private pending = false;

  constructor(private readonly el: HTMLElement, private readonly what: 'loss' | 'accuracy') {
    const percent = what === 'accuracy';
    const fmt = (v: number | null) => (v == null ? '–' : percent ? `${(v * 100).toFixed(1)} %` : v.toFixed(3));
    this.plot = new uPlot({
      width: this.width(), height: 230,
      scales: { x: { time: false }, y: percent ? { range: [0, 1] } : { auto: true } },
      series: [
        { label: 'epoch', value: (_u, v) => (v == null ? '–' : v.toFixed(2)) },
        { label: 'train, per batch (smoothed)', stroke: COLORS.batch, width: 1.5, value: (_u, v) => fmt(v), points: { show: false } },
        { label: 'train', stroke: COLORS.train, width: 2, spanGaps: true, value: (_u, v) => fmt(v), points: { show: true, size: 7, fill: COLORS.train } },
        { label: 'validation', stroke: COLORS.val, width: 2, spanGaps: true, value: (_u, v) => fmt(v), points: { show: true, size: 7, fill: COLORS.val } },
      ],
      axes: [{ label: 'epoch' }, { label: what, values: (_u, ticks) => ticks.map((t) => (percent ? `${Math.round(t * 100)} %` : String(+t.toFixed(3)))) }],
      legend: { live: true },
    }, this.data(), el);
    new ResizeObserver(() => this.plot.setSize({ width: this.width(), height: 230 })).observe(el);
  }

  private width(): number { return Math.max(260, this.el.clientWidth); }

  private data(): uPlot.AlignedData {
    return [this.xs, this.batches, this.trainEpochs, this.valEpochs] as uPlot.AlignedData;
  }

  reset(): void {
    this.xs = []; this.batches = []; this.trainEpochs = []; this.valEpochs = [];
    this.smoother = new Smoother(0.8);
    this.draw();
  }

  addBatch(x: number, value: number): void {
    if (!Number.isFinite(value)) return;
    this.xs.push(x);
    this.batches.push(this.smoother.push(value));
    this.trainEpochs.push(null);
    this.valEpochs.push(null);
    this.draw();
  }

  /** The epoch's figures, at the end of its last batch. */
  addEpoch(epoch: number, train: number, val: number | undefined): void {
    const last = this.xs.length - 1;
    if (last < 0) return;
    this.trainEpochs[last] = train;
    this.valEpochs[last] = val ?? null;
    const f = (v: number) => (this.what === 'accuracy' ? `${(v * 100).toFixed(1)} %` : v.toFixed(3));
    this.el.setAttribute('aria-label', `${this.what} after epoch ${epoch + 1}: train ${f(train)}` + (val === undefined ? '' : `, validation ${f(val)}`));
    this.draw();
  }

  /** Points drawn so far (batches, epochs). */
  get counts(): { batches: number; epochs: number } {
    return { batches: this.xs.length, epochs: this.trainEpochs.filter((v) => v !== null).length };
  }

  /** Redraws at most four times a second: painting competes with training for the cores. */
  private draw(): void {
    if (this.pending) return;
    this.pending = true;
    setTimeout(() => { this.pending = false; this.plot.setData(this.data()); }, 250);
  }
}
