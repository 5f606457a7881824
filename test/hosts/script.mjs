// The one script every host runs (test/hosts/hosts.test.ts): load the kernels, build and fit a small CNN
// for a few steps, save and load it in memory, decode a JPEG and a PNG from bytes, predict. Plain-SIMD
// kernels and one thread, so every host must give the same bits; the result is compared across hosts.
// Hosts hand in `wasm` where the default (the file beside the module) does not apply.

const PHOTO_JPEG = '/9j/4AAQSkZJRgABAQAAAQABAAD/2wCEAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSgBBwcHCggKEwoKEygaFhooKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKP/AABEIAAoADAMBEQACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/AOA8N+AldAzx4UdTis8CqWIpOvXdord/1+C3b0RzZTn7TSTO7tPA0QgXNsozyNzAH8qyqYnAQfvUkk9VzTjFteln1v1Z+lYTPZOmveO18ORRm1h+RPvjt7GvMwiTy6jf+df+kyP5xyiUuffod5ZxRmNiY0PzkcgVmoxqVarmrvnkteydl9y0XkfpOFnJUo6n/9k=';

function fromBase64(s) {
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** FNV-1a over the bytes of float32 arrays: equal digests, equal bits. */
function digest(arrays) {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export async function run(sn, { wasm } = {}) {
  const t0 = Date.now();
  await sn.ready({ flavour: 'simd', ...(wasm ? { wasm } : {}) });
  const n = 16, h = 8, w = 8, c = 3, classes = 3;
  let s = 12345;
  const x = new Float32Array(n * h * w * c).map(() => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / 16777216);
  const labels = Array.from({ length: n }, (_, i) => i % classes);
  const xs = sn.tensor(x, [n, h, w, c]), ys = sn.utils.toCategorical(labels, classes);

  const model = sn.sequential({ seed: 7 });
  model.add(sn.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [h, w, c] }));
  model.add(sn.layers.maxPooling2d({ poolSize: 2 }));
  model.add(sn.layers.flatten());
  model.add(sn.layers.dense({ units: classes, activation: 'softmax' }));
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.1, momentum: 0.9 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(xs, ys, { batchSize: 8, epochs: 3, seed: 0, verbose: 0, threads: 1 });

  const { modelJson, weights } = await model.toArtifacts();
  const loaded = await sn.loadModel({ modelJson: JSON.stringify(modelJson), weights });
  const p1 = await model.predict(xs, { threads: 1 }), p2 = await loaded.predict(xs, { threads: 1 });

  const jpeg = sn.io.decodeImage(fromBase64(PHOTO_JPEG));
  const photo = sn.io.imageToTensor(jpeg, { size: [h, w], channels: 3 });
  // the bytes straight to a tensor (resized from the decoder's pixels): the same tensor
  if (digest([sn.io.imageToTensor(fromBase64(PHOTO_JPEG), { size: [h, w], channels: 3 }).data]) !== digest([photo.data])) {
    throw new Error('imageToTensor(bytes) differs from imageToTensor(decodeImage(bytes))');
  }
  const pPhoto = await loaded.predict(photo, { threads: 1 });
  return {
    backend: sn.backend(),
    loss: history.history.loss,
    weights: digest(model.getWeights().map((t) => t.data)),
    loadedWeights: digest(loaded.getWeights().map((t) => t.data)),
    predictions: digest([p1.data]),
    loadedPredictions: digest([p2.data]),
    firstPrediction: Array.from(p1.data.slice(0, classes)),
    jpeg: [jpeg.width, jpeg.height, jpeg.channels, digest([Float32Array.from(jpeg.data)])],
    photo: digest([photo.data]),
    photoPrediction: Array.from(pPhoto.data),
    weightsBytes: weights.byteLength,
    ms: Date.now() - t0,
  };
}
