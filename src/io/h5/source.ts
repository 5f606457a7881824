// The low level of the HDF5 reader: the superblock, object headers and their messages, datatypes,
// dataspaces and the values they describe (numbers, fixed-length and global-heap strings). reader.ts builds
// groups and datasets on it. Spec: the HDF5 File Format Specification 3.0, sections in comments.
import { CLASS, lookup3, MSG, SIGNATURE } from './format.js';
import { halfToFloat } from '../quantize.js';

export class H5Error extends Error {}

export interface Datatype {
  cls: number;
  size: number;
  bigEndian: boolean;
  signed: boolean;
  /** strings: 0 null-terminated, 1 null-padded, 2 space-padded */
  pad: number;
  /** variable-length: true for strings (false: sequences, unsupported) */
  vlenString: boolean;
}

export interface Message { type: number; at: number; size: number }

export const UNDEF = -1;
export const decoder = new TextDecoder('utf-8');

export class Source {
  readonly view: DataView;
  readonly offsets: number = 8;
  readonly lengths: number = 8;
  readonly root: number;
  private base = 0;
  private readonly headers = new Map<number, Message[]>();

  constructor(readonly bytes: Uint8Array, readonly name: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // the superblock sits at 0, 512, 1024, 2048, ... (a user block may come first)
    let at = -1;
    for (let p = 0; p + 8 <= bytes.length; p = p === 0 ? 512 : p * 2) {
      if (SIGNATURE.every((s, i) => bytes[p + i] === s)) { at = p; break; }
    }
    if (at < 0) throw new H5Error(`${name} is not an HDF5 file (no HDF5 signature)`);
    const version = bytes[at + 8];
    if (version <= 1) {
      // superblock v0/v1 (II.A.1)
      this.offsets = bytes[at + 13];
      this.lengths = bytes[at + 14];
      let p = at + 24 + (version === 1 ? 4 : 0);
      this.base = this.addr(p);
      p += 4 * this.offsets;
      // root group symbol table entry: link name offset, object header address, ...
      this.root = this.addr(p + this.offsets);
    } else if (version <= 3) {
      this.offsets = bytes[at + 9];
      this.lengths = bytes[at + 10];
      const end = at + 12 + 4 * this.offsets;
      this.checksum(at, end, 'superblock');
      this.base = this.addr(at + 12);
      this.root = this.addr(at + 12 + 3 * this.offsets);
    } else {
      throw new H5Error(`${name}: HDF5 superblock version ${version} is not supported`);
    }
    if (this.offsets !== 8 && this.offsets !== 4) throw new H5Error(`${name}: ${this.offsets}-byte file offsets are not supported`);
  }

  u8(p: number): number { this.need(p, 1); return this.bytes[p]; }
  uint(p: number, size: number): number {
    this.need(p, size);
    switch (size) {
      case 1: return this.bytes[p];
      case 2: return this.view.getUint16(p, true);
      case 4: return this.view.getUint32(p, true);
      case 8: {
        const hi = this.view.getUint32(p + 4, true);
        if (hi > 0x1fffff) throw new H5Error(`${this.name}: a 64-bit value at byte ${p} is too large`);
        return hi * 2 ** 32 + this.view.getUint32(p, true);
      }
      default: {
        // odd widths (fractal heap IDs): little-endian bytes
        if (size > 6) throw new H5Error(`${this.name}: unsupported integer size ${size}`);
        let v = 0;
        for (let i = size - 1; i >= 0; i--) v = v * 256 + this.bytes[p + i];
        return v;
      }
    }
  }

  /** A file address (relative to the base address); UNDEF for the all-ones undefined address. */
  addr(p: number): number {
    this.need(p, this.offsets);
    let undef = true;
    for (let i = 0; i < this.offsets; i++) if (this.bytes[p + i] !== 0xff) { undef = false; break; }
    return undef ? UNDEF : this.base + this.uint(p, this.offsets);
  }

  len(p: number): number { return this.uint(p, this.lengths); }

