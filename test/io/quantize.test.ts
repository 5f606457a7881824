// Quantized weights (tfjs layers-model format, io/quantize.ts): half precision exact at every bit pattern and
// rounding to even at every midpoint; the bytes equal numpy's for the converter's procedure (the committed fixture,
// scripts/quantize-fixtures.py); what simdnet saves loads in TensorFlow.js 4.22 (tf.io.decodeWeights, the oracle
// for the values, and tf.loadLayersModel predicting the same); the errors stay within the format's bounds; bad options
// and files fail naming what is wrong. The converter's own layouts (groups, shards, mixed types, quantized optimizer
// state, a read before the kernels load): test/io/quantize-layouts.test.ts.
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { dequantize, floatToHalf, halfToFloat, quantize, roundHalfEven } from '../../src/io/quantize.js';
import type { QuantizedDtype } from '../../src/engine/save-handlers.js';
import { randomArray } from '../helpers.js';
import { tempFolders } from './temp-folders.js';

const { freshDir, remove } = tempFolders('simdnet-quantize-');
const fixture = JSON.parse(fs.readFileSync(new URL('./fixtures/quantize.json', import.meta.url), 'utf8')) as
  { numpy: string; cases: { name: string; dtype: QuantizedDtype; values: string; stored: string; scale?: number; min?: number }[] };

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});
afterAll(() => remove());

