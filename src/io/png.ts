// PNG decoding in plain TypeScript, for every host (no Buffer, no node:zlib: fflate inflates). The chunks are
// walked first, settling what a decoder must not be trusted with:
// - the size limits, from IHDR, before anything is inflated: a 118-byte file declaring 20000x20000 took
//   pngjs 25 s and 2.7 GB;
// - the amount of image data: pngjs inflated into a buffer of the declared size without checking how much
//   it received, so a short IDAT gave rows of leftover memory (black rows, or garbage read as filter
//   types). The IDAT stream is inflated here once, at most to the declared size, and short data refused;
// - the CRCs of IHDR and IDAT, so a flipped byte is reported as corruption, not as missing rows.
// The pixels are then what pngjs (which decoded them before) gives — RGBA for every colour type, palettes
// expanded, a tRNS colour blanked to 0 in all four channels, samples below 8 bits scaled to 0..255 — so
// decodeImage's results did not change; test/io/png.test.ts checks every colour type, depth and interlace
// against pngjs. 16-bit samples keep their high byte, as OpenCV's png_set_strip_16 does (pngjs would round
// v * 255 / 65535 instead); pixels equal to a tRNS transparent colour come out 0 (pngjs blanks them, libpng
// does not).
import { Unzlib, zlibSync } from 'fflate/browser';
import { checkImageLimits } from './image-limits.js';
import type { Image } from './resize.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Samples per pixel and the bit depths the PNG specification allows, per colour type. */
const COLOUR_TYPES: Record<number, { samples: number; depths: number[] }> = {
  0: { samples: 1, depths: [1, 2, 4, 8, 16] }, 2: { samples: 3, depths: [8, 16] }, 3: { samples: 1, depths: [1, 2, 4, 8] },
  4: { samples: 2, depths: [8, 16] }, 6: { samples: 4, depths: [8, 16] },
};

/** Adam7's passes: x start, y start, x step, y step. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

interface PngLayout {
  width: number; height: number; depth: number; colorType: number; interlaced: boolean;
  /** Every IDAT chunk's data, in order. */
  idat: Uint8Array[];
  /** PLTE's and tRNS' data, where present. */
  plte: Uint8Array | null;
  trns: Uint8Array | null;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** The CRC-32 of PNG chunks (and zlib, gzip). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** A chunk type as its four letters, or as hex if it is not letters. */
function chunkName(b: Uint8Array, o: number): string {
  const type = b.subarray(o, o + 4);
  return type.every((c) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))
    ? String.fromCharCode(...type) : `0x${Array.from(type, (c) => c.toString(16).padStart(2, '0')).join('')}`;
}

function truncated(bytes: Uint8Array, fail: (reason: string) => Error): Error {
  return fail(`truncated PNG: the data ends early (${bytes.length} bytes)`);
}

/** IHDR's fields and the IDAT chunks, with IHDR's and every IDAT's CRC checked. */
function readChunks(bytes: Uint8Array, fail: (reason: string) => Error): PngLayout {
  const corrupt = (reason: string) => fail(`corrupt PNG: ${reason}`);
  let layout: PngLayout | null = null;
  for (let pos = 8; pos < bytes.length;) {
    if (pos + 12 > bytes.length) throw truncated(bytes, fail);
    const length = u32(bytes, pos), name = chunkName(bytes, pos + 4);
    if (length > bytes.length - pos - 12) throw truncated(bytes, fail);
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    if (!layout && name !== 'IHDR') throw corrupt(`the first chunk is ${name}, not IHDR`);
    if ((name === 'IHDR' || name === 'IDAT') && crc32(bytes.subarray(pos + 4, pos + 8 + length)) !== u32(bytes, pos + 8 + length)) {
      throw corrupt(`chunk ${name} at byte ${pos} fails its CRC check`);
    }
    if (name === 'IHDR') {
      if (layout) throw corrupt(`a second IHDR chunk at byte ${pos}`);
      if (length !== 13) throw corrupt(`IHDR holds ${length} bytes, not 13`);
      layout = readHeader(data, corrupt);
    } else if (name === 'IDAT') {
      layout!.idat.push(data);
    } else if (name === 'PLTE') {
      layout!.plte = data;
    } else if (name === 'tRNS') {
      layout!.trns = data;
    } else if (name === 'IEND') {
      break;
    }
    pos += 12 + length;
  }
  if (!layout) throw truncated(bytes, fail);
  if (layout.idat.every((d) => d.length === 0)) throw corrupt('no image data (IDAT chunk)');
  return layout;
}

