// The kernels' baseline JPEG decoder (assembly/jpeg.ts, src/io/jpeg.ts) against jpeg-js, which it must equal
// byte for byte: on libjpeg-turbo's variants (scripts/jpeg-fixtures.mjs), on the lab's face photos, and on
// thousands of damaged files, where it must either give jpeg-js' pixels or hand the file to jpeg-js.
import { readdirSync, readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { facePhotos } from '../../src/data/synthetic-faces.js';
import { decodeImage } from '../../src/io/images.js';
import { decodeJpegFast, type DecodedJpeg } from '../../src/io/jpeg.js';
import { Random } from '../../src/random.js';
import { Arena } from '../../src/runtime/arena.js';
import { createRuntime, initRuntime, runtime } from '../../src/runtime/wasm.js';

const FIXTURES = new URL('./fixtures/jpeg/', import.meta.url);
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.jpg')).sort()
  .map((name) => ({ name, bytes: new Uint8Array(readFileSync(new URL(name, FIXTURES))) }));
/** What the kernels leave to jpeg-js. */
const SLOW = /progressive|arithmetic/;

/** jpeg-js as images.ts calls it; the error message if it throws. */
function reference(bytes: Uint8Array): DecodedJpeg | string {
  try {
    return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: 100, maxMemoryUsageInMB: 1024 });
  } catch (e) {
    return (e as Error).message;
  }
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** The lab's face photos as the CLI writes them (jpeg-js' encoder, quality 90, 384x286). */
function facePhotoJpegs(people: number[]): Uint8Array[] {
  return [...facePhotos({ perPerson: 1, people })].map(({ image: { width, height, data } }) => {
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < data.length; i++) { rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = data[i]; rgba[4 * i + 3] = 255; }
    return new Uint8Array(jpeg.encode({ data: rgba, width, height }, 90).data);
  });
}

/**
 * A grey baseline JPEG of one row of 8x8 blocks, block i holding only the DC coefficient values[i] (no AC:
 * an end of block right after it), dequantized by q. DC categories have 4-bit codes, the end of block '0'.
 */
function dcOnlyJpeg(values: number[], q: number): Uint8Array {
  const out: number[] = [0xff, 0xd8];
  const segment = (marker: number, body: number[]) => out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body);
  segment(0xdb, [0, q, ...new Array(63).fill(1)]);
  const width = 8 * values.length;
  segment(0xc0, [8, 0, 8, width >> 8, width & 255, 1, 1, 0x11, 0]);
  segment(0xc4, [0x00, 0, 0, 0, 12, ...new Array(12).fill(0), ...Array.from({ length: 12 }, (_, s) => s)]);
  segment(0xc4, [0x10, 1, ...new Array(15).fill(0), 0]);
  segment(0xda, [1, 1, 0x00, 0, 63, 0]);
  let acc = 0, bits = 0;
  const put = (v: number, len: number) => {
    for (let b = len - 1; b >= 0; b--) {
      acc = (acc << 1) | ((v >> b) & 1);
      if (++bits === 8) { out.push(acc); if (acc === 0xff) out.push(0); acc = 0; bits = 0; }
    }
  };
  let pred = 0;
  for (const v of values) {
    const diff = v - pred, size = diff === 0 ? 0 : 32 - Math.clz32(Math.abs(diff));
    pred = v;
    put(size, 4);
    if (size) put(diff < 0 ? diff + (1 << size) - 1 : diff, size);
    put(0, 1); // end of block
  }
  if (bits) put(0x7f, 8 - bits); // pad with ones
  out.push(0xff, 0xd9);
  return Uint8Array.from(out);
}

beforeAll(async () => { await initRuntime(); });

