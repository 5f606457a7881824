// Baseline JPEG: the entropy-coded scan (Huffman), the inverse DCT and the YCbCr -> RGB conversion. The
// markers, tables and every policy (which files come here, limits, errors) are src/io/jpeg.ts'; anything
// this decoder does not expect — a code no table holds, a marker inside the scan, data that ends early —
// makes it return -1, and the caller decodes the file with jpeg-js instead.
//
// The pixels equal jpeg-js' (the decoder simdnet used alone before, and still uses for other JPEGs) byte for
// byte: the same fixed-point IDCT (the Loeffler–Ligtenberg–Moschytz factorisation with jpeg-js' 12-bit
// constants, rounding shifts and its shortcut for all-zero AC rows and columns; i32 arithmetic wraps exactly
// where jpeg-js' ToInt32 does), the same nearest-sample chroma upsampling and the same colour conversion
// (jpeg-js' float formulas, truncated as a Uint8Array store truncates, reproduced exactly in integers).
// test/io/jpeg.test.ts checks that on many files, test/io/jpeg-colour.test.ts every colour.

// Natural-order index of the k-th coefficient in zig-zag order.
const ZIGZAG = memory.data<u8>([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
  28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
  54, 47, 55, 62, 63,
]);

// A Huffman table as src/io/jpeg.ts lays it out (i32s): LOOKUP_SIZE entries indexed by the next LOOKUP_BITS
// bits, (length << 8) | symbol for codes up to LOOKUP_BITS long, else 0; then maxcode[0..16] (the largest
// code of each length, -1 if none) and valptr[0..16] (index in the symbols of a length's first code minus
// that code); then the symbols; then, for AC, LOOKUP_SIZE entries (value << 16) | (run << 8) | bits used
// where the next LOOKUP_BITS bits hold a whole code and its value's bits (value: the signed coefficient),
// else 0.
const LOOKUP_BITS = 9;
const LOOKUP_SIZE = 1 << LOOKUP_BITS;
const MAXCODE = LOOKUP_SIZE;
const VALPTR = MAXCODE + 17;
const SYMBOLS = VALPTR + 17;
const FAST_AC = SYMBOLS + 256;

export function jpeg_huffman_ints(): i32 { return FAST_AC + LOOKUP_SIZE; }

// A component of the scan, in i32s: h, v, quantization table (64 i32, zig-zag order as in the file), DC table, AC table,
// plane (bytes, `stride` a row), stride, blocks per line and per column that reach the image (others are
// decoded, not transformed: MCU padding).
const C_H = 0, C_V = 1, C_QUANT = 2, C_DC = 3, C_AC = 4, C_PLANE = 5, C_STRIDE = 6, C_BPL = 7, C_BPC = 8;
const C_INTS = 9;

export function jpeg_component_ints(): i32 { return C_INTS; }

// ---- the bit reader ------------------------------------------------------------------------------------
// Bits come MSB first out of a 64-bit buffer, a byte at a time. A 0xFF byte is data when 0x00 follows (both
// are consumed); any other byte after it is a marker, which the reader does not pass: it hands out zero bits
// instead and counts them, as it does past the end. The decoder consumes such a bit only if the data is
// bad (jpeg-js throws there, or reads on into the next segment), so it gives up then. The state lives here
// between blocks; decodeBlock works on it in locals.

let data: usize = 0;
let end: i32 = 0;
let readStart: i32 = 0;    // where reading started (the scan's data, or after a restart marker)
let pos: i32 = 0;          // next byte to read
let buf: u64 = 0;          // bits, the next one at bit 63
let count: i32 = 0;        // bits in buf (zero bits handed out at a marker or the end included)
let phantom: i32 = 0;      // of those, zero bits not from the data

function startReading(at: i32): void {
  readStart = pos = at; buf = 0; count = 0; phantom = 0;
}

// The byte position after the last byte a consumed bit came from (where jpeg-js stands after the scan): back
// from the reading position over the whole data bytes still in buf, a stuffed 0xFF 0x00 counting as one (in
// the data a 0xFF is always the first of such a pair, so a 0x00 after a 0xFF is its second).
function consumedEnd(): i32 {
  let at = pos;
  for (let unconsumed = (count - phantom) >> 3; unconsumed > 0; unconsumed--) {
    at -= at - 2 >= readStart && load<u8>(data + at - 1) == 0 && load<u8>(data + at - 2) == 0xff ? 2 : 1;
  }
  return at;
}

// The signed value of an n-bit magnitude category (JPEG's EXTEND).
// @ts-ignore: decorator
@inline
function extend(v: i32, n: i32): i32 {
  return v >= 1 << (n - 1) ? v : v + (-1 << n) + 1;
}

// ---- one block -----------------------------------------------------------------------------------------

// Coefficient k (zig-zag order) of value v, dequantized by q, into the transposed block zz; past the 64th
// jpeg-js writes nowhere (its zig-zag table has no entry there).
// @ts-ignore: decorator
@inline
function putCoefficient(zz: usize, q: usize, k: i32, v: i32): void {
  if (k >= 64) return;
  const z = <usize>load<u8>(ZIGZAG + k); // row * 8 + column
  store<i32>(zz + ((((z & 7) << 3) | (z >> 3)) << 2), v * load<i32>(q + (<usize>k << 2)));
}

