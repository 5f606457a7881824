// The simdnet command: bad arguments exit non-zero with a message naming the option; predict and
// evaluate work on a saved model.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';

const run = promisify(execFile);
const root = mkdtempSync(path.join(os.tmpdir(), 'simdnet-cli-'));
const cli = path.resolve('dist/src/cli/main.js');
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function simdnet(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await run(process.execPath, [cli, ...args], { cwd: root });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

beforeAll(async () => {
  // the CLI runs the compiled package (npm test builds it first)
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
});

describe('simdnet command line', () => {
  it('rejects bad arguments with a clear message and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['fly'], /unknown command 'fly'; valid: train, evaluate, predict, synth, convert, bench/],
      [['train', '--epochs', 'ten'], /--epochs must be an integer, got 'ten'/],
      [['train', '--epochs', '0'], /--epochs must be in \[1, ∞\], got 0/],
      [['train', '--optimizer', 'lbfgs'], /--optimizer must be one of sgd, adam, adamw, adamax, nadam, adadelta, adagrad, rmsprop, got 'lbfgs'/],
      [['train', '--threads', 'many'], /--threads must be 'auto' or a positive integer, got 'many'/],
      [['train', '--colour'], /unknown option --colour/],
      [['train', '--lr-drop', '2'], /--lr-drop must be in \[0.000001, 1\], got 2/],
      [['train', '--epsilon', '1e-7'], /--epsilon applies to every optimizer but sgd/],
      [['train', '--optimizer', 'adam', '--epsilon', '-1'], /--epsilon must be in/],
      [['train', '--data', path.join(root, 'missing')], /--data .*missing is not a folder/],
      [['train', '--out', 'm', '--backup', './m'], /--backup \.\/m is the --out folder; the backup needs a folder of its own/],
      [['train', '--out', 'm', '--backup', 'm/bk'], /--backup m\/bk is inside the --out folder/],
      [['train', '--out', 'runs/m', '--backup', 'runs'], /--backup runs holds the --out folder/],
      [['predict', 'x.jpg'], /--model DIR is required/],
      [['synth'], /--out DIR is required/],
      [['convert', '--out', 'x'], /simdnet convert: --model DIR\|M.h5\|M.keras is required/],
      [['convert', '--model', 'm'], /simdnet convert: --out DIR\|M.h5\|M.keras is required/],
      [['convert', '--model', 'm', '--out', 'x', '--quantize', 'int4'], /--quantize must be one of float16, uint8, uint16, got 'int4'/],
      [['convert', '--model', 'm', '--out', 'x.h5', '--quantize', 'uint8'], /--quantize writes a tfjs layers-model folder; --out x.h5 is a Keras file/],
    ];
    for (const [args, msg] of cases) {
      const r = await simdnet(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
    }
  });

  it('<command> --help prints that command\'s usage and exits 0, running nothing; bench refuses unknown options', async () => {
    const before = readdirSync(root);
    for (const command of ['train', 'evaluate', 'predict', 'synth', 'convert']) {
      const r = await simdnet(command, '--help');
      expect(r.code, command).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Usage:\\n  simdnet ${command} `));
      expect(r.out).not.toMatch(/simdnet sweep/);
    }
    expect(readdirSync(root)).toEqual(before); // nothing trained, synthesised or saved
    if (existsSync(path.resolve('dist/bench/run.js'))) {
      const help = await simdnet('bench', '--help');
      expect(help.code).toBe(0);
      expect(help.out).toMatch(/--quick .*\n.*--json/);
      const bad = await simdnet('bench', '--colour');
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/simdnet bench: unknown option --colour; valid: --quick --json --no-peers --help/);
    }
  });

  it('predict turns a model\'s logits (compiled fromLogits) into probabilities, as the same model ending in softmax gives', async () => {
    const make = (activation: 'softmax' | 'linear') => {
      const m = sn.sequential({ seed: 6 });
      m.add(sn.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', inputShape: [42, 42, 3] }));
      m.add(sn.layers.flatten());
      m.add(sn.layers.dense({ units: 16, activation, kernelInitializer: 'randomNormal' }));
      return m;
    };
    const logits = make('linear'), probs = make('softmax');
    logits.compile({ optimizer: 'sgd', loss: sn.losses.categoricalCrossentropy({ fromLogits: true }) });
    probs.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await logits.save(path.join(root, 'm-logits'));
    await probs.save(path.join(root, 'm-probs'));
    mkdirSync(path.join(root, 'logit-photo'), { recursive: true });
    writeFileSync(path.join(root, 'logit-photo', 'A_0001.pgm'), Buffer.concat([Buffer.from('P5\n4 4\n255\n'), Buffer.from(Array.from({ length: 16 }, (_, i) => i * 15))]));
    const a = await simdnet('predict', '--model', 'm-logits', 'logit-photo/A_0001.pgm');
    const b = await simdnet('predict', '--model', 'm-probs', 'logit-photo/A_0001.pgm');
    expect(a.code, a.err).toBe(0);
    expect(a.out).toMatch(/^logit-photo\/A_0001\.pgm: [ACDFGHIJKLMPRSTV] \(p = 0\.\d{3}\)$/m);
    expect(a.out).toBe(b.out);
  });

  it('predict prints the person and the probability; evaluate prints accuracy; a missing model is an error', async () => {
    const model = sn.sequential();
    model.add(sn.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', inputShape: [42, 42, 3] }));
    model.add(sn.layers.flatten());
    model.add(sn.layers.dense({ units: 16, activation: 'softmax' }));
    await model.save(path.join(root, 'm'));
    const pgm = Buffer.concat([Buffer.from('P5\n20 10\n255\n'), Buffer.alloc(200, 90)]);
    mkdirSync(path.join(root, 'flat'));
    writeFileSync(path.join(root, 'flat', 'A_0001.pgm'), pgm);
    writeFileSync(path.join(root, 'flat', 'V_0001.pgm'), pgm);
    const p = await simdnet('predict', '--model', 'm', 'flat/A_0001.pgm');
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/^flat\/A_0001\.pgm: [ACDFGHIJKLMPRSTV] \(p = 0\.\d{3}\)$/m);
    const e = await simdnet('evaluate', '--model', 'm', '--data', 'flat');
    expect(e.code).toBe(0);
    expect(e.out).toMatch(/2 photos, 2 classes \(flat layout\)\nAccuracy: (0\.0|50\.0|100\.0) %/);
    const missing = await simdnet('predict', '--model', 'nomodel', 'flat/A_0001.pgm');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/simdnet: loadModel: .*nomodel/);
    // the same model as a Keras .h5 file
    await model.save(path.join(root, 'm.h5'));
    const h5 = await simdnet('predict', '--model', 'm.h5', 'flat/A_0001.pgm');
    expect(h5.code).toBe(0);
    expect(h5.out).toBe(p.out);
    const eh5 = await simdnet('evaluate', '--model', 'm.h5', '--data', 'flat');
    expect([eh5.code, eh5.out]).toEqual([0, e.out]);
    const badImage = await simdnet('predict', '--model', 'm', 'flat/none.jpg');
    expect(badImage.code).toBe(1);
    expect(badImage.err).toMatch(/none.jpg/);
    // a model that does not take photos is named, with its shapes
    const text = sn.sequential();
    text.add(sn.layers.embedding({ inputDim: 20, outputDim: 4 }));
    text.add(sn.layers.simpleRNN({ units: 3 }));
    text.add(sn.layers.dense({ units: 1, activation: 'sigmoid' }));
    await text.save(path.join(root, 'rnn'));
    for (const command of ['predict', 'evaluate']) {
      const r = await simdnet(command, '--model', 'rnn', ...(command === 'predict' ? ['flat/A_0001.pgm'] : ['--data', 'flat']));
      expect(r.code).toBe(1);
      expect(r.err).toContain(`simdnet ${command}: rnn takes inputs of shape [None] and gives [1]; simdnet ${command} needs a model of photos`);
    }
  });

  it('convert: a folder to a float16 folder, that to .h5, the .h5 to a uint8 folder; each loads and predicts as its source', async () => {
    const model = sn.sequential({ seed: 2 });
    model.add(sn.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }));
    model.add(sn.layers.flatten());
    model.add(sn.layers.dense({ units: 4, activation: 'softmax' }));
    await model.save(path.join(root, 'conv-src'));
    const x = sn.tensor(Float32Array.from({ length: 128 }, (_, i) => (i * 37 % 101) / 101), [2, 8, 8, 1]);
    const want = (await model.predict(x)).data;
    const steps: [string[], RegExp, number][] = [
      [['--model', 'conv-src', '--out', 'conv-f16', '--quantize', 'float16'], /^conv-src -> conv-f16\/ \(model.json \+ weights.bin\): 466 parameters, 0.9 KB of weights stored as float16$/m, 2e-3],
      [['--model', 'conv-f16', '--out', 'conv.h5'], /^conv-f16 -> conv.h5: 466 parameters, [\d.]+ KB file$/m, 2e-3],
      [['--model', 'conv.h5', '--out', 'conv-u8', '--quantize', 'uint8'], /^conv.h5 -> conv-u8\/ .*stored as uint8$/m, 3e-2],
    ];
    for (const [args, line, tol] of steps) {
      const r = await simdnet('convert', ...args);
      expect([r.code, r.err]).toEqual([0, '']);
      expect(r.out).toMatch(line);
      const m = await sn.loadModel(path.join(root, args[3]));
      const got = (await m.predict(x)).data;
      const d = Math.max(...Array.from(got, (v, i) => Math.abs(v - want[i])));
      expect(d, args.join(' ')).toBeLessThan(tol);
      m.dispose();
    }
    // the .h5 holds the float16 values exactly: the same predictions as the float16 folder
    const [a, b] = [await sn.loadModel(path.join(root, 'conv-f16')), await sn.loadModel(path.join(root, 'conv.h5'))];
    expect(Array.from((await b.predict(x)).data)).toEqual(Array.from((await a.predict(x)).data));
    expect(JSON.parse(readFileSync(path.join(root, 'conv-u8', 'model.json'), 'utf8')).weightsManifest[0].weights[0].quantization.dtype).toBe('uint8');
    a.dispose(); b.dispose(); model.dispose();
  });

  it('evaluate and predict map classes by the names saved with the model; unknown names are refused', async () => {
    // always predicts 'eel' (index 2): zero kernel, bias favouring the third output
    const model = sn.sequential();
    model.add(sn.layers.flatten({ inputShape: [4, 4, 3] }));
    model.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
    model.setWeights([sn.tensor(new Float32Array(48 * 3), [48, 3]), sn.tensor([0, 0, 5])]);
    model.classNames = ['cat', 'dog', 'eel'];
    await model.save(path.join(root, 'm3'));
    const pgm = Buffer.concat([Buffer.from('P5\n4 4\n255\n'), Buffer.alloc(16, 90)]);
    for (const [dir, cls] of [['eels', 'eel'], ['eels', 'eel2'], ['foxes', 'fox'], ['foxes', 'eel']]) {
      mkdirSync(path.join(root, dir, cls), { recursive: true });
      writeFileSync(path.join(root, dir, cls, '1.pgm'), pgm);
    }
    rmSync(path.join(root, 'eels', 'eel2'), { recursive: true });
    const e = await simdnet('evaluate', '--model', 'm3', '--data', 'eels');
    expect(e.err).not.toMatch(/simdnet:/);
    expect(e.code).toBe(0);
    expect(e.out).toMatch(/1 photos, 1 classes \(folders layout\)\nAccuracy: 100\.0 %/);
    expect(e.out).toMatch(/eel {7}\s+\.\s+\.\s+1$/m); // the confusion matrix row of eel: predicted eel
    const fox = await simdnet('evaluate', '--model', 'm3', '--data', 'foxes');
    expect(fox.code).toBe(1);
    expect(fox.err).toMatch(/^simdnet: simdnet evaluate: foxes has classes fox that the model m3 does not know \(its classes: cat dog eel\)$/m);
    const p = await simdnet('predict', '--model', 'm3', 'eels/eel/1.pgm');
    expect(p.out).toMatch(/^eels\/eel\/1\.pgm: eel \(p = 0\.98\d\)$/m);
    // one sigmoid output with two names: class 1 above 0.5
    const binary = sn.sequential();
    binary.add(sn.layers.flatten({ inputShape: [4, 4, 3] }));
    binary.add(sn.layers.dense({ units: 1, activation: 'sigmoid' }));
    binary.setWeights([sn.tensor(new Float32Array(48), [48, 1]), sn.tensor([-5])]);
    binary.classNames = ['no', 'yes'];
    await binary.save(path.join(root, 'm-binary'));
    const b = await simdnet('predict', '--model', 'm-binary', 'eels/eel/1.pgm');
    expect(b.out).toMatch(/^eels\/eel\/1\.pgm: no \(p = 0\.993\)$/m);
    // a model saved without names cannot say which output is which when the folder has fewer classes
    model.classNames = undefined;
    await model.save(path.join(root, 'm3-plain'));
    const plain = await simdnet('evaluate', '--model', 'm3-plain', '--data', 'eels');
    expect(plain.code).toBe(1);
    expect(plain.err).toMatch(/simdnet evaluate: m3-plain was saved without class names and predicts 3 classes, but eels holds 1 \(eel\)/);
  });

  describe('train', () => {
    /** A data folder of `classes`, each with n small grey photos of its own brightness. */
    function dataFolder(name: string, classes: string[], n = 6): string {
      for (const [c, cls] of classes.entries()) {
        mkdirSync(path.join(root, name, cls), { recursive: true });
        for (let i = 0; i < n; i++) {
          writeFileSync(path.join(root, name, cls, `${i}.pgm`), Buffer.concat([Buffer.from('P5\n8 8\n255\n'), Buffer.alloc(64, 40 + 150 * c + i)]));
        }
      }
      return name;
    }
    const quick = ['--epochs', '1', '--batch-size', '4', '--verbose', '0', '--threads', '1', '--test-size', '0.34'];

    it('refuses a data folder with a single class, even one named with a lab letter', async () => {
      const r = await simdnet('train', '--data', dataFolder('one-class', ['A'], 3), '--out', 'one', ...quick);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^simdnet: simdnet train: one-class holds photos of one class only \(A\); classification needs at least two$/m);
      expect(existsSync(path.join(root, 'one'))).toBe(false);
    });

    it('runs twice into the same --out (its curves plot inside the model folder is replaced), saving the class names', async () => {
      const data = dataFolder('two-classes', ['cat', 'dog']);
      for (let run = 0; run < 2; run++) {
        const r = await simdnet('train', '--data', data, '--out', 'twice', ...quick);
        expect(r.err, `run ${run + 1}`).toBe('');
        expect(r.code).toBe(0);
        expect(r.out).toMatch(/Training curves: twice\/curves\.png/);
      }
      expect(readdirSync(path.join(root, 'twice')).sort()).toEqual(['curves.png', 'model.json', 'weights.bin']);
      expect(readdirSync(root).filter((n) => n.startsWith('twice.'))).toEqual([]);
      const json = JSON.parse(readFileSync(path.join(root, 'twice', 'model.json'), 'utf8'));
      expect(json.userDefinedMetadata.simdnet_class_names).toEqual(['cat', 'dog']);
    });

    it('refuses an --out or --plot it could not write before training (exit 2, naming the option); --out m.h5 writes a Keras file, its curves beside it', async () => {
      const data = dataFolder('outputs', ['cat', 'dog']);
      writeFileSync(path.join(root, 'afile'), 'x');
      const cases: [string[], RegExp][] = [
        [['--out', 'afile'], /^simdnet train: --out afile is a file; --out names the folder the model is saved in \(model\.json \+ weights\.bin\), or a \.h5 or \.keras file/m],
        [['--out', 'afile/sub'], /^simdnet train: --out afile\/sub cannot be made: .*afile is a file, not a folder$/m],
        [['--out', 'p1', '--plot', root], /^simdnet train: --plot .* is a folder; --plot names the PNG file to write$/m],
        [['--out', 'p2', '--plot', 'afile/c.png'], /^simdnet train: --plot cannot be written: .*afile is a file, not a folder$/m],
      ];
      for (const [args, message] of cases) {
        const r = await simdnet('train', '--data', data, ...args, ...quick);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.err).toMatch(message);
        expect(r.out).not.toMatch(/Training:/); // before any training
      }
      const r = await simdnet('train', '--data', data, '--out', 'm.h5', ...quick);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Best model \(lowest val_loss\) saved to m\.h5 \(Keras \.h5\)/);
      expect(r.out).toMatch(/Training curves: m-curves\.png/);
      expect((await sn.loadModel(path.join(root, 'm.h5'))).outputShape).toEqual([2]);
      expect(existsSync(path.join(root, 'm-curves.png'))).toBe(true);
      const k = await simdnet('train', '--data', data, '--out', 'k.keras', ...quick);
      expect([k.err, k.code]).toEqual(['', 0]);
      expect(k.out).toMatch(/Best model \(lowest val_loss\) saved to k\.keras \(Keras 3 \.keras\)/);
      expect((await sn.loadModel(path.join(root, 'k.keras'))).outputShape).toEqual([2]);
      expect(existsSync(path.join(root, 'k-curves.png'))).toBe(true);
    });

    it('a person with a single photo trains only (the split of the others stays stratified), and is said so', async () => {
      const data = dataFolder('lone', ['cat', 'dog']);
      mkdirSync(path.join(root, 'lone', 'eel'));
      writeFileSync(path.join(root, 'lone', 'eel', '0.pgm'), Buffer.concat([Buffer.from('P5\n8 8\n255\n'), Buffer.alloc(64, 250)]));
      const r = await simdnet('train', '--data', data, '--out', 'lone-model', ...quick);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain('  eel: one photo each, used for training only (the test set cannot include it)');
      // 12 photos of cat and dog: ceil(0.34 * 12) = 5 test; the eel's one trains
      expect(r.out).toContain('split: 8 train / 5 test');
      expect((await sn.loadModel(path.join(root, 'lone-model'))).classNames).toEqual(['cat', 'dog', 'eel']);
    });

    it('a folder of lab letters keeps the lab\'s 16 outputs in letter order with an empty folder beside them (left out)', async () => {
      const data = dataFolder('letters', ['A', 'C']);
      mkdirSync(path.join(root, 'letters', 'notes'));
      const r = await simdnet('train', '--data', data, '--out', 'letters-model', ...quick);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(/the empty class folder notes of .*letters is not in classNames: left out/);
      expect((await sn.loadModel(path.join(root, 'letters-model'))).classNames).toEqual([...sn.LAB_LABELS]);
    });

    it('--class-weight balanced: weighs each class by its photos in the training part (printed), and trains', async () => {
      for (const [cls, n, shade] of [['cat', 9, 40], ['dog', 3, 190]] as const) {
        mkdirSync(path.join(root, 'uneven', cls), { recursive: true });
        for (let i = 0; i < n; i++) writeFileSync(path.join(root, 'uneven', cls, `${i}.pgm`), Buffer.concat([Buffer.from('P5\n8 8\n255\n'), Buffer.alloc(64, shade + i)]));
      }
      const r = await simdnet('train', '--data', 'uneven', '--out', 'uneven-model', '--class-weight', 'balanced', ...quick);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      // a stratified 34 % test part of 12 photos is 5: 5 cats and 2 dogs train -> 7 / (2 * 5), 7 / (2 * 2)
      expect(r.out).toContain('split: 7 train / 5 test');
      expect(r.out).toContain('  class weights (balanced): cat 0.70, dog 1.75');
      const bad = await simdnet('train', '--class-weight', 'heavy');
      expect(bad.err).toMatch(/--class-weight must be one of balanced, got 'heavy'/);
    });

    it('--backup: a run killed midway (SIGKILL) and started again saves the uninterrupted run\'s best model, bit for bit', async () => {
      const data = dataFolder('resumed', ['cat', 'dog']);
      // lr 0.2 on these photos: val_loss bounces, its minimum at epoch 6 of 12 (the premise is checked below)
      const args = (out: string, verbose = '0') => ['train', '--data', data, '--out', out, '--backup', `${out}-backup`, ...quick,
        '--epochs', '12', '--lr', '0.2', '--verbose', verbose];
      const whole = await simdnet(...args('whole', '2'));
      expect(whole.err).toBe('');
      expect(existsSync(path.join(root, 'whole-backup'))).toBe(false); // a run that ended deletes its backup
      const valLoss = [...whole.out.matchAll(/val_loss: ([\d.]+)/g)].map((m) => Number(m[1]));
      expect(valLoss).toHaveLength(12);

      // killed once its backup holds the best epoch (the checkpoint must then keep that model, not take the next)
      const best = valLoss.indexOf(Math.min(...valLoss));
      expect(best, 'premise: the best epoch is neither the first nor the last').toBeGreaterThan(0);
      expect(best).toBeLessThan(11);
      const child = spawn(process.execPath, [cli, ...args('killed')], { cwd: root, stdio: 'ignore' });
      const ended = new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      const backupJson = path.join(root, 'killed-backup', 'model.json');
      const backedUp = () => { try { return JSON.parse(readFileSync(backupJson, 'utf8')).userDefinedMetadata.simdnet_backup.epoch as number; } catch { return -1; } };
      while (backedUp() < best && child.exitCode === null) await new Promise((r) => setTimeout(r, 2));
      child.kill('SIGKILL');
      expect(await ended, 'the run was over before the test could kill it').toBe('SIGKILL');
      const doneBefore = backedUp() + 1;
      expect(doneBefore).toBeLessThan(12);

      const again = await simdnet(...args('killed'));
      expect(again.err).toBe('');
      expect(again.code).toBe(0);
      expect(again.out).toContain(`Resuming from the backup in killed-backup: epochs 1-${doneBefore} done, going on from epoch ${doneBefore + 1}`);
      expect(readFileSync(path.join(root, 'killed', 'weights.bin')).equals(readFileSync(path.join(root, 'whole', 'weights.bin')))).toBe(true);
      expect(again.out.match(/Test accuracy: .*/)![0]).toBe(whole.out.match(/Test accuracy: .*/)![0]);
      expect(existsSync(path.join(root, 'killed-backup'))).toBe(false);
      expect(existsSync(path.join(root, 'killed', 'curves.png'))).toBe(true);
    });
  });
});
