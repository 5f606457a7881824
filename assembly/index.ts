// The Wasm module's exports: every kernel, by op. Kernels own no policy and allocate nothing; all
// pointers are byte offsets into the imported memory, handed out by the JS-side arena.
export * from './gemm';
export * from './conv';
export * from './depthwise';
export * from './pool';
export * from './global_pool';
export * from './dense';
export * from './activations';
export * from './dropout';
export * from './masking';
export * from './merge';
export * from './norm';
export * from './augment';
export * from './rescaling';
export * from './losses';
export * from './optimizers';
export * from './regularizers';
export * from './constraints';
export * from './probe';
export * from './rnn';
export * from './winograd';
export * from './jpeg';
