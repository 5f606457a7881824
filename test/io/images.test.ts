import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Random } from '../../src/random.js';
import { decodeImage, readImage, resize, toFloat, type Image } from '../../src/io/images.js';
import { concatBytes, greyRows, pngChunk, pngOf, withExifOrientation, withJpegSize } from './image-bytes.js';

const ascii = (s: string) => new TextEncoder().encode(s);
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** A smooth RGB test card, (h, w, 3): JPEG keeps it nearly intact at quality 100. */
function rgbCard(w: number, h: number): Uint8Array {
  const d = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const p = 3 * (y * w + x);
    d[p] = Math.round((255 * x) / (w - 1));
    d[p + 1] = Math.round((255 * y) / (h - 1));
    d[p + 2] = 128;
  }
  return d;
}

function encodeJpeg(rgb: Uint8Array, w: number, h: number): Uint8Array {
  const rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    rgba.set(rgb.subarray(3 * i, 3 * i + 3), 4 * i);
    rgba[4 * i + 3] = 255;
  }
  return new Uint8Array(jpeg.encode({ width: w, height: h, data: rgba }, 100).data);
}

/** colorType 0 grey (1 channel in), 2 RGB (3 in), 6 RGBA (4 in); bitDepth 16 takes a Uint16Array. */
function encodePng(data: Uint8Array | Uint16Array, w: number, h: number, colorType: 0 | 2 | 6, bitDepth: 8 | 16 = 8): Uint8Array {
  const png = new PNG({ width: w, height: h });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: colorType === 6, bitDepth }));
}