function readHeader(d: Uint8Array, corrupt: (reason: string) => Error): PngLayout {
  const width = u32(d, 0), height = u32(d, 4);
  const [depth, colorType, compression, filter, interlace] = d.subarray(8, 13);
  if (width === 0 || height === 0) throw corrupt(`size must be positive, got ${width}x${height}`);
  const type = COLOUR_TYPES[colorType];
  if (!type) throw corrupt(`colour type ${colorType} is not valid (valid: ${Object.keys(COLOUR_TYPES).join(', ')})`);
  if (!type.depths.includes(depth)) throw corrupt(`bit depth ${depth} is not valid for colour type ${colorType} (valid: ${type.depths.join(', ')})`);
  if (compression !== 0) throw corrupt(`compression method ${compression} is not valid (only 0)`);
  if (filter !== 0) throw corrupt(`filter method ${filter} is not valid (only 0)`);
  if (interlace > 1) throw corrupt(`interlace method ${interlace} is not valid (0 or 1)`);
  return { width, height, depth, colorType, interlaced: interlace === 1, idat: [], plte: null, trns: null };
}

/** Bytes the inflated image data must hold: per row of each (Adam7) pass, a filter byte and the samples. */
function inflatedSize({ width, height, depth, colorType, interlaced }: PngLayout): number {
  const bits = COLOUR_TYPES[colorType].samples * depth;
  const passBytes = (w: number, h: number) => (w > 0 && h > 0 ? h * (Math.ceil((w * bits) / 8) + 1) : 0);
  if (!interlaced) return passBytes(width, height);
  return ADAM7.reduce((s, [x0, y0, dx, dy]) => s + passBytes(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)), 0);
}

/**
 * The IDAT stream inflated into at most `needed` bytes (the rest is ignored, as libpng and pngjs do): fewer
 * when the stream ends, or is cut, early. Throws on data that does not inflate.
 */
function inflateAtMost(idat: Uint8Array[], needed: number): Uint8Array {
  const out = new Uint8Array(needed);
  let have = 0;
  const FULL = new Error('full');
  const stream = new Unzlib((chunk) => {
    const take = Math.min(chunk.length, needed - have);
    out.set(chunk.subarray(0, take), have);
    have += take;
    if (have >= needed) throw FULL;
  });
  try {
    // never `final`: a stream cut short then gives what it holds instead of an error (zlib's Z_SYNC_FLUSH)
    for (const part of idat) stream.push(part, false);
  } catch (e) {
    if (e === FULL) return out;
    throw e;
  }
  return out.subarray(0, have);
}

/** The inflated image data, or an error saying how much of it there is (or that it does not inflate). */
function imageData(layout: PngLayout, needed: number, fail: (reason: string) => Error): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = inflateAtMost(layout.idat, needed);
  } catch (err) {
    throw fail(`corrupt PNG: the image data (IDAT) does not inflate: ${(err as Error)?.message ?? String(err)}`);
  }
  const have = raw.length;
  if (have >= needed) return raw;
  const rowBytes = needed / layout.height;
  throw fail(layout.interlaced
    ? `truncated PNG: the image data holds ${have} of ${needed} bytes once inflated (interlaced)`
    : `truncated PNG: the image data holds ${Math.floor(have / rowBytes)} of ${layout.height} rows (${have} of ${needed} bytes once inflated)`);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Reverses the filters of one (sub)image in place: rows of 1 filter byte + rowBytes; bpp is the filter distance. */
