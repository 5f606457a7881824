// Cloudflare Workers (module worker): simdnet's lab CNN behind POST /predict. The kernels are imported as a
// compiled WebAssembly.Module (Workers forbid compiling at run time) and the model is bundled: model.json
// inline, weights.bin as data (wrangler.toml's rule). `npm run example:serverless` writes model/.
// The relaxed-SIMD build, as simdnet picks by default where the host runs it: Workers' V8 does (relaxed SIMD
// ships enabled since V8 11.4); on a runtime that does not, the upload fails to compile: import simd.wasm.
import { ready, loadModel, io, LAB_LABELS } from 'simdnet/predict';
import wasm from 'simdnet/wasm/relaxed-simd.wasm';
import modelJson from './model/model.json';
import weights from './model/weights.bin';
import { createHandler, pick } from './handler.js';

// simdnet/predict: simdnet without training, the Keras file readers or the data generators, so the bundle
// keeps only what prediction needs (README, "Anywhere"); named imports, so it leaves out what this handler
// never calls either.
export default createHandler({ sn: pick({ ready, loadModel, io, LAB_LABELS }), wasm, modelJson, weights });
