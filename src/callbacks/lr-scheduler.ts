// LearningRateScheduler: sets the optimizer's learning rate from schedule(epoch, lr) at each epoch start.
import { Callback, type Logs } from '../engine/callback.js';

export class LearningRateScheduler extends Callback {
  constructor(private readonly schedule: (epoch: number, lr: number) => number, private readonly verbose = 0) {
    super();
    if (typeof schedule !== 'function') throw new Error('learningRateScheduler: schedule must be a function (epoch, lr) => lr');
  }

  onEpochBegin(epoch: number): void {
    const opt = this.model.optimizer!;
    const lr = this.schedule(epoch, opt.learningRate);
    // 0 is a rate (a warm-up starts there), as in Keras and tfjs
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new Error(`learningRateScheduler: schedule(${epoch}, ${opt.learningRate}) returned ${lr}; expected a finite number >= 0`);
    }
    opt.learningRate = lr;
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }

  onEpochEnd(_epoch: number, logs?: Logs): void {
    if (logs) logs.lr = this.model.optimizer!.learningRate;
  }
}
