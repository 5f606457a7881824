// The one allocator of simdnet: hands out 16-byte-aligned byte offsets into the single Wasm memory.
// Kernels never allocate (the AssemblyScript runtime is not thread-safe); everything they touch comes
// from here. First-fit over a sorted free list, coalescing on free; grows the memory on demand and fails
// with a clear error at the limit.

const ALIGN = 16;
const PAGE = 65536;

interface Block { off: number; size: number }

export class Arena {
  private free: Block[] = [];
  private live = new Map<number, number>();
  private top: number;
  /** High-water mark: no byte at or above it was ever handed out. */
  private peak: number;

  /** @param base first usable byte (the module's static data lives below it). */
  constructor(readonly memory: WebAssembly.Memory, base: number, readonly maxBytes: number) {
    this.top = this.peak = base;
  }

  /** Allocates `bytes` (rounded up to 16) and returns the offset. Contents are unspecified. */
  alloc(bytes: number, what = 'buffer'): number {
    if (!Number.isFinite(bytes) || bytes < 0) throw new Error(`simdnet memory: cannot allocate ${bytes} bytes for ${what}`);
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i];
      if (b.size >= size) {
        const off = b.off;
        if (b.size === size) this.free.splice(i, 1);
        else { b.off += size; b.size -= size; }
        this.live.set(off, size);
        return off;
      }
    }
    const off = this.top;
    this.ensure(off + size, what);
    this.top = off + size;
    this.peak = Math.max(this.peak, this.top);
    this.live.set(off, size);
    return off;
  }

  /**
   * Allocates and zero-fills — only the bytes handed out before: Wasm memory starts and grows zeroed, so bytes
   * above the high-water mark are zero already, and filling them would only take their page faults early
   * (≈ 3 ms per MB on a VM; a model's parameter block is most of a cold start's fresh memory).
   */
  allocZeroed(bytes: number, what = 'buffer'): number {
    const pristine = this.peak;
    const off = this.alloc(bytes, what);
    const end = Math.min(off + Math.ceil(bytes / ALIGN) * ALIGN, pristine);
    if (end > off) new Uint8Array(this.memory.buffer, off, end - off).fill(0);
    return off;
  }

  release(off: number): void {
    const size = this.live.get(off);
    if (size === undefined) throw new Error(`simdnet memory: release of unknown offset ${off}`);
    this.live.delete(off);
    if (off + size === this.top) {
      this.top = off;
      // fold a trailing free block into the top as well
      const last = this.free[this.free.length - 1];
      if (last && last.off + last.size === this.top) { this.top = last.off; this.free.pop(); }
      return;
    }
    let i = 0;
    while (i < this.free.length && this.free[i].off < off) i++;
    this.free.splice(i, 0, { off, size });
    // coalesce with neighbours
    const next = this.free[i + 1];
    if (next && off + size === next.off) { this.free[i].size += next.size; this.free.splice(i + 1, 1); }
    const prev = this.free[i - 1];
    if (prev && prev.off + prev.size === off) { prev.size += this.free[i].size; this.free.splice(i, 1); }
  }

  /** Bytes currently handed out. */
  get usedBytes(): number {
    let s = 0;
    for (const v of this.live.values()) s += v;
    return s;
  }

  get peakBytes(): number { return this.peak; }

  private ensure(end: number, what: string): void {
    if (end > this.maxBytes) {
      throw new Error(`simdnet memory: allocating ${what} needs ${(end / 2 ** 20).toFixed(1)} MiB of Wasm memory, ` +
        `over the limit of ${(this.maxBytes / 2 ** 20).toFixed(0)} MiB`);
    }
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    try {
      this.memory.grow(pages);
    } catch (e) {
      throw new Error(`simdnet memory: could not grow Wasm memory to ${(end / 2 ** 20).toFixed(1)} MiB for ${what}: ${(e as Error).message}`);
    }
  }
}
