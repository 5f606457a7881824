// Writes examples/serverless/model/ (model.json + weights.bin) for the worker to bundle: the lab CNN
// trained by `npm start` (model/ at the repository root) when there is one, else the lab CNN with its
// seeded initial weights (answers, but untrained).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as sn from 'simdnet';

const out = new URL('./model/', import.meta.url);
const trained = new URL('../../model/model.json', import.meta.url);
const model = existsSync(trained) ? await sn.loadModel(trained.pathname) : sn.models.labFaceCnn({ seed: 0 });
const { modelJson, weights } = await model.toArtifacts();
mkdirSync(out, { recursive: true });
writeFileSync(new URL('model.json', out), JSON.stringify(modelJson));
writeFileSync(new URL('weights.bin', out), weights);
console.log(`examples/serverless/model: ${existsSync(trained) ? 'the trained lab CNN from model/' : 'the lab CNN, untrained (run npm start to train it)'}, ${weights.byteLength} bytes of weights`);
