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

/** x ≥ 0 with `digits` decimals, ties to even (JavaScript's toFixed rounds them up). */
export function fixedEven(x: number, digits: number): string {
  const s = x.toFixed(digits);
  if (digits >= 100) return s;
  // toFixed(100) is the exact expansion of any double above 2^-47; a tie is 5 then zeros after the kept digits
  const exact = x.toFixed(100), point = exact.indexOf('.');
  if (!/^50*$/.test(exact.slice(point + 1 + digits))) return s;
  const down = exact.slice(0, digits ? point + 1 + digits : point);
  return +down[down.length - 1] % 2 === 0 ? down : s;
}

/** x ≥ 0 in e-notation with `digits` decimals, Python's exponent (at least two digits: 1.50e+03). */
function exponential(x: number, digits: number, upper: boolean): string {
  const s = x.toExponential(digits).replace(/e([+-])(\d)$/, 'e$10$2');
  return upper ? s.toUpperCase() : s;
}

/** Python's general format of x ≥ 0: p significant digits, fixed or e-notation, trailing zeros dropped. */
function general(x: number, p: number, upper: boolean, keepPoint: boolean): string {
  if (x === 0) return keepPoint ? '0.0' : '0';
  const exp = +x.toExponential(p - 1).split('e')[1];
  if (exp < -4 || exp >= p) return exponential(x, p - 1, upper).replace(/\.?0+e/, 'e').replace(/\.?0+E/, 'E');
  let s = fixedEven(x, p - 1 - exp);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, keepPoint ? '.0' : '');
  else if (keepPoint) s += '.0';
  return s;
}

/** v formatted as Python's format(v, spec) would (v a Python int when `integer`, else a float). */
export function formatNumber(v: number, spec: NumberSpec, integer: boolean): string {
  const { type, precision } = spec;
  const a = Math.abs(v);
  let body: string;
  if (!Number.isFinite(v)) body = Number.isNaN(v) ? 'nan' : 'inf';
  else if (type === 'd' || (type === '' && integer && precision === null)) body = String(Math.round(a));
  else if (type === 'f' || type === 'F') body = fixedEven(a, precision ?? 6);
  else if (type === 'e' || type === 'E') body = exponential(a, precision ?? 6, type === 'E');
  else if (type === '%') body = `${fixedEven(a * 100, precision ?? 6)}%`;
  else if (type === 'g' || type === 'G') body = general(a, Math.max(1, precision ?? 6), type === 'G', false);
  else body = precision === null ? String(a) : general(a, Math.max(1, precision), false, true); // none: str(), or g keeping a '.0'
  if ((type === 'F' || type === 'E' || type === 'G') && !Number.isFinite(v)) body = body.toUpperCase();
  const sign = v < 0 || Object.is(v, -0) && !integer ? '-' : spec.sign.trim() === '+' ? '+' : spec.sign === ' ' ? ' ' : '';
  if (spec.zero && spec.width) return sign + body.padStart(spec.width - sign.length, '0');
  return (sign + body).padStart(spec.width, ' ');
}
