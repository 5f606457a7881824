// Generates assembly/gemm_ukernels.ts: the GEMM micro-kernels, one block function per tile and variant, from
// one template (as XNNPACK generates its f32-gemm kernels):
//   node scripts/gemm-gen.mjs
// Variants:
//   loadsplat  each A value is broadcast straight from memory (v128.load32_splat): one load per row and step
//   splat      four steps of a row are loaded as one vector and broadcast from the register (f32x4.shuffle):
//              a quarter of the A loads, plus a shuffle per row and step; needs A contiguous along the
//              reduction in quads (the caller checks), the remaining kc % 4 steps go through load-splat.
// Every variant computes each C element with the same operations in the same order (acc = madd(a, b, acc)
// over the steps, then + bias), so all of them give the same bits: which one runs is a question of speed only.
import { writeFileSync } from 'node:fs';

const NR = 8;
const TILES = [4, 6];
const VARIANTS = ['loadsplat', 'splat'];

const lines = [];
const out = (s = '') => lines.push(s);
const rowsOf = (mr) => Array.from({ length: mr }, (_, i) => i);

function block(mr, variant) {
  const R = rowsOf(mr);
  const A = R.map((i) => `a${i}: usize`).join(', ');
  // the tile, inlined into the block function below (the shape of the original hand-written 4x8 kernel, which
  // V8 compiles best: the block's pointers stay out of the tile's loop)
  out(`// One ${mr}x${NR} tile over reduction steps [0, kc): a0..a${mr - 1} are row origins (bytes), red points at the`);
  out(`// reduction-offset table entry of the first step, bp at the packed panel; bias: ${NR} floats or 0.`);
  out(`// @ts-ignore: decorator`);
  out(`@inline`);
  out(`function tile_${mr}x${NR}_${variant}(c: usize, ldc: i32, ${A}, red: usize, bp: usize,`);
  out(`    kc: i32, rows: i32, cols: i32, add: bool, bias: usize, relu: bool): void {`);
  for (const i of R) out(`  let vacc${i}x0123 = f32x4.splat(0), vacc${i}x4567 = f32x4.splat(0);`);
  out(`  const redEnd = red + (<usize>kc << 2);`);
  if (variant === 'splat') {
    out(`  const redEnd4 = red + (<usize>(kc & ~3) << 2);`);
    out(`  while (red < redEnd4) {`);
    out(`    const off = <usize>load<i32>(red) << 2;`);
    for (const i of R) out(`    const va${i} = v128.load(a${i} + off);`);
    for (let l = 0; l < 4; l++) {
      out(`    const vb0123c${l} = v128.load(bp, ${32 * l}), vb4567c${l} = v128.load(bp, ${32 * l + 16});`);
      for (const i of R) out(`    const va${i}c${l} = f32x4.shuffle(va${i}, va${i}, ${l}, ${l}, ${l}, ${l});`);
      for (const i of R) out(`    vacc${i}x0123 = madd(va${i}c${l}, vb0123c${l}, vacc${i}x0123); vacc${i}x4567 = madd(va${i}c${l}, vb4567c${l}, vacc${i}x4567);`);
    }
    out(`    red += 16;`);
    out(`    bp += ${4 * NR * 4};`);
    out(`  }`);
  }
  out(`  while (red < redEnd) {`);
  out(`    const off = <usize>load<i32>(red) << 2;`);
  out(`    const vb0123 = v128.load(bp), vb4567 = v128.load(bp, 16);`);
  // all loads first, then the multiply-adds (V8 does not reorder them)
  for (const i of R) out(`    const va${i} = v128.load32_splat(a${i} + off);`);
  for (const i of R) out(`    vacc${i}x0123 = madd(va${i}, vb0123, vacc${i}x0123); vacc${i}x4567 = madd(va${i}, vb4567, vacc${i}x4567);`);
  out(`    red += 4;`);
  out(`    bp += ${NR * 4};`);
  out(`  }`);
  out(`  if (bias) {`);
  out(`    const vbias0123 = v128.load(bias), vbias4567 = v128.load(bias, 16);`);
  for (const i of R) out(`    vacc${i}x0123 = f32x4.add(vacc${i}x0123, vbias0123); vacc${i}x4567 = f32x4.add(vacc${i}x4567, vbias4567);`);
  out(`  }`);
  out(`  const ldcb = <usize>ldc << 2;`);
  out(`  store_row(c, vacc0x0123, vacc0x4567, cols, add, relu);`);
  for (const i of R.slice(1)) out(`  if (rows > ${i}) store_row(c + ${i} * ldcb, vacc${i}x0123, vacc${i}x4567, cols, add, relu);`);
  out(`}`);
  out();
  out(`// f32_gemm_${mr}x${NR}__wasmsimd_${variant} (f32_gemm_${mr}x${NR}__wasmrelaxedsimd_fma_${variant} in the relaxed build):`);
  out(`// rows [0, m) of C's columns [0, nc) (+)= A(·, red) · one packed kc×nc block of B at bp0; bias: nc floats`);
  out(`// padded to ${NR}, or 0. Rows beyond M alias row 0 of the tile and are not stored.`);
  out(`// @ts-ignore: decorator`);
  out(`@inline`);
  out(`export function f32_gemm_${mr}x${NR}_${variant}(c: usize, ldc: i32, a: usize, rowOff: usize, red: usize, bp0: usize,`);
  out(`    m: i32, nc: i32, kc: i32, add: bool, bias: usize, relu: bool): void {`);
  out(`  for (let i0 = 0; i0 < m; i0 += ${mr}) {`);
  out(`    const rows = min(${mr}, m - i0);`);
  out(`    const ro = rowOff + (<usize>i0 << 2);`);
  out(`    const a0 = a + (<usize>load<i32>(ro) << 2);`);
  for (const i of R.slice(1)) out(`    const a${i} = rows > ${i} ? a + (<usize>load<i32>(ro, ${4 * i}) << 2) : a0;`);
  out(`    let bp = bp0;`);
  out(`    for (let j0 = 0; j0 < nc; j0 += ${NR}) {`);
  out(`      const cols = min(${NR}, nc - j0);`);
  out(`      const bptr: usize = bias ? bias + (<usize>j0 << 2) : 0;`);
  out(`      const cp = c + ((<usize>i0 * ldc + j0) << 2);`);
  out(`      tile_${mr}x${NR}_${variant}(cp, ldc, ${R.map((i) => `a${i}`).join(', ')}, red, bp, kc, rows, cols, add, bptr, relu);`);
  out(`      bp += <usize>kc * ${NR} << 2;`);
  out(`    }`);
  out(`  }`);
  out(`}`);
  out();
}

out('// GENERATED by scripts/gemm-gen.mjs — do not edit; change the generator and run it again.');
out('// The GEMM micro-kernels of assembly/gemm.ts: one block function per tile MRx8 and variant. A block computes');
out('// rows [0, m) of one packed kc×nc block of B; A(i, r) = a[rowOff[i] + red[r]] (offsets in floats). The');
out('// variants give the same bits (same operations, same order); gemm.ts lists them and the runtime times them.');
out();
out(`import { madd } from './simd';`);
out(`import { store_row } from './gemm_store';`);
out();
for (const mr of TILES) for (const v of VARIANTS) block(mr, v);

writeFileSync(new URL('../assembly/gemm_ukernels.ts', import.meta.url), lines.join('\n'));
console.log(`wrote assembly/gemm_ukernels.ts (${TILES.length * VARIANTS.length} micro-kernels)`);
