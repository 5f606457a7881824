// A small HDF5 writer in plain TypeScript: groups, attributes and contiguous float32 datasets, which is all
// a Keras model file holds. The file uses the HDF5 1.8 structures (superblock version 2, version-2 object
// headers with link messages, checksummed), which every HDF5 library since 1.8 (2008) reads: h5py, and so
// Keras 2 and 3. Strings are written as Keras writes its `.encode('utf8')` byte strings: fixed-length,
// null-padded. Spec: the HDF5 File Format Specification 3.0, sections in comments.
import { lookup3, MSG, SIGNATURE } from './format.js';

/**
 * An attribute value: a string (a fixed-length string scalar), strings (a 1-D array of fixed-length
 * strings, as numpy's 'S' arrays) or numbers (a 1-D float64 array; [] is what Keras writes for an empty
 * list).
 */
export type H5AttrValue = string | string[] | number[];

export class H5WriteDataset {
  readonly attrs: Record<string, H5AttrValue> = {};
  constructor(readonly data: Float32Array, readonly shape: number[]) {
    if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new Error(`H5WriteDataset: ${data.length} values do not fill shape [${shape}]`);
  }
}

export class H5WriteGroup {
  readonly attrs: Record<string, H5AttrValue> = {};
  readonly members = new Map<string, H5WriteGroup | H5WriteDataset>();

  /** The subgroup at a relative path ('a/b'), created with any missing parents. */
  group(path: string): H5WriteGroup {
    let g: H5WriteGroup = this;
    for (const part of path.split('/').filter((s) => s)) {
      const m = g.members.get(part);
      if (m instanceof H5WriteDataset) throw new Error(`H5WriteGroup: ${part} is a dataset, not a group`);
      g = m ?? g.members.set(part, new H5WriteGroup()).get(part) as H5WriteGroup;
    }
    return g;
  }

  /** A float32 dataset at a relative path ('a/b/kernel:0': groups a and a/b are created, as h5py does). */
  dataset(path: string, data: Float32Array, shape: number[]): H5WriteDataset {
    const parts = path.split('/').filter((s) => s);
    const name = parts.pop();
    if (!name) throw new Error(`H5WriteGroup: empty dataset path ${JSON.stringify(path)}`);
    const g = this.group(parts.join('/'));
    if (g.members.has(name)) throw new Error(`H5WriteGroup: ${path} already exists`);
    const d = new H5WriteDataset(data, shape);
    g.members.set(name, d);
    return d;
  }
}

const encoder = new TextEncoder();
const UNDEF = 0xffffffffffffffffn;

class Out {
  private chunks: Uint8Array[] = [];
  size = 0;
  append(b: Uint8Array): number { const at = this.size; this.chunks.push(b); this.size += b.length; return at; }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let p = 0;
    for (const c of this.chunks) { out.set(c, p); p += c.length; }
    return out;
  }
}

/** A little-endian byte builder. */
class Bytes {
  private a: number[] = [];
  u8(...v: number[]): this { this.a.push(...v.map((x) => x & 0xff)); return this; }
  u16(v: number): this { return this.u8(v, v >> 8); }
  u32(v: number): this { return this.u8(v, v >> 8, v >> 16, v >>> 24); }
  u64(v: number | bigint): this {
    const b = BigInt(v);
    for (let i = 0n; i < 8n; i++) this.a.push(Number((b >> (8n * i)) & 0xffn));
    return this;
  }
  raw(b: Uint8Array | number[]): this { for (const x of b) this.a.push(x); return this; }
  get length(): number { return this.a.length; }
  done(): Uint8Array { return Uint8Array.from(this.a); }
}

// ---- messages (IV.A.2) ----

const FLOAT32_TYPE = new Bytes().u8(0x11, 0x20, 31, 0).u32(4).u16(0).u16(32).u8(23, 8, 0, 23).u32(127).done();
const FLOAT64_TYPE = new Bytes().u8(0x11, 0x20, 63, 0).u32(8).u16(0).u16(64).u8(52, 11, 0, 52).u32(1023).done();
/** Fixed-length string of n bytes, null-padded, ASCII (what h5py writes for numpy 'S' data). */
const stringType = (n: number) => new Bytes().u8(0x13, 0x01, 0, 0).u32(n).done();

function dataspace(shape: number[] | null): Uint8Array {
  const b = new Bytes().u8(2, shape ? shape.length : 0, 0, shape === null ? 0 : shape.length === 0 ? 0 : 1);
  for (const d of shape ?? []) b.u64(d);
  return b.done();
}