describe('decodeImage: formats', () => {
  it('JPEG: round trip at quality 100 within a few levels', () => {
    const w = 24, h = 16, rgb = rgbCard(w, h);
    const img = decodeImage(encodeJpeg(rgb, w, h), 'card.jpg');
    expect([img.width, img.height, img.channels]).toEqual([w, h, 3]);
    expect(img.data).toBeInstanceOf(Uint8Array);
    expect(maxAbsDiff(img.data, rgb)).toBeLessThanOrEqual(6);
  });

  it('JPEG: channels 1 gives luminance', () => {
    const w = 24, h = 16, rgb = rgbCard(w, h);
    const img = decodeImage(encodeJpeg(rgb, w, h), 'card.jpg', { channels: 1 });
    expect([img.width, img.height, img.channels]).toEqual([w, h, 1]);
    const lum = Array.from({ length: w * h }, (_, i) => 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]);
    expect(maxAbsDiff(img.data, lum)).toBeLessThanOrEqual(6);
  });

  it('JPEG: EXIF orientation is applied, as cv2.imread does', () => {
    // 3x2 blocks of 8x8 flat greys: survives JPEG nearly intact and tells every orientation apart.
    const w = 24, h = 16, levels = [0, 50, 100, 150, 200, 250];
    const rgb = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.fill(levels[3 * (y >> 3) + (x >> 3)], 3 * (y * w + x), 3 * (y * w + x) + 3);
    const plain = encodeJpeg(rgb, w, h);
    // Source pixel of output pixel (x, y) for each orientation, from the EXIF spec's table.
    const source: Record<number, (x: number, y: number) => [number, number]> = {
      1: (x, y) => [x, y], 2: (x, y) => [w - 1 - x, y], 3: (x, y) => [w - 1 - x, h - 1 - y], 4: (x, y) => [x, h - 1 - y],
      5: (x, y) => [y, x], 6: (x, y) => [y, h - 1 - x], 7: (x, y) => [w - 1 - y, h - 1 - x], 8: (x, y) => [w - 1 - y, x],
    };
    for (let o = 1; o <= 8; o++) {
      for (const little of [false, true]) {
        const img = decodeImage(withExifOrientation(plain, o, little), `o${o}.jpg`);
        const [ow, oh] = o >= 5 ? [h, w] : [w, h];
        expect([img.width, img.height], `orientation ${o}`).toEqual([ow, oh]);
        const expected = new Uint8Array(ow * oh * 3);
        for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) {
          const [sx, sy] = source[o](x, y);
          expected.set(rgb.subarray(3 * (sy * w + sx), 3 * (sy * w + sx) + 3), 3 * (y * ow + x));
        }
        expect(maxAbsDiff(img.data, expected), `orientation ${o}`).toBeLessThanOrEqual(4);
      }
    }
  });

  it('PNG grey: decoded exactly, replicated to 3 channels by default', () => {
    const grey = Uint8Array.from([0, 1, 2, 127, 128, 200, 254, 255]);
    const bytes = encodePng(grey, 4, 2, 0);
    const rgb = decodeImage(bytes, 'g.png');
    expect([rgb.width, rgb.height, rgb.channels]).toEqual([4, 2, 3]);
    expect(Array.from(rgb.data)).toEqual(Array.from(grey).flatMap((v) => [v, v, v]));
    const one = decodeImage(bytes, 'g.png', { channels: 1 });
    expect(one.channels).toBe(1);
    expect(Array.from(one.data)).toEqual(Array.from(grey));
  });

  it('PNG RGB: decoded exactly, in RGB order', () => {
    const rgb = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 200, 30, 1, 2, 3, 250, 251, 252]);
    const img = decodeImage(encodePng(rgb, 3, 2, 2), 'c.png');
    expect([img.width, img.height, img.channels]).toEqual([3, 2, 3]);
    expect(Array.from(img.data)).toEqual(Array.from(rgb));
    // cv2.cvtColor(BGR2GRAY) of these pixels (checked with OpenCV 4.6.0: [10, 200, 30] -> 124).
    const grey = decodeImage(encodePng(rgb, 3, 2, 2), 'c.png', { channels: 1 });
    expect(Array.from(grey.data)).toEqual([76, 150, 29, 124, 2, 251]);
  });

  it('PNG RGBA: alpha is dropped, not composited', () => {
    const rgba = Uint8Array.from([255, 0, 0, 0, 0, 255, 0, 128, 0, 0, 255, 255, 9, 8, 7, 1]);
    const img = decodeImage(encodePng(rgba, 2, 2, 6), 'a.png');
    expect(img.channels).toBe(3);
    expect(Array.from(img.data)).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 8, 7]);
  });

  it('PNG 16-bit: keeps the high byte, like OpenCV (png_set_strip_16)', () => {
    const grey16 = Uint16Array.from([0x1280, 0x12ff, 0xff7f, 0x0000]);
    const img = decodeImage(encodePng(grey16, 2, 2, 0, 16), 'g16.png', { channels: 1 });
    expect(Array.from(img.data)).toEqual([0x12, 0x12, 0xff, 0]);
  });

  it('PGM P5 8-bit', () => {
    const pixels = Uint8Array.from([0, 1, 2, 3, 100, 101, 254, 255, 7, 8, 9, 10]);
    const img = decodeImage(concatBytes(ascii('P5\n4 3\n255\n'), pixels), 'a.pgm', { channels: 1 });
    expect([img.width, img.height, img.channels]).toEqual([4, 3, 1]);
    expect(Array.from(img.data)).toEqual(Array.from(pixels));
  });

  it('PGM P5 16-bit big-endian: value >> 8, as OpenCV reads it (checked with OpenCV 4.6.0)', () => {
    const bytes = concatBytes(ascii('P5 3 1 65535\n'), Uint8Array.from([0x12, 0x34, 0xff, 0xff, 0x00, 0xff]));
    expect(Array.from(decodeImage(bytes, 'a16.pgm', { channels: 1 }).data)).toEqual([0x12, 0xff, 0x00]);
    // maxval is not used to rescale: a 10-bit image comes out dark, as in OpenCV.
    const tenBit = concatBytes(ascii('P5\n2 1\n1023\n'), Uint8Array.from([0x03, 0xff, 0x02, 0x80]));
    expect(Array.from(decodeImage(tenBit, 'a10.pgm', { channels: 1 }).data)).toEqual([3, 2]);
  });

  it('PGM P2 ASCII with comments in the header and the data', () => {
    const text = 'P2\n# made by hand\n3 # width\n2\n# maxval next\n255\n0 17 255 # end of row 1\n\t128\r\n64   32\n';
    const img = decodeImage(ascii(text), 'a.pgm', { channels: 1 });
    expect([img.width, img.height]).toEqual([3, 2]);
    expect(Array.from(img.data)).toEqual([0, 17, 255, 128, 64, 32]);
  });

  it('PGM maxval < 255: P2 stretched to floor(v * 255 / maxval), P5 kept as is, as OpenCV does', () => {
    expect(Array.from(decodeImage(ascii('P2\n3 1\n15\n0 7 15\n'), 'p2.pgm', { channels: 1 }).data)).toEqual([0, 119, 255]);
    expect(Array.from(decodeImage(concatBytes(ascii('P5\n3 1\n15\n'), Uint8Array.from([0, 7, 15])), 'p5.pgm', { channels: 1 }).data))
      .toEqual([0, 7, 15]);
  });

  it('PGM P2 16-bit and values above maxval (clamped)', () => {
    expect(Array.from(decodeImage(ascii('P2\n3 1\n65535\n4660 65535 300\n'), 'a.pgm', { channels: 1 }).data)).toEqual([18, 255, 1]);
    expect(Array.from(decodeImage(ascii('P2\n2 1\n100\n50 400\n'), 'a.pgm', { channels: 1 }).data)).toEqual([127, 255]);
  });

  it('grey sources become 3 identical channels by default (OpenCV IMREAD_COLOR)', () => {
    const img = decodeImage(concatBytes(ascii('P5\n2 1\n255\n'), Uint8Array.from([9, 200])), 'a.pgm');
    expect(img.channels).toBe(3);
    expect(Array.from(img.data)).toEqual([9, 9, 9, 200, 200, 200]);
  });
});

