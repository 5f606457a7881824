// The prediction service, host-neutral: POST /predict with a photo (JPEG, PNG or PGM bytes) answers the
// model's class probabilities as JSON. The host's entry hands in the parts of simdnet it uses (named, not
// the whole namespace: a bundler then leaves out what a predict-only service never calls, such as the
// training data generators and their word list), the kernels and the model files (worker.js for Cloudflare
// Workers, node-server.mjs for Node). The model loads on the first request: Workers allow no I/O or long
// work at import.

/**
 * @typedef {typeof import('simdnet')} Simdnet
 * @typedef {{ ready: Simdnet['ready'], loadModel: Simdnet['loadModel'],
 *   imageToTensor: Simdnet['io']['imageToTensor'], labels: readonly string[] }} Parts
 */

/** The parts of simdnet the handler uses, picked out of its exports (see worker.js). */
export function pick({ ready, loadModel, io, LAB_LABELS }) {
  return { ready, loadModel, imageToTensor: io.imageToTensor, labels: LAB_LABELS };
}

/**
 * @param {{ sn: Parts, wasm?: WebAssembly.Module, modelJson: object, weights: ArrayBuffer | Uint8Array }} deps
 */
export function createHandler({ sn, wasm, modelJson, weights }) {
  let loading = null;
  const load = () => (loading ??= (async () => {
    await sn.ready(wasm ? { wasm } : {}); // a host that loads files: simdnet's default pick
    const model = await sn.loadModel({ modelJson, weights });
    const [height, width, channels] = model.inputShape;
    const names = modelJson.userDefinedMetadata?.simdnet_class_names ?? sn.labels;
    return { model, size: [height, width], channels, names };
  })());

  return {
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname !== '/predict') return Response.json({ error: 'not found: POST a photo to /predict' }, { status: 404 });
      if (request.method !== 'POST') return Response.json({ error: 'POST a photo (JPEG, PNG or PGM bytes) to /predict' }, { status: 405 });
      const { model, size, channels, names } = await load();
      let x;
      try {
        // decoded and resized straight from the decoder's pixels (no copy of the full-size photo)
        x = sn.imageToTensor(new Uint8Array(await request.arrayBuffer()), { size, channels, name: 'the upload' });
      } catch (e) {
        return Response.json({ error: e.message }, { status: 400 });
      }
      const p = await model.predict(x, { threads: 1 });
      const probabilities = Object.fromEntries(names.map((name, i) => [name, p.data[i]]));
      let best = 0;
      for (let i = 1; i < names.length; i++) if (p.data[i] > p.data[best]) best = i;
      return Response.json({ class: names[best], probabilities });
    },
  };
}
