// Conv1D over [steps, channels]: a Conv2D on [1, steps, channels] with a 1 x k kernel, so the same
// implicit-im2col GEMMs and threads serve it. The kernel is [k, Cin, Cout] as in Keras (the same memory
// as Conv2D's [1, k, Cin, Cout]).
import { Conv2D, type Conv2DArgs } from './conv2d.js';
import { positiveInt, type LayerExample } from './layer.js';

export interface Conv1DArgs extends Omit<Conv2DArgs, 'kernelSize' | 'strides'> {
  kernelSize: number | [number];
  strides?: number | [number];
}

function single(v: unknown, arg: string): number {
  const x = Array.isArray(v) && v.length === 1 ? v[0] : v;
  return positiveInt(x, arg, 'conv1d');
}

export class Conv1D extends Conv2D {
  static readonly className = 'Conv1D';
  static readonly examples: readonly LayerExample[] = [
    { args: { filters: 4, kernelSize: 3, activation: 'relu' }, inputShape: [9, 3], params: 40 },
    { args: { filters: 3, kernelSize: 2, strides: 2, padding: 'same', activation: 'tanh' }, inputShape: [7, 5], params: 33 },
    { args: { filters: 2, kernelSize: [4], useBias: false }, inputShape: [6, 2], params: 16 },
  ];

  constructor(args: Conv1DArgs) {
    if (!args || typeof args !== 'object') throw new Error('conv1d: expected an arguments object { filters, kernelSize, ... }');
    super({ ...args, kernelSize: [1, single(args.kernelSize, 'kernelSize')], strides: [1, single(args.strides ?? 1, 'strides')] }, 'conv1d');
  }

  protected image(shape: number[]): number[] { return [1, ...shape]; }
  protected kernelShape(cin: number): number[] { return [this.kernelSize[1], cin, this.filters]; }

  computeOutputShape(inputShape: number[]): number[] {
    if (inputShape.length !== 2) {
      throw new Error(`${this.label}: expected input of shape [steps, channels], got [${inputShape.join(', ')}]`);
    }
    return this.outputImage(this.image(inputShape)).slice(1);
  }

  getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), kernel_size: [this.kernelSize[1]], strides: [this.strides[1]], dilation_rate: [1] };
  }
}
