// The same Wasm GEMM in workerd (Cloudflare Workers' runtime) and in this Node process, in one run:
//   node dist/bench/workerd.js [--rounds 15] [--v8-flags "--wasm-enforce-bounds-checks"]
// The kernels (simd.wasm) instantiated on their own, every GEMM micro-kernel on a 256×256×256 product, and
// a register-only multiply-add loop (the peak probe) as the control: workerd's time per call is the
// difference between a request doing 1 and 1 + n calls (its clock does not move during a request), medians
// of alternating rounds; Node's the same calls timed in this process between workerd's requests.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuInfo } from './cpu.js';
import { median } from './stats.js';

const argv = process.argv.slice(2);
const opt = (name: string, def: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : def; };
const rounds = Number(opt('rounds', '15'));
const v8Flags = opt('v8-flags', '').split(' ').filter(Boolean);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKERD = path.join(ROOT, 'node_modules/@cloudflare/workerd-linux-64/bin/workerd');
const WASM = path.join(ROOT, 'dist/wasm/simd.wasm');
const CALLS = 50;

// Host-neutral: sets up the kernels on their own memory and returns the timed operations (also the worker's code).
function setup(module: WebAssembly.Module): Record<string, (n: number) => number> {
  const memory = new WebAssembly.Memory({ initial: 1024 });
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, (...a: number[]) => number>;
  const M = 256, N = 256, K = 256, f = new Float32Array(memory.buffer), i32 = new Int32Array(memory.buffer);
  let off = 1 << 20;
  const alloc = (floats: number) => { const o = off; off += Math.ceil(floats / 16) * 64; return o; };
  const a = alloc(M * K), b = alloc(K * N), c = alloc(M * N), rowOff = alloc(M), redOff = alloc(K);
  const packed = alloc(k.gemm_packed_floats(N, K)), scratch = alloc(k.gemm_pack_floats() + 4096);
  for (let i = 0; i < M * K; i++) f[a / 4 + i] = (i % 7) / 7;
  for (let i = 0; i < K * N; i++) f[b / 4 + i] = (i % 5) / 5;
  for (let i = 0; i < M; i++) i32[rowOff / 4 + i] = i * K;
  for (let r = 0; r < K; r++) i32[redOff / 4 + r] = r;
  k.gemm_pack(packed, b, N, 1, N, K);
  const gemm = (code: number) => (n: number) => {
    for (let i = 0; i < n; i++) k.gemm_packed(c, N, a, rowOff, redOff, packed, M, N, K, code << 3, 0, scratch);
    return f[c / 4];
  };
  return {
    '4x8 loadsplat': gemm(0), '4x8 splat': gemm(1), '6x8 loadsplat': gemm(2), '6x8 splat': gemm(3),
    'peak probe (registers only)': (n: number) => { let s = 0; for (let i = 0; i < n; i++) s += k.peak_probe(100000, 1.0001); return s; },
  };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'simdnet-workerd-bench-'));
const port = await freePort();
copyFileSync(WASM, path.join(dir, 'simd.wasm'));
writeFileSync(path.join(dir, 'worker.js'), `import wasm from 'simd.wasm';
const setup = ${setup.toString()};
let ops;
export default { async fetch(request) {
  const u = new URL(request.url);
  ops ??= setup(wasm);
  return Response.json({ r: ops[u.searchParams.get('op')](Number(u.searchParams.get('n'))) });
} };`);
writeFileSync(path.join(dir, 'bench.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  v8Flags = [${v8Flags.map((f) => JSON.stringify(f)).join(', ')}],
  services = [(name = "main", worker = (modules = [(name = "worker.js", esModule = embed "worker.js"), (name = "simd.wasm", wasm = embed "simd.wasm")], compatibilityDate = "2025-01-01"))],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
`);
const proc = spawn(WORKERD, ['serve', 'bench.capnp'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
try {
  const call = async (op: string, n: number) => {
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/?op=${encodeURIComponent(op)}&n=${n}`);
    if (!res.ok) throw new Error(`workerd: HTTP ${res.status}`);
    await res.json();
    return performance.now() - t0;
  };
  for (let i = 0; ; i++) { // wait for workerd to listen (bounded)
    try { await call('4x8 loadsplat', 1); break; } catch (e) { if (i > 200) throw e; await new Promise((r) => setTimeout(r, 25)); }
  }
  const local = setup(new WebAssembly.Module(readFileSync(WASM)));
  console.log(`${cpuInfo().line}; Node ${process.version}; workerd ${v8Flags.length ? `with v8Flags ${v8Flags.join(' ')}` : '(its defaults)'}; ` +
    `${rounds} alternating rounds, medians; load average ${os.loadavg()[0].toFixed(2)}`);
  console.log('| simd.wasm, 256×256×256 GEMM micro-kernel | workerd ms / call | Node ms / call | workerd ÷ Node |\n|---|---|---|---|');
  for (const op of Object.keys(local)) {
    await call(op, CALLS); local[op](CALLS); // warm-up: both engines tier the code up
    const w: number[] = [], n: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const one = await call(op, 1), many = await call(op, CALLS + 1);
      w.push((many - one) / CALLS);
      const t0 = performance.now();
      local[op](CALLS);
      n.push((performance.now() - t0) / CALLS);
    }
    console.log(`| ${op} | ${median(w).toFixed(3)} | ${median(n).toFixed(3)} | ${(median(w) / median(n)).toFixed(2)} |`);
  }
} finally {
  proc.kill();
  rmSync(dir, { recursive: true, force: true });
}
