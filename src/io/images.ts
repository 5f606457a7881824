// sn.io images: decode JPEG / PNG / PGM bytes into 8-bit images and resize them the way OpenCV does,
// so a model trained on our input sees the same pixels as the lab's cv2.imread + cv2.resize pipeline.
//
// OpenCV compatibility, checked against OpenCV 4.6.0 (Debian's python3-opencv): resize by
// scripts/resize-fixtures.py and its fixtures, the decoding rules below by hand (values in the tests):
// - channels 3 is cv2.imread(path, IMREAD_COLOR) followed by the lab's BGR -> RGB: grey sources become
//   three equal channels, alpha is dropped (not composited).
// - 16-bit samples (PGM maxval > 255, 16-bit PNG) keep their high byte, value >> 8 (OpenCV's PxM reader;
//   libpng's png_set_strip_16 for PNG), whatever the maxval. So a 10-bit PGM (maxval 1023) comes out dark,
//   exactly as in OpenCV.
// - 8-bit PGM with maxval < 255: P2 (ASCII) samples are stretched to floor(v * 255 / maxval), P5 (binary)
//   samples are kept as they are — OpenCV's reader does both, so we do too. P2 samples above maxval are
//   clamped to maxval, P5 samples are not.
// - channels 1 from a colour source is cv2.cvtColor(BGR2GRAY)'s fixed point:
//   (4899 R + 9617 G + 1868 B + 8192) >> 14. imread(IMREAD_GRAYSCALE) itself lets libpng / libjpeg
//   convert, which can differ by 1.
// - JPEG goes through jpeg-js (or, for baseline files where the kernels are loaded, jpeg.ts, which gives the
//   same bytes faster), whose IDCT and chroma upsampling are not libjpeg's. Measured against
//   OpenCV 4.6.0: grey JPEGs within 1 level, smooth colour within 5, but tens of levels at sharp colour
//   edges of 4:2:0 files (jpeg-js replicates chroma where libjpeg interpolates). PNG and PGM are exact,
//   except PNG pixels equal to a tRNS transparent colour, which pngjs blanks to 0 and libpng keeps.
// - JPEG EXIF orientation is applied, as imread does by default (phone photos come out upright).
// - resize: see resize() below; it equals cv2.resize(INTER_LINEAR) byte for byte.
// Every format's header is checked against the size limits of image-limits.ts before any pixel is decoded;
// PNG's chunks and image data are checked before any pixel is decoded (png.ts).
import decodeJpegJs from 'jpeg-js/lib/decoder.js';
import { checkOptions, type AllOptions } from '../format.js';
import { files } from '../host/host.js';
import { initRuntime, runtime, runtimeLoaded } from '../runtime/wasm.js';
import { checkImageLimits, IMAGE_MAX_MEGAPIXELS, IMAGE_MAX_MEMORY_MB } from './image-limits.js';
import { readJpegFast, type DecodedJpeg } from './jpeg.js';
import { decodePng, isPng } from './png.js';
import type { Image } from './resize.js';

export { resize, toFloat } from './resize.js';
export type { Image } from './resize.js';

// The decoders are plain JavaScript (jpeg-js' decoder; png.ts reads PNG over fflate): decodeImage runs in
// every host.

/** An 8-bit image: row-major, channels interleaved (HWC), RGB order for colour. */

export interface DecodeOptions {
  /** 3 (default): RGB, grey replicated, like OpenCV's IMREAD_COLOR. 1: luminance. */
  channels?: 1 | 3;
}

const SUPPORTED = 'JPEG, PNG, PGM (P2, P5)';

/** Where an error comes from: `readImage: faces/A/0003.pgm: ` */
function failure(fn: string, name: string, reason: string): Error {
  return new Error(`${fn}: ${name}: ${reason}`);
}

