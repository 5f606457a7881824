// What the HDF5 reader and writer share: the file signature, message type numbers, the undefined address
// and the Jenkins lookup3 checksum that version-2 structures (superblock, object headers) end with.
// Reference: the HDF5 File Format Specification, version 3.0 (sections named where they are used).

export const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Object header message types (spec IV.A.2). */
export const MSG = {
  NIL: 0x00, DATASPACE: 0x01, LINK_INFO: 0x02, DATATYPE: 0x03, FILL_OLD: 0x04, FILL: 0x05, LINK: 0x06,
  LAYOUT: 0x08, GROUP_INFO: 0x0a, FILTERS: 0x0b, ATTRIBUTE: 0x0c, CONTINUATION: 0x10, SYMBOL_TABLE: 0x11,
  ATTRIBUTE_INFO: 0x15,
} as const;

/** Datatype classes (spec IV.A.2.d). */
export const CLASS = { FIXED: 0, FLOAT: 1, STRING: 3, VLEN: 9 } as const;

/** A value that an attribute or a dataset holds once read. */
export type H5Value = string | string[] | number | number[] | Float32Array | Float64Array | Int32Array;

function rot(x: number, k: number): number { return (x << k) | (x >>> (32 - k)); }

/** Bob Jenkins' lookup3 hashlittle with initval 0: HDF5's metadata checksum (H5_checksum_metadata). */
export function lookup3(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let length = to - from;
  let a = (0xdeadbeef + length) | 0, b = a, c = a;
  let i = from;
  const word = (j: number) => bytes[j] | (bytes[j + 1] << 8) | (bytes[j + 2] << 16) | (bytes[j + 3] << 24);
  while (length > 12) {
    a = (a + word(i)) | 0; b = (b + word(i + 4)) | 0; c = (c + word(i + 8)) | 0;
    a = (a - c) | 0; a ^= rot(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rot(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 4); b = (b + a) | 0;
    length -= 12; i += 12;
  }
  if (length === 0) return c >>> 0;
  // the last 1..12 bytes, zero-padded
  const tail = new Uint8Array(12);
  tail.set(bytes.subarray(i, i + length));
  const t = (j: number) => tail[j] | (tail[j + 1] << 8) | (tail[j + 2] << 16) | (tail[j + 3] << 24);
  a = (a + t(0)) | 0; b = (b + t(4)) | 0; c = (c + t(8)) | 0;
  c ^= b; c = (c - rot(b, 14)) | 0;
  a ^= c; a = (a - rot(c, 11)) | 0;
  b ^= a; b = (b - rot(a, 25)) | 0;
  c ^= b; c = (c - rot(b, 16)) | 0;
  a ^= c; a = (a - rot(c, 4)) | 0;
  b ^= a; b = (b - rot(a, 14)) | 0;
  c ^= b; c = (c - rot(b, 24)) | 0;
  return c >>> 0;
}
