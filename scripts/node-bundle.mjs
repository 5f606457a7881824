// The Node entry as one file: dist/src/index.js and the ~80 modules it imports, bundled by esbuild (not
// minified, so stack traces stay readable; npm dependencies stay imports). Node loads one module instead of
// ~80, which takes about 40 % off `import('simdnet')` (see README, "Cold start"). It sits in dist/src/bundle/
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
  packages: 'external',
  logLevel: 'warning',
  banner: { js: '// simdnet for Node: dist/src/index.js and its modules in one file (scripts/node-bundle.mjs).' },
});