function hexBytes(bytes: Uint8Array, n: number): string {
  return Array.from(bytes.subarray(0, n), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function checkDecodeOptions(fn: string, opts: DecodeOptions | undefined): 1 | 3 {
  checkOptions(fn, opts, ['channels'] as const satisfies AllOptions<DecodeOptions, readonly ['channels']>);
  const channels = opts?.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new Error(`${fn}: channels must be 1 or 3, got ${String(channels)}`);
  return channels;
}

/**
 * Decodes JPEG, PNG or PGM (P2, P5) bytes, detected by their magic bytes. `name` only labels errors.
 * Returns RGB (channels 3, the default) or luminance (channels 1).
 */
export function decodeImage(bytes: Uint8Array, name = '<bytes>', opts?: DecodeOptions): Image {
  return decodeUsing('decodeImage', bytes, name, opts, own);
}

/** Reads and decodes an image file (Node only; in a browser fetch the bytes and call decodeImage). */
export async function readImage(path: string, opts?: DecodeOptions): Promise<Image> {
  return readImageUsing(path, opts, own);
}

/**
 * readImage handing the image to `use` (see decodeUsing: it may be a view of the kernels' memory, valid only
 * during the call) and returning use's result.
 * @internal
 */
export async function readImageUsing<T>(path: string, opts: DecodeOptions | undefined, use: Use<T>): Promise<T> {
  if (typeof path !== 'string' || path === '') throw new Error(`readImage: path must be a non-empty string, got ${String(path)}`);
  checkDecodeOptions('readImage', opts);
  const { fs } = files('readImage', 'fetch the bytes and call sn.io.decodeImage(bytes)');
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new Error(`readImage: no such file ${path}`);
    if (e.code === 'EISDIR') throw failure('readImage', path, 'is a directory, not an image file');
    if (e.code === 'EACCES' || e.code === 'EPERM') throw failure('readImage', path, 'permission denied');
    throw failure('readImage', path, `cannot read the file (${e.code ?? e.message})`);
  }
  // the kernels decode baseline JPEGs (jpeg.ts): a JPEG loads them; if they cannot load, jpeg-js decodes and
  // the first call that needs them says why
  if (isJpeg(bytes) && !runtimeLoaded()) await initRuntime().catch(() => undefined);
  return decodeUsing('readImage', bytes, path, opts, use);
}

/** What receives a decoded image; `borrowed`: its pixels are a view of the kernels' memory, valid only during the call. */
type Use<T> = (img: Image, borrowed: boolean) => T;

/** The image as the caller's own: a borrowed view copied out. */
const own: Use<Image> = (img, borrowed) => (borrowed ? { ...img, data: img.data.slice() } : img);

/**
 * Decodes the bytes and hands the image (channels converted) to `use`, returning its result. A baseline JPEG
 * decoded by the kernels comes as a borrowed view of their memory, which `use` may read (resize) but must not
 * keep nor let outlive the call — no copy of the full-size image then; decodeImage copies it out (own).
 * @internal
 */
export function decodeUsing<T>(fn: string, bytes: Uint8Array, name: string, opts: DecodeOptions | undefined, use: Use<T>): T {
  const channels = checkDecodeOptions(fn, opts);
  if (!(bytes instanceof Uint8Array)) {
    const what = (bytes as unknown) instanceof ArrayBuffer ? 'an ArrayBuffer (wrap it: new Uint8Array(buffer))' : (bytes as object)?.constructor?.name ?? typeof bytes;
    throw failure(fn, name, `expected the file's bytes as a Uint8Array, got ${what}`);
  }
  if (bytes.length === 0) throw failure(fn, name, 'empty file (0 bytes)');
  const fail = (reason: string) => failure(fn, name, reason);
  const converted: Use<T> = (img, borrowed) => {
    const out = convertChannels(img, channels);
    return use(out, borrowed && out === img);
  };
  if (isJpeg(bytes)) return decodeJpeg(bytes, fail, converted);
  if (isPng(bytes)) return converted(decodePng(bytes, fail), false);
  if (bytes[0] === 0x50 /* P */ && bytes.length >= 2 && bytes[1] >= 0x31 && bytes[1] <= 0x37) return converted(decodeNetpbm(bytes, fail), false);
  throw fail(`unsupported image format (first bytes: ${hexBytes(bytes, 8)}); supported: ${SUPPORTED}`);
}

// ---------------------------------------------------------------------------------------------------
// JPEG

const isJpeg = (bytes: Uint8Array) => bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;

/** SOF0..SOF15 but DHT (c4), JPG (c8) and DAC (cc): the frame headers, which hold the image size. */
const isFrameMarker = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/** The frame size from the first SOF segment before the scan data, or null if the segments do not lead there. */
function jpegFrameSize(bytes: Uint8Array): { width: number; height: number; huffman: boolean } | null {
  for (let i = 2; i + 3 < bytes.length;) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1];
    if (marker === 0xff) { i++; continue; } // fill byte
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { i += 2; continue; } // no length
    if (marker === 0xda || marker === 0xd9) return null; // scan data or the end, and no frame header before it
    if (isFrameMarker(marker)) {
      if (i + 8 >= bytes.length) return null;
      return { height: (bytes[i + 5] << 8) | bytes[i + 6], width: (bytes[i + 7] << 8) | bytes[i + 8], huffman: marker <= 0xc3 };
    }
    i += 2 + ((bytes[i + 2] << 8) | bytes[i + 3]);
  }
  return null;
}

