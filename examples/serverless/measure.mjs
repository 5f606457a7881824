// The serverless example, measured: the predict-only worker's bundle size (esbuild, minified, gzip; the
// kernels and the weights apart), cold start in workerd (process start -> first answer to POST /predict)
// and warm latency p50 / p90 over sequential requests, beside the same service on Node, on this machine.
// The client is node:http on one keep-alive connection (Node's fetch adds ≈ 0.6–1 ms to every request here,
// the client's own work), and the warm requests follow WARM_UP unmeasured ones (the JIT's tier-up).
// Everything listens on 127.0.0.1 and every server is stopped at the end.
//   node examples/serverless/measure.mjs [--requests 100] [--colds 5] [--quantized float16,uint8] [--json]
// --quantized: the worker again with its weights stored quantized (model.save's `quantize`), a workerd row each
// (default float16 and uint8; '' for none).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(HERE, '../..');
const WORKERD = join(ROOT, 'node_modules/@cloudflare/workerd-linux-64/bin/workerd');
/** The kernels worker.js imports (the module's name in the bundle and in workerd's config). */
const KERNELS = 'simdnet/wasm/relaxed-simd.wasm';

/** A synthetic face photo (384x286 grey JPEG, as the lab's), as a user would upload it. */
export async function facePhoto(seed = 5) {
  const sn = await import('simdnet');
  const jpeg = (await import('jpeg-js')).default;
  const rng = new sn.Random(seed);
  const gray = sn.renderFace(sn.makePerson(rng, 3), sn.makeShot(rng), rng);
  const rgba = new Uint8Array(gray.length * 4);
  for (let i = 0; i < gray.length; i++) { rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = gray[i]; rgba[4 * i + 3] = 255; }
  return new Uint8Array(jpeg.encode({ data: rgba, width: sn.PHOTO_WIDTH, height: sn.PHOTO_HEIGHT }, 90).data);
}

/** The same photo resized on the client to the model's 42x42 input, as a PNG: the model's own latency. */
export async function smallPhoto(photo) {
  const sn = await import('simdnet');
  const { writePng } = await import('../../dist/src/io/png.js');
  const small = sn.io.resize(sn.io.decodeImage(photo), 42, 42);
  const rgba = new Uint8Array(42 * 42 * 4);
  for (let i = 0; i < 42 * 42; i++) { rgba.set(small.data.subarray(3 * i, 3 * i + 3), 4 * i); rgba[4 * i + 3] = 255; }
  return writePng(rgba, 42, 42);
}

