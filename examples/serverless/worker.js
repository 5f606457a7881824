// Cloudflare Workers (module worker): simdnet's lab CNN behind POST /predict. The kernels are imported as a
// compiled WebAssembly.Module (Workers forbid compiling at run time) and the model is bundled: model.json
// inline, weights.bin as data (wrangler.toml's rule). `npm run example:serverless` writes model/.
// The relaxed-SIMD build, as simdnet picks by default where the host runs it: Workers' V8 does (relaxed SIMD
// ships enabled since V8 11.4); on a runtime that does not, the upload fails to compile: import simd.wasm.
import { ready, loadModel, io, LAB_LABELS } from 'simdnet';
import wasm from 'simdnet/wasm/relaxed-simd.wasm';
import modelJson from './model/model.json';
import weights from './model/weights.bin';
import { createHandler, pick } from './handler.js';

// Named imports, so the bundle keeps only what prediction needs: with `import *` it holds every part of simdnet
// (98 KB gzip); with the `data` namespace for the labels, the training-data generators (81 KB); as here, 73 KB.
export default createHandler({ sn: pick({ ready, loadModel, io, LAB_LABELS }), wasm, modelJson, weights });
