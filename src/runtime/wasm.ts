// Loads the kernels (embedded Wasm, plain SIMD or relaxed SIMD when the host validates it) into one
// memory and exposes them with their signatures. One runtime per thread of JS.
import { Arena } from './arena.js';
import { plainSimdWasm, relaxedSimdWasm } from './wasm-binary.js';

type Ptr = number;
/** Signatures of the Wasm exports (see assembly/). Pointers are byte offsets into `memory`. */
export interface Kernels {
  gemm_pack_floats(): number;
  gemm(c: Ptr, ldc: number, a: Ptr, rowOff: Ptr, redOff: Ptr, b: Ptr, bRs: number, bCs: number,
    m: number, n: number, k: number, mode: number, bias: Ptr, packBuf: Ptr): void;
  strided_offsets(dst: Ptr, n: number, stride: number): void;
  spread_nhwc(dst: Ptr, src: Ptr, b: number, h: number, w: number, c: number, hd: number, wd: number,
    top: number, left: number, stepH: number, stepW: number): void;
  flip_kernel(dst: Ptr, src: Ptr, kh: number, kw: number, cin: number, cout: number): void;
  conv_window_offsets(dst: Ptr, b: number, ho: number, wo: number, hp: number, wp: number, c: number,
    sh: number, sw: number): void;
  conv_tap_offsets(dst: Ptr, kh: number, kw: number, c: number, wp: number): void;
  maxpool_forward(y: Ptr, argmax: Ptr, x: Ptr, b: number, h: number, w: number, c: number, ho: number, wo: number,
    ph: number, pw: number, sh: number, sw: number, padTop: number, padLeft: number): void;
  maxpool_backward(dx: Ptr, dy: Ptr, argmax: Ptr, count: number): void;
  avgpool_forward(y: Ptr, x: Ptr, b: number, h: number, w: number, c: number, ho: number, wo: number,
    ph: number, pw: number, sh: number, sw: number, padTop: number, padLeft: number): void;
  avgpool_backward(dx: Ptr, dy: Ptr, b: number, h: number, w: number, c: number, ho: number, wo: number,
    ph: number, pw: number, sh: number, sw: number, padTop: number, padLeft: number): void;
  bias_backward(db: Ptr, dy: Ptr, rows: number, cols: number): void;
  gather_rows(dst: Ptr, src: Ptr, idx: Ptr, rows: number, width: number): void;
  count_nonfinite(x: Ptr, n: number): number;
  relu_forward(y: Ptr, x: Ptr, n: number): void;
  relu_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  sigmoid_forward(y: Ptr, x: Ptr, n: number): void;
  sigmoid_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  tanh_forward(y: Ptr, x: Ptr, n: number): void;
  tanh_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  softmax_forward(y: Ptr, x: Ptr, rows: number, cols: number): void;
  softmax_backward(dx: Ptr, dy: Ptr, y: Ptr, rows: number, cols: number): void;
  dropout_forward(y: Ptr, mask: Ptr, x: Ptr, n: number, rate: number, seed: number): void;
  dropout_backward(dx: Ptr, dy: Ptr, mask: Ptr, n: number): void;
  softmax_cce(grad: Ptr, p: Ptr, y: Ptr, rows: number, cols: number): number;
  softmax_sparse_cce(grad: Ptr, p: Ptr, labels: Ptr, rows: number, cols: number): number;
  cce(grad: Ptr, p: Ptr, y: Ptr, rows: number, cols: number): number;
  bce(grad: Ptr, p: Ptr, y: Ptr, rows: number, cols: number): number;
  sigmoid_bce(grad: Ptr, p: Ptr, y: Ptr, rows: number, cols: number): number;
  mse(grad: Ptr, p: Ptr, y: Ptr, rows: number, cols: number): number;
  mae(grad: Ptr, p: Ptr, y: Ptr, rows: number, cols: number): number;
  huber(grad: Ptr, p: Ptr, y: Ptr, rows: number, cols: number, delta: number): number;
  count_argmax_match(p: Ptr, y: Ptr, rows: number, cols: number): number;
  count_sparse_match(p: Ptr, labels: Ptr, rows: number, cols: number): number;
  count_binary_match(p: Ptr, y: Ptr, n: number): number;
  sgd_update(p: Ptr, g: Ptr, v: Ptr, n: number, lr: number, momentum: number, nesterov: boolean | number): void;
  adam_update(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, lrT: number, beta1: number, beta2: number, eps: number, vScale: number): void;
  adagrad_update(p: Ptr, g: Ptr, a: Ptr, n: number, lr: number, eps: number): void;
  peak_probe(iters: number, seed: number): number;
  rmsprop_update(p: Ptr, g: Ptr, a: Ptr, mom: Ptr, n: number, lr: number, rho: number, momentum: number, eps: number): void;
}

/** gemm modes; GEMM_RELU is or-ed in to clamp the finished product at 0 (fused ReLU). */
export const GEMM_SET = 0, GEMM_ACC = 1, GEMM_BIAS = 2, GEMM_RELU = 4;

/** Static data of the module sits below 64 KiB; the arena starts above it. */
const ARENA_BASE = 65536;
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit

export interface Runtime {
  readonly memory: WebAssembly.Memory;
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

export async function createRuntime(options: { flavour?: 'auto' | 'simd' | 'relaxed-simd' } = {}): Promise<Runtime> {
  const want = options.flavour ?? 'auto';
  const relaxed = relaxedSimdWasm !== null && want !== 'simd' && relaxedSimdSupported();
  if (want === 'relaxed-simd' && !relaxed) {
    throw new Error('simdnet: relaxed SIMD was requested but this host does not support it ' +
      '(Node 20 needs --experimental-wasm-relaxed-simd)');
  }
  const bytes = decodeBase64(relaxed ? relaxedSimdWasm! : plainSimdWasm);
  const memory = new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES });
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const k = instance.exports as unknown as Kernels;
  const arena = new Arena(memory, ARENA_BASE, MAX_PAGES * 65536);
  const gemmScratch = arena.alloc(k.gemm_pack_floats() * 4, 'GEMM packing scratch');
  return {
    memory, k, arena, gemmScratch,
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
