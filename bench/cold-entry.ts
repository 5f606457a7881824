// The cold-start process both benches start (bench/cold.ts, bench/run.ts): an ES module file, as an
// application's entry is — not `node -e`, whose first import() also starts Node's ES module loader (≈ 5 ms more
// under "import" here) — that imports simdnet from `entry`, loads the model saved in `modelDir` (this includes
// loading the kernels) and predicts one image, timing the three steps itself. It prints, as JSON,
// [import, loadModel, first predict, total] in ms and the process's minor page faults.
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export function coldScript(entry: string, modelDir: string): string {
  return 'const f = () => process.resourceUsage().minorPageFault; const t0 = performance.now();' +
    `const sn = await import(${JSON.stringify(entry)}); const t1 = performance.now();` +
    `const m = await sn.loadModel(${JSON.stringify(modelDir)}); const t2 = performance.now();` +
    'await m.predict(sn.tensor(new Float32Array(5292).fill(0.5), [1, 42, 42, 3]), { threads: 1 }); const t3 = performance.now();' +
    'console.log(JSON.stringify([t1 - t0, t2 - t1, t3 - t2, t3 - t0, f()]));';
}

/** An empty process, timed the same way: Node's own start (and its page faults). */
export const EMPTY_SCRIPT = 'console.log(JSON.stringify([0, 0, 0, 0, process.resourceUsage().minorPageFault]));';

/** Writes `src` as `dir/name.mjs` and returns the file's path. */
export function writeEntry(dir: string, name: string, src: string): string {
  const file = path.join(dir, `${name}.mjs`);
  writeFileSync(file, src);
  return file;
}
