// TerminateOnNaN: stops training at the first batch whose loss is NaN or infinite. Without it, fit()
// rejects with an error at such a batch; with it, fit() ends normally and returns the History so far (an epoch
// whose last update overflowed the weights ends it too; its validation logs NaN, as Keras').
import { Callback, type Logs } from '../engine/callback.js';

export class TerminateOnNaN extends Callback {
  get stopsOnNaN(): boolean { return true; }
  onBatchEnd(batch: number, logs?: Logs): void {
    const loss = logs?.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      console.log(`Batch ${batch}: Invalid loss, terminating training`);
      this.model.stopTraining = true;
    }
  }
}
