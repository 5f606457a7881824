// A small HDF5 reader in plain TypeScript (no Node API, no Wasm): enough of the format for the files Keras
// and h5py write — groups (symbol tables of HDF5 1.6 files, and the link messages of 1.8+ files), attributes
// (numbers, fixed-length and variable-length strings) and datasets of integers and floats stored
// contiguously, compactly or in unfiltered chunks, links and attributes in compact or dense storage.
// Anything else (compression, HDF5 1.10 chunk indexes, compound types) is refused with an error naming
// the object and the feature.
//
// Version-1 structures are located through the superblock's root symbol table entry; version-2 ones carry
// checksums, which are verified. Spec: the HDF5 File Format Specification 3.0, sections in comments.
import { CLASS, MSG, type H5Value } from './format.js';
import { denseMessages } from './dense.js';
import { decoder, H5Error, numbers, product, Source, UNDEF, type Datatype, type Message } from './source.js';

export { H5Error };

abstract class H5Object {
  constructor(protected readonly src: Source, readonly path: string, protected readonly header: number) {}

  protected get where(): string { return `${this.src.name}: ${this.path || '/'}`; }
  protected messages(): Message[] { return this.src.messages(this.header); }

  /** Every attribute, by name (in the object header, or in dense storage). */
  attrs(): Record<string, H5Value> {
    const src = this.src;
    const out: Record<string, H5Value> = {};
    for (const m of this.messages()) {
      if (m.type === MSG.ATTRIBUTE) this.attribute(m.at, out);
      if (m.type === MSG.ATTRIBUTE_INFO) {
        const p = m.at + 2 + (src.u8(m.at + 1) & 1 ? 2 : 0);
        const heap = src.addr(p);
        if (heap !== UNDEF) for (const at of denseMessages(src, heap, src.addr(p + src.offsets), this.where)) this.attribute(at, out);
      }
    }
    return out;
  }

  /** One attribute message (IV.A.2.m) at `at`, into out. */
  private attribute(at: number, out: Record<string, H5Value>): void {
    const src = this.src;
    const version = src.u8(at), flags = src.u8(at + 1);
    if (version > 1 && flags & 3) throw new H5Error(`${this.where}: attributes with shared datatypes or dataspaces are not supported`);
    const nameSize = src.uint(at + 2, 2), typeSize = src.uint(at + 4, 2), spaceSize = src.uint(at + 6, 2);
    const pad = (n: number) => (version === 1 ? Math.ceil(n / 8) * 8 : n);
    let p = at + 8 + (version === 3 ? 1 : 0);
    const name = decoder.decode(src.bytes.subarray(p, p + nameSize)).replace(/\0+$/, '');
    p += pad(nameSize);
    const where = `${this.where} attribute ${name}`;
    const t = src.datatype(p, where);
    p += pad(typeSize);
    const shape = src.dataspace(p);
    p += pad(spaceSize);
    if (shape === null) { out[name] = []; return; }
    const v = src.values(t, p, product(shape), where);
    out[name] = shape.length === 0 ? (v[0] as string | number) : (v as H5Value);
  }
}

export class H5Group extends H5Object {
  readonly kind = 'group';
  private links: Map<string, number> | null = null;

  /** Member name -> object header address. */
  private members(): Map<string, number> {
    if (this.links) return this.links;
    const src = this.src;
    const links = new Map<string, number>();
    for (const m of this.messages()) {
      if (m.type === MSG.SYMBOL_TABLE) this.symbolTable(src.addr(m.at), src.addr(m.at + src.offsets), links);
      else if (m.type === MSG.LINK) this.link(m.at, links);
      else if (m.type === MSG.LINK_INFO) {
        const p = m.at + 2 + (src.u8(m.at + 1) & 1 ? 8 : 0);
        const heap = src.addr(p);
        if (heap !== UNDEF) for (const at of denseMessages(src, heap, src.addr(p + src.offsets), this.where)) this.link(at, links);
      }
    }
    this.links = links;
    return links;
  }

