// A small static server for the browser example and its test. It serves the package folder with the
// headers that make a page cross-origin isolated (COOP/COEP), which browsers require before they give
// it SharedArrayBuffer — and so simdnet its worker threads. simdnet itself is served as a bundle made by
// esbuild (examples/browser/simdnet.js), as a user's bundler would make it.
//   node examples/browser/serve.mjs [port]     then open http://localhost:<port>/examples/browser/
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.css': 'text/css', '.png': 'image/png' };

/** simdnet as a browser bundle (what a user's bundler makes of `import * as sn from 'simdnet'`), built once. */
let bundled = null;
async function browserBundle() {
  const esbuild = await import('esbuild');
  bundled ??= esbuild.build({
    entryPoints: [path.join(ROOT, 'dist/src/browser.js')], bundle: true, format: 'esm', platform: 'browser', write: false,
    external: ['*.wasm'], logLevel: 'silent',
  }).then((r) => r.outputFiles[0].contents);
  return bundled;
}

export function startServer(port = 0) {
  const server = createServer(async (req, res) => {
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-store' };
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/examples/browser/simdnet.js') {
        res.writeHead(200, { ...headers, 'Content-Type': TYPES['.js'] }).end(await browserBundle());
        return;
      }
      let file = path.join(ROOT, decodeURIComponent(url.pathname));
      if (!file.startsWith(ROOT)) { res.writeHead(403, headers).end('forbidden'); return; }
      if ((await stat(file).catch(() => null))?.isDirectory()) file = path.join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404, headers).end('not found');
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const server = await startServer(Number(process.argv[2] ?? 8080));
  console.log(`simdnet browser example: http://127.0.0.1:${server.address().port}/examples/browser/`);
}
