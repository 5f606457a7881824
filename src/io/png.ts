// PNG in plain TypeScript, for every host (no Buffer, no node:zlib; fflate inflates and deflates).
// readPng returns what pngjs' PNG.sync.read does — RGBA for every colour type, palettes expanded, a tRNS
// colour blanked to 0 in all four channels, samples below 8 bits scaled to 0..255 (floor(v * 255 / max +
// 0.5)) unless skipRescale, 16-bit ones too (a Uint16Array with skipRescale) — so decodeImage
// gives the same pixels as before in Node and now anywhere; test/io/png.test.ts checks it against pngjs.
import { unzlibSync, zlibSync } from 'fflate';

export interface PngImage {
  width: number;
  height: number;
  /** PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: number;
  /** RGBA, row-major; Uint16Array for 16-bit samples read with skipRescale. */
  data: Uint8Array | Uint16Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel of each colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7: per pass, the first x and y of each 8x8 block and the steps between them. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = -1;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Reverses the filters of one (sub)image in place: rows of 1 filter byte + rowBytes. */
function unfilter(data: Uint8Array, start: number, rows: number, rowBytes: number, bpp: number): void {
  for (let y = 0; y < rows; y++) {
    const f = start + y * (rowBytes + 1), line = f + 1, prev = y > 0 ? line - rowBytes - 1 : -1;
    const type = data[f];
    for (let x = 0; x < rowBytes; x++) {
      const left = x >= bpp ? data[line + x - bpp] : 0;
      const up = prev >= 0 ? data[prev + x] : 0;
      const upLeft = prev >= 0 && x >= bpp ? data[prev + x - bpp] : 0;
      let add: number;
      switch (type) {
        case 0: add = 0; break;
        case 1: add = left; break;
        case 2: add = up; break;
        case 3: add = (left + up) >> 1; break;
        case 4: add = paeth(left, up, upLeft); break;
        default: throw new Error(`Unrecognised filter type - ${type}`);
      }
      data[line + x] = (data[line + x] + add) & 0xff;
    }
  }
}

/** Decodes a PNG file's bytes; errors are plain Errors (a cut file says 'unexpected end of data'). */
export function readPng(bytes: Uint8Array, opts: { skipRescale?: boolean } = {}): PngImage {
  if (bytes.length < 8 || !SIGNATURE.every((b, i) => bytes[i] === b)) throw new Error('Invalid file signature');
  let pos = 8;
  let width = 0, height = 0, depth = 0, colorType = -1, interlace = 0;
  let palette: number[][] = [];
  let trans: number[] | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (!ended) {
    if (pos + 8 > bytes.length) throw new Error('unexpected end of data');
    const length = u32(bytes, pos);
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    const body = pos + 8, end = body + length;
    if (length > 0x7fffffff || end + 4 > bytes.length) throw new Error('unexpected end of data');
    if (crc32(bytes, pos + 4, end) !== u32(bytes, end)) throw new Error(`Crc error - ${u32(bytes, end) | 0} - ${crc32(bytes, pos + 4, end) | 0}`);
    const data = bytes.subarray(body, end);
    if (colorType < 0 && type !== 'IHDR') throw new Error('Expected IHDR on beggining');
    switch (type) {
      case 'IHDR':
        width = u32(data, 0); height = u32(data, 4); depth = data[8]; colorType = data[9]; interlace = data[12];
        if (![1, 2, 4, 8, 16].includes(depth)) throw new Error(`Unsupported bit depth ${depth}`);
        if (!(colorType in CHANNELS)) throw new Error('Unsupported color type');
        if (data[10] !== 0) throw new Error('Unsupported compression method');
        if (data[11] !== 0) throw new Error('Unsupported filter method');
        if (interlace !== 0 && interlace !== 1) throw new Error('Unsupported interlace method');
        break;
      case 'PLTE':
        palette = [];
        for (let i = 0; i + 2 < data.length; i += 3) palette.push([data[i], data[i + 1], data[i + 2], 255]);
        break;
      case 'tRNS':
        if (colorType === 3) {
          if (palette.length === 0) throw new Error('Transparency chunk must be after palette');
          if (data.length > palette.length) throw new Error('More transparent colors than palette size');
          for (let i = 0; i < data.length; i++) palette[i][3] = data[i];
        } else if (colorType === 0) trans = [(data[0] << 8) | data[1]];
        else if (colorType === 2) trans = [(data[0] << 8) | data[1], (data[2] << 8) | data[3], (data[4] << 8) | data[5]];
        break;
      case 'IDAT':
        if (colorType === 3 && palette.length === 0) throw new Error('Expected palette not found');
        idat.push(data);
        break;
      case 'IEND':
        ended = true;
        break;
      default:
        if (!(bytes[pos + 4] & 0x20)) throw new Error(`Unsupported critical chunk type ${type}`);
    }
    pos = end + 4;
  }

  const spp = CHANNELS[colorType];
  const bitsPerPixel = spp * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3); // filter distance in bytes
  const passes = interlace
    ? ADAM7.map(([x0, y0, dx, dy]) => ({ x0, y0, dx, dy, w: Math.max(0, Math.ceil((width - x0) / dx)), h: Math.max(0, Math.ceil((height - y0) / dy)) }))
      .filter((p) => p.w > 0 && p.h > 0)
    : [{ x0: 0, y0: 0, dx: 1, dy: 1, w: width, h: height }];
  const rowBytes = (w: number) => Math.ceil((w * bitsPerPixel) / 8);
  const needed = passes.reduce((s, p) => s + (rowBytes(p.w) + 1) * p.h, 0);

