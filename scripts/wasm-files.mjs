// The kernel builds as the package ships them: build/simdnet*.wasm (asc's output) copied to wasm/<name>.wasm
// and dist/wasm/<name>.wasm with a custom section `simdnet` naming the build ({"flavour", "shared"}), so
// a module handed to sn.ready({ wasm }) says which build it is. wasm/ serves the sources (tests run
// src/ directly), dist/wasm/ the package (`simdnet/wasm/simd.wasm`). Run by `npm run build:wasm`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const BUILDS = [
  { from: 'simdnet.wasm', to: 'simd.wasm', flavour: 'simd', shared: false },
  { from: 'simdnet-relaxed.wasm', to: 'relaxed-simd.wasm', flavour: 'relaxed-simd', shared: false },
  { from: 'simdnet-shared.wasm', to: 'simd-shared.wasm', flavour: 'simd', shared: true },
  { from: 'simdnet-relaxed-shared.wasm', to: 'relaxed-simd-shared.wasm', flavour: 'relaxed-simd', shared: true },
];

function leb128(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** A custom section (id 0): name and payload, each length-prefixed as the Wasm binary format says. */
function customSection(name, payload) {
  const nameBytes = new TextEncoder().encode(name);
  const body = [...leb128(nameBytes.length), ...nameBytes, ...payload];
  return Uint8Array.from([0, ...leb128(body.length), ...body]);
}

const sizes = [];
for (const dir of ['wasm', 'dist/wasm']) mkdirSync(new URL(`../${dir}`, import.meta.url), { recursive: true });
for (const b of BUILDS) {
  const code = readFileSync(new URL(`../build/${b.from}`, import.meta.url));
  const tag = customSection('simdnet', new TextEncoder().encode(JSON.stringify({ flavour: b.flavour, shared: b.shared })));
  const bytes = new Uint8Array(code.length + tag.length);
  bytes.set(code);
  bytes.set(tag, code.length);
  for (const dir of ['wasm', 'dist/wasm']) writeFileSync(new URL(`../${dir}/${b.to}`, import.meta.url), bytes);
  sizes.push(`${b.to} ${bytes.length} bytes`);
}
console.log(`kernels: ${sizes.join(', ')}`);
