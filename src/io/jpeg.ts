// The fast path for JPEG: baseline files (sequential Huffman, 8-bit, grey or YCbCr, one interleaved scan —
// what cameras, phones, browsers' canvas and jpeg-js write) decoded by the kernels (assembly/jpeg.ts) to the
// very pixels jpeg-js gives, 2-4 times faster warm and 6 times on a first call (see README, "Images"). This file reads the markers and
// builds the tables; every other JPEG, and any file this reading does not expect, returns null and goes to
// jpeg-js (images.ts), which decodes it or says what is wrong. So the fast path changes speed, never pixels
// or errors. It runs where the kernels are loaded already: decoding never loads them itself.
import { runtime, runtimeLoaded, type Runtime } from '../runtime/wasm.js';
import { IMAGE_MAX_MEGAPIXELS } from './image-limits.js';

/** What jpeg-js' decode returns, as images.ts uses it. */
export interface DecodedJpeg { width: number; height: number; data: Uint8Array; exifBuffer?: Uint8Array }

/**
 * Larger frames go to jpeg-js: the kernels' memory never shrinks, and jpeg-js may refuse a large frame for
 * its memory limit (≈ 24 bytes a pixel against IMAGE_MAX_MEMORY_MB), which the fast path must not overrule.
 */
export const FAST_JPEG_MAX_MEGAPIXELS = Math.min(16, IMAGE_MAX_MEGAPIXELS);

const LOOKUP_BITS = 9; // assembly/jpeg.ts' layout of a table: lookup, maxcode[17], valptr[17], symbols, fast AC

/** A Huffman table in the kernels' layout from a DHT's 16 code-length counts and its symbols; null where jpeg-js refuses it. */
function huffmanTable(counts: Uint8Array, symbols: Uint8Array, ints: number): Int32Array | null {
  const t = new Int32Array(ints);
  const lookup = 1 << LOOKUP_BITS, maxcode = lookup, valptr = maxcode + 17, sym = valptr + 17;
  t.fill(-1, maxcode, maxcode + 17);
  let code = 0, k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1];
    if (n) {
      t[valptr + len] = k - code;
      for (let i = 0; i < n; i++, k++, code++) {
        // jpeg-js builds a tree and throws once a code fills it to the last leaf — the all-ones code, which
        // JPEG reserves — or overflows it: such a table (even unused) makes the file undecodable there
        if (code >= (1 << len) - 1) return null;
        if (len <= LOOKUP_BITS) {
          const shift = LOOKUP_BITS - len;
          t.fill((len << 8) | symbols[k], code << shift, (code + 1) << shift);
        }
      }
      t[maxcode + len] = code - 1;
    }
    code <<= 1;
  }
  t.set(symbols, sym);
  // fast AC: where the next LOOKUP_BITS bits hold a whole code and its value's bits, (value << 16) | (run << 8)
  // | bits used, value the signed coefficient (JPEG's EXTEND); 0 elsewhere (the kernel then decodes step by step)
  const fast = sym + 256;
  for (let i = 0; i < lookup; i++) {
    const len = t[i] >> 8, rs = t[i] & 0xff, size = rs & 15;
    if (len === 0 || size === 0 || len + size > LOOKUP_BITS) continue;
    const bits = (i >> (LOOKUP_BITS - len - size)) & ((1 << size) - 1);
    const value = bits >= 1 << (size - 1) ? bits : bits - (1 << size) + 1;
    t[fast + i] = (value << 16) | ((rs >> 4) << 8) | (len + size);
  }
  return t;
}

// The tables of the last few DHT definitions (the least recently used dropped first): a service decodes uploads
// from a few encoders, whose tables repeat; building the four of a 25 KB photo took 26–29 µs of its 0.7–1.1 ms
// decode (2026-12-02, alternating in one process, `lscpu`: AMD EPYC).
const TABLES_KEPT = 8;
const keptTables: { def: Uint8Array; ints: number; table: Int32Array | null }[] = [];

/** huffmanTable of the DHT definition `def` (16 counts, then the symbols), from the kept ones where it is one of them. */
function keptHuffmanTable(def: Uint8Array, ints: number): Int32Array | null {
  find: for (let i = 0; i < keptTables.length; i++) {
    const t = keptTables[i];
    if (t.ints !== ints || t.def.length !== def.length) continue;
    for (let j = 0; j < def.length; j++) if (t.def[j] !== def[j]) continue find;
    if (i > 0) keptTables.unshift(...keptTables.splice(i, 1));
    return t.table;
  }
  const table = huffmanTable(def.subarray(0, 16), def.subarray(16), ints);
  keptTables.unshift({ def: def.slice(), ints, table });
  if (keptTables.length > TABLES_KEPT) keptTables.pop();
  return table;
}

interface Component { id: number; h: number; v: number; tq: number }

/**
 * The baseline JPEG in `bytes` decoded by the kernels (RGB, grey replicated, as jpeg-js with formatAsRGBA
 * false), or null: the kernels are not loaded, the file is not one the fast path takes, or its data is not
 * as expected — jpeg-js then decodes it.
 */