  /** One link message (IV.A.2.g) at `at`: a hard link's name and object header address, into out. */
  private link(at: number, out: Map<string, number>): void {
    const src = this.src;
    const flags = src.u8(at + 1);
    let p = at + 2;
    const type = flags & 0x08 ? src.u8(p++) : 0;
    if (flags & 0x04) p += 8;
    if (flags & 0x10) p += 1;
    const width = 1 << (flags & 3);
    const n = src.uint(p, width);
    p += width;
    const name = decoder.decode(src.bytes.subarray(p, p + n));
    if (type !== 0) throw new H5Error(`${this.where}/${name}: soft and external links are not supported`);
    out.set(name, src.addr(p + n));
  }

  /** Walks a version-1 group B-tree (III.A.1) and its symbol table nodes (III.B); names in the local heap (III.D). */
  private symbolTable(btree: number, heap: number, out: Map<string, number>): void {
    const src = this.src;
    src.signature(heap, 'HEAP', 'a local heap');
    const names = src.addr(heap + 8 + 2 * src.lengths);
    const nameAt = (offset: number): string => {
      const from = names + offset;
      let end = from;
      while (src.u8(end) !== 0) end++;
      return decoder.decode(src.bytes.subarray(from, end));
    };
    const visit = (node: number, depth: number): void => {
      if (depth > 64) throw new H5Error(`${this.where}: group B-tree too deep (corrupt file)`);
      src.signature(node, 'TREE', 'a group B-tree node');
      const level = src.u8(node + 5), used = src.uint(node + 6, 2);
      let p = node + 8 + 2 * src.offsets + src.lengths; // first child, after key 0
      for (let i = 0; i < used; i++, p += src.offsets + src.lengths) {
        const child = src.addr(p);
        if (level > 0) { visit(child, depth + 1); continue; }
        src.signature(child, 'SNOD', 'a symbol table node');
        const count = src.uint(child + 6, 2);
        const entry = 2 * src.offsets + 24;
        for (let j = 0; j < count; j++) {
          const e = child + 8 + j * entry;
          out.set(nameAt(src.len(e)), src.addr(e + src.offsets));
        }
      }
    };
    if (btree !== UNDEF) visit(btree, 0);
  }

  keys(): string[] { return [...this.members().keys()]; }

  has(path: string): boolean { return this.get(path) !== undefined; }

  /** The group or dataset at a path relative to this group ('a/b/c'), or undefined. */
  get(path: string): H5Group | H5Dataset | undefined {
    const parts = path.split('/').filter((s) => s !== '');
    let node: H5Group | H5Dataset = this;
    for (const part of parts) {
      if (!(node instanceof H5Group)) return undefined;
      const at = node.members().get(part);
      if (at === undefined) return undefined;
      node = openObject(this.src, node.path ? `${node.path}/${part}` : part, at);
    }
    return node;
  }
}

export class H5Dataset extends H5Object {
  readonly kind = 'dataset';

  private message(type: number): Message | undefined { return this.messages().find((m) => m.type === type); }

  get shape(): number[] {
    const m = this.message(MSG.DATASPACE);
    return m ? this.src.dataspace(m.at) ?? [] : [];
  }

  /** 'float32', 'float64', 'float16', 'int32', 'uint8', 'string', ... */
  get dtype(): string {
    const t = this.type();
    if (t.cls === CLASS.FLOAT) return `float${t.size * 8}`;
    if (t.cls === CLASS.FIXED) return `${t.signed ? 'int' : 'uint'}${t.size * 8}`;
    return 'string';
  }

  private type(): Datatype {
    const m = this.message(MSG.DATATYPE);
    if (!m) throw new H5Error(`${this.where}: dataset without a datatype`);
    return this.src.datatype(m.at, this.where);
  }

