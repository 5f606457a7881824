import { defineConfig } from 'vitest/config';

// SIMDNET_WASM=relaxed runs the suite on the relaxed-SIMD kernels (Node 20 needs the V8 flag for them).
const relaxed = process.env.SIMDNET_WASM === 'relaxed';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup-host.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    execArgv: relaxed ? ['--experimental-wasm-relaxed-simd'] : [],
    // test files already run in parallel on every core; tests that exercise threads ask for them explicitly
    env: { SIMDNET_THREADS: '1' },
  },
});