function unfilter(data: Uint8Array, start: number, rows: number, rowBytes: number, bpp: number, corrupt: (reason: string) => Error): void {
  for (let y = 0; y < rows; y++) {
    const f = start + y * (rowBytes + 1), line = f + 1, prev = y > 0 ? line - rowBytes - 1 : -1;
    const type = data[f];
    if (type > 4) throw corrupt(`row ${y} has filter type ${type} (valid: 0-4)`);
    for (let x = 0; x < rowBytes; x++) {
      const left = x >= bpp ? data[line + x - bpp] : 0;
      const up = prev >= 0 ? data[prev + x] : 0;
      const upLeft = prev >= 0 && x >= bpp ? data[prev + x - bpp] : 0;
      const add = type === 0 ? 0 : type === 1 ? left : type === 2 ? up : type === 3 ? (left + up) >> 1 : paeth(left, up, upLeft);
      data[line + x] = (data[line + x] + add) & 0xff;
    }
  }
}

/**
 * RGBA pixels from the inflated data, as pngjs' PNG.sync.read gives them: palettes expanded (with tRNS
 * alpha), a tRNS colour blanked to 0, samples below 8 bits scaled to 0..255 unless skipRescale, 16-bit ones
 * too (a Uint16Array with skipRescale).
 */
function pixels(layout: PngLayout, raw: Uint8Array, skipRescale: boolean, corrupt: (reason: string) => Error): Uint8Array | Uint16Array {
  const { width, height, depth, colorType } = layout;
  const spp = COLOUR_TYPES[colorType].samples;
  const bitsPerPixel = spp * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const maxIn = 2 ** depth - 1;
  let palette: number[][] = [];
  if (colorType === 3) {
    if (!layout.plte) throw corrupt('a palette image without a palette (PLTE chunk)');
    for (let i = 0; i + 2 < layout.plte.length; i += 3) palette.push([layout.plte[i], layout.plte[i + 1], layout.plte[i + 2], 255]);
    const t = layout.trns;
    if (t && t.length > palette.length) throw corrupt(`tRNS holds ${t.length} alpha values for a palette of ${palette.length} colours`);
    if (t) palette = palette.map((c, i) => (i < t.length ? [c[0], c[1], c[2], t[i]] : c));
  }
  const t = layout.trns;
  const trans = !t || colorType === 3 ? null : colorType === 0 ? [(t[0] << 8) | t[1]]
    : colorType === 2 ? [(t[0] << 8) | t[1], (t[2] << 8) | t[3], (t[4] << 8) | t[5]] : null;
  const passes = layout.interlaced
    ? ADAM7.map(([x0, y0, dx, dy]) => ({ x0, y0, dx, dy, w: Math.ceil((width - x0) / dx), h: Math.ceil((height - y0) / dy) })).filter((p) => p.w > 0 && p.h > 0)
    : [{ x0: 0, y0: 0, dx: 1, dy: 1, w: width, h: height }];
  const sixteen = depth === 16;
  const out = sixteen ? new Uint16Array(width * height * 4) : new Uint8Array(width * height * 4);
  const sample = [0, 0, 0, 0];
  const scale = depth !== 8 && !skipRescale;
  const scaled = (v: number) => Math.floor((v * 255) / maxIn + 0.5);
  let start = 0;
  for (const p of passes) {
    const rb = Math.ceil((p.w * bitsPerPixel) / 8);
    unfilter(raw, start, p.h, rb, bpp, corrupt);
    for (let y = 0; y < p.h; y++) {
      const line = start + y * (rb + 1) + 1;
      let bit = 0;
      for (let x = 0; x < p.w; x++) {
        for (let c = 0; c < spp; c++) {
          if (depth === 8) sample[c] = raw[line + x * spp + c];
          else if (sixteen) sample[c] = (raw[line + 2 * (x * spp + c)] << 8) | raw[line + 2 * (x * spp + c) + 1];
          else { sample[c] = (raw[line + (bit >> 3)] >> (8 - depth - (bit & 7))) & maxIn; bit += depth; }
        }
        const o = ((p.y0 + y * p.dy) * width + p.x0 + x * p.dx) * 4;
        if (colorType === 3) {
          const col = palette[sample[0]];
          if (!col) throw corrupt(`pixel index ${sample[0]} is not in the palette (${palette.length} colours)`);
          out[o] = col[0]; out[o + 1] = col[1]; out[o + 2] = col[2]; out[o + 3] = col[3];
          continue;
        }
        let r: number, g: number, b: number, a: number;
        if (spp <= 2) { r = g = b = sample[0]; a = spp === 2 ? sample[1] : maxIn; } else { r = sample[0]; g = sample[1]; b = sample[2]; a = spp === 4 ? sample[3] : maxIn; }
        if (trans && (trans.length === 1 ? trans[0] === r : trans[0] === r && trans[1] === g && trans[2] === b)) r = g = b = a = 0;
        if (scale) { r = scaled(r); g = scaled(g); b = scaled(b); a = scaled(a); }
        out[o] = r; out[o + 1] = g; out[o + 2] = b; out[o + 3] = a;
      }
    }
    start += (rb + 1) * p.h;
  }
  return sixteen && !skipRescale ? Uint8Array.from(out) : out;
}

