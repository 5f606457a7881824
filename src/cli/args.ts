// A small, strict argument parser: --name value / --name=value / --flag, positionals; unknown options
// and missing or malformed values are errors that say which option and what was expected.

export interface OptionSpec { type: 'string' | 'int' | 'number' | 'flag'; min?: number; max?: number; choices?: string[] }

export class UsageError extends Error {}

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>, command: string): { opts: Record<string, string | number | boolean>; positionals: string[] } {
  const opts: Record<string, string | number | boolean> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) { positionals.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const s = spec[name];
    if (!s) throw new UsageError(`simdnet ${command}: unknown option --${name}; valid: ${Object.keys(spec).map((k) => `--${k}`).join(' ')}`);
    if (s.type === 'flag') { opts[name] = true; continue; }
    const raw = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (raw === undefined || (eq < 0 && raw.startsWith('--'))) throw new UsageError(`simdnet ${command}: --${name} needs a value`);
    opts[name] = parseValue(command, `--${name}`, s, raw);
  }
  return { opts, positionals };
}

/** One value from its text, checked against its spec (choices, integer, range); errors name it by `label` (`--epochs`). */
export function parseValue(command: string, label: string, s: OptionSpec, raw: string): string | number {
  if (s.type === 'string') {
    if (s.choices && !s.choices.includes(raw)) throw new UsageError(`simdnet ${command}: ${label} must be one of ${s.choices.join(', ')}, got '${raw}'`);
    return raw;
  }
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || (s.type === 'int' && !Number.isInteger(v))) {
    throw new UsageError(`simdnet ${command}: ${label} must be ${s.type === 'int' ? 'an integer' : 'a number'}, got '${raw}'`);
  }
  if ((s.min !== undefined && v < s.min) || (s.max !== undefined && v > s.max)) {
    throw new UsageError(`simdnet ${command}: ${label} must be in [${s.min ?? '-∞'}, ${s.max ?? '∞'}], got ${v}`);
  }
  return v;
}
