// simdnet: neural-network training on the CPU in WebAssembly SIMD, with a Keras-style API.
import { initRuntime, runtime } from './runtime/wasm.js';

export { tensor, Tensor } from './tensor.js';
export type { DType } from './tensor.js';
export { layers, Layer, LAYERS as layerClasses } from './layers/index.js';
export { Sequential, sequential } from './engine/sequential.js';
export type { CompileArgs, FitArgs } from './engine/sequential.js';
export { optimizers, Optimizer, SGD, Adam, Adagrad, RMSprop } from './engine/optimizers.js';
export * as callbacks from './callbacks/index.js';
export { Callback } from './engine/callback.js';
export { History } from './engine/history.js';
export * as utils from './utils.js';

// The kernels load once, before anything is used (top-level await keeps the API synchronous).
await initRuntime();

/** Resolves when the Wasm runtime is ready (it already is once the module has loaded). */
export async function ready(): Promise<void> { await initRuntime(); }

/** Which kernel build runs: 'relaxed-simd' (fused multiply-add) or 'simd'. */
export function backend(): string { return runtime().flavour; }

/** Bytes of Wasm memory in use and at peak. */
export function memory(): { usedBytes: number; peakBytes: number; wasmBytes: number } {
  const rt = runtime();
  return { usedBytes: rt.arena.usedBytes, peakBytes: rt.arena.peakBytes, wasmBytes: rt.memory.buffer.byteLength };
}
export * as models from './models.js';
export * as data from './data/index.js';
export { shutdown as shutdownThreads, activeThreads, threadStats } from './threads/index.js';
export * as io from './io/index.js';
export { loadModel } from './io/model-files.js';
export const version = '0.1.0';
export * as text from './text/index.js';