// The coefficients of one block, dequantized by q (64 i32, zig-zag order), into zz (64 i32, zeroed here)
// transposed — coefficient (row, column) at column * 8 + row, so the inverse DCT's first pass (along rows)
// runs four rows at a time in SIMD lanes — with the DC predictor at pred (an i32, updated); false if the
// data is bad (a code no table holds, a consumed bit that was not data). Each product is the i32 product
// jpeg-js forms in its IDCT (coefficient times table entry, wrapping alike). The reader's state is in locals
// here (one refill a coefficient: a code and its bits are at most 32 of the buffer's more than 56).
function decodeBlock(zz: usize, pred: usize, dc: usize, ac: usize, q: usize): bool {
  memory.fill(zz, 0, 256);
  const d = data, e = end;
  let b = buf, n = count, p = pos, ph = phantom;
  let k = 0, t = dc, ok = false;
  while (true) {
    while (n <= 56) {
      let v: u64 = 0;
      if (ph == 0 && p < e) {
        v = <u64>load<u8>(d + p);
        if (v != 0xff) p++;
        else if (p + 1 < e && load<u8>(d + p + 1) == 0) p += 2;
        else { v = 0; ph = 8; } // a marker (or 0xFF at the end): no data from here
      } else {
        ph += 8;
      }
      b |= v << <u64>(56 - n);
      n += 8;
    }
    // an AC coefficient whose code and value fit the lookahead: one lookup (as the steps below would give,
    // their two checks for bits that were not data made at once)
    if (k != 0) {
      const f = load<i32>(t + ((<usize>FAST_AC + <usize>(b >>> <u64>(64 - LOOKUP_BITS))) << 2));
      if (f != 0) {
        const used = f & 0xff;
        b <<= <u64>used; n -= used;
        if (n < ph) break;
        k += (f >> 8) & 15;
        putCoefficient(zz, q, k, f >> 16);
        if (++k >= 64) { ok = true; break; }
        continue;
      }
    }
    // the symbol: its code from the lookup, or (codes longer than LOOKUP_BITS) by the canonical limits
    let sym: i32 = -1, len = 0;
    const entry = load<i32>(t + (<usize>(b >>> <u64>(64 - LOOKUP_BITS)) << 2));
    if (entry != 0) {
      sym = entry & 0xff; len = entry >> 8;
    } else {
      const code16 = <i32>(b >>> 48);
      for (let l = LOOKUP_BITS + 1; l <= 16; l++) {
        const c = code16 >> (16 - l);
        if (c <= load<i32>(t + (<usize>(MAXCODE + l) << 2))) {
          sym = load<i32>(t + (<usize>(SYMBOLS + load<i32>(t + (<usize>(VALPTR + l) << 2)) + c) << 2));
          len = l;
          break;
        }
      }
      if (sym < 0) break;
    }
    b <<= <u64>len; n -= len;
    if (n < ph) break; // a bit that was not data
    // its value's bits: DC's size is the symbol, AC's the low nibble after a run of zeros
    const s = k == 0 ? sym : sym & 15;
    let v = 0;
    if (s != 0) {
      if (s > 16) break;
      v = <i32>(b >>> <u64>(64 - s));
      b <<= <u64>s; n -= s;
      if (n < ph) break;
    }
    if (k == 0) {
      const pv = load<i32>(pred) + (s != 0 ? extend(v, s) : 0);
      store<i32>(pred, pv);
      store<i32>(zz, pv * load<i32>(q));
      k = 1; t = ac;
      continue;
    }
    if (s == 0) {
      if (sym >> 4 < 15) { ok = true; break; } // end of block
      k += 16;                                 // sixteen zeros
    } else {
      k += sym >> 4;
      putCoefficient(zz, q, k, extend(v, s));
      k++;
    }
    if (k >= 64) { ok = true; break; }
  }
  buf = b; count = n; pos = p; phantom = ph;
  return ok;
}

const C1 = 4017, S1 = 799, C3 = 3406, S3 = 2276, C6 = 1567, S6 = 3784, R2 = 5793, R1D2 = 2896;