const bytesOf = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));
const f32Of = (b64: string): Float32Array => { const b = bytesOf(b64); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
const bits = new Float32Array(1), bitsU = new Uint32Array(bits.buffer);
const f32FromBits = (u: number): number => { bitsU[0] = u; return bits[0]; };
const bitsOf = (v: number): number => { bits[0] = v; return bitsU[0]; };

/** tfjs' own decoding of one manifest entry's bytes. */
function tfjsDecode(bytes: Uint8Array, spec: tf.io.WeightsManifestEntry): Float32Array {
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return tf.io.decodeWeights(buf, [spec])[spec.name].dataSync() as Float32Array;
}

function model(seed = 4): sn.Sequential {
  const m = sn.sequential({ seed });
  m.add(sn.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', inputShape: [9, 9, 2] }));
  m.add(sn.layers.maxPooling2d({ poolSize: 2 }));
  m.add(sn.layers.flatten());
  m.add(sn.layers.dense({ units: 5, activation: 'tanh', biasInitializer: { name: 'randomUniform', minval: -0.3, maxval: 0.3 } }));
  m.add(sn.layers.dense({ units: 3, activation: 'softmax', biasInitializer: { name: 'randomUniform', minval: 0.1, maxval: 0.4 } }));
  return m;
}
const input = (n: number, seed: number) => sn.tensor(randomArray(n * 162, seed, 0, 1), [n, 9, 9, 2]);

describe('half precision', () => {
  it('every half bit pattern converts to float32 and back to itself, and equals tfjs\' float16 decoding', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const ours = new Float32Array(65536);
    dequantize(new Uint8Array(all.buffer), { dtype: 'float16' }, ours);
    const theirs = tfjsDecode(new Uint8Array(all.buffer), { name: 'h', shape: [65536], dtype: 'float32', quantization: { dtype: 'float16' } });
    let nan = 0;
    for (let h = 0; h < 65536; h++) {
      const v = halfToFloat(h);
      if (Number.isNaN(v)) { nan++; expect(Number.isNaN(theirs[h])).toBe(true); expect(floatToHalf(v) & 0x7e00).toBe(0x7e00); continue; }
      expect(Object.is(ours[h], Math.fround(v)) && Object.is(theirs[h], ours[h]), `half 0x${h.toString(16)}`).toBe(true);
      expect(floatToHalf(v)).toBe(h);
    }
    expect(nan).toBe(2 * 1023);
  });

  it('rounds to nearest, ties to even, at every midpoint between neighbouring halves (and one float32 step either side)', () => {
    for (let h = 0; h < 0x7bff; h++) {
      for (const sign of [0, 0x8000]) {
        const a = halfToFloat(h | sign), b = halfToFloat((h + 1) | sign);
        const mid = (a + b) / 2; // exact in float32: a half has 11 significant bits
        expect(Math.fround(mid)).toBe(mid);
        const even = (h & 1) === 0 ? h : h + 1;
        expect(floatToHalf(mid), `midpoint above 0x${h.toString(16)}`).toBe(even | sign);
        const m = bitsOf(mid); // one float32 step towards a and towards b (magnitudes: the bits order them)
        expect(floatToHalf(f32FromBits(m - 1))).toBe(h | sign);
        expect(floatToHalf(f32FromBits(m + 1))).toBe((h + 1) | sign);
      }
    }
  });

  it('overflows to infinity from 65520 on, flushes below 2^-25 to a signed zero', () => {
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(f32FromBits(bitsOf(65520) - 1))).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00);
    expect(floatToHalf(-1e9)).toBe(0xfc00);
    expect(floatToHalf(Infinity)).toBe(0x7c00);
    expect(floatToHalf(2 ** -25)).toBe(0); // the tie between 0 and the smallest subnormal: to even
    expect(floatToHalf(f32FromBits(bitsOf(2 ** -25) + 1))).toBe(1);
    expect(floatToHalf(-(2 ** -26))).toBe(0x8000);
    expect(floatToHalf(1e-40)).toBe(0); // a float32 subnormal
    expect(floatToHalf(-0)).toBe(0x8000);
  });

  it('rounds half to even like numpy', () => {
    expect([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([-2, -2, -0, 0, 2, 2, 4, 2, 3]);
  });
});

describe('quantize', () => {
  it(`stores the bytes, scale and min numpy computes for the converter's procedure (fixture: numpy ${fixture.numpy})`, () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(15);
    for (const c of fixture.cases) {
      const values = f32Of(c.values);
      const q = quantize(values, c.dtype, c.name, 'test');
      expect(Buffer.from(q.bytes).equals(Buffer.from(bytesOf(c.stored))), `${c.dtype} ${c.name}: stored bytes`).toBe(true);
      if (c.dtype === 'float16') { expect(q.quantization).toEqual({ dtype: 'float16' }); continue; }
      expect(q.quantization, `${c.dtype} ${c.name}`).toEqual({ dtype: c.dtype, scale: c.scale, min: c.min });
    }
  });

  it('dequantizes as tf.io.decodeWeights does, within the format\'s error bounds, and keeps 0 exact', () => {
    const values = randomArray(5000, 11, -0.4, 0.9);
    values[17] = 0;
    for (const dtype of ['float16', 'uint8', 'uint16'] as const) {
      const q = quantize(values, dtype, 'w', 'test');
      const ours = new Float32Array(values.length);
      dequantize(q.bytes, q.quantization, ours);
      const theirs = tfjsDecode(q.bytes, { name: 'w', shape: [values.length], dtype: 'float32', quantization: q.quantization as tf.io.WeightsManifestEntry['quantization'] });
      expect(Buffer.from(ours.buffer).equals(Buffer.from(theirs.buffer, theirs.byteOffset, theirs.byteLength)), dtype).toBe(true);
      expect(ours[17], `${dtype}: 0 is a level`).toBe(0);
      let worst = 0;
      for (let i = 0; i < values.length; i++) {
        const err = Math.abs(ours[i] - values[i]);
        // float16: half an ulp, 2^-11 relative (below 2^-14, half the subnormal step 2^-24)
        worst = Math.max(worst, dtype === 'float16' ? err / Math.max(Math.abs(values[i]), 2 ** -13) : err);
      }
      // affine: half a level, (max - min) / levels / 2 (float32 rounding beside)
      const bound = dtype === 'float16' ? 2 ** -11 : q.quantization.scale! / 2 + 1e-7;
      expect(worst, dtype).toBeLessThanOrEqual(bound);
      expect(worst, `${dtype} uses its bound`).toBeGreaterThan(bound / 4);
    }
  });

  it('refuses a float16 value beyond half precision, naming the weight and where it is', () => {
    const v = new Float32Array([1, -2, 70000, 3]);
    expect(() => quantize(v, 'float16', 'dense/kernel', 'save')).toThrow(
      "save: weight dense/kernel holds 70000 at flat index 2, beyond float16's range (±65504); quantize it to 'uint8' or 'uint16', or keep float32 (nothing was written)");
    expect(quantize(new Float32Array([65504, -65504]), 'float16', 'w', 'save').bytes).toEqual(new Uint8Array([0xff, 0x7b, 0xff, 0xfb]));
  });
});

