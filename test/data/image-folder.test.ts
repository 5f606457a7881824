// loadImageFolder over both of the lab's layouts, mixed formats, warnings and errors; trainTestSplit.
import { mkdtempSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'simdnet-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function gray(w: number, h: number, v: number): Uint8Array { return new Uint8Array(w * h).fill(v); }
function pgm(w: number, h: number, v: number): Buffer {
  return Buffer.concat([Buffer.from(`P5\n${w} ${h}\n255\n`), Buffer.from(gray(w, h, v))]);
}
function png(w: number, h: number, v: number): Buffer {
  const p = new PNG({ width: w, height: h });
  p.data.fill(v);
  for (let i = 3; i < p.data.length; i += 4) p.data[i] = 255;
  return PNG.sync.write(p);
}
function jpg(w: number, h: number, v: number): Buffer {
  const d = new Uint8Array(w * h * 4).fill(v);
  return Buffer.from(jpeg.encode({ data: d, width: w, height: h }, 100).data);
}

describe('loadImageFolder', () => {
  it('reads one sub-folder per class, mixed formats, in a given class order, skipping non-images with a warning', async () => {
    const dir = path.join(root, 'folders');
    for (const [cls, files] of Object.entries({ A: ['1.pgm', '2.png'], C: ['x.jpg'], D: ['notes.txt', 'y.pgm'] })) {
      mkdirSync(path.join(dir, cls), { recursive: true });
      files.forEach((f, i) => {
        const v = 40 * (i + 1) + (cls === 'C' ? 100 : 0);
        const data = f.endsWith('.pgm') ? pgm(8, 6, v) : f.endsWith('.png') ? png(8, 6, v) : f.endsWith('.jpg') ? jpg(8, 6, v) : Buffer.from('hello');
        writeFileSync(path.join(dir, cls, f), data);
      });
    }
    writeFileSync(path.join(dir, 'README'), 'stray file');
    const warnings: string[] = [];
    const r = await sn.data.loadImageFolder(dir, { size: [4, 5], classNames: ['D', 'C', 'A'], onWarning: (m) => warnings.push(m) });
    expect(r.layout).toBe('folders');
    expect(r.x.shape).toEqual([4, 4, 5, 3]);
    expect(r.classNames).toEqual(['D', 'C', 'A']);
    expect(Array.from(r.y)).toEqual([2, 2, 1, 0]); // files sorted by class folder then name: A/1, A/2, C/x, D/y
    expect(r.files.map((f) => path.relative(dir, f))).toEqual(['A/1.pgm', 'A/2.png', 'C/x.jpg', 'D/y.pgm']);
    expect(r.x.data[0]).toBeCloseTo(40 / 255, 6); // uniform grey survives resizing and becomes 3 channels
    expect(r.x.data[1]).toBeCloseTo(40 / 255, 6);
    expect(warnings.some((w) => w.includes('notes.txt') && w.includes('not a JPEG, PNG or PGM image'))).toBe(true);
    expect(warnings.some((w) => w.includes('README') && w.includes('not inside a class folder'))).toBe(true);
  });

  it('reads flat files named <class>_<id> like the lab\'s test folder', async () => {
    const dir = path.join(root, 'flat');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'V_0001.jpg'), jpg(10, 10, 200));
    writeFileSync(path.join(dir, 'A_0002.pgm'), pgm(10, 10, 10));
    writeFileSync(path.join(dir, 'nolabel.png'), png(10, 10, 10));
    writeFileSync(path.join(dir, '_0003.pgm'), pgm(10, 10, 10)); // an empty prefix is no class either
    const warnings: string[] = [];
    const r = await sn.data.loadImageFolder(dir, { size: [42, 42], classNames: sn.data.LAB_LABELS, onWarning: (m) => warnings.push(m) });
    expect(r.layout).toBe('flat');
    expect(Array.from(r.y)).toEqual([0, 15]);
    expect(r.x.shape).toEqual([2, 42, 42, 3]);
    expect(warnings.join('\n')).toMatch(/nolabel.png: no class prefix/);
    expect(warnings.join('\n')).toMatch(/_0003.pgm: no class prefix/);
    expect((await sn.data.loadImageFolder(dir, { onWarning: () => {} })).classNames).toEqual(['A', 'V']);
  });

  it('a split dataset (train/ and test/ of class folders) is refused, naming the folder to pass; a non-path is refused', async () => {
    const dir = path.join(root, 'split');
    for (const part of ['test', 'train']) {
      for (const cls of ['A', 'C']) {
        mkdirSync(path.join(dir, part, cls), { recursive: true });
        writeFileSync(path.join(dir, part, cls, '1.pgm'), pgm(8, 6, 50));
      }
    }
    await expect(sn.data.loadImageFolder(dir)).rejects.toThrow(
      `loadImageFolder: ${path.join(dir, 'test')} holds folders (A, C), not images: ${dir} is not a folder of classes. ` +
      `If those are the classes, pass ${path.join(dir, 'test')} itself (a split dataset: one call for each of its parts)`);
    expect((await sn.data.loadImageFolder(path.join(dir, 'train'))).classNames).toEqual(['A', 'C']);
    // a class folder with images and a stray sub-folder still loads, the sub-folder skipped with a warning
    mkdirSync(path.join(dir, 'train', 'A', 'extra'));
    const warnings: string[] = [];
    const r = await sn.data.loadImageFolder(path.join(dir, 'train'), { onWarning: (m) => warnings.push(m) });
    expect(r.files.length).toBe(2);
    expect(warnings).toEqual([`loadImageFolder: skipping ${path.join(dir, 'train', 'A', 'extra')}: not a file`]);
    // folders that hold no images beside the class folders (a zip's __MACOSX/, a models/ folder) are skipped, as before
    const zip = path.join(root, 'zipped');
    for (const f of ['A/1.pgm', 'C/1.pgm', '__MACOSX/A/._1.pgm', 'models/best/model.json']) {
      mkdirSync(path.dirname(path.join(zip, f)), { recursive: true });
      writeFileSync(path.join(zip, f), f.endsWith('.pgm') ? pgm(8, 6, 50) : '{}');
    }
    const skipped: string[] = [];
    const z = await sn.data.loadImageFolder(zip, { onWarning: (m) => skipped.push(m) });
    expect(z.files.map((f) => path.relative(zip, f))).toEqual(['A/1.pgm', 'C/1.pgm']);
    expect(skipped).toEqual([`loadImageFolder: skipping ${path.join(zip, '__MACOSX', 'A')}: not a file`, `loadImageFolder: skipping ${path.join(zip, 'models', 'best')}: not a file`]);
    // syntheticFaces' result is not a path: its folders are trainDir and testDir
    await expect(sn.data.loadImageFolder({ dir, trainDir: path.join(dir, 'train') } as never))
      .rejects.toThrow(`loadImageFolder: dir must be a folder's path, got {"dir":${JSON.stringify(dir)},"trainDir":${JSON.stringify(path.join(dir, 'train'))}}`);
    const set = { dir, trainDir: path.join(dir, 'train'), testDir: path.join(dir, 'test') }; // syntheticFaces' result in full
    await expect(sn.data.loadImageFolder(set as never)).rejects.toThrow(
      `loadImageFolder: dir must be a folder's path; for sn.data.syntheticFaces()' result pass its trainDir (${set.trainDir}) or testDir (${set.testDir})`);
    await expect(sn.data.imageDataset(dir, { batchSize: 2 }).ready()).rejects.toThrow(/holds folders \(A, C\), not images/);
  });

  it("a class folder without images keeps its class and the labels after it, as Keras' image_dataset_from_directory, with a warning", async () => {
    const dir = path.join(root, 'with-empty');
    for (const cls of ['A', 'B', 'C']) mkdirSync(path.join(dir, cls), { recursive: true });
    writeFileSync(path.join(dir, 'A', '1.pgm'), pgm(4, 4, 10));
    writeFileSync(path.join(dir, 'C', '1.pgm'), pgm(4, 4, 20));
    writeFileSync(path.join(dir, 'B', 'notes.txt'), 'no images here');
    const warnings: string[] = [];
    const r = await sn.data.loadImageFolder(dir, { size: [4, 4], onWarning: (m) => warnings.push(m) });
    expect(r.classNames).toEqual(['A', 'B', 'C']);
    expect(Array.from(r.y)).toEqual([0, 2]); // C is label 2 whether B holds images or not
    expect(warnings.join('\n')).toContain(`no images in the class folder ${path.join(dir, 'B')}: it keeps its class (a label no sample has)`);
    const ds = sn.data.imageDataset(dir, { size: [4, 4], onWarning: () => {} });
    await ds.ready();
    expect(ds.classNames).toEqual(['A', 'B', 'C']);
    expect((await sn.data.listImageFolder(dir, { onWarning: () => {} })).emptyClasses).toEqual(['B']);
    // given classNames that leave the empty folder out: its order holds, the folder is left out with a warning
    warnings.length = 0;
    const named = await sn.data.loadImageFolder(dir, { size: [4, 4], classNames: ['C', 'A'], onWarning: (m) => warnings.push(m) });
    expect(named.classNames).toEqual(['C', 'A']);
    expect(Array.from(named.y)).toEqual([1, 0]);
    expect(warnings).toContain(`loadImageFolder: the empty class folder B of ${dir} is not in classNames: left out`);
    const named2 = sn.data.imageDataset(dir, { size: [4, 4], classNames: ['C', 'A'], onWarning: () => {} });
    await named2.ready();
    expect(named2.classNames).toEqual(['C', 'A']);
    // a class with images that classNames lacks is still refused
    await expect(sn.data.loadImageFolder(dir, { classNames: ['A', 'B'], onWarning: () => {} })).rejects.toThrow(/has classes C that are not in classNames \(A B\)/);
  });

  it('refuses a size that is not [height, width], and one too large for memory, by name', async () => {
    const dir = path.join(root, 'folders');
    await expect(sn.data.loadImageFolder(dir, { size: [42, 42, 1] as never })).rejects.toThrow('loadImageFolder: size must be [height, width] of positive integers, got [42,42,1]');
    await expect(sn.data.loadImageFolder(dir, { size: [40000, 40000], onWarning: () => {} })).rejects.toThrow(
      /^loadImageFolder: 4 images of \[40000, 40000, 3\] need 71\.5 GiB as float32, over the 16 GiB one array holds: use a smaller size, or stream the folder with sn\.data\.imageDataset$/);
  });

  it('gives clear errors for a missing or empty folder, unknown classes and corrupt images', async () => {
    await expect(sn.data.loadImageFolder(path.join(root, 'nope'))).rejects.toThrow(`loadImageFolder: no such folder ${path.join(root, 'nope')}`);
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    await expect(sn.data.loadImageFolder(empty)).rejects.toThrow(/holds no images: expected class folders \(A\/0001.jpg\) or flat files/);
    const odd = path.join(root, 'odd');
    mkdirSync(path.join(odd, 'Z'), { recursive: true });
    writeFileSync(path.join(odd, 'Z', '1.pgm'), pgm(4, 4, 1));
    await expect(sn.data.loadImageFolder(odd, { classNames: ['A', 'C'] })).rejects.toThrow(/has classes Z that are not in classNames \(A C\)/);
    const bad = path.join(root, 'bad');
    mkdirSync(path.join(bad, 'A'), { recursive: true });
    writeFileSync(path.join(bad, 'A', 'broken.pgm'), Buffer.concat([Buffer.from('P5\n10 10\n255\n'), Buffer.alloc(20)]));
    await expect(sn.data.loadImageFolder(bad)).rejects.toThrow(/broken.pgm.*truncated/);
  });
});

