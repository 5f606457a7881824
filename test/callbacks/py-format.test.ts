// Python's format(v, spec), as Keras fills a checkpoint's filepath, against python3 itself: 10,000 float pairs
// (ties, tiny and huge values, integers past 1e21, zeros, subnormals, 70 decimals) and the integer specs of {epoch}. Skips, saying so,
// where python3 is not installed.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatNumber, parseSpec } from '../../src/callbacks/py-format.js';

const python = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' }).status === 0;
if (!python) console.warn('py-format.test.ts: python3 not found: the comparison with Python is skipped');

/** Python's format of each [spec, value, integer] pair. */
function pythonFormats(pairs: [string, number, boolean][]): string[] {
  const code = 'import json,sys\np=json.load(sys.stdin)\nprint(json.dumps([format(int(v) if i else float(v), s) for s,v,i in p]))';
  const r = spawnSync('python3', ['-c', code], { input: JSON.stringify(pairs.map(([s, v, i]) => [s, Number.isFinite(v) ? v : String(v), i])), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe.skipIf(!python)('py-format against python3', () => {
  it('floats: f, e, g, %, no type, with signs, widths and zero padding', () => {
    const specs = ['.1e', '.2e', '.0e', 'e', '.3g', 'g', '.1g', '.2f', '.0f', 'f', '.1%', '%', '.3', '.1', '8', '+', ' .2f', '010.3f', '+.2e', 'G', 'E', '.4', '.12g', '.15e', '+08', '12'];
    let seed = 7;
    const r = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const values = [0, 0.125, 0.625, 2.5, 1e16, 1e21, 1e-5, NaN, Infinity, -Infinity];
    for (let i = 0; i < 400; i++) {
      const k = Math.floor(r() * 6);
      values.push(k === 0 ? Math.floor(r() * 1000) / 8 : k === 1 ? (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20)
        : k === 2 ? Math.floor(r() * 100) / 16 * 10 ** Math.floor(r() * 6 - 3) : k === 3 ? Math.round(r() * 1e6) / 2 ** Math.floor(r() * 30)
          : k === 4 ? r() : 2 ** Math.floor(r() * 200 - 100));
    }
    const pairs: [string, number, boolean][] = values.flatMap((v) => specs.map((s): [string, number, boolean] => [s, v, false]));
    // extremes: ties and long expansions far below 1e-21, subnormals, % past the largest double, 60+ digits
    for (const v of [1.25e-98, 2.5e-98, 1.5e-200, 5e-324, 2.2250738585072014e-308, 1e307, 1.7976931348623157e308, 0.1, 1 / 3, 123.456]) {
      for (const s of ['.1e', '.0e', '%', '.2%', '.70f', '.60e', '.65g', '.17', 'f', 'e']) pairs.push([s, v, false]);
    }
    const py = pythonFormats(pairs);
    const wrong = pairs.map(([s, v], i) => [s, v, formatNumber(v, parseSpec(s, 'test'), false), py[i]]).filter(([, , ours, theirs]) => ours !== theirs);
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(pairs.length).toBeGreaterThan(10_100);
  });

  it('integers (epoch, batch): d, width, zero padding, and float types', () => {
    const specs = ['d', '03d', '02d', '+d', ' 5d', '03', '8', '.2f', 'e', '.1%', 'g', '010.1f'];
    const pairs = [1, 5, 12, 99, 100, 1234, 0].flatMap((v) => specs.map((s): [string, number, boolean] => [s, v, true]));
    const py = pythonFormats(pairs);
    pairs.forEach(([s, v], i) => expect(formatNumber(v, parseSpec(s, 'test'), true), `${s} of ${v}`).toBe(py[i]));
  });
});
