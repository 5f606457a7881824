// Dense storage of HDF5 1.8 groups and attributes (what libver='latest' uses past 8 links or attributes):
// the messages live in a fractal heap (III.G), indexed by name in a version-2 B-tree (III.A.2). Listing
// them walks the B-tree's records and resolves each record's heap ID to a file address.
import { H5Error, Source, UNDEF } from './source.js';

/** Bytes needed to store values up to n. */
const bytesFor = (n: number): number => Math.max(1, Math.ceil(Math.log2(n + 1) / 8));
const log2 = (n: number): number => Math.round(Math.log2(n));

interface DirectBlock { offset: number; size: number; address: number }

/** A fractal heap: its direct blocks in heap-space order, and how heap IDs encode offsets and lengths. */
class FractalHeap {
  private readonly blocks: DirectBlock[] = [];
  private readonly offsetBytes: number;
  private readonly lengthBytes: number;

  constructor(private readonly src: Source, at: number, where: string) {
    src.signature(at, 'FRHP', 'a fractal heap');
    const O = src.offsets, L = src.lengths;
    const filtersLength = src.uint(at + 7, 2);
    if (filtersLength > 0) throw new H5Error(`${where}: filtered fractal heaps are not supported`);
    const maxManaged = src.uint(at + 10, 4);
    let p = at + 14 + L + O + L + O + 8 * L;
    const width = src.uint(p, 2);
    const startBlock = src.len(p + 2), maxDirect = src.len(p + 2 + L);
    const maxHeapBits = src.uint(p + 2 + 2 * L, 2);
    p += 2 + 2 * L + 4;
    const root = src.addr(p), rows = src.uint(p + O, 2);
    src.checksum(at, p + O + 2, 'fractal heap header');
    this.offsetBytes = Math.ceil(maxHeapBits / 8);
    this.lengthBytes = bytesFor(Math.min(maxDirect, maxManaged));
    const maxDirectRows = log2(maxDirect) - log2(startBlock) + 2;
    const rowSize = (r: number) => (r < 2 ? startBlock : startBlock * 2 ** (r - 1));
    const indirect = (block: number, nrows: number, offset: number, depth: number): number => {
      if (depth > 32) throw new H5Error(`${where}: fractal heap too deep (corrupt file)`);
      src.signature(block, 'FHIB', 'a fractal heap indirect block');
      let q = block + 5 + O + this.offsetBytes;
      for (let r = 0; r < nrows; r++) {
        const size = rowSize(r);
        for (let c = 0; c < width; c++, q += O) {
          const child = src.addr(q);
          if (r < maxDirectRows) {
            if (child !== UNDEF) this.blocks.push({ offset, size, address: child });
          } else if (child !== UNDEF) {
            indirect(child, log2(size) - log2(startBlock * width) + 1, offset, depth + 1);
          }
          offset += size;
        }
      }
      return offset;
    };
    if (root === UNDEF) return;
    if (rows === 0) this.blocks.push({ offset: 0, size: startBlock, address: root });
    else indirect(root, rows, 0, 0);
  }

  /** The file address of the managed object a heap ID names. */
  address(id: number, where: string): number {
    const src = this.src;
    const type = (src.u8(id) >> 4) & 3;
    if (type !== 0) throw new H5Error(`${where}: ${type === 1 ? 'huge' : 'tiny'} fractal heap objects are not supported`);
    const offset = src.uint(id + 1, this.offsetBytes);
    const block = this.blocks.find((b) => offset >= b.offset && offset < b.offset + b.size);
    if (!block) throw new H5Error(`${where}: heap offset ${offset} lies in no direct block (corrupt file)`);
    return block.address + (offset - block.offset);
  }
}

/**
 * The file addresses of the messages (links or attributes) stored densely: `heap` the fractal heap, `index`
 * the name-index B-tree (record type 5: links; type 8: attributes).
 */
export function denseMessages(src: Source, heap: number, index: number, where: string): number[] {
  const fh = new FractalHeap(src, heap, where);
  src.signature(index, 'BTHD', 'a version-2 B-tree');
  const type = src.u8(index + 5);
  const nodeSize = src.uint(index + 6, 4), recordSize = src.uint(index + 10, 2), depth = src.uint(index + 12, 2);
  const O = src.offsets;
  const rootAt = src.addr(index + 16), rootRecords = src.uint(index + 16 + O, 2);
  src.checksum(index, index + 18 + O + src.lengths, 'B-tree header');
  if (type !== 5 && type !== 8) throw new H5Error(`${where}: B-tree record type ${type} is not a name index`);
  // the width of each level's child record counts follows from the most records a node of that level holds
  const maxRecords: number[] = [], maxTotal: number[] = [];
  for (let d = 0; d <= depth; d++) {
    if (d === 0) { maxRecords[0] = Math.floor((nodeSize - 10) / recordSize); maxTotal[0] = maxRecords[0]; continue; }
    const pointer = O + bytesFor(maxRecords[d - 1]) + (d > 1 ? bytesFor(maxTotal[d - 1]) : 0);
    maxRecords[d] = Math.floor((nodeSize - 10 - pointer) / (recordSize + pointer));
    maxTotal[d] = (maxRecords[d] + 1) * maxTotal[d - 1] + maxRecords[d];
  }
  const out: number[] = [];
  const visit = (node: number, level: number, records: number): void => {
    src.signature(node, level === 0 ? 'BTLF' : 'BTIN', 'a version-2 B-tree node');
    const first = node + 6;
    for (let i = 0; i < records; i++) {
      const rec = first + i * recordSize;
      out.push(fh.address(type === 5 ? rec + 4 : rec, where));
    }
    if (level === 0) return;
    let p = first + records * recordSize;
    const n1 = bytesFor(maxRecords[level - 1]), n2 = level > 1 ? bytesFor(maxTotal[level - 1]) : 0;
    for (let i = 0; i <= records; i++, p += O + n1 + n2) visit(src.addr(p), level - 1, src.uint(p + O, n1));
  };
  if (rootAt !== UNDEF) visit(rootAt, depth, rootRecords);
  return out;
}
