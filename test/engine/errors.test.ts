// Bad input gets a clear error naming the layer / argument, the expected and the actual value.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';

function small(): sn.Sequential {
  const m = sn.sequential();
  m.add(sn.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 3] }));
  m.add(sn.layers.flatten());
  m.add(sn.layers.dense({ units: 4, activation: 'softmax' }));
  return m;
}
const x = (n: number, shape = [8, 8, 3]) => sn.tensor(new Float32Array(n * shape.reduce((a, b) => a * b, 1)).fill(0.5), [n, ...shape]);
const y = (n: number, k = 4) => sn.utils.toCategorical(Int32Array.from({ length: n }, (_, i) => i % k), k);

describe('errors', () => {
  it('fit before compile', async () => {
    await expect(small().fit(x(4), y(4))).rejects.toThrow(/fit: the model must be compiled first/);
    await expect(small().evaluate(x(4), y(4))).rejects.toThrow(/evaluate: the model must be compiled first/);
  });

  it('wrong input shape names the layer, the expected and the actual shape', async () => {
    const m = small();
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await expect(m.fit(x(4, [8, 8, 1]), y(4))).rejects.toThrow('fit: x must have shape [n, 8, 8, 3] for conv2d (Conv2D), got [4, 8, 8, 1]');
    await expect(m.predict(x(2, [9, 8, 3]))).rejects.toThrow('predict: x must have shape [n, 8, 8, 3] for conv2d (Conv2D), got [2, 9, 8, 3]');
  });

  it('labels whose count or width does not match', async () => {
    const m = small();
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await expect(m.fit(x(4), y(5))).rejects.toThrow('fit: y has 5 labels but x has 4 samples');
    await expect(m.fit(x(4), y(4, 3))).rejects.toThrow("fit: y must have shape [n, 4] to match the model's output, got [4, 3]");
    await expect(m.fit(x(4), sn.tensor([0, 1, 2, 3], [4]))).rejects.toThrow(/got \[4\] \(one-hot encode class ids with sn.utils.toCategorical\)/);
    await expect(m.fit(x(4), y(4), { validationData: [x(2), y(3)] })).rejects.toThrow('fit: validationData[1] has 3 labels but x has 2 samples');
    const s = small();
    s.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await expect(s.fit(x(2), sn.tensor([0, 7], [2]))).rejects.toThrow('fit: y[1] = 7 is not a class id in [0, 4)');
  });

  it('unknown loss, optimizer, activation, metric list the valid names', () => {
    expect(() => small().compile({ optimizer: 'sgd', loss: 'crossEntropy' })).toThrow(
      'compile: unknown loss "crossEntropy"; valid: categoricalCrossentropy, sparseCategoricalCrossentropy, binaryCrossentropy, meanSquaredError, meanAbsoluteError, huber');
    expect(() => small().compile({ optimizer: 'adamw', loss: 'mse' })).toThrow(
      'compile: unknown optimizer "adamw"; valid: sgd, adam, adagrad, rmsprop');
    expect(() => sn.layers.dense({ units: 3, activation: 'gelu' as 'relu' })).toThrow(
      "dense: unknown activation 'gelu'; valid: linear, relu, sigmoid, tanh, softmax");
    expect(() => sn.layers.activation({ activation: 'swish' as 'relu' })).toThrow(/activation: unknown activation 'swish'; valid: linear, relu/);
    expect(() => small().compile({ optimizer: 'sgd', loss: 'mse', metrics: ['f1'] })).toThrow(/unknown metric "f1"; valid: accuracy, acc/);
  });

  it('bad layer arguments', () => {
    expect(() => sn.layers.conv2d({ filters: 4, kernelSize: -3 })).toThrow('conv2d: kernelSize must be a positive integer or [h, w], got -3');
    expect(() => sn.layers.conv2d({ filters: 0, kernelSize: 3 })).toThrow('conv2d: filters must be a positive integer, got 0');
    expect(() => sn.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'full' as 'same' })).toThrow(`conv2d: padding must be 'valid' or 'same', got "full"`);
    expect(() => sn.layers.dropout({ rate: 1.5 })).toThrow('dropout: rate must be a number in [0, 1), got 1.5');
    expect(() => sn.optimizers.sgd({ learningRate: -1 })).toThrow('sgd: learningRate must be a positive number, got -1');
    const m = sn.sequential();
    expect(() => m.add(sn.layers.dense({ units: 3 }))).toThrow(/the first layer \(dense \(Dense\)\) needs an inputShape/);
    m.add(sn.layers.conv2d({ filters: 2, kernelSize: 5, inputShape: [6, 6, 1] }));
    expect(() => m.add(sn.layers.conv2d({ filters: 2, kernelSize: 3 }))).toThrow(
      "conv2d_1 (Conv2D): input 2x2 is smaller than kernelSize 3x3 with padding 'valid'");
    expect(() => m.add(sn.layers.dense({ units: 3 }))).toThrow(/dense \(Dense\): expected input of shape \[features\], got \[2, 2, 2\]; add a flatten\(\) layer/);
  });

  it('NaN in the data is refused with its position, and nothing is trained', async () => {
    const m = small();
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const before = m.getWeights();
    const bad = x(4);
    (bad.data as Float32Array)[200] = NaN;
    await expect(m.fit(bad, y(4))).rejects.toThrow('fit: x contains 1 NaN or infinite value(s), first at flat index 200');
    const badY = y(4);
    (badY.data as Float32Array)[3] = Infinity;
    await expect(m.fit(x(4), badY)).rejects.toThrow('fit: y contains 1 NaN or infinite value(s), first at flat index 3');
    await expect(m.predict(bad)).rejects.toThrow(/predict: x contains 1 NaN or infinite value/);
    m.getWeights().forEach((w, i) => expect(w.data).toEqual(before[i].data));
    // the arena is not leaking staged copies after refused calls
    const used = sn.memory().usedBytes;
    await expect(m.fit(bad, y(4))).rejects.toThrow(/NaN/);
    expect(sn.memory().usedBytes).toBe(used);
  });

  it('a diverging loss stops fit with a clear error instead of silent NaNs', async () => {
    const m = sn.sequential();
    m.add(sn.layers.dense({ units: 1, inputShape: [2] }));
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1e30 }), loss: 'meanSquaredError' });
    const xs = sn.tensor(new Float32Array([1e10, 1e10, -1e10, 1e10]), [2, 2]);
    await expect(m.fit(xs, sn.tensor([1, 2], [2, 1]), { epochs: 5, verbose: 0 })).rejects.toThrow(/fit: the (loss became (NaN|Infinity) at epoch \d, batch 1|weights became NaN or infinite \(\d+ values?\) in the last update of epoch \d \(batch 1\))/);
  });

  it('labels of shape [n] are accepted for a single output unit, as in Keras', async () => {
    const m = sn.sequential();
    m.add(sn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2] }));
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const xs = sn.tensor([[0, 1], [1, 0], [1, 1], [0, 0]]);
    const a = await m.evaluate(xs, sn.tensor([1, 0, 1, 0]));
    const b = await m.evaluate(xs, sn.tensor([[1], [0], [1], [0]]));
    expect(a).toEqual(b);
  });

  it('tensor shape and data must agree', () => {
    expect(() => sn.tensor(new Float32Array(5), [2, 3])).toThrow('tensor: shape [2, 3] holds 6 values but the data has 5');
    expect(() => sn.tensor([[1, 2], [3]])).toThrow(/ragged nested array/);
  });
});