describe('decodeImage / readImage: errors name the file and the reason', () => {
  const pgmHeader = ascii('P5\n92 112\n255\n');
  let dir = '';
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'simdnet-images-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('unsupported format: lists what is supported and shows the first bytes', () => {
    const gif = ascii('GIF89a\x01\x00\x01\x00');
    expect(() => decodeImage(gif, 'x.gif')).toThrow(
      'decodeImage: x.gif: unsupported image format (first bytes: 47 49 46 38 39 61 01 00); supported: JPEG, PNG, PGM (P2, P5)');
    expect(() => decodeImage(ascii('P6\n1 1\n255\nabc'), 'c.ppm')).toThrow(
      'decodeImage: c.ppm: Netpbm P6 PPM (binary colour) is not supported; supported: JPEG, PNG, PGM (P2, P5)');
  });

  it('empty file', () => {
    expect(() => decodeImage(new Uint8Array(0))).toThrow('decodeImage: <bytes>: empty file (0 bytes)');
  });

  it('truncated P5 data', () => {
    const bytes = concatBytes(pgmHeader, new Uint8Array(5000));
    expect(() => decodeImage(bytes, 'faces/A/0003.pgm')).toThrow(
      'decodeImage: faces/A/0003.pgm: truncated P5 data: expected 10304 bytes of pixels, found 5000');
    const sixteen = concatBytes(ascii('P5\n2 2\n65535\n'), new Uint8Array(7));
    expect(() => decodeImage(sixteen, 'b.pgm')).toThrow('b.pgm: truncated P5 data: expected 8 bytes of pixels, found 7');
  });

  it('truncated and bad PGM headers, truncated P2 data', () => {
    expect(() => decodeImage(ascii('P5\n92 '), 'h.pgm')).toThrow('decodeImage: h.pgm: truncated P5 header: the file ends before height');
    expect(() => decodeImage(ascii('P5\n92 x 255\n'), 'h.pgm')).toThrow("decodeImage: h.pgm: bad P5 header: expected a number for height at byte 6, found 'x'");
    expect(() => decodeImage(ascii('P5\n0 4\n255\n'), 'h.pgm')).toThrow('decodeImage: h.pgm: bad P5 header: size must be positive, got 0x4');
    expect(() => decodeImage(ascii('P5\n1 1\n70000\n\0'), 'h.pgm')).toThrow('decodeImage: h.pgm: bad P5 header: maxval must be 1..65535, got 70000');
    expect(() => decodeImage(ascii('P2\n2 2\n255\n1 2 3'), 'p.pgm')).toThrow('decodeImage: p.pgm: truncated P2 data: expected 4 values, found 3');
    expect(() => decodeImage(ascii('P2\n2 1\n255\n1 -2'), 'p.pgm')).toThrow("decodeImage: p.pgm: bad P2 data: expected a number for pixel 1 at byte 13, found '-'");
  });

  it('truncated and corrupt JPEG', () => {
    const bytes = encodeJpeg(rgbCard(24, 16), 24, 16);
    expect(() => decodeImage(bytes.subarray(0, 400), 'cut.jpg')).toThrow(/^decodeImage: cut\.jpg: truncated JPEG: no end-of-image marker \(ff d9\) in 400 bytes/);
    const corrupt = Uint8Array.from(bytes);
    corrupt.fill(0xff, 200, 260);
    expect(() => decodeImage(corrupt, 'bad.jpg')).toThrow(/^decodeImage: bad\.jpg: corrupt JPEG: /);
  });

  it('truncated and corrupt PNG', () => {
    const bytes = encodePng(rgbCard(8, 8), 8, 8, 2);
    expect(() => decodeImage(bytes.subarray(0, 60), 'cut.png')).toThrow('decodeImage: cut.png: truncated PNG: the data ends early (60 bytes)');
    const corrupt = Uint8Array.from(bytes);
    corrupt[45] ^= 0xff;
    expect(() => decodeImage(corrupt, 'bad.png')).toThrow(/^decodeImage: bad\.png: corrupt PNG: /);
  });

  it('bad options', () => {
    expect(() => decodeImage(ascii('P2 1 1 255 0'), 'a.pgm', { channels: 4 as 3 })).toThrow('decodeImage: channels must be 1 or 3, got 4');
  });

  it('readImage: reads a file; ENOENT, directories and decode errors say so', async () => {
    const good = join(dir, 'ok.pgm');
    await writeFile(good, concatBytes(ascii('P5\n2 1\n255\n'), Uint8Array.from([3, 4])));
    const img = await readImage(good);
    expect([img.width, img.height, img.channels]).toEqual([2, 1, 3]);
    expect(Array.from(img.data)).toEqual([3, 3, 3, 4, 4, 4]);

    await expect(readImage('faces/x.jpg')).rejects.toThrow(/^readImage: no such file faces\/x\.jpg$/);
    await expect(readImage(dir)).rejects.toThrow(`readImage: ${dir}: is a directory, not an image file`);
    const cut = join(dir, '0003.pgm');
    await writeFile(cut, concatBytes(pgmHeader, new Uint8Array(5000)));
    await expect(readImage(cut)).rejects.toThrow(`readImage: ${cut}: truncated P5 data: expected 10304 bytes of pixels, found 5000`);
    const empty = join(dir, 'empty.png');
    await writeFile(empty, new Uint8Array(0));
    await expect(readImage(empty)).rejects.toThrow(`readImage: ${empty}: empty file (0 bytes)`);
  });
});

