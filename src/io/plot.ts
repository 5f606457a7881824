// Training curves as a PNG: one panel per quantity (loss, accuracy), train and validation lines,
// axes with tick labels drawn in a small built-in bitmap font. Any host (PNG written by ./png.ts).
import { History } from '../engine/history.js';
import { writePng } from './png.js';

// 3x5 glyphs, one string of 15 bits per character (rows top to bottom).
const FONT: Record<string, string> = {
  '0': '111101101101111', '1': '010110010010111', '2': '111001111100111', '3': '111001111001111', '4': '101101111001001',
  '5': '111100111001111', '6': '111100111101111', '7': '111001001010010', '8': '111101111101111', '9': '111101111001111',
  '.': '000000000000010', '-': '000000111000000', ' ': '000000000000000', '_': '000000000000111', ':': '000010000010000',
  a: '000011101101011', c: '000111100100111', e: '000111111100111', h: '100100111101101', i: '010000010010010',
  l: '110010010010111', n: '000110101101101', o: '000111101101111', p: '000111101111100', r: '000111100100100',
  s: '000011110011110', t: '010111010010011', u: '000101101101111', v: '000101101101010', y: '000101111001110',
  m: '000111111101101', d: '001011101101011', g: '000111101011110', k: '100101110101101', b: '100111101101111',
  f: '011100110100100', w: '000101101111111', x: '000101010010101',
};

type RGB = [number, number, number];

class Canvas {
  readonly data: Uint8Array;
  constructor(readonly width: number, readonly height: number) {
    this.data = new Uint8Array(width * height * 4).fill(255);
  }
  set(x: number, y: number, c: RGB): void {
    x = Math.round(x); y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 4;
    this.data[o] = c[0]; this.data[o + 1] = c[1]; this.data[o + 2] = c[2];
  }
  line(x0: number, y0: number, x1: number, y1: number, c: RGB, thick = 1): void {
    const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1) * 2;
    for (let i = 0; i <= n; i++) {
      const x = x0 + ((x1 - x0) * i) / n, y = y0 + ((y1 - y0) * i) / n;
      for (let dx = 0; dx < thick; dx++) for (let dy = 0; dy < thick; dy++) this.set(x + dx - (thick >> 1), y + dy - (thick >> 1), c);
    }
  }
  text(s: string, x: number, y: number, c: RGB, scale = 2): void {
    for (const ch of s.toLowerCase()) {
      const g = FONT[ch] ?? FONT[' '];
      for (let r = 0; r < 5; r++) for (let k = 0; k < 3; k++) {
        if (g[r * 3 + k] === '1') for (let a = 0; a < scale; a++) for (let b = 0; b < scale; b++) this.set(x + k * scale + a, y + r * scale + b, c);
      }
      x += 4 * scale;
    }
  }
}

const COLORS: RGB[] = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40]];

function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(+t.toFixed(10));
  return ticks;
}

const fmtTick = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(2));

/**
 * Renders history series (Keras keys) into PNG bytes: panels for loss and accuracy (or acc). Takes fit()'s History
 * or its `.history`.
 */
export async function plotHistory(series: Record<string, number[]> | History): Promise<Uint8Array> {
  const history = series instanceof History ? series.history : series;
  const panels = ['loss', 'accuracy', 'acc'].filter((k) => history[k]?.length);
  if (!panels.length) throw new Error(`plotHistory: the history has neither loss nor accuracy (keys: ${Object.keys(history).join(', ')})`);
  // where each value goes on the epoch axis: a History knows (val_ values of some epochs only, under validationFreq)
  const first = series instanceof History ? series.epoch[0] ?? 0 : 0;
  const positions = (k: string): number[] => {
    if (series instanceof History && series.epochsOf[k]?.length === history[k].length) return series.epochsOf[k].map((e) => e - first);
    const base = k.replace(/^val_/, '');
    if (k !== base && history[base] && history[k].length !== history[base].length) {
      throw new Error(`plotHistory: ${k} has ${history[k].length} values for ${history[base].length} epochs of ${base} (validationFreq?): ` +
        'pass the History fit returned, which knows their epochs');
    }
    return history[k].map((_, i) => i);
  };
  const PW = 520, PH = 360, M = { l: 70, r: 20, t: 40, b: 50 };
  const c = new Canvas(PW * panels.length, PH);
  panels.forEach((key, p) => {
    const series = [key, `val_${key}`].filter((k) => history[k]?.length).map((k) => ({ k, v: history[k], at: positions(k) }));
    const all = series.flatMap((s) => s.v).filter(Number.isFinite);
    let lo = Math.min(...all), hi = Math.max(...all);
    if (key === 'accuracy') { lo = Math.min(lo, 0); hi = Math.max(hi, 1); }
    if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
    const n = Math.max(...series.map((s) => s.at[s.at.length - 1] + 1));
    const x0 = p * PW + M.l, x1 = (p + 1) * PW - M.r, y0 = PH - M.b, y1 = M.t;
    const X = (i: number) => x0 + (n === 1 ? 0 : ((x1 - x0) * i) / (n - 1));
    const Y = (v: number) => y0 - ((y0 - y1) * (v - lo)) / (hi - lo);
    const grey: RGB = [200, 200, 200], black: RGB = [0, 0, 0];
    for (const t of niceTicks(lo, hi)) {
      c.line(x0, Y(t), x1, Y(t), grey);
      c.text(fmtTick(t), x0 - 8 - fmtTick(t).length * 8, Y(t) - 5, black);
    }
    for (const t of niceTicks(1, n, Math.min(n, 6)).filter((t) => Number.isInteger(t))) {
      c.line(X(t - 1), y0, X(t - 1), y0 + 5, black);
      c.text(String(t), X(t - 1) - String(t).length * 4, y0 + 10, black);
    }
    c.line(x0, y0, x1, y0, black); c.line(x0, y0, x0, y1, black);
    c.text(key, x0 + (x1 - x0) / 2 - key.length * 4, 12, black);
    c.text('epoch', x0 + (x1 - x0) / 2 - 20, PH - 20, black);
    series.forEach((s, j) => {
      const col = COLORS[j];
      // a NaN or infinite value (a diverged epoch) breaks the curve rather than the drawing
      for (let i = 1; i < s.v.length; i++) {
        if (Number.isFinite(s.v[i - 1]) && Number.isFinite(s.v[i])) c.line(X(s.at[i - 1]), Y(s.v[i - 1]), X(s.at[i]), Y(s.v[i]), col, 2);
      }
      if (s.v.length === 1) c.line(X(s.at[0]) - 2, Y(s.v[0]), X(s.at[0]) + 2, Y(s.v[0]), col, 3);
      // legend away from the curves: top right for loss (falling), bottom right for accuracy (rising)
      const lx = x1 - 140, ly = (key === 'accuracy' ? y0 - 40 : y1 + 8) + j * 16;
      c.line(lx, ly + 4, lx + 20, ly + 4, col, 2);
      c.text(s.k.startsWith('val_') ? 'validation' : 'train', lx + 26, ly, black);
    });
  });
  return writePng(c.data, c.width, c.height);
}
