// Loads the kernels (embedded Wasm, plain SIMD or relaxed SIMD when the host validates it) into one
// memory and exposes them with their signatures. One runtime per thread of JS.
import { Arena } from './arena.js';
import type { Kernels } from './kernels.js';
import { plainSimdWasm, relaxedSimdWasm, sharedRelaxedSimdWasm, sharedSimdWasm } from './wasm-binary.js';

export type { Kernels } from './kernels.js';

/** gemm modes; GEMM_RELU is or-ed in to clamp the finished product at 0 (fused ReLU). */
export const GEMM_SET = 0, GEMM_ACC = 1, GEMM_BIAS = 2, GEMM_RELU = 4;
/** Flip modes (bits): FLIP_JOINT draws once for both axes (Keras 3) instead of once per axis (tf.keras). */
export const FLIP_HORIZONTAL = 1, FLIP_VERTICAL = 2, FLIP_JOINT = 4;
/** Translation fill modes (TF's ImageProjectiveTransformV3 order) and interpolations (assembly/augment.ts). */
export const FILL_REFLECT = 0, FILL_WRAP = 1, FILL_CONSTANT = 2, FILL_NEAREST = 3;
export const INTERP_NEAREST = 0, INTERP_BILINEAR = 1;

/** Static data of the module sits below 64 KiB; the arena starts above it. */
const ARENA_BASE = 65536;
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
  readonly flavour: 'relaxed-simd' | 'simd';
  /** Scratch for gemm's packed B blocks (one per runtime: kernels run one at a time on a thread). */
  readonly gemmScratch: number;
  f32(off: number, n: number): Float32Array;
  i32(off: number, n: number): Int32Array;
}

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const g = globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } };
  if (g.Buffer) return new Uint8Array(g.Buffer.from(s, 'base64'));
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A tiny module using f32x4.relaxed_madd: validates only where relaxed SIMD is available. */
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0,
  65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 11,
]);

export function relaxedSimdSupported(): boolean {
  try { return WebAssembly.validate(RELAXED_PROBE); } catch { return false; }
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

export async function createRuntime(options: { flavour?: 'auto' | 'simd' | 'relaxed-simd'; shared?: boolean } = {}): Promise<Runtime> {
  const want = options.flavour ?? 'auto';
  const relaxed = want !== 'simd' && relaxedSimdSupported();
  if (want === 'relaxed-simd' && !relaxed) {
    throw new Error('simdnet: relaxed SIMD was requested but this host does not support it ' +
      '(Node 20 needs --experimental-wasm-relaxed-simd)');
  }
  const sharedMem = options.shared === false ? null : sharedMemory(32, MAX_PAGES);
  const shared = sharedMem !== null;
  const bytes = decodeBase64(shared ? (relaxed ? sharedRelaxedSimdWasm : sharedSimdWasm) : relaxed ? relaxedSimdWasm : plainSimdWasm);
  const memory = sharedMem ?? new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES });
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const k = instance.exports as unknown as Kernels;
  const arena = new Arena(memory, ARENA_BASE, MAX_PAGES * 65536);
  const gemmScratch = arena.alloc(k.gemm_pack_floats() * 4, 'GEMM packing scratch');
  return {
    memory, module, shared, k, arena, gemmScratch,
    flavour: relaxed ? 'relaxed-simd' : 'simd',
    f32: (off, n) => new Float32Array(memory.buffer, off, n),
    i32: (off, n) => new Int32Array(memory.buffer, off, n),
  };
}

let current: Runtime | null = null;

/** The runtime of this thread, created on first use. */
export async function initRuntime(options?: { flavour?: 'auto' | 'simd' | 'relaxed-simd' }): Promise<Runtime> {
  if (!current) current = await createRuntime(options);
  return current;
}

export function runtime(): Runtime {
  if (!current) throw new Error('simdnet: the Wasm runtime is not initialised (import simdnet, or await sn.ready())');
  return current;
}
