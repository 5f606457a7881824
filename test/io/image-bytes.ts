// Hand-built image files for the decoder tests: PNG chunks with correct CRCs (so a test reaches the part
// of the decoder it means to; the CRC is the decoder's own, which passes every PNG pngjs writes), raw
// scanlines of any number of rows, and a JPEG's frame size patched in place.
import { deflateSync } from 'node:zlib';
import { pngChunk } from '../../src/io/png.js';

export { pngChunk };

export interface PngHeader { width: number; height: number; depth?: number; colorType?: number; interlace?: 0 | 1 }

export function ihdr({ width, height, depth = 8, colorType = 0, interlace = 0 }: PngHeader): Uint8Array {
  const d = new Uint8Array(13);
  const view = new DataView(d.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  d.set([depth, colorType, 0, 0, interlace], 8);
  return pngChunk('IHDR', d);
}

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** A PNG whose IDAT is `scanlines` (filter byte + samples per row, any number of rows) deflated whole. */
export function pngOf(header: PngHeader, scanlines: Uint8Array): Uint8Array {
  return concatBytes(SIGNATURE, ihdr(header), pngChunk('IDAT', deflateSync(scanlines)), pngChunk('IEND', new Uint8Array(0)));
}

/** `rows` scanlines of an 8-bit grey image `width` wide: filter 0, every sample `value`. */
export function greyRows(width: number, rows: number, value = 0x80): Uint8Array {
  const out = new Uint8Array(rows * (width + 1)).fill(value);
  for (let r = 0; r < rows; r++) out[r * (width + 1)] = 0;
  return out;
}

/** A copy of a baseline JPEG with its SOF0 frame size replaced. */
export function withJpegSize(jpeg: Uint8Array, width: number, height: number): Uint8Array {
  const out = Uint8Array.from(jpeg);
  for (let i = 2; i + 8 < out.length;) {
    if (out[i] !== 0xff) throw new Error('withJpegSize: lost the marker chain');
    const marker = out[i + 1];
    if (marker === 0xc0) {
      out[i + 5] = height >> 8; out[i + 6] = height & 255;
      out[i + 7] = width >> 8; out[i + 8] = width & 255;
      return out;
    }
    i += 2 + ((out[i + 2] << 8) | out[i + 3]);
  }
  throw new Error('withJpegSize: no SOF0 marker');
}

/** Inserts an APP1 EXIF segment holding only the orientation tag right after the JPEG's SOI marker. */
export function withExifOrientation(jpegBytes: Uint8Array, orientation: number, little: boolean): Uint8Array {
  const tiff = new Uint8Array(26);
  const view = new DataView(tiff.buffer);
  tiff.set(little ? [0x49, 0x49] : [0x4d, 0x4d]);
  view.setUint16(2, 42, little);
  view.setUint32(4, 8, little); // IFD0 right after the header
  view.setUint16(8, 1, little); // one entry
  view.setUint16(10, 0x0112, little); // Orientation
  view.setUint16(12, 3, little); // SHORT
  view.setUint32(14, 1, little); // count
  view.setUint16(18, orientation, little);
  const payload = concatBytes(new TextEncoder().encode('Exif\0\0'), tiff);
  const app1 = concatBytes(Uint8Array.from([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 255]), payload);
  return concatBytes(jpegBytes.subarray(0, 2), app1, jpegBytes.subarray(2));
}