// One 1-D pass of the inverse DCT over four lines at once, one per i32x4 lane: the 8 inputs are the vectors
// at p, p + 32, ..., p + 224. Rows first (wider rounding, the odd inputs scaled up by 16), then columns, as
// jpeg-js does, with its shortcut for a line whose AC inputs are all 0 (a flat line) taken lane by lane. i32x4
// arithmetic wraps as the i32 arithmetic of jpeg-js' Int32Array stores does.
function idct8x4(p: usize, rows: bool): void {
  const x0 = v128.load(p), x1 = v128.load(p, 32), x2 = v128.load(p, 64), x3 = v128.load(p, 96);
  const x4 = v128.load(p, 128), x5 = v128.load(p, 160), x6 = v128.load(p, 192), x7 = v128.load(p, 224);
  const ac = v128.or(v128.or(v128.or(x1, x2), v128.or(x3, x4)), v128.or(v128.or(x5, x6), x7));
  const flatLanes = i32x4.eq(ac, i32x4.splat(0));
  const r2 = i32x4.splat(R2);
  const flat = rows ? i32x4.shr_s(i32x4.add(i32x4.mul(r2, x0), i32x4.splat(512)), 10)
                    : i32x4.shr_s(i32x4.add(i32x4.mul(r2, x0), i32x4.splat(8192)), 14);
  const half = i32x4.splat(rows ? 128 : 2048), sh = rows ? 8 : 12, one = i32x4.splat(1), r12 = i32x4.splat(2048);
  let v0 = i32x4.shr_s(i32x4.add(i32x4.mul(r2, x0), half), sh), v1 = i32x4.shr_s(i32x4.add(i32x4.mul(r2, x4), half), sh);
  let v2 = x2, v3 = x6;
  const r1d2 = i32x4.splat(R1D2);
  let v4 = i32x4.shr_s(i32x4.add(i32x4.mul(r1d2, i32x4.sub(x1, x7)), half), sh);
  let v7 = i32x4.shr_s(i32x4.add(i32x4.mul(r1d2, i32x4.add(x1, x7)), half), sh);
  let v5 = rows ? i32x4.shl(x3, 4) : x3, v6 = rows ? i32x4.shl(x5, 4) : x5;
  let t = i32x4.shr_s(i32x4.add(i32x4.sub(v0, v1), one), 1); v0 = i32x4.shr_s(i32x4.add(i32x4.add(v0, v1), one), 1); v1 = t;
  t = i32x4.shr_s(i32x4.add(i32x4.add(i32x4.mul(v2, i32x4.splat(S6)), i32x4.mul(v3, i32x4.splat(C6))), half), sh);
  v2 = i32x4.shr_s(i32x4.add(i32x4.sub(i32x4.mul(v2, i32x4.splat(C6)), i32x4.mul(v3, i32x4.splat(S6))), half), sh); v3 = t;
  t = i32x4.shr_s(i32x4.add(i32x4.sub(v4, v6), one), 1); v4 = i32x4.shr_s(i32x4.add(i32x4.add(v4, v6), one), 1); v6 = t;
  t = i32x4.shr_s(i32x4.add(i32x4.add(v7, v5), one), 1); v5 = i32x4.shr_s(i32x4.add(i32x4.sub(v7, v5), one), 1); v7 = t;
  t = i32x4.shr_s(i32x4.add(i32x4.sub(v0, v3), one), 1); v0 = i32x4.shr_s(i32x4.add(i32x4.add(v0, v3), one), 1); v3 = t;
  t = i32x4.shr_s(i32x4.add(i32x4.sub(v1, v2), one), 1); v1 = i32x4.shr_s(i32x4.add(i32x4.add(v1, v2), one), 1); v2 = t;
  t = i32x4.shr_s(i32x4.add(i32x4.add(i32x4.mul(v4, i32x4.splat(S3)), i32x4.mul(v7, i32x4.splat(C3))), r12), 12);
  v4 = i32x4.shr_s(i32x4.add(i32x4.sub(i32x4.mul(v4, i32x4.splat(C3)), i32x4.mul(v7, i32x4.splat(S3))), r12), 12); v7 = t;
  t = i32x4.shr_s(i32x4.add(i32x4.add(i32x4.mul(v5, i32x4.splat(S1)), i32x4.mul(v6, i32x4.splat(C1))), r12), 12);
  v5 = i32x4.shr_s(i32x4.add(i32x4.sub(i32x4.mul(v5, i32x4.splat(C1)), i32x4.mul(v6, i32x4.splat(S1))), r12), 12); v6 = t;
  v128.store(p, v128.bitselect(flat, i32x4.add(v0, v7), flatLanes));
  v128.store(p, v128.bitselect(flat, i32x4.sub(v0, v7), flatLanes), 224);
  v128.store(p, v128.bitselect(flat, i32x4.add(v1, v6), flatLanes), 32);
  v128.store(p, v128.bitselect(flat, i32x4.sub(v1, v6), flatLanes), 192);
  v128.store(p, v128.bitselect(flat, i32x4.add(v2, v5), flatLanes), 64);
  v128.store(p, v128.bitselect(flat, i32x4.sub(v2, v5), flatLanes), 160);
  v128.store(p, v128.bitselect(flat, i32x4.add(v3, v4), flatLanes), 96);
  v128.store(p, v128.bitselect(flat, i32x4.sub(v3, v4), flatLanes), 128);
}

// Transposes the 4x4 i32 block at a (rows 32 bytes apart) into b, and b's into a (b == a: in place).
// @ts-ignore: decorator
@inline
function transpose4x4(a: usize, b: usize): void {
  const a0 = v128.load(a), a1 = v128.load(a, 32), a2 = v128.load(a, 64), a3 = v128.load(a, 96);
  const b0 = v128.load(b), b1 = v128.load(b, 32), b2 = v128.load(b, 64), b3 = v128.load(b, 96);
  storeTransposed(b, a0, a1, a2, a3);
  if (a != b) storeTransposed(a, b0, b1, b2, b3);
}

