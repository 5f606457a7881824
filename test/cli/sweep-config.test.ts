// Sweep files: grids, random draws, studies and seeds expand into trials named by their parameters; values
// are checked as `simdnet train` checks its options; the lab preset plans the trials it promises.
import { describe, expect, it } from 'vitest';
import { hashText, planSweep, resolveParams, variedKeys } from '../../src/cli/sweep/config.js';
import { LAB_PRESET, STUDY } from '../../src/cli/sweep/preset-lab.js';

describe('sweep config', () => {
  it('expands a grid over seeds, with simdnet train\'s defaults filled in', () => {
    const plan = planSweep({ base: { epochs: 3 }, grid: { optimizer: ['sgd', 'adam'], lr: [0.01, 0.001] }, seeds: [0, 1, 2] }, null);
    expect(plan.trials).toHaveLength(12);
    expect(plan.settings.size).toBe(4);
    expect(new Set(plan.trials.map((t) => t.id)).size).toBe(12);
    const t = plan.trials[0];
    expect(t.params).toEqual({ task: 'faces', epochs: 3, batchSize: 32, optimizer: 'sgd', lr: 0.01, lrDrop: 0.5, testSize: 0.15,
      epsilon: null, momentum: 0.9, nesterov: true, activation: 'relu', loss: 'categoricalCrossentropy', labelNoise: 0, classWeight: 'none' });
    expect(plan.trials.map((x) => x.seed).slice(0, 3)).toEqual([0, 1, 2]);
    expect(plan.studies[0].varied).toEqual(['optimizer', 'lr']);
    // momentum means nothing for Adam: not a value of its own
    expect(plan.trials.find((x) => x.params.optimizer === 'adam')!.params.momentum).toBeNull();
  });

  it('names a trial by its parameters, seed and data: the same trial in two studies (or two runs) is one trial', () => {
    const a = planSweep({ studies: [{ name: 'lr', grid: { lr: [0.1, 0.01] } }, { name: 'batch', grid: { batchSize: [32, 64] } }] }, null);
    expect(a.trials).toHaveLength(3); // lr 0.01 batch 32 is the shared recipe
    expect(a.studies.map((s) => s.settings.length)).toEqual([2, 2]);
    const b = planSweep({ grid: { lr: [0.01] } }, null);
    expect(b.trials[0].id).toBe(a.trials[1].id);
    expect(planSweep({ grid: { lr: [0.01] } }, '/data/x').trials[0].id).not.toBe(b.trials[0].id);
    // momentum 0 with or without Nesterov is the same SGD
    const m = planSweep({ grid: { momentum: [0, 0.9], nesterov: [false, true] } }, null);
    expect(m.settings.size).toBe(3);
    expect(m.studies[0].varied).toEqual(['momentum', 'nesterov']);
  });

  it('classWeight (simdnet train --class-weight) varies like any key; a setting without it keeps the id it had before the key', () => {
    const plan = planSweep({ grid: { classWeight: ['none', 'balanced'] }, seeds: [4] }, null);
    expect(plan.trials.map((t) => t.params.classWeight)).toEqual(['none', 'balanced']);
    expect(plan.studies[0].varied).toEqual(['classWeight']);
    // the id as it was computed before classWeight existed: the parameters without it, the seed, the data
    const { classWeight: _, ...before } = plan.trials[0].params;
    expect(plan.trials[0].id).toBe(hashText(`${JSON.stringify(before)}|4|`));
    expect(plan.trials[1].id).not.toBe(plan.trials[0].id);
  });

  it('draws random settings from a seed, the same on every run', () => {
    const config = { random: { lr: { logUniform: [1e-4, 0.1] }, batchSize: { choice: [16, 32, 64] }, epochs: { int: [2, 5] }, momentum: { uniform: [0.5, 0.99] } }, samples: 6, sampleSeed: 7 };
    const a = planSweep(config, null), b = planSweep(config, null);
    expect(a.trials.map((t) => t.id)).toEqual(b.trials.map((t) => t.id));
    expect(a.trials).toHaveLength(6);
    for (const t of a.trials) {
      expect(t.params.lr).toBeGreaterThanOrEqual(1e-4);
      expect(t.params.lr).toBeLessThanOrEqual(0.1);
      expect([16, 32, 64]).toContain(t.params.batchSize);
      expect(t.params.epochs).toBeGreaterThanOrEqual(2);
      expect(t.params.epochs).toBeLessThanOrEqual(5);
    }
    expect(new Set(a.trials.map((t) => t.params.lr)).size).toBe(6);
    expect(planSweep({ ...config, sampleSeed: 8 }, null).trials[0].id).not.toBe(a.trials[0].id);
  });

  it('refuses bad files with messages that name the place, the value and the expectation', () => {
    const bad: [unknown, RegExp][] = [
      [{ grid: { batchSize: [32, 0] } }, /grid\.batchSize\[1\] must be in \[1, ∞\], got 0/],
      [{ grid: { optimizer: ['sgd', 'lbfgs'] } }, /grid\.optimizer\[1\] must be one of sgd, adam, adamw, adamax, nadam, adadelta, adagrad, rmsprop, got 'lbfgs'/],
      [{ grid: { lr: ['fast'] } }, /grid\.lr\[0\] must be a number, got "fast"/],
      [{ base: { colour: 1 } }, /my.json: base\.colour: unknown key 'colour'; valid: epochs, batchSize/],
      [{ base: { seed: 1 } }, /'seed' cannot vary in a sweep: list the seeds in "seeds"/],
      [{ base: { threads: 2 } }, /'threads' cannot vary in a sweep/],
      [{ base: { epsilon: 1e-7 } }, /--epsilon applies to every optimizer but sgd/],
      [{ base: { task: 'face-position', loss: 'categoricalCrossentropy' } }, /regression; loss must be one of meanSquaredError/],
      [{ base: { labelNoise: 0.1 } }, /labelNoise applies to task 'face-position' only/],
      [{ base: { classWeight: 'equal' } }, /base\.classWeight must be one of none, balanced, got 'equal'/],
      [{ base: { task: 'face-position', classWeight: 'balanced' } }, /classWeight applies to task 'faces' only/],
      [{ base: { backup: 'b' } }, /'backup' cannot vary in a sweep: a sweep run again skips the trials whose results it has/],
      [{ grid: { lr: [] } }, /grid\.lr must be a non-empty list/],
      [{ seeds: [0.5] }, /seeds must be a non-empty list of integers/],
      [{ random: { lr: { normal: [0, 1] } }, samples: 2 }, /random\.lr must be one of/],
      [{ random: { lr: { uniform: [0.1, 0.01] } }, samples: 2 }, /random\.lr\.uniform must be \[low, high\]/],
      [{ random: { lr: { uniform: [0.01, 0.1] } } }, /samples must be a positive integer/],
      [{ studies: [{ name: 'a' }, { name: 'a' }] }, /two studies are named 'a'/],
      [{ studies: [{ name: 'a' }], grid: { lr: [0.1] } }, /put "grid" and "random" inside each study/],
      [{ trials: 3 }, /unknown key 'trials'/],
      [[1, 2], /must hold a JSON object/],
    ];
    for (const [config, msg] of bad) expect(() => planSweep(config, null, 'my.json'), JSON.stringify(config)).toThrow(msg);
  });

  it('varied keys ignore what does not apply', () => {
    const p = (g: Record<string, unknown>) => resolveParams(g, 'test');
    expect(variedKeys([p({ optimizer: 'sgd' }), p({ optimizer: 'adam' })])).toEqual(['optimizer', 'lr']);
  });

  it('the lab preset: one shared recipe, every question a study, regression losses on the regression task', () => {
    const plan = planSweep(LAB_PRESET, null, 'preset lab');
    expect(plan.studies.map((s) => s.name)).toEqual(Object.values(STUDY));
    const recipe = resolveParams({ epochs: 20 }, 'test');
    const shared = plan.studies.filter((s) => s.settings.some((id) => JSON.stringify(plan.settings.get(id)) === JSON.stringify(recipe)));
    expect(shared.map((s) => s.name)).toEqual([STUDY.lr, STUDY.schedule, STUDY.momentum, STUDY.batch, STUDY.optimizer, STUDY.activation]);
    const faces = plan.trials.filter((t) => t.params.task === 'faces');
    // the cost that sizes the preset: epochs of the lab CNN over all its trials
    expect(faces.reduce((a, t) => a + t.params.epochs, 0)).toBe(620);
    const loss = plan.studies.find((s) => s.name === STUDY.loss)!;
    expect(loss.varied).toEqual(['loss', 'labelNoise']);
    expect(loss.settings.every((id) => plan.settings.get(id)!.task === 'face-position')).toBe(true);
  });
});
