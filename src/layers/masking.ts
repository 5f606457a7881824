// Keras' mask propagation, reduced to what simdnet's layers need: an embedding with maskZero (or a Masking layer) marks
// padded time steps, and a recurrent layer right after it carries its state through them.
//
// A Sequential model builds each layer on the previous layer's `outputShape` array itself, so that array
// identifies the link: a layer whose output carries a mask registers its outputShape here, and the next
// layer finds the source by the inputShape it is built on. Recurrent layers with returnSequences pass
// their source on (Keras: the output mask of an RNN returning sequences is its input mask), and so does a
// LayerNormalization (it normalizes each position on its own).
export interface MaskSource {
  /** `embedding (Embedding)`: for error messages. */
  readonly label: string;
  /** The option that made the mask ('maskZero', 'maskValue'): for error messages. */
  readonly maskOption: string;
  /** f32 [batch, steps] of 0 (padding) / 1 for the batch of the most recent forward pass. */
  readonly maskPointer: number;
  /** Layers that apply the mask; an embedding refuses to run with maskZero when there are none (and no loss applies it). */
  consumers: number;
  /** The mask reaches a model's output, whose loss and metrics apply it (set by the model when it runs). */
  atOutput: boolean;
}

const masked = new WeakMap<readonly number[], MaskSource>();

/** Declares that the layer whose output has this shape array carries source's mask. */
export function providesMask(outputShape: readonly number[], source: MaskSource): void {
  masked.set(outputShape, source);
}

/** The mask source of a layer built on this input shape array, if the previous layer carries a mask. */
export function maskSourceFor(inputShape: readonly number[]): MaskSource | null {
  return masked.get(inputShape) ?? null;
}
