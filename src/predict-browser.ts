// simdnet/predict for browsers, Web Workers and Cloudflare Workers: the web's host adapter, then the
// predict-only API (predict-api.ts). No node: import is reachable from here.
import './host/web.js';

export * from './predict-api.js';
