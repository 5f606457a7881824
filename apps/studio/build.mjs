// Builds the Studio into dist/studio/ as static files: index.html and style.css, main.js (the page: forms,
// charts with uPlot; no simdnet), worker.js (the training worker: simdnet's browser entry, as a user's
// bundler resolves `import * as sn from 'simdnet'`), main.css (uPlot's) and wasm/ (simdnet's kernels).
//   node apps/studio/build.mjs [outdir]      after `npm run build` (simdnet's dist/src and dist/wasm)
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../..');
export const DEFAULT_OUT = path.join(ROOT, 'dist/studio');

/** `simdnet` is this package: resolved to the file its "browser" export condition names, as for a user. */
const simdnetPlugin = {
  name: 'simdnet-self',
  setup(build) {
    build.onResolve({ filter: /^simdnet$/ }, () => ({ path: path.join(ROOT, 'dist/src/browser.js') }));
  },
};

/** Builds the page; returns the output folder, esbuild's metafile and each file's bytes and gzip bytes. */
export async function buildStudio(outdir = DEFAULT_OUT, { minify = true } = {}) {
  await readFile(path.join(ROOT, 'dist/src/browser.js')).catch(() => {
    throw new Error('build the package first: npm run build (the Studio bundles dist/src/browser.js and copies dist/wasm)');
  });
  await rm(outdir, { recursive: true, force: true });
  await mkdir(path.join(outdir, 'wasm'), { recursive: true });
  const result = await esbuild.build({
    entryPoints: { main: path.join(HERE, 'src/main.ts'), worker: path.join(HERE, 'src/worker.ts') },
    outdir, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify, metafile: true,
    logLevel: 'silent', legalComments: 'none', plugins: [simdnetPlugin], absWorkingDir: ROOT,
  });
  for (const f of ['index.html', 'style.css']) await copyFile(path.join(HERE, f), path.join(outdir, f));
  const wasm = (await readdir(path.join(ROOT, 'dist/wasm'))).filter((f) => f.endsWith('.wasm'));
  for (const f of wasm) await copyFile(path.join(ROOT, 'dist/wasm', f), path.join(outdir, 'wasm', f));
  const sizes = {};
  for (const f of ['index.html', 'style.css', 'main.css', 'main.js', 'worker.js', ...wasm.map((w) => `wasm/${w}`)]) {
    const bytes = await readFile(path.join(outdir, f));
    sizes[f] = { bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  }
  return { outdir, metafile: result.metafile, sizes };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { outdir, sizes } = await buildStudio(process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_OUT);
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`simdnet Studio built into ${path.relative(process.cwd(), outdir) || '.'}/ (minified; gzip -9 sizes):`);
  for (const [f, s] of Object.entries(sizes)) console.log(`  ${f.padEnd(34)} ${kb(s.bytes).padStart(10)} ${kb(s.gzip).padStart(10)} gzip`);
}
