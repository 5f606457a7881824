// simdnet's API, the same in every host: the entries (index.ts for Node, Deno and Bun; browser.ts for
// browsers, Web Workers and Cloudflare Workers) install their host adapter and re-export this. Nothing
// loads at import: the kernels load on the first async call, or on `await sn.ready()`. predict-api.ts is its
// subset without training (simdnet/predict).
import './engine/training.js'; // fit, evaluate and the optimizers (simdnet/predict leaves them out)

export { tensor, Tensor } from './tensor.js';
export type { DType } from './tensor.js';
export { layers, Layer, LAYERS as layerClasses } from './layers/index.js';
export { regularizers, type Regularizer, type RegularizerSpec } from './layers/regularizers.js';
export { constraints, type Constraint, type ConstraintSpec } from './layers/constraints.js';
export { Sequential, sequential } from './engine/sequential.js';
export { input, Input, type InputArgs } from './layers/input.js';
export type { CompileArgs, FitArgs } from './engine/sequential.js';
export type { Artifacts } from './engine/save-handlers.js';
export { losses, Loss, type LossArgs } from './engine/losses.js';
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

export { ready, backend, microKernels, memory, version } from './core.js';
