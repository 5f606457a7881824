// Keras files on a web host (browsers, Workers: the web host adapter, installed here in Node; its own test
// file because the adapter replaces Node's for the whole process): bytes load through sn.loadModel and
// sn.io writes .h5 bytes; a URL is fetched; a path, with no file system, is refused asking for bytes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '../../src/host/web.js';
import * as sn from '../../src/api.js';
import { readH5 } from '../../src/io/h5/reader.js';

const fixture = (name: string) => new URL(`fixtures/keras/${name}`, import.meta.url);

describe('Keras files on a web host', () => {
  it('loads { h5 } and { keras } bytes, predicts as numpy does, and writes .h5 bytes', async () => {
    await sn.ready({ wasm: new Uint8Array(readFileSync(new URL('../../wasm/simd.wasm', import.meta.url))) });
    for (const [file, source] of [['keras2.2.4-sequential-cnn', 'h5'], ['keras3-functional', 'keras']] as const) {
      const ext = source === 'h5' ? 'h5' : 'keras';
      const model = await sn.loadModel({ [source]: readFileSync(fixture(`${file}.${ext}`)) } as { h5: Uint8Array });
      const [c] = JSON.parse(readFileSync(fixture(`${file}.json`), 'utf8')) as { shape: number[]; x: number[]; y: number[] }[];
      const y = await model.predict(sn.tensor(Float32Array.from(c.x), c.shape));
      c.y.forEach((v, i) => expect(Math.abs(v - y.data[i])).toBeLessThan(1e-5));
      expect(readH5(sn.io.modelToKerasH5(model)).keys()).toEqual(['model_weights']);
    }
  });

  it('fetches a Keras file from a URL; a path without a file system asks for bytes', async () => {
    const bytes = readFileSync(fixture('keras3-sequential.h5'));
    const fetched: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (u: URL) => { fetched.push(String(u)); return new Response(bytes); }) as typeof fetch;
    try {
      const model = await sn.loadModel('https://models.example/keras3-sequential.h5');
      expect(fetched).toEqual(['https://models.example/keras3-sequential.h5']);
      expect(model.layers.map((l) => l.name)).toEqual(['dense_13', 'dropout_2', 'dense_14', 'dense_15']);
    } finally {
      globalThis.fetch = realFetch;
    }
    await expect(sn.loadModel('model.h5')).rejects.toThrow(/this host has no file system; pass the Keras file's bytes: sn\.loadModel\(\{ h5: bytes \}\)/);
  });
});