describe('loadImageFolder: symbolic links', () => {
  it.skipIf(process.platform === 'win32')('follows linked class folders and linked images; a link back to the data folder or a broken link is skipped with a warning', async () => {
    const dir = path.join(root, 'links');
    const elsewhere = path.join(root, 'elsewhere');
    mkdirSync(path.join(dir, 'A'), { recursive: true });
    mkdirSync(path.join(elsewhere, 'bees'), { recursive: true });
    writeFileSync(path.join(dir, 'A', '1.pgm'), pgm(4, 4, 10));
    writeFileSync(path.join(elsewhere, 'bees', '2.pgm'), pgm(4, 4, 20));
    writeFileSync(path.join(elsewhere, 'lone.pgm'), pgm(4, 4, 30));
    symlinkSync(path.join(elsewhere, 'bees'), path.join(dir, 'B')); // a class folder kept elsewhere
    symlinkSync(path.join(elsewhere, 'lone.pgm'), path.join(dir, 'A', '3.pgm')); // one photo kept elsewhere
    symlinkSync(dir, path.join(dir, 'C')); // back to the data folder: a cycle if followed
    symlinkSync(root, path.join(dir, 'D')); // to a folder holding the data folder: the same
    symlinkSync(path.join(root, 'nowhere'), path.join(dir, 'E')); // broken
    symlinkSync(path.join(root, 'nowhere.pgm'), path.join(dir, 'A', '4.pgm')); // broken
    const warnings: string[] = [];
    const r = await sn.data.loadImageFolder(dir, { size: [2, 2], channels: 1, onWarning: (m) => warnings.push(m) });
    expect(r.classNames).toEqual(['A', 'B']);
    expect(r.files.map((f) => path.relative(dir, f))).toEqual(['A/1.pgm', 'A/3.pgm', 'B/2.pgm']);
    expect(Array.from(r.x.data, (v) => Math.round(v * 255))).toEqual([10, 10, 10, 10, 30, 30, 30, 30, 20, 20, 20, 20]);
    expect(warnings.sort()).toEqual([
      `loadImageFolder: skipping ${path.join(dir, 'A', '4.pgm')}: a broken symbolic link (to ${path.join(root, 'nowhere.pgm')})`,
      `loadImageFolder: skipping ${path.join(dir, 'C')}: a symbolic link to ${realpathSync(dir)}, which holds the data folder itself`,
      `loadImageFolder: skipping ${path.join(dir, 'D')}: a symbolic link to ${realpathSync(root)}, which holds the data folder itself`,
      `loadImageFolder: skipping ${path.join(dir, 'E')}: a broken symbolic link (to ${path.join(root, 'nowhere')})`,
    ]);
  });
});