export function decodePng(bytes: Uint8Array, fail: (reason: string) => Error): Image {
  const layout = readChunks(bytes, fail);
  const { width, height, depth, colorType } = layout;
  const needed = inflatedSize(layout);
  // the limit as when pngjs decoded (its inflated data, unfiltered rows and their concatenation, then RGBA
  // samples, 16-bit ones in a Uint16Array), kept so that the same files pass; we need less: the inflated data
  // (unfiltered in place), the RGBA samples and the 1- or 3-channel result
  checkImageLimits('PNG', width, height, 3 * needed + width * height * (4 * (depth === 16 ? 2 : 1) + 3), fail);
  const sixteenBit = depth === 16;
  const rgba = pixels(layout, imageData(layout, needed, fail), sixteenBit, (reason) => fail(`corrupt PNG: ${reason}`));
  // RGBA for every colour type; colour types 0 and 4 are grey (R = G = B).
  const grey = colorType === 0 || colorType === 4;
  const channels = grey ? 1 : 3;
  const out = new Uint8Array(width * height * channels);
  const shift = sixteenBit ? 8 : 0;
  for (let p = 0, o = 0; o < out.length; p += 4) {
    for (let c = 0; c < channels; c++) out[o++] = rgba[p + c] >> shift;
  }
  return { width, height, channels, data: out };
}

export interface PngImage {
  width: number;
  height: number;
  /** PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: number;
  /** RGBA, row-major; Uint16Array for 16-bit samples read with skipRescale. */
  data: Uint8Array | Uint16Array;
}

/** What pngjs' PNG.sync.read gives for a PNG file (test/io/png.test.ts compares the two). */
export function readPng(bytes: Uint8Array, opts: { skipRescale?: boolean } = {}): PngImage {
  const fail = (reason: string) => new Error(reason);
  if (!isPng(bytes)) throw fail('not a PNG file (no PNG signature)');
  const layout = readChunks(bytes, fail);
  const data = pixels(layout, imageData(layout, inflatedSize(layout), fail), opts.skipRescale ?? false, fail);
  return { width: layout.width, height: layout.height, colorType: layout.colorType, data };
}

/** One PNG chunk: length, type, data, CRC over type + data. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** An 8-bit RGBA PNG (filter 0 on every row), as the training-curve plot writes it. */
export function writePng(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width); view.setUint32(4, height);
  ihdr[8] = 8; ihdr[9] = 6;
  const raw = new Uint8Array((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  const parts = [Uint8Array.from(SIGNATURE), pngChunk('IHDR', ihdr), pngChunk('IDAT', zlibSync(raw, { level: 6 })), pngChunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}