describe('baseline JPEG in the kernels', () => {
  it(`has ${fixtures.length} fixtures from scripts/jpeg-fixtures.mjs`, () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(50);
  });

  it('decodes every baseline fixture to exactly jpeg-js\' pixels, and leaves progressive and arithmetic to jpeg-js', () => {
    let fast = 0;
    for (const { name, bytes } of fixtures) {
      const got = decodeJpegFast(bytes);
      if (SLOW.test(name)) {
        expect(got, name).toBeNull();
        continue;
      }
      expect(got, `${name} should take the fast path`).not.toBeNull();
      const want = reference(bytes);
      if (typeof want === 'string') throw new Error(`jpeg-js cannot decode ${name}: ${want}`);
      expect([got!.width, got!.height], name).toEqual([want.width, want.height]);
      expect(firstDifference(got!.data, want.data), `${name}: first differing byte`).toBe(-1);
      fast++;
    }
    expect(fast).toBe(fixtures.filter((f) => !SLOW.test(f.name)).length);
  });

  it('decodes the lab\'s face photos (jpeg-js\' encoder, 384x286) to jpeg-js\' pixels', () => {
    let n = 0;
    for (const bytes of facePhotoJpegs([0, 5, 11])) {
      const got = decodeJpegFast(bytes), want = reference(bytes) as DecodedJpeg;
      expect(got).not.toBeNull();
      expect(firstDifference(got!.data, want.data)).toBe(-1);
      n++;
    }
    expect(n).toBe(3);
  });

  it('decodes blocks without AC coefficients (the kernels\' shortcut) at every DC value and quantizer to jpeg-js\' pixels', () => {
    // grey 8x8 blocks, each only a DC coefficient, running through -2047..2047 (all an 8-bit JPEG holds),
    // dequantized by several DC quantizers (their products overflow the IDCT's i32 at 255, as jpeg-js' do)
    let n = 0;
    for (const q of [1, 2, 3, 5, 7, 13, 64, 255]) {
      const values = Array.from({ length: 4095 }, (_, i) => i - 2047);
      const bytes = dcOnlyJpeg(values, q);
      const got = decodeJpegFast(bytes), want = reference(bytes);
      if (typeof want === 'string') throw new Error(`jpeg-js cannot decode the DC-only file (q ${q}): ${want}`);
      expect(got, `q ${q}`).not.toBeNull();
      expect(got!.width).toBe(8 * values.length);
      expect(firstDifference(got!.data, want.data), `q ${q}: first differing byte`).toBe(-1);
      n++;
    }
    expect(n).toBe(8);
  });

  it('on damaged files gives jpeg-js\' pixels or hands the file to jpeg-js — never other pixels', () => {
    const rng = new Random(7);
    const sources = fixtures.filter((f) => !SLOW.test(f.name) && f.bytes.length > 300);
    let fast = 0, handed = 0;
    for (let trial = 0; trial < 2000; trial++) {
      const src = sources[trial % sources.length].bytes;
      const bytes = src.slice();
      const kind = trial % 4;
      if (kind === 0) bytes[Math.floor(rng.next() * bytes.length)] ^= 1 << Math.floor(rng.next() * 8); // a flipped bit
      else if (kind === 1) bytes[Math.floor(rng.next() * bytes.length)] = 0xff; // a stray 0xFF
      else if (kind === 2) for (let i = 0; i < 4; i++) bytes[Math.floor(rng.next() * bytes.length)] = Math.floor(rng.next() * 256);
      const data = kind === 3 ? bytes.subarray(0, Math.floor(rng.next() * bytes.length)) : bytes; // truncated
      const got = decodeJpegFast(data);
      if (!got) { handed++; continue; }
      const want = reference(data);
      if (typeof want === 'string') throw new Error(`trial ${trial}: the kernels decoded a file jpeg-js refuses (${want})`);
      expect([got.width, got.height]).toEqual([want.width, want.height]);
      expect(firstDifference(got.data, want.data), `trial ${trial}`).toBe(-1);
      expect(got.exifBuffer === undefined).toBe(want.exifBuffer === undefined);
      fast++;
    }
    // both outcomes occur: the property is exercised, not vacuous
    expect(fast).toBeGreaterThan(200);
    expect(handed).toBeGreaterThan(200);
  });

  it('keeps the EXIF block jpeg-js keeps, so photos come out upright the same way', () => {
    const { bytes } = fixtures.find((f) => f.name === '33x65-s2x2.jpg')!;
    // APP1 'Exif\0\0' + a little-endian TIFF header with IFD0 holding orientation 6 (rotate 90° clockwise)
    const tiff = [0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
    const payload = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00, ...tiff];
    const app1 = [0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff, ...payload];
    const withExif = new Uint8Array([0xff, 0xd8, ...app1, ...bytes.subarray(2)]);
    const got = decodeJpegFast(withExif)!, want = reference(withExif) as DecodedJpeg;
    expect(got).not.toBeNull();
    expect(Array.from(got.exifBuffer!)).toEqual(Array.from(want.exifBuffer!));
    const upright = decodeImage(withExif);
    expect([upright.width, upright.height]).toEqual([65, 33]); // turned: the orientation was applied
  });

  it('decodes on a memory that is not shared and grows during the decode (Cloudflare Workers, plain pages)', async () => {
    const rt = await createRuntime({ shared: false });
    expect(rt.shared).toBe(false);
    rt.arena.alloc(rt.memory.buffer.byteLength - rt.arena.peakBytes, 'filler up to the end of the memory');
    const [bytes] = facePhotoJpegs([2]); // its planes take more than the page the first allocation grows
    const got = decodeJpegFast(bytes, rt), want = reference(bytes) as DecodedJpeg;
    expect(got).not.toBeNull();
    expect(firstDifference(got!.data, want.data)).toBe(-1);
  });

  it('refuses, as jpeg-js does, a Huffman table that fills its code space (even one the scan never uses)', () => {
    const { bytes } = fixtures.find((f) => f.name === '33x65-s2x2.jpg')!;
    const sos = bytes.findIndex((b, i) => b === 0xff && bytes[i + 1] === 0xda);
    // DC table 3: two codes of length 1 — the second is the all-ones code JPEG reserves
    const dht = [0xff, 0xc4, 0x00, 0x15, 0x03, 0x02, ...new Array(15).fill(0), 0x00, 0x01];
    const withTable = new Uint8Array([...bytes.subarray(0, sos), ...dht, ...bytes.subarray(sos)]);
    expect(reference(withTable)).toBe('Could not recreate Huffman Table');
    expect(decodeJpegFast(withTable)).toBeNull();
    expect(() => decodeImage(withTable)).toThrow(/corrupt JPEG: Could not recreate Huffman Table/);
  });

  it('copies only the scan into the kernels\' memory, not what follows the image (a motion photo\'s video)', () => {
    const [photo] = facePhotoJpegs([4]);
    const motion = new Uint8Array(photo.length + 8 * 2 ** 20);
    motion.set(photo);
    motion.fill(0xab, photo.length);
    decodeJpegFast(photo); // the memory the photo itself needs
    const before = runtime().arena.peakBytes;
    const got = decodeJpegFast(motion)!, want = reference(motion) as DecodedJpeg;
    expect(got).not.toBeNull();
    expect(firstDifference(got.data, want.data)).toBe(-1);
    expect(runtime().arena.peakBytes - before).toBeLessThan(2 ** 20);
  });

  it('hands the file to jpeg-js when the kernels\' memory cannot grow (a browser tab\'s limit)', async () => {
    const rt = await createRuntime({ shared: false });
    const end = rt.memory.buffer.byteLength;
    const tight = { ...rt, arena: new Arena(rt.memory, end, end + 4096) }; // 4 KB left
    const [photo] = facePhotoJpegs([6]);
    expect(decodeJpegFast(photo, tight)).toBeNull();
    expect(decodeJpegFast(photo, rt)).not.toBeNull();
  });

  it('returns the kernels\' memory after each decode', () => {
    const { bytes } = fixtures.find((f) => f.name === '97x40-restart-3-blocks.jpg')!;
    decodeJpegFast(bytes);
    const before = runtime().arena.usedBytes;
    for (let i = 0; i < 5; i++) decodeJpegFast(bytes);
    decodeJpegFast(bytes.subarray(0, bytes.length - 40)); // handed to jpeg-js half-way
    expect(runtime().arena.usedBytes).toBe(before);
  });
});