describe('trainTestSplit', () => {
  it('keeps x/y pairs aligned (the lab report\'s bug), stratifies and is seeded', () => {
    const n = 60;
    const x = sn.tensor(Float32Array.from({ length: n * 2 }, (_, i) => Math.floor(i / 2)), [n, 2]);
    const labels = Int32Array.from({ length: n }, (_, i) => (i < 40 ? 0 : i < 50 ? 1 : 2));
    const y = sn.utils.toCategorical(labels, 3);
    const s = sn.utils.trainTestSplit(x, y, { testSize: 0.2, seed: 4, stratify: true });
    expect(s.xTest.shape[0] + s.xTrain.shape[0]).toBe(n);
    expect(s.xTest.shape[0]).toBe(12);
    for (const [xs, ys] of [[s.xTrain, s.yTrain], [s.xTest, s.yTest]] as const) {
      for (let i = 0; i < xs.shape[0]; i++) {
        const id = xs.data[i * 2];
        expect(xs.data[i * 2 + 1]).toBe(id);
        expect(ys.data[i * 3 + labels[id]]).toBe(1); // the label travelled with its sample
      }
    }
    const testCounts = [0, 0, 0];
    for (let i = 0; i < 12; i++) for (let c = 0; c < 3; c++) testCounts[c] += s.yTest.data[i * 3 + c];
    expect(testCounts).toEqual([8, 2, 2]);
    const again = sn.utils.trainTestSplit(x, y, { testSize: 0.2, seed: 4, stratify: true });
    expect(again.xTest.data).toEqual(s.xTest.data);
    expect(() => sn.utils.trainTestSplit(x, sn.utils.toCategorical(labels.slice(0, 50), 3))).toThrow('trainTestSplit: x has 60 samples but y has 50');
  });

  it('a stratified split has exactly ceil(n * testSize) test rows even when every class share is fractional', () => {
    // ORL's shape: 40 people x 10 photos, 15 % → 60 test photos (1.5 per person: 20 people give 2, 20 give 1),
    // not 80 as rounding each class separately would give
    const n = 400;
    const labels = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 10));
    const x = sn.tensor(Float32Array.from({ length: n }, (_, i) => i), [n, 1]);
    const counts = (seed: number) => {
      const s = sn.utils.trainTestSplit(x, sn.utils.toCategorical(labels, 40), { testSize: 0.15, seed, stratify: true });
      expect(s.xTest.shape[0]).toBe(60);
      expect(s.xTrain.shape[0]).toBe(340);
      const perClass = new Array(40).fill(0);
      for (const id of s.xTest.data) perClass[labels[id]]++;
      expect(perClass.filter((k) => k === 2)).toHaveLength(20);
      expect(perClass.filter((k) => k === 1)).toHaveLength(20);
      return perClass.join('');
    };
    expect(counts(0)).not.toBe(counts(1)); // which people give two photos depends on the seed
  });

  it('refuses a testSize that leaves nothing to train on, and stratifying a class of one sample (scikit-learn refuses both)', () => {
    const x = sn.tensor(new Float32Array(10 * 2), [10, 2]);
    const y = sn.utils.toCategorical([0, 0, 0, 0, 1, 1, 1, 1, 2, 2], 3);
    expect(() => sn.utils.trainTestSplit(x, y, { testSize: 0.95 })).toThrow(
      'trainTestSplit: testSize 0.95 of 10 samples makes 10 test rows and leaves none to train on; use a smaller testSize (a fraction in (0, 1) or a count below 10)');
    expect(() => sn.utils.trainTestSplit(x, y, { testSize: 10 })).toThrow(/makes 10 test rows and leaves none to train on/);
    expect(() => sn.utils.trainTestSplit(x, y, { testSize: 1.5 })).toThrow('trainTestSplit: testSize must be a fraction in (0, 1) or a whole count of test rows, got 1.5');
    expect(() => sn.utils.trainTestSplit(x, y, { testSize: '0.2' as never })).toThrow(/testSize must be a fraction in \(0, 1\) or a whole count of test rows, got "0\.2"/);
    const lone = sn.utils.toCategorical([0, 0, 0, 0, 1, 1, 1, 1, 1, 2], 3);
    expect(() => sn.utils.trainTestSplit(x, lone, { testSize: 0.3, stratify: true })).toThrow(
      'trainTestSplit: stratify needs at least 2 samples of each class, as scikit-learn\'s; class 2 has 1: split without stratify, gather more samples, or pass loneClasses: \'train\'');
    expect(sn.utils.trainTestSplit(x, lone, { testSize: 0.3 }).xTest.shape).toEqual([3, 2]);
  });

  it("loneClasses: 'train' puts a class of one sample in the training set and stratifies the rest", () => {
    const x = sn.tensor(Float32Array.from({ length: 10 }, (_, i) => i), [10, 1]);
    const labels = [0, 0, 0, 0, 1, 1, 1, 1, 1, 2];
    const classOf = (t: sn.Tensor) => Array.from(t.data, (v) => labels[v]);
    for (const seed of [0, 1, 2, 3]) {
      const s = sn.utils.trainTestSplit(x, sn.utils.toCategorical(labels, 3), { testSize: 0.3, seed, stratify: true, loneClasses: 'train' });
      // 9 samples in the classes of 2 or more: ceil(0.3 * 9) = 3 test rows, 1 or 2 of each (4 : 5)
      expect(s.xTest.shape).toEqual([3, 1]);
      expect(classOf(s.xTest)).not.toContain(2);
      expect(classOf(s.xTrain)).toContain(2);
      expect(classOf(s.xTest)).toContain(0);
      expect(classOf(s.xTest)).toContain(1);
      expect([...s.xTrain.data, ...s.xTest.data].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    const alone = sn.utils.toCategorical([0, 1, 2], 3);
    expect(() => sn.utils.trainTestSplit(sn.tensor(new Float32Array(3), [3, 1]), alone, { stratify: true, loneClasses: 'train' }))
      .toThrow('trainTestSplit: every class has a single sample (3 classes): stratified, none is left to test on');
    expect(() => sn.utils.trainTestSplit(x, sn.utils.toCategorical(labels, 3), { loneClasses: 'train' })).toThrow('trainTestSplit: loneClasses applies to a stratified split: pass stratify: true');
    expect(() => sn.utils.trainTestSplit(x, sn.utils.toCategorical(labels, 3), { stratify: true, loneClasses: 'test' as never })).toThrow(`trainTestSplit: loneClasses must be 'refuse' or 'train', got "test"`);
  });

  it('shuffle: false keeps the order, as scikit-learn: the first rows train, the last test', () => {
    const x = sn.tensor(Float32Array.from({ length: 10 }, (_, i) => i), [10, 1]);
    const y = sn.tensor(Float32Array.from({ length: 10 }, (_, i) => 10 + i), [10, 1]);
    const s = sn.utils.trainTestSplit(x, y, { testSize: 0.3, shuffle: false });
    expect(Array.from(s.xTrain.data)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(s.xTest.data)).toEqual([7, 8, 9]);
    expect(Array.from(s.yTest.data)).toEqual([17, 18, 19]);
    expect(() => sn.utils.trainTestSplit(x, y, { shuffle: false, stratify: true })).toThrow('trainTestSplit: stratify needs shuffle');
  });
});
