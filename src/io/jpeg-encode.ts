// Baseline JPEG encoding in the kernels (assembly/jpeg.ts, jpeg_encode_scan): this file makes the tables and
// writes the markers; the kernels convert the colours, transform, quantize and Huffman-code the scan. The
// files equal jpeg-js' encode() byte for byte (JFIF APP0, the quality-scaled IJG quantization tables, 4:4:4
// YCbCr, the standard Huffman tables), which made simdnet's face photos before — so the embedded face set
// did not change — at a fraction of its time: jpeg-js builds ~65 000 small arrays of tables on every call
// (≈ 40 ms of its ≈ 50 ms for a 384×286 photo on the AMD EPYC VM; the kernels take ≈ 2 ms), so generating
// the face set went from 44 s to 7 s. test/io/jpeg-encode.test.ts compares the bytes with jpeg-js'.
import { runtime, type Runtime } from '../runtime/wasm.js';
import type { Image } from './resize.js';
import { show } from '../format.js';

// The example quantization tables of the JPEG standard (Annex K), natural order.
const LUMA_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
  18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const CHROMA_QUANT = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
  ...new Array<number>(32).fill(99),
];

// The standard's Huffman tables (Annex K.3): code counts per length 1..16, then the symbols.
const DC_LUMA = { counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], symbols: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };
const DC_CHROMA = { counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], symbols: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };
const AC_LUMA = {
  counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  symbols: [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
    0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
    0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
    0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
    0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
  ],
};
const AC_CHROMA = {
  counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
  symbols: [
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91,
    0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
    0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58,
    0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
    0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
    0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
    0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
  ],
};

// The kernels' Huffman layout: (code, length) entries, DC luma at 0, AC luma at 16, DC chroma at 272, AC chroma at 288.
const HUFFMAN_AT = [[DC_LUMA, 0], [AC_LUMA, 16], [DC_CHROMA, 272], [AC_CHROMA, 288]] as const;

/** The tables for one quality: quantization (zig-zag order, as DQT writes them), the kernels' factors and codes. */
interface Tables { luma: number[]; chroma: number[]; fdtbl: Float64Array; huffman: Int32Array }
const tablesByQuality = new Map<number, Tables>();

function tables(quality: number, k: Runtime['k']): Tables {
  const known = tablesByQuality.get(quality);
  if (known) return known;
  // the IJG scaling of the standard tables, as jpeg-js does it
  const zigzag = Array.from({ length: 64 }, (_, i) => k.jpeg_zigzag(i)); // natural index of the i-th in zig-zag order
  const sf = quality < 50 ? Math.floor(5000 / quality) : Math.floor(200 - quality * 2);
  const scaled = (base: number[]) => {
    const zz = new Array<number>(64);
    for (let i = 0; i < 64; i++) zz[zigzag.indexOf(i)] = Math.min(255, Math.max(1, Math.floor((base[i] * sf + 50) / 100)));
    return zz;
  };
  const luma = scaled(LUMA_QUANT), chroma = scaled(CHROMA_QUANT);
  // the AAN DCT's output scale folded into the quantization: 1 / (q · s[row] · s[col] · 8), in this order
  const aasf = [1.0, 1.387039845, 1.306562965, 1.175875602, 1.0, 0.785694958, 0.541196100, 0.275899379];
  const fdtbl = new Float64Array(128);
  for (let row = 0, i = 0; row < 8; row++) {
    for (let col = 0; col < 8; col++, i++) {
      const z = zigzag.indexOf(i);
      fdtbl[i] = 1.0 / (luma[z] * aasf[row] * aasf[col] * 8.0);
      fdtbl[64 + i] = 1.0 / (chroma[z] * aasf[row] * aasf[col] * 8.0);
    }
  }
  const huffman = new Int32Array(2 * k.jpeg_encode_huffman_entries());
  for (const [{ counts, symbols }, at] of HUFFMAN_AT) {
    let code = 0, s = 0;
    for (let len = 1; len <= 16; len++) {
      for (let j = 0; j < counts[len - 1]; j++, s++, code++) {
        huffman[2 * (at + symbols[s])] = code;
        huffman[2 * (at + symbols[s]) + 1] = len;
      }
      code *= 2;
    }
  }
  const t = { luma, chroma, fdtbl, huffman };
  tablesByQuality.set(quality, t);
  return t;
}

