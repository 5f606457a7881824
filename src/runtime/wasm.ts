// Loads the kernels (the .wasm files beside the module, or a build handed to sn.ready({ wasm }); relaxed SIMD
// wherever the host runs it — Node 20 after the host adapter turns V8's flag on — else plain SIMD;
// SIMDNET_WASM=simd|relaxed|auto or sn.ready({ flavour }) chooses) into one memory and exposes them with their
// signatures. One runtime per thread of JS; nothing loads at import: the first async call (or sn.ready()) does.
import { Arena } from './arena.js';
import type { Kernels } from './kernels.js';
import { host } from '../host/host.js';

export type { Kernels } from './kernels.js';

/**
 * gemm modes; GEMM_RELU is or-ed in to clamp the finished product at 0 (fused ReLU), and a micro-kernel
 * (ukernels.ts) as its index << GEMM_UKERNEL_SHIFT.
 */
export const GEMM_SET = 0, GEMM_ACC = 1, GEMM_BIAS = 2, GEMM_RELU = 4, GEMM_UKERNEL_SHIFT = 3;
/** Flip modes (bits): FLIP_JOINT draws once for both axes (Keras 3) instead of once per axis (tf.keras). */
export const FLIP_HORIZONTAL = 1, FLIP_VERTICAL = 2, FLIP_JOINT = 4;
/** Translation fill modes (TF's ImageProjectiveTransformV3 order) and interpolations (assembly/augment.ts). */
export const FILL_REFLECT = 0, FILL_WRAP = 1, FILL_CONSTANT = 2, FILL_NEAREST = 3;
export const INTERP_NEAREST = 0, INTERP_BILINEAR = 1;
/** Bidirectional's merge modes (Keras' merge_mode; assembly/merge.ts). */
export const MERGE_CONCAT = 0, MERGE_SUM = 1, MERGE_MUL = 2, MERGE_AVE = 3;

/** Static data of the module sits below 64 KiB; the arena starts above it. */
export const ARENA_BASE = 65536;
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit

export interface Runtime {
  readonly memory: WebAssembly.Memory;
  /** The compiled kernels, shared with worker threads. */
  readonly module: WebAssembly.Module;
  /** Whether the memory is a SharedArrayBuffer that worker threads can compute on. */
  readonly shared: boolean;
  readonly k: Kernels;
  readonly arena: Arena;
  /** 'relaxed-simd' or 'simd': which build of the kernels runs. */
  readonly flavour: Flavour;
  /** Scratch for gemm's packed B blocks (one per runtime: kernels run one at a time on a thread). */
  readonly gemmScratch: number;
  f32(off: number, n: number): Float32Array;
  i32(off: number, n: number): Int32Array;
}

/** A tiny module using f32x4.relaxed_madd: validates only where relaxed SIMD is available. */
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0,
  65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 11,
]);

const relaxedValidates = (): boolean => { try { return WebAssembly.validate(RELAXED_PROBE); } catch { return false; } };

/**
 * Whether this host runs relaxed SIMD: it validates the probe, or does after the host adapter's switch (Node
 * 20's V8 flag, src/host/node.ts), which this turns on — before the first compile of a relaxed build.
 */
export function relaxedSimdSupported(): boolean {
  if (relaxedValidates()) return true;
  try { host().enableRelaxedSimd?.(); } catch { return false; }
  return relaxedValidates();
}

const ENV_FLAVOURS: Record<string, 'auto' | Flavour> = { auto: 'auto', simd: 'simd', relaxed: 'relaxed-simd', 'relaxed-simd': 'relaxed-simd' };

/** SIMDNET_WASM: auto (the default), simd (opt out of relaxed SIMD) or relaxed; undefined when unset. */
export function envFlavour(): 'auto' | Flavour | undefined {
  const env = typeof process !== 'undefined' ? process.env?.SIMDNET_WASM : undefined;
  if (env === undefined || env === '') return undefined;
  const f = ENV_FLAVOURS[env];
  if (!f) throw new Error(`SIMDNET_WASM must be one of auto, simd, relaxed, got ${JSON.stringify(env)}`);
  return f;
}

/** Shared memory needs SharedArrayBuffer, which browsers give only to cross-origin isolated pages. */
function sharedMemory(initial: number, maximum: number): WebAssembly.Memory | null {
  if (typeof SharedArrayBuffer === 'undefined') return null;
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) return null;
  try {
    return new WebAssembly.Memory({ initial, maximum, shared: true } as WebAssembly.MemoryDescriptor);
  } catch {
    return null;
  }
}

export type Flavour = 'relaxed-simd' | 'simd';

