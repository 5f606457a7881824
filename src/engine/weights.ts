// A model's weights: one block of parameter values and one of gradients with the same layout, carved at
// offsets from the arena. Trainable weights come first, so the optimizer step is one flat loop over a
// prefix of both blocks; non-trainable weights (moving statistics, frozen layers) follow. getWeights() lists
// them in Keras' order instead (layer by layer, see WeightStore.order); tfjs lists the trainable ones first.
import type { Layer, Param } from '../layers/layer.js';
import { Random } from '../random.js';
import type { Runtime } from '../runtime/wasm.js';
import type { StateParam } from './optimizer.js';
import { parallelFor } from '../threads/index.js';
import { Tensor } from '../tensor.js';

export interface NamedParam { readonly layer: Layer; readonly param: Param; /** `conv2d/kernel`: the saved name. */ readonly key: string }

/** Each tensor starts on a 16-byte boundary so SIMD loads of biases stay aligned. */
const padded = (n: number): number => Math.ceil(n / 4) * 4;

export class WeightStore {
  block = 0;
  gradBlock = 0;
  /** Floats in the trainable prefix of both blocks (what the optimizer updates). */
  trainableFloats = 0;
  /** Floats in both blocks (padded). */
  totalFloats = 0;
  private rt: Runtime | null = null;
  private layoutKey = '';
  /** The layers the blocks were laid out for, in model order. */
  private placed: readonly Layer[] = [];
  /** Where the initial draws' sequence was after each layer's: a layer added later goes on from its predecessor's. */
  private readonly drawsEnd = new WeakMap<Layer, number>();

  constructor(private readonly owner: string, private readonly seed: number) {}

  get allocated(): boolean { return this.block !== 0; }

  /**
   * Every weight in Keras' getWeights order: layer by layer, each layer's own (BatchNormalization: gamma, beta,
   * moving mean, moving variance; a frozen layer's where the layer is). TensorFlow.js lists the trainable ones
   * of every layer first; the two agree for models without non-trainable weights. Files pair names with values.
   */
  static order(layers: readonly Layer[]): NamedParam[] {
    return layers.flatMap((layer) => layer.params.map((param) => ({ layer, param, key: `${layer.name}/${param.name}` })));
  }

  /** The memory layout: the trainable weights first, one block the optimizer updates in one pass. */
  private static layout(layers: readonly Layer[]): NamedParam[] {
    const all = WeightStore.order(layers);
    return [...all.filter((p) => p.layer.isTrainable(p.param)), ...all.filter((p) => !p.layer.isTrainable(p.param))];
  }

  private static key(layers: readonly Layer[]): string {
    return layers.map((l) => l.params.map((p) => (l.isTrainable(p) ? 'T' : 'N')).join('')).join('|');
  }

  /**
   * Allocates both blocks and draws the initial values (in layer order from the model's seed), once. If the layers
   * changed since — frozen or unfrozen, added or removed (pop) — the blocks are laid out again: the weights of the
   * layers laid out before keep their values, a new layer's are drawn as a model built with it from the start and
   * the same seed draws them; returns true then (the optimizer's state for this model no longer fits).
   */
  allocate(rt: Runtime, layers: readonly Layer[], initialise = true): boolean {
    const key = WeightStore.key(layers);
    const same = this.placed.length === layers.length && this.placed.every((l, i) => l === layers[i]);
    if (this.block && key === this.layoutKey && same) return false;
    const before = this.block ? this.placed.filter((l) => layers.includes(l)) : [];
    const kept = this.block ? this.read(before) : null;
    const order = WeightStore.layout(layers);
    const total = order.reduce((s, p) => s + padded(p.param.size), 0);
    // The new blocks before the old ones go: if they do not fit, the model keeps its layout and values.
    const block = rt.arena.allocZeroed(total * 4, `${this.owner} parameters`);
    // Not zeroed here: every training step clears the gradients first (zeroGrad), and a model that only
    // predicts never touches these pages (first-touch page faults are most of a cold start's memory cost).
    // Both blocks or neither: a model whose gradients do not fit keeps no half of itself (dispose, or the
    // garbage collector's, would release what it never got).
    let gradBlock: number;
    try { gradBlock = rt.arena.alloc(total * 4, `${this.owner} gradients`); } catch (e) { rt.arena.release(block); throw e; }
    this.free();
    this.rt = rt;
    this.block = block;
    this.gradBlock = gradBlock;
    let off = 0;
    this.trainableFloats = 0;
    for (const { layer, param } of order) {
      param.offset = this.block + off * 4;
      param.gradOffset = this.gradBlock + off * 4;
      off += padded(param.size);
      if (layer.isTrainable(param)) this.trainableFloats = off;
    }
    this.totalFloats = total;
    this.layoutKey = key;
    this.placed = [...layers];
    for (const { param } of order) param.version++;
    if (kept) this.write(before, kept);
    if (kept ? before.length < layers.length : initialise) this.draw(rt, layers, before);
    return kept !== null;
  }

  /**
   * The initial values of the layers not `kept`, drawn in layer order from the model's seed as a model of `layers`
   * built whole draws them: a kept layer's draws are skipped from where they ended when it was drawn here (a layer
   * added after pop() continues from there), or replayed into scratch when its values came from elsewhere (a file).
   */
  private draw(rt: Runtime, layers: readonly Layer[], kept: readonly Layer[]): void {
    let rng = new Random(this.seed);
    for (const l of layers) {
      const ended = kept.includes(l) ? this.drawsEnd.get(l) : undefined;
      if (ended !== undefined) { rng = Random.resume(ended); continue; }
      for (const p of l.params) p.init.fill(kept.includes(l) ? new Float32Array(p.size) : rt.f32(p.offset, p.size), p.shape, rng);
      this.drawsEnd.set(l, rng.position);
    }
  }

  /**
   * The trainable weights in the memory layout's order (tfjs' trainableWeights order, which an optimizer's saved
   * state follows), each with its start in floats within the trainable block.
   */
  trainableParams(layers: readonly Layer[]): StateParam[] {
    return WeightStore.layout(layers).filter((p) => p.layer.isTrainable(p.param))
      .map(({ key, param }) => ({ key, shape: param.shape, size: param.size, at: (param.offset - this.block) / 4 }));
  }

  /** Copies of the weights of `layers` (a model's, or one layer's) in Keras order. */
  read(layers: readonly Layer[]): Tensor[] {
    const rt = this.rt!;
    return WeightStore.order(layers).map(({ param: p }) => new Tensor(rt.f32(p.offset, p.size).slice(), p.shape));
  }

  /** Writes the weights of `layers` (a model's, or one layer's), given in Keras order. */
  write(layers: readonly Layer[], weights: readonly Tensor[]): void {
    const rt = this.rt!;
    WeightStore.order(layers).forEach(({ param: p }, i) => { rt.f32(p.offset, p.size).set(weights[i].data); p.version++; });
  }

  /** Clears the gradients (a frozen layer's too: backward accumulates into them all the same). */
  zeroGrad(): void {
    const g = this.gradBlock;
    parallelFor(this.rt!, 'zero_floats', this.totalFloats, 1 << 16, 4, (s, count) => [g + 4 * s, count], 'clearing the gradients');
  }

  free(): void {
    if (this.rt && this.block) this.rt.arena.release(this.block);
    if (this.rt && this.gradBlock) this.rt.arena.release(this.gradBlock);
    this.block = this.gradBlock = this.trainableFloats = this.totalFloats = 0;
    this.layoutKey = '';
    this.placed = [];
  }
}
