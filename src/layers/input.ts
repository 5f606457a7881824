// Keras' Input (`keras.Input(shape=(42, 42, 3))`, tfjs' `tf.input({ shape })`): one sample's shape, given to a
// Sequential model before its first layer — Keras 3's way to write Sequential([Input(shape), Conv2D(...), ...]),
// where input_shape on a layer is deprecated. Not a layer: no weights, no arithmetic; Keras' Sequential does not
// list it in model.layers either. The model hands the shape to its first layer as that layer's inputShape.
import { checkOptions, show, type AllOptions } from '../format.js';

export interface InputArgs {
  /** One sample's shape, without the batch axis; null first for sequences of any length (before an embedding or RNN). */
  shape: (number | null)[];
  name?: string;
}
const INPUT_OPTIONS = ['shape', 'name'] as const;

export class Input {
  readonly shape: (number | null)[];
  readonly name: string;

  constructor(args: InputArgs) {
    checkOptions('input', args, INPUT_OPTIONS satisfies AllOptions<InputArgs, typeof INPUT_OPTIONS>);
    const shape = (args as Partial<InputArgs> | undefined)?.shape;
    const ok = Array.isArray(shape) && shape.length > 0 && shape.every((d, i) => (Number.isInteger(d) && (d as number) > 0) || (d === null && i === 0));
    if (!ok) {
      throw new Error(`input: shape must be one sample's shape, a non-empty array of positive integers (the first may be null: ` +
        `sequences of any length), without the batch axis, e.g. input({ shape: [42, 42, 3] }); got ${show(shape)}`);
    }
    if (args.name !== undefined && typeof args.name !== 'string') throw new Error(`input: name must be a string, got ${show(args.name)}`);
    this.shape = [...shape];
    this.name = args.name ?? 'input_layer';
  }
}

/** Keras' Input / tfjs' tf.input: `model.add(sn.input({ shape: [42, 42, 3] }))` before the first layer. */
export function input(args: InputArgs): Input { return new Input(args); }