// Stores the columns of the 4x4 block with rows r0..r3 as rows at p (32 bytes apart).
// @ts-ignore: decorator
@inline
function storeTransposed(p: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(p, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(p, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 32);
  v128.store(p, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 64);
  v128.store(p, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 96);
}

// The inverse DCT of the dequantized, transposed zz into 8x8 bytes at out, `stride` bytes a row.
function idctBlock(out: usize, stride: i32, zz: usize): void {
  // A block with no AC coefficient (most chroma blocks of a grey photo saved as YCbCr, flat areas) is one
  // level: every line of both passes takes jpeg-js' flat shortcut, so the level is those two steps on the
  // DC alone (i32 arithmetic wrapping as the vector lanes do).
  let acs = v128.and(v128.load(zz), i32x4(0, -1, -1, -1));
  for (let i: usize = 16; i < 256; i += 16) acs = v128.or(acs, v128.load(zz + i));
  if (!v128.any_true(acs)) {
    const v = (R2 * ((R2 * load<i32>(zz) + 512) >> 10) + 8192) >> 14;
    const level = clampByte(128 + ((v + 8) >> 4));
    const row = <u64>level * 0x0101010101010101;
    for (let y: usize = 0; y < 8; y++) store<u64>(out + y * <usize>stride, row);
    return;
  }
  // rows: zz holds them as columns, four to a vector
  idct8x4(zz, true);
  idct8x4(zz + 16, true);
  // back to natural order (the 8x8 block as four 4x4 blocks)
  transpose4x4(zz, zz);
  transpose4x4(zz + 16, zz + 128);
  transpose4x4(zz + 144, zz + 144);
  idct8x4(zz, false);
  idct8x4(zz + 16, false);
  // 128 + ((v + 8) >> 4) clamped to [0, 255]: the saturating narrows clamp exactly
  const bias = i32x4.splat(8), level = i32x4.splat(128);
  for (let y: usize = 0; y < 8; y++) {
    const a = i32x4.add(level, i32x4.shr_s(i32x4.add(v128.load(zz + (y << 5)), bias), 4));
    const b = i32x4.add(level, i32x4.shr_s(i32x4.add(v128.load(zz + (y << 5), 16), bias), 4));
    const bytes = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(a, b), i16x8.narrow_i32x4_s(a, b));
    v128.store64_lane(out + y * <usize>stride, bytes, 0);
  }
}

// ---- the scan ------------------------------------------------------------------------------------------

// Decodes the scan whose entropy-coded data starts at bytes[start] (len bytes in all) for its ncomp
// components (comps: ncomp descriptors of C_INTS i32, scan order), each block transformed into its plane.
// mcus: MCUs in the scan (for one component, its blocks per line times per column); mcusPerLine: MCUs (one
// component: blocks) a row; restart: MCUs between restart markers, 0 for none. scratch: 64 + ncomp i32.
// Returns the position after the scan (after a restart marker that ends it, if any), -1 if the data is bad.
export function jpeg_decode_scan(bytes: usize, len: i32, start: i32, comps: usize, ncomp: i32, mcus: i32,
                                 mcusPerLine: i32, restart: i32, scratch: usize): i32 {
  data = bytes; end = len;
  startReading(start);
  const zz = scratch, preds = scratch + 256;
  const interval = restart > 0 ? restart : mcus;
  let mcu = 0;
  while (mcu < mcus) {
    const first = mcu;
    for (let i = 0; i < ncomp; i++) store<i32>(preds + (<usize>i << 2), 0);
    for (let n = 0; n < interval && mcu < mcus; n++, mcu++) {
      const row = mcu / mcusPerLine, col = mcu % mcusPerLine;
      for (let i = 0; i < ncomp; i++) {
        const c = comps + (<usize>(i * C_INTS) << 2);
        const h = ncomp == 1 ? 1 : load<i32>(c, C_H << 2), v = ncomp == 1 ? 1 : load<i32>(c, C_V << 2);
        for (let by = 0; by < v; by++) {
          for (let bx = 0; bx < h; bx++) {
            if (!decodeBlock(zz, preds + (<usize>i << 2), <usize>load<u32>(c, C_DC << 2), <usize>load<u32>(c, C_AC << 2), <usize>load<u32>(c, C_QUANT << 2))) return -1;
            const br = row * v + by, bc = col * h + bx;
            if (br < load<i32>(c, C_BPC << 2) && bc < load<i32>(c, C_BPL << 2)) {
              const stride = load<i32>(c, C_STRIDE << 2);
              idctBlock(<usize>load<u32>(c, C_PLANE << 2) + <usize>(br * 8) * stride + (bc << 3), stride, zz);
            }
          }
        }
      }
    }
    // after an interval (or the last MCU): jpeg-js drops the bits left in the byte and expects a marker
    // where it stands — after the last MCU, at the first 0xFF followed by a byte other than 0. (It counts a
    // lone component's last interval in full, past the last block, and then does not look further.)
    let at = consumedEnd();
    if ((ncomp == 1 ? first + interval : mcu) == mcus) {
      while (at < len - 2 && !(load<u8>(bytes + at) == 0xff && load<u8>(bytes + at + 1) != 0)) at++;
    }
    if (at + 1 >= len || load<u8>(bytes + at) != 0xff) return -1;
    const m = load<u8>(bytes + at + 1);
    if (m >= 0xd0 && m <= 0xd7) at += 2;
    else if (mcu < mcus) return -1; // another marker cut the scan short: jpeg-js leaves the rest grey
    else return at;
    startReading(at);
  }
  return pos; // after the restart marker that ended the scan (the start, for an empty scan)
}