/**
 * Kernels handed to sn.ready({ wasm }): a compiled module, its bytes, a URL (or URL string), or a function
 * that is given the file name of the build the host wants (`relaxed-simd-shared.wasm` ...) and returns one
 * of those.
 */
export type WasmSource = WebAssembly.Module | ArrayBuffer | ArrayBufferView | URL | string;
export type WasmOption = WasmSource | ((file: string) => WasmSource | Promise<WasmSource>);

export interface RuntimeOptions {
  /** 'auto' (default, or SIMDNET_WASM's): relaxed SIMD where the host runs it, else plain SIMD. */
  flavour?: 'auto' | Flavour;
  /** false: a memory worker threads cannot share (one thread). Default: shared where the host has workers. */
  shared?: boolean;
  wasm?: WasmOption;
}

/** The file of a build, as the package ships it: simdnet/wasm/<file>. */
export function wasmFile(flavour: Flavour, shared: boolean): string {
  return `${flavour}${shared ? '-shared' : ''}.wasm`;
}

/** Beside the module: dist/wasm/ for the package (dist/src/runtime/wasm.js), wasm/ for the sources. */
function defaultUrl(file: string): URL { return new URL(`../../wasm/${file}`, import.meta.url); }

/** What a build says of itself (the `simdnet` custom section written by scripts/wasm-files.mjs). */
function buildInfo(module: WebAssembly.Module): { flavour?: Flavour; shared?: boolean } {
  const [section] = WebAssembly.Module.customSections(module, 'simdnet');
  if (!section) return {};
  try { return JSON.parse(new TextDecoder().decode(section)); } catch { return {}; }
}

const WORKERS_HINT = "Where the host cannot fetch files beside the module (Cloudflare Workers, bundles that do not copy the " +
  ".wasm files), hand the kernels in: import wasm from 'simdnet/wasm/simd.wasm'; await sn.ready({ wasm })";

async function compileSource(src: WasmSource, what: string): Promise<WebAssembly.Module> {
  if (src instanceof WebAssembly.Module) return src;
  let bytes: Uint8Array;
  if (src instanceof ArrayBuffer) bytes = new Uint8Array(src);
  else if (ArrayBuffer.isView(src)) bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  else if (src instanceof URL || typeof src === 'string') {
    const url = src instanceof URL ? src : new URL(src, (globalThis as { location?: { href: string } }).location?.href);
    try {
      bytes = await host().readUrl(url);
    } catch (e) {
      throw new Error(`simdnet: could not load the kernels from ${url.href}: ${(e as Error).message}. ${WORKERS_HINT}`);
    }
  } else {
    throw new Error(`sn.ready: wasm must be a WebAssembly.Module, its bytes, a URL or a function of the file name, got ${String(src)}`);
  }
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    const msg = (e as Error).message;
    if (/disallowed|not allowed|CompileError: WebAssembly.compile\(\): Wasm code generation/i.test(msg)) {
      throw new Error(`simdnet: this host forbids compiling Wasm at run time (${msg}). ${WORKERS_HINT}`);
    }
    throw new Error(`simdnet: ${what} is not a valid simdnet kernel build: ${msg}`);
  }
}

const HINT = 'hand sn.ready a build from simdnet/wasm/ (simd.wasm, relaxed-simd.wasm or a -shared one)';

/** What options and host ask for: the build's flavour, a shared memory where workers can use one, its file. */
function plan(options: RuntimeOptions): { want: string; flavour: Flavour; sharedMem: WebAssembly.Memory | null; file: string } {
  const want = options.flavour ?? envFlavour() ?? 'auto';
  if (!['auto', 'simd', 'relaxed-simd'].includes(want)) {
    throw new Error(`sn.ready: flavour must be 'auto', 'simd' or 'relaxed-simd', got ${JSON.stringify(want)}`);
  }
  const relaxedOk = want !== 'simd' && relaxedSimdSupported();
  // a build handed in (not a function of the file name) decides its flavour itself
  const handedIn = options.wasm !== undefined && typeof options.wasm !== 'function';
  if (want === 'relaxed-simd' && !relaxedOk && !handedIn) {
    throw new Error('simdnet: relaxed SIMD was requested but this host does not support it ' +
      '(Node 20 needs --experimental-wasm-relaxed-simd, which simdnet sets itself where node:v8 allows it)');
  }
  const sharedMem = options.shared ?? host().canSpawnWorkers ? sharedMemory(32, MAX_PAGES) : null;
  const flavour: Flavour = want === 'simd' || !relaxedOk ? 'simd' : 'relaxed-simd';
  return { want, flavour, sharedMem, file: wasmFile(flavour, sharedMem !== null) };
}

