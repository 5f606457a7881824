// Small statistics shared by the benchmarks.
import type { Bench } from 'tinybench';

/** The median (mean of the two middle values for an even count). */
export const median = (a: readonly number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A tinybench task's median latency in ms (its error, if it failed). */
export function p50(b: Bench, name: string): number {
  const r = b.getTask(name)!.result as unknown as { latency?: { p50: number }; error?: Error };
  if (r.error) throw r.error;
  return r.latency!.p50;
}