// ---- colour --------------------------------------------------------------------------------------------

// RGB pixels (width x height x 3) from the planes of a frame's components (frame order). planes: per
// component 4 i32: plane, stride, and the shifts from pixel to plane coordinates in x and y (the component's
// subsampling: 0, 1 or 2). One component is grey (replicated), three are YCbCr.
export function jpeg_to_rgb(out: usize, width: i32, height: i32, ncomp: i32, planes: usize): void {
  const p0 = <usize>load<u32>(planes), st0 = load<i32>(planes, 4), sx0 = load<i32>(planes, 8), sy0 = load<i32>(planes, 12);
  // sixteen pixels at a time while a whole sixteen fit in the line, then one at a time
  const whole = width & ~15;
  if (ncomp == 1) {
    for (let y = 0; y < height; y++) {
      const line = p0 + <usize>(y >> sy0) * st0;
      const o = out + <usize>y * width * 3;
      for (let x = 0; x < whole; x += 16) {
        const g = samples16(line, x, sx0), at = o + <usize>x * 3;
        v128.store(at, i8x16.swizzle(g, GREY0));
        v128.store(at, i8x16.swizzle(g, GREY1), 16);
        v128.store(at, i8x16.swizzle(g, GREY2), 32);
      }
      for (let x = whole; x < width; x++) {
        const g = load<u8>(line + (x >> sx0));
        store<u8>(o + <usize>x * 3, g); store<u8>(o + <usize>x * 3, g, 1); store<u8>(o + <usize>x * 3, g, 2);
      }
    }
    return;
  }
  const p1 = <usize>load<u32>(planes, 16), st1 = load<i32>(planes, 20), sx1 = load<i32>(planes, 24), sy1 = load<i32>(planes, 28);
  const p2 = <usize>load<u32>(planes, 32), st2 = load<i32>(planes, 36), sx2 = load<i32>(planes, 40), sy2 = load<i32>(planes, 44);
  for (let y = 0; y < height; y++) {
    const l0 = p0 + <usize>(y >> sy0) * st0, l1 = p1 + <usize>(y >> sy1) * st1, l2 = p2 + <usize>(y >> sy2) * st2;
    const o = out + <usize>y * width * 3;
    for (let x = 0; x < whole; x += 16) {
      const Y = samples16(l0, x, sx0), cb = samples16(l1, x, sx1), cr = samples16(l2, x, sx2);
      // widened to i32 lanes, four pixels a vector: Y as is, Cb and Cr less 128
      const c128 = i16x8.splat(128);
      const yLo = i16x8.extend_low_i8x16_u(Y), yHi = i16x8.extend_high_i8x16_u(Y);
      const bLo = i16x8.sub(i16x8.extend_low_i8x16_u(cb), c128), bHi = i16x8.sub(i16x8.extend_high_i8x16_u(cb), c128);
      const rLo = i16x8.sub(i16x8.extend_low_i8x16_u(cr), c128), rHi = i16x8.sub(i16x8.extend_high_i8x16_u(cr), c128);
      const R = i8x16.narrow_i16x8_u(
        i16x8.narrow_i32x4_s(red4(i32x4.extend_low_i16x8_s(yLo), i32x4.extend_low_i16x8_s(rLo)), red4(i32x4.extend_high_i16x8_s(yLo), i32x4.extend_high_i16x8_s(rLo))),
        i16x8.narrow_i32x4_s(red4(i32x4.extend_low_i16x8_s(yHi), i32x4.extend_low_i16x8_s(rHi)), red4(i32x4.extend_high_i16x8_s(yHi), i32x4.extend_high_i16x8_s(rHi))));
      const G = i8x16.narrow_i16x8_u(
        i16x8.narrow_i32x4_s(green4(i32x4.extend_low_i16x8_s(yLo), i32x4.extend_low_i16x8_s(bLo), i32x4.extend_low_i16x8_s(rLo)),
          green4(i32x4.extend_high_i16x8_s(yLo), i32x4.extend_high_i16x8_s(bLo), i32x4.extend_high_i16x8_s(rLo))),
        i16x8.narrow_i32x4_s(green4(i32x4.extend_low_i16x8_s(yHi), i32x4.extend_low_i16x8_s(bHi), i32x4.extend_low_i16x8_s(rHi)),
          green4(i32x4.extend_high_i16x8_s(yHi), i32x4.extend_high_i16x8_s(bHi), i32x4.extend_high_i16x8_s(rHi))));
      const B = i8x16.narrow_i16x8_u(
        i16x8.narrow_i32x4_s(blue4(i32x4.extend_low_i16x8_s(yLo), i32x4.extend_low_i16x8_s(bLo)), blue4(i32x4.extend_high_i16x8_s(yLo), i32x4.extend_high_i16x8_s(bLo))),
        i16x8.narrow_i32x4_s(blue4(i32x4.extend_low_i16x8_s(yHi), i32x4.extend_low_i16x8_s(bHi)), blue4(i32x4.extend_high_i16x8_s(yHi), i32x4.extend_high_i16x8_s(bHi))));
      // interleaved R G B R G B ...: each of the 48 bytes taken from its plane, zero from the other two
      const at = o + <usize>x * 3;
      v128.store(at, v128.or(v128.or(i8x16.swizzle(R, RGB0_R), i8x16.swizzle(G, RGB0_G)), i8x16.swizzle(B, RGB0_B)));
      v128.store(at, v128.or(v128.or(i8x16.swizzle(R, RGB1_R), i8x16.swizzle(G, RGB1_G)), i8x16.swizzle(B, RGB1_B)), 16);
      v128.store(at, v128.or(v128.or(i8x16.swizzle(R, RGB2_R), i8x16.swizzle(G, RGB2_G)), i8x16.swizzle(B, RGB2_B)), 32);
    }
    for (let x = whole; x < width; x++) {
      const Y = <i32>load<u8>(l0 + (x >> sx0));
      const cb = <i32>load<u8>(l1 + (x >> sx1)) - 128, cr = <i32>load<u8>(l2 + (x >> sx2)) - 128;
      store<u8>(o + <usize>x * 3, clampByte(Y + ((CR_R * cr) >> 16)));
      store<u8>(o + <usize>x * 3, clampByte(Y + ((-(CB_G * cb + CR_G * cr)) >> 22)), 1);
      store<u8>(o + <usize>x * 3, clampByte(Y + ((CB_B * cb) >> 16)), 2);
    }
  }
}