/** The markers before the scan: SOI, JFIF APP0, DQT, SOF0 (3 components, no subsampling), DHT, SOS. */
function header(width: number, height: number, t: Tables): Uint8Array {
  const out: number[] = [];
  const word = (w: number) => out.push((w >> 8) & 0xff, w & 0xff);
  word(0xffd8);
  word(0xffe0); word(16); out.push(0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0); word(1); word(1); out.push(0, 0);
  word(0xffdb); word(132); out.push(0, ...t.luma, 1, ...t.chroma);
  word(0xffc0); word(17); out.push(8); word(height); word(width); out.push(3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1);
  word(0xffc4); word(0x01a2);
  for (const [info, { counts, symbols }] of [[0, DC_LUMA], [0x10, AC_LUMA], [1, DC_CHROMA], [0x11, AC_CHROMA]] as const) {
    out.push(info, ...counts, ...symbols);
  }
  word(0xffda); word(12); out.push(3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3f, 0);
  return Uint8Array.from(out);
}

/**
 * A baseline JPEG of `image` (1 grey, 3 RGB or 4 RGBA channels; alpha is ignored) at `quality` 1–100, the
 * bytes jpeg-js' encode() gives for the same pixels and quality. Runs in the kernels (loaded: `sn.ready()`).
 */
export function encodeJpeg(image: Image, quality = 90, rt: Runtime = runtime('encodeJpeg')): Uint8Array {
  const { width, height, channels, data } = image ?? {};
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 65535 || height > 65535) {
    throw new Error(`encodeJpeg: width and height must be integers in 1..65535, got ${show(width)} x ${show(height)}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new Error(`encodeJpeg: channels must be 1, 3 or 4, got ${show(channels)}`);
  if (!(data instanceof Uint8Array) || data.length !== width * height * channels) {
    throw new Error(`encodeJpeg: data must be a Uint8Array of ${width} x ${height} x ${channels} bytes, got ${data instanceof Uint8Array ? data.length : show(data)}`);
  }
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new Error(`encodeJpeg: quality must be an integer in 1..100, got ${show(quality)}`);
  const k = rt.k, arena = rt.arena;
  const t = tables(quality, k);
  const head = header(width, height, t);
  const taken: number[] = [];
  const take = (bytes: number, what: string) => { const off = arena.alloc(bytes, `JPEG encoding: ${what}`); taken.push(off); return off; };
  try {
    // a first guess at the scan's size; doubled until it holds it (the kernel stops before it could overflow)
    let cap = Math.max(1 << 16, width * height);
    const pixels = take(data.length, 'pixels'), fdtbl = take(t.fdtbl.byteLength, 'tables'), huffman = take(t.huffman.byteLength, 'codes');
    const scratch = take(k.jpeg_encode_scratch_bytes(), 'scratch');
    let out = take(cap, 'scan');
    new Uint8Array(rt.memory.buffer, pixels, data.length).set(data);
    new Float64Array(rt.memory.buffer, fdtbl, t.fdtbl.length).set(t.fdtbl);
    rt.i32(huffman, t.huffman.length).set(t.huffman);
    let n: number;
    while ((n = k.jpeg_encode_scan(out, cap, pixels, width, height, channels, fdtbl, huffman, scratch)) < 0) {
      arena.release(taken.pop()!);
      cap *= 2;
      out = take(cap, 'scan');
    }
    const file = new Uint8Array(head.length + n + 2);
    file.set(head);
    file.set(new Uint8Array(rt.memory.buffer, out, n), head.length);
    file[head.length + n] = 0xff; file[head.length + n + 1] = 0xd9;
    return file;
  } finally {
    for (const off of taken.reverse()) arena.release(off);
  }
}
