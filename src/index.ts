// simdnet: neural-network training on the CPU in WebAssembly SIMD, with a Keras-style API.
// The entry for Node, Deno and Bun: the Node host adapter (files, cores, worker_threads), then the API.
import './host/node.js';

export * from './api.js';
