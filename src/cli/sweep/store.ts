// trials.jsonl: one finished trial per line, appended by one writer. Each line goes down in one write() on an
// O_APPEND descriptor and is fsynced before the next trial is handed out, so a kill -9 (which lands between
// system calls) leaves whole lines; a power cut can leave a torn last line, which the next opening cuts off.
// A lock file keeps two sweeps from writing one folder; a lock whose process is gone is taken over.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withLaterKeys } from './config.js';
import type { TrialResult } from './trial.js';

export const TRIALS_FILE = 'trials.jsonl';

/** The results in a JSON-lines text, first occurrence of each id kept; `torn`: the text ends inside a line. */
export function parseResults(text: string, source: string): { results: TrialResult[]; torn: boolean; duplicates: number } {
  const lines = text.split('\n');
  const torn = lines[lines.length - 1] !== '';
  if (!torn) lines.pop();
  const results: TrialResult[] = [], seen = new Set<string>();
  let duplicates = 0;
  lines.forEach((line, i) => {
    if (torn && i === lines.length - 1) return;
    if (!line.trim()) return;
    let r: TrialResult;
    try { r = JSON.parse(line); } catch { throw new Error(`${source}:${i + 1}: not a JSON line: ${line.slice(0, 80)}`); }
    if (typeof r?.id !== 'string' || !r.params || !r.history) throw new Error(`${source}:${i + 1}: not a trial result (no id, params or history)`);
    if (seen.has(r.id)) { duplicates++; return; }
    seen.add(r.id);
    results.push({ ...r, params: withLaterKeys(r.params) });
  });
  return { results, torn, duplicates };
}

export function readResultsFile(file: string): TrialResult[] {
  if (!fs.existsSync(file)) return [];
  return parseResults(fs.readFileSync(file, 'utf8'), file).results;
}

/** Appends one line with a single write and fsyncs it. Safe for several processes appending to one local file. */
export function appendLine(file: string, line: string): void {
  const bytes = Buffer.from(line.endsWith('\n') ? line : `${line}\n`);
  const fd = fs.openSync(file, 'a');
  try {
    const n = fs.writeSync(fd, bytes, 0, bytes.length);
    if (n !== bytes.length) throw new Error(`${file}: wrote ${n} of ${bytes.length} bytes`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Cuts a torn last line (no newline) off a results file so the next append starts a fresh line. */
function repairTail(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  const text = fs.readFileSync(file);
  if (text.length === 0 || text[text.length - 1] === 0x0a) return false;
  fs.truncateSync(file, text.lastIndexOf(0x0a) + 1);
  return true;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** The results folder of one sweep, locked for this process until close(). */
export class TrialStore {
  private readonly ids: Set<string>;
  private constructor(readonly dir: string, readonly file: string, private readonly lock: string, readonly results: TrialResult[], readonly repaired: boolean) {
    this.ids = new Set(results.map((r) => r.id));
  }

  static open(dir: string): TrialStore {
    fs.mkdirSync(dir, { recursive: true });
    const lock = path.join(dir, '.lock');
    const me = `${process.pid} ${os.hostname()}\n`;
    for (;;) {
      try { fs.writeFileSync(lock, me, { flag: 'wx' }); break; } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const [pid, host] = fs.readFileSync(lock, 'utf8').trim().split(' ');
        if (host === os.hostname() && alive(Number(pid))) throw new Error(`simdnet sweep: ${dir} is in use by another sweep (pid ${pid}); wait for it or stop it`);
        if (host !== os.hostname()) throw new Error(`simdnet sweep: ${dir} is locked by a sweep on ${host} (pid ${pid}); remove ${lock} if it is gone`);
        fs.rmSync(lock, { force: true }); // its process is gone (killed): take over
      }
    }
    const file = path.join(dir, TRIALS_FILE);
    const repaired = repairTail(file);
    return new TrialStore(dir, file, lock, readResultsFile(file), repaired);
  }

  has(id: string): boolean { return this.ids.has(id); }

  append(r: TrialResult): void {
    if (this.has(r.id)) return;
    appendLine(this.file, JSON.stringify(r));
    this.results.push(r);
    this.ids.add(r.id);
  }

  close(): void { fs.rmSync(this.lock, { force: true }); }
}