export function decodeJpegFast(bytes: Uint8Array, rt: Runtime | null = runtimeLoaded() ? runtime() : null): DecodedJpeg | null {
  return readJpegFast(bytes, rt, (d) => ({ ...d, data: d.data.slice() }));
}

/**
 * The same decode, its pixels handed to `use` as a view of the kernels' memory — valid during the call only,
 * which must not allocate from the arena — and use's result returned (null as decodeJpegFast's). A caller
 * that only reads the pixels (resizes them) skips the copy of the full-size image.
 */
export function readJpegFast<T>(bytes: Uint8Array, rt: Runtime | null, use: (d: DecodedJpeg) => T): T | null {
  const n = bytes.length;
  if (!rt || n < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const u16 = (i: number) => (bytes[i] << 8) | bytes[i + 1];
  const quant: (Int32Array | undefined)[] = [];
  const dc: (Int32Array | undefined)[] = [], ac: (Int32Array | undefined)[] = [];
  const ints = rt.k.jpeg_huffman_ints();
  let frame: { width: number; height: number; comps: Component[] } | null = null;
  let restart = 0;
  let exifBuffer: Uint8Array | undefined;
  let i = 2; // after SOI
  for (;;) {
    if (i + 4 > n || bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1], len = u16(i + 2), seg = i + 4, segEnd = i + 2 + len;
    if (len < 2 || segEnd > n) return null;
    if ((marker >= 0xe0 && marker <= 0xef) || marker === 0xfe) {
      // APPn, COM: jpeg-js keeps the last APP1 'Exif\0' (from its second NUL on) for the orientation
      if (marker === 0xe1 && len >= 7 && bytes[seg] === 0x45 && bytes[seg + 1] === 0x78 && bytes[seg + 2] === 0x69 &&
          bytes[seg + 3] === 0x66 && bytes[seg + 4] === 0) exifBuffer = bytes.subarray(seg + 5, segEnd);
    } else if (marker === 0xdb) { // DQT
      let p = seg;
      while (p < segEnd) {
        const spec = bytes[p++], wide = spec >> 4;
        if (wide > 1 || p + 64 * (wide + 1) > segEnd) return null;
        const q = new Int32Array(64);
        for (let j = 0; j < 64; j++, p += wide + 1) q[j] = wide ? u16(p) : bytes[p]; // zig-zag order, as the kernels read it
        quant[spec & 15] = q;
      }
    } else if (marker === 0xc4) { // DHT
      let p = seg;
      while (p < segEnd) {
        if (p + 17 > segEnd) return null;
        const spec = bytes[p], counts = bytes.subarray(p + 1, p + 17);
        let total = 0;
        for (const c of counts) total += c;
        if (total > 256 || p + 17 + total > segEnd || spec >> 4 > 1) return null;
        const table = keptHuffmanTable(bytes.subarray(p + 1, p + 17 + total), ints);
        if (!table) return null;
        (spec >> 4 ? ac : dc)[spec & 15] = table;
        p += 17 + total;
      }
    } else if (marker === 0xc0 || marker === 0xc1) { // SOF0 baseline, SOF1 extended sequential (Huffman)
      const nc = bytes[seg + 5];
      if (frame || len !== 8 + 3 * nc || bytes[seg] !== 8 || (nc !== 1 && nc !== 3)) return null;
      const comps = Array.from({ length: nc }, (_, c) => {
        const at = seg + 6 + 3 * c;
        return { id: bytes[at], h: bytes[at + 1] >> 4, v: bytes[at + 1] & 15, tq: bytes[at + 2] };
      });
      if (new Set(comps.map((c) => c.id)).size !== nc) return null;
      frame = { height: u16(seg + 1), width: u16(seg + 3), comps };
    } else if (marker === 0xdd) { // DRI
      if (len !== 4) return null;
      restart = u16(seg);
    } else if (marker === 0xda) { // SOS: the one scan, all components
      if (!frame) return null;
      const ns = bytes[seg];
      if (ns !== frame.comps.length || len !== 6 + 2 * ns) return null;
      const order: { comp: Component; dc: Int32Array | undefined; ac: Int32Array | undefined }[] = [];
      for (let c = 0; c < ns; c++) {
        const comp = frame.comps.find((f) => f.id === bytes[seg + 1 + 2 * c]);
        if (!comp || order.some((o) => o.comp === comp)) return null;
        const spec = bytes[seg + 2 + 2 * c];
        order.push({ comp, dc: dc[spec >> 4], ac: ac[spec & 15] });
      }
      return decodeScan(rt, bytes, segEnd, frame, order, quant, restart, exifBuffer, use);
    } else {
      return null; // progressive, arithmetic, lossless, DNL, a second frame, fill bytes ...: jpeg-js
    }
    i = segEnd;
  }
}

function decodeScan<T>(rt: Runtime, bytes: Uint8Array, start: number, frame: { width: number; height: number; comps: Component[] },
                       order: { comp: Component; dc: Int32Array | undefined; ac: Int32Array | undefined }[],
                       quant: (Int32Array | undefined)[], restart: number, exifBuffer: Uint8Array | undefined, use: (d: DecodedJpeg) => T): T | null {
  const { width, height, comps } = frame;
  if (width === 0 || height === 0 || (width * height) / 1e6 > FAST_JPEG_MAX_MEGAPIXELS) return null;
  const maxH = Math.max(...comps.map((c) => c.h)), maxV = Math.max(...comps.map((c) => c.v));
  const shift = (f: number, max: number) => (f < 1 || f > 4 || max % f ? -1 : [0, 1, -1, 2][max / f - 1]);
  // jpeg-js samples chroma at floor(x * h / maxH): exact as a shift for ratios 1, 2, 4 (others go to jpeg-js)
  const geometry = comps.map((c) => {
    const sx = shift(c.h, maxH), sy = shift(c.v, maxV);
    const bpl = Math.ceil((Math.ceil(width / 8) * c.h) / maxH), bpc = Math.ceil((Math.ceil(height / 8) * c.v) / maxV);
    return { sx, sy, bpl, bpc, q: quant[c.tq] };
  });
  if (geometry.some((g) => g.sx < 0 || g.sy < 0 || !g.q) || order.some((o) => !o.dc || !o.ac)) return null;
  // a lone component is read block by block (its own blocks per line), sampled or not; jpeg-js may decode
  // past its last block row when it is sampled, so that case goes there
  if (comps.length === 1 && (comps[0].h !== 1 || comps[0].v !== 1)) return null;
  const k = rt.k, arena = rt.arena;
  const ints = k.jpeg_huffman_ints(), cints = k.jpeg_component_ints();
  const tableInts = comps.length * 64 + order.length * (2 * ints + cints) + 64 + order.length + comps.length * 4;
  // the scan's data ends at the first end-of-image marker (inside it every 0xFF is followed by 0x00 or a
  // restart marker): only that goes to the kernels, not what a file may carry after it (a phone's motion photo)
  let eoi = bytes.indexOf(0xff, start);
  while (eoi >= 0 && eoi + 1 < bytes.length && bytes[eoi + 1] !== 0xd9) eoi = bytes.indexOf(0xff, eoi + 1);
  if (eoi < 0 || eoi + 1 >= bytes.length) return null; // no end-of-image marker: jpeg-js says what is wrong
  const scan = bytes.subarray(start, eoi + 2);
  const taken: number[] = [];
  const take = (b: number, what: string) => { const off = arena.alloc(b, `JPEG ${what}`); taken.push(off); return off; };
  try {
    // everything first: an allocation may grow the memory, which detaches views of it where it is not shared
    let src: number, tables: number, out: number, planes: (typeof geometry[number] & { off: number; qOff: number })[];
    try {
      src = take(scan.length, 'scan'); tables = take(tableInts * 4, 'tables'); out = take(width * height * 3, 'pixels');
      planes = geometry.map((g, c) => ({ ...g, off: take(g.bpl * 8 * g.bpc * 8, `plane ${c}`), qOff: 0 }));
    } catch {
      return null; // the kernels' memory cannot grow that far (a browser tab's limit): jpeg-js decodes it in JS
    }
    new Uint8Array(rt.memory.buffer, src, scan.length).set(scan);
    const t = rt.i32(tables, tableInts);
    let at = 0;
    const put = (a: ArrayLike<number>) => { t.set(a, at); const off = tables + at * 4; at += a.length; return off; };
    for (const g of planes) g.qOff = put(g.q!);
    const descriptors = order.map((o) => {
      const g = planes[comps.indexOf(o.comp)];
      return [o.comp.h, o.comp.v, g.qOff, put(o.dc!), put(o.ac!), g.off, g.bpl * 8, g.bpl, g.bpc];
    });
    const compsOff = tables + at * 4;
    for (const d of descriptors) put(d);
    const scratch = tables + at * 4;
    at += 64 + order.length;
    const planeTable = put(planes.flatMap((g) => [g.off, g.bpl * 8, g.sx, g.sy]));
    const lone = comps.length === 1;
    const mcusPerLine = lone ? planes[0].bpl : Math.ceil(width / 8 / maxH);
    const mcus = lone ? planes[0].bpl * planes[0].bpc : mcusPerLine * Math.ceil(height / 8 / maxV);
    const scanEnd = k.jpeg_decode_scan(src, scan.length, 0, compsOff, order.length, mcus, mcusPerLine, restart, scratch);
    // jpeg-js reads the next marker there: the fast path ends only at EOI
    if (scanEnd < 0 || scan[scanEnd] !== 0xff || scan[scanEnd + 1] !== 0xd9) return null;
    k.jpeg_to_rgb(out, width, height, comps.length, planeTable);
    const data = new Uint8Array(rt.memory.buffer, out, width * height * 3);
    return use(exifBuffer ? { width, height, data, exifBuffer } : { width, height, data });
  } finally {
    for (const off of taken.reverse()) arena.release(off);
  }
}
