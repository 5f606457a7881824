// Models from anywhere: in memory ({ modelJson, weights }), from a URL (a server on 127.0.0.1, weights in
// shards beside model.json), from a folder; model.toArtifacts() is exactly what model.save writes.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';

let model: sn.Sequential;
let x: sn.Tensor;
let expected: number[];
let server: Server;
let base = '';
const files = new Map<string, Uint8Array | string>();

beforeAll(async () => {
  model = sn.sequential({ seed: 5 });
  model.add(sn.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1] }));
  model.add(sn.layers.flatten());
  model.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  x = sn.tensor(Float32Array.from({ length: 2 * 36 }, (_, i) => (i % 7) / 7), [2, 6, 6, 1]);
  expected = Array.from((await model.predict(x)).data);
  // the model served as tfjs would shard it: two weight files in a sub-folder, paths relative to model.json
  const { modelJson, weights } = await model.toArtifacts();
  const half = 64;
  const json = { ...modelJson, weightsManifest: [{ ...(modelJson.weightsManifest as { weights: unknown }[])[0], paths: ['w/part1.bin', 'w/part2.bin'] }] };
  files.set('/m/model.json', JSON.stringify(json));
  files.set('/m/w/part1.bin', weights.slice(0, half));
  files.set('/m/w/part2.bin', weights.slice(half));
  server = createServer((req, res) => {
    const body = files.get(req.url ?? '');
    if (body === undefined) res.writeHead(404, 'Not Found').end();
    else res.writeHead(200).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => { server?.close(); });

const predictions = async (m: sn.Sequential) => Array.from((await m.predict(x)).data);

describe('loadModel from anywhere', () => {
  it('from memory: model.json as an object or text, weights as bytes or an ArrayBuffer; compiled from its training config', async () => {
    const { modelJson, weights } = await model.toArtifacts();
    for (const m of [await sn.loadModel({ modelJson, weights }),
      await sn.loadModel({ modelJson: JSON.stringify(modelJson), weights: weights.slice().buffer })]) {
      expect(await predictions(m)).toEqual(expected);
      expect(m.loss).toBe('categoricalCrossentropy');
    }
  });

  it('from a URL, weights relative to model.json; a folder URL means its model.json', async () => {
    expect(await predictions(await sn.loadModel(`${base}/m/model.json`))).toEqual(expected);
    expect(await predictions(await sn.loadModel(new URL(`${base}/m/`)))).toEqual(expected);
    expect(await predictions(await sn.loadModel(`${base}/m`))).toEqual(expected);
  });

  it('toArtifacts is what save writes to a folder', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'simdnet-artifacts-')), 'model');
    await model.save(dir);
    const { modelJson, weights } = await model.toArtifacts();
    expect(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'))).toEqual(modelJson);
    expect(new Uint8Array(readFileSync(join(dir, 'weights.bin')))).toEqual(weights);
    expect(await predictions(await sn.loadModel(dir))).toEqual(expected);
  });

  it('says what is wrong', async () => {
    await expect(sn.loadModel(`${base}/nothing/model.json`)).rejects.toThrow(`loadModel: model.json ${base}/nothing/model.json: HTTP 404 Not Found`);
    files.set('/bad/model.json', JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['gone.bin'], weights: [] }] }));
    await expect(sn.loadModel(`${base}/bad/model.json`)).rejects.toThrow(`loadModel: ${base}/bad/model.json: weights file ${base}/bad/gone.bin: HTTP 404 Not Found`);
    await expect(sn.loadModel({ modelJson: '{not json', weights: new Uint8Array(0) })).rejects.toThrow(/^loadModel: model.json is not valid JSON/);
    await expect(sn.loadModel({ modelJson: {} } as never)).rejects.toThrow("loadModel: an object source needs { modelJson, weights } (model.json and weights.bin's bytes)");
    await expect(sn.loadModel({ modelJson: { modelTopology: {}, weightsManifest: [] }, weights: 'x' as never })).rejects.toThrow(/weights must be an ArrayBuffer or a Uint8Array/);
    await expect(sn.loadModel('indexeddb://faces')).rejects.toThrow('loadModel: indexeddb:// needs a browser (this host has no IndexedDB)');
    await expect(model.save('indexeddb://faces')).rejects.toThrow('save: indexeddb:// needs a browser (this host has no IndexedDB)');
    await expect(model.save('downloads://faces')).rejects.toThrow('save: downloads:// needs a browser page (this host has no document); use model.toArtifacts()');
  });
});

describe('imageToTensor', () => {
  it('is the folder loader\'s preprocessing: same pixels as loadImageFolder for the same photo', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'simdnet-image-'));
    mkdirSync(join(dir, 'A'));
    const rng = new sn.Random(2);
    const grey = sn.renderFace(sn.makePerson(rng, 0), sn.makeShot(rng), rng, 96, 72);
    const pgm = new Uint8Array([...new TextEncoder().encode('P5\n96 72\n255\n'), ...grey]);
    writeFileSync(join(dir, 'A', '1.pgm'), pgm);
    for (const channels of [1, 3] as const) {
      const folder = await sn.data.loadImageFolder(dir, { size: [42, 40], channels });
      const t = sn.io.imageToTensor(sn.io.decodeImage(pgm), { size: [42, 40], channels });
      expect(t.shape).toEqual([1, 42, 40, channels]);
      expect(t.data).toEqual(folder.x.data);
    }
    const two = sn.io.imageToTensor([sn.io.decodeImage(pgm), sn.io.decodeImage(pgm)]);
    expect(two.shape).toEqual([2, 42, 42, 3]);
    expect(() => sn.io.imageToTensor(sn.io.decodeImage(pgm), { size: [0, 4] })).toThrow('imageToTensor: size must be [height, width] of positive integers, got [0,4]');
  });
});
