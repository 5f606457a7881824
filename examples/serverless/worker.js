// Cloudflare Workers (module worker): simdnet's lab CNN behind POST /predict. The kernels are imported as a
// compiled WebAssembly.Module (Workers forbid compiling at run time) and the model is bundled: model.json
// inline, weights.bin as data (wrangler.toml's rule). `npm run example:serverless` writes model/.
import * as sn from 'simdnet';
import wasm from 'simdnet/wasm/simd.wasm';
import modelJson from './model/model.json';
import weights from './model/weights.bin';
import { createHandler } from './handler.js';

export default createHandler({ sn, wasm, modelJson, weights });
