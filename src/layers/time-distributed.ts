// TimeDistributed (Keras' wrapper): one layer applied to every step of a sequence, with the same weights. A
// batch [n, steps, ...] is, in memory, a batch [n · steps, ...] of the inner layer's input, so the wrapper runs
// the inner layer on n · steps samples and owns no arithmetic of its own. Its weights are the inner layer's,
// saved under the wrapper's name (time_distributed/kernel), as tfjs and Keras name them.
import { show } from '../format.js';
import type { ActivationName } from './activations.js';
import { nestedLayerArg, snakeName, type ConfigReader, type LayerJson } from './config.js';
import { checkShape, Layer, type LayerArgs, type LayerExample } from './layer.js';

export interface TimeDistributedArgs extends LayerArgs {
  /** The layer applied at each step: a layer (sn.layers.dense({ units: 8 })), or its saved form. */
  layer: Layer | LayerJson;
}

export class TimeDistributed extends Layer {
  static readonly className = 'TimeDistributed';
  static readonly anySteps = true;
  /** As Keras' wrapper: an embedding's mask on the steps passes on (the inner layer sees each step on its own). */
  static readonly passesMask = true;
  static readonly examples: readonly LayerExample[] = [
    { args: { layer: { class_name: 'Dense', config: { units: 3, activation: 'relu' } } }, inputShape: [4, 5], params: 18 },
    { args: { layer: { class_name: 'Conv2D', config: { filters: 2, kernel_size: 3, activation: 'tanh' } } }, inputShape: [3, 5, 4, 2], params: 38 },
    { args: { layer: { class_name: 'Dense', config: { units: 2, activation: 'softmax' } } }, inputShape: [3, 4], params: 10 },
    { args: { layer: { class_name: 'Dense', config: { units: 3, activation: 'gelu' } } }, inputShape: [4, 2], params: 9 },
    { args: { layer: { class_name: 'MaxPooling2D', config: { pool_size: 2 } } }, inputShape: [2, 4, 6, 3], params: 0 },
  ];

  static fromConfig(r: ConfigReader): Layer {
    return new this({ ...r.common(), layer: r.opt('layer') as LayerJson });
  }

  /** Keras 3 keeps the wrapped layer's variables under the wrapper's attribute `layer` (Wrapper's self.layer). */
  get keras3Vars(): readonly { part: string; layer: Layer }[] {
    return this.layer.keras3Vars.map(({ part, layer }) => ({ part: part ? `layer/${part}` : 'layer', layer }));
  }

  readonly layer: Layer;
  /** The wrapper's trainable when last passed on to the inner layer (Keras' trainable setter reaches sublayers). */
  private passedTrainable: boolean;

  constructor(args: TimeDistributedArgs) {
    if (!args || typeof args !== 'object') throw new Error('timeDistributed: expected an arguments object { layer }');
    super(args);
    const inner = nestedLayerArg(args.layer);
    if (inner instanceof Layer) this.layer = inner;
    else throw new Error(`timeDistributed: layer must be a layer (sn.layers.dense({ units: 8 })) or its saved form { class_name, config }, got ${show(inner)}`);
    if (this.layer instanceof TimeDistributed) throw new Error('timeDistributed: a TimeDistributed layer inside another is not supported');
    if (!this.trainable) this.layer.trainable = false;
    this.passedTrainable = this.trainable;
  }

  get outputActivation(): ActivationName { return this.layer.outputActivation; }

  get maskedTrainingDiffers(): string | null { return this.layer.maskedTrainingDiffers; }

  checkInput(data: ArrayLike<number>, fn: string, arg: string): void { this.layer.checkInput(data, fn, arg); }

  /**
   * Setting the wrapper's trainable sets the inner layer's, as Keras' setter does (a frozen BatchNormalization
   * inside then runs in inference mode); the inner layer frozen on its own stays so until the wrapper's changes.
   */
  private syncTrainable(): void {
    if (this.trainable === this.passedTrainable) return;
    this.layer.trainable = this.passedTrainable = this.trainable;
  }

  /** The inner layer's sample shape: a step of the input. */
  private stepShape(inputShape: number[]): number[] {
    if (inputShape.length < 2) {
      throw new Error(`${this.label}: expected input of shape [steps, ...] (a sequence of what ${this.layer.label} takes), got [${inputShape.join(', ')}]`);
    }
    return inputShape.slice(1);
  }

  computeOutputShape(inputShape: number[]): number[] {
    return [inputShape[0], ...this.layer.computeOutputShape(this.stepShape(inputShape))];
  }

  build(inputShape: number[]): void {
    checkShape(inputShape, 'inputShape', this);
    if (this.layer.params.length || this.layer.outputShape.length) {
      throw new Error(`${this.label}: ${this.layer.label} is already built (in a model, or another wrapper): give timeDistributed a layer of its own`);
    }
    if (!this.layer.name) this.layer.name = snakeName(this.layer.className);
    super.build(inputShape);
    this.layer.build(this.stepShape(inputShape));
    this.params = this.layer.params;
  }

  reshape(inputShape: number[]): void {
    super.reshape(inputShape);
    this.layer.reshape(this.stepShape(inputShape));
  }

  protected allocateBuffers(maxBatch: number, training: boolean): void {
    this.syncTrainable();
    this.layer.allocate(this.rt, maxBatch * this.inputShape[0], training);
  }

  release(): void {
    super.release();
    this.layer.release();
  }

  isTrainable(p: Parameters<Layer['isTrainable']>[0]): boolean { this.syncTrainable(); return this.trainable && this.layer.isTrainable(p); }

  forward(x: number, n: number, training: boolean, seed: number): number {
    this.syncTrainable();
    return this.layer.forward(x, n * this.inputShape[0], training, seed);
  }

  backward(dy: number, n: number, needDx: boolean, skipActivation: boolean): number {
    return this.layer.backward(dy, n * this.inputShape[0], needDx, skipActivation);
  }

  getConfig(): Record<string, unknown> {
    this.syncTrainable();
    return { ...super.getConfig(), layer: { class_name: this.layer.className, config: this.layer.getConfig() } };
  }
}
