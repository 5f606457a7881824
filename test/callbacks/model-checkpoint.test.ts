// ModelCheckpoint (Keras semantics): saves after each epoch, or with saveBestOnly only when `monitor`
// improves (mode auto: max for accuracy-like names, min otherwise); filepath may hold Python-format fields.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as sn from '../../src/index.js';
import { formatPath, type ModelCheckpoint } from '../../src/callbacks/model-checkpoint.js';
import { H5Dataset, readH5 } from '../../src/io/h5/reader.js';
import { script, tempDir, tinyData, tinyModel, weightBytes } from './fixtures.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => { ({ dir: root, cleanup } = await tempDir('ckpt')); });
afterAll(async () => { await cleanup(); });

let n = 0;
const fresh = () => join(root, `case-${n++}`);

/**
 * A real fit of a tiny model for scripted.length epochs, where the checkpoint sees `key` = scripted[epoch].
 * Records, per epoch (after the checkpoint ran): lastSavedEpoch, the weights and the predictions on x; and
 * every model.save call with the epoch it happened in.
 */
async function run(ckpt: ModelCheckpoint, key: string, scripted: number[]) {
  const { x, y } = tinyData(8, 1);
  const m = tinyModel();
  let epoch = -1;
  const saves: { epoch: number; path: string }[] = [];
  const save = m.save.bind(m);
  m.save = async (path: string) => { saves.push({ epoch, path }); await save(path); };
  const lastSaved: number[] = [], weights: sn.Tensor[][] = [], preds: number[][] = [];
  const h = await m.fit(x, y, {
    epochs: scripted.length, batchSize: 4, verbose: 0, validationData: [x, y],
    callbacks: [
      { onEpochBegin: (e) => { epoch = e; } },
      script(key, scripted),
      ckpt,
      {
        onEpochEnd: async (_e) => {
          lastSaved.push(ckpt.lastSavedEpoch);
          weights.push(m.getWeights());
          preds.push(Array.from((await m.predict(x)).data));
        },
      },
    ],
  });
  return { m, x, h, saves, lastSaved, weights, preds };
}

