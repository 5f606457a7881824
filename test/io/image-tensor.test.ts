// imageToTensor on a file's bytes: the same tensor as from decodeImage's image, for every decoder path (the
// kernels' baseline JPEG, whose pixels it resizes in place without a copy; jpeg-js' progressive files;
// EXIF-turned JPEGs; PNG; PGM) — and decodeImage's own images stay the caller's, never a view of the
// kernels' memory that a later decode would overwrite.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { decodeJpegFast } from '../../src/io/jpeg.js';
import { runtime } from '../../src/runtime/wasm.js';
import { greyRows, pngOf, withExifOrientation } from './image-bytes.js';

await sn.ready();

const dir = new URL('./fixtures/jpeg/', import.meta.url);
// (arithmetic coding: neither decoder reads it)
const jpegs = readdirSync(dir).filter((f) => f.endsWith('.jpg') && !f.includes('arithmetic')).sort()
  .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(new URL(f, dir))) }));
const colour = jpegs.find((f) => f.name === '33x65-s2x2.jpg')!;

const files: { name: string; bytes: Uint8Array }[] = [
  ...jpegs,
  ...[3, 6, 8].map((o) => ({ name: `33x65-s2x2.jpg turned (EXIF ${o})`, bytes: withExifOrientation(colour.bytes, o, o === 6) })),
  { name: 'grey PNG', bytes: pngOf({ width: 30, height: 20 }, greyRows(30, 20, 0x5a)) },
  { name: 'PGM', bytes: new Uint8Array([...new TextEncoder().encode('P5\n7 5\n255\n'), ...Array.from({ length: 35 }, (_, i) => (i * 29) & 255)]) },
];

describe('imageToTensor(bytes)', () => {
  it('gives the tensor of decodeImage\'s image, for every decoder, channel count and size', () => {
    let fast = 0, cases = 0;
    for (const { name, bytes } of files) {
      const img = sn.io.decodeImage(bytes, name);
      if (decodeJpegFast(bytes)) fast++; // the kernels decode it: imageToTensor resizes their memory's pixels
      for (const channels of [1, 3] as const) {
        for (const size of [[42, 42], [img.height, img.width], [9, 5]] as [number, number][]) {
          const want = sn.io.imageToTensor(img, { size, channels });
          const got = sn.io.imageToTensor(bytes, { size, channels });
          expect(got.shape, name).toEqual(want.shape);
          expect(got.data, `${name}, ${channels} channels, ${size}`).toEqual(want.data);
          cases++;
        }
      }
    }
    expect(fast).toBeGreaterThan(40); // all but the progressive fixtures take the kernels' path
    expect(cases).toBe(files.length * 6);
    // a list mixing images and bytes
    const both = sn.io.imageToTensor([sn.io.decodeImage(colour.bytes), colour.bytes]);
    expect(both.shape).toEqual([2, 42, 42, 3]);
    expect(both.data.subarray(42 * 42 * 3)).toEqual(both.data.subarray(0, 42 * 42 * 3));
  });

  it('names bad bytes, and which of a list they are', () => {
    const junk = new Uint8Array([1, 2, 3, 4]);
    expect(() => sn.io.imageToTensor(junk)).toThrow('imageToTensor: <bytes>: unsupported image format (first bytes: 01 02 03 04)');
    expect(() => sn.io.imageToTensor([colour.bytes, junk])).toThrow('imageToTensor: image 1 (bytes): unsupported image format');
    expect(() => sn.io.imageToTensor(new Uint8Array(0))).toThrow('imageToTensor: <bytes>: empty file (0 bytes)');
    expect(() => sn.io.imageToTensor(junk, { name: 'upload.jpg' })).toThrow('imageToTensor: upload.jpg: unsupported image format');
    expect(() => sn.io.imageToTensor([junk], { name: 'upload' })).toThrow('imageToTensor: upload: unsupported image format');
    expect(() => sn.io.imageToTensor([colour.bytes, junk], { name: 'upload' })).toThrow('imageToTensor: upload 1 (bytes): unsupported');
  });
});

describe('decodeImage', () => {
  it('returns pixels of its own: not a view of the kernels\' memory, unchanged by later decodes', () => {
    const a = jpegs.find((f) => f.name === '97x40-optimized.jpg')!, b = jpegs.find((f) => f.name === '97x40-q100.jpg')!;
    const first = sn.io.decodeImage(a.bytes);
    const kept = first.data.slice();
    expect(first.data.buffer === runtime().memory.buffer).toBe(false);
    const second = sn.io.decodeImage(b.bytes);
    expect(second.data).not.toEqual(kept);
    expect(first.data).toEqual(kept);
  });
});
