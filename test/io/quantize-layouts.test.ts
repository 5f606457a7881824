// Quantized weights as tensorflowjs_converter lays them out, not only as simdnet writes them: several manifest groups,
// each in several shard files, uint8 / uint16 / float16 weights beside float32 ones (so a float32 weight starts at an
// odd byte), quantized optimizer state (the update count as uint8, Adam's moments as float16, uint16, uint8). Read synchronously before the
// kernels load (sn.io.modelFromMemory: this file loads no kernels before it), then from memory and from a folder
// with the kernels loaded: each gives exactly what tf.io.decodeWeights gives.
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { quantize } from '../../src/io/quantize.js';
import { runtimeLoaded } from '../../src/runtime/wasm.js';
import { tempFolders } from './temp-folders.js';

const { freshDir, remove } = tempFolders('simdnet-quantize-layouts-');
beforeAll(async () => { await tf.setBackend('cpu'); });
afterAll(() => remove());

type Entry = tf.io.WeightsManifestEntry;
const xs = tf.tensor2d([[0.1, 0.5, -0.3], [0.9, -0.2, 0.4], [-0.5, 0.3, 0.8], [0.2, 0.2, -0.9]]);
const ys = tf.oneHot(tf.tensor1d([0, 1, 1, 0], 'int32'), 2);

/**
 * A tfjs model trained a little with Adam (its state: iter, then each weight's m, then each one's v), its entries stored
 * by `store` (one quantized type per entry, or float32), split into two manifest groups, the first in two shards.
 */
async function converterLayout(store: (e: Entry, i: number) => 'float32' | 'float16' | 'uint8' | 'uint16') {
  const t = tf.sequential();
  t.add(tf.layers.dense({ units: 5, activation: 'tanh', inputShape: [3], name: 'a' })); // kernel 15 values: odd
  t.add(tf.layers.dense({ units: 2, activation: 'softmax', name: 'b' }));
  t.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  await t.fit(xs, ys, { epochs: 3, batchSize: 2, shuffle: false, verbose: 0 });
  let art: tf.io.ModelArtifacts | null = null;
  await t.save(tf.io.withSaveHandler(async (a) => { art = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }), { includeOptimizer: true });
  const a = art! as tf.io.ModelArtifacts;
  const decoded = tf.io.decodeWeights(a.weightData as ArrayBuffer, a.weightSpecs!);
  const specs: Entry[] = [], parts: Uint8Array[] = [];
  a.weightSpecs!.forEach((spec, i) => {
    const values = decoded[spec.name].dataSync();
    const type = store(spec, i);
    if (type === 'float32') {
      specs.push(spec);
      parts.push(new Uint8Array(spec.dtype === 'int32' ? Int32Array.from(values).buffer : Float32Array.from(values).buffer));
      return;
    }
    const q = quantize(Float32Array.from(values), type, spec.name, 'test');
    specs.push({ ...spec, quantization: q.quantization as Entry['quantization'] });
    parts.push(q.bytes);
  });
  const bytes = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  const starts: number[] = [];
  parts.reduce((at, p) => { starts.push(at); bytes.set(p, at); return at + p.length; }, 0);
  Object.values(decoded).forEach((v) => v.dispose());
  // group 1: the first four entries (a's kernel and bias, b's kernel and bias), in two shards cut at byte 7
  const cut = starts[4];
  const group1 = bytes.subarray(0, cut), group2 = bytes.subarray(cut);
  const manifest = [
    { paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: specs.slice(0, 4) },
    { paths: ['group2-shard1of1.bin'], weights: specs.slice(4) },
  ];
  const modelJson = { format: 'layers-model', modelTopology: a.modelTopology, trainingConfig: a.trainingConfig, weightsManifest: manifest };
  const shards: [string, Uint8Array][] = [['group1-shard1of2.bin', group1.subarray(0, 7)], ['group1-shard2of2.bin', group1.subarray(7)], ['group2-shard1of1.bin', group2]];
  return { t, modelJson, bytes, specs, starts, shards };
}

/** The float32 bytes of every entry as tfjs decodes them (weights, then the optimizer state as float32/int32). */
function tfjsValues(bytes: Uint8Array, specs: Entry[]): Map<string, number[]> {
  const d = tf.io.decodeWeights(bytes.slice().buffer, specs);
  const out = new Map(specs.map((s) => [s.name, Array.from(d[s.name].dataSync())]));
  Object.values(d).forEach((v) => v.dispose());
  return out;
}

/** A loaded model's weights and state, by the manifest names, from its own float32 save. */
async function loadedValues(m: sn.Sequential, specs: Entry[]): Promise<Map<string, number[]>> {
  const { modelJson, weights } = await m.toArtifacts({ includeOptimizer: true });
  const own = (modelJson.weightsManifest as { weights: Entry[] }[])[0].weights;
  const d = tf.io.decodeWeights(weights.slice().buffer, own);
  // simdnet's names for the same entries: the weights by layer/name, the state by tfjs' names
  const out = new Map<string, number[]>();
  specs.forEach((s, i) => { out.set(s.name, Array.from(d[own[i].name].dataSync())); });
  Object.values(d).forEach((v) => v.dispose());
  return out;
}

describe("the converter's layout, quantized", () => {
  // the weights: kernels uint8 (a's 15 bytes put its float32 bias at an odd byte), b's kernel float16, biases float32;
  // the state (iter, then m and v per weight): iter as uint8, a's kernel's m float16, b's bias's m uint16, b's kernel's v
  // uint8, the rest float32
  const TYPES = ['uint8', 'float32', 'float16', 'float32', 'uint8', 'float16', 'float32', 'float32', 'uint16', 'float32', 'float32', 'uint8', 'float32'] as const;
  const store = (_e: Entry, i: number) => TYPES[i];

  it('reads before the kernels load (modelFromMemory), the state included, as tf.io.decodeWeights does', async () => {
    const { t, modelJson, bytes, specs, starts } = await converterLayout(store);
    expect(specs.map((s) => s.quantization?.dtype ?? s.dtype)).toEqual(TYPES.map((d, i) => (d === 'float32' && i === 4 ? 'int32' : d)));
    expect(specs[4]).toMatchObject({ name: 'iter', dtype: 'int32', group: 'optimizer' });
    expect(starts[1], 'a/bias, float32, starts at an odd byte').toBe(15);
    expect(runtimeLoaded()).toBe(false);
    const m = sn.io.modelFromMemory({ modelJson, weights: bytes });
    expect(runtimeLoaded()).toBe(false);
    expect(m.optimizer!.iterations).toBe(6);
    const want = tfjsValues(bytes, specs);
    const got = await loadedValues(m, specs); // loads the kernels: the pending weights and state go in place
    for (const s of specs) expect(got.get(s.name), s.name).toEqual(want.get(s.name));
    m.dispose(); t.dispose();
  });

  it('reads from a folder of the groups\' shard files and from memory with the kernels loaded, as tfjs decodes them', async () => {
    await sn.ready();
    const { t, modelJson, bytes, specs, shards } = await converterLayout(store);
    const dir = freshDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
    for (const [name, b] of shards) fs.writeFileSync(path.join(dir, name), b);
    const want = tfjsValues(bytes, specs);
    for (const m of [await sn.loadModel(dir), sn.io.modelFromMemory({ modelJson, weights: bytes })]) {
      expect(m.optimizer!.iterations).toBe(6);
      const got = await loadedValues(m, specs);
      for (const s of specs) expect(got.get(s.name), s.name).toEqual(want.get(s.name));
      m.dispose();
    }
    t.dispose();
  });
});