function attribute(name: string, value: H5AttrValue): Uint8Array {
  let type: Uint8Array, shape: number[], data: Uint8Array;
  if (typeof value === 'string' || (Array.isArray(value) && value.length > 0 && typeof value[0] === 'string')) {
    const items = (typeof value === 'string' ? [value] : value as string[]).map((s) => encoder.encode(s));
    const n = Math.max(1, ...items.map((s) => s.length));
    type = stringType(n);
    shape = typeof value === 'string' ? [] : [items.length];
    data = new Uint8Array(n * items.length);
    items.forEach((s, i) => data.set(s, i * n));
  } else {
    const nums = value as number[];
    if (!nums.every((x) => typeof x === 'number')) throw new Error(`H5 attribute ${name}: expected strings or numbers`);
    type = FLOAT64_TYPE;
    shape = [nums.length];
    data = new Uint8Array(new Float64Array(nums).buffer);
  }
  const nameBytes = encoder.encode(`${name}\0`);
  const space = dataspace(shape);
  // version 3: no padding; encoding 1 = UTF-8 names
  return new Bytes().u8(3, 0).u16(nameBytes.length).u16(type.length).u16(space.length).u8(1)
    .raw(nameBytes).raw(type).raw(space).raw(data).done();
}

function link(name: string, address: number): Uint8Array {
  const n = encoder.encode(name);
  if (n.length === 0 || n.length > 0xffff) throw new Error(`H5 link name ${JSON.stringify(name)} must have 1..65535 bytes`);
  const wide = n.length > 0xff;
  // flags: length field of 1 or 2 bytes, character set present (UTF-8)
  const b = new Bytes().u8(1, (wide ? 1 : 0) | 0x10, 1);
  if (wide) b.u16(n.length); else b.u8(n.length);
  return b.raw(n).u64(address).done();
}

/** A version-2 object header (IV.A.1.b) holding the messages, checksummed. */
function objectHeader(messages: [number, Uint8Array][]): Uint8Array {
  const body = new Bytes();
  for (const [type, data] of messages) {
    if (data.length > 0xffff) throw new Error(`H5 writer: a header message of ${data.length} bytes exceeds HDF5's 64 KiB limit`);
    body.u8(type).u16(data.length).u8(0).raw(data);
  }
  const head = new Bytes().raw(encoder.encode('OHDR')).u8(2, 0x02).u32(body.length).raw(body.done()).done();
  return new Bytes().raw(head).u32(lookup3(head)).done();
}

function attributeMessages(attrs: Record<string, H5AttrValue>): [number, Uint8Array][] {
  return Object.entries(attrs).map(([k, v]) => [MSG.ATTRIBUTE, attribute(k, v)]);
}

function writeObject(out: Out, node: H5WriteGroup | H5WriteDataset): number {
  if (node instanceof H5WriteDataset) {
    const raw = new Uint8Array(node.data.length * 4);
    const view = new DataView(raw.buffer);
    node.data.forEach((v, i) => view.setFloat32(i * 4, v, true));
    const at = raw.length ? out.append(raw) : -1;
    const layout = new Bytes().u8(3, 1).u64(at < 0 ? UNDEF : at).u64(raw.length).done();
    return out.append(objectHeader([
      [MSG.DATASPACE, dataspace(node.shape)],
      [MSG.DATATYPE, FLOAT32_TYPE],
      // fill value v3: allocation late, write if set, no value defined
      [MSG.FILL, new Bytes().u8(3, 0x0a).done()],
      [MSG.LAYOUT, layout],
      ...attributeMessages(node.attrs),
    ]));
  }
  const links: [number, Uint8Array][] = [];
  for (const [name, child] of node.members) links.push([MSG.LINK, link(name, writeObject(out, child))]);
  return out.append(objectHeader([
    // link info v0: no creation order, compact storage (no fractal heap, no name index)
    [MSG.LINK_INFO, new Bytes().u8(0, 0).u64(UNDEF).u64(UNDEF).done()],
    [MSG.GROUP_INFO, new Bytes().u8(0, 0).done()],
    ...links,
    ...attributeMessages(node.attrs),
  ]));
}

/** The bytes of an HDF5 file holding `root` and everything under it. */
export function writeH5(root: H5WriteGroup): Uint8Array {
  const out = new Out();
  out.append(new Uint8Array(48)); // the superblock, written last
  const rootAt = writeObject(out, root);
  const bytes = out.bytes();
  // superblock v2 (II.A.2): 8-byte offsets and lengths, base 0, no extension
  const sb = new Bytes().raw(SIGNATURE).u8(2, 8, 8, 0).u64(0).u64(UNDEF).u64(bytes.length).u64(rootAt).done();
  bytes.set(sb, 0);
  new DataView(bytes.buffer).setUint32(44, lookup3(sb), true);
  return bytes;
}
