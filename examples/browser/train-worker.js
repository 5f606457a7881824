// Runs in a module Web Worker: generates faces, then trains the lab CNN with simdnet on `threads` threads
// (this worker plus threads - 1 helpers on the same shared memory), reporting progress to the page.
const post = (m) => self.postMessage(m);

self.onmessage = async (e) => {
  try {
    post({ type: 'status', text: 'loading simdnet…' });
    // simdnet bundled for the browser by serve.mjs (esbuild); the kernels from the package's wasm folder
    const sn = await import('./simdnet.js');
    await sn.ready({ wasm: (file) => new URL(`../../dist/wasm/${file}`, import.meta.url) });
    const { images, threads } = e.data;
    post({ type: 'status', text: `generating ${images} faces (16 people)…` });
    const rng = new sn.Random(0);
    const people = sn.LAB_LABELS.map((_, i) => sn.makePerson(rng, i));
    const shots = new sn.Random(1);
    const x = new Float32Array(images * 42 * 42 * 3);
    const labels = new Int32Array(images);
    for (let i = 0; i < images; i++) {
      const who = i % 16;
      // a quarter-resolution photo (96x72) keeps generation quick; resized to 42x42 like the lab's
      const photo = sn.renderFace(people[who], sn.makeShot(shots), shots, 96, 72);
      const small = sn.resize({ width: 96, height: 72, channels: 1, data: photo }, 42, 42);
      for (let p = 0; p < 42 * 42; p++) x[i * 5292 + 3 * p] = x[i * 5292 + 3 * p + 1] = x[i * 5292 + 3 * p + 2] = small.data[p] / 255;
      labels[i] = who;
      if (i % 32 === 0) post({ type: 'progress', value: (0.5 * i) / images });
    }
    const model = sn.models.labFaceCnn();
    model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const steps = Math.ceil(images / 32);
    const losses = [];
    post({ type: 'status', text: `training one epoch on ${threads} threads (${sn.backend()})…` });
    const t0 = performance.now();
    await model.fit(sn.tensor(x, [images, 42, 42, 3]), sn.utils.toCategorical(labels, 16), {
      epochs: 1, batchSize: 32, shuffle: true, seed: 0, verbose: 0, threads,
      callbacks: [{ onBatchEnd: (batch, logs) => { losses.push(logs.loss); post({ type: 'batch', batch, steps, loss: logs.loss }); post({ type: 'progress', value: 0.5 + (0.5 * (batch + 1)) / steps }); } }],
    });
    const seconds = (performance.now() - t0) / 1000;
    const stats = sn.threadStats();
    post({ type: 'done', losses, threads: stats.threads, workerTasks: stats.workerTasks, shared: stats.shared,
      crossOriginIsolated: self.crossOriginIsolated, backend: sn.backend(), imgPerSec: images / seconds });
  } catch (err) {
    post({ type: 'error', message: String(err && err.stack || err) });
  }
};