describe('decodeImage: size limits from the header, truncated PNG data', () => {
  const LIMIT = /the limit is 100 megapixels/;

  it('a PNG decompression bomb (138 bytes declaring 20000x20000) is refused from its header, at once', () => {
    const bomb = pngOf({ width: 20000, height: 20000 }, greyRows(20000, 2, 0));
    expect(bomb.length).toBeLessThan(200);
    const t0 = performance.now();
    expect(() => decodeImage(bomb, 'bomb.png')).toThrow(
      'decodeImage: bomb.png: PNG of 20000x20000 pixels (400.0 megapixels) is too large to decode: the limit is 100 megapixels');
    expect(performance.now() - t0).toBeLessThan(500);
    // just over the limit, and under the pixel limit but over the memory limit (16-bit RGBA)
    expect(() => decodeImage(pngOf({ width: 10001, height: 10000 }, greyRows(10, 1)), 'big.png')).toThrow(LIMIT);
    expect(() => decodeImage(pngOf({ width: 9000, height: 9000, depth: 16, colorType: 6 }, greyRows(10, 1)), 'deep.png'))
      .toThrow(/^decodeImage: deep\.png: PNG of 9000x9000 pixels needs about \d+ MB to decode: the limit is 1024 MB$/);
  });

  it('PGM and JPEG headers declaring too many pixels are refused the same way, before any pixel is read', () => {
    expect(() => decodeImage(ascii('P5\n20000 20000\n255\n\0\0'), 'bomb.pgm')).toThrow(
      'decodeImage: bomb.pgm: PGM of 20000x20000 pixels (400.0 megapixels) is too large to decode: the limit is 100 megapixels');
    expect(() => decodeImage(ascii('P2\n20000 20000\n255\n1 2 3'), 'bomb2.pgm')).toThrow(/bomb2\.pgm: PGM of 20000x20000 pixels .*100 megapixels/);
    const jpegBomb = withJpegSize(encodeJpeg(rgbCard(16, 16), 16, 16), 20000, 20000);
    expect(() => decodeImage(jpegBomb, 'bomb.jpg')).toThrow(
      'decodeImage: bomb.jpg: JPEG of 20000x20000 pixels (400.0 megapixels) is too large to decode: the limit is 100 megapixels');
  });

  it('a small JPEG declaring a large frame within the limits is refused before jpeg-js allocates it', () => {
    const card = encodeJpeg(rgbCard(16, 16), 16, 16);
    const t0 = performance.now();
    expect(() => decodeImage(withJpegSize(card, 9000, 9000), 'big.jpg')).toThrow(
      `decodeImage: big.jpg: corrupt or truncated JPEG: ${card.length} bytes cannot hold a 9000x9000 frame (at least one bit per 8x8 block: 158204 bytes)`);
    expect(performance.now() - t0).toBeLessThan(500); // jpeg-js took 24 s and 2.4 GB to fail on it
    expect(decodeImage(withJpegSize(card, 16, 8), 'smaller.jpg').height).toBe(8); // a smaller frame than coded still decodes
  });

  it('a PNG short of rows (a complete zlib stream of 5 of 10 rows) is an error naming the file, every time', () => {
    const short = pngOf({ width: 100, height: 10 }, greyRows(100, 5));
    for (let i = 0; i < 20; i++) {
      expect(() => decodeImage(short, 'short.png')).toThrow(
        'decodeImage: short.png: truncated PNG: the image data holds 5 of 10 rows (505 of 1010 bytes once inflated)');
    }
    // a zlib stream cut short inside an IDAT chunk whose length and CRC say it is whole
    const full = greyRows(100, 10, 0x31).map((v, i) => (i % 101 ? (v + i) & 255 : 0));
    const cut = concatBytes(pngOf({ width: 100, height: 10 }, new Uint8Array(0)).subarray(0, 33),
      pngChunk('IDAT', deflateSync(full).subarray(0, 20)), pngChunk('IEND', new Uint8Array(0)));
    expect(() => decodeImage(cut, 'cut.png')).toThrow(/^decodeImage: cut\.png: truncated PNG: the image data holds \d of 10 rows/);
    // interlaced: the seven passes need more than one pass's worth
    expect(() => decodeImage(pngOf({ width: 16, height: 16, interlace: 1 }, greyRows(2, 2)), 'adam7.png'))
      .toThrow(/^decodeImage: adam7\.png: truncated PNG: the image data holds 6 of \d+ bytes once inflated \(interlaced\)$/);
    // the same files, whole, decode; interlaced: pass p's pixels hold 10 p (Adam7's 7 passes over 13x11)
    expect(decodeImage(pngOf({ width: 100, height: 10 }, greyRows(100, 10)), 'whole.png').height).toBe(10);
    const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
    const w = 13, h = 11;
    const scanlines = concatBytes(...passes.map(([x0, y0, dx, dy], p) => {
      const pw = Math.ceil((w - x0) / dx), ph = Math.ceil((h - y0) / dy);
      return pw > 0 && ph > 0 ? greyRows(pw, ph, 10 * (p + 1)) : new Uint8Array(0);
    }));
    const adam7 = decodeImage(pngOf({ width: w, height: h, interlace: 1 }, scanlines), 'adam7.png', { channels: 1 });
    expect(Array.from(adam7.data.subarray(0, 8))).toEqual([10, 60, 40, 60, 20, 60, 40, 60]);
    expect(adam7.data[w]).toBe(70); // row 1 is pass 7's
  });

  it('a PNG chunk cut short, a bad CRC, a missing IHDR or IDAT say which', () => {
    const good = pngOf({ width: 4, height: 4 }, greyRows(4, 4));
    expect(() => decodeImage(good.subarray(0, 40), 'cut.png')).toThrow(
      'decodeImage: cut.png: truncated PNG: the data ends early (40 bytes)');
    const badCrc = Uint8Array.from(good);
    badCrc[30] ^= 1; // inside IHDR's CRC
    expect(() => decodeImage(badCrc, 'crc.png')).toThrow('decodeImage: crc.png: corrupt PNG: chunk IHDR at byte 8 fails its CRC check');
    const noIhdr = concatBytes(good.subarray(0, 8), good.subarray(33));
    expect(() => decodeImage(noIhdr, 'noihdr.png')).toThrow('decodeImage: noihdr.png: corrupt PNG: the first chunk is IDAT, not IHDR');
    const noIdat = concatBytes(good.subarray(0, 33), pngChunk('IEND', new Uint8Array(0)));
    expect(() => decodeImage(noIdat, 'noidat.png')).toThrow('decodeImage: noidat.png: corrupt PNG: no image data (IDAT chunk)');
    expect(() => decodeImage(pngOf({ width: 4, height: 4, depth: 7, colorType: 2 }, greyRows(4, 4)), 'depth.png'))
      .toThrow('decodeImage: depth.png: corrupt PNG: bit depth 7 is not valid for colour type 2 (valid: 8, 16)');
    expect(() => decodeImage(pngOf({ width: 0, height: 4 }, greyRows(4, 4)), 'zero.png'))
      .toThrow('decodeImage: zero.png: corrupt PNG: size must be positive, got 0x4');
  });
});