  const total = idat.reduce((s, c) => s + c.length, 0);
  const compressed = new Uint8Array(total);
  let off = 0;
  for (const c of idat) { compressed.set(c, off); off += c.length; }
  let raw: Uint8Array;
  try {
    raw = unzlibSync(compressed);
  } catch (e) {
    throw new Error(`bad png - invalid inflate data response (${(e as Error).message})`);
  }
  if (raw.length < needed) throw new Error('Ran out of data');
  if (raw.length > needed && interlace) throw new Error('extra data found');

  const sixteen = depth === 16;
  const out = sixteen ? new Uint16Array(width * height * 4) : new Uint8Array(width * height * 4);
  const maxIn = 2 ** depth - 1;
  const sample = new Array<number>(4);
  let start = 0;
  for (const p of passes) {
    const rb = rowBytes(p.w);
    unfilter(raw, start, p.h, rb, bpp);
    for (let y = 0; y < p.h; y++) {
      const line = start + y * (rb + 1) + 1;
      let bit = 0;
      for (let x = 0; x < p.w; x++) {
        for (let s = 0; s < spp; s++) {
          if (depth === 8) sample[s] = raw[line + x * spp + s];
          else if (sixteen) sample[s] = (raw[line + 2 * (x * spp + s)] << 8) | raw[line + 2 * (x * spp + s) + 1];
          else {
            sample[s] = (raw[line + (bit >> 3)] >> (8 - depth - (bit & 7))) & maxIn;
            bit += depth;
          }
        }
        const o = ((p.y0 + y * p.dy) * width + p.x0 + x * p.dx) * 4;
        let r: number, g: number, b: number, a: number;
        if (colorType === 3) {
          const c = palette[sample[0]];
          if (!c) throw new Error(`index ${sample[0]} not in palette`);
          out[o] = c[0]; out[o + 1] = c[1]; out[o + 2] = c[2]; out[o + 3] = c[3];
          continue;
        }
        if (spp <= 2) { r = g = b = sample[0]; a = spp === 2 ? sample[1] : maxIn; } else { r = sample[0]; g = sample[1]; b = sample[2]; a = spp === 4 ? sample[3] : maxIn; }
        if (trans && (trans.length === 1 ? trans[0] === r : trans[0] === r && trans[1] === g && trans[2] === b)) r = g = b = a = 0;
        if (depth !== 8 && !opts.skipRescale) {
          r = Math.floor((r * 255) / maxIn + 0.5); g = Math.floor((g * 255) / maxIn + 0.5);
          b = Math.floor((b * 255) / maxIn + 0.5); a = Math.floor((a * 255) / maxIn + 0.5);
        }
        out[o] = r; out[o + 1] = g; out[o + 2] = b; out[o + 3] = a;
      }
    }
    start += (rb + 1) * p.h;
  }
  const data = sixteen && !opts.skipRescale ? Uint8Array.from(out) : out;
  return { width, height, colorType, data };
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
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
  const parts = [Uint8Array.from(SIGNATURE), chunk('IHDR', ihdr), chunk('IDAT', zlibSync(raw, { level: 6 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}
