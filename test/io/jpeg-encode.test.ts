// The kernels' baseline JPEG encoder (assembly/jpeg.ts, src/io/jpeg-encode.ts) against jpeg-js' encode(),
// which it must equal byte for byte: every quality, sizes that are and are not multiples of 8, grey / RGB /
// RGBA input, smooth pictures and noise (large coefficients, runs of 16 zeros, 0xFF bytes to stuff, a scan
// larger than the first buffer), the lab's face photos; and clear errors for bad arguments.
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { facePhotos } from '../../src/data/synthetic-faces.js';
import { decodeImage } from '../../src/io/images.js';
import { encodeJpeg } from '../../src/io/jpeg-encode.js';
import type { Image } from '../../src/io/resize.js';
import { Random } from '../../src/random.js';
import { initRuntime, runtime } from '../../src/runtime/wasm.js';

beforeAll(async () => { await initRuntime(); });

/** jpeg-js' file for an image (it takes RGBA only: grey and RGB are spread to it). */
function reference(img: Image, quality: number): Uint8Array {
  const { width, height, channels, data } = img;
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) rgba[4 * i + c] = data[i * channels + (channels === 1 ? 0 : c)];
    rgba[4 * i + 3] = channels === 4 ? data[4 * i + 3] : 255;
  }
  return new Uint8Array(jpeg.encode({ data: rgba, width, height }, quality).data);
}

function picture(kind: 'noise' | 'smooth' | 'edges', width: number, height: number, channels: 1 | 3 | 4, rng: Random): Image {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        data[(y * width + x) * channels + c] = kind === 'noise' ? Math.floor(rng.next() * 256)
          : kind === 'smooth' ? 128 + 100 * Math.sin(x / (5 + c) + y / 9)
            : ((x >> 2) + (y >> 3) + c) % 2 ? 255 : 0;
      }
    }
  }
  return { width, height, channels, data };
}

const QUALITIES = [1, 10, 49, 50, 51, 75, 90, 100];
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

describe('encodeJpeg', () => {
  it("gives jpeg-js' bytes for every quality, size, channel count and kind of picture", () => {
    const rng = new Random(7);
    const sizes = [[1, 1], [8, 8], [9, 7], [17, 33], [64, 3], [100, 75]];
    let cases = 0;
    for (const [w, h] of sizes) {
      for (const channels of [1, 3, 4] as const) {
        for (const kind of ['noise', 'smooth', 'edges'] as const) {
          const img = picture(kind, w, h, channels, rng);
          // two of the qualities per picture, in turn (jpeg-js takes ≈ 40 ms a call, whatever the size)
          for (const quality of [QUALITIES[cases / 2 % 8], QUALITIES[(cases / 2 + 3) % 8]]) {
            const got = encodeJpeg(img, quality);
            if (!same(got, reference(img, quality))) throw new Error(`differs from jpeg-js: ${kind} ${w}x${h}x${channels}, quality ${quality}`);
            cases++;
          }
        }
      }
    }
    expect(cases).toBe(6 * 3 * 3 * 2);
  });

  it('grows its buffer for scans larger than its first guess (noise at quality 100), and gives the memory back', () => {
    const img = picture('noise', 384, 286, 3, new Random(3));
    const used = runtime().arena.usedBytes;
    const got = encodeJpeg(img, 100);
    expect(got.length).toBeGreaterThan(2 * 384 * 286); // well past the first buffer (one byte a pixel)
    expect(same(got, reference(img, 100))).toBe(true);
    expect(runtime().arena.usedBytes).toBe(used);
  });

  it("writes the lab's face photos as jpeg-js did, and decodeImage reads them back", () => {
    for (const { image } of facePhotos({ perPerson: 2, people: [0, 5, 15] })) {
      const got = encodeJpeg(image, 90);
      expect(same(got, reference(image, 90))).toBe(true);
      const back = decodeImage(got, 'face', { channels: 1 });
      expect([back.width, back.height]).toEqual([image.width, image.height]);
      let err = 0;
      for (let i = 0; i < image.data.length; i++) err = Math.max(err, Math.abs(back.data[i] - image.data[i]));
      expect(err).toBeLessThan(40); // lossy, but the same picture
    }
  });

  it('names the argument that is wrong', () => {
    const ok: Image = { width: 2, height: 2, channels: 3, data: new Uint8Array(12) };
    expect(() => encodeJpeg({ ...ok, width: 0 })).toThrow('encodeJpeg: width and height must be integers in 1..65535, got 0 x 2');
    expect(() => encodeJpeg({ ...ok, channels: 2 as 3 })).toThrow('encodeJpeg: channels must be 1, 3 or 4, got 2');
    expect(() => encodeJpeg({ ...ok, data: new Uint8Array(11) })).toThrow('encodeJpeg: data must be a Uint8Array of 2 x 2 x 3 bytes, got 11');
    expect(() => encodeJpeg(ok, 0)).toThrow('encodeJpeg: quality must be an integer in 1..100, got 0');
    expect(() => encodeJpeg(ok, 90.5)).toThrow('encodeJpeg: quality must be an integer in 1..100, got 90.5');
  });
});
