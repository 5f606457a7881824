// ProgressLogger: Keras-style progress. verbose 1 on a terminal: `Epoch k/E`, then a bar redrawn in place
// with '\r' ending in `N/N [==============================] ... - loss: ... - accuracy: ...`; verbose 1 off
// a terminal: no redraws, the final line only; verbose 2: one `Epoch k/E - <time> - loss: ...` line.
import { describe, expect, it, vi } from 'vitest';
import * as sn from '../../src/index.js';
import { ProgressLogger } from '../../src/engine/progress.js';
import { params, tinyData, tinyModel } from './fixtures.js';

/** A writer that records chunks, optionally claiming to be a terminal. */
function fakeWriter(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, writer: { write(s: string) { chunks.push(s); return true; }, isTTY } };
}

/** The lines a terminal would show after the output: '\r' returns to column 0, ESC[K clears to the end. */
function screen(out: string): string[] {
  const done: string[] = [];
  let line = '', col = 0;
  for (let i = 0; i < out.length; i++) {
    const c = out[i];
    if (out.startsWith('\x1b[K', i)) { line = line.slice(0, col); i += 2; } else if (c === '\r') col = 0;
    else if (c === '\n') { done.push(line); line = ''; col = 0; } else { line = line.slice(0, col) + c + line.slice(col + 1); col++; }
  }
  if (line) done.push(line);
  return done;
}

const FULL = '\\[={30}\\]';
const T = '\\d+m?s'; // a duration: 12ms or 2s
const V = '\\d+\\.\\d{4}';

async function fitWith(logger: ProgressLogger, epochs: number, withVal = false) {
  const { x, y } = tinyData(8, 1);
  const m = tinyModel();
  // fit's own logger is off (verbose 0); ours is a user callback
  return m.fit(x, y, { epochs, batchSize: 2, verbose: 0, validationData: withVal ? [x, y] : undefined, callbacks: [logger] });
}

