// simdnet sweep end to end on a tiny photo folder (the compiled CLI, as users run it): parallel trials,
// resume, kill -9 of the running sweep, reproducible trials, median pruning, and the fan-out recipe
// (plan | xargs -P 2 sweep trial | sweep report) merging result files.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(path.join(os.tmpdir(), 'simdnet-sweep-'));
const cli = path.resolve('dist/src/cli/main.js');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The CLI as a child process in the test folder (the kill test signals it). */
const start = (args: string[]): ChildProcess => spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });

/** Runs the CLI to its end: exit code, standard output and standard error. */
function simdnet(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const child = start(args);
  let out = '', err = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { err += d; });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, out, err })));
}

/** Two classes of 20x20 grey photos (dark with a left-right ramp, bright with a top-down one), train/ and test/. */
function tinyFolder(dir: string): void {
  let s = 1;
  const noise = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return (s >>> 16) % 41 - 20; };
  for (const [split, n] of [['train', 8], ['test', 2]] as const) {
    for (const c of ['A', 'C']) {
      const d = split === 'train' ? path.join(dir, split, c) : path.join(dir, split);
      mkdirSync(d, { recursive: true });
      for (let i = 0; i < n; i++) {
        const px = Buffer.alloc(400);
        for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) px[y * 20 + x] = Math.max(0, Math.min(255, (c === 'A' ? 70 + 4 * x : 180 - 4 * y) + noise()));
        writeFileSync(path.join(d, split === 'train' ? `${i}.pgm` : `${c}_${i}.pgm`), Buffer.concat([Buffer.from('P5\n20 20\n255\n'), px]));
      }
    }
  }
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
const ids = (file: string) => lines(file).map((l) => JSON.parse(l).id as string);
const config = (name: string, c: unknown) => { writeFileSync(path.join(root, name), JSON.stringify(c)); return name; };

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  tinyFolder(path.join(root, 'tiny'));
});

