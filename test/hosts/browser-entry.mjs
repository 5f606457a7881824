// Chromium, as a page and as a module Web Worker (the same bundle): the script, then a round trip through
// IndexedDB; the kernels are fetched from the server's wasm/ folder.
import * as sn from 'simdnet';
import { run } from './script.mjs';

async function main() {
  const result = await run(sn, { wasm: (file) => new URL(`/wasm/${file}`, self.location.href) });
  const model = sn.sequential({ seed: 3 });
  model.add(sn.layers.dense({ units: 2, activation: 'softmax', inputShape: [4] }));
  const x = sn.tensor(new Float32Array([0.1, 0.2, 0.3, 0.4]), [1, 4]);
  const before = await model.predict(x);
  await model.save('indexeddb://simdnet-hosts');
  const back = await sn.loadModel('indexeddb://simdnet-hosts');
  const after = await back.predict(x);
  result.indexeddb = Array.from(before.data).join() === Array.from(after.data).join() ? 'same predictions' : 'different predictions';
  return result;
}

const report = (r) => (typeof window !== 'undefined' ? (window.hostResult = r) : self.postMessage(r));
main().then(report, (e) => report({ error: String(e && e.stack || e) }));
