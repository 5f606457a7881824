// Writes examples/serverless/model/ (model.json + weights.bin) for the worker to bundle: the lab CNN
// trained by `npm start` (model/ at the repository root) when there is one, else the lab CNN with its
// seeded initial weights (answers, but untrained).
//   node examples/serverless/build-model.mjs [--quantize float16|uint8|uint16]
// --quantize stores the weights quantized (model.save's option, as tensorflowjs_converter's --quantize_*): float16
// halves weights.bin, uint8 quarters it, and the worker starts sooner (README: the measured figures).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as sn from 'simdnet';

const out = new URL('./model/', import.meta.url);
const trained = new URL('../../model/model.json', import.meta.url);
const model = existsSync(trained) ? await sn.loadModel(trained.pathname) : sn.models.labFaceCnn({ seed: 0 });
const q = process.argv.indexOf('--quantize');
const quantize = q > 0 ? process.argv[q + 1] : undefined;
if (q > 0 && !quantize) throw new Error('build-model.mjs: --quantize needs a type: float16, uint8 or uint16');
const { modelJson, weights } = await model.toArtifacts(quantize ? { quantize } : {});
mkdirSync(out, { recursive: true });
writeFileSync(new URL('model.json', out), JSON.stringify(modelJson));
writeFileSync(new URL('weights.bin', out), weights);
console.log(`examples/serverless/model: ${existsSync(trained) ? 'the trained lab CNN from model/' : 'the lab CNN, untrained (run npm start to train it)'}, ${weights.byteLength} bytes of weights${quantize ? ` (${quantize})` : ''}`);
