// Quantized weights in TensorFlow.js' layers-model format: a weights-manifest entry with
// `quantization: { dtype: 'uint8' | 'uint16' | 'float16', scale?, min? }` stores its values in 1 or 2 bytes
// each, as tensorflowjs_converter writes them (--quantize_uint8, --quantize_uint16, --quantize_float16) and
// tf.io.decodeWeights reads them:
// - uint8 / uint16 (affine): value = q · scale + min, with q an unsigned integer. The range [min, max] of the
//   tensor is "nudged" so that 0 is exactly one of the levels (when the range holds 0) and q rounds half to even
//   (numpy's round), in float64 arithmetic (numpy 2's: the scalars are float64);
// - float16: IEEE half precision, rounded to nearest even (numpy's astype(float16)).
// A half-precision weight is off by at most 2^-11 relative from 2^-14 (6.1e-5) up, by at most 2^-25 (3e-8) absolute
// below (half precision's subnormals; below 2^-25 it is 0); an affine one by at most scale / 2 = (max - min) / 2 / levels.
// Pure arithmetic: runs in every host.

import { QUANTIZED_DTYPES, type QuantizedDtype } from '../engine/save-handlers.js';
import { show } from '../format.js';

/** A manifest entry's quantization, as tfjs' WeightsManifestEntry has it. */
export interface Quantization { dtype: QuantizedDtype; scale?: number; min?: number; original_dtype?: string }

/** Bytes of one stored value. */
export const QUANTIZED_BYTES: Record<QuantizedDtype, number> = { float16: 2, uint8: 1, uint16: 2 };

/**
 * Checks an entry's `quantization` (tf.io.decodeWeights' rules: uint8 / uint16 need finite scale and min; float16
 * holds float32 weights only) and returns it typed.
 */
export function checkQuantization(q: unknown, name: string, dtype: unknown, where: string): Quantization {
  if (typeof q !== 'object' || q === null || Array.isArray(q)) {
    throw new Error(`${where}: weight ${name} has quantization ${show(q)}; expected an object such as { "dtype": "uint8", "scale": 0.01, "min": -1 }`);
  }
  const o = q as Record<string, unknown>;
  if (!QUANTIZED_DTYPES.includes(o.dtype as QuantizedDtype)) {
    throw new Error(`${where}: weight ${name} has quantization dtype ${show(o.dtype)}; simdnet reads ${QUANTIZED_DTYPES.join(', ')} (as tfjs does)`);
  }
  if (o.dtype === 'float16') {
    if (dtype !== 'float32') throw new Error(`${where}: weight ${name} is quantized to float16 but has dtype ${show(dtype)}; float16 holds float32 weights only`);
  } else {
    for (const k of ['scale', 'min'] as const) {
      if (typeof o[k] !== 'number' || !Number.isFinite(o[k])) {
        throw new Error(`${where}: weight ${name} is quantized to ${o.dtype as string} but its quantization ${k} is ${show(o[k])}; it needs finite numbers scale and min`);
      }
    }
  }
  return o as unknown as Quantization;
}

// ---- IEEE half precision ----------------------------------------------------------------------------

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 bit pattern of a half-precision one (exact; integer arithmetic only, fast before the JIT warms up). */
function halfBits(h: number): number {
  const sign = (h & 0x8000) << 16, em = h & 0x7fff;
  if (em >= 0x7c00) return (sign | 0x7f800000 | ((em & 0x3ff) << 13)) >>> 0; // infinity, NaN
  if (em >= 0x400) return (sign | ((em + 0x1c000) << 13)) >>> 0; // normal: the exponent rebiased by 127 - 15
  if (em === 0) return sign >>> 0;
  // subnormal, em · 2^-24: normalised, the exponent lowered by each shift
  let e = 113, m = em;
  while (!(m & 0x400)) { m <<= 1; e--; }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/** A half-precision bit pattern as a number (exact). */
export function halfToFloat(h: number): number {
  u32[0] = halfBits(h);
  return f32[0];
}

/**
 * The half-precision bit pattern of a float32 value, rounded to nearest, ties to even (IEEE, as numpy's
 * astype(float16)): beyond 65504 (from 65520 on) an infinity, below 2^-25 a zero of the same sign.
 */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000, e = (x >>> 23) & 0xff, m = x & 0x7fffff;
  if (e === 0xff) return sign | 0x7c00 | (m ? 0x200 : 0);
  const he = e - 112; // the half exponent field
  if (he >= 31) return sign | 0x7c00;
  if (he <= 0) {
    // a subnormal half: the value in units of 2^-24 is (m | 2^23) · 2^(he - 14), rounded
    if (he < -10) return sign;
    const mant = m | 0x800000, shift = 14 - he;
    const q = mant >>> shift, rem = mant & ((1 << shift) - 1), half = 1 << (shift - 1);
    return sign | (rem > half || (rem === half && q & 1) ? q + 1 : q);
  }
  const q = (he << 10) | (m >>> 13), rem = m & 0x1fff;
  return sign | (rem > 0x1000 || (rem === 0x1000 && q & 1) ? q + 1 : q); // a carry into the exponent is right
}

