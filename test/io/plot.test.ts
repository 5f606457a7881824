// Training curves: plotHistory draws a PNG with a panel per quantity, and the curves land where the
// values say (a falling loss is drawn high on the left and low on the right).
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { plotHistory } from '../../src/io/plot.js';

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

  it('a loss-only history gives one panel; a history with neither is refused by name', async () => {
    const png = PNG.sync.read(Buffer.from(await plotHistory({ loss: [1, 0.5] })));
    expect(png.width).toBe(520);
    await expect(plotHistory({ lr: [0.1] })).rejects.toThrow(/neither loss nor accuracy \(keys: lr\)/);
  });
});
