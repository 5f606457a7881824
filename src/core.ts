// What every entry offers about the kernels: ready(), the build and micro-kernels that run, memory in use, the
// version. api.ts (simdnet) and predict-api.ts (simdnet/predict) re-export it.
import { checkOptions, type AllOptions } from './format.js';
import { initRuntime, runtime, type RuntimeOptions } from './runtime/wasm.js';
import { microKernels as chosenMicroKernels, SHAPE_CLASSES, ukernelName, type ShapeClass } from './runtime/ukernels.js';

export const version = '0.1.0';

/**
 * Loads the kernels (once; every async API awaits it itself). `wasm` hands them in where the host cannot
 * fetch the .wasm files beside the module or forbids compiling (Cloudflare Workers): a WebAssembly.Module,
 * bytes, a URL, or a function of the build's file name; `flavour` 'simd' pins the plain-SIMD build (the
 * same bits on every host), `shared: false` a memory without worker threads.
 */
export async function ready(options?: RuntimeOptions): Promise<void> {
  checkOptions('ready', options, READY_OPTIONS satisfies AllOptions<RuntimeOptions, typeof READY_OPTIONS>);
  await initRuntime(options);
}
const READY_OPTIONS = ['flavour', 'shared', 'wasm'] as const;

/** Which kernel build runs: 'relaxed-simd' (fused multiply-add) or 'simd'. */
export function backend(): string { return runtime('sn.backend()').flavour; }

/**
 * The GEMM micro-kernel that runs each class of product shapes on this host (XNNPACK's names,
 * f32_gemm_6x8__wasmrelaxedsimd_fma_loadsplat ...): timed once per process (a few ms, done now if not yet),
 * unless SIMDNET_UKERNEL or sn.setMicroKernel forces one. Every micro-kernel gives the same bits.
 */
export function microKernels(): { kernels: Record<ShapeClass, string>; how: string; ms?: number } {
  const rt = runtime('sn.microKernels()');
  const c = chosenMicroKernels(rt, true);
  const kernels = Object.fromEntries(SHAPE_CLASSES.map((cls) => [cls, ukernelName(c.codes[cls], rt.flavour)])) as Record<ShapeClass, string>;
  return { kernels, how: c.how, ...(c.ms !== undefined ? { ms: c.ms } : {}) };
}

/** Bytes of Wasm memory in use and at peak. */
export function memory(): { usedBytes: number; peakBytes: number; wasmBytes: number } {
  const rt = runtime('sn.memory()');
  return { usedBytes: rt.arena.usedBytes, peakBytes: rt.arena.peakBytes, wasmBytes: rt.memory.buffer.byteLength };
}
