// The architecture, checked: no import cycle anywhere in src/ (type imports and dynamic imports count),
// and dependencies point one way, runtime <- threads <- layers <- engine <- {callbacks, io} <- the rest <- cli.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

// static imports and re-exports (type-only ones included), and dynamic import('...')
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

/** file (relative to src) -> the src files it imports. */
export function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec.startsWith('.')) continue;
      deps.push(relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))));
    }
    graph.set(relative(SRC, file), deps);
  }
  return graph;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** The layer of a file: a file may import only files of its own layer or lower ones. */
const TIERS: [RegExp, number][] = [
  [/^(host\/|runtime\/|tensor\.ts$|random\.ts$|format\.ts$)/, 0],
  [/^threads\//, 1],
  [/^layers\//, 2],
  [/^engine\//, 3],
  [/^(callbacks|io)\//, 4],
  [/^(data\/|text\/|models\.ts$|utils\.ts$|api\.ts$|core\.ts$|index\.ts$|browser\.ts$|predict(-api|-browser)?\.ts$)/, 5],
  [/^cli\//, 6],
];
export function tier(file: string): number {
  const t = TIERS.find(([re]) => re.test(file));
  if (!t) throw new Error(`${file} belongs to no layer of the architecture: add it to TIERS in test/architecture/imports.test.ts`);
  return t[1];
}

describe('architecture', () => {
  const graph = importGraph();

  it('reads the whole source tree', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get('engine/sequential.ts')).toContain('engine/network.ts');
    expect(graph.get('io/model-files.ts')).toContain('engine/sequential.ts');
  });

  it('has no import cycle in src/ (type-only and dynamic imports included)', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('the cycle finder finds cycles, including self-imports', () => {
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['d']], ['e', ['a']]]);
    expect(cycles(g)).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('dependencies point one way: runtime <- threads <- layers <- engine <- {callbacks, io} <- apps <- cli', () => {
    const upward: string[] = [];
    for (const [file, deps] of graph) {
      for (const d of deps) if (graph.has(d) && tier(d) > tier(file)) upward.push(`${file} -> ${d}`);
    }
    expect(upward).toEqual([]);
  });

  it('apps use the public API only: they import simdnet by its name, never a file of src/, and no node: module in app sources', () => {
    const APPS = resolve(import.meta.dirname, '../../apps');
    const appFiles = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = join(dir, e.name);
      return e.isDirectory() ? appFiles(p) : e.name.endsWith('.ts') ? [p] : [];
    });
    const files = appFiles(APPS);
    expect(files.length).toBeGreaterThan(3);
    const bad: string[] = [];
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? m[3];
        const target = spec.startsWith('.') ? resolve(dirname(file), spec) : spec;
        if (target.startsWith(SRC) || spec.startsWith('node:')) bad.push(`${relative(APPS, file)} -> ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
