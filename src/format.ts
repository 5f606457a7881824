// How error messages show a value the user passed: JSON where it is JSON, and NaN, Infinity, undefined,
// functions and bigints as themselves (JSON.stringify would print NaN as null).
export function show(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : String(v);
  if (v === undefined || typeof v === 'function' || typeof v === 'bigint' || typeof v === 'symbol') return String(v);
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)) ?? String(v);
  } catch {
    return String(v);
  }
}