// The samples of pixels x .. x + 15 (x a multiple of 16) from a line read at x >> sx (sx 0, 1 or 2): each
// sample repeated 1 << sx times. Reads only samples of those pixels.
// @ts-ignore: decorator
@inline
function samples16(line: usize, x: i32, sx: i32): v128 {
  if (sx == 0) return v128.load(line + x);
  if (sx == 1) return i8x16.swizzle(v128.load64_zero(line + (x >> 1)), i8x16(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7));
  return i8x16.swizzle(v128.load32_zero(line + (x >> 2)), i8x16(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3));
}

// The scalar formulas below, four pixels a vector (i32 lanes: the same products, shifts and wrap-free sums);
// the clamp is the saturating narrows' to [0, 255].
// @ts-ignore: decorator
@inline
function red4(y: v128, cr: v128): v128 { return i32x4.add(y, i32x4.shr_s(i32x4.mul(cr, i32x4.splat(CR_R)), 16)); }
// @ts-ignore: decorator
@inline
function green4(y: v128, cb: v128, cr: v128): v128 {
  return i32x4.add(y, i32x4.shr_s(i32x4.neg(i32x4.add(i32x4.mul(cb, i32x4.splat(CB_G)), i32x4.mul(cr, i32x4.splat(CR_G)))), 22));
}
// @ts-ignore: decorator
@inline
function blue4(y: v128, cb: v128): v128 { return i32x4.add(y, i32x4.shr_s(i32x4.mul(cb, i32x4.splat(CB_B)), 16)); }

// Swizzle masks interleaving three planes of 16 bytes into 48 bytes R G B R G B ...: RGBk_c picks plane c's
// bytes of output vector k (pixel (16k + j) / 3 where (16k + j) % 3 == c) and zeroes the rest (index ≥ 16).
const RGB0_R = i8x16(0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1, 5);
const RGB0_G = i8x16(-1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1);
const RGB0_B = i8x16(-1, -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1);
const RGB1_R = i8x16(-1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10, -1);
const RGB1_G = i8x16(5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1, 10);
const RGB1_B = i8x16(-1, 5, -1, -1, 6, -1, -1, 7, -1, -1, 8, -1, -1, 9, -1, -1);
const RGB2_R = i8x16(-1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1, -1);
const RGB2_G = i8x16(-1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15, -1);
const RGB2_B = i8x16(10, -1, -1, 11, -1, -1, 12, -1, -1, 13, -1, -1, 14, -1, -1, 15);
// grey: every byte of output vector k from pixel (16k + j) / 3
const GREY0 = i8x16(0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5);
const GREY1 = i8x16(5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10);
const GREY2 = i8x16(10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15);

// jpeg-js converts in f64 and truncates: trunc(clamp(Y + 1.402 cr)), trunc(clamp(Y − 0.3441363 cb − 0.71413636 cr)),
// trunc(clamp(Y + 1.772 cb)). For integer Y, cb, cr that is Y plus the floor of each exact product, clamped (no f64
// result lands within rounding of an integer it is not), and these fixed-point products give those floors exactly
// for every cb, cr in [−128, 127] — test/io/jpeg-colour.test.ts checks all 2^24 (Y, cb, cr) against the f64 form.
const CR_R: i32 = 91881, CB_B: i32 = 116130;     // 1.402 · 2^16, 1.772 · 2^16
const CB_G: i32 = 1443412, CR_G: i32 = 2995305;  // 0.3441363 · 2^22, 0.71413636 · 2^22

