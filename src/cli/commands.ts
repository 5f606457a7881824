// The simdnet subcommands. Each validates its arguments, then uses only the public API.
import * as sn from '../index.js';
import { parseArgs, UsageError } from './args.js';
import { makeOptimizer, recipeFromOptions, TRAIN_OPTIONS } from './train-options.js';

function threadsArg(v: unknown): number | 'auto' {
  if (v === undefined || v === 'auto') return 'auto';
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`simdnet train: --threads must be 'auto' or a positive integer, got '${v}'`);
  return n;
}

/** Confusion matrix text: rows are true classes, columns predicted. */
export function confusionMatrix(yTrue: Int32Array, yPred: Int32Array, names: string[]): string {
  const k = names.length;
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  yTrue.forEach((t, i) => { m[t][yPred[i]]++; });
  const w = Math.max(3, ...m.flat().map((v) => String(v).length)) + 1;
  const head = 'true\\pred'.padEnd(10) + names.map((n) => n.padStart(w)).join('');
  const rows = m.map((r, i) => names[i].padEnd(10) + r.map((v) => (v ? String(v) : '.').padStart(w)).join(''));
  return [head, ...rows].join('\n');
}

function argmaxRows(t: sn.Tensor): Int32Array {
  const n = t.shape[0], k = t.size / n;
  return Int32Array.from({ length: n }, (_, i) => {
    let b = 0;
    for (let j = 1; j < k; j++) if (t.data[i * k + j] > t.data[i * k + b]) b = j;
    return b;
  });
}

const accuracyOf = (a: Int32Array, b: Int32Array) => a.reduce((s, v, i) => s + (v === b[i] ? 1 : 0), 0) / a.length;

/**
 * The plot path if it lies inside the model folder `out`: the curves describe the model saved there, and the
 * first checkpoint of a new run replaces that model, so the old plot goes first (the new one is written at
 * the end). Files of other names in the folder still stop the save, with saveModel's error.
 */
function plotInside(path: typeof import('node:path'), plot: string, out: string): string | null {
  const rel = path.relative(path.resolve(out), path.resolve(plot));
  return rel !== '' && rel !== '..' && !rel.includes(path.sep) && !path.isAbsolute(rel) ? path.resolve(plot) : null;
}

/**
 * The class of each model output: the names saved with the model; for a model saved without names, the
 * lab's letters when it has 16 outputs, or else the folder's own classes when there are as many.
 */
function outputNames(model: sn.Sequential, present: string[], modelDir: string, dataDir: string): string[] {
  if (model.classNames) return model.classNames;
  const k = model.outputShape[model.outputShape.length - 1];
  if (k === sn.data.LAB_LABELS.length) return sn.data.LAB_LABELS;
  if (present.length === k) return present;
  throw new Error(`simdnet evaluate: ${modelDir} was saved without class names and predicts ${k} classes, but ${dataDir} holds ` +
    `${present.length} (${present.join(' ')}); cannot tell which output is which class: save the model with model.classNames set`);
}