export function ensureModel() {
  if (existsSync(join(HERE, 'model/weights.bin'))) return;
  const r = spawnSync(process.execPath, [join(HERE, 'build-model.mjs')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build-model.mjs failed: ${r.stderr}`);
}

/**
 * The worker as a deployable folder: the esbuild bundle (what wrangler makes of worker.js), the kernels, the weights.
 * `quantize` ('float16', 'uint8', 'uint16'): the same model with its weights stored quantized (model.save's
 * `quantize`, as build-model.mjs --quantize writes it) in place of model/.
 */
export async function buildWorker(quantize) {
  ensureModel();
  const dir = mkdtempSync(join(tmpdir(), 'simdnet-serverless-'));
  let modelDir = join(HERE, 'model');
  if (quantize) {
    const sn = await import('simdnet');
    modelDir = join(dir, 'model-source');
    const m = await sn.loadModel(join(HERE, 'model'));
    await m.save(modelDir, { quantize });
    m.dispose();
  }
  // worker.js imports ./model/model.json: the quantized model's, when there is one
  const modelJson = { name: 'model-json', setup(b) { b.onResolve({ filter: /^\.\/model\/model\.json$/ }, () => ({ path: join(modelDir, 'model.json') })); } };
  const r = await esbuild.build({
    entryPoints: [join(HERE, 'worker.js')], outfile: join(dir, 'worker.js'), bundle: true, format: 'esm', platform: 'browser',
    conditions: ['workerd', 'worker'], external: ['*.wasm', '*.bin'], minify: true, metafile: true, logLevel: 'silent', plugins: [modelJson],
  });
  mkdirSync(join(dir, 'simdnet/wasm'), { recursive: true });
  mkdirSync(join(dir, 'model'));
  cpSync(join(ROOT, 'dist/wasm', KERNELS.split('/').pop()), join(dir, KERNELS));
  cpSync(join(modelDir, 'weights.bin'), join(dir, 'model/weights.bin'));
  const js = readFileSync(join(dir, 'worker.js'));
  const wasm = readFileSync(join(dir, KERNELS));
  const nodeInputs = Object.keys(r.metafile.inputs).filter((f) => f.startsWith('node:'));
  writeFileSync(join(dir, 'workerd.capnp'), '');
  return {
    dir, nodeInputs,
    sizes: { bundle: js.length, bundleGzip: gzipSync(js, { level: 9 }).length, wasm: wasm.length, wasmGzip: gzipSync(wasm, { level: 9 }).length, weights: readFileSync(join(dir, 'model/weights.bin')).length },
  };
}

/** Requests before the warm ones are timed, of each body: the worker's code is optimized by then. */
const WARM_UP = 20;

/** One HTTP request on `agent`'s connection: { status, body } (body as text). */
function send(agent, port, method, path, body) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, agent, headers: body ? { 'content-length': body.length } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer to ${method} ${path} in 30 s`)));
    req.end(body);
  });
}

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * The worker's config; `empty`: an empty worker instead, `withWeights`: and the model's weights as a data module,
 * `withKernels`: and the kernels as a Wasm module it imports (workerd compiles it at start; nothing instantiates it).
 */
function workerdConfig(port, empty = false, withWeights = false, withKernels = false) {
  if (empty) {
    const weights = withWeights ? ', (name = "model/weights.bin", data = embed "model/weights.bin")' : '';
    const entry = withKernels
      ? `(name = "empty-kernels.js", esModule = embed "empty-kernels.js"), (name = "${KERNELS}", wasm = embed "${KERNELS}")`
      : '(name = "empty.js", esModule = embed "empty.js")';
    return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = (modules = [${entry}${weights}], compatibilityDate = "2025-01-01"))],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
`;
  }
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "${KERNELS}", wasm = embed "${KERNELS}"),
    (name = "model/weights.bin", data = embed "model/weights.bin"),
  ],
  compatibilityDate = "2025-01-01",
);
`;
}

const quantile = (times, p) => [...times].sort((a, b) => a - b)[Math.min(times.length - 1, Math.floor(p * times.length))];

// workerd reads a config's embedded files when it starts: the 1.7 MB weights alone add a good part of its
// cold start here (the Workers platform does not start a process per isolate), so this row separates them.
const EMPTY_WITH_WEIGHTS = 'workerd, empty worker, weights.bin embedded';
const EMPTY_WITH_KERNELS = 'workerd, empty worker, weights.bin and the kernels embedded';
// `workerd compile --config-only` encodes the config (its embedded files included) once; `serve --binary` then skips
// parsing the text config and reading the files — how a self-hosted workerd is deployed (`workerd compile`)
const COMPILED = 'workerd, compiled config (serve --binary)';
const KINDS = ['workerd', 'node', COMPILED, 'workerd, empty worker', EMPTY_WITH_WEIGHTS, EMPTY_WITH_KERNELS, 'workerd, simdnet loaded'];

/**
 * Starts a server, times process start -> first answer (the photo), then `requests` sequential requests with
 * the photo and with the 42x42 PNG; stops it. 'workerd, simdnet loaded' times the first answer to GET / (a
 * 404 that loads no model): workerd's start plus evaluating the bundle and compiling the kernels, so the
 * rest of the worker's cold start is the first request's own work (instantiate, load the model, predict).
 */