describe('modelCheckpoint: saveBestOnly', () => {
  it("monitor val_loss, mode auto → 'min': saves exactly on the epochs where val_loss improves", async () => {
    const dir = fresh();
    const ckpt = sn.callbacks.modelCheckpoint({ filepath: dir, monitor: 'val_loss', saveBestOnly: true });
    expect(ckpt.mode).toBe('min');
    // improves at 0, 1, 3; 0.7 again at 4 is no improvement; 0.75, 0.72 are worse than 0.7
    const r = await run(ckpt, 'val_loss', [0.9, 0.8, 0.85, 0.7, 0.7, 0.75, 0.72]);
    expect(r.saves.map((s) => s.epoch)).toEqual([0, 1, 3]);
    expect(r.saves.every((s) => s.path === dir)).toBe(true);
    expect(r.lastSaved).toEqual([0, 1, 1, 3, 3, 3, 3]);
    expect(ckpt.best).toBe(0.7);

    // the file holds the weights of epoch 3 (not the final ones), and loads into a model that predicts
    // exactly what the model predicted at the end of epoch 3
    expect((await readFile(join(dir, 'weights.bin'))).equals(weightBytes(r.weights[3]))).toBe(true);
    expect((await readFile(join(dir, 'weights.bin'))).equals(weightBytes(r.m.getWeights()))).toBe(false);
    const loaded = await sn.loadModel(dir);
    expect(Array.from((await loaded.predict(r.x)).data)).toEqual(r.preds[3]);
    expect(r.preds[3]).not.toEqual(r.preds[6]);
  });

  it("monitor val_accuracy, mode auto → 'max': saves exactly on the epochs where val_accuracy rises", async () => {
    const dir = fresh();
    const ckpt = sn.callbacks.modelCheckpoint({ filepath: dir, monitor: 'val_accuracy', saveBestOnly: true });
    expect(ckpt.mode).toBe('max');
    const r = await run(ckpt, 'val_accuracy', [0.5, 0.5, 0.75, 0.625, 0.875, 0.875, 0.75]);
    expect(r.saves.map((s) => s.epoch)).toEqual([0, 2, 4]);
    expect(r.lastSaved).toEqual([0, 0, 2, 2, 4, 4, 4]);
    const loaded = await sn.loadModel(dir);
    expect(Array.from((await loaded.predict(r.x)).data)).toEqual(r.preds[4]);
    expect(loaded.getWeights().map((t) => Array.from(t.data))).toEqual(r.weights[4].map((t) => Array.from(t.data)));
  });

  it('mode auto follows Keras for other names; explicit modes override it', () => {
    const mode = (monitor: string, m?: 'auto' | 'min' | 'max') => sn.callbacks.modelCheckpoint({ filepath: 'x', monitor, mode: m }).mode;
    expect(mode('loss')).toBe('min');
    expect(mode('accuracy')).toBe('max');
    expect(mode('acc')).toBe('max');
    expect(mode('val_acc')).toBe('max');
    expect(mode('val_loss', 'max')).toBe('max');
    expect(mode('val_accuracy', 'min')).toBe('min');
    expect(sn.callbacks.modelCheckpoint({ filepath: 'x' }).monitor).toBe('val_loss');
    expect(() => sn.callbacks.modelCheckpoint({ filepath: 'x', mode: 'largest' as 'max' }))
      .toThrow(`modelCheckpoint: mode must be 'auto', 'min' or 'max', got "largest"`);
  });

  it("explicit mode 'max' on val_loss and 'min' on val_accuracy invert the direction", async () => {
    const up = sn.callbacks.modelCheckpoint({ filepath: fresh(), monitor: 'val_loss', mode: 'max', saveBestOnly: true });
    expect((await run(up, 'val_loss', [0.5, 0.4, 0.6, 0.6])).saves.map((s) => s.epoch)).toEqual([0, 2]);
    const down = sn.callbacks.modelCheckpoint({ filepath: fresh(), monitor: 'val_accuracy', mode: 'min', saveBestOnly: true });
    expect((await run(down, 'val_accuracy', [0.5, 0.4, 0.6, 0.3])).saves.map((s) => s.epoch)).toEqual([0, 1, 3]);
  });

  it('driven by hand: onEpochEnd with hand-made logs saves only on improvement', async () => {
    const dir = fresh();
    const m = tinyModel();
    const ckpt = sn.callbacks.modelCheckpoint({ filepath: dir, saveBestOnly: true });
    ckpt.setModel(m);
    ckpt.onTrainBegin();
    const saved: number[] = [];
    for (const [e, v] of [1.2, 1.1, 1.3, 1.1, 0.4, Number.NaN, 0.5].entries()) {
      await ckpt.onEpochEnd(e, { loss: 1, val_loss: v });
      saved.push(ckpt.lastSavedEpoch);
    }
    expect(saved).toEqual([0, 1, 1, 1, 4, 4, 4]);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('with the monitored quantity missing it warns and saves nothing (Keras: "Can save best model only with val_loss available")', async () => {
    const dir = fresh();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const { x, y } = tinyData(8, 1);
      const m = tinyModel();
      const ckpt = sn.callbacks.modelCheckpoint({ filepath: dir, monitor: 'val_loss', saveBestOnly: true });
      await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: [ckpt] }); // no validation data
      expect(ckpt.lastSavedEpoch).toBe(-1);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^modelCheckpoint: monitored quantity 'val_loss' is not available; available: loss, accuracy$/));
      await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
    } finally {
      warn.mockRestore();
    }
  });

  // BUG (Keras divergence): ModelCheckpoint.onTrainBegin resets `best`, so a second fit() with the same
  // checkpoint (e.g. resuming with initialEpoch) overwrites the best model saved so far with a worse one.
  // Keras sets `best` only in ModelCheckpoint.__init__ (there is no reset in on_train_begin), so a worse
  // first epoch of a later fit() does not replace the saved best model.
  it('keeps its best across fit() calls, like Keras: a worse epoch in a second fit does not replace the best model', async () => {
    const dir = fresh();
    const ckpt = sn.callbacks.modelCheckpoint({ filepath: dir, monitor: 'val_loss', saveBestOnly: true });
    const first = await run(ckpt, 'val_loss', [0.9, 0.3]);
    expect(first.saves.map((s) => s.epoch)).toEqual([0, 1]);
    const second = await run(ckpt, 'val_loss', [0.8, 0.7]); // both worse than 0.3
    expect(second.saves).toEqual([]);
    expect((await readFile(join(dir, 'weights.bin'))).equals(weightBytes(first.weights[1]))).toBe(true);
  });

  it('a save that fails leaves the best where it was: the next better epoch still saves', async () => {
    const dir = fresh();
    const ckpt = sn.callbacks.modelCheckpoint({ filepath: dir, monitor: 'val_loss', saveBestOnly: true });
    ckpt.setModel({ getWeights: () => [], save: async () => { throw new Error('disk full'); } } as unknown as sn.Sequential);
    await expect(ckpt.onEpochEnd(0, { val_loss: 0.5 })).rejects.toThrow('disk full');
    expect(ckpt.best).toBe(Infinity);
  });

  it('initialValueThreshold (Keras\' initial_value_threshold): a new checkpoint saves only what beats it', async () => {
    const dir = fresh();
    const ckpt = sn.callbacks.modelCheckpoint({ filepath: dir, monitor: 'val_loss', saveBestOnly: true, initialValueThreshold: 0.5 });
    expect(ckpt.best).toBe(0.5);
    const r = await run(ckpt, 'val_loss', [0.9, 0.6, 0.4, 0.45]);
    expect(r.saves.map((s) => s.epoch)).toEqual([2]);
    const acc = sn.callbacks.modelCheckpoint({ filepath: fresh(), monitor: 'val_accuracy', saveBestOnly: true, initialValueThreshold: 0.8 });
    expect((await run(acc, 'val_accuracy', [0.7, 0.8, 0.85])).saves.map((s) => s.epoch)).toEqual([2]);
    // as Keras: taken without saveBestOnly (a warning says it does nothing there); null is Keras' None
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      sn.callbacks.modelCheckpoint({ filepath: 'x', initialValueThreshold: 0.5 });
      expect(warn.mock.calls[0][0]).toBe('modelCheckpoint: initialValueThreshold applies with saveBestOnly: true only; without it every epoch is saved');
    } finally { warn.mockRestore(); }
    expect(sn.callbacks.modelCheckpoint({ filepath: 'x', saveBestOnly: true, initialValueThreshold: null as unknown as number }).best).toBe(Infinity);
    expect(() => sn.callbacks.modelCheckpoint({ filepath: 'x', saveBestOnly: true, initialValueThreshold: NaN })).toThrow('modelCheckpoint: initialValueThreshold must be a number, got NaN');
  });
});