export async function trainCommand(argv: string[]): Promise<number> {
  const { opts, positionals } = parseArgs(argv, TRAIN_OPTIONS, 'train');
  if (positionals.length) throw new UsageError(`simdnet train: unexpected argument '${positionals[0]}'`);
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const seed = (opts.seed as number | undefined) ?? 0;
  const recipe = recipeFromOptions(opts, 'train');
  const { epochs, batchSize, optimizer: optName, lr: lr0, lrDrop: drop, epsilon, testSize } = recipe;
  const out = (opts.out as string | undefined) ?? 'model';
  // a Keras file for --out (the checkpoint writes .h5, or Keras 3's .keras): the curves beside it, not inside
  const kerasOut = /\.(h5|hdf5|keras)$/i.test(out);
  const plot = (opts.plot as string | undefined) ?? (kerasOut ? out.replace(/\.(h5|hdf5|keras)$/i, '-curves.png') : path.join(out, 'curves.png'));
  await checkOutputs(fs, path, out, kerasOut, plot, opts.plot !== undefined);
  const verbose = ((opts.verbose as number | undefined) ?? 1) as 0 | 1 | 2;
  const threads = threadsArg(opts.threads);
  const t0 = performance.now();

  let trainDir: string, testDir: string | null = null, classNames: string[] | undefined;
  if (opts.data === undefined) {
    console.log('Data: the embedded synthetic face set (16 people, labels A C D F G H I J K L M P R S T V)');
    let last = 0;
    const set = await sn.data.syntheticFaces({
      seed,
      onProgress: (done, total) => {
        if (done === total || performance.now() - last > 1000) { last = performance.now(); process.stdout.write(`\r  generating photos (first run only): ${done}/${total}`); }
        if (done === total) process.stdout.write('\n');
      },
    });
    console.log(`  ${set.generated ? 'written to' : 'cached in'} ${set.dir}`);
    trainDir = set.trainDir; testDir = set.testDir; classNames = set.labels;
  } else {
    trainDir = opts.data as string;
    const stat = await fs.stat(trainDir).catch(() => null);
    if (!stat?.isDirectory()) throw new UsageError(`simdnet train: --data ${trainDir} is not a folder`);
    const subs = (await fs.readdir(trainDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    if (subs.includes('train') && subs.includes('test')) { testDir = path.join(trainDir, 'test'); trainDir = path.join(trainDir, 'train'); }
    const labLetters = sn.data.LAB_LABELS;
    console.log(`Data: ${trainDir}`);
    const listed = await sn.data.listImageFolder(trainDir, { onWarning: () => {} });
    const present = listed.classNames.filter((c) => !listed.emptyClasses.includes(c)); // the classes with photos
    // the lab's 16 outputs would make one letter look like 16 classes: count the classes with photos
    if (present.length === 1) throw new Error(`simdnet train: ${trainDir} holds photos of one class only (${present[0]}); classification needs at least two`);
    if (present.every((c) => labLetters.includes(c))) classNames = labLetters; // the lab's fixed letter order
  }
  const folder = await sn.data.loadImageFolder(trainDir, { size: [42, 42], channels: 3, classNames });
  const k = folder.classNames.length;
  console.log(`  ${folder.x.shape[0]} photos of ${k} classes (${folder.layout} layout), resized to 42x42x3`);
  const photosOf = new Int32Array(k);
  for (const c of folder.y) photosOf[c]++;
  const lone = folder.classNames.filter((_, c) => photosOf[c] === 1);
  // a person with one photo cannot be in both sets: it trains (the split of the others stays stratified)
  if (lone.length) console.log(`  ${lone.join(', ')}: one photo each, used for training only (the test set cannot include ${lone.length > 1 ? 'them' : 'it'})`);
  const { xTrain, xTest, yTrain, yTest } = sn.utils.trainTestSplit(folder.x, sn.utils.toCategorical(folder.y, k),
    { testSize, seed, stratify: true, loneClasses: 'train' });
  console.log(`  split: ${xTrain.shape[0]} train / ${xTest.shape[0]} test (${Math.round(testSize * 100)} %, stratified)`);
  // --class-weight balanced: each person counts as much in the loss however many photos they have (scikit-learn's 'balanced')
  const classWeight = opts['class-weight'] === 'balanced' ? sn.utils.balancedClassWeight(yTrain) : undefined;
  if (classWeight) {
    console.log(`  class weights (balanced): ${Object.entries(classWeight).map(([c, w]) => `${folder.classNames[Number(c)]} ${w.toFixed(2)}`).join(', ')}`);
  }
  console.log();

  const model = sn.models.labFaceCnn({ numClasses: k, seed });
  model.classNames = folder.classNames; // saved with every checkpoint: evaluate and predict map folders by name
  model.summary();
  const optimizer = makeOptimizer(recipe);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const schedule = drop === 1 ? 'constant' : drop === 0.5 ? 'halved every 10 epochs' : `times ${drop} every 10 epochs`;
  let stalePlot = plotInside(path, plot, out);
  const checkpoint = sn.callbacks.modelCheckpoint({ filepath: out, monitor: 'val_loss', saveBestOnly: true });
  // --backup: a run killed midway and started again with the same options goes on where it stopped
  if (opts.backup !== undefined) {
    const [b, o] = [path.resolve(opts.backup as string), path.resolve(out)];
    const inside = (a: string, c: string) => { const r = path.relative(c, a); return r === '' || (!r.startsWith('..') && !path.isAbsolute(r)); };
    if (inside(b, o) || inside(o, b)) {
      throw new UsageError(`simdnet train: --backup ${opts.backup} ${b === o ? 'is' : inside(b, o) ? 'is inside' : 'holds'} the --out folder; ` +
        'the backup needs a folder of its own, beside the model');
    }
  }
  const backup = opts.backup === undefined ? null : sn.callbacks.backupAndRestore({ backupDir: opts.backup as string });
  const resumed = {
    onTrainBegin: () => {
      const r = backup?.restored;
      if (!r) return;
      // the checkpoint catches up on those epochs' val_loss (onResume): only a better epoch replaces the model in --out
      console.log(`Resuming from the backup in ${backup!.backupDir}: epochs 1-${r.epoch + 1} done, going on from epoch ${r.epoch + 2}`);
    },
  };
  console.log(`\nTraining: ${optName}${optName === 'sgd' ? ' (momentum 0.9, Nesterov)' : ''}${epsilon === undefined ? '' : ` (epsilon ${epsilon})`}, lr ${lr0} ${schedule}, batch ${batchSize}, ${epochs} epochs, seed ${seed}`);
  const history = await model.fit(xTrain, yTrain, {
    epochs, batchSize, verbose, seed, threads, shuffle: true, validationData: [xTest, yTest], classWeight,
    callbacks: [
      // the lab's schedule: lr0 * 0.5 ** floor((1 + epoch) / 10)
      sn.callbacks.learningRateScheduler((epoch) => lr0 * drop ** Math.floor((1 + epoch) / 10)),
      // a previous run's plot inside the model folder would stop the checkpoint from replacing it
      { onEpochEnd: async () => { if (stalePlot) await fs.rm(stalePlot, { force: true }); stalePlot = null; } },
      checkpoint,
      ...(backup ? [backup, resumed] : []),
    ],
  });
  // the curves of the whole run: the epochs before an interruption came back with the backup
  const done = backup?.restored?.history.history;
  const curves = done ? Object.fromEntries(Object.entries(history.history).map(([k, v]) => [k, [...(done[k] ?? []), ...v]])) : history.history;
  const best = await sn.loadModel(out);
  best.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const ev = await best.evaluate(xTest, yTest);
  const pred = await best.predictClasses(xTest);
  const truth = argmaxRows(yTest);
  console.log(`\nBest model (lowest val_loss) saved to ${kerasOut ? `${out} (Keras ${/\.keras$/i.test(out) ? '3 .keras' : '.h5'})` : `${out}/ (model.json + weights.bin)`}`);
  console.log(`Test accuracy: ${(ev.accuracy! * 100).toFixed(1)} % (${Math.round(ev.accuracy! * xTest.shape[0])}/${xTest.shape[0]}), test loss ${ev.loss.toFixed(4)}`);
  console.log('\nConfusion matrix (rows: true person, columns: predicted)\n' + confusionMatrix(truth, pred, folder.classNames));
  if (testDir) {
    const flat = await sn.data.loadImageFolder(testDir, { size: [42, 42], channels: 3, classNames: folder.classNames });
    const p = await best.predictClasses(flat.x);
    console.log(`\nHeld-out folder ${testDir} (${flat.layout} layout, ${flat.x.shape[0]} photos): accuracy ${(accuracyOf(p, flat.y) * 100).toFixed(1)} %`);
  }
  await fs.mkdir(path.dirname(path.resolve(plot)), { recursive: true });
  await fs.writeFile(plot, await sn.io.plotHistory(curves));
  console.log(`Training curves: ${plot}`);
  console.log(`Wall time: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return 0;
}

/**
 * Refuses, before any training, an --out or --plot that the run could not write at its end: --out an existing file
 * (it names the model folder) or inside one, --plot a folder or inside a file. Exit code 2, naming the option.
 */
async function checkOutputs(fs: typeof import('node:fs/promises'), path: typeof import('node:path'), out: string, kerasOut: boolean,
  plot: string, plotGiven: boolean): Promise<void> {
  const kind = async (p: string) => { try { return (await fs.stat(p)).isDirectory() ? 'folder' : 'file'; } catch { return null; } };
  /** The first existing ancestor of p that is a file, or null. */
  const fileAbove = async (p: string) => {
    for (let d = path.dirname(path.resolve(p)); d !== path.dirname(d); d = path.dirname(d)) {
      const k = await kind(d);
      if (k) return k === 'file' ? d : null;
    }
    return null;
  };
  const outKind = await kind(out);
  if (!kerasOut && outKind === 'file') {
    throw new UsageError(`simdnet train: --out ${out} is a file; --out names the folder the model is saved in (model.json + weights.bin), or a .h5 or .keras file`);
  }
  if (kerasOut && outKind === 'folder') throw new UsageError(`simdnet train: --out ${out} is a folder; a .h5 or .keras --out names the Keras file to write`);
  const outBlocked = await fileAbove(out);
  if (outBlocked) throw new UsageError(`simdnet train: --out ${out} cannot be made: ${outBlocked} is a file, not a folder`);
  const option = plotGiven ? '--plot' : `the training curves' file (--plot, by default ${plot})`;
  if (await kind(plot) === 'folder') throw new UsageError(`simdnet train: ${option} ${plotGiven ? `${plot} ` : ''}is a folder; --plot names the PNG file to write`);
  const plotBlocked = await fileAbove(plot);
  if (plotBlocked) throw new UsageError(`simdnet train: ${option} cannot be written: ${plotBlocked} is a file, not a folder`);
}

/** A model of photos: [height, width, 1 or 3] in, k outputs (classes; 1: a sigmoid) out. Others are refused by name. */
function photoModel(model: sn.Sequential, dir: string, command: string): { h: number; w: number; c: 1 | 3; k: number } {
  const input = model.inputShape, output = model.outputShape;
  const [h, w, c] = input, [k] = output;
  if (input.length !== 3 || h === null || w === null || (c !== 1 && c !== 3) || output.length !== 1 || k === null) {
    const show = (s: (number | null)[]) => `[${s.map((d) => d ?? 'None').join(', ')}]`;
    throw new Error(`simdnet ${command}: ${dir} takes inputs of shape ${show(input)} and gives ${show(output)}; ` +
      `simdnet ${command} needs a model of photos ([height, width, 1 or 3] in, one output per class)`);
  }
  return { h, w, c, k };
}

export async function evaluateCommand(argv: string[]): Promise<number> {
  const { opts, positionals } = parseArgs(argv, { model: { type: 'string' }, data: { type: 'string' }, 'batch-size': { type: 'int', min: 1 } }, 'evaluate');
  if (positionals.length) throw new UsageError(`simdnet evaluate: unexpected argument '${positionals[0]}'`);
  if (!opts.model) throw new UsageError('simdnet evaluate: --model DIR is required');
  if (!opts.data) throw new UsageError('simdnet evaluate: --data DIR is required');
  const modelDir = opts.model as string, dataDir = opts.data as string;
  const model = await sn.loadModel(modelDir);
  const { h, w, c } = photoModel(model, modelDir, 'evaluate');
  const listed = await sn.data.listImageFolder(dataDir, { onWarning: () => {} });
  const present = listed.classNames;
  const names = outputNames(model, present, modelDir, dataDir);
  // an empty class folder the model does not know holds nothing to judge
  const unknown = present.filter((c) => !names.includes(c) && !listed.emptyClasses.includes(c));
  if (unknown.length) throw new Error(`simdnet evaluate: ${dataDir} has classes ${unknown.join(', ')} that the model ${modelDir} does not know (its classes: ${names.join(' ')})`);
  const folder = await sn.data.loadImageFolder(dataDir, { size: [h, w], channels: c, classNames: names });
  const pred = await model.predictClasses(folder.x, { batchSize: (opts['batch-size'] as number | undefined) ?? 32 });
  console.log(`${folder.x.shape[0]} photos, ${new Set(folder.y).size} classes (${folder.layout} layout)`);
  console.log(`Accuracy: ${(accuracyOf(pred, folder.y) * 100).toFixed(1)} %`);
  console.log('\nConfusion matrix (rows: true, columns: predicted)\n' + confusionMatrix(folder.y, pred, folder.classNames));
  return 0;
}

export async function predictCommand(argv: string[]): Promise<number> {
  const { opts, positionals } = parseArgs(argv, { model: { type: 'string' }, labels: { type: 'string' } }, 'predict');
  if (!opts.model) throw new UsageError('simdnet predict: --model DIR is required');
  if (!positionals.length) throw new UsageError('simdnet predict: give at least one IMAGE');
  const model = await sn.loadModel(opts.model as string);
  const { h, w, c, k } = photoModel(model, opts.model as string, 'predict');
  const classes = k === 1 ? 2 : k; // one sigmoid output: class 1 above 0.5
  const labels = opts.labels ? (opts.labels as string).split(',') : null;
  if (labels && labels.length !== classes) throw new UsageError(`simdnet predict: --labels has ${labels.length} names but the model predicts ${classes} classes`);
  const names = labels ?? model.classNames ?? (k === sn.data.LAB_LABELS.length ? sn.data.LAB_LABELS : null);
  for (const file of positionals) {
    const img = sn.io.resize(await sn.io.readImage(file, { channels: c }), w, h);
    const x = sn.tensor(Float32Array.from(img.data, (v) => v / 255), [1, h, w, c]);
    const p = probabilities(Float32Array.from((await model.predict(x)).data), model.fromLogits);
    let best = 0;
    for (let j = 1; j < k; j++) if (p[j] > p[best]) best = j;
    if (k === 1) best = p[0] > 0.5 ? 1 : 0;
    const prob = k === 1 && best === 0 ? 1 - p[0] : p[k === 1 ? 0 : best];
    console.log(`${file}: ${names ? names[best] : best} (p = ${prob.toFixed(3)})`);
  }
  return 0;
}

/** One sample's outputs as probabilities: as they are, or through softmax (sigmoid for one output) for logits. */
function probabilities(out: Float32Array, logits: boolean): Float32Array {
  if (!logits) return out;
  if (out.length === 1) return Float32Array.of(1 / (1 + Math.exp(-out[0])));
  const m = Math.max(...out), e = Float32Array.from(out, (v) => Math.exp(v - m));
  const s = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / s);
}

/**
 * simdnet convert: a saved model into another format — a tfjs layers-model folder (its weights quantized with
 * --quantize, as tensorflowjs_converter's --quantize_* options), a Keras .h5 or .keras file — as loadModel reads it
 * and model.save writes it.
 */
export async function convertCommand(argv: string[]): Promise<number> {
  const { opts, positionals } = parseArgs(argv, {
    model: { type: 'string' }, out: { type: 'string' }, quantize: { type: 'string', choices: ['float16', 'uint8', 'uint16'] }, 'include-optimizer': { type: 'flag' },
  }, 'convert');
  if (positionals.length) throw new UsageError(`simdnet convert: unexpected argument '${positionals[0]}'`);
  if (!opts.model) throw new UsageError('simdnet convert: --model DIR|M.h5|M.keras is required (the model to read)');
  if (!opts.out) throw new UsageError('simdnet convert: --out DIR|M.h5|M.keras is required (where to write it)');
  const from = opts.model as string, out = opts.out as string;
  const quantize = opts.quantize as 'float16' | 'uint8' | 'uint16' | undefined;
  const kerasOut = /\.(h5|hdf5|keras)$/i.test(out);
  if (quantize && kerasOut) throw new UsageError(`simdnet convert: --quantize writes a tfjs layers-model folder; --out ${out} is a Keras file (float32 weights)`);
  const model = await sn.loadModel(from);
  await model.save(out, { includeOptimizer: opts['include-optimizer'] === true, ...(quantize ? { quantize } : {}) });
  const { stat } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const bytes = (await stat(kerasOut ? out : join(out, 'weights.bin'))).size;
  console.log(`${from} -> ${kerasOut ? out : `${out}/ (model.json + weights.bin)`}: ${model.countParams().toLocaleString('en-US')} parameters, ` +
    `${(bytes / 1024).toFixed(1)} KB ${kerasOut ? 'file' : `of weights${quantize ? ` stored as ${quantize}` : ''}`}`);
  model.dispose();
  return 0;
}

export async function synthCommand(argv: string[]): Promise<number> {
  const { opts, positionals } = parseArgs(argv, { out: { type: 'string' }, seed: { type: 'int' } }, 'synth');
  if (positionals.length) throw new UsageError(`simdnet synth: unexpected argument '${positionals[0]}'`);
  if (!opts.out) throw new UsageError('simdnet synth: --out DIR is required');
  const set = await sn.data.syntheticFaces({
    dir: opts.out as string, seed: (opts.seed as number | undefined) ?? 0,
    onProgress: (d: number, t: number) => { if (d % 50 === 0 || d === t) process.stdout.write(`\r${d}/${t} photos`); if (d === t) process.stdout.write('\n'); },
  });
  const total = Object.values(set.counts).reduce((a, b) => a + b, 0);
  console.log(`${set.generated ? 'Wrote' : 'Already present:'} ${set.dir}: ${total} training photos in ${set.trainDir}/<letter>/, test photos in ${set.testDir}/<letter>_NNNN.jpg`);
  return 0;
}
