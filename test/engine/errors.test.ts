// Bad input gets a clear error naming the layer / argument, the expected and the actual value.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
    await expect(m.fit(x(4), sn.tensor([0, 1, 2, 3], [4]))).rejects.toThrow(/got \[4\] \(class ids\? one-hot encode them with sn.utils.toCategorical, or use sparseCategoricalCrossentropy\)/);
    await expect(m.fit(x(4), y(4), { validationData: [x(2), y(3)] })).rejects.toThrow('fit: validationData[1] has 3 labels but validationData[0] has 2 samples');
    const s = small();
    s.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await expect(s.fit(x(2), sn.tensor([0, 7], [2]))).rejects.toThrow('fit: y[1] = 7 is not a class id in [0, 4)');
  });

  it('unknown loss, optimizer, activation, metric list the valid names', () => {
    expect(() => small().compile({ optimizer: 'sgd', loss: 'crossEntropy' })).toThrow(
      'compile: unknown loss "crossEntropy"; valid: categoricalCrossentropy, sparseCategoricalCrossentropy, binaryCrossentropy, meanSquaredError, meanAbsoluteError, huber');
    expect(() => small().compile({ optimizer: 'lbfgs', loss: 'mse' })).toThrow(
      'compile: unknown optimizer "lbfgs"; valid: sgd, adam, adamw, adamax, nadam, adadelta, adagrad, rmsprop');
    expect(() => sn.layers.dense({ units: 3, activation: 'hard_silu' as 'relu' })).toThrow(
      "dense: unknown activation 'hard_silu'; valid: linear, relu, sigmoid, tanh, elu, selu, softplus, softsign, relu6, exponential, hard_sigmoid, softmax, swish, silu, gelu, gelu_new, mish");
    expect(() => sn.layers.activation({ activation: 'leaky_relu' as 'relu' })).toThrow(/activation: unknown activation 'leaky_relu'; valid: linear, relu/);
    expect(() => small().compile({ optimizer: 'sgd', loss: 'mse', metrics: ['f1'] })).toThrow(/unknown metric "f1"; valid: accuracy, acc/);
  });

  it('bad layer arguments', () => {
    expect(() => sn.layers.conv2d({ filters: 4, kernelSize: -3 })).toThrow('conv2d: kernelSize must be a positive integer or [h, w], got -3');
    expect(() => sn.layers.conv2d({ filters: 0, kernelSize: 3 })).toThrow('conv2d: filters must be a positive integer, got 0');
    expect(() => sn.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'full' as 'same' })).toThrow(`conv2d: padding must be 'valid' or 'same', got "full"`);
    expect(() => sn.layers.dropout({ rate: 1.5 })).toThrow('dropout: rate must be a number in [0, 1), got 1.5');
    expect(() => sn.optimizers.sgd({ learningRate: -1 })).toThrow('sgd: learningRate must be a finite number >= 0, got -1');
    const m = sn.sequential();
    expect(() => m.add(sn.layers.dense({ units: 3 }))).toThrow(/the first layer \(dense \(Dense\)\) needs an inputShape/);
    m.add(sn.layers.conv2d({ filters: 2, kernelSize: 5, inputShape: [6, 6, 1] }));
    expect(() => m.add(sn.layers.conv2d({ filters: 2, kernelSize: 3 }))).toThrow(
      "conv2d_1 (Conv2D): input 2x2 is smaller than kernelSize 3x3 with padding 'valid'");
    m.add(sn.layers.dense({ units: 3 })); // as Keras: on the last axis, at each pixel
    expect(m.outputShape).toEqual([2, 2, 3]);
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

  it('a model whose weights fit in memory but whose gradients do not keeps no half of itself: dispose and the GC find nothing amiss', async () => {
    await sn.ready();
    const used = sn.memory().usedBytes;
    const big = sn.sequential();
    big.add(sn.layers.dense({ units: 30000, inputShape: [30000] })); // 3.35 GiB of weights, as much again of gradients
    await expect(big.predict(sn.tensor(new Float32Array(30000), [1, 30000]))).rejects.toThrow(
      /^simdnet memory: allocating sequential(_\d+)? gradients needs 686\d\.\d MiB of Wasm memory, over the limit of 4096 MiB/);
    expect(sn.memory().usedBytes).toBe(used);
    expect(() => big.dispose()).not.toThrow(); // it released an offset it never had
    const m = small();
    expect((await m.predict(x(2))).shape).toEqual([2, 4]);
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
    expect(() => sn.optimizers.sgd({ learningRate: NaN })).toThrow('sgd: learningRate must be a finite number >= 0, got NaN');
    expect(() => sn.layers.dense({ units: NaN })).toThrow('dense: units must be a positive integer, got NaN');
  });

  it('initialEpoch must be a non-negative integer; a learning rate made negative after compile is refused at the next step', async () => {
    const m = dense();
    await expect(m.fit(xs, ys, { initialEpoch: -3, epochs: 1, verbose: 0 })).rejects.toThrow('fit: initialEpoch must be a non-negative integer, got -3');
    m.optimizer!.learningRate = -0.1;
    await expect(m.fit(xs, ys, { epochs: 1, verbose: 0 })).rejects.toThrow('sgd step: learningRate must be a finite number >= 0, got -0.1');
  });

  it('NaN in validationData is refused before the first epoch, named as validation data', async () => {
    const m = dense();
    const bad = xs.data.slice(); bad[5] = NaN;
    let epochs = 0;
    await expect(m.fit(xs, ys, { epochs: 2, verbose: 0, validationData: [sn.tensor(bad, xs.shape), ys], callbacks: [{ onEpochEnd: () => { epochs++; } }] }))
      .rejects.toThrow('fit: validationData[0] contains a NaN or infinite value at flat index 5');
    expect(epochs).toBe(0);
  });

  it('a layer belongs to one model: adding it to a second one is refused, naming both (it would serve neither)', () => {
    const a = sn.sequential({ name: 'first' });
    const d = sn.layers.dense({ units: 3, inputShape: [4] });
    a.add(d);
    const b = sn.sequential({ name: 'second' });
    expect(() => b.add(d)).toThrow("second.add: dense (Dense) already belongs to model 'first'; a layer belongs to one model here");
    expect(() => sn.sequential({ layers: a.layers as sn.Layer[] })).toThrow(/already belongs to model 'first'/);
    a.dispose();
    expect(() => b.add(d)).not.toThrow(); // the first model is gone: its layer may serve another
  });

  it('a boolean option given anything but true or false is refused, named (Keras takes booleans there)', () => {
    expect(() => sn.layers.dense({ units: 2, useBias: 'no' as unknown as boolean })).toThrow('dense: useBias must be true or false, got "no"');
    expect(() => sn.layers.conv2d({ filters: 2, kernelSize: 3, useBias: 0 as unknown as boolean })).toThrow('conv2d: useBias must be true or false, got 0');
    expect(() => sn.layers.depthwiseConv2d({ kernelSize: 3, useBias: 'false' as unknown as boolean })).toThrow('depthwiseConv2d: useBias must be true or false');
    expect(() => sn.layers.dense({ units: 2, trainable: 'yes' as unknown as boolean })).toThrow('Dense: trainable must be true or false, got "yes"');
    expect(sn.layers.dense({ units: 2, useBias: false, inputShape: [3] }).useBias).toBe(false);
  });

  it("an initializer in tfjs' serialized form ({ className, config }) is taken; an unknown one is named", async () => {
    const m = sn.sequential();
    m.add(sn.layers.dense({ units: 400, inputShape: [50], kernelInitializer: { className: 'RandomNormal', config: { mean: 0, stddev: 0.01 } } as never }));
    const w = (await m.getWeights())[0].data;
    const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.008);
    expect(std).toBeLessThan(0.012);
    const bad = sn.sequential();
    expect(() => { bad.add(sn.layers.dense({ units: 2, inputShape: [3], kernelInitializer: { className: 'Mystery', config: {} } as never })); bad.getWeights(); })
      .toThrow(/kernelInitializer: unknown initializer 'Mystery'; supported: /);
  });

  it('fit on a model whose weights are already NaN says so, instead of blaming the learning rate', async () => {
    const big = sn.tensor(new Float32Array([1e10, 1e10, -1e10, 1e10]), [2, 2]);
    const d = sn.sequential();
    d.add(sn.layers.dense({ units: 1, inputShape: [2] }));
    d.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1e30 }), loss: 'meanSquaredError' });
    await expect(d.fit(big, sn.tensor([1, 2], [2, 1]), { epochs: 5, verbose: 0 })).rejects.toThrow(/the (loss|weights) became/);
    await expect(d.fit(big, sn.tensor([1, 2], [2, 1]), { epochs: 1, verbose: 0 })).rejects.toThrow(
      /fit: the model's weights hold \d+ NaN or infinite value\(s\) before training \(an earlier training diverged\)/);
    // a fresh model whose first step overflows is told about the loss, not about earlier training
    const f = sn.sequential();
    f.add(sn.layers.dense({ units: 1, inputShape: [2] }));
    f.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1e30 }), loss: 'meanSquaredError' });
    await expect(f.fit(sn.tensor([3e38, 3e38, 3e38, 3e38], [2, 2]), sn.tensor([1, 2], [2, 1]), { verbose: 0 })).rejects.toThrow(/the (loss|weights) became/);
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
      await m.fit(xs, sn.utils.toCategorical([0, 1, 2, 3, 0, 1], 4), { epochs: 4, verbose: 0 });
      expect(warnings).toEqual([]); // four epochs at chance can be a slow start
      await m.fit(xs, sn.utils.toCategorical([0, 1, 2, 3, 0, 1], 4), { epochs: 5, verbose: 0 });
    } finally { console.warn = warn; }
    expect(warnings.join('\n')).toMatch(/fit: the loss stayed at chance level \(ln 4 = 1\.3863\) for all 5 epochs/);
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