describe('models with quantized weights', () => {
  it('toArtifacts({ quantize }) halves or quarters the weights; tfjs and simdnet load them to the same values and predictions', async () => {
    const m = model();
    const x = input(4, 9);
    const want = await m.predict(x);
    const full = await m.toArtifacts();
    for (const [dtype, ratio, tol] of [['float16', 2, 2e-3], ['uint16', 2, 2e-4], ['uint8', 4, 3e-2]] as const) {
      const { modelJson, weights } = await m.toArtifacts({ quantize: dtype });
      expect(weights.byteLength, dtype).toBe(full.weights.byteLength / ratio);
      const specs = (modelJson.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[])[0].weights;
      expect(specs.every((s) => s.dtype === 'float32' && s.quantization?.dtype === dtype), dtype).toBe(true);
      const loaded = await sn.loadModel({ modelJson, weights });
      // the values: tfjs' decoding is the oracle, bit for bit
      const decoded = tf.io.decodeWeights(weights.slice().buffer, specs);
      loaded.getWeights().forEach((w, i) => {
        const t = decoded[specs[i].name].dataSync() as Float32Array;
        expect(Buffer.from((w.data as Float32Array).buffer, (w.data as Float32Array).byteOffset, w.size * 4).equals(Buffer.from(t.buffer, t.byteOffset, t.byteLength)), `${dtype} ${specs[i].name}`).toBe(true);
      });
      // the predictions: tf.loadLayersModel's model against simdnet's, and both near the float32 model's
      const tfm = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology as object, weightSpecs: specs, weightData: weights.slice().buffer }));
      const tfy = (tfm.predict(tf.tensor(x.data as Float32Array, [...x.shape])) as tf.Tensor).dataSync() as Float32Array;
      const got = await loaded.predict(x);
      let vsTfjs = 0, vsFull = 0;
      for (let i = 0; i < got.size; i++) {
        vsTfjs = Math.max(vsTfjs, Math.abs(got.data[i] - tfy[i]));
        vsFull = Math.max(vsFull, Math.abs(got.data[i] - want.data[i]));
      }
      expect(vsTfjs, `${dtype}: simdnet vs tfjs`).toBeLessThan(1e-5);
      expect(vsFull, `${dtype}: quantized vs float32`).toBeLessThan(tol);
      expect(vsFull, `${dtype}: quantization changed something`).toBeGreaterThan(0);
      tfm.dispose(); loaded.dispose();
    }
    m.dispose();
  });

  it('save to a folder with quantize writes the smaller file; loadModel reads it as loadModel({ modelJson, weights }) does', async () => {
    const m = model(6);
    for (const dtype of ['float16', 'uint8', 'uint16'] as const) {
      const dir = freshDir();
      await m.save(dir, { quantize: dtype });
      const fromFiles = await sn.loadModel(dir);
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
      const fromMemory = await sn.loadModel({ modelJson: json, weights: new Uint8Array(fs.readFileSync(path.join(dir, 'weights.bin'))) });
      expect(fs.statSync(path.join(dir, 'weights.bin')).size).toBe((m.countParams() * 4) / (dtype === 'uint8' ? 4 : 2));
      // read from the file into the end of each weight's place and dequantized there, front to back
      fromFiles.getWeights().forEach((w, i) => expect(Array.from(w.data), `${dtype} weight ${i}`).toEqual(Array.from(fromMemory.getWeights()[i].data)));
      fromFiles.dispose(); fromMemory.dispose();
    }
    m.dispose();
  });

  it('includeOptimizer with quantize: the weights quantized, the optimizer state stored as float32 and loaded', async () => {
    const m = model(8);
    m.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
    const x = input(8, 3), y = sn.tensor(Float32Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? 1 : 0)), [8, 3]);
    await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, shuffle: false });
    const q = await m.toArtifacts({ quantize: 'uint16', includeOptimizer: true });
    const qWeights = await m.toArtifacts({ quantize: 'uint16' });
    const full = await m.toArtifacts({ includeOptimizer: true }), fullWeights = await m.toArtifacts();
    const specs = (q.modelJson.weightsManifest as { weights: { group?: string; quantization?: unknown }[] }[])[0].weights;
    expect(specs.filter((s) => s.group === 'optimizer').length).toBeGreaterThan(1);
    expect(specs.every((s) => (s.group === 'optimizer') === (s.quantization === undefined))).toBe(true);
    // the state's bytes: those of a float32 save
    expect(q.weights.subarray(qWeights.weights.byteLength)).toEqual(full.weights.subarray(fullWeights.weights.byteLength));
    const a = await sn.loadModel({ modelJson: q.modelJson, weights: q.weights });
    expect(a.optimizer!.iterations).toBe(2);
    const resumed = (await a.toArtifacts({ includeOptimizer: true })).weights;
    expect(resumed.subarray(fullWeights.weights.byteLength)).toEqual(full.weights.subarray(fullWeights.weights.byteLength));
    a.dispose(); m.dispose();
  });

  it('refuses a bad quantize option, a Keras file and an out-of-range float16 weight, writing nothing', async () => {
    const m = model();
    await expect(m.toArtifacts({ quantize: 'int8' as never })).rejects.toThrow(
      "toArtifacts: quantize must be one of 'float16', 'uint8', 'uint16' (or left out for float32), got \"int8\"");
    const dir = freshDir();
    const h5 = path.join(dir, 'm.h5');
    await expect(m.save(h5, { quantize: 'float16' })).rejects.toThrow(`save: ${h5}: quantize ('float16') is a tfjs layers-model option`);
    expect(fs.existsSync(h5)).toBe(false);
    const w = m.getWeights();
    w[0].data[5] = 1e5;
    m.setWeights(w);
    const out = path.join(dir, 'model');
    await expect(m.save(out, { quantize: 'float16' })).rejects.toThrow("weight conv2d/kernel holds 100000 at flat index 5, beyond float16's range");
    expect(fs.existsSync(out)).toBe(false);
    await m.save(out, { quantize: 'uint8' }); // the affine types take any finite range
    expect(fs.existsSync(path.join(out, 'weights.bin'))).toBe(true);
    m.dispose();
  });

  it('loading refuses broken quantization entries, naming the weight', async () => {
    const m = model();
    const { modelJson, weights } = await m.toArtifacts({ quantize: 'uint8' });
    m.dispose();
    const specs = () => (modelJson.weightsManifest as { weights: Record<string, unknown>[] }[])[0].weights;
    const withSpec0 = (q: unknown) => {
      const json = structuredClone(modelJson);
      (json.weightsManifest as { weights: Record<string, unknown>[] }[])[0].weights[0].quantization = q;
      return sn.loadModel({ modelJson: json, weights });
    };
    const name = specs()[0].name as string;
    await expect(withSpec0({ dtype: 'int8', scale: 1, min: 0 })).rejects.toThrow(`weight ${name} has quantization dtype "int8"; simdnet reads float16, uint8, uint16 (as tfjs does)`);
    await expect(withSpec0({ dtype: 'uint8', min: 0 })).rejects.toThrow(`weight ${name} is quantized to uint8 but its quantization scale is undefined; it needs finite numbers scale and min`);
    await expect(withSpec0({ dtype: 'uint16', scale: 'x', min: 0 })).rejects.toThrow('its quantization scale is "x"');
    await expect(withSpec0('uint8')).rejects.toThrow(`weight ${name} has quantization "uint8"; expected an object`);
    // uint16 where the bytes hold uint8: the manifest's byte count names the mismatch
    const size0 = (specs()[0].shape as number[]).reduce((a, b) => a * b, 1);
    await expect(withSpec0({ dtype: 'uint16', scale: 1, min: 0 })).rejects.toThrow(`the weight data holds ${weights.byteLength} bytes but the manifest needs ${weights.byteLength + size0}`);
  });
});