function decodeJpeg<T>(bytes: Uint8Array, fail: (reason: string) => Error, use: Use<T>): T {
  const frame = jpegFrameSize(bytes);
  if (frame) {
    // jpeg-js counts its own buffers against maxMemoryUsageInMB; the result is width x height x 3
    checkImageLimits('JPEG', frame.width, frame.height, frame.width * frame.height * 3, fail);
    // jpeg-js allocates and converts the whole frame however little data follows (a 600-byte file declaring
    // 9000x9000 took 24 s and 2.4 GB). Huffman coding spends at least one bit on every 8x8 block's DC value,
    // so a file too short for that cannot be the image it declares.
    const minBytes = Math.ceil((Math.ceil(frame.width / 8) * Math.ceil(frame.height / 8)) / 8);
    if (frame.huffman && bytes.length < minBytes) {
      throw fail(`corrupt or truncated JPEG: ${bytes.length} bytes cannot hold a ${frame.width}x${frame.height} frame ` +
        `(at least one bit per 8x8 block: ${minBytes} bytes)`);
    }
  }
  // jpeg-js gives RGB for every JPEG, grey ones replicated; turned upright (a new image) as imread does
  const upright = (decoded: DecodedJpeg, borrowed: boolean): T => {
    if (!(decoded.width > 0 && decoded.height > 0)) throw fail(`corrupt JPEG: size ${decoded.width}x${decoded.height}`);
    const img: Image = { width: decoded.width, height: decoded.height, channels: 3, data: decoded.data };
    const orientation = exifOrientation(decoded.exifBuffer);
    return orientation === 1 ? use(img, borrowed) : use(applyOrientation(img, orientation), false);
  };
  // baseline files, where the kernels are loaded, decode there: the same pixels as jpeg-js, faster (jpeg.ts),
  // lent to `use` straight from the kernels' memory
  const fast = runtimeLoaded() ? readJpegFast(bytes, runtime(), (d) => ({ result: upright(d, true) })) : null;
  if (fast) return fast.result;
  let decoded: DecodedJpeg;
  try {
    decoded = decodeJpegJs(bytes, {
      useTArray: true, formatAsRGBA: false,
      maxResolutionInMP: IMAGE_MAX_MEGAPIXELS, maxMemoryUsageInMB: IMAGE_MAX_MEMORY_MB,
    });
  } catch (err) {
    const msg = String((err as Error)?.message ?? err);
    if (/maxResolutionInMP|maxMemoryUsageInMB|allocate enough memory/.test(msg)) {
      const size = frame ? ` of ${frame.width}x${frame.height} pixels` : '';
      throw fail(`JPEG${size} too large to decode (limits ${IMAGE_MAX_MEGAPIXELS} megapixels, ${IMAGE_MAX_MEMORY_MB} MB): ${msg}`);
    }
    if (!hasJpegEnd(bytes)) throw fail(`truncated JPEG: no end-of-image marker (ff d9) in ${bytes.length} bytes (${msg})`);
    throw fail(`corrupt JPEG: ${msg}`);
  }
  return upright(decoded, false);
}