  /** The values, flat in row-major order. */
  value(): string[] | number[] | Float32Array | Float64Array {
    const src = this.src;
    const t = this.type();
    const count = product(this.shape);
    const filters = this.message(MSG.FILTERS);
    if (filters && src.u8(filters.at + 1) > 0) {
      throw new H5Error(`${this.where}: filtered (compressed) datasets are not supported; save without compression`);
    }
    const layout = this.message(MSG.LAYOUT);
    if (!layout) throw new H5Error(`${this.where}: dataset without a data layout`);
    const version = src.u8(layout.at), cls = src.u8(layout.at + 1);
    if (version < 3) throw new H5Error(`${this.where}: data layout version ${version} is not supported`);
    if (cls === 0) return src.values(t, layout.at + 4, count, this.where);
    if (cls === 1) {
      const at = src.addr(layout.at + 2);
      // never written: the fill value, zero
      if (at === UNDEF) return t.cls === CLASS.STRING || t.vlenString ? new Array<string>(count).fill('') : numbers(new Uint8Array(count * t.size), 0, t, count, this.where);
      return src.values(t, at, count, this.where);
    }
    if (cls === 2 && version === 3) return this.chunked(t, layout.at, count);
    if (cls === 2) throw new H5Error(`${this.where}: chunked datasets of the HDF5 1.10 format (data layout version ${version}) are not supported; write contiguous datasets`);
    throw new H5Error(`${this.where}: data layout class ${cls} (version ${version}) is not supported`);
  }

  /** Unfiltered chunks indexed by a version-1 B-tree (IV.A.2.i layout v3; III.A.1 node type 1). */
  private chunked(t: Datatype, at: number, count: number): Float32Array | Float64Array | number[] {
    const src = this.src;
    if (t.cls !== CLASS.FLOAT && t.cls !== CLASS.FIXED) throw new H5Error(`${this.where}: chunked string datasets are not supported`);
    const rank = src.u8(at + 2) - 1;
    const btree = src.addr(at + 3);
    const chunk = Array.from({ length: rank }, (_, i) => src.uint(at + 3 + src.offsets + 4 * i, 4));
    const shape = this.shape;
    const out = new Uint8Array(count * t.size);
    const strides = shape.map((_, i) => product(shape.slice(i + 1)));
    const chunkStrides = chunk.map((_, i) => product(chunk.slice(i + 1)));
    const keySize = 8 + 8 * (rank + 1);
    const visit = (node: number, depth: number): void => {
      if (depth > 64) throw new H5Error(`${this.where}: chunk B-tree too deep (corrupt file)`);
      src.signature(node, 'TREE', 'a chunk B-tree node');
      const level = src.u8(node + 5), used = src.uint(node + 6, 2);
      let p = node + 8 + 2 * src.offsets;
      for (let i = 0; i < used; i++, p += keySize + src.offsets) {
        const child = src.addr(p + keySize);
        if (level > 0) { visit(child, depth + 1); continue; }
        const offs = Array.from({ length: rank }, (_, d) => src.uint(p + 8 + 8 * d, 8));
        src.need(child, product(chunk) * t.size);
        // copy each element of the chunk that lies inside the dataset
        for (let e = 0; e < product(chunk); e++) {
          let flat = 0, inside = true;
          for (let d = 0; d < rank; d++) {
            const c = Math.floor(e / chunkStrides[d]) % chunk[d] + offs[d];
            if (c >= shape[d]) { inside = false; break; }
            flat += c * strides[d];
          }
          if (inside) out.set(src.bytes.subarray(child + e * t.size, child + (e + 1) * t.size), flat * t.size);
        }
      }
    };
    if (btree !== UNDEF) visit(btree, 0);
    return numbers(out, 0, t, count, this.where);
  }
}

function openObject(src: Source, path: string, at: number): H5Group | H5Dataset {
  const msgs = src.messages(at);
  const isDataset = msgs.some((m) => m.type === MSG.LAYOUT);
  return isDataset ? new H5Dataset(src, path, at) : new H5Group(src, path, at);
}

/** The root group of an HDF5 file held in memory; `name` (a path) appears in error messages. */
export function readH5(bytes: Uint8Array, name = 'the HDF5 file'): H5Group {
  const src = new Source(bytes, name);
  return new H5Group(src, '', src.root);
}
