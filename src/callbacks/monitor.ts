// Shared base of callbacks that watch one logged quantity (Keras' monitor / mode / min_delta).
import { Callback, type Logs } from '../engine/callback.js';
import { show } from '../format.js';

export type Mode = 'auto' | 'min' | 'max';

export abstract class MonitorCallback extends Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  best: number;
  private warned = false;

  constructor(args: { monitor?: string; mode?: Mode; minDelta?: number }, defaultMonitor: string, what: string) {
    super();
    this.monitor = args.monitor ?? defaultMonitor;
    const mode = args.mode ?? 'auto';
    if (!['auto', 'min', 'max'].includes(mode)) throw new Error(`${what}: mode must be 'auto', 'min' or 'max', got ${show(mode)}`);
    // Keras: 'auto' maximises accuracy-like quantities and minimises the rest
    this.mode = mode === 'auto' ? (/acc|auc|precision|recall/.test(this.monitor) ? 'max' : 'min') : mode;
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  /**
   * The monitored value in logs; when it is missing, warns (on the first epoch it is missing only) — but not for a
   * val_ quantity on an epoch that fit did not validate (validationFreq).
   */
  protected current(logs: Logs | undefined, what: string, epoch?: number): number | undefined {
    const v = logs?.[this.monitor];
    const unvalidated = epoch !== undefined && this.monitor.startsWith('val_') && this.params?.validates?.(epoch) === false;
    if (v === undefined && !this.warned && !unvalidated) {
      this.warned = true;
      console.warn(`${what}: monitored quantity '${this.monitor}' is not available; available: ${Object.keys(logs ?? {}).join(', ')}`);
    }
    return v;
  }

  protected improved(v: number, reference = this.best): boolean {
    return this.mode === 'min' ? v < reference - this.minDelta : v > reference + this.minDelta;
  }

  protected resetBest(): void { this.best = this.mode === 'min' ? Infinity : -Infinity; }
}