  need(p: number, n: number): void {
    if (p < 0 || p + n > this.bytes.length) throw new H5Error(`${this.name} is truncated: needs bytes ${p}..${p + n} of ${this.bytes.length}`);
  }

  signature(p: number, sig: string, what: string): void {
    this.need(p, 4);
    const got = String.fromCharCode(...this.bytes.subarray(p, p + 4));
    if (got !== sig) throw new H5Error(`${this.name}: expected ${what} (${sig}) at byte ${p}, found ${JSON.stringify(got)}`);
  }

  checksum(from: number, to: number, what: string): void {
    this.need(from, to - from + 4);
    if (lookup3(this.bytes, from, to) !== this.view.getUint32(to, true)) {
      throw new H5Error(`${this.name}: the checksum of the ${what} at byte ${from} does not match (corrupt file)`);
    }
  }

  // ---- object headers (IV.A) ----

  messages(at: number): Message[] {
    let msgs = this.headers.get(at);
    if (!msgs) { msgs = this.bytes[at] === 1 ? this.headerV1(at) : this.headerV2(at); this.headers.set(at, msgs); }
    return msgs;
  }

  private headerV1(at: number): Message[] {
    const count = this.uint(at + 2, 2);
    const out: Message[] = [];
    const blocks: [number, number][] = [[at + 16, at + 16 + this.uint(at + 8, 4)]];
    for (let b = 0; b < blocks.length && out.length < count; b++) {
      let [p, end] = blocks[b];
      while (p + 8 <= end && out.length < count) {
        const type = this.uint(p, 2), size = this.uint(p + 2, 2);
        const m = { type, at: p + 8, size };
        this.need(m.at, size);
        out.push(m);
        if (type === MSG.CONTINUATION) {
          const c = this.addr(m.at);
          blocks.push([c, c + this.len(m.at + this.offsets)]);
        }
        p += 8 + size;
      }
    }
    return out;
  }

  private headerV2(at: number): Message[] {
    this.signature(at, 'OHDR', 'an object header');
    const flags = this.u8(at + 5);
    let p = at + 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
    const width = 1 << (flags & 3);
    const size = this.uint(p, width);
    p += width;
    this.checksum(at, p + size, 'object header');
    const out: Message[] = [];
    const blocks: [number, number][] = [[p, p + size]];
    const headerLen = 4 + (flags & 0x04 ? 2 : 0);
    for (let b = 0; b < blocks.length; b++) {
      let [q, end] = blocks[b];
      while (q + headerLen <= end) {
        const type = this.u8(q), msgSize = this.uint(q + 1, 2);
        const m = { type, at: q + headerLen, size: msgSize };
        this.need(m.at, msgSize);
        out.push(m);
        if (type === MSG.CONTINUATION) {
          const c = this.addr(m.at), length = this.len(m.at + this.offsets);
          this.signature(c, 'OCHK', 'an object header continuation');
          this.checksum(c, c + length - 4, 'object header continuation');
          blocks.push([c + 4, c + length - 4]);
        }
        q += headerLen + msgSize;
      }
    }
    return out;
  }

  // ---- datatypes, dataspaces, values (IV.A.2.b, IV.A.2.d) ----

  datatype(p: number, where: string): Datatype {
    const cls = this.u8(p) & 0x0f;
    const b1 = this.u8(p + 1), b2 = this.u8(p + 2);
    const size = this.uint(p + 4, 4);
    const t: Datatype = { cls, size, bigEndian: (b1 & 1) === 1, signed: (b1 & 8) !== 0, pad: b1 & 0x0f, vlenString: false };
    if (cls === CLASS.FIXED || cls === CLASS.STRING) return t;
    if (cls === CLASS.FLOAT) {
      if (b1 & 0x40) throw new H5Error(`${where}: VAX floating point is not supported`);
      if (size !== 2 && size !== 4 && size !== 8) throw new H5Error(`${where}: ${size}-byte floats are not supported`);
      return t;
    }
    if (cls === CLASS.VLEN && (b1 & 0x0f) === 1) {
      t.vlenString = true;
      t.pad = b1 >> 4;
      void b2; // character set: ASCII and UTF-8 read the same
      return t;
    }
    const names: Record<number, string> = { 2: 'time', 4: 'bitfield', 5: 'opaque', 6: 'compound', 7: 'reference', 8: 'enum', 9: 'variable-length sequence', 10: 'array' };
    throw new H5Error(`${where}: HDF5 ${names[cls] ?? `class ${cls}`} datatypes are not supported`);
  }