// @ts-ignore: decorator
@inline
function clampByte(v: i32): u8 {
  return <u8>(v < 0 ? 0 : v > 255 ? 255 : v);
}

// ---- the encoder ---------------------------------------------------------------------------------------
// Baseline JPEG out of RGBA, RGB or grey pixels: YCbCr without subsampling, the float AAN forward DCT,
// quantization, and the Huffman-coded scan. src/io/jpeg-encode.ts makes the tables (quantization from the
// quality, the standard Huffman codes) and writes the markers around the scan. The bytes equal jpeg-js'
// encoder's (what made simdnet's face photos before) byte for byte: the same integer colour conversion, the
// same DCT in f64 with its constants and operation order, the same rounding of the quantized values, and
// the same final padding (the bits to the next byte set to 1 — a whole 0xFF byte when already aligned).

// Entries (code, length as two i32s) of the encoder's Huffman tables, one array: DC luminance, AC luminance,
// DC chrominance, AC chrominance (an AC table indexed by run << 4 | size).
const ENC_YDC = 0, ENC_YAC = 16, ENC_UVDC = 272, ENC_UVAC = 288;
export function jpeg_encode_huffman_entries(): i32 { return ENC_UVAC + 256; }

// The natural-order index of the k-th coefficient in zig-zag order (for the tables' order in DQT).
export function jpeg_zigzag(k: i32): i32 { return load<u8>(ZIGZAG + k); }

// Bytes of scratch jpeg_encode_scan takes: three blocks of f64 and one of i32.
export function jpeg_encode_scratch_bytes(): i32 { return 3 * 64 * 8 + 64 * 4; }

// At most this many bytes per MCU (3 blocks of 64 codes of ≤ 27 bits, every byte stuffed).
const ENC_MCU_BYTES = 3 * 64 * 27 * 2 / 8 + 16;

let encOut: usize = 0;
let encPos: i32 = 0;
let encAcc: u32 = 0;
let encBits: i32 = 0;

// Appends the low `len` bits of `code`, MSB first; a finished 0xFF byte is followed by a stuffed 0x00.
// @ts-ignore: decorator
@inline
function putBits(code: i32, len: i32): void {
  encAcc = (encAcc << len) | (<u32>code & ((<u32>1 << len) - 1));
  encBits += len;
  while (encBits >= 8) {
    encBits -= 8;
    const b = (encAcc >> encBits) & 0xff;
    store<u8>(encOut + encPos++, <u8>b);
    if (b == 0xff) store<u8>(encOut + encPos++, 0);
  }
  encAcc &= (<u32>1 << encBits) - 1;
}

// jpeg-js' fDCTQuant: the float AAN DCT on rows then columns, in place on 64 f64 (natural order), then each
// value times its factor in fdtbl, rounded half away from zero and truncated to i32, into q (natural order).
function fdctQuant(d: usize, fdtbl: usize, q: usize): void {
  for (let pass = 0; pass < 2; pass++) {
    const step: usize = pass == 0 ? 8 : 1; // between the vectors: rows, then columns
    const el: usize = pass == 0 ? 1 : 8; // between a vector's elements
    for (let i: usize = 0; i < 8; i++) {
      const p = d + ((i * step) << 3);
      const d0 = load<f64>(p), d1 = load<f64>(p + (el << 3)), d2 = load<f64>(p + (2 * el << 3)), d3 = load<f64>(p + (3 * el << 3));
      const d4 = load<f64>(p + (4 * el << 3)), d5 = load<f64>(p + (5 * el << 3)), d6 = load<f64>(p + (6 * el << 3)), d7 = load<f64>(p + (7 * el << 3));
      const tmp0 = d0 + d7, tmp7 = d0 - d7, tmp1 = d1 + d6, tmp6 = d1 - d6;
      const tmp2 = d2 + d5, tmp5 = d2 - d5, tmp3 = d3 + d4, tmp4 = d3 - d4;
      let tmp10 = tmp0 + tmp3;
      const tmp13 = tmp0 - tmp3;
      let tmp11 = tmp1 + tmp2;
      let tmp12 = tmp1 - tmp2;
      store<f64>(p, tmp10 + tmp11);
      store<f64>(p + (4 * el << 3), tmp10 - tmp11);
      const z1 = (tmp12 + tmp13) * 0.707106781;
      store<f64>(p + (2 * el << 3), tmp13 + z1);
      store<f64>(p + (6 * el << 3), tmp13 - z1);
      tmp10 = tmp4 + tmp5;
      tmp11 = tmp5 + tmp6;
      tmp12 = tmp6 + tmp7;
      const z5 = (tmp10 - tmp12) * 0.382683433;
      const z2 = 0.541196100 * tmp10 + z5;
      const z4 = 1.306562965 * tmp12 + z5;
      const z3 = tmp11 * 0.707106781;
      const z11 = tmp7 + z3, z13 = tmp7 - z3;
      store<f64>(p + (5 * el << 3), z13 + z2);
      store<f64>(p + (3 * el << 3), z13 - z2);
      store<f64>(p + (1 * el << 3), z11 + z4);
      store<f64>(p + (7 * el << 3), z11 - z4);
    }
  }
  for (let i: usize = 0; i < 64; i++) {
    const v = load<f64>(d + (i << 3)) * load<f64>(fdtbl + (i << 3));
    store<i32>(q + (i << 2), v > 0.0 ? <i32>(v + 0.5) : <i32>(v - 0.5));
  }
}

