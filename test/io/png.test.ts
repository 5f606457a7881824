// simdnet's PNG reader (src/io/png.ts, for every host) against pngjs, which decodeImage used before: every
// colour type and bit depth PNG allows, Adam7 interlacing, all five filters, palettes and tRNS, with and
// without skipRescale; and the writer read back by pngjs.
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { readPng, writePng } from '../../src/io/png.js';

const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

function crc32(b: Uint8Array): number {
  let c = -1;
  for (const x of b) { c ^= x; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; }
  return (c ^ -1) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/** A PNG with random samples, a random filter per row (applied for real) and optional Adam7, palette, tRNS. */
function makePng(w: number, h: number, colorType: number, depth: number, interlace: boolean, seed: number, trns: boolean): Uint8Array {
  let s = seed;
  const rnd = (n: number) => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return (s >>> 8) % n; };
  const spp = SAMPLES[colorType], max = 2 ** depth - 1, paletteSize = Math.min(max + 1, 7);
  const bpp = Math.max(1, (spp * depth) >> 3);
  const passes = interlace ? ADAM7.map(([x0, y0, dx, dy]) => [Math.ceil((w - x0) / dx), Math.ceil((h - y0) / dy)]).filter(([a, b]) => a > 0 && b > 0) : [[w, h]];
  const rows: number[] = [];
  let firstSample: number[] = [];
  for (const [pw, ph] of passes) {
    const rb = Math.ceil((pw * spp * depth) / 8);
    let prev = new Uint8Array(rb);
    for (let y = 0; y < ph; y++) {
      const line = new Uint8Array(rb);
      let bit = 0;
      for (let x = 0; x < pw; x++) {
        for (let c = 0; c < spp; c++) {
          const v = colorType === 3 ? rnd(paletteSize) : rnd(max + 1);
          if (firstSample.length < spp) firstSample.push(v);
          if (depth === 16) { line[bit >> 3] = v >> 8; line[(bit >> 3) + 1] = v & 255; } else if (depth === 8) line[bit >> 3] = v;
          else line[bit >> 3] |= v << (8 - depth - (bit & 7));
          bit += depth;
        }
      }
      const f = rnd(5);
      const out = new Uint8Array(rb);
      for (let i = 0; i < rb; i++) {
        const a = i >= bpp ? line[i - bpp] : 0, b = y > 0 ? prev[i] : 0, c = i >= bpp && y > 0 ? prev[i - bpp] : 0;
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
        out[i] = (line[i] - pred) & 255;
      }
      rows.push(f, ...out);
      prev = line;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4);
  ihdr[8] = depth; ihdr[9] = colorType; ihdr[12] = interlace ? 1 : 0;
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (colorType === 3) {
    parts.push(chunk('PLTE', Uint8Array.from({ length: paletteSize * 3 }, () => rnd(256))));
    if (trns) parts.push(chunk('tRNS', Uint8Array.from({ length: paletteSize - 1 }, () => rnd(256))));
  } else if (trns && (colorType === 0 || colorType === 2)) {
    // the first pixel's colour is the transparent one, so some pixels match
    const t = Buffer.alloc(colorType === 0 ? 2 : 6);
    firstSample.forEach((v, i) => t.writeUInt16BE(v, 2 * i));
    parts.push(chunk('tRNS', t));
  }
  parts.push(chunk('tEXt', Buffer.from('Comment\0ancillary chunks are skipped')));
  const z = deflateSync(Uint8Array.from(rows));
  const cut = Math.floor(z.length / 2); // two IDAT chunks
  parts.push(chunk('IDAT', z.subarray(0, cut)), chunk('IDAT', z.subarray(cut)), chunk('IEND', new Uint8Array(0)));
  return new Uint8Array(Buffer.concat(parts));
}

describe('PNG reader', () => {
  it('gives pngjs\' pixels for every colour type, depth, interlace, filter and tRNS', () => {
    let cases = 0;
    for (const [ct, depths] of Object.entries(DEPTHS)) {
      for (const depth of depths) {
        for (const interlace of [false, true]) {
          for (const trns of [false, true]) {
            for (const [w, h] of [[1, 1], [3, 5], [9, 7], [17, 12]]) {
              const bytes = makePng(w, h, Number(ct), depth, interlace, cases + 1, trns);
              for (const skipRescale of [false, true]) {
                const ours = readPng(bytes, { skipRescale });
                const theirs = PNG.sync.read(Buffer.from(bytes), { skipRescale });
                const what = `type ${ct} depth ${depth} ${interlace ? 'Adam7' : ''} ${trns ? 'tRNS' : ''} ${w}x${h} skipRescale ${skipRescale}`;
                expect([ours.width, ours.height, ours.colorType], what).toEqual([theirs.width, theirs.height, (theirs as unknown as { colorType: number }).colorType]);
                expect(ours.data.constructor, what).toBe(theirs.data instanceof Uint16Array ? Uint16Array : Uint8Array);
                expect(Array.from(ours.data), what).toEqual(Array.from(theirs.data as unknown as ArrayLike<number>));
              }
              cases++;
            }
          }
        }
      }
    }
    expect(cases).toBe(240);
  });

  it('says what is wrong with a file it cannot read', () => {
    const good = makePng(4, 4, 2, 8, false, 3, false);
    expect(() => readPng(good.subarray(0, 40))).toThrow('truncated PNG: the data ends early (40 bytes)');
    const badCrc = good.slice();
    badCrc[30] ^= 1;
    expect(() => readPng(badCrc)).toThrow('corrupt PNG: chunk IHDR at byte 8 fails its CRC check');
    expect(() => readPng(new Uint8Array(8))).toThrow('not a PNG file (no PNG signature)');
  });

  it('writes RGBA PNGs that pngjs reads back', () => {
    const rgba = Uint8Array.from({ length: 5 * 3 * 4 }, (_, i) => (i * 37) & 255);
    const back = PNG.sync.read(Buffer.from(writePng(rgba, 5, 3)));
    expect([back.width, back.height]).toEqual([5, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(rgba));
  });
});
