// simdnet/predict, as a user imports it: a model saved compiled by simdnet loads uncompiled and predicts the same
// bits as through 'simdnet'; training and Keras files are refused with a message that says where they are; and a
// browser bundle of it carries none of the training or Keras code (esbuild's list of the files it bundled).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { consumerProject } from './hosts.js';

/** Files of src/ (built) and packages a bundle of simdnet/predict must leave out. */
const TRAINING = /dist\/src\/(engine\/(trainer|optimizers?|training|callback|progress|history)\.js|callbacks\/|io\/(keras-files|zip|plot|jpeg-encode|training-backup)\.js|io\/h5\/|data\/(?!labels)|text\/|models\.js)/;

describe('simdnet/predict', () => {
  it('loads a compiled model uncompiled and predicts as simdnet does; refuses training and Keras files by name', () => {
    const dir = consumerProject();
    const model = mkdtempSync(join(tmpdir(), 'simdnet-predict-'));
    writeFileSync(join(dir, 'save.mjs'), `import * as sn from 'simdnet';
const m = sn.models.labFaceCnn({ seed: 3 });
m.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const x = sn.tensor(Float32Array.from({ length: 2 * 42 * 42 * 3 }, (_, i) => (i % 251) / 251), [2, 42, 42, 3]);
await m.fit(x, sn.utils.toCategorical(Int32Array.from([1, 5]), 16), { epochs: 1, batchSize: 2, verbose: 0 });
await m.save(${JSON.stringify(model)});
await m.save(${JSON.stringify(join(model, 'm.h5'))});
console.log(JSON.stringify(Array.from((await m.predict(x)).data)));`);
    const full = spawnSync(process.execPath, ['save.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(full.status, full.stderr).toBe(0);
    writeFileSync(join(dir, 'predict.mjs'), `import * as sn from 'simdnet/predict';
const refused = async (f) => { try { await f(); return 'ran'; } catch (e) { return e.message; } };
const m = await sn.loadModel(${JSON.stringify(model)});
const x = sn.tensor(Float32Array.from({ length: 2 * 42 * 42 * 3 }, (_, i) => (i % 251) / 251), [2, 42, 42, 3]);
const y = sn.tensor(new Float32Array(32), [2, 16]);
console.log(JSON.stringify({
  predicted: Array.from((await m.predict(x)).data), compiled: m.optimizer !== null, params: m.countParams(),
  fit: await refused(() => m.fit(x, y)), evaluate: await refused(() => m.evaluate(x, y)),
  compile: await refused(() => m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' })),
  compileTrue: await refused(() => sn.loadModel(${JSON.stringify(model)}, { compile: true })),
  h5: await refused(() => sn.loadModel(${JSON.stringify(join(model, 'm.h5'))})),
  h5bytes: await refused(() => sn.loadModel({ h5: new Uint8Array(8) })),
  saveWeights: await refused(() => m.saveWeights('never.weights.h5')),
  exports: ['fit', 'optimizers', 'callbacks', 'models', 'data'].filter((k) => k in sn),
}));`);
    const lean = spawnSync(process.execPath, ['predict.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(lean.status, lean.stderr).toBe(0);
    const r = JSON.parse(lean.stdout);
    expect(r.predicted).toEqual(JSON.parse(full.stdout)); // the same bits
    expect(r.compiled).toBe(false);
    expect(r.params).toBe(435504);
    for (const fn of ['fit', 'evaluate', 'compile']) {
      expect(r[fn]).toBe(`${fn}: simdnet/predict loads and runs models only; to compile, fit or evaluate, load or build the model ` +
        "with simdnet itself (`import * as sn from 'simdnet'`), and use that entry alone: in Node each is its own copy");
    }
    expect(r.compileTrue).toMatch(/^loadModel: \/.*\/model\.json: \{ compile: true \}: simdnet\/predict loads and runs models only; to compile, fit or evaluate, load or build the model with simdnet itself/);
    expect(r.h5).toMatch(/^loadModel: \/.*\/m\.h5 is a Keras file, which simdnet\/predict does not read/);
    expect(r.h5bytes).toMatch(/^loadModel: \{ h5 \} is a Keras file, which simdnet\/predict does not read/);
    expect(r.saveWeights).toBe("saveWeights: Keras weight files are read and written by simdnet's Keras files, which simdnet/predict leaves out: " +
      "import simdnet itself (`import * as sn from 'simdnet'`)");
    expect(r.exports).toEqual([]);
  }, 120_000);

  it('bundles for browsers and workers without training, Keras files, data generators or node: modules', async () => {
    // the package resolved by name from a project beside it: node_modules/simdnet -> this checkout
    const project = consumerProject();
    const build = async (spec: string, conditions: string[]) => {
      const file = join(project, 'entry.js');
      writeFileSync(file, `import * as sn from '${spec}'; export default sn;`);
      const r = await esbuild.build({ entryPoints: [file], bundle: true, write: false, format: 'esm', platform: 'browser', minify: true,
        conditions, metafile: true, logLevel: 'silent' });
      return { inputs: Object.keys(r.metafile.inputs), bytes: r.outputFiles[0].contents.length };
    };
    for (const conditions of [['workerd', 'worker'], ['browser']]) {
      const lean = await build('simdnet/predict', conditions);
      const full = await build('simdnet', conditions);
      expect(lean.inputs.filter((f) => f.startsWith('node:'))).toEqual([]);
      expect(lean.inputs.filter((f) => TRAINING.test(f)), conditions.join()).toEqual([]);
      // the pattern finds what it looks for: the full entry's bundle holds each kind
      for (const part of ['engine/trainer.js', 'engine/optimizers.js', 'io/keras-files.js', 'io/h5/', 'callbacks/', 'data/']) {
        expect(full.inputs.some((f) => f.includes(part) && TRAINING.test(f)), part).toBe(true);
      }
      expect(lean.bytes).toBeLessThan(full.bytes * 0.8);
    }
  }, 120_000);
});
