// simdnet's API, the same in every host: the entries (index.ts for Node, Deno and Bun; browser.ts for
// browsers, Web Workers and Cloudflare Workers) install their host adapter and re-export this. Nothing
// loads at import: the kernels load on the first async call, or on `await sn.ready()`.
import { checkOptions, type AllOptions } from './format.js';
import { initRuntime, runtime, type RuntimeOptions } from './runtime/wasm.js';
import { microKernels as chosenMicroKernels, SHAPE_CLASSES, ukernelName, type ShapeClass } from './runtime/ukernels.js';

export { tensor, Tensor } from './tensor.js';
export type { DType } from './tensor.js';
export { layers, Layer, LAYERS as layerClasses } from './layers/index.js';
export { regularizers, type Regularizer, type RegularizerSpec } from './layers/regularizers.js';
export { constraints, type Constraint, type ConstraintSpec } from './layers/constraints.js';
export { Sequential, sequential } from './engine/sequential.js';
export type { CompileArgs, FitArgs } from './engine/sequential.js';
export type { Artifacts } from './engine/save-handlers.js';
export { optimizers, Optimizer, SGD, Adam, AdamW, Adamax, Nadam, Adadelta, Adagrad, RMSprop } from './engine/optimizers.js';
export * as callbacks from './callbacks/index.js';
export { Callback } from './engine/callback.js';
export { History } from './engine/history.js';
export * as utils from './utils.js';
export * as models from './models.js';
export * as data from './data/index.js';
export { shutdown as shutdownThreads, activeThreads, threadStats } from './threads/index.js';
export * as io from './io/index.js';
export { loadModel } from './io/model-sources.js';
export * as text from './text/index.js';
export { wasmFile } from './runtime/wasm.js';
export { setMicroKernel } from './runtime/ukernels.js';
export type { WasmOption, WasmSource, RuntimeOptions as ReadyOptions } from './runtime/wasm.js';

// image helpers and the face renderer at the top level too (the browser example uses them)
export { resize, toFloat } from './io/resize.js';
export type { Image } from './io/resize.js';
export { makePerson, makeShot, renderFace, PHOTO_WIDTH, PHOTO_HEIGHT } from './data/face-renderer.js';
export { LAB_LABELS } from './data/labels.js';
export { Random } from './random.js';

export const version = '0.1.0';

/**
 * Loads the kernels (once; every async API awaits it itself). `wasm` hands them in where the host cannot
 * fetch the .wasm files beside the module or forbids compiling (Cloudflare Workers): a WebAssembly.Module,
 * bytes, a URL, or a function of the build's file name; `flavour` 'simd' pins the plain-SIMD build (the
 * same bits on every host), `shared: false` a memory without worker threads.
 */
export async function ready(options?: RuntimeOptions): Promise<void> {
  checkOptions('ready', options, READY_OPTIONS satisfies AllOptions<RuntimeOptions, typeof READY_OPTIONS>);
  await initRuntime(options);
}
const READY_OPTIONS = ['flavour', 'shared', 'wasm'] as const;

/** Which kernel build runs: 'relaxed-simd' (fused multiply-add) or 'simd'. */
export function backend(): string { return runtime('sn.backend()').flavour; }

/**
 * The GEMM micro-kernel that runs each class of product shapes on this host (XNNPACK's names,
 * f32_gemm_6x8__wasmrelaxedsimd_fma_loadsplat ...): timed once per process (a few ms, done now if not yet),
 * unless SIMDNET_UKERNEL or sn.setMicroKernel forces one. Every micro-kernel gives the same bits.
 */
export function microKernels(): { kernels: Record<ShapeClass, string>; how: string; ms?: number } {
  const rt = runtime('sn.microKernels()');
  const c = chosenMicroKernels(rt, true);
  const kernels = Object.fromEntries(SHAPE_CLASSES.map((cls) => [cls, ukernelName(c.codes[cls], rt.flavour)])) as Record<ShapeClass, string>;
  return { kernels, how: c.how, ...(c.ms !== undefined ? { ms: c.ms } : {}) };
}

/** Bytes of Wasm memory in use and at peak. */
export function memory(): { usedBytes: number; peakBytes: number; wasmBytes: number } {
  const rt = runtime('sn.memory()');
  return { usedBytes: rt.arena.usedBytes, peakBytes: rt.arena.peakBytes, wasmBytes: rt.memory.buffer.byteLength };
}
