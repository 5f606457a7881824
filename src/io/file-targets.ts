// What a save or load target names: a file path (plain, or tfjs-node's `file://` forms) and whether it is a Keras
// file (.h5, .hdf5, .keras) rather than a layers-model folder. Apart from keras-files.ts so that the folder
// handlers tell the two kinds apart without loading the Keras reader (simdnet/predict has none).
/** File names that load and save as Keras files rather than as a layers-model folder. */
export const KERAS_FILE = /\.(h5|hdf5|keras)$/i;
/** The path of a file: URL, as Node's fileURLToPath gives it: percent-escapes decoded, /C:/m read as C:/m on Windows. */
export function fileUrlPath(url: URL): string {
  const p = decodeURIComponent(url.pathname);
  const windows = (globalThis as { process?: { platform?: string } }).process?.platform === 'win32';
  return windows && /^\/[a-z]:[\\/]/i.test(p) ? p.slice(1) : p;
}

/**
 * A `file://` target's path, or null for any other target: `file:///tmp/my%20model` is a URL (its path decoded);
 * `file://./model` and `file://model` are tfjs-node's relative forms (the rest of the text is the path).
 */
export function fileSchemePath(target: unknown): string | null {
  if (typeof target !== 'string' || !/^file:\/\//i.test(target) || target.length <= 7) return null;
  if (/^file:\/\/\//i.test(target)) {
    try { return fileUrlPath(new URL(target)); } catch { /* not a URL after all: as tfjs-node reads it */ }
  }
  return target.slice(7);
}
/** A save target for the file system's handlers: a plain path, or a `file://` one (tfjs-node's form). */
export const filePath = (target: unknown): string | null =>
  fileSchemePath(target) ?? (typeof target === 'string' && target.length > 0 && !/^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? target : null);
