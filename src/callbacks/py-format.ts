// Python's format-spec mini-language for numbers, as Keras fills a checkpoint's filepath (`filepath.format(epoch=…,
// **logs)`): [sign][0][width][.precision][type], type d, f, F, e, E, g, G, % or none, rounding ties to even as
// Python does (0.625 with .2f is 0.62; JavaScript's toFixed gives 0.63). Fill characters, alignment, grouping and
// the # form are refused by name, as is anything Python would not take.

export interface NumberSpec { sign: '' | '+' | ' '; zero: boolean; width: number; precision: number | null; type: string }

const SPEC = /^([+\- ]?)(0?)(\d*)(?:\.(\d+))?([dfFeEgG%]?)$/;

/** The parsed spec, or an error naming it and `where`. */
export function parseSpec(spec: string, where: string): NumberSpec {
  const m = SPEC.exec(spec);
  if (!m || (m[5] === 'd' && m[4] !== undefined)) {
    throw new Error(`${where}: unsupported format '${spec}': simdnet takes Python's [sign][0][width][.precision][type] with type d, f, e, g, % or none ` +
      "(e.g. {epoch:02d}, {val_loss:.4f}, {val_accuracy:.2%}); fill, alignment, grouping and '#' are not supported");
  }
  return { sign: (m[1] === '-' ? '' : m[1]) as NumberSpec['sign'], zero: m[2] === '0', width: m[3] ? +m[3] : 0, precision: m[4] !== undefined ? +m[4] : null, type: m[5] };
}

/**
 * The exact decimal significant digits of a finite x > 0 and its decimal exponent (0.0625 -> '625', -2): from its
 * bits, x = m · 2^e, and m · 2^e = m · 5^-e / 10^-e for e < 0 — every double's expansion ends, at most 767 digits.
 */
function exactDigits(x: number): { digits: string; exp: number } {
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, x);
  const hi = bits.getUint32(0), biased = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(bits.getUint32(4));
  if (biased !== 0) m |= 1n << 52n; // normal: the implicit leading 1; subnormal: e is -1074
  const e = biased === 0 ? -1074 : biased - 1075;
  const d = e >= 0 ? (m << BigInt(e)).toString() : (m * 5n ** BigInt(-e)).toString();
  return { digits: d.replace(/0+$/, ''), exp: d.length - 1 + Math.min(e, 0) };
}

/**
 * x ≥ 0 with `decimals` decimals, from its exact decimal expansion, ties to even as Python (0.625 with .2f is
 * 0.62: JavaScript's toFixed rounds ties up, and gives e-notation from 1e21 on).
 */
export function fixedEven(x: number, decimals: number): string {
  const { digits, exp } = x === 0 ? { digits: '', exp: 0 } : exactDigits(x);
  // the integer part and all the decimals, exactly
  const int = exp >= 0 ? digits.slice(0, exp + 1).padEnd(exp + 1, '0') : '0';
  const frac = exp >= 0 ? digits.slice(exp + 1) : '0'.repeat(-exp - 1) + digits;
  const kept = frac.slice(0, decimals).padEnd(decimals, '0'), rest = frac.slice(decimals);
  let whole = int + kept; // the digits kept, without the point: its last is the one a tie rounds to even
  const up = rest !== '' && (rest[0] > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || +whole[whole.length - 1] % 2 === 1)));
  if (up) whole = (BigInt(whole) + 1n).toString().padStart(whole.length, '0');
  const i = whole.length - decimals;
  return decimals ? `${whole.slice(0, i)}.${whole.slice(i)}` : whole;
}

/**
 * x ≥ 0 in e-notation with `digits` decimals, ties to even as Python (0.125 with .1e is 1.2e-01; toExponential
 * rounds ties up), Python's exponent (at least two digits: 1.50e+03). A tie is an exact expansion ending in the 5
 * just after the kept digits.
 */
