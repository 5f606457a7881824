import { defineConfig } from 'vitest/config';

// SIMDNET_WASM=simd | relaxed picks the kernel build for the whole suite (npm test runs it once with each); the
// runtime itself turns on Node 20's relaxed-SIMD flag (src/host/node.ts), so no V8 flag is passed here.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup-host.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // test files already run in parallel on every core; tests that exercise threads ask for them explicitly
    env: { SIMDNET_THREADS: '1' },
  },
});