// Size category of a coefficient (its bit count) and its bits as JPEG writes them (negative: v - 1).
// @ts-ignore: decorator
@inline
function putValue(v: i32, cat: i32): void {
  putBits(v < 0 ? v + (1 << cat) - 1 : v, cat);
}

// @ts-ignore: decorator
@inline
function category(v: i32): i32 {
  return v == 0 ? 0 : 32 - clz(v < 0 ? -v : v);
}

// One block (jpeg-js' processDU): returns the block's DC value for the next block's difference.
function encodeBlock(d: usize, fdtbl: usize, q: usize, dc: i32, huff: usize, htdc: i32, htac: i32): i32 {
  fdctQuant(d, fdtbl, q);
  const first = load<i32>(q);
  const diff = first - dc;
  const dcCat = category(diff);
  const dcE = huff + (<usize>(htdc + dcCat) << 3);
  putBits(load<i32>(dcE), load<i32>(dcE, 4));
  if (diff != 0) putValue(diff, dcCat);
  // the last non-zero coefficient, in zig-zag order
  let end = 63;
  while (end > 0 && load<i32>(q + (<usize>load<u8>(ZIGZAG + end) << 2)) == 0) end--;
  const eob = huff + (<usize>htac << 3);
  if (end == 0) { putBits(load<i32>(eob), load<i32>(eob, 4)); return first; }
  const zrl = huff + (<usize>(htac + 0xf0) << 3);
  let i = 1;
  while (i <= end) {
    const start = i;
    let v = load<i32>(q + (<usize>load<u8>(ZIGZAG + i) << 2));
    while (v == 0) { i++; v = load<i32>(q + (<usize>load<u8>(ZIGZAG + i) << 2)); }
    let zeros = i - start;
    for (; zeros >= 16; zeros -= 16) putBits(load<i32>(zrl), load<i32>(zrl, 4));
    const cat = category(v);
    const e = huff + (<usize>(htac + (zeros << 4) + cat) << 3);
    putBits(load<i32>(e), load<i32>(e, 4));
    putValue(v, cat);
    i++;
  }
  if (end != 63) putBits(load<i32>(eob), load<i32>(eob, 4));
  return first;
}

// The entropy-coded scan of width x height pixels (`channels` bytes each: 4 RGBA, 3 RGB, 1 grey) into out
// (cap bytes): fdtbl holds 2 x 64 f64 (luminance, chrominance; natural order), huff the tables above.
// Returns the bytes written, or -1 if cap might not hold them (the caller grows the buffer and calls again).
export function jpeg_encode_scan(out: usize, cap: i32, pixels: usize, width: i32, height: i32, channels: i32,
                                 fdtbl: usize, huff: usize, scratch: usize): i32 {
  encOut = out; encPos = 0; encAcc = 0; encBits = 0;
  const yb = scratch, ub = scratch + 512, vb = scratch + 1024, q = scratch + 1536;
  let dcy = 0, dcu = 0, dcv = 0;
  const stride = <usize>width * channels;
  for (let y = 0; y < height; y += 8) {
    for (let x = 0; x < width; x += 8) {
      if (encPos + ENC_MCU_BYTES > cap) return -1;
      for (let pos = 0; pos < 64; pos++) {
        // pixels past the right and bottom edges repeat the last column and row
        const row = min(y + (pos >> 3), height - 1), col = min(x + (pos & 7), width - 1);
        const p = pixels + <usize>row * stride + <usize>col * channels;
        const r = <i32>load<u8>(p);
        const g = channels == 1 ? r : <i32>load<u8>(p, 1);
        const b = channels == 1 ? r : <i32>load<u8>(p, 2);
        store<f64>(yb + (<usize>pos << 3), <f64>(((19595 * r + 38470 * g + 7471 * b + 0x8000) >> 16) - 128));
        store<f64>(ub + (<usize>pos << 3), <f64>(((-11059 * r - 21709 * g + 32768 * b + 0x807fff) >> 16) - 128));
        store<f64>(vb + (<usize>pos << 3), <f64>(((32768 * r + 0x807fff - 27439 * g - 5329 * b) >> 16) - 128));
      }
      dcy = encodeBlock(yb, fdtbl, q, dcy, huff, ENC_YDC, ENC_YAC);
      dcu = encodeBlock(ub, fdtbl + 512, q, dcu, huff, ENC_UVDC, ENC_UVAC);
      dcv = encodeBlock(vb, fdtbl + 512, q, dcv, huff, ENC_UVDC, ENC_UVAC);
    }
  }
  if (encPos + 4 > cap) return -1;
  putBits(0xff, 8 - encBits); // to the byte boundary with 1 bits, as jpeg-js does (8 of them when aligned)
  return encPos;
}