function exponential(x: number, digits: number, upper: boolean): string {
  let s = x.toExponential(digits);
  if (x > 0 && Number.isFinite(x)) {
    const e = exactDigits(x);
    if (e.digits.length === digits + 2 && e.digits[digits + 1] === '5' && +e.digits[digits] % 2 === 0) {
      const kept = e.digits.slice(0, digits + 1); // down, to the even digit
      s = `${kept[0]}${digits ? `.${kept.slice(1)}` : ''}e${e.exp < 0 ? '-' : '+'}${Math.abs(e.exp)}`;
    }
  }
  s = s.replace(/e([+-])(\d)$/, 'e$10$2');
  return upper ? s.toUpperCase() : s;
}

/** Python's str() of a float x ≥ 0: repr, always with a point or an exponent (1.0, 1e-05, 1.5e+16). */
export function pyStr(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : 'inf';
  if (x !== 0 && (x < 1e-4 || x >= 1e16)) return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2'); // shortest digits
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** Python's general format of x ≥ 0: p significant digits, fixed or e-notation, trailing zeros dropped. */
function general(x: number, p: number, upper: boolean, keepPoint: boolean): string {
  if (x === 0) return !keepPoint ? '0' : p > 1 ? '0.0' : '0e+00';
  const exp = +x.toExponential(p - 1).split('e')[1];
  // no type (keepPoint) switches to e-notation one digit sooner than g: the fixed form would need a '.0' past p digits
  if (exp < -4 || exp >= (keepPoint ? p - 1 : p)) return exponential(x, p - 1, upper).replace(/\.?0+e/, 'e').replace(/\.?0+E/, 'E');
  let s = fixedEven(x, p - 1 - exp);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, keepPoint ? '.0' : '');
  else if (keepPoint) s += '.0';
  return s;
}

/**
 * Refuses a spec Python refuses for the value's type: precision without a float type for an int ({epoch:.2}),
 * 'd' for a float ({val_loss:d}).
 */
export function checkSpecFor(spec: NumberSpec, integer: boolean, where: string): void {
  if (integer && spec.precision !== null && spec.type === '') {
    throw new Error(`${where}: precision is not allowed for an integer (Python's ValueError): use d, or a float type (.2f)`);
  }
  if (!integer && spec.type === 'd') throw new Error(`${where}: format 'd' is for integers, not a float (Python's ValueError): use .0f`);
}

/** v formatted as Python's format(v, spec) would (v a Python int when `integer`, else a float). */
export function formatNumber(v: number, spec: NumberSpec, integer: boolean): string {
  const { type, precision } = spec;
  const a = Math.abs(v);
  let body: string;
  if (!Number.isFinite(v)) body = (Number.isNaN(v) ? 'nan' : 'inf') + (type === '%' ? '%' : '');
  else if (type === 'd' || (type === '' && integer && precision === null)) body = String(Math.round(a));
  else if (type === 'f' || type === 'F') body = fixedEven(a, precision ?? 6);
  else if (type === 'e' || type === 'E') body = exponential(a, precision ?? 6, type === 'E');
  else if (type === '%') body = Number.isFinite(a * 100) ? `${fixedEven(a * 100, precision ?? 6)}%` : 'inf%'; // Python multiplies the float too
  else if (type === 'g' || type === 'G') body = general(a, Math.max(1, precision ?? 6), type === 'G', false);
  else body = precision === null ? pyStr(a) : general(a, Math.max(1, precision), false, true); // none: str(), or g keeping a '.0'
  if ((type === 'F' || type === 'E' || type === 'G') && !Number.isFinite(v)) body = body.toUpperCase();
  const sign = v < 0 || Object.is(v, -0) && !integer ? '-' : spec.sign.trim() === '+' ? '+' : spec.sign === ' ' ? ' ' : '';
  if (spec.zero && spec.width) return sign + body.padStart(spec.width - sign.length, '0');
  return (sign + body).padStart(spec.width, ' ');
}
