// Prediction: the forward pass over x in batches. Apart from the trainer so that simdnet/predict, which bundles no
// training, runs it too.
import { positiveInt } from '../layers/layer.js';
import type { Runtime } from '../runtime/wasm.js';
import { Tensor } from '../tensor.js';
import type { Network } from './network.js';

/** Outputs for x in batches; each batch is copied from the caller's tensor into the arena. */
/** `fn` names the function called in errors (predict, predictClasses, predictOnBatch). */
export function predict(net: Network, rt: Runtime, x: Tensor, batchSize: number, fn = 'predict'): Tensor {
  const n = net.checkX(x, 'x', fn);
  positiveInt(batchSize, 'batchSize', fn);
  const plan = net.ensurePlan(Math.min(batchSize, n), false);
  const inSize = net.inSize, outSize = net.outSize;
  const result = new Float32Array(n * outSize);
  for (let from = 0; from < n; from += plan.maxBatch) {
    const count = Math.min(plan.maxBatch, n - from);
    rt.f32(plan.input, count * inSize).set(x.data.subarray(from * inSize, (from + count) * inSize));
    const bad = rt.k.count_nonfinite(plan.input, count * inSize);
    if (bad) throw new Error(`${fn}: x contains ${bad} NaN or infinite value(s) in samples ${from}..${from + count - 1}`);
    const out = net.forward(count, false, 0);
    net.checkOutput(out, count, from, fn);
    result.set(rt.f32(out, count * outSize), from * outSize);
  }
  return new Tensor(result, [n, ...net.outputShape]);
}
