// Cloudflare Workers (module worker): simdnet's lab CNN behind POST /predict. The kernels are imported as a
// compiled WebAssembly.Module (Workers forbid compiling at run time) and the model is bundled: model.json
// inline, weights.bin as data (wrangler.toml's rule). `npm run example:serverless` writes model/.
import { ready, loadModel, io, data } from 'simdnet';
import wasm from 'simdnet/wasm/simd.wasm';
import modelJson from './model/model.json';
import weights from './model/weights.bin';
import { createHandler, pick } from './handler.js';

// Named imports, so the bundle keeps only what prediction needs (78 KB gzip instead of 98 with `import *`).
export default createHandler({ sn: pick({ ready, loadModel, io, data }), wasm, modelJson, weights });