describe('progressLogger, verbose 1 on a terminal', () => {
  it('draws \\r-updated bars and ends each epoch in a Keras-like line, under an `Epoch k/E` line', async () => {
    const { chunks, writer } = fakeWriter(true);
    const h = await fitWith(new ProgressLogger(1, writer), 2);
    const out = chunks.join('');
    expect(screen(out)).toHaveLength(4);
    const [e1, l1, e2, l2] = screen(out);
    expect(e1).toBe('Epoch 1/2');
    expect(e2).toBe('Epoch 2/2');
    const final = new RegExp(`^4/4 ${FULL} ${T} \\d+ms/step - loss: (${V}) - accuracy: (${V})$`);
    for (const [e, line] of [[0, l1], [1, l2]] as const) {
      const m = final.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![1]).toBe(h.history.loss[e].toFixed(4));
      expect(m![2]).toBe(h.history.accuracy[e].toFixed(4));
    }
    // bars are drawn in place: every chunk after the `Epoch` line starts with '\r'
    const perEpoch = out.split(/Epoch \d\/2\n/).slice(1);
    for (const part of perEpoch) {
      const draws = part.split('\r').slice(1);
      expect(part.startsWith('\r')).toBe(true);
      expect(draws.length).toBeGreaterThanOrEqual(3); // first batch, last batch, epoch end (others are throttled to 10/s)
      // the first batch: 1 of 4 steps, an arrow, an ETA and the running loss
      expect(draws[0]).toMatch(new RegExp(`^1/4 \\[={6}>\\.{23}\\] ETA: ${T} - loss: ${V} - accuracy: ${V}\\x1b\\[K$`));
      expect(draws.at(-1)).toMatch(new RegExp(`^4/4 ${FULL} .*\\x1b\\[K\\n$`));
      expect(draws.slice(0, -1).every((d) => !d.includes('\n'))).toBe(true);
    }
  });

  it('shows validation metrics on the final line', async () => {
    const { chunks, writer } = fakeWriter(true);
    await fitWith(new ProgressLogger(1, writer), 1, true);
    expect(screen(chunks.join(''))[1]).toMatch(new RegExp(`^4/4 ${FULL} ${T} \\d+ms/step - loss: ${V} - accuracy: ${V} - val_loss: ${V} - val_accuracy: ${V}$`));
  });

  it('the running values on the bar are averages weighted by batch size; steps are right-aligned', () => {
    const { chunks, writer } = fakeWriter(true);
    const p = new ProgressLogger(1, writer);
    p.setParams({ ...params(3, 2) });
    p.onEpochBegin(2);
    p.onBatchEnd(0, { batch: 0, size: 4, loss: 1 });
    p.onBatchEnd(1, { batch: 1, size: 2, loss: 0 }); // last step: always drawn
    expect(chunks[0]).toBe('Epoch 3/3\n');
    expect(chunks.at(-1)).toMatch(new RegExp(`^\\r2/2 ${FULL} ${T} \\d+ms/step - loss: 0\\.6667\\x1b\\[K$`));

    const w = fakeWriter(true);
    const q = new ProgressLogger(1, w.writer);
    q.setParams({ ...params(1, 10) });
    q.onEpochBegin(0);
    q.onBatchEnd(0, { batch: 0, size: 4, loss: 0.5 });
    expect(w.chunks[1]).toMatch(/^\r 1\/10 \[==>\.{27}\] ETA: /);
  });

  it("in fit, the bar shows fit's running averages: a resumed epoch's include its batches done before the resume", () => {
    const { chunks, writer } = fakeWriter(true);
    const p = new ProgressLogger(1, writer);
    // epoch 1 of 1, 4 steps, resumed after 2 batches (8 samples) whose loss summed to 8 × 2.0 and 6 of 8 right
    const progress = { epoch: 0, batches: 2, lossSum: 16, correct: 6, judged: 8, seen: 8 };
    p.setParams({ ...params(1, 4), progress });
    p.onEpochBegin(0);
    // fit updates its progress before each onBatchEnd: a third batch, loss 0.5, 2 of 4 right
    Object.assign(progress, { batches: 3, lossSum: 16 + 4 * 0.5, correct: 8, judged: 12, seen: 12 });
    p.onBatchEnd(2, { batch: 2, size: 4, loss: 0.5, accuracy: 0.5 });
    // (16 + 2) / 12 = 1.5 and 8 / 12, not the batch's own 0.5 and 0.5
    expect(chunks.at(-1)).toMatch(/^\r3\/4 \[={21}>\.{8}\] ETA: \d+m?s - loss: 1\.5000 - accuracy: 0\.6667\x1b\[K$/);
  });

  it("a value metric's running value is fit's running sum over the samples seen (mae), beside the accuracy's hits", () => {
    const { chunks, writer } = fakeWriter(true);
    const p = new ProgressLogger(1, writer);
    const progress = { epoch: 0, batches: 2, lossSum: 6, correct: 3, judged: 6, seen: 6, sums: { mae: 1.2 } };
    p.setParams({ ...params(1, 4), metrics: ['accuracy', 'mae'], progress });
    p.onEpochBegin(0);
    p.onBatchEnd(1, { batch: 1, size: 3, loss: 0.1, accuracy: 1, mae: 0.05 });
    expect(chunks.at(-1)).toMatch(/ - loss: 1\.0000 - accuracy: 0\.5000 - mae: 0\.2000\x1b\[K$/);
  });

  it('formats tiny values in exponent notation and non-finite values as NaN / Infinity', () => {
    const { chunks, writer } = fakeWriter(true);
    const p = new ProgressLogger(1, writer);
    p.setParams({ ...params(1, 1) });
    p.onEpochBegin(0);
    p.onEpochEnd(0, { loss: 0.00001234, accuracy: 1, val_loss: NaN, x: Infinity, z: 0 });
    expect(chunks.at(-1)).toMatch(/ - loss: 1\.2340e-5 - accuracy: 1\.0000 - val_loss: NaN - x: Infinity - z: 0\.0000\x1b\[K\n$/);
  });
});

describe('progressLogger off a terminal and verbose 2', () => {
  it('verbose 1 with isTTY false: no \\r, no escape codes, exactly one line per epoch', async () => {
    const { chunks, writer } = fakeWriter(false);
    const h = await fitWith(new ProgressLogger(1, writer), 3);
    const out = chunks.join('');
    expect(out).not.toContain('\r');
    expect(out).not.toContain('\x1b');
    expect(chunks.every((c) => c.endsWith('\n') && c.indexOf('\n') === c.length - 1)).toBe(true); // whole lines only
    const lines = out.slice(0, -1).split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((l, e) => expect(l).toMatch(new RegExp(`^Epoch ${e + 1}/3  4/4 ${FULL} ${T} \\d+ms/step - loss: ${h.history.loss[e].toFixed(4).replace('.', '\\.')} - accuracy: ${V}$`)));
  });

  it('a writer without isTTY counts as not a terminal', async () => {
    const chunks: string[] = [];
    await fitWith(new ProgressLogger(1, { write: (s: string) => { chunks.push(s); } }), 1);
    expect(chunks.join('')).not.toContain('\r');
    expect(chunks).toHaveLength(1);
  });

  it('verbose 2 prints one `Epoch k/E - <time> - loss: ...` line per epoch (terminal or not)', async () => {
    for (const isTTY of [true, false]) {
      const { chunks, writer } = fakeWriter(isTTY);
      const h = await fitWith(new ProgressLogger(2, writer), 3, true);
      const out = chunks.join('');
      expect(out).not.toContain('\r');
      expect(chunks).toHaveLength(3);
      const lines = out.slice(0, -1).split('\n');
      expect(lines).toHaveLength(3);
      lines.forEach((l, e) => {
        expect(l).toMatch(new RegExp(`^Epoch ${e + 1}/3 - ${T} - loss: ${V} - accuracy: ${V} - val_loss: ${V} - val_accuracy: ${V}$`));
        expect(l).toContain(` - loss: ${h.history.loss[e].toFixed(4)} `);
        expect(l).toContain(` - val_loss: ${h.history.val_loss[e].toFixed(4)} `);
      });
    }
  });

  it('verbose 0 prints nothing', async () => {
    const { chunks, writer } = fakeWriter(true);
    await fitWith(new ProgressLogger(0, writer), 2);
    expect(chunks).toEqual([]);
  });

  it("fit's own logger (verbose 2) writes to process.stdout; verbose 0 writes nothing", async () => {
    const { x, y } = tinyData(8, 1);
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await tinyModel().fit(x, y, { epochs: 2, batchSize: 4, verbose: 2 });
      const text = write.mock.calls.map((c) => String(c[0])).join('');
      expect(text).toMatch(new RegExp(`^Epoch 1/2 - ${T} - loss: ${V} - accuracy: ${V}\\nEpoch 2/2 - ${T} - loss: ${V} - accuracy: ${V}\\n$`));
      write.mockClear();
      await tinyModel().fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
  });
});
