// Small statistics shared by the benchmarks.

/** The median (mean of the two middle values for an even count). */
export const median = (a: readonly number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
