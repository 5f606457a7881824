// The same service on Node (node:http on 127.0.0.1), for comparison with the worker:
//   node examples/serverless/node-server.mjs [port]
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import * as sn from 'simdnet';
import { createHandler, pick } from './handler.js';

const dir = new URL('./model/', import.meta.url);
const handler = createHandler({
  sn: pick(sn),
  modelJson: JSON.parse(await readFile(new URL('model.json', dir), 'utf8')),
  weights: await readFile(new URL('weights.bin', dir)),
});

const server = createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, body: req.method === 'POST' ? Buffer.concat(chunks) : undefined });
  const response = await handler.fetch(request);
  res.writeHead(response.status, { 'Content-Type': 'application/json' }).end(Buffer.from(await response.arrayBuffer()));
});
server.listen(Number(process.argv[2] ?? 8787), '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}/predict`));
