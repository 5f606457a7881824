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

/** Keras' snake_case name in TensorFlow.js' camelCase (`batch_size` → `batchSize`). */
export const camelKey = (k: string): string => k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** The option names of an options type, listed once; a list that misses one of T's keys is a type error. */
export type AllOptions<T, K extends readonly (keyof T)[]> = [Exclude<keyof T, K[number]>] extends [never] ? K : never;

/** Edit distance of two short strings, a swap of neighbours counting one edit (optimal string alignment), for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Keras names TensorFlow.js (and simdnet) spell differently, beyond snake_case. */
const RENAMED: Record<string, string> = { lr: 'learningRate', maxlen: 'maxLen', num_words: 'numWords', input_dim: 'inputDim' };

/**
 * Refuses option names `fn` does not know — a typo (`activaton`, `learningrate`, `epoch`) would otherwise be
 * dropped silently and the default used — naming the closest valid one: snake_case written for camelCase
 * (Keras' `batch_size` for `batchSize`), a different case, or an edit or two away. `args` undefined or null
 * passes; anything but a plain object is refused.
 */
export function checkOptions(fn: string, args: unknown, valid: readonly string[]): void {
  if (args === undefined || args === null) return;
  if (typeof args !== 'object' || Array.isArray(args)) throw new Error(`${fn}: options must be an object, got ${show(args)}`);
  for (const key of Object.keys(args)) {
    if (valid.includes(key)) continue;
    const camel = camelKey(key);
    const lower = key.toLowerCase();
    const near = valid.find((v) => v === camel) ?? valid.find((v) => v.toLowerCase() === lower || v.toLowerCase() === camel.toLowerCase()) ??
      valid.map((v) => [v, distance(lower, v.toLowerCase())] as const).filter(([, d]) => d <= Math.min(2, Math.floor(key.length / 3)))
        .sort((a, b) => a[1] - b[1])[0]?.[0];
    const renamed = RENAMED[key] !== undefined && valid.includes(RENAMED[key]) ? RENAMED[key] : undefined;
    const hint = renamed !== undefined ? ` (Keras' ${key} is ${renamed} here, as in TensorFlow.js)`
      : near === undefined ? '' : near === camel && camel !== key ? ` (options are camelCase, as in TensorFlow.js: ${near})` : ` (did you mean ${near}?)`;
    throw new Error(`${fn}: unknown option ${key}${hint}; valid: ${valid.join(', ')}`);
  }
}

/** What a file-system error code means for a write, in words. */
const REASONS: Record<string, string> = {
  EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device', EDQUOT: 'the disk quota is exceeded',
  ENOTDIR: 'a part of the path is a file, not a folder', EEXIST: 'a file is in the way of a folder the path needs',
  EISDIR: 'a folder is in the way', ENOENT: 'a folder on its path does not exist or cannot be made', ENAMETOOLONG: 'the path is too long',
};

/**
 * A file-system error (Node's, with a `code`) of `fn` writing `target`, with `fn:` and the path in front and the reason in words
 * (`saveModel: cannot write /x/m: permission denied (EACCES: …)`); other errors pass unchanged.
 */
export function fsError(fn: string, target: string, e: unknown): unknown {
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string' || !(e instanceof Error) || e.message.startsWith(`${fn}:`)) return e;
  const reason = REASONS[code];
  return new Error(`${fn}: cannot write ${target}: ${reason ? `${reason} (${e.message})` : e.message}`);
}

/** A tfjs serializable object (tf.regularizers.l2(), tf.constraints.maxNorm()): its class name and camelCase config. */
interface TfjsSerializable { getClassName(): string; getConfig(): Record<string, unknown> }

/**
 * The class name and config of a `kind` (regularizer, constraint, ...) given in its saved form — Keras' and tfjs'
 * `{ class_name, config }` (tfjs' `className` too) — or as a tfjs object; anything else is refused, naming `what`
 * and what is `supported`. Names and simdnet's own objects are the caller's.
 */
export function savedClass(spec: unknown, kind: string, what: string, supported: string): { cls: string; config: Record<string, unknown> } {
  const tfjs = spec as Partial<TfjsSerializable> | null;
  if (typeof tfjs?.getClassName === 'function' && typeof tfjs.getConfig === 'function') return { cls: tfjs.getClassName(), config: tfjs.getConfig() };
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new Error(`${what}: expected a ${kind} (${supported}), got ${show(spec)}`);
  const o = spec as { class_name?: unknown; className?: unknown; config?: unknown };
  const cls = o.class_name ?? o.className;
  if (typeof cls !== 'string') throw new Error(`${what}: expected a ${kind}, got ${show(spec)}; simdnet has ${supported}`);
  const config = o.config ?? {};
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error(`${what}: ${cls}'s config must be an object, got ${show(config)}`);
  return { cls, config: config as Record<string, unknown> };
}