describe('modelCheckpoint: every epoch, filepath templates', () => {
  it('without saveBestOnly saves after every epoch; {epoch:02d} gives one folder per epoch holding that epoch\'s weights', async () => {
    const dir = fresh();
    const ckpt = sn.callbacks.modelCheckpoint({ filepath: join(dir, 'ep-{epoch:02d}') });
    const r = await run(ckpt, 'val_loss', [0.5, 0.6, 0.7]); // getting worse: irrelevant without saveBestOnly
    expect(r.saves.map((s) => [s.epoch, s.path])).toEqual([[0, join(dir, 'ep-01')], [1, join(dir, 'ep-02')], [2, join(dir, 'ep-03')]]);
    expect(r.lastSaved).toEqual([0, 1, 2]);
    expect((await readdir(dir)).sort()).toEqual(['ep-01', 'ep-02', 'ep-03']);
    for (let e = 0; e < 3; e++) {
      const folder = join(dir, `ep-0${e + 1}`);
      expect((await readdir(folder)).sort()).toEqual(['model.json', 'weights.bin']);
      expect((await readFile(join(folder, 'weights.bin'))).equals(weightBytes(r.weights[e]))).toBe(true);
      expect(Array.from((await (await sn.loadModel(folder)).predict(r.x)).data)).toEqual(r.preds[e]);
    }
  });

  it('{epoch:02d}-{val_loss:.2f} names folders like Keras ("model-01-0.46")', async () => {
    const dir = fresh();
    const ckpt = sn.callbacks.modelCheckpoint({ filepath: join(dir, 'model-{epoch:02d}-{val_loss:.2f}'), saveBestOnly: true });
    await run(ckpt, 'val_loss', [1.5, 0.456, 0.4449, 0.9]);
    expect((await readdir(dir)).sort()).toEqual(['model-01-1.50', 'model-02-0.46', 'model-03-0.44']);
  });

  it('formatPath: Python format specs d / f / e with width, zero padding and precision', () => {
    const logs = { loss: 0.123456789, val_loss: 0.456, val_accuracy: 0.875 };
    expect(formatPath('m-{epoch}', 0, logs)).toBe('m-1'); // epochs are 1-based in names, as in Keras
    expect(formatPath('m-{epoch:02d}', 4, logs)).toBe('m-05');
    expect(formatPath('m-{epoch:03d}', 119, logs)).toBe('m-120');
    expect(formatPath('m-{epoch:02d}', 99, logs)).toBe('m-100');
    expect(formatPath('{val_loss:.2f}', 0, logs)).toBe('0.46');
    expect(formatPath('{loss:.4f}_{val_accuracy:.3f}', 0, logs)).toBe('0.1235_0.875');
    expect(formatPath('{loss:f}', 0, logs)).toBe('0.123457'); // Python's default precision 6
    expect(formatPath('{val_loss:07.3f}', 0, logs)).toBe('000.456');
    expect(formatPath('no-fields', 3, logs)).toBe('no-fields');
  });

  // Python's str.format (the filepath syntax Keras uses):
  //   '{:.2e}'.format(0.123456789) == '1.23e-01', '{:e}'.format(1234.5) == '1.234500e+03',
  //   '{:07.3f}'.format(-0.456) == '-00.456'
  it('formatPath matches Python for e formats and zero-padded negative numbers', () => {
    expect(formatPath('{v:.2e}', 0, { v: 0.123456789 })).toBe('1.23e-01');
    expect(formatPath('{v:e}', 0, { v: 1234.5 })).toBe('1.234500e+03');
    expect(formatPath('{v:07.3f}', 0, { v: -0.456 })).toBe('-00.456');
  });

  // each expected string is what python3 printed for the same format and value (Python 3.11, 2026-12-02)
  it('formatPath matches Python: ties to even, g and no-type precision, %, signs, width, str() of a float', () => {
    const cases: [string, number, string][] = [
      ['{v:.2f}', 0.625, '0.62'], ['{v:.1f}', 0.25, '0.2'], ['{v:.2f}', 0.125, '0.12'], ['{v:.2f}', 0.375, '0.38'], ['{v:.0f}', 2.5, '2'],
      ['{v:.4}', 0.123456, '0.1235'], ['{v:.2}', 1.0, '1.0'], ['{v:g}', 0.0001234, '0.0001234'], ['{v:g}', 123456789.0, '1.23457e+08'],
      ['{v:.3g}', 0.0001, '0.0001'], ['{v:.2%}', 0.625, '62.50%'], ['{v:+.3f}', 0.5, '+0.500'], ['{v:08.3f}', -1.5, '-001.500'],
      ['{v:.3e}', 12345.678, '1.235e+04'], ['{v}', 1e-05, '1e-05'], ['{v}', 2.0, '2.0'], ['{v}', 0.1, '0.1'], ['{v:G}', 1e-10, '1E-10'],
      ['{v:10.2f}', 3.14159, '      3.14'], ['{v: .1f}', 2.25, ' 2.2'], ['{v:.1%}', 0.0005, '0.1%'],
      // (Python 3.11, 2026-12-03) str() under a width or a sign; e ties to even; nan and inf with %
      ['{v:8}', 1.0, '     1.0'], ['{v:+}', 1e-5, '+1e-05'], ['{v:12}', 0.1, '         0.1'], ['{v:010}', -1.5, '-0000001.5'], ['{v:+08}', 2.5, '+00002.5'],
      ['{v:.1e}', 0.125, '1.2e-01'], ['{v:.1e}', 0.375, '3.8e-01'], ['{v:.0e}', 2.5, '2e+00'], ['{v:.0e}', 9.5, '1e+01'], ['{v:.0e}', 8.5, '8e+00'],
      ['{v:.1e}', 1.25e-7, '1.2e-07'], ['{v:.2e}', 1.125e22, '1.12e+22'], ['{v:.1E}', 0.125, '1.2E-01'], ['{v:E}', 1.5, '1.500000E+00'],
      ['{v:.2g}', 12.5, '12'], ['{v:.2g}', 0.125, '0.12'], ['{v:%}', NaN, 'nan%'], ['{v:.1%}', Infinity, 'inf%'],
    ];
    for (const [f, v, py] of cases) expect(formatPath(f, 0, { v }), `${f} of ${v}`).toBe(py);
    expect(formatPath('{epoch:03}', 4, {})).toBe('005');
    expect(formatPath('{epoch:.2f}', 4, {})).toBe('5.00');
  });

  it('a format Python would not take, or simdnet does not, is refused when the callback is made, not at the first save', () => {
    for (const spec of ['{epoch:>5}', '{val_loss:,.2f}', '{val_loss:#.2f}', '{val_loss:.2x}', '{epoch:.2d}']) {
      expect(() => sn.callbacks.modelCheckpoint({ filepath: `m-${spec}` }), spec).toThrow(
        new RegExp(`^modelCheckpoint: filepath field '${spec.replace(/[{}.$]/g, '\\$&')}': unsupported format`));
    }
    // Python: 'Precision not allowed in integer format specifier', "Unknown format code 'd' for object of type 'float'"
    expect(() => sn.callbacks.modelCheckpoint({ filepath: 'm-{epoch:.2}' })).toThrow(
      "modelCheckpoint: filepath field '{epoch:.2}': precision is not allowed for an integer (Python's ValueError): use d, or a float type (.2f)");
    expect(() => sn.callbacks.modelCheckpoint({ filepath: 'm-{val_loss:d}' })).toThrow(
      "modelCheckpoint: filepath field '{val_loss:d}': format 'd' is for integers, not a float (Python's ValueError): use .0f");
    expect(() => sn.callbacks.modelCheckpoint({ filepath: 'm-{epoch:03d}-{batch:.1f}-{val_loss:.3}' })).not.toThrow();
  });

  it('saveWeightsOnly writes Keras weight files (Keras\' save_weights_only) that loadWeights reads back', async () => {
    const dir = fresh();
    const { x, y } = tinyData(8, 1);
    const m = tinyModel();
    let last: sn.Tensor[] = [];
    await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, callbacks: [
      sn.callbacks.modelCheckpoint({ filepath: join(dir, 'w-{epoch:02d}.weights.h5'), saveWeightsOnly: true }),
      sn.callbacks.modelCheckpoint({ filepath: join(dir, 'last.h5'), saveWeightsOnly: true }),
      { onEpochEnd: () => { last = m.getWeights(); } },
    ] });
    expect((await readdir(dir)).sort()).toEqual(['last.h5', 'w-01.weights.h5', 'w-02.weights.h5', 'w-03.weights.h5']);
    for (const file of ['w-03.weights.h5', 'last.h5']) {
      const back = tinyModel({ seed: 99 });
      await back.loadWeights(join(dir, file));
      expect(back.getWeights().map((w) => Array.from(w.data)), file).toEqual(last.map((w) => Array.from(w.data)));
    }
    // weights alone, in each layout (a whole model's file would hold model_config and load as well)
    const k3 = readH5(new Uint8Array(await readFile(join(dir, 'w-03.weights.h5'))));
    expect('model_config' in k3.attrs()).toBe(false);
    expect(k3.get('layers/dense/vars/0')).toBeInstanceOf(H5Dataset);
    const k2 = readH5(new Uint8Array(await readFile(join(dir, 'last.h5'))));
    expect('model_config' in k2.attrs()).toBe(false);
    expect(k2.attrs().layer_names).toEqual(['dense']);
    // a wrapped layer's weights in Keras 3's layout: under the wrapper's forward_layer / backward_layer
    const bi = sn.sequential();
    bi.add(sn.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 3 }));
    bi.add(sn.layers.bidirectional({ layer: sn.layers.simpleRNN({ units: 2 }) }));
    bi.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await bi.fit(sn.tensor([1, 2, 3], [1, 3]), sn.tensor([0, 0, 0, 0], [1, 4]), { epochs: 2, verbose: 0, callbacks: [
      sn.callbacks.modelCheckpoint({ filepath: join(dir, 'bi.weights.h5'), saveWeightsOnly: true })] });
    const kb = readH5(new Uint8Array(await readFile(join(dir, 'bi.weights.h5'))));
    expect(kb.get('layers/bidirectional/backward_layer/cell/vars/1')).toBeInstanceOf(H5Dataset);
    expect(() => sn.callbacks.modelCheckpoint({ filepath: 'c.h5', saveWeightsOnly: true, includeOptimizer: true })).toThrow('modelCheckpoint: saveWeightsOnly saves no optimizer state: drop includeOptimizer');
    expect(() => sn.callbacks.modelCheckpoint({ filepath: join(dir, 'w'), saveWeightsOnly: true })).toThrow(
      /^modelCheckpoint: saveWeightsOnly writes Keras weight files: filepath must end in \.weights\.h5 \(Keras 3's layout\) or \.h5 \(Keras 2's\)/);
    expect(() => sn.callbacks.modelCheckpoint({ filepath: 'w.h5', saveWeightsOnly: 'yes' as never })).toThrow('modelCheckpoint: saveWeightsOnly must be true or false, got "yes"');
  });

  it('an unknown template field throws (fit rejects) and nothing is saved', async () => {
    const dir = fresh();
    const { x, y } = tinyData(8, 1);
    const m = tinyModel();
    const ckpt = sn.callbacks.modelCheckpoint({ filepath: join(dir, 'm-{epoch:02d}-{val_acc:.2f}') });
    await expect(m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, validationData: [x, y], callbacks: [ckpt] }))
      .rejects.toThrow("modelCheckpoint: filepath field '{val_acc:.2f}' names no logged quantity; available: epoch, loss, accuracy, val_loss, val_accuracy");
    expect(ckpt.lastSavedEpoch).toBe(-1);
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
    expect(() => formatPath('{nope}', 0, { loss: 1 })).toThrow("modelCheckpoint: filepath field '{nope}' names no logged quantity; available: epoch, loss");
    expect(() => formatPath('{epoch:x}', 0, {})).toThrow("modelCheckpoint: filepath field '{epoch:x}': unsupported format 'x'");
  });

  it('saving repeatedly into one folder is atomic: no temporary or set-aside folders are left behind', async () => {
    const dir = fresh();
    const best = join(dir, 'best');
    const ckpt = sn.callbacks.modelCheckpoint({ filepath: best });
    await run(ckpt, 'val_loss', [1, 1, 1, 1, 1]);
    expect(await readdir(dir)).toEqual(['best']);
    expect((await readdir(best)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(best, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
  });

  it('checks its arguments', () => {
    expect(() => sn.callbacks.modelCheckpoint({ filepath: '' })).toThrow('modelCheckpoint: filepath must be a non-empty string');
    expect(() => sn.callbacks.modelCheckpoint(undefined as unknown as { filepath: string })).toThrow('modelCheckpoint: filepath must be a non-empty string');
    expect(() => sn.callbacks.modelCheckpoint({ filepath: 'x', saveFreq: 0 }))
      .toThrow("modelCheckpoint: saveFreq must be 'epoch' or a number of batches >= 1, got 0");
    expect(() => sn.callbacks.modelCheckpoint({ filepath: 'x', saveFreq: 1.5 })).toThrow(/saveFreq must be 'epoch' or a number of batches >= 1, got 1.5/);
    expect(() => sn.callbacks.modelCheckpoint({ filepath: 'x', saveFreq: 'batch' as never })).toThrow(/saveFreq must be 'epoch' or a number of batches >= 1, got "batch"/);
  });
});

describe('modelCheckpoint({ saveFreq: n }): every n batches, counted across epochs (Keras)', () => {
  // 12 samples in batches of 4: 3 batches an epoch, 3 epochs; every 2 batches: after the run's batches 2, 4, 6, 8
  async function batchRun(ckpt: ModelCheckpoint, before: sn.callbacks.CallbackHooks[] = []) {
    const { x, y } = tinyData(12, 2);
    const m = tinyModel();
    const at: { epoch: number; batch: number; weights: sn.Tensor[]; loss: number; size: number }[] = [];
    let epoch = -1;
    const saves: string[] = [];
    const save = m.save.bind(m);
    m.save = async (path: string) => { saves.push(path); await save(path); };
    await m.fit(x, y, {
      epochs: 3, batchSize: 4, verbose: 0, shuffle: false, validationData: [x, y],
      callbacks: [
        { onEpochBegin: (e) => { epoch = e; } },
        ...before,
        ckpt,
        { onBatchEnd: (b, logs) => { at.push({ epoch, batch: b, weights: m.getWeights(), loss: logs!.loss, size: logs!.size }); } },
      ],
    });
    return { at, saves };
  }

  it('saves after every second batch of the run, {batch} 1-based, none at an epoch\'s end; each save holds that batch\'s weights', async () => {
    const dir = fresh();
    const ckpt = sn.callbacks.modelCheckpoint({ filepath: join(dir, 'e{epoch:02d}-b{batch}'), saveFreq: 2 });
    const r = await batchRun(ckpt);
    expect(r.at.length).toBe(9);
    expect(r.saves).toEqual(['e01-b2', 'e02-b1', 'e02-b3', 'e03-b2'].map((f) => join(dir, f)));
    expect(ckpt.lastSavedEpoch).toBe(2);
    for (const g of [2, 4, 6, 8]) {
      const { epoch, batch, weights } = r.at[g - 1];
      const bytes = await readFile(join(dir, `e0${epoch + 1}-b${batch + 1}`, 'weights.bin'));
      expect(bytes.equals(weightBytes(weights)), `batch ${g} of the run`).toBe(true);
    }
  });

  it('saveBestOnly on loss judges the epoch\'s running average so far (Keras\' batch logs), not the batch\'s own loss', async () => {
    const dir = fresh();
    const ckpt = sn.callbacks.modelCheckpoint({ filepath: join(dir, 'e{epoch}-b{batch}'), saveFreq: 1, monitor: 'loss', saveBestOnly: true });
    const r = await batchRun(ckpt);
    // the batch logs are the epoch's running averages (Keras'); each batch's own loss, taken back out of them
    const running = r.at.map((a) => a.loss);
    const ownLoss: number[] = [];
    let sum = 0, seen = 0, last = -1;
    for (const a of r.at) {
      if (a.epoch !== last) { sum = 0; seen = 0; last = a.epoch; }
      ownLoss.push((a.loss * (seen + a.size) - sum) / a.size);
      seen += a.size; sum = a.loss * seen;
    }
    let best = Infinity;
    const expected: string[] = [];
    running.forEach((v, g) => { if (v < best) { best = v; expected.push(join(dir, `e${r.at[g].epoch + 1}-b${r.at[g].batch + 1}`)); } });
    expect(r.saves).toEqual(expected);
    expect(ckpt.best).toBeCloseTo(best, 6);
    // not what the batches' own losses would give
    let own = Infinity;
    const byOwn: string[] = [];
    r.at.forEach((a, g) => { if (ownLoss[g] < own) { own = ownLoss[g]; byOwn.push(join(dir, `e${a.epoch + 1}-b${a.batch + 1}`)); } });
    expect(byOwn).not.toEqual(expected);
  });

  it('at a resume it does not catch up on the epochs\' logs (it judged mid-epoch averages there); by epochs it does', () => {
    const done = { epoch: [0, 1], history: { loss: [0.5, 0.3] } };
    const byBatch = sn.callbacks.modelCheckpoint({ filepath: 'x', monitor: 'loss', saveBestOnly: true, saveFreq: 2 });
    byBatch.onResume(done);
    expect(byBatch.best).toBe(Infinity);
    const byEpoch = sn.callbacks.modelCheckpoint({ filepath: 'x', monitor: 'loss', saveBestOnly: true });
    byEpoch.onResume(done);
    expect(byEpoch.best).toBe(0.3);
  });

  it('a quantity another callback adds to the batch logs is judged as it is (only the loss and the compiled metrics are averaged)', async () => {
    const dir = fresh();
    const ckpt = sn.callbacks.modelCheckpoint({ filepath: join(dir, 'b{batch}-{custom:.0f}'), monitor: 'custom', mode: 'max', saveBestOnly: true, saveFreq: 1 });
    const r = await batchRun(ckpt, [{ onBatchEnd: (b, logs) => { logs!.custom = 100 + b; } }]);
    // rising within each epoch (100, 101, 102), never above 102 after the first epoch
    expect(r.saves).toEqual(['b1-100', 'b2-101', 'b3-102'].map((f) => join(dir, f)));
    expect(ckpt.best).toBe(102);
  });

  it('a val_ quantity is not in a batch\'s logs: it warns once and saves nothing (Keras: "Can save best model only with val_loss available")', async () => {
    const dir = fresh();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const ckpt = sn.callbacks.modelCheckpoint({ filepath: dir, saveFreq: 2, saveBestOnly: true });
      const r = await batchRun(ckpt);
      expect(r.saves).toEqual([]);
      expect(warn.mock.calls.filter((c) => /monitored quantity 'val_loss' is not available/.test(String(c[0])))).toHaveLength(1);
    } finally {
      warn.mockRestore();
    }
  });
});
