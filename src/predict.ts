// simdnet/predict for Node, Deno and Bun: the Node host adapter, then the predict-only API (predict-api.ts).
import './host/node.js';

export * from './predict-api.js';
