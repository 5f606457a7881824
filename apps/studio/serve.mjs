// Serves the built Studio (dist/studio/) with the headers that make the page cross-origin isolated
// (COOP/COEP), which browsers require before they give it SharedArrayBuffer and so simdnet its threads.
//   PORT=8080 node apps/studio/serve.mjs [dir]        (HOST=0.0.0.0 to serve beyond this machine)
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_OUT } from './build.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png',
};
const HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache',
};

export function startStudioServer({ dir = DEFAULT_OUT, port = 0, host = '127.0.0.1' } = {}) {
  const root = path.resolve(dir);
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      let file = path.join(root, decodeURIComponent(url.pathname));
      if (file !== root && !file.startsWith(root + path.sep)) { res.writeHead(403, HEADERS).end('forbidden'); return; }
      if ((await stat(file).catch(() => null))?.isDirectory()) file = path.join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { ...HEADERS, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404, { ...HEADERS, 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, host, () => resolve(server)); });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const dir = process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_OUT;
  if (!(await stat(path.join(dir, 'index.html')).catch(() => null))) {
    console.error(`simdnet Studio: ${dir}/index.html is missing: build it first (npm run studio builds and serves)`);
    process.exit(1);
  }
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) { console.error(`simdnet Studio: PORT must be a port number, got ${process.env.PORT}`); process.exit(2); }
  const host = process.env.HOST ?? '127.0.0.1';
  const server = await startStudioServer({ dir, port, host });
  console.log(`simdnet Studio: http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${server.address().port}/`);
}