describe('a masked output (returnSequences after maskZero, last): Keras leaves padded steps out of the loss', () => {
  it('fit, evaluate and fitDataset leave the padded steps out (their labels change nothing); predict runs', async () => {
    const m = sn.sequential({ seed: 3 });
    m.add(sn.layers.embedding({ inputDim: 6, outputDim: 3, inputLength: 4, maskZero: true }));
    m.add(sn.layers.simpleRNN({ units: 2, returnSequences: true }));
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = sn.tensor([[1, 2, 0, 0], [3, 4, 5, 0]]), y = sn.tensor(new Float32Array(16), [2, 4, 2]);
    const y2 = new Float32Array(16); y2.fill(9, 4, 8); y2.fill(-9, 14, 16); // other labels on the padded steps only
    const loss = (await m.evaluate(x, y)).loss;
    expect((await m.evaluate(x, sn.tensor(y2, [2, 4, 2]))).loss).toBe(loss);
    expect((await m.fit(x, y, { verbose: 0 })).history.loss).toHaveLength(1);
    expect((await m.fitDataset([{ xs: x, ys: y }], { epochs: 1, verbose: 0 })).history.loss).toHaveLength(1);
    expect((await m.predict(x)).shape).toEqual([2, 4, 2]);
    m.dispose();
  });

  it('layers that work on each step on their own pass the mask on (Keras\' supports_masking): to the loss, and to a recurrent layer', async () => {
    const x = sn.tensor([[1, 2, 0, 0], [3, 4, 5, 0]]), y = sn.tensor(new Float32Array(16), [2, 4, 2]);
    const y2 = new Float32Array(16); y2.fill(7, 4, 8); y2.fill(-7, 14, 16); // other labels on the padded steps only
    for (const passes of [() => sn.layers.dropout({ rate: 0.2 }), () => sn.layers.activation({ activation: 'tanh' }), () => sn.layers.reLU(),
      () => sn.layers.leakyReLU(), () => sn.layers.softmax(), () => sn.layers.layerNormalization(), () => sn.layers.dense({ units: 2 })]) {
      const build = (more: boolean) => {
        const m = sn.sequential({ seed: 3 });
        m.add(sn.layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true, batchInputShape: [null, null] }));
        m.add(sn.layers.simpleRNN({ units: 2, returnSequences: true }));
        m.add(passes());
        if (more) m.add(sn.layers.lstm({ units: 2 }));
        m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
        return m;
      };
      const m = build(false), label = m.layers[2].label;
      // the padded steps' labels do not reach the loss
      expect((await m.evaluate(x, sn.tensor(y2, [2, 4, 2]))).loss, label).toBe((await m.evaluate(x, y)).loss);
      // followed by a recurrent layer, the padded steps change nothing, as in Keras
      const r = build(true);
      const short = (await r.predict(sn.tensor([[1, 2]]))).data, padded = (await r.predict(sn.tensor([[1, 2, 0, 0]]))).data;
      expect(Array.from(padded), label).toEqual(Array.from(short));
      m.dispose(); r.dispose();
    }
  });

  it('fit refuses a BatchNormalization on masked steps (Keras leaves them out of its batch statistics); predict passes the mask on', async () => {
    const m = sn.sequential({ seed: 3 });
    m.add(sn.layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true, batchInputShape: [null, null] }));
    m.add(sn.layers.simpleRNN({ units: 2, returnSequences: true }));
    m.add(sn.layers.batchNormalization());
    m.add(sn.layers.lstm({ units: 2 }));
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = sn.tensor([[1, 2, 0, 0], [3, 4, 5, 0]]);
    await expect(m.fit(x, sn.tensor(new Float32Array(4), [2, 2]), { verbose: 0 })).rejects.toThrow(
      "fit: batch_normalization (BatchNormalization) takes embedding (Embedding)'s mask (maskZero) in training: Keras leaves masked steps out of its batch statistics, simdnet counts them");
    expect((await m.evaluate(x, sn.tensor(new Float32Array(4), [2, 2]))).loss).toBeGreaterThanOrEqual(0);
    const short = (await m.predict(sn.tensor([[1, 2]]))).data, padded = (await m.predict(sn.tensor([[1, 2, 0, 0]]))).data;
    expect(Array.from(padded)).toEqual(Array.from(short));
    m.dispose();
  });
});

