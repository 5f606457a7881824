// simdnet for the web platform: browsers, Web Workers and Cloudflare Workers (workerd). The same API as
// Node's entry with the web's host adapter — no node: import is reachable from here. Files are the one
// thing missing: models load from URLs, memory or IndexedDB and images decode from bytes. Threads run on
// Web Workers when the page is cross-origin isolated.
import './host/web.js';

export * from './api.js';
