// The simdnet command: bad arguments exit non-zero with a message naming the option; predict and
// evaluate work on a saved model.
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
  const { existsSync } = await import('node:fs');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
});

describe('simdnet command line', () => {
  it('rejects bad arguments with a clear message and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['fly'], /unknown command 'fly'; valid: train, evaluate, predict, synth, bench/],
      [['train', '--epochs', 'ten'], /--epochs must be an integer, got 'ten'/],
      [['train', '--epochs', '0'], /--epochs must be in \[1, ∞\], got 0/],
      [['train', '--optimizer', 'lbfgs'], /--optimizer must be one of sgd, adam, adagrad, rmsprop, got 'lbfgs'/],
      [['train', '--threads', 'many'], /--threads must be 'auto' or a positive integer, got 'many'/],
      [['train', '--colour'], /unknown option --colour/],
      [['train', '--lr-drop', '2'], /--lr-drop must be in \[0.000001, 1\], got 2/],
      [['train', '--epsilon', '1e-7'], /--epsilon applies to adam, adagrad and rmsprop, not sgd/],
      [['train', '--optimizer', 'adam', '--epsilon', '-1'], /--epsilon must be in/],
      [['train', '--data', path.join(root, 'missing')], /--data .*missing is not a folder/],
      [['predict', 'x.jpg'], /--model DIR is required/],
      [['synth'], /--out DIR is required/],
    ];
    for (const [args, msg] of cases) {
      const r = await simdnet(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
    }
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
  });
});