interface ResizeCase {
  name: string;
  src: { width: number; height: number; channels: 1 | 3 | 4; data: number[] };
  dst: { width: number; height: number };
  expected: number[];
}
const fixtures = JSON.parse(readFileSync(new URL('./fixtures/resize.json', import.meta.url), 'utf8')) as { opencv: string | null; cases: ResizeCase[] };
const imageOf = (c: ResizeCase['src']): Image => ({ width: c.width, height: c.height, channels: c.channels, data: Uint8Array.from(c.data) });

describe('resize: cv2.resize INTER_LINEAR, byte for byte', () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const out = resize(imageOf(c.src), c.dst.width, c.dst.height);
    expect([out.width, out.height, out.channels]).toEqual([c.dst.width, c.dst.height, c.src.channels]);
    expect(Array.from(out.data)).toEqual(c.expected);
  });

  it('gives the same bytes whatever was resized before (the kept plans and sums buffer carry nothing over)', async () => {
    // geometries that share a source or a destination width or height (the plans are kept per geometry), in a
    // random order, each resized by a fresh copy of the module (nothing kept yet) and by this one after all the
    // others; and more of them than resize keeps
    const rng = new Random(17);
    const side = () => 1 + Math.floor(rng.next() * 12);
    const cases = Array.from({ length: 60 }, (_, i) => {
      const [sw, sh, dw, dh] = i % 3 === 0 ? [7, side(), 5, side()] : i % 3 === 1 ? [side(), 9, side(), 4] : [side() * 3, side() * 2, side(), side()];
      const channels = ([1, 3, 4] as const)[i % 3];
      const src: Image = { width: sw, height: sh, channels, data: Uint8Array.from({ length: sw * sh * channels }, () => Math.floor(rng.next() * 256)) };
      return { src, dw, dh };
    });
    const fresh = async (c: (typeof cases)[number]) => {
      vi.resetModules();
      const { resize: freshResize } = await import('../../src/io/resize.js');
      return Array.from(freshResize(c.src, c.dw, c.dh).data);
    };
    const expected = [];
    for (const c of cases) expected.push(await fresh(c));
    const big: Image = { width: 300, height: 200, channels: 3, data: Uint8Array.from({ length: 300 * 200 * 3 }, (_, i) => (i * 37) % 251) };
    for (let i = cases.length - 1; i >= 0; i--) {
      resize(big, 90 + (i % 7), 70); // fills the sums buffer with other values
      expect(Array.from(resize(cases[i].src, cases[i].dw, cases[i].dh).data)).toEqual(expected[i]);
    }
  });

  it('hand-computed: 4x4 -> 2x2 averages each 2x2 block, rounding half up', () => {
    const src: Image = { width: 4, height: 4, channels: 1, data: Uint8Array.from([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 255]) };
    // (0+10+40+50+2)>>2, (20+30+60+70+2)>>2, (80+90+120+130+2)>>2, (100+110+140+255+2)>>2
    expect(Array.from(resize(src, 2, 2).data)).toEqual([25, 45, 105, 151]);
  });

  it('hand-computed: 2x2 -> 4x4 upscaling with clamped edges', () => {
    // x (and y) source positions: -0.25, 0.25, 0.75, 1.25 -> weights of pixel 0 (of 2048):
    // 2048 (clamped), 1536, 512, 0 (clamped to pixel 1).
    const src: Image = { width: 2, height: 2, channels: 1, data: Uint8Array.from([0, 64, 128, 255]) };
    const out = Array.from(resize(src, 4, 4).data);
    expect(out.slice(0, 4)).toEqual([0, 16, 48, 64]); // row 0 is source row 0 only
    // row 1 = 0.75 * row 0 + 0.25 * row 1: 0.25 * 128 = 32; 0.75 * 16 + 0.25 * 159.75 = 51.94 -> 52
    expect(out.slice(4, 6)).toEqual([32, 52]);
    expect(out.slice(12, 16)).toEqual([128, 160, 223, 255]); // last row is source row 1 only
  });

  it('a constant image stays constant, up or down', () => {
    const flat: Image = { width: 5, height: 3, channels: 3, data: new Uint8Array(45).fill(77) };
    for (const [w, h] of [[11, 7], [2, 2], [1, 1], [5, 9]]) {
      expect(resize(flat, w, h).data.every((v) => v === 77)).toBe(true);
    }
  });

  it('same size returns a copy', () => {
    const src: Image = { width: 2, height: 1, channels: 1, data: Uint8Array.from([1, 2]) };
    const out = resize(src, 2, 1);
    expect(Array.from(out.data)).toEqual([1, 2]);
    expect(out.data).not.toBe(src.data);
  });

  it('validates its arguments', () => {
    const src: Image = { width: 2, height: 1, channels: 1, data: Uint8Array.from([1, 2]) };
    expect(() => resize(src, 0, 4)).toThrow('resize: width must be a positive integer, got 0');
    expect(() => resize(src, 4, 2.5)).toThrow('resize: height must be a positive integer, got 2.5');
    expect(() => resize(src, NaN, 4)).toThrow('resize: width must be a positive integer, got NaN');
    expect(() => resize({ ...src, data: new Uint8Array(3) }, 4, 4)).toThrow('resize: img.data must be a Uint8Array of 2*1*1 = 2 bytes, got 3');
    expect(() => resize({ ...src, channels: 2 as 1 }, 4, 4)).toThrow('resize: img.channels must be 1, 3 or 4, got 2');
  });
});

