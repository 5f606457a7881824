// CSVLogger (Keras semantics): header `epoch,<logs keys sorted>`, then one row per epoch with the
// 0-based epoch; append mode adds rows to an existing log under its header.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { tempDir, tinyData, tinyModel } from './fixtures.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => { ({ dir: root, cleanup } = await tempDir('csv')); });
afterAll(async () => { await cleanup(); });
let n = 0;
const file = () => join(root, `log-${n++}.csv`);

const lines = async (f: string) => {
  const text = await readFile(f, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
};

describe('csvLogger', () => {
  it('writes `epoch,<sorted keys>` then one row per epoch holding exactly the logged values', async () => {
    const f = file();
    const { x, y } = tinyData(8, 1);
    const m = tinyModel();
    const h = await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, validationData: [x, y], callbacks: [sn.callbacks.csvLogger(f)] });
    const [head, ...rows] = await lines(f);
    expect(head).toBe('epoch,accuracy,loss,val_accuracy,val_loss');
    expect(rows).toHaveLength(3);
    const keys = head.split(',').slice(1);
    rows.forEach((row, e) => {
      const cells = row.split(',');
      expect(cells[0]).toBe(String(e));
      keys.forEach((k, j) => expect(Number(cells[j + 1])).toBe(h.history[k][e])); // full precision, round-trips
    });
  });

  it('with validationFreq > 1 the val_ columns are there from the first row, NA where an epoch was not validated (Keras)', async () => {
    const f = file();
    const { x, y } = tinyData(8, 1);
    const m = tinyModel();
    const h = await m.fit(x, y, { epochs: 4, batchSize: 4, verbose: 0, validationData: [x, y], validationFreq: 2, callbacks: [sn.callbacks.csvLogger(f)] });
    const [head, ...rows] = await lines(f);
    expect(head).toBe('epoch,accuracy,loss,val_accuracy,val_loss');
    expect(rows.map((r) => r.split(',').slice(3))).toEqual([['NA', 'NA'], h.history.val_accuracy.slice(0, 1).concat(h.history.val_loss[0]).map(String),
      ['NA', 'NA'], [String(h.history.val_accuracy[1]), String(h.history.val_loss[1])]]);
  });

  it('includes lr when a learning-rate callback before it logs one', async () => {
    const f = file();
    const { x, y } = tinyData(8, 1);
    const m = tinyModel();
    await m.fit(x, y, {
      epochs: 3, batchSize: 4, verbose: 0,
      callbacks: [sn.callbacks.learningRateScheduler((e) => 0.1 / 2 ** e), sn.callbacks.csvLogger(f)],
    });
    const [head, ...rows] = await lines(f);
    expect(head).toBe('epoch,accuracy,loss,lr');
    expect(rows.map((r) => r.split(',')[3])).toEqual(['0.1', '0.05', '0.025']);
  });

  it('without append, a new fit overwrites the file', async () => {
    const f = file();
    await writeFile(f, 'old,stuff\n1,2\n');
    const { x, y } = tinyData(8, 1);
    const m = tinyModel();
    const log = sn.callbacks.csvLogger(f);
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [log] });
    await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: [log] });
    const out = await lines(f);
    expect(out).toHaveLength(2);
    expect(out[0]).toBe('epoch,accuracy,loss');
    expect(out[1]).toMatch(/^0,/);
  });

  it('append mode keeps the one header and adds rows (epochs continue with initialEpoch)', async () => {
    const f = file();
    const { x, y } = tinyData(8, 1);
    const m = tinyModel();
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [sn.callbacks.csvLogger({ filename: f, append: true })] });
    await m.fit(x, y, { epochs: 5, initialEpoch: 2, batchSize: 4, verbose: 0, callbacks: [sn.callbacks.csvLogger({ filename: f, append: true })] });
    const out = await lines(f);
    expect(out.filter((l) => l.startsWith('epoch'))).toEqual(['epoch,accuracy,loss']);
    expect(out[0]).toBe('epoch,accuracy,loss');
    expect(out.slice(1).map((r) => r.split(',')[0])).toEqual(['0', '1', '2', '3', '4']);
    expect(out.slice(1).every((r) => r.split(',').length === 3)).toBe(true);
  });

  it('append mode writes the header when the file does not exist yet or is empty', async () => {
    const { x, y } = tinyData(8, 1);
    for (const prepare of [async (_f: string) => {}, (f: string) => writeFile(f, '')]) {
      const f = file();
      await prepare(f);
      await tinyModel().fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [sn.callbacks.csvLogger({ filename: f, append: true })] });
      const out = await lines(f);
      expect(out[0]).toBe('epoch,accuracy,loss');
      expect(out).toHaveLength(3);
    }
  });

  it('append mode writes new rows in the existing header\'s column order', async () => {
    const f = file();
    await writeFile(f, 'epoch,loss,accuracy\n0,0.5,0.25\n');
    const { x, y } = tinyData(8, 1);
    const h = await tinyModel().fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: [sn.callbacks.csvLogger({ filename: f, append: true })] });
    const out = await lines(f);
    expect(out).toEqual(['epoch,loss,accuracy', '0,0.5,0.25', `0,${h.history.loss[0]},${h.history.accuracy[0]}`]);
  });

  it('uses the separator', async () => {
    const f = file();
    const { x, y } = tinyData(8, 1);
    await tinyModel().fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [sn.callbacks.csvLogger({ filename: f, separator: ';' })] });
    const out = await lines(f);
    expect(out[0]).toBe('epoch;accuracy;loss');
    expect(out[1]).toMatch(/^0;[^;,]+;[^;,]+$/);
  });

  it('driven by hand with hand-made logs', async () => {
    const f = file();
    const log = sn.callbacks.csvLogger(f);
    await log.onTrainBegin();
    await log.onEpochEnd(0, { val_loss: 0.5, loss: 0.25, acc: 1 });
    await log.onEpochEnd(1, { val_loss: 0.75, loss: 0.125, acc: 0.5 });
    expect(await readFile(f, 'utf8')).toBe('epoch,acc,loss,val_loss\n0,1,0.25,0.5\n1,0.5,0.125,0.75\n');
  });

  it('checks its filename', () => {
    expect(() => sn.callbacks.csvLogger('')).toThrow('csvLogger: filename must be a non-empty string');
    expect(() => sn.callbacks.csvLogger({ filename: 3 as unknown as string })).toThrow('csvLogger: filename must be a non-empty string');
  });
});