describe('simdnet sweep', () => {
  it('runs a grid over seeds in parallel processes, writes trials.jsonl and the reports; a rerun skips finished trials', async () => {
    const c = config('grid.json', { base: { epochs: 2, batchSize: 8 }, grid: { lr: [0.01, 0.003] }, seeds: [0, 1] });
    const r = await simdnet('sweep', '--config', c, '--data', 'tiny', '--out', 'grid', '--parallel', '2');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/4 trials planned, 0 already in .*, 4 to run on 2 processes \(1 thread each\)/);
    expect(r.out).toMatch(/\[4\/4\] lr 0\.0(1|03) seed [01]: test acc \d+\.\d %, 2 epochs, \d+ s/);
    const plan = (await simdnet('sweep', 'plan', '--config', c, '--data', 'tiny')).out.trim().split('\n').map((l) => JSON.parse(l).id);
    expect(ids(path.join(root, 'grid/trials.jsonl')).sort()).toEqual([...plan].sort());
    const rec = JSON.parse(lines(path.join(root, 'grid/trials.jsonl'))[0]);
    expect(Object.keys(rec)).toEqual(expect.arrayContaining(['params', 'seed', 'history', 'testAccuracy', 'seconds', 'status', 'epochSeconds']));
    expect(rec.history.val_accuracy).toHaveLength(2);
    expect(rec.history.test_accuracy).toHaveLength(2);
    expect(rec.testSet).toBe('folder');

    const html = readFileSync(path.join(root, 'grid/report.html'), 'utf8');
    expect(html.match(/<svg/g)!.length).toBeGreaterThanOrEqual(2);
    expect(html).not.toMatch(/<script|<link|src=|url\(/); // self-contained: nothing to fetch
    expect(html.replace(/http:\/\/www\.w3\.org\/[\w/.]+/g, '')).not.toMatch(/https?:/);
    const md = readFileSync(path.join(root, 'grid/report.md'), 'utf8');
    expect(md).toMatch(/\| setting \| seeds \| test acc % \(mean ± sd\) \|/);
    expect(md).toMatch(/\| lr 0\.01 \| 2 \| \d+\.\d ± \d+\.\d \|/);

    const before = readFileSync(path.join(root, 'grid/trials.jsonl'), 'utf8');
    const again = await simdnet('sweep', '--config', c, '--data', 'tiny', '--out', 'grid');
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/4 trials planned, 4 already in/);
    expect(readFileSync(path.join(root, 'grid/trials.jsonl'), 'utf8')).toBe(before);
  });

  it.skipIf(!existsSync('/usr/bin/chromium'))('the report opens offline in headless Chromium with every chart drawn', async () => {
    const { openReport } = await import('../../scripts/screenshot-report.mjs');
    const r = await openReport(path.join(root, 'grid/report.html'), { screenshot: path.join(root, 'grid/report.png'), height: 900 });
    expect(r.requests).toEqual([]);
    expect(r.charts.length).toBeGreaterThanOrEqual(2);
    for (const c of r.charts) {
      expect(c.width).toBeGreaterThan(300);
      expect(c.marks).toBeGreaterThan(10);
    }
    expect(r.tables).toBe(1);
    expect(existsSync(path.join(root, 'grid/report.png'))).toBe(true);
  });

  it('a trial is reproducible: the same plan line run alone gives the same history, bit for bit', async () => {
    const line = readFileSync(path.join(root, 'grid/trials.jsonl'), 'utf8').split('\n')[0];
    const rec = JSON.parse(line);
    const planLine = JSON.stringify({ id: rec.id, setting: rec.setting, params: rec.params, seed: rec.seed, data: rec.data });
    const r = await simdnet('sweep', 'trial', planLine);
    expect(r.code).toBe(0);
    const alone = JSON.parse(r.out);
    const strip = (h: Record<string, unknown>) => { const { batch_loss_jitter: _, ...rest } = h; return rest; };
    expect(strip(alone.history)).toEqual(strip(rec.history));
    expect(alone.history.batch_loss_jitter).toEqual(rec.history.batch_loss_jitter);
    const edited = JSON.stringify({ ...JSON.parse(planLine), seed: 7 });
    expect((await simdnet('sweep', 'trial', edited)).err).toMatch(/its id .* does not match its parameters/);
  });

  it("classWeight 'balanced' weighs a trial's uneven classes (simdnet train --class-weight), 'none' does not", async () => {
    // tiny with three of its eight C photos left out of train/: 8 A, 5 C
    const uneven = path.join(root, 'uneven');
    execFileSync('cp', ['-r', path.join(root, 'tiny'), uneven]);
    for (const i of [5, 6, 7]) rmSync(path.join(uneven, 'train', 'C', `${i}.pgm`));
    const c = config('weights.json', { base: { epochs: 2, batchSize: 8 }, grid: { classWeight: ['none', 'balanced'] }, seeds: [0] });
    const plan = (await simdnet('sweep', 'plan', '--config', c, '--data', 'uneven')).out.trim().split('\n');
    expect(plan.map((l) => JSON.parse(l).params.classWeight)).toEqual(['none', 'balanced']);
    const [none, balanced] = await Promise.all(plan.map(async (l) => JSON.parse((await simdnet('sweep', 'trial', l)).out).history));
    expect(none.loss).toHaveLength(2);
    expect(balanced.loss[0]).not.toBe(none.loss[0]);
  });

  it('a person with a single photo, and an empty class folder, do not stop a trial (as simdnet train)', async () => {
    const lone = path.join(root, 'lone');
    execFileSync('cp', ['-r', path.join(root, 'tiny'), lone]);
    for (const i of [1, 2, 3, 4, 5, 6, 7]) rmSync(path.join(lone, 'train', 'C', `${i}.pgm`), { force: true });
    mkdirSync(path.join(lone, 'train', 'Z'));
    const c = config('lone.json', { base: { epochs: 1, batchSize: 8 }, seeds: [0] });
    const plan = (await simdnet('sweep', 'plan', '--config', c, '--data', 'lone')).out.trim().split('\n');
    const r = await simdnet('sweep', 'trial', plan[0]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).history.loss).toHaveLength(1);
  });

  it('kill -9 at any moment loses at most the trials in flight, never duplicates one, and leaves no worker behind', async () => {
    const c = config('kill.json', { base: { epochs: 3, batchSize: 8 }, grid: { lr: [0.02, 0.01, 0.005] }, seeds: [0, 1] });
    const file = path.join(root, 'kill/trials.jsonl');
    let previous = '';
    for (const when of ['first line', 300, 'third line']) {
      const child = start(['sweep', '--config', c, '--data', 'tiny', '--out', 'kill', '--parallel', '2']);
      const t0 = Date.now();
      let workers: number[] = [];
      for (;;) {
        await new Promise((r) => setTimeout(r, 15));
        try { workers = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)]).toString().trim().split(/\s+/).map(Number).filter(Boolean); } catch { /* none yet */ }
        const n = lines(file).length;
        if (typeof when === 'number' ? Date.now() - t0 >= when : n >= (when === 'first line' ? 1 : 3)) break;
        if (child.exitCode !== null || n >= 6) break;
      }
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
      // the workers notice their parent is gone and stop: nothing goes on writing
      const deadline = Date.now() + 20_000;
      const alive = () => workers.filter((pid) => { try { process.kill(pid, 0); return true; } catch { return false; } });
      while (alive().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(alive()).toEqual([]);
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
      expect(text.startsWith(previous)).toBe(true); // nothing written before was lost or changed
      expect(text === '' || text.endsWith('\n')).toBe(true);
      expect(new Set(ids(file)).size).toBe(ids(file).length);
      previous = text;
    }
    const done = await simdnet('sweep', '--config', c, '--data', 'tiny', '--out', 'kill', '--parallel', '2');
    expect(done.code).toBe(0);
    expect(done.out).toMatch(new RegExp(`6 trials planned, ${lines(file).length - done.out.split('\n').filter((l) => /^\[\d+\/\d+\]/.test(l)).length} already in`));
    expect(ids(file)).toHaveLength(6);
    expect(new Set(ids(file)).size).toBe(6);
    expect(readFileSync(file, 'utf8').startsWith(previous)).toBe(true);
  });

  it('--prune median stops the trials below the median of the completed ones and reports them as pruned', async () => {
    // five completed trials (other seeds) whose validation accuracy no real trial can reach
    const c = config('prune.json', { base: { epochs: 3, batchSize: 8 }, seeds: [0, 1] });
    const fake = (await simdnet('sweep', 'plan', '--config', config('fake.json', { base: { epochs: 3, batchSize: 8 }, seeds: [100, 101, 102, 103, 104] }), '--data', 'tiny')).out
      .trim().split('\n').map((l) => JSON.stringify({ ...JSON.parse(l), status: 'complete', prunedAt: null, epochsRun: 3,
        history: { val_accuracy: [2, 2, 2] }, epochSeconds: [1, 1, 1], testAccuracy: 1, testLoss: 0, testMae: null, testRmse: null,
        testSet: 'folder', seconds: 3, host: 'test', backend: 'simd', finishedAt: new Date(0).toISOString() }));
    mkdirSync(path.join(root, 'prune'));
    writeFileSync(path.join(root, 'prune/trials.jsonl'), fake.join('\n') + '\n');
    const r = await simdnet('sweep', '--config', c, '--data', 'tiny', '--out', 'prune', '--parallel', '2', '--prune', 'median');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/2 trials run \(2 pruned\)/);
    const pruned = lines(path.join(root, 'prune/trials.jsonl')).map((l) => JSON.parse(l)).filter((x) => x.host !== 'test');
    expect(pruned.map((x) => [x.status, x.prunedAt, x.epochsRun])).toEqual([['pruned', 1, 1], ['pruned', 1, 1]]);
    expect(readFileSync(path.join(root, 'prune/report.md'), 'utf8')).toMatch(/\| 2 pruned \|/);

    // the same trial beside completed trials it beats is not pruned (sweep trial reads them from --results)
    writeFileSync(path.join(root, 'low.jsonl'), fake.map((l) => l.replace('"val_accuracy":[2,2,2]', '"val_accuracy":[-1,-1,-1]')).join('\n') + '\n');
    const planLine = (await simdnet('sweep', 'plan', '--config', c, '--data', 'tiny')).out.split('\n')[0];
    const t = await simdnet('sweep', 'trial', '--prune', 'median', '--results', 'low.jsonl', planLine);
    expect(t.code).toBe(0);
    expect(t.err).toMatch(/test acc \d+\.\d %, 3 epochs/);
    expect((await simdnet('sweep', '--config', c, '--out', 'x', '--prune-startup', '3')).err).toMatch(/--prune-startup and --prune-warmup need --prune median/);
  });

  it('fans out: plan | xargs -P 2 sweep trial, then sweep report merges the result files (repeats once)', async () => {
    const c = config('fan.json', { base: { epochs: 2, batchSize: 8 }, grid: { lr: [0.01, 0.003] }, seeds: [0, 1] });
    const sim = `${process.execPath} ${cli}`;
    // the README's recipe, with two result files as two machines would write them
    execFileSync('bash', ['-c', `set -e
      ${sim} sweep plan --config ${c} --data tiny --out fan > plan.jsonl
      awk -v i=0 -v n=2 'NR % n == i' plan.jsonl | xargs -d '\\n' -n 1 -P 2 ${sim} sweep trial --results fan/part-a.jsonl
      awk -v i=1 -v n=2 'NR % n == i' plan.jsonl | xargs -d '\\n' -n 1 -P 2 ${sim} sweep trial --results fan/part-b.jsonl`], { cwd: root, stdio: 'pipe' });
    expect(lines(path.join(root, 'fan/part-a.jsonl'))).toHaveLength(2);
    const r = await simdnet('sweep', 'report', 'fan', 'fan/part-a.jsonl', 'fan/part-b.jsonl', 'fan/part-a.jsonl');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Merged 4 new trial\(s\) into .*trials\.jsonl \(2 already there or repeated\)/);
    expect(ids(path.join(root, 'fan/trials.jsonl')).sort()).toEqual(ids(path.join(root, 'grid/trials.jsonl')).sort());
    // the merged trials are the ones the single-machine sweep ran, with the same histories
    const byId = (f: string) => Object.fromEntries(lines(path.join(root, f)).map((l) => { const x = JSON.parse(l); return [x.id, x.history.val_loss]; }));
    expect(byId('fan/trials.jsonl')).toEqual(byId('grid/trials.jsonl'));
    const again = await simdnet('sweep', 'report', 'fan', 'fan/part-b.jsonl');
    expect(again.out).toMatch(/Merged 0 new trial\(s\)/);
    expect(readFileSync(path.join(root, 'fan/report.md'), 'utf8')).toMatch(/\| lr 0\.003 \| 2 \|/);
    // nothing left to plan once the results are in
    expect((await simdnet('sweep', 'plan', '--config', c, '--data', 'tiny', '--out', 'fan')).out).toBe('');
  });

  it('rejects bad sweep arguments with exit code 2 and a message naming them', async () => {
    const cases: [string[], RegExp][] = [
      [['sweep', '--config', 'grid.json'], /--out DIR is required/],
      [['sweep', '--out', 'x'], /--config FILE .* or --preset lab is required/],
      [['sweep', '--preset', 'huge', '--out', 'x'], /--preset must be one of lab, got 'huge'/],
      [['sweep', '--config', 'missing.json', '--out', 'x'], /--config missing.json: cannot read it/],
      [['sweep', '--config', config('bad.json', { grid: { batchSize: [0] } }), '--out', 'x'], /grid\.batchSize\[0\] must be in \[1, ∞\], got 0/],
      [['sweep', '--config', 'grid.json', '--out', 'x', '--parallel', '0'], /--parallel must be in \[1, ∞\], got 0/],
      [['sweep', 'trial', '--prune', 'median', '{}'], /--prune median compares with the completed trials in --results FILE/],
      [['sweep', 'report'], /give the results folder DIR/],
    ];
    for (const [args, msg] of cases) {
      const r = await simdnet(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
    }
  });
});
