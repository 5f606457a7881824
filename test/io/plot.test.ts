// Training curves: plotHistory draws a PNG with a panel per quantity, and the curves land where the
// values say (a falling loss is drawn high on the left and low on the right).
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { plotHistory } from '../../src/io/plot.js';
import { History } from '../../src/engine/history.js';

const COLORED = (d: Uint8Array, o: number): boolean => !(d[o] === d[o + 1] && d[o + 1] === d[o + 2]); // not grey/black/white

/** Rows (top = 0) of coloured pixels in a column band of one panel. */
function colouredRows(png: PNG, x0: number, x1: number): number[] {
  const rows: number[] = [];
  for (let y = 0; y < png.height; y++) {
    for (let x = x0; x < x1; x++) if (COLORED(png.data, (y * png.width + x) * 4)) { rows.push(y); break; }
  }
  return rows;
}

describe('plotHistory', () => {
  it('draws one panel per quantity with the curves where the values are', async () => {
    const loss = [2.0, 1.5, 1.0, 0.6, 0.3], acc = [0.2, 0.4, 0.6, 0.8, 0.9];
    const png = PNG.sync.read(Buffer.from(await plotHistory({ loss, accuracy: acc, val_loss: loss.map((v) => v * 1.1), val_accuracy: acc })));
    expect([png.width, png.height]).toEqual([1040, 360]);
    // loss panel (left): near the left edge the curve is high, near the right edge low
    const left = colouredRows(png, 72, 80).filter((y) => y > 40 && y < 310);
    const right = colouredRows(png, 490, 499).filter((y) => y > 40 && y < 310);
    expect(left.length).toBeGreaterThan(0);
    expect(right.length).toBeGreaterThan(0);
    expect(Math.min(...left)).toBeLessThan(Math.min(...right));
    // accuracy panel (right): rising
    const aLeft = colouredRows(png, 592, 600).filter((y) => y > 40 && y < 300);
    const aRight = colouredRows(png, 1010, 1019).filter((y) => y > 40 && y < 300);
    expect(Math.max(...aLeft)).toBeGreaterThan(Math.max(...aRight));
  });

  it('validationFreq: a History puts each val_ value at its epoch; a plain record whose val_ series is short is refused', async () => {
    const h = new History();
    h.onTrainBegin();
    [[2, undefined], [1.5, 1.6], [1, undefined], [0.5, 0.7]].forEach(([loss, val], e) => h.onEpochEnd(e, val === undefined ? { loss: loss! } : { loss: loss!, val_loss: val }));
    expect(h.epochsOf.val_loss).toEqual([1, 3]);
    const png = PNG.sync.read(Buffer.from(await plotHistory(h)));
    // the validation curve (orange) spans epochs 2-4: none of it left of epoch 2's x (x0 70 + 430 / 3)
    const orange = (x: number) => { for (let y = 40; y < 310; y++) { const o = (y * png.width + x) * 4; if (png.data[o] === 255 && png.data[o + 1] === 127 && png.data[o + 2] === 14) return true; } return false; };
    const xs = Array.from({ length: 430 }, (_, i) => 70 + i).filter(orange);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(Math.floor(70 + 430 / 3) - 3);
    expect(Math.max(...xs)).toBeGreaterThan(480);
    await expect(plotHistory(h.history)).rejects.toThrow('plotHistory: val_loss has 2 values for 4 epochs of loss (validationFreq?): pass the History fit returned, which knows their epochs');
  });

  it('a NaN or infinite value breaks the curve, not the drawing', async () => {
    const png = PNG.sync.read(Buffer.from(await plotHistory({ loss: [1, Infinity, 0.5, NaN, 0.2], accuracy: [0.1, 0.2, -Infinity, 0.5, 0.6] })));
    expect(png.width).toBe(1040);
  });

  it('a loss-only history gives one panel; a history with neither is refused by name', async () => {
    const png = PNG.sync.read(Buffer.from(await plotHistory({ loss: [1, 0.5] })));
    expect(png.width).toBe(520);
    await expect(plotHistory({ lr: [0.1] })).rejects.toThrow(/neither loss nor accuracy \(keys: lr\)/);
  });
});