describe('the silent cases made loud', () => {
  const dense = (lr = 0.01) => {
    const m = sn.sequential();
    m.add(sn.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] }));
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: lr }), loss: 'categoricalCrossentropy' });
    return m;
  };
  const xs = sn.tensor(Float32Array.from({ length: 24 }, (_, i) => (i % 7) / 7), [6, 4]);
  const ys = sn.utils.toCategorical([0, 1, 2, 0, 1, 2], 3);

  it('NaN arguments are shown as NaN, not null', () => {
    expect(() => sn.optimizers.sgd({ learningRate: NaN })).toThrow('sgd: learningRate must be a positive number, got NaN');
    expect(() => sn.layers.dense({ units: NaN })).toThrow('dense: units must be a positive integer, got NaN');
  });

  it('initialEpoch must be a non-negative integer; a learning rate made negative after compile is refused at the next step', async () => {
    const m = dense();
    await expect(m.fit(xs, ys, { initialEpoch: -3, epochs: 1, verbose: 0 })).rejects.toThrow('fit: initialEpoch must be a non-negative integer, got -3');
    m.optimizer!.learningRate = -0.1;
    await expect(m.fit(xs, ys, { epochs: 1, verbose: 0 })).rejects.toThrow('sgd step: learningRate must be a positive number, got -0.1');
  });

  it('NaN in validationData is refused before the first epoch, named as validation data', async () => {
    const m = dense();
    const bad = xs.data.slice(); bad[5] = NaN;
    let epochs = 0;
    await expect(m.fit(xs, ys, { epochs: 2, verbose: 0, validationData: [sn.tensor(bad, xs.shape), ys], callbacks: [{ onEpochEnd: () => { epochs++; } }] }))
      .rejects.toThrow('fit: validationData[0] contains a NaN or infinite value at flat index 5');
    expect(epochs).toBe(0);
  });

  it('after training diverged, predict and evaluate refuse to return NaN and say why', async () => {
    const m = sn.sequential();
    m.add(sn.layers.dense({ units: 1, inputShape: [2] }));
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1e30 }), loss: 'meanSquaredError' });
    const big = sn.tensor(new Float32Array([1e10, 1e10, -1e10, 1e10]), [2, 2]);
    await expect(m.fit(big, sn.tensor([1, 2], [2, 1]), { epochs: 5, verbose: 0 })).rejects.toThrow(/the (loss|weights) became/);
    await expect(m.predict(big)).rejects.toThrow(/predict: the model's output holds \d+ NaN or infinite value\(s\) for samples 0\.\.1: \d+ of its weights are NaN or infinite \(training diverged/);
    await expect(m.evaluate(big, sn.tensor([1, 2], [2, 1]))).rejects.toThrow(/evaluate: the model's output holds/);
  });

  it('an update that overflows the weights in an epoch\'s last step stops fit before validation and callbacks, and a save of such a model changes nothing on disk', async () => {
    // the loss of each step is finite (it is computed before the update); only the weights show the overflow
    const diverging = () => {
      const m = sn.sequential();
      m.add(sn.layers.dense({ units: 3, inputShape: [4] }));
      m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1e12 }), loss: 'meanSquaredError' });
      return m;
    };
    const xs10 = sn.tensor(Float32Array.from({ length: 40 }, (_, i) => i), [10, 4]), ys10 = sn.tensor(new Float32Array(30).fill(1), [10, 3]);
    const dir = mkdtempSync(path.join(tmpdir(), 'simdnet-diverge-'));
    try {
      const m = diverging();
      const good = m.getWeights();
      await m.save(path.join(dir, 'model'));
      await m.save(path.join(dir, 'model.h5'));
      const seen: number[] = [];
      const err = await m.fit(xs10, ys10, { epochs: 3, verbose: 0, callbacks: [{ onEpochEnd: (e) => { seen.push(e); } },
        sn.callbacks.modelCheckpoint({ filepath: path.join(dir, 'ck') })] }).then(() => null, (e: Error) => e);
      expect(err?.message).toMatch(/^fit: the (weights became NaN or infinite \(\d+ values?\) in the last update of epoch \d \(batch 1\)|loss became (NaN|Infinity) at epoch \d, batch 1); lower the learning rate/);
      // every checkpoint written holds finite weights, and no epoch whose update overflowed reached the callbacks
      const ck = await sn.loadModel(path.join(dir, 'ck'));
      expect(ck.getWeights().every((w) => w.data.every(Number.isFinite))).toBe(true);
      expect(seen.length).toBeLessThan(3);
      for (const target of ['model', 'model.h5']) {
        await expect(m.save(path.join(dir, target))).rejects.toThrow(/: weight dense(_\d+)?\/(kernel|bias) holds (NaN|-?Infinity) at flat index \d+ \(\d+ NaN or infinite value\(s\) in all: training diverged\); a model with non-finite weights cannot be loaded again/);
        const back = await sn.loadModel(path.join(dir, target));
        back.getWeights().forEach((w, i) => expect(w.data).toEqual(good[i].data));
      }
      await expect(m.toArtifacts()).rejects.toThrow(/training diverged/);
      expect(readdirSync(dir).sort()).toEqual(['ck', 'model', 'model.h5']);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it('a run whose loss never leaves chance level ends with a warning saying so', async () => {
    const m = sn.sequential();
    m.add(sn.layers.dense({ units: 4, activation: 'softmax', inputShape: [4], kernelInitializer: 'zeros' }));
    m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1e-9 }), loss: 'categoricalCrossentropy' });
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (s: string) => { warnings.push(s); };
    try {
      await m.fit(xs, sn.utils.toCategorical([0, 1, 2, 3, 0, 1], 4), { epochs: 3, verbose: 0 });
    } finally { console.warn = warn; }
    expect(warnings.join('\n')).toMatch(/fit: the loss stayed at chance level \(ln 4 = 1\.3863\) for all 3 epochs/);
    // a run that learns says nothing
    warnings.length = 0;
    console.warn = (s: string) => { warnings.push(s); };
    try { await dense(0.5).fit(xs, ys, { epochs: 30, verbose: 0 }); } finally { console.warn = warn; }
    expect(warnings).toEqual([]);
  });

  it('one optimizer shared by two models of different sizes keeps a state per model (Keras and tfjs allow it)', async () => {
    const opt = sn.optimizers.adam({ learningRate: 0.01 });
    const a = dense(), b = sn.sequential();
    b.add(sn.layers.dense({ units: 16, activation: 'relu', inputShape: [4] }));
    b.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
    a.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
    b.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
    await a.fit(xs, ys, { epochs: 3, verbose: 0 });
    const aAfter = a.getWeights();
    await b.fit(xs, ys, { epochs: 3, verbose: 0 });
    await a.fit(xs, ys, { epochs: 1, verbose: 0 });
    for (const w of [...a.getWeights(), ...b.getWeights()]) expect(w.data.every(Number.isFinite)).toBe(true);
    // b's training did not write into a's weights
    expect(a.getWeights().some((w, i) => w.data.some((v, j) => v !== aAfter[i].data[j]))).toBe(true);
    a.dispose(); b.dispose();
  });

  it('a data set too large for Wasm memory is refused naming the data and the way out (streaming)', async () => {
    const m = dense();
    // 1.2e9 floats would be 4.8 GB: more than wasm32's 4 GiB
    // shape-only stand-ins: the check happens before a byte is copied
    const fake = (shape: number[]) => Object.setPrototypeOf({ shape, size: shape[0] * shape[1], rank: 2, data: { length: shape[0] * shape[1] } },
      sn.Tensor.prototype) as sn.Tensor;
    await expect(m.evaluate(fake([3e8, 4]), fake([3e8, 3])))
      .rejects.toThrow(/evaluate: x \(300000000 samples, 4578 MiB\) does not fit in Wasm memory beside the model .*model\.fitDataset/);
  });
});
