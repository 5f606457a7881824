// The embedded face set: layout, determinism and atomic generation. (The task's difficulty — CNN vs
// nearest centroid — is measured in faces-task.test.ts.)
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { Random } from '../../src/random.js';
import { makePerson, makeShot, renderFace } from '../../src/data/face-renderer.js';
import { photoCounts } from '../../src/data/synthetic-faces.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'simdnet-faces-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('syntheticFaces', () => {
  it('has 16 people labelled like the lab, 20-50 photos each, fixed by the seed', () => {
    expect(sn.data.LAB_LABELS.join(' ')).toBe('A C D F G H I J K L M P R S T V');
    for (const seed of [0, 1, 2]) {
      const c = photoCounts(seed);
      expect(c).toHaveLength(16);
      expect(c.every((k) => k >= 20 && k <= 50)).toBe(true);
      expect(photoCounts(seed)).toEqual(c);
    }
    expect(photoCounts(1)).not.toEqual(photoCounts(0));
  });

  it('renders deterministically: same person and shot seed give identical pixels', () => {
    const render = (seed: number) => {
      const rng = new Random(seed);
      const p = makePerson(rng, 3);
      const s = new Random(99);
      return renderFace(p, makeShot(s), s);
    };
    expect(Buffer.from(render(5)).equals(Buffer.from(render(5)))).toBe(true);
    expect(Buffer.from(render(5)).equals(Buffer.from(render(6)))).toBe(false);
  });

  it('writes the lab layout once, with a manifest, as 384x286 grey JPEGs', async () => {
    const dir = path.join(root, 'set');
    let calls = 0;
    const info = await sn.data.syntheticFaces({ dir, seed: 3, onProgress: () => { calls++; } });
    expect(info.generated).toBe(true);
    const counts = photoCounts(3);
    expect(readdirSync(info.trainDir).sort()).toEqual([...sn.data.LAB_LABELS].sort());
    sn.data.LAB_LABELS.forEach((l, i) => expect(readdirSync(path.join(info.trainDir, l))).toHaveLength(counts[i]));
    const test = readdirSync(info.testDir);
    expect(test).toHaveLength(64);
    expect(test.every((f) => /^[ACDFGHIJKLMPRSTV]_\d{4}\.jpg$/.test(f))).toBe(true);
    expect(calls).toBe(counts.reduce((a, b) => a + b, 0) + 64);
    const img = await sn.io.readImage(path.join(info.trainDir, 'A', '0001.jpg'));
    expect([img.width, img.height, img.channels]).toEqual([384, 286, 3]);
    for (let i = 0; i < 300; i += 3) expect(Math.abs(img.data[i] - img.data[i + 1])).toBeLessThanOrEqual(2); // grey
    // a second call reuses the cache; a different seed in the same folder is refused
    const again = await sn.data.syntheticFaces({ dir, seed: 3 });
    expect(again.generated).toBe(false);
    await expect(sn.data.syntheticFaces({ dir, seed: 4 })).rejects.toThrow(/holds a different set \(version 1, seed 3\)/);
    // the same seed elsewhere gives byte-identical files
    const other = await sn.data.syntheticFaces({ dir: path.join(root, 'set2'), seed: 3 });
    const a = readFileSync(path.join(info.trainDir, 'K', '0002.jpg')), b = readFileSync(path.join(other.trainDir, 'K', '0002.jpg'));
    expect(a.equals(b)).toBe(true);
    const loaded = await sn.data.loadImageFolder(info.testDir, { classNames: sn.data.LAB_LABELS });
    expect(loaded.x.shape).toEqual([64, 42, 42, 3]);
  }, 300_000);

  it('facePhotos renders the set without files: perPerson gives the full set\'s first photos, pixel for pixel', async () => {
    const photos = [...sn.data.facePhotos({ seed: 3, perPerson: 2 })];
    expect(photos).toHaveLength(32);
    expect(photos.map((p) => p.label).join('')).toBe(sn.data.LAB_LABELS.map((l) => l + l).join(''));
    expect(photos.every((p, i) => p.index === i && p.total === 32 && p.split === 'train' && p.number === 1 + (i % 2))).toBe(true);
    const k2 = photos.find((p) => p.label === 'K' && p.number === 2)!;
    expect([k2.image.width, k2.image.height, k2.image.channels, k2.classIndex]).toEqual([384, 286, 1, 8]); // A C D F G H I J K
    // encoded as syntheticFaces encodes it, it is byte for byte the file the full set (seed 3, written above) holds
    const jpeg = (await import('jpeg-js')).default;
    const rgba = new Uint8Array(384 * 286 * 4).map((_, i) => (i % 4 === 3 ? 255 : k2.image.data[i >> 2]));
    const encoded = Buffer.from(jpeg.encode({ data: rgba, width: 384, height: 286 }, 90).data);
    expect(encoded.equals(readFileSync(path.join(root, 'set', 'train', 'K', '0002.jpg')))).toBe(true);
    expect(() => sn.data.facePhotos({ perPerson: 0 }).next()).toThrow('facePhotos: perPerson must be a positive integer, got 0');
    // the whole set, or its train photos only (what `simdnet train` trains and validates on)
    const sum = photoCounts(3).reduce((a, b) => a + b, 0);
    expect(sn.data.facePhotos({ seed: 3 }).next().value!.total).toBe(sum + 64);
    expect(sn.data.facePhotos({ seed: 3, test: false }).next().value!.total).toBe(sum);
    // a subset of the people, in any order, renders the same photos (how the Studio renders in parallel)
    const some = [...sn.data.facePhotos({ seed: 3, perPerson: 2, people: [8, 0] })];
    expect(some.map((p) => `${p.label}${p.number}`)).toEqual(['K1', 'K2', 'A1', 'A2']);
    expect(Buffer.from(some[1].image.data).equals(Buffer.from(k2.image.data))).toBe(true);
    expect(() => sn.data.facePhotos({ people: [0, 0] }).next()).toThrow('facePhotos: people must be distinct indices from 0 to 15, got [0,0]');
  });

  it('leaves nothing behind when generation is interrupted', async () => {
    const dir = path.join(root, 'interrupted');
    await expect(sn.data.syntheticFaces({ dir, seed: 0, onProgress: (d) => { if (d === 5) throw new Error('power cut'); } })).rejects.toThrow('power cut');
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(root).filter((f) => f.startsWith('interrupted'))).toEqual([]);
  });
});
