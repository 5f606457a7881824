// The codes TypeScript passes to the kernels (GEMM modes and micro-kernels, activation codes, augmentation modes) are
// defined on both sides of the Wasm boundary; the kernels export theirs as globals, checked here against
// the TypeScript constants so the two tables cannot drift apart.
import { describe, expect, it } from 'vitest';
import { ACT_CODE } from '../../src/layers/recurrent.js';
import * as W from '../../src/runtime/wasm.js';
import { UKERNELS } from '../../src/runtime/ukernels.js';
import { rt } from '../helpers.js';

const wasmGlobal = (name: string): number => {
  const g = (rt.k as unknown as Record<string, WebAssembly.Global | undefined>)[name];
  if (!(g instanceof WebAssembly.Global)) throw new Error(`the kernels export no global ${name}`);
  return g.value as number;
};

describe('constants shared with the kernels', () => {
  const pairs: [string, number][] = [
    ['MODE_SET', W.GEMM_SET], ['MODE_ACC', W.GEMM_ACC], ['MODE_BIAS', W.GEMM_BIAS], ['FLAG_RELU', W.GEMM_RELU],
    ['ACT_LINEAR', ACT_CODE.linear!], ['ACT_RELU', ACT_CODE.relu!], ['ACT_SIGMOID', ACT_CODE.sigmoid!], ['ACT_TANH', ACT_CODE.tanh!],
    ['FLIP_HORIZONTAL', W.FLIP_HORIZONTAL], ['FLIP_VERTICAL', W.FLIP_VERTICAL], ['FLIP_JOINT', W.FLIP_JOINT],
    ['FILL_REFLECT', W.FILL_REFLECT], ['FILL_WRAP', W.FILL_WRAP], ['FILL_CONSTANT', W.FILL_CONSTANT], ['FILL_NEAREST', W.FILL_NEAREST],
    ['INTERP_NEAREST', W.INTERP_NEAREST], ['INTERP_BILINEAR', W.INTERP_BILINEAR],
    ['MERGE_CONCAT', W.MERGE_CONCAT], ['MERGE_SUM', W.MERGE_SUM], ['MERGE_MUL', W.MERGE_MUL], ['MERGE_AVE', W.MERGE_AVE],
    ['UKERNEL_SHIFT', W.GEMM_UKERNEL_SHIFT], ['UKERNEL_COUNT', UKERNELS.length],
    ...UKERNELS.map((u): [string, number] => [`UKERNEL_${u.tile.toUpperCase()}_${u.variant.toUpperCase()}`, u.code]),
  ];
  for (const [name, ts] of pairs) it(`${name} is ${ts} on both sides`, () => expect(wasmGlobal(name)).toBe(ts));

  it('every global the kernels export is checked here', () => {
    const exported = WebAssembly.Module.exports(rt.module).filter((e) => e.kind === 'global').map((e) => e.name).sort();
    expect(exported).toEqual(pairs.map(([n]) => n).sort());
  });
});