describe('toFloat', () => {
  it('scales by 1/255 in HWC order, rounded like float32(v) / 255', () => {
    const img: Image = { width: 2, height: 1, channels: 3, data: Uint8Array.from([0, 1, 2, 128, 254, 255]) };
    const f = toFloat(img);
    expect(f).toBeInstanceOf(Float32Array);
    expect(Array.from(f)).toEqual([0, 1, 2, 128, 254, 255].map((v) => Math.fround(v / 255)));
    expect(f[5]).toBe(1);
  });
});

const ORL = fileURLToPath(new URL('../../../shared/data/orl_faces/', import.meta.url));
const haveOrl = existsSync(join(ORL, 's1', '1.pgm'));
if (!haveOrl) console.log(`images.test: ${ORL} not found, skipping the real ORL face test`);

describe('real data', () => {
  it.skipIf(!haveOrl)('reads an ORL face (PGM P5, 92x112) and resizes it to the lab input 42x42x3', async () => {
    const img = await readImage(join(ORL, 's1', '1.pgm'));
    expect([img.width, img.height, img.channels]).toEqual([92, 112, 3]);
    for (let i = 0; i < img.data.length; i += 3) {
      if (img.data[i] !== img.data[i + 1] || img.data[i] !== img.data[i + 2]) throw new Error(`pixel ${i / 3} is not grey`);
    }
    const small = resize(img, 42, 42);
    expect([small.width, small.height, small.channels, small.data.length]).toEqual([42, 42, 3, 42 * 42 * 3]);
    const x = toFloat(small);
    expect(x.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});
