// Atomic saves' siblings (Node file systems): a save writes `<target>.saving-<pid>-<time>-<random>` and renames
// it into place (a folder model may set the previous one aside as `<target>.replaced-…` first). What a crash
// leaves of them is removed by the next successful save to the same target (removeStaleSiblings).
export type Fs = typeof import('node:fs/promises');
export type PathMod = typeof import('node:path');

export const errCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/**
 * @internal Test hooks: afterStep is called after each step of saveModel (a throw simulates a crash
 * there); staleAfterMs replaces STALE_AFTER_MS.
 */
export const saveHooks: {
  afterStep?: (step: 'model.json' | 'weights.bin' | 'aside' | 'swap') => void | Promise<void>;
  staleAfterMs?: number;
} = {};

/** A sibling of a save older than this is stale even if its pid is alive (pids are reused). */
const STALE_AFTER_MS = 10 * 60_000;

/** Siblings of the saves running in this process: never removed by another save's clean-up. */
export const savesInProgress = new Set<string>();

/** `<target>.<kind>-<pid>-<time>-<random>`: who made it and when, for removeStaleSiblings. */
export function siblingName(target: string, kind: 'saving' | 'replaced'): string {
  return `${target}.${kind}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return true;
  } catch (e) {
    return errCode(e) === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Removes what interrupted saves to `target` left beside it (`.saving-*`: a model never put in place;
 * `.replaced-*`: a model set aside) — folders for a folder model, files for a one-file model (`kind`). Runs
 * once a new model is at `target`, which supersedes them. A sibling is kept if it belongs to a save in
 * progress: one in this process, or one named after a live process and made less than STALE_AFTER_MS ago.
 * Names without pid and time (older simdnet's names) go by their modification time. Best effort: a sibling
 * that cannot be removed stays.
 */
export async function removeStaleSiblings(fs: Fs, path: PathMod, target: string, kind: 'folder' | 'file'): Promise<void> {
  const parent = path.dirname(target), prefix = `${path.basename(target)}.`;
  const staleAfter = saveHooks.staleAfterMs ?? STALE_AFTER_MS;
  const names = await fs.readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    const sibling = /^(saving|replaced)-(.+)$/.exec(name.startsWith(prefix) ? name.slice(prefix.length) : '');
    const full = path.join(parent, name);
    if (!sibling || savesInProgress.has(full)) continue;
    const st = await fs.lstat(full).catch(() => null);
    if (!(kind === 'folder' ? st?.isDirectory() : st?.isFile())) continue;
    const named = /^(\d+)-([0-9a-z]+)-/.exec(sibling[2]);
    const made = named ? parseInt(named[2], 36) : st!.mtimeMs;
    const live = named ? processAlive(Number(named[1])) : true;
    if (live && Date.now() - made < staleAfter) continue;
    await fs.rm(full, { recursive: true, force: true }).catch(() => {});
  }
}

const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `save` once the saves to `target` started before it in this process have ended: two at once would
 * race to rename their folders into the same place (the second failing on the first's new folder).
 */
export async function oneAtATime<T>(target: string, save: () => Promise<T>): Promise<T> {
  const before = queues.get(target) ?? Promise.resolve();
  const mine = before.then(save, save);
  const settled = mine.then(() => {}, () => {});
  queues.set(target, settled);
  try {
    return await mine;
  } finally {
    if (queues.get(target) === settled) queues.delete(target);
  }
}

/** Writes a new file (refusing one that exists) and fsyncs it: what a save renames into place is on disk. */
export async function writeDurable(fs: Fs, file: string, data: string | Uint8Array): Promise<void> {
  const fh = await fs.open(file, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
