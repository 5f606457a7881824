// PNG decoding. pngjs does the decoding; this file first walks the chunks itself and settles what pngjs
// cannot be trusted with:
// - the size limits, from IHDR, before anything is inflated: a 118-byte file declaring 20000x20000 took
//   pngjs 25 s and 2.7 GB;
// - the amount of image data: pngjs inflates into a buffer of the declared size without checking how much
//   it received, so a short IDAT gave rows of leftover memory (black rows, or garbage read as filter
//   types). The IDAT stream is inflated here once, at most to the declared size, and short data refused;
// - the CRCs of IHDR and IDAT, so a flipped byte is reported as corruption, not as missing rows.
// 16-bit samples keep their high byte, as OpenCV's png_set_strip_16 does (pngjs would round
// v * 255 / 65535 instead); pixels equal to a tRNS transparent colour come out 0 (pngjs blanks them).
import { createRequire } from 'node:module';
import { checkImageLimits } from './image-limits.js';
import type { Image } from './resize.js';

// The decoders load on first use: importing simdnet (e.g. to serve predictions) stays fast.
const requireLazily = createRequire(import.meta.url);
let pngJs: typeof import('pngjs') | null = null;
let zlibModule: typeof import('node:zlib') | null = null;
const pngjs = () => (pngJs ??= requireLazily('pngjs') as typeof import('pngjs'));
const zlib = () => (zlibModule ??= requireLazily('node:zlib') as typeof import('node:zlib'));

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
  return { width, height, depth, colorType, interlaced: interlace === 1, idat: [] };
}

/** Bytes the inflated image data must hold: per row of each (Adam7) pass, a filter byte and the samples. */
function inflatedSize({ width, height, depth, colorType, interlaced }: PngLayout): number {
  const bits = COLOUR_TYPES[colorType].samples * depth;
  const passBytes = (w: number, h: number) => (w > 0 && h > 0 ? h * (Math.ceil((w * bits) / 8) + 1) : 0);
  if (!interlaced) return passBytes(width, height);
  return ADAM7.reduce((s, [x0, y0, dx, dy]) => s + passBytes(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)), 0);
}

/** Refuses image data that inflates to fewer bytes than the header needs (or does not inflate). */
function checkImageData(layout: PngLayout, needed: number, fail: (reason: string) => Error): void {
  const z = zlib();
  const idat = layout.idat.length === 1 ? layout.idat[0] : Buffer.concat(layout.idat);
  let have: number;
  try {
    // Z_SYNC_FLUSH: a stream cut short gives what it holds instead of an error, so we can say how much
    have = z.inflateSync(idat, { finishFlush: z.constants.Z_SYNC_FLUSH, maxOutputLength: needed }).length;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e?.code !== 'ERR_BUFFER_TOO_LARGE') throw fail(`corrupt PNG: the image data (IDAT) does not inflate: ${e?.message ?? String(err)}`);
    have = needed; // more data than needed: the rest is ignored, as libpng and pngjs do
  }
  if (have >= needed) return;
  const rowBytes = needed / layout.height;
  throw fail(layout.interlaced
    ? `truncated PNG: the image data holds ${have} of ${needed} bytes once inflated (interlaced)`
    : `truncated PNG: the image data holds ${Math.floor(have / rowBytes)} of ${layout.height} rows (${have} of ${needed} bytes once inflated)`);
}

export function decodePng(bytes: Uint8Array, fail: (reason: string) => Error): Image {
  const layout = readChunks(bytes, fail);
  const { width, height, depth } = layout;
  const needed = inflatedSize(layout);
  // pngjs holds the inflated data, its unfiltered rows and their concatenation, then RGBA samples (16-bit
  // ones in a Uint16Array); we add the 1- or 3-channel result
  checkImageLimits('PNG', width, height, 3 * needed + width * height * (4 * (depth === 16 ? 2 : 1) + 3), fail);
  checkImageData(layout, needed, fail);
  const sixteenBit = depth === 16;
  let png: { width: number; height: number; colorType: number; data: Uint8Array | Uint16Array };
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    png = pngjs().PNG.sync.read(buffer, { skipRescale: sixteenBit }) as unknown as typeof png;
  } catch (err) {
    const msg = String((err as Error)?.message ?? err);
    if (/waitng|waiting on finished stream|unexpected end/i.test(msg)) throw truncated(bytes, fail);
    throw fail(`corrupt PNG: ${msg}`);
  }
  if (png.width !== width || png.height !== height || png.data.length < width * height * 4) {
    throw fail(`corrupt PNG: decoded ${png.width}x${png.height} pixels where IHDR declares ${width}x${height}`);
  }
  // pngjs hands out RGBA for every colour type; colour types 0 and 4 are grey (R = G = B).
  const grey = png.colorType === 0 || png.colorType === 4;
  const channels = grey ? 1 : 3;
  const out = new Uint8Array(width * height * channels);
  const shift = sixteenBit ? 8 : 0;
  for (let p = 0, o = 0; o < out.length; p += 4) {
    for (let c = 0; c < channels; c++) out[o++] = png.data[p + c] >> shift;
  }
  return { width, height, channels, data: out };
}