// ---- encode / decode --------------------------------------------------------------------------------

/** To nearest integer, ties to even (numpy's round). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** One weight quantized: its stored bytes (little-endian) and its manifest entry's quantization. */
export interface Quantized { bytes: Uint8Array; quantization: Quantization }

/**
 * Quantizes float32 values as tensorflowjs_converter does. float16 refuses a value beyond half precision's range
 * (it would load as an infinity), naming `name`.
 */
export function quantize(values: Float32Array, dtype: QuantizedDtype, name: string, where: string): Quantized {
  const n = values.length;
  if (dtype === 'float16') {
    const out = new Uint8Array(2 * n);
    for (let i = 0; i < n; i++) {
      const h = floatToHalf(values[i]);
      if ((h & 0x7c00) === 0x7c00) {
        throw new Error(`${where}: weight ${name} holds ${values[i]} at flat index ${i}, beyond float16's range (±65504); ` +
          "quantize it to 'uint8' or 'uint16', or keep float32 (nothing was written)");
      }
      out[2 * i] = h & 0xff;
      out[2 * i + 1] = h >>> 8;
    }
    return { bytes: out, quantization: { dtype } };
  }
  const levels = dtype === 'uint8' ? 255 : 65535;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) { const v = values[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
  const out = new Uint8Array(n * QUANTIZED_BYTES[dtype]);
  if (n === 0 || lo === hi) return { bytes: out, quantization: { dtype, scale: 1, min: n ? lo : 0 } }; // every value is min
  const scale = (hi - lo) / levels;
  let min = lo, max = hi;
  if (lo <= 0 && 0 <= hi) {
    // 0 lands on a level: min = -round(-lo / scale) · scale
    min = -roundHalfEven((0 - lo) / scale) * scale;
    max = levels * scale + min;
  }
  for (let i = 0; i < n; i++) {
    const q = roundHalfEven((Math.min(Math.max(values[i], min), max) - min) / scale);
    if (dtype === 'uint8') out[i] = q;
    else { out[2 * i] = q & 0xff; out[2 * i + 1] = q >>> 8; }
  }
  return { bytes: out, quantization: { dtype, scale, min } };
}

/**
 * Dequantizes stored values (little-endian, `out.length` of them) into `out`, as tf.io.decodeWeights does:
 * q · scale + min rounded to float32 (int32 weights: to the nearest integer, as tfjs rounds them). In place works:
 * `bytes` may be the tail of `out`'s own bytes (each value is read before its output is written over it).
 */
export function dequantize(bytes: Uint8Array, q: Quantization, out: Float32Array | Int32Array): void {
  const n = out.length;
  if (q.dtype === 'float16') {
    const bits = new Uint32Array(out.buffer, out.byteOffset, n); // float32 only (checkQuantization)
    for (let i = 0; i < n; i++) bits[i] = halfBits(bytes[2 * i] | (bytes[2 * i + 1] << 8));
    return;
  }
  const scale = q.scale!, min = q.min!, round = out instanceof Int32Array;
  for (let i = 0; i < n; i++) {
    const v = (q.dtype === 'uint8' ? bytes[i] : bytes[2 * i] | (bytes[2 * i + 1] << 8)) * scale + min;
    out[i] = round ? Math.round(v) : v;
  }
}
