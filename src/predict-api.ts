// simdnet/predict: load a model and run it, in every host — simdnet's API without training (compile, fit,
// evaluate, the optimizers, callbacks), the Keras .h5 / .keras readers, the data generators and the plots, so a
// bundle that only predicts (a serverless function, a page) carries none of them: 229 KB minified for the lab
// CNN's worker against 297 KB with `import { … } from 'simdnet'` (README, "Anywhere"). The models are the same
// Sequential class; they load uncompiled (even where 'simdnet' is bundled beside: io/predict-io.ts), and fit or
// evaluate on them says to load them with 'simdnet'. In Node each entry is its own bundle: one per program. The entries
// predict.ts (Node, Deno, Bun) and predict-browser.ts (browsers, workers) install their host adapter first.
export { tensor, Tensor } from './tensor.js';
export type { DType } from './tensor.js';
export { layers, Layer, LAYERS as layerClasses } from './layers/index.js';
export { Sequential, sequential } from './engine/sequential.js';
export { input, Input, type InputArgs } from './layers/input.js';
export type { Artifacts } from './engine/save-handlers.js';
export { shutdown as shutdownThreads, activeThreads, threadStats } from './threads/index.js';
export * as io from './io/predict-io.js';
export { loadModel } from './io/predict-io.js';
export { wasmFile } from './runtime/wasm.js';
export { setMicroKernel } from './runtime/ukernels.js';
export type { WasmOption, WasmSource, RuntimeOptions as ReadyOptions } from './runtime/wasm.js';
export { resize, toFloat } from './io/resize.js';
export type { Image } from './io/resize.js';
export { LAB_LABELS } from './data/labels.js';
export { ready, backend, microKernels, memory, version } from './core.js';