/** The EXIF orientation tag (1..8) from jpeg-js's exifBuffer (APP1 after 'Exif\0'); 1 when absent. */
function exifOrientation(exif: Uint8Array | undefined): number {
  if (!exif) return 1;
  const t = exif[0] === 0 ? 1 : 0; // jpeg-js leaves the second NUL of 'Exif\0\0' in front of the TIFF header
  if (exif.length < t + 8) return 1;
  const little = exif[t] === 0x49 && exif[t + 1] === 0x49; // 'II', else 'MM'
  if (!little && !(exif[t] === 0x4d && exif[t + 1] === 0x4d)) return 1;
  const u16 = (o: number) => (little ? exif[o] | (exif[o + 1] << 8) : (exif[o] << 8) | exif[o + 1]);
  const u32 = (o: number) => (little ? u16(o) + u16(o + 2) * 65536 : u16(o) * 65536 + u16(o + 2));
  const ifd = t + u32(t + 4); // IFD0, counted from the TIFF header
  if (ifd + 2 > exif.length) return 1;
  for (let i = 0, n = u16(ifd); i < n; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > exif.length) break;
    if (u16(entry) === 0x0112) {
      const v = u16(entry + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

/**
 * Turns the pixels upright as cv::imread does unless told IMREAD_IGNORE_ORIENTATION (its
 * ExifTransform): 2 flip x, 3 flip both, 4 flip y, 5 transpose, 6 transpose + flip x,
 * 7 transpose + flip both, 8 transpose + flip y.
 */
function applyOrientation(img: Image, orientation: number): Image {
  if (orientation === 1) return img;
  const { width: w, height: h, channels: cn, data } = img;
  const transposed = orientation >= 5;
  const ow = transposed ? h : w, oh = transposed ? w : h;
  const flipX = orientation === 2 || orientation === 3 || orientation === 6 || orientation === 7;
  const flipY = orientation === 3 || orientation === 4 || orientation === 7 || orientation === 8;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const tx = flipX ? ow - 1 - x : x, ty = flipY ? oh - 1 - y : y; // position before the flips
      const sx = transposed ? ty : tx, sy = transposed ? tx : ty;
      const o = (y * ow + x) * cn, p = (sy * w + sx) * cn;
      for (let c = 0; c < cn; c++) out[o + c] = data[p + c];
    }
  }
  return { width: ow, height: oh, channels: cn, data: out };
}

function hasJpegEnd(bytes: Uint8Array): boolean {
  for (let i = bytes.length - 2; i >= 2; i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------------
// PGM (Netpbm): P5 binary, P2 ASCII. Header tokens are separated by whitespace; '#' starts a comment
// that runs to the end of the line. Exactly one whitespace byte separates maxval from P5 pixel data.

const NETPBM_OTHERS: Record<string, string> = {
  P1: 'PBM (ASCII bitmap)', P3: 'PPM (ASCII colour)', P4: 'PBM (binary bitmap)', P6: 'PPM (binary colour)', P7: 'PAM',
};

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/** Reads whitespace- and comment-separated decimal numbers, as OpenCV's ReadNumber does. */
class NetpbmReader {
  pos: number;
  constructor(private readonly bytes: Uint8Array, start: number) { this.pos = start; }

  /** The next number, or undefined at the end of the data; throws on anything else. */
  next(what: string, fail: (reason: string) => Error): number | undefined {
    const b = this.bytes;
    for (;;) {
      if (this.pos >= b.length) return undefined;
      const c = b[this.pos];
      if (isSpace(c)) this.pos++;
      else if (c === 0x23 /* # */) {
        while (this.pos < b.length && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++;
      } else break;
    }
    if (!isDigit(b[this.pos])) {
      const found = b[this.pos] >= 0x20 && b[this.pos] < 0x7f ? `'${String.fromCharCode(b[this.pos])}'` : `byte 0x${b[this.pos].toString(16)}`;
      throw fail(`expected a number for ${what} at byte ${this.pos}, found ${found}`);
    }
    let v = 0;
    while (this.pos < b.length && isDigit(b[this.pos])) {
      v = v * 10 + (b[this.pos++] - 0x30);
      if (v > 0x7fffffff) throw fail(`${what} is too large`);
    }
    return v;
  }
}

function decodeNetpbm(bytes: Uint8Array, fail: (reason: string) => Error): Image {
  const magic = String.fromCharCode(bytes[0], bytes[1]);
  if (magic !== 'P2' && magic !== 'P5') {
    throw fail(`Netpbm ${magic} ${NETPBM_OTHERS[magic]} is not supported; supported: ${SUPPORTED}`);
  }
  if (bytes.length < 3 || !isSpace(bytes[2])) {
    throw fail(`unsupported image format (first bytes: ${hexBytes(bytes, 8)}); supported: ${SUPPORTED}`);
  }
  const headerFail = (reason: string) => fail(`bad ${magic} header: ${reason}`);
  const reader = new NetpbmReader(bytes, 2);
  const field = (what: string) => {
    const v = reader.next(what, headerFail);
    if (v === undefined) throw fail(`truncated ${magic} header: the file ends before ${what}`);
    return v;
  };
  const width = field('width'), height = field('height'), maxval = field('maxval');
  if (width <= 0 || height <= 0) throw headerFail(`size must be positive, got ${width}x${height}`);
  if (maxval <= 0 || maxval > 65535) throw headerFail(`maxval must be 1..65535, got ${maxval}`);
  const n = width * height;
  checkImageLimits('PGM', width, height, 4 * n, fail); // the grey pixels, then 3 channels of them
  const sixteenBit = maxval > 255;
  const start = reader.pos + 1;
  if (magic === 'P5') {
    if (reader.pos >= bytes.length || !isSpace(bytes[reader.pos])) {
      throw headerFail('expected one whitespace byte between maxval and the pixel data');
    }
    const need = n * (sixteenBit ? 2 : 1);
    const have = bytes.length - start;
    if (have < need) throw fail(`truncated P5 data: expected ${need} bytes of pixels, found ${have}`);
  }
  const out = new Uint8Array(n);
  if (magic === 'P5') {
    if (sixteenBit) for (let i = 0; i < n; i++) out[i] = bytes[start + 2 * i]; // big-endian high byte = v >> 8
    else out.set(bytes.subarray(start, start + n));
  } else {
    const dataFail = (reason: string) => fail(`bad P2 data: ${reason}`);
    for (let i = 0; i < n; i++) {
      const v = reader.next(`pixel ${i}`, dataFail);
      if (v === undefined) throw fail(`truncated P2 data: expected ${n} values, found ${i}`);
      const clamped = Math.min(v, maxval);
      out[i] = sixteenBit ? clamped >> 8 : Math.floor((clamped * 255) / maxval);
    }
  }
  return { width, height, channels: 1, data: out };
}

// ---------------------------------------------------------------------------------------------------
// Channels

// cv::cvtColor's BGR2GRAY coefficients, 0.299 / 0.587 / 0.114 in 14-bit fixed point.
const R2Y = 4899, G2Y = 9617, B2Y = 1868, Y_SHIFT = 14;

export function convertChannels(img: Image, channels: 1 | 3): Image {
  const { width, height, channels: from, data } = img;
  if (from === channels) return img;
  const n = width * height;
  const out = new Uint8Array(n * channels);
  if (from === 1) {
    for (let i = 0; i < n; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = data[i];
  } else if (channels === 1) {
    for (let i = 0, p = 0; i < n; i++, p += from) {
      out[i] = (data[p] * R2Y + data[p + 1] * G2Y + data[p + 2] * B2Y + (1 << (Y_SHIFT - 1))) >> Y_SHIFT;
    }
  } else {
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[3 * i + c] = data[from * i + c];
  }
  return { width, height, channels, data: out };
}