describe('option names are checked, as Keras checks its keyword arguments', () => {
  it('a misspelt or snake_case option names the one meant instead of leaving the default in place', async () => {
    const cases: [() => unknown, string | RegExp][] = [
      [() => sn.layers.maxPooling2d({ pool_size: 3 } as never), 'maxPooling2d: unknown option pool_size (options are camelCase, as in TensorFlow.js: poolSize)'],
      [() => sn.layers.dense({ units: 3, activaton: 'softmax' } as never), /^dense: unknown option activaton \(did you mean activation\?\); valid: /],
      [() => sn.layers.dense({ units: 3, usebias: false } as never), /^dense: unknown option usebias \(did you mean useBias\?\)/],
      [() => sn.layers.conv2d({ filters: 2, kernelSize: 3, kernelConstraint: 'maxNorms' }), 'conv2d: kernelConstraint: unknown constraint "maxNorms"'],
      [() => sn.layers.conv2d({ filters: 2, kernelSize: 3, activityRegularizer: 'l2' } as never), 'conv2d: activityRegularizer is not supported: simdnet has weight regularizers (kernelRegularizer, biasRegularizer, ...) but no activity regularizers (leave it out)'],
      [() => sn.layers.conv2d({ filters: 2, kernelSize: 3, dilationRate: 2 }), 'conv2d: dilationRate 2 is not supported (only 1: simdnet has no dilated convolutions)'],
      [() => sn.layers.maxPooling2d({ dataFormat: 'channelsFirst' } as never), `maxPooling2d: only dataFormat 'channelsLast' is supported, got "channelsFirst"`],
      [() => sn.layers.flatten({ dataFormat: 'channelsFirst' } as never), `flatten: only dataFormat 'channelsLast' is supported, got "channelsFirst"`],
      [() => sn.layers.dense(3 as never), 'dense: options must be an object, got 3'],
      [() => sn.layers.dense(), 'dense: units must be a positive integer, got undefined'],
      [() => sn.layers.rescaling(), 'rescaling: scale is required (e.g. { scale: 1 / 255 }), got undefined'],
      [() => sn.layers.rescaling({ scale: [0.5, 0.25, 1] } as never), 'rescaling: scale must be a finite number (per-channel lists are not supported), got [0.5,0.25,1]'],
      [() => sn.layers.rescaling({ scale: 1, offset: NaN }), 'rescaling: offset must be a finite number, got NaN'],
      [() => sn.optimizers.sgd({ learningrate: 0.5 } as never), /^sgd: unknown option learningrate \(did you mean learningRate\?\); valid: learningRate, momentum, nesterov, decay, clipnorm, clipvalue, globalClipnorm, weightDecay$/],
      [() => sn.callbacks.earlyStopping({ patients: 3 } as never), /^earlyStopping: unknown option patients \(did you mean patience\?\)/],
      [() => sn.callbacks.modelCheckpoint({ filepath: 'm', save_best_only: true } as never), /^modelCheckpoint: unknown option save_best_only \(options are camelCase, as in TensorFlow.js: saveBestOnly\)/],
      [() => sn.callbacks.modelCheckpoint({ filepath: 'best.keras', saveWeightsOnly: true }), 'modelCheckpoint: saveWeightsOnly writes Keras weight files: filepath must end in .weights.h5 (Keras 3\'s layout) or .h5 (Keras 2\'s), got "best.keras"'],
      [() => sn.callbacks.csvLogger(undefined as never), /^csvLogger: expected a file name or \{ filename/],
      [() => sn.utils.trainTestSplit(x(4), y(4), { test_size: 0.5 } as never), /^trainTestSplit: unknown option test_size \(options are camelCase/],
      [() => sn.utils.padSequences([[1]], { maxlen: 3 } as never), /^padSequences: unknown option maxlen \(Keras' maxlen is maxLen here, as in TensorFlow.js\)/],
      [() => sn.optimizers.sgd({ lr: 0.1 } as never), /^sgd: unknown option lr \(Keras' lr is learningRate here, as in TensorFlow.js\)/],
      [() => sn.layers.conv2d({ filters: 2, kernel_size: 3 } as never), /^conv2d: unknown option kernel_size \(options are camelCase, as in TensorFlow.js: kernelSize\)/],
      [() => sn.layers.dense({ unit: 3 } as never), /^dense: unknown option unit \(did you mean units\?\)/],
      [() => sn.layers.dropout({ rate: 0.5, noiseShape: [null, 1] } as never), 'dropout: noiseShape is not supported: simdnet drops each value independently (leave it out)'],
      [() => sn.layers.dense({ units: 2, dtype: 'int32' } as never), `Dense: dtype must be 'float32' (simdnet computes in float32), got "int32"`],
      [() => sn.models.labFaceCnn({ numclasses: 2 } as never), /^labFaceCnn: unknown option numclasses \(did you mean numClasses\?\)/],
      [() => new sn.text.Tokenizer({ num_words: 10 } as never), /^Tokenizer: unknown option num_words \(Keras' num_words is numWords here/],
      [() => sn.io.imageToTensor(new Uint8Array(4), { size: 8 } as never), 'imageToTensor: size must be [height, width] of positive integers, got 8'],
      [() => sn.io.imageToTensor(new Uint8Array(4), { sise: [8, 8] } as never), /^imageToTensor: unknown option sise \(did you mean size\?\)/],
      [() => sn.io.decodeImage(new ArrayBuffer(4) as never), /expected the file's bytes as a Uint8Array, got an ArrayBuffer \(wrap it: new Uint8Array\(buffer\)\)/],
      [() => sn.tensor([1, 2], [2], 'int23' as never), `tensor: dtype must be 'float32' or 'int32', got "int23"`],
      [() => sn.sequential({ nmae: 'x' } as never), /^sequential: unknown option nmae \(did you mean name\?\)/],
    ];
    for (const [call, msg] of cases) expect(call).toThrow(msg);
    const m = small();
    expect(() => m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metric: ['accuracy'] } as never)).toThrow(/^compile: unknown option metric \(did you mean metrics\?\)/);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await expect(m.fit(x(4), y(4), { epoch: 5 } as never)).rejects.toThrow(/^fit: unknown option epoch \(did you mean epochs\?\)/);
    await expect(m.fit(x(4), y(4), { batch_size: 1 } as never)).rejects.toThrow(/^fit: unknown option batch_size \(options are camelCase, as in TensorFlow.js: batchSize\)/);
    await expect(m.fit(x(4), y(4), { callbacks: {} } as never)).rejects.toThrow('fit: callbacks must be an array (of sn.callbacks or objects of hooks), got {}');
    await expect(m.fit(x(4), y(4), { verbose: 0, callbacks: [{ onEpochEnd: 5 }] } as never)).rejects.toThrow('fit: callbacks[0].onEpochEnd must be a function, got number');
    await expect(m.evaluate(x(4), y(4), { batchsize: 2 } as never)).rejects.toThrow(/^evaluate: unknown option batchsize \(did you mean batchSize\?\)/);
    await expect(m.predict(x(4), { batchSize: 2, thread: 1 } as never)).rejects.toThrow(/^predict: unknown option thread \(did you mean threads\?\)/);
    await expect(m.fitDataset([], { batchesPerEpoc: 2 } as never)).rejects.toThrow(/^fitDataset: unknown option batchesPerEpoc \(did you mean batchesPerEpoch\?\)/);
    await expect(sn.data.loadImageFolder('.', { siz: [8, 8] } as never)).rejects.toThrow(/^loadImageFolder: unknown option siz \(did you mean size\?\)/);
    await expect(sn.ready({ flavor: 'simd' } as never)).rejects.toThrow(/^ready: unknown option flavor \(did you mean flavour\?\)/);
    expect(() => m.setWeights(m.getWeights().map((w) => Array.from(w.data)) as never)).toThrow(/^setWeights: weight 0 \(conv2d(_\d+)?\/kernel\) must be an sn.tensor of shape \[3, 3, 3, 2\], got an array/);
  });

  it('the options every layer documents pass (tfjs LayerArgs included), and a model built from them trains', async () => {
    const m = sn.sequential({ name: 'ok', seed: 3 });
    m.add(sn.layers.conv2d({ filters: 2, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu', useBias: true, dataFormat: 'channelsLast',
      dilationRate: 1, kernelInitializer: 'heNormal', biasInitializer: 'zeros', kernelRegularizer: null, inputShape: [8, 8, 3], name: 'c', trainable: true, dtype: 'float32' } as never));
    m.add(sn.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid', dataFormat: 'channels_last' } as never));
    m.add(sn.layers.flatten({}));
    m.add(sn.layers.dropout({ rate: 0.1, seed: 1 }));
    m.add(sn.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: 'glorotUniform' }));
    m.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(x(4), y(4), { epochs: 1, batchSize: 2, shuffle: true, verbose: 0, seed: 1, threads: 1, initialEpoch: 0, callbacks: [] });
    expect(h.history.loss).toHaveLength(1);
  });
});

describe('labels a cross-entropy cannot take, and two fits at once', () => {
  const sigmoid = () => {
    const m = sn.sequential();
    m.add(sn.layers.dense({ units: 1, activation: 'sigmoid', inputShape: [2] }));
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    return m;
  };
  const xs = sn.tensor([[0, 1], [1, 0], [1, 1]]);

  it('class ids or -1 given to binary or categorical cross-entropy are refused with the index; soft labels in [0, 1] pass', async () => {
    await expect(sigmoid().fit(xs, sn.tensor([0, 1, 2]), { verbose: 0 })).rejects.toThrow(
      'fit: y holds 2 at flat index 2; binaryCrossentropy takes labels in [0, 1] (0 or 1 per output; for class ids use sparseCategoricalCrossentropy and a softmax output)');
    await expect(sigmoid().evaluate(xs, sn.tensor([0, -1, 1]))).rejects.toThrow('evaluate: y holds -1 at flat index 1; binaryCrossentropy takes labels in [0, 1]');
    const m = small();
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const bad = y(4).data.slice(); bad[1] = 5;
    await expect(m.fit(x(4), sn.tensor(bad, [4, 4]), { verbose: 0 })).rejects.toThrow(/fit: y holds 5 at flat index 1; categoricalCrossentropy takes labels in \[0, 1\] \(one-hot rows/);
    await expect(sigmoid().evaluate(xs, sn.tensor([0.2, 0.9, 1]))).resolves.toHaveProperty('loss');
  });

  it('a second fit on a model that is training is refused; the first finishes as if alone', async () => {
    const a = small(), b = small();
    for (const m of [a, b]) m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const first = a.fit(x(4), y(4), { epochs: 2, verbose: 0 });
    await expect(a.fit(x(4), y(4), { verbose: 0 })).rejects.toThrow('fit: the model is already training (a fit() call has not finished); await it first');
    await expect(a.fitDataset([{ xs: x(4), ys: y(4) }], { verbose: 0 })).rejects.toThrow('fitDataset: the model is already training (a fit() call has not finished)');
    await first;
    await b.fit(x(4), y(4), { epochs: 2, verbose: 0 });
    a.getWeights().forEach((w, i) => expect(w.data).toEqual(b.getWeights()[i].data));
    await a.fit(x(4), y(4), { verbose: 0 }); // and it may train again
  });

  it("fit's shuffle is a boolean: Keras' 'batch' and the string 'false' are refused, not read as a full shuffle", async () => {
    const m = small();
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await expect(m.fit(x(4), y(4), { verbose: 0, shuffle: 'batch' as never })).rejects.toThrow(
      "fit: shuffle must be true or false, got \"batch\" (Keras' 'batch', a shuffle in batch-sized chunks for HDF5 data, is not supported)");
    await expect(m.fit(x(4), y(4), { verbose: 0, shuffle: 'false' as never })).rejects.toThrow('fit: shuffle must be true or false, got "false"');
  });

  it('compile during a fit (from a callback) is refused: it would swap the optimizer and loss mid-epoch', async () => {
    const m = small();
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const swap = { onBatchEnd: (b: number) => { if (b === 1) m.compile({ optimizer: 'adam', loss: 'meanSquaredError' }); } };
    await expect(m.fit(x(8), y(8), { epochs: 2, batchSize: 2, verbose: 0, callbacks: [swap] })).rejects.toThrow(
      'compile: the model is training (a fit() call has not finished); compile it after that call returns (to change the learning rate as it trains, use a learningRateScheduler)');
    expect(m.loss).toBe('categoricalCrossentropy');
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' }); // after it: as before
    expect(m.loss).toBe('meanSquaredError');
  });

  it("predict or evaluate from onBatchBegin is refused (fit's batch waits in the model's input then); from onBatchEnd it trains as without", async () => {
    const run = async (hook: 'onBatchBegin' | 'onBatchEnd', call: 'predict' | 'evaluate' | null) => {
      const m = small();
      m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
      const other = sn.tensor(new Float32Array(3 * 8 * 8 * 3).fill(0.1), [3, 8, 8, 3]);
      const cb = { [hook]: async () => { if (call === 'predict') await m.predict(other); else if (call === 'evaluate') await m.evaluate(other, y(3)); } };
      await m.fit(x(8), y(8), { epochs: 2, batchSize: 2, verbose: 0, shuffle: false, callbacks: [cb] });
      return m.getWeights();
    };
    await expect(run('onBatchBegin', 'predict')).rejects.toThrow("predict: called while fit's batch waits in the model's input (an onBatchBegin callback runs)");
    await expect(run('onBatchBegin', 'evaluate')).rejects.toThrow("evaluate: called while fit's batch waits in the model's input");
    const alone = await run('onBatchEnd', null);
    for (const call of ['predict', 'evaluate'] as const) {
      (await run('onBatchEnd', call)).forEach((w, i) => expect(w.data, call).toEqual(alone[i].data));
    }
  });

  it('dispose() while a call of the model runs frees its memory when that call ends: no leak, no internal error', async () => {
    await sn.ready();
    const used = sn.memory().usedBytes;
    const reference = small(); // same seed, same weights
    const expected = (await reference.predict(x(3))).data;
    reference.dispose();
    // try { return model.predict(x) } finally { model.dispose() }: dispose runs before predict's work
    const m = small();
    const p = (() => { try { return m.predict(x(3)); } finally { m.dispose(); } })();
    expect((await p).data).toEqual(expected);
    await expect(m.predict(x(1))).rejects.toThrow(/has been disposed/);
    expect(sn.memory().usedBytes).toBe(used);
    // from a callback: training stops after that batch, fit resolves, then the memory is freed
    const t = small();
    t.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const batches: number[] = [];
    const h = await t.fit(x(8), y(8), { epochs: 3, batchSize: 2, verbose: 0, callbacks: [{ onBatchEnd: (b: number) => { batches.push(b); if (b === 1) t.dispose(); } }] });
    expect(batches).toEqual([0, 1]);
    expect(h.history.loss).toHaveLength(1);
    expect(sn.memory().usedBytes).toBe(used);
    expect(() => t.getWeights()).toThrow(/has been disposed/);
    // disposed just after fit() is called: no epoch trains (fit sets stopTraining to false as it starts, which
    // a dispose waiting overrides), and a call made meanwhile is refused rather than run on memory about to go
    const u = small();
    u.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const fitting = u.fit(x(8), y(8), { epochs: 50, batchSize: 2, verbose: 0 });
    u.dispose();
    expect(u.stopTraining).toBe(true);
    const [predicting, evaluating] = [u.predict(x(1)), u.evaluate(x(8), y(8))];
    await expect(predicting).rejects.toThrow(/^predict: model '.*' is being disposed \(dispose\(\) was called while a call of it runs/);
    await expect(evaluating).rejects.toThrow(/^evaluate: model '.*' is being disposed/);
    expect((await fitting).epoch).toEqual([]);
    expect(sn.memory().usedBytes).toBe(used);
    expect(() => u.getWeights()).toThrow(/has been disposed/);
  });

  it('file-system failures of a save name the function, the path and the reason; saves to one path in one process run one after another', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'simdnet-save-errors-'));
    try {
      const m = small();
      const file = path.join(dir, 'afile');
      writeFileSync(file, 'not a folder');
      await expect(m.save(path.join(file, 'x.h5'))).rejects.toThrow(/^save: cannot write .*afile\/x\.h5: a file is in the way of a folder the path needs \(EEXIST/);
      await expect(m.save(path.join(file, 'sub', 'model'))).rejects.toThrow(/^saveModel: cannot write .*afile\/sub\/model: a part of the path is a file, not a folder \(ENOTDIR/);
      mkdirSync(path.join(dir, 'folder.h5'));
      await expect(m.save(path.join(dir, 'folder.h5'))).rejects.toThrow(/^save: cannot write .*folder\.h5: a folder is in the way \(EISDIR/);
      const target = path.join(dir, 'model');
      await Promise.all([m.save(target), m.save(target), m.save(target), m.save(`${target}.h5`), m.save(`${target}.h5`)]);
      expect(readdirSync(dir).sort()).toEqual(['afile', 'folder.h5', 'model', 'model.h5']);
      expect((await sn.loadModel(target)).countParams()).toBe(m.countParams());
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