  /** The shape, [] for a scalar, null for a null dataspace. */
  dataspace(p: number): number[] | null {
    const version = this.u8(p), rank = this.u8(p + 1);
    if (version === 2 && this.u8(p + 3) === 2) return null;
    const first = version === 1 ? p + 8 : p + 4;
    return Array.from({ length: rank }, (_, i) => this.len(first + i * this.lengths));
  }

  /** count values of type t at p, as JS values (strings, numbers or a typed array). */
  values(t: Datatype, p: number, count: number, where: string): string[] | number[] | Float32Array | Float64Array {
    this.need(p, count * t.size);
    if (t.cls === CLASS.STRING) {
      return Array.from({ length: count }, (_, i) => this.text(this.bytes.subarray(p + i * t.size, p + (i + 1) * t.size), t.pad));
    }
    if (t.vlenString) {
      const item = 4 + this.offsets + 4;
      return Array.from({ length: count }, (_, i) => {
        const q = p + i * item;
        const n = this.uint(q, 4);
        return n === 0 ? '' : this.text(this.globalHeapObject(this.addr(q + 4), this.uint(q + 4 + this.offsets, 4), where).subarray(0, n), 0);
      });
    }
    return numbers(this.bytes, p, t, count, where);
  }

  private text(b: Uint8Array, pad: number): string {
    let end = b.length;
    if (pad === 0) { const z = b.indexOf(0); if (z >= 0) end = z; }
    else { const fill = pad === 2 ? 0x20 : 0; while (end > 0 && b[end - 1] === fill) end--; }
    return decoder.decode(b.subarray(0, end));
  }

  /** Object `index` of the global heap collection at `at` (III.E). */
  private globalHeapObject(at: number, index: number, where: string): Uint8Array {
    this.signature(at, 'GCOL', 'a global heap collection');
    const end = at + this.len(at + 8);
    let p = at + 8 + this.lengths;
    while (p + 8 + this.lengths <= end) {
      const i = this.uint(p, 2), size = this.len(p + 8);
      if (i === 0) break;
      const data = p + 8 + this.lengths;
      if (i === index) { this.need(data, size); return this.bytes.subarray(data, data + size); }
      p = data + Math.ceil(size / 8) * 8;
    }
    throw new H5Error(`${where}: variable-length string ${index} missing from the global heap at ${at}`);
  }
}

export const product = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** count integers or floats of type t at bytes[p..]: floats as a Float32Array (Float64Array for doubles). */
export function numbers(bytes: Uint8Array, p: number, t: Datatype, count: number, where: string): number[] | Float32Array | Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = !t.bigEndian;
  if (t.cls === CLASS.FLOAT) {
    if (t.size === 8) return Float64Array.from({ length: count }, (_, i) => view.getFloat64(p + i * 8, le));
    if (t.size === 4) return Float32Array.from({ length: count }, (_, i) => view.getFloat32(p + i * 4, le));
    return Float32Array.from({ length: count }, (_, i) => halfToFloat(view.getUint16(p + i * 2, le)));
  }
  return Array.from({ length: count }, (_, i) => {
    const q = p + i * t.size;
    switch (t.size) {
      case 1: return t.signed ? view.getInt8(q) : view.getUint8(q);
      case 2: return t.signed ? view.getInt16(q, le) : view.getUint16(q, le);
      case 4: return t.signed ? view.getInt32(q, le) : view.getUint32(q, le);
      case 8: return Number(t.signed ? view.getBigInt64(q, le) : view.getBigUint64(q, le));
      default: throw new H5Error(`${where}: ${t.size}-byte integers are not supported`);
    }
  });
}