async function serve(kind, dir, photo, small, requests) {
  const port = await freePort();
  let proc, t0;
  if (kind.startsWith('workerd')) {
    writeFileSync(join(dir, 'workerd.capnp'), workerdConfig(port, kind.startsWith('workerd, empty worker'), kind === EMPTY_WITH_WEIGHTS || kind === EMPTY_WITH_KERNELS, kind === EMPTY_WITH_KERNELS));
    writeFileSync(join(dir, 'empty.js'), "export default { fetch: () => Response.json({ probabilities: {} }) };");
    writeFileSync(join(dir, 'empty-kernels.js'), `import kernels from '${KERNELS}';\n` +
      'export default { fetch: () => Response.json({ probabilities: {}, kernelExports: WebAssembly.Module.exports(kernels).length }) };');
    let args = ['serve', 'workerd.capnp'];
    if (kind === COMPILED) {
      const c = spawnSync(WORKERD, ['compile', '--config-only', 'workerd.capnp'], { cwd: dir, maxBuffer: 1 << 28 });
      if (c.status !== 0) throw new Error(`workerd compile failed: ${c.stderr}`);
      writeFileSync(join(dir, 'workerd.bin'), c.stdout);
      args = ['serve', '--binary', 'workerd.bin'];
    }
    t0 = performance.now(); // the config written (and compiled) before: the clock starts with the process
    proc = spawn(WORKERD, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } else {
    t0 = performance.now();
    proc = spawn(process.execPath, [join(HERE, 'node-server.mjs'), String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  let exited = false;
  proc.once('exit', () => { exited = true; });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const post = (body = photo) => send(agent, port, 'POST', '/predict', body);
  const firstRequest = kind === 'workerd, simdnet loaded' ? () => send(agent, port, 'GET', '/') : post;
  try {
    let first = null;
    const deadline = Date.now() + 30_000;
    while (!first) {
      if (exited || Date.now() > deadline) throw new Error(`${kind} did not answer (${exited ? 'it exited' : 'timed out'}): ${stderr}`);
      // not listening yet: try again (any other failure, such as a request cut off mid-answer, is the result)
      first = await firstRequest().catch((e) => {
        if (e.code !== 'ECONNREFUSED') throw new Error(`${kind}: the first request failed: ${e.message}; ${stderr}`);
        return new Promise((r) => setTimeout(() => r(null), 2));
      });
    }
    const cold = performance.now() - t0;
    if (first.status !== (kind === 'workerd, simdnet loaded' ? 404 : 200)) throw new Error(`${kind}: HTTP ${first.status}: ${first.body}; ${stderr}`);
    const answer = JSON.parse(first.body);
    const times = { photo: [], small: [] };
    for (let i = -(requests ? WARM_UP : 0); i < requests; i++) {
      for (const [k, body] of [['photo', photo], ['small', small]]) {
        const t = performance.now();
        const res = await post(body);
        if (res.status !== 200) throw new Error(`${kind}: HTTP ${res.status}: ${res.body}`);
        if (i >= 0) times[k].push(performance.now() - t);
      }
    }
    return {
      cold, answer, p50: quantile(times.photo, 0.5), p90: quantile(times.photo, 0.9), min: quantile(times.photo, 0),
      smallP50: quantile(times.small, 0.5), smallP90: quantile(times.small, 0.9), smallMin: quantile(times.small, 0),
    };
  } finally {
    agent.destroy();
    proc.kill();
    await new Promise((r) => (exited ? r() : proc.once('exit', r)));
  }
}

/** The worker with its weights quantized (buildWorker's `quantize`), in workerd: a row each. */
const quantizedKind = (dtype) => `workerd, ${dtype} weights`;

/**
 * Both hosts, `colds` cold starts each (median reported) and `requests` warm requests in the first; `quantized`:
 * also the worker with its weights stored as each of these types (save's `quantize`).
 */
export async function measure({ requests = 100, colds = 5, quantized = [] } = {}) {
  const worker = await buildWorker();
  const photo = await facePhoto();
  const small = await smallPhoto(photo);
  const out = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, load: loadavg()[0], nodeVersion: process.version, sizes: worker.sizes, nodeInputs: worker.nodeInputs, photoBytes: photo.length };
  // `colds` fresh processes of one kind; the first also answers `warm` timed requests
  const coldStarts = async (kind, dir, warm) => {
    const runs = [];
    for (let i = 0; i < colds; i++) runs.push(await serve(kind, dir, photo, small, i === 0 ? warm : 0));
    const coldsMs = runs.map((r) => r.cold).sort((a, b) => a - b);
    const { cold: _, ...first } = runs[0];
    return { coldMedian: coldsMs[Math.floor(coldsMs.length / 2)], colds: coldsMs, ...first };
  };
  for (const kind of KINDS) out[kind] = await coldStarts(kind, worker.dir, kind === 'workerd, simdnet loaded' ? 0 : requests);
  for (const dtype of quantized) {
    const w = await buildWorker(dtype);
    out[quantizedKind(dtype)] = { ...(await coldStarts('workerd', w.dir, requests)), sizes: w.sizes };
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name, d) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : d; };
  const q = process.argv.indexOf('--quantized');
  if (q > 0 && process.argv[q + 1] === undefined) throw new Error("measure.mjs: --quantized needs a list, e.g. --quantized float16,uint8 ('' for none)");
  const quantized = q > 0 ? process.argv[q + 1].split(',').filter(Boolean) : ['float16', 'uint8'];
  const r = await measure({ requests: arg('--requests', 100), colds: arg('--colds', 5), quantized });
  if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 1));
  else {
    const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
    const f = (v) => `${v.toFixed(1)} ms`;
    console.log(`${r.cpu}, ${r.cores} cores (load average ${r.load.toFixed(1)} at the start); Node ${r.nodeVersion}; a ${kb(r.photoBytes)} JPEG face photo to POST /predict (lab CNN, 42x42x3)`);
    console.log(`predict-only worker bundle: ${kb(r.sizes.bundle)} minified, ${kb(r.sizes.bundleGzip)} gzip; kernels ${KERNELS.split('/').pop()} ${kb(r.sizes.wasm)} (${kb(r.sizes.wasmGzip)} gzip); weights ${kb(r.sizes.weights)}`);
    console.log(`| host | cold start, median of ${r.workerd.colds.length} | warm p50 / p90 (min), ${(r.photoBytes / 1024).toFixed(0)} KB photo | warm p50 / p90 (min), 42x42 PNG |\n|---|---|---|---|`);
    for (const k of ['workerd', COMPILED, 'node', 'workerd, empty worker', EMPTY_WITH_WEIGHTS, EMPTY_WITH_KERNELS]) {
      console.log(`| ${k} | ${f(r[k].coldMedian)} (${r[k].colds.map((c) => c.toFixed(0)).join(', ')}) | ${f(r[k].p50)} / ${f(r[k].p90)} (${f(r[k].min)}) | ${f(r[k].smallP50)} / ${f(r[k].smallP90)} (${f(r[k].smallMin)}) |`);
    }
    for (const dtype of quantized) {
      const k = quantizedKind(dtype), x = r[k];
      console.log(`| ${k} (${kb(x.sizes.weights)}) | ${f(x.coldMedian)} (${x.colds.map((c) => c.toFixed(0)).join(', ')}) | ${f(x.p50)} / ${f(x.p90)} (${f(x.min)}) | ${f(x.smallP50)} / ${f(x.smallP90)} (${f(x.smallMin)}) |`);
    }
    const loaded = r['workerd, simdnet loaded'];
    console.log(`| workerd, the worker's first GET / (a 404: bundle evaluated, kernels compiled, no model) | ${f(loaded.coldMedian)} (${loaded.colds.map((c) => c.toFixed(0)).join(', ')}) | | |`);
    const b = r.node.answer.probabilities;
    const diff = (a) => Math.max(...Object.keys(a).map((k) => Math.abs(a[k] - b[k]))).toExponential(2);
    console.log(`largest difference workerd vs Node: ${diff(r.workerd.answer.probabilities)} (compiled config: ${diff(r[COMPILED].answer.probabilities)})` +
      quantized.map((d) => `; ${d} weights vs float32: ${diff(r[quantizedKind(d)].answer.probabilities)}`).join(''));
  }
}
