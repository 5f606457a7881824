// The prediction service, host-neutral: POST /predict with a photo (JPEG, PNG or PGM bytes) answers the
// model's class probabilities as JSON. The host's entry hands in simdnet, the kernels and the model files
// (worker.js for Cloudflare Workers, node-server.mjs for Node). The model loads on the first request:
// Workers allow no I/O or long work at import.

/**
 * @param {{ sn: typeof import('simdnet'), wasm?: WebAssembly.Module, modelJson: object, weights: ArrayBuffer | Uint8Array }} deps
 */
export function createHandler({ sn, wasm, modelJson, weights }) {
  let loading = null;
  const load = () => (loading ??= (async () => {
    await sn.ready(wasm ? { wasm } : { flavour: 'simd' });
    const model = await sn.loadModel({ modelJson, weights });
    const [height, width, channels] = model.inputShape;
    const names = modelJson.userDefinedMetadata?.simdnet_class_names ?? sn.data.LAB_LABELS;
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
        const image = sn.io.decodeImage(new Uint8Array(await request.arrayBuffer()), 'the upload');
        x = sn.io.imageToTensor(image, { size, channels });
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
