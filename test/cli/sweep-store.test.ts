// trials.jsonl: whole lines only (a torn last line is cut off on opening), first occurrence of an id wins,
// and one sweep at a time per folder (a lock left by a killed sweep is taken over).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveParams, trialId } from '../../src/cli/sweep/config.js';
import { describeSetting } from '../../src/cli/sweep/describe.js';
import { parseResults, TrialStore } from '../../src/cli/sweep/store.js';
import type { TrialResult } from '../../src/cli/sweep/trial.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'simdnet-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const result = (id: string, acc = 0.5) => ({ id, params: { task: 'faces' }, history: { val_accuracy: [acc] }, seed: 0 }) as unknown as TrialResult;
const line = (id: string, acc = 0.5) => JSON.stringify(result(id, acc));

describe('trial store', () => {
  it('parses whole lines, keeps the first of repeated ids, reports a torn tail', () => {
    const text = `${line('a', 0.1)}\n${line('b')}\n${line('a', 0.9)}\n{"id":"c","par`;
    const r = parseResults(text, 'x.jsonl');
    expect(r.results.map((x) => x.id)).toEqual(['a', 'b']);
    expect(r.results[0].history.val_accuracy).toEqual([0.1]);
    expect(r.duplicates).toBe(1);
    expect(r.torn).toBe(true);
    expect(parseResults('', 'x').results).toEqual([]);
    expect(() => parseResults('{"id": 1}\n', 'x.jsonl')).toThrow(/x.jsonl:1: not a trial result/);
    expect(() => parseResults('nope\n', 'x.jsonl')).toThrow(/x.jsonl:1: not a JSON line/);
  });

  it('a result written before a key existed (classWeight) reads with that key at its value then, and keeps its id', () => {
    const params = resolveParams({ epochs: 2 }, 'x');
    const { classWeight: _, ...old } = params;
    const stored = JSON.stringify({ ...result(trialId(params, 0, null)), params: old });
    const [r] = parseResults(`${stored}\n`, 'old.jsonl').results;
    expect(r.params).toEqual(params);
    expect(trialId(r.params, 0, null)).toBe(r.id);
    expect(describeSetting(r.params, ['epochs', 'classWeight'])).toBe('2 epochs, unweighted classes');
  });

  it('cuts a torn last line off before appending, and appends each id once', () => {
    const dir = path.join(root, 'torn');
    TrialStore.open(dir).close();
    writeFileSync(path.join(dir, 'trials.jsonl'), `${line('a')}\n{"id":"b","params":{`);
    const s = TrialStore.open(dir);
    expect(s.repaired).toBe(true);
    expect(s.results.map((r) => r.id)).toEqual(['a']);
    s.append(result('b'));
    s.append(result('b'));
    s.append(result('a'));
    s.close();
    expect(readFileSync(path.join(dir, 'trials.jsonl'), 'utf8')).toBe(`${line('a')}\n${line('b')}\n`);
  });

  it('refuses a folder another live sweep holds, takes over from a dead one', () => {
    const dir = path.join(root, 'locked');
    const s = TrialStore.open(dir);
    expect(() => TrialStore.open(dir)).toThrow(/is in use by another sweep \(pid \d+\)/);
    s.close();
    // a sweep killed with -9 leaves its lock behind; its pid is gone
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(path.join(dir, '.lock'), `${dead} ${os.hostname()}\n`);
    TrialStore.open(dir).close();
  });
});
