// Cold start, split and counted, optionally beside another build of simdnet in alternating fresh processes:
//   node dist/bench/cold.js [--rounds 10] [--other ../base/dist/src/bundle/index.js] [--node /path/to/node]
//                           [--compile-cache]
// --node runs the processes on another Node (e.g. 22 from test/hosts/node22); --compile-cache adds rows with
// NODE_COMPILE_CACHE set (Node ≥ 22.1 keeps V8's compiled code of the modules on disk), warmed by one
// unmeasured process first.
// Each process (bench/cold-entry.ts: an ES module file, as an application's entry is) imports simdnet (the
// package's Node entry: the bundle), loads the lab model from a folder and predicts one image, timing the three
// steps itself and counting its minor page faults (first touches of fresh memory: 10–18 µs each on the 2-vCPU
// VM this project runs on, by the day, so they are most of a cold start there). An empty Node process is timed
// the same way. Medians; the in-process total is the median of each process's own total.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as sn from '../src/index.js';
import { coldScript, EMPTY_SCRIPT, writeEntry } from './cold-entry.js';
import { cpuInfo } from './cpu.js';
import { median } from './stats.js';

const argv = process.argv.slice(2);
const opt = (name: string, def: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : def; };
const rounds = Number(opt('rounds', '10'));
const builds: Record<string, string> = { this: new URL('../src/bundle/index.js', import.meta.url).href };
const other = opt('other', '');
if (other) builds.other = new URL(other, `file://${process.cwd()}/`).href;
const node = opt('node', process.execPath);
const compileCache = argv.includes('--compile-cache');

const dir = mkdtempSync(path.join(os.tmpdir(), 'simdnet-cold-'));
try {
  await sn.models.labFaceCnn().save(path.join(dir, 'model'));
  const cacheDir = path.join(dir, 'compile-cache');
  const version = execFileSync(node, ['--version']).toString().trim();
  const [major, minor] = version.slice(1).split('.').map(Number);
  if (compileCache && (major < 22 || (major === 22 && minor < 1))) {
    console.warn(`--compile-cache: Node ${version} has no module compile cache (22.1+): its rows measure the same as the others`);
  }
  const plain: NodeJS.ProcessEnv = { ...process.env };
  delete plain.NODE_COMPILE_CACHE; // the rows without the cache, whatever the caller's environment
  // [label, entry file, environment]
  const kinds: [string, string, NodeJS.ProcessEnv][] = [['Node alone', writeEntry(dir, 'empty', EMPTY_SCRIPT), plain]];
  for (const [b, e] of Object.entries(builds)) {
    const file = writeEntry(dir, b, coldScript(e, path.join(dir, 'model')));
    kinds.push([b, file, plain]);
    if (compileCache) kinds.push([`${b}, compile cache`, file, { ...plain, NODE_COMPILE_CACHE: cacheDir }]);
  }
  const run = (file: string, env: NodeJS.ProcessEnv) => execFileSync(node, [file], { env }).toString();
  if (compileCache) for (const [, file, env] of kinds) if (env.NODE_COMPILE_CACHE) run(file, env); // fills the cache
  const runs: Record<string, { wall: number; steps: number[] }[]> = {};
  for (const [k] of kinds) runs[k] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [k, file, env] of kinds) {
      const t0 = performance.now();
      const out = run(file, env);
      runs[k].push({ wall: performance.now() - t0, steps: JSON.parse(out) as number[] });
    }
  }
  console.log(`${cpuInfo().line}; Node ${version}; ${rounds} alternating rounds, medians; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('| process | wall ms | import ms | loadModel ms | first predict ms | in-process total ms | minor page faults |\n|---|---|---|---|---|---|---|');
  for (const [k, rs] of Object.entries(runs)) {
    const step = (j: number) => median(rs.map((x) => x.steps[j]));
    const cells = k === 'Node alone' ? ['—', '—', '—', '—'] : [0, 1, 2, 3].map((j) => step(j).toFixed(1));
    const label = k.replace(/^this\b/, 'this build').replace(/^other\b/, other);
    console.log(`| ${label} | ${median(rs.map((x) => x.wall)).toFixed(0)} | ${cells.join(' | ')} | ${step(4).toFixed(0)} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
