// Zip archives in memory (Keras 3's .keras files). Reading: the central directory at the end lists each
// entry; entries are stored or deflated (inflated with the host's DecompressionStream: Node 20.12+,
// browsers, Cloudflare Workers). No zip64, no encryption: Keras' archives need neither. Writing: fflate's
// zipSync, entries stored as Keras' zipfile.ZipFile(..., 'w') stores them.
import { zipSync } from 'fflate/browser';

const EOCD = 0x06054b50, CENTRAL = 0x02014b50, LOCAL = 0x04034b50;

async function inflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The files of a zip archive, by name (`name` of the archive appears in error messages). */
export async function readZip(bytes: Uint8Array, name: string): Promise<Map<string, Uint8Array>> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string) => new Error(`${name} is not a readable zip archive: ${why}`);
  // the end-of-central-directory record: 22 bytes plus a comment of up to 64 KiB
  let end = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - 0xffff); p--) {
    if (view.getUint32(p, true) === EOCD) { end = p; break; }
  }
  if (end < 0) throw fail('no end of central directory');
  const count = view.getUint16(end + 10, true);
  let p = view.getUint32(end + 16, true);
  const files = new Map<string, Uint8Array>();
  const decoder = new TextDecoder();
  for (let i = 0; i < count; i++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== CENTRAL) throw fail(`central directory entry ${i} is damaged`);
    const method = view.getUint16(p + 10, true);
    const packed = view.getUint32(p + 20, true), size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true), extraLen = view.getUint16(p + 30, true), commentLen = view.getUint16(p + 32, true);
    const local = view.getUint32(p + 42, true);
    const entry = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (packed === 0xffffffff || local === 0xffffffff) throw fail(`${entry} needs zip64, which is not supported`);
    if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL) throw fail(`the local header of ${entry} is damaged`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + packed > bytes.length) throw fail(`${entry} is truncated`);
    const data = bytes.subarray(start, start + packed);
    if (method === 0) files.set(entry, data);
    else if (method === 8) files.set(entry, await inflateRaw(data));
    else throw fail(`${entry} uses compression method ${method} (only stored and deflated entries are supported)`);
    if (files.get(entry)!.length !== size) throw fail(`${entry} holds ${files.get(entry)!.length} bytes, its header says ${size}`);
  }
  return files;
}

/** A zip archive of the entries, in order, stored (uncompressed). */
export function writeZip(entries: [name: string, data: Uint8Array][]): Uint8Array {
  return zipSync(Object.fromEntries(entries), { level: 0 });
}