function checkKernels(module: WebAssembly.Module): void {
  if (!WebAssembly.Module.exports(module).some((e) => e.name === 'gemm')) throw new Error(`simdnet: the wasm has no simdnet kernels; ${HINT}`);
}

/** The runtime around an instance of the kernels on `memory`. */
function assemble(module: WebAssembly.Module, instance: WebAssembly.Instance, memory: WebAssembly.Memory, flavour: Flavour): Runtime {
  const k = instance.exports as unknown as Kernels;
  const arena = new Arena(memory, ARENA_BASE, MAX_PAGES * 65536);
  const gemmScratch = arena.alloc(k.gemm_pack_floats() * 4, 'GEMM packing scratch');
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  return {
    memory, module, shared, k, arena, gemmScratch, flavour,
    f32: (off, n) => new Float32Array(memory.buffer, off, n),
    i32: (off, n) => new Int32Array(memory.buffer, off, n),
  };
}

export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const p = plan(options);
  let { flavour, sharedMem } = p;
  const given = options.wasm;
  let module: WebAssembly.Module;
  if (given === undefined) {
    module = await compileSource(defaultUrl(p.file), p.file);
  } else {
    const src = typeof given === 'function' ? await given(p.file) : given;
    module = await compileSource(src, 'the wasm handed to sn.ready');
    // a handed-in build decides flavour and memory kind itself
    const info = buildInfo(module);
    flavour = info.flavour ?? (p.want === 'relaxed-simd' ? 'relaxed-simd' : 'simd');
    if (info.shared && !sharedMem) {
      sharedMem = sharedMemory(32, MAX_PAGES);
      if (!sharedMem) throw new Error(`sn.ready: the wasm handed in is a shared-memory build (${wasmFile(flavour, true)}) but this host has no SharedArrayBuffer; use ${wasmFile(flavour, false)}`);
    } else if (info.shared === false) sharedMem = null;
  }
  const memory = sharedMem ?? new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES });
  checkKernels(module);
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, { env: { memory } });
  } catch (e) {
    throw new Error(`simdnet: could not instantiate the kernels (${(e as Error).message}); ${HINT}`);
  }
  return assemble(module, instance, memory, flavour);
}

/**
 * The default build loaded synchronously, where the host can read it synchronously (Node, Deno, Bun): there
 * a synchronous call before any async one (model.getWeights() right after compile) just works. Null elsewhere.
 */
function createRuntimeSync(): Runtime | null {
  const read = host().readUrlSync;
  if (!read) return null;
  const p = plan({});
  const module = new WebAssembly.Module(read(defaultUrl(p.file)) as Uint8Array<ArrayBuffer>);
  checkKernels(module);
  const memory = p.sharedMem ?? new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES });
  return assemble(module, new WebAssembly.Instance(module, { env: { memory } }), memory, p.flavour);
}

let current: Runtime | null = null;
let loading: Promise<Runtime> | null = null;
let loadingOptions: RuntimeOptions | undefined;

/**
 * The runtime of this thread, created on first call (concurrent calls share one load). Options count only
 * on the first call; a later call handing in different kernels is refused rather than ignored.
 */
export async function initRuntime(options?: RuntimeOptions): Promise<Runtime> {
  if (current) {
    const otherWasm = options?.wasm !== undefined && options.wasm !== loadingOptions?.wasm && !(options.wasm instanceof WebAssembly.Module && options.wasm === current.module);
    const otherFlavour = options?.flavour !== undefined && options.flavour !== 'auto' && options.flavour !== current.flavour;
    if (otherWasm || otherFlavour) {
      throw new Error(`sn.ready: the kernels are already loaded (${current.flavour}); hand in wasm or a flavour before the first use of simdnet`);
    }
    return current;
  }
  if (!loading) {
    loadingOptions = options;
    loading = createRuntime(options).then((rt) => (current = rt), (e) => { loading = null; throw e; });
  }
  return loading;
}

/** Whether the kernels are loaded on this thread (synchronous APIs can use them). */
export function runtimeLoaded(): boolean { return current !== null; }

/** The loaded runtime; `fn` names the synchronous API that needs it, for the error. */
export function runtime(fn = 'this call'): Runtime {
  if (!current && !loading) {
    current = createRuntimeSync();
    if (current) loading = Promise.resolve(current);
  }
  if (!current) {
    throw new Error(`simdnet: ${fn} needs the Wasm kernels, which are not loaded yet: \`await sn.ready()\` first ` +
      '(fit, evaluate, predict, loadModel and save load them themselves)');
  }
  return current;
}
