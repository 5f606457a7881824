// CSVLogger: one row per epoch (epoch, then the logs in a stable column order) appended to a file.
// Node only.
import { Callback, type Logs } from '../engine/callback.js';
import { fsError } from '../format.js';
import { files, type Host } from '../host/host.js';

export class CSVLogger extends Callback {
  private keys: string[] | null = null;
  private fs: NonNullable<Host['files']>['fs'] | null = null;

  constructor(readonly filename: string, readonly separator = ',', readonly append = false) {
    super();
    if (typeof filename !== 'string' || !filename) throw new Error('csvLogger: filename must be a non-empty string');
  }

  async onTrainBegin(): Promise<void> {
    this.fs = files('csvLogger', 'log epochs with a callback of your own').fs;
    this.keys = null;
    if (!this.append) await this.fs.writeFile(this.filename, '').catch((e: unknown) => { throw fsError('csvLogger', this.filename, e); });
    else {
      // appending to an existing log keeps its header
      const old = await this.fs.readFile(this.filename, 'utf8').catch(() => '');
      const header = old.split('\n')[0];
      if (header) this.keys = header.split(this.separator).slice(1);
    }
  }

  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    let head = '';
    if (!this.keys) {
      const keys = Object.keys(logs);
      // with validationFreq > 1 the first epoch has no val_ entries: their columns come now, as Keras adds them
      if (this.params?.doValidation && !keys.some((k) => k.startsWith('val_'))) {
        keys.push(...this.params.metrics.filter((k) => k in logs).concat('loss').map((k) => `val_${k}`));
      }
      this.keys = keys.sort();
      head = ['epoch', ...this.keys].join(this.separator) + '\n';
    }
    // a value not logged this epoch (no validation in it): NA, as Keras writes it
    const row = [String(epoch), ...this.keys.map((k) => (logs[k] === undefined ? 'NA' : String(logs[k])))].join(this.separator);
    await this.fs!.appendFile(this.filename, head + row + '\n').catch((e: unknown) => { throw fsError('csvLogger', this.filename, e); });
  }
}
