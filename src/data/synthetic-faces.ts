// The embedded face set: a generated stand-in for the lab's BioID photos (which cannot ship). Written
// once, deterministically from a seed, into a cache folder laid out like the lab's data:
//   <dir>/train/<letter>/NNNN.jpg   16 people, 20–50 photos each (384x286 grayscale JPEG)
//   <dir>/test/<letter>_NNNN.jpg    a flat test folder, 4 photos per person
// A folder is complete only once `<dir>/manifest.json` exists; it is built in a temporary sibling and
// renamed into place, so an interrupted run never leaves a partial set behind.
import { files, host } from '../host/host.js';
import { Random } from '../random.js';
import { makePerson, makeShot, PHOTO_HEIGHT, PHOTO_WIDTH, renderFace } from './face-renderer.js';

import { LAB_LABELS } from './labels.js';
import { checkOptions, show, type AllOptions } from '../format.js';
import type { Image } from '../io/resize.js';
import { encodeJpeg } from '../io/jpeg-encode.js';
import { initRuntime } from '../runtime/wasm.js';
import { workerScript } from './own-modules.js';

export { LAB_LABELS };
const VERSION = 1;
const TEST_PER_PERSON = 4;

export interface SyntheticFacesOptions {
  /** Cache folder; default .cache/simdnet/faces-v1-seed<seed> under the working directory. */
  dir?: string;
  seed?: number;
  /** Called after each photo written: (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface SyntheticFacesInfo { dir: string; trainDir: string; testDir: string; labels: string[]; counts: Record<string, number>; generated: boolean }

/** Photos per person (train folder), fixed by the seed: 20–50 each, more often near 50 than 20. */
export function photoCounts(seed: number): number[] {
  const rng = new Random(seed ^ 0x51ed);
  return LAB_LABELS.map(() => 20 + Math.floor(30 * Math.sqrt(rng.next())));
}

/** One photo of the set, as facePhotos renders it. */
export interface FacePhoto {
  /** The person's letter, and its index in LAB_LABELS. */
  label: string;
  classIndex: number;
  /** Where syntheticFaces writes it: train/<label>/NNNN.jpg or test/<label>_NNNN.jpg, NNNN = number. */
  split: 'train' | 'test';
  number: number;
  /** 0, 1, ... in rendering order, of total photos. */
  index: number;
  total: number;
  /** PHOTO_WIDTH x PHOTO_HEIGHT grey pixels (channels 1). */
  image: Image;
}

export interface FacePhotosOptions {
  seed?: number;
  /** Only each person's first perPerson train photos (the full set's own first photos). */
  perPerson?: number;
  /** Whether the test folder's photos come too; default: yes, unless perPerson is given. */
  test?: boolean;
  /**
   * Only these people (indices into LAB_LABELS), in this order: each person's photos come from their own
   * random stream, so a subset has the same pixels and several workers can render the set in parallel.
   */
  people?: number[];
}

/**
 * The set's photos, rendered one at a time in the order syntheticFaces writes them (person by person,
 * train photos then test photos), with no file system: syntheticFaces encodes each as a JPEG, a browser
 * page renders the set in place. `perPerson` gives a quick subset with the same pixels (a person's test
 * photos come after all of their train photos, so they are left out with it).
 */
export function* facePhotos(opts: FacePhotosOptions = {}): Generator<FacePhoto> {
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed)) throw new Error(`facePhotos: seed must be an integer, got ${show(opts.seed)}`);
  const cap = opts.perPerson;
  if (cap !== undefined && !(Number.isInteger(cap) && cap > 0)) throw new Error(`facePhotos: perPerson must be a positive integer, got ${show(cap)}`);
  const counts = photoCounts(seed);
  const trainOf = (i: number) => Math.min(counts[i], cap ?? Infinity);
  if (opts.test && cap !== undefined) throw new Error('facePhotos: test photos follow all of a person\'s train photos; give perPerson or test, not both');
  const testOf = (opts.test ?? cap === undefined) ? TEST_PER_PERSON : 0;
  const chosen = opts.people ?? LAB_LABELS.map((_, i) => i);
  if (!Array.isArray(chosen) || !chosen.every((i) => Number.isInteger(i) && i >= 0 && i < LAB_LABELS.length) || new Set(chosen).size !== chosen.length) {
    throw new Error(`facePhotos: people must be distinct indices from 0 to ${LAB_LABELS.length - 1}, got ${show(opts.people)}`);
  }
  const total = chosen.reduce((s, i) => s + trainOf(i) + testOf, 0);
  const rng = new Random(seed);
  const people = LAB_LABELS.map((_, i) => makePerson(rng, i));
  let index = 0;
  for (const i of chosen) {
    // each person's photos come from their own stream, so counts do not shift other people's photos
    const shots = new Random(seed * 7919 + i * 104729 + 1);
    for (let j = 0; j < trainOf(i) + testOf; j++) {
      const data = renderFace(people[i], makeShot(shots), shots);
      const train = j < trainOf(i);
      yield {
        label: LAB_LABELS[i], classIndex: i, split: train ? 'train' : 'test', number: train ? j + 1 : j - counts[i] + 1,
        index: index++, total, image: { width: PHOTO_WIDTH, height: PHOTO_HEIGHT, channels: 1, data },
      };
    }
  }
}

const SYNTHETIC_FACES_OPTIONS = ['dir', 'seed', 'onProgress'] as const;

/** Writes the set (once) and returns where it is. */
export async function syntheticFaces(opts: SyntheticFacesOptions = {}): Promise<SyntheticFacesInfo> {
  checkOptions('syntheticFaces', opts, SYNTHETIC_FACES_OPTIONS satisfies AllOptions<SyntheticFacesOptions, typeof SYNTHETIC_FACES_OPTIONS>);
  opts ??= {};
  const { fs, path } = files('syntheticFaces', 'render faces in memory with renderFace');
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed)) throw new Error(`syntheticFaces: seed must be an integer, got ${show(opts.seed)}`);
  const dir = path.resolve(opts.dir ?? path.join('.cache', 'simdnet', `faces-v${VERSION}-seed${seed}`));
  const counts = photoCounts(seed);
  const info: SyntheticFacesInfo = {
    dir, trainDir: path.join(dir, 'train'), testDir: path.join(dir, 'test'), labels: [...LAB_LABELS],
    counts: Object.fromEntries(LAB_LABELS.map((l, i) => [l, counts[i]])), generated: false,
  };
  const manifestPath = path.join(dir, 'manifest.json');
  const existing = await fs.readFile(manifestPath, 'utf8').then(JSON.parse).catch(() => null);
  if (existing) {
    if (existing.version !== VERSION || existing.seed !== seed) {
      throw new Error(`syntheticFaces: ${dir} holds a different set (version ${existing.version}, seed ${existing.seed}); choose another dir`);
    }
    return info;
  }
  try {
    const entries = await fs.readdir(dir);
    if (entries.length) throw new Error(`syntheticFaces: ${dir} exists, is not empty and has no manifest.json; refusing to write into it`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await fs.mkdir(path.dirname(dir), { recursive: true });
  const tmp = await fs.mkdtemp(`${dir}.tmp-`);
  try {
    await fs.mkdir(path.join(tmp, 'test'));
    const total = counts.reduce((a, b) => a + b, 0) + LAB_LABELS.length * TEST_PER_PERSON;
    let done = 0;
    const step = () => opts.onProgress?.(++done, total);
    const groups = peopleGroups(counts, Math.min(host().cores(), 4));
    if (groups.length > 1 && host().workerThreads) await writeInThreads(tmp, seed, groups, step);
    else await writePeople(tmp, seed, LAB_LABELS.map((_, i) => i), step);
    await fs.writeFile(path.join(tmp, 'manifest.json'), JSON.stringify({ version: VERSION, seed, labels: LAB_LABELS, counts: info.counts, testPerPerson: TEST_PER_PERSON }, null, 1));
    await fs.rename(tmp, dir).catch(async (e) => {
      // another process finished first: keep theirs
      if (await fs.stat(manifestPath).catch(() => null)) return;
      throw e;
    });
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  info.generated = true;
  return info;
}

/**
 * Renders and writes the photos of `people` (indices into LAB_LABELS) into `dir`, laid out as the set is;
 * `progress` after each. What each rendering thread of syntheticFaces runs (the photos of a person come
 * from that person's own random stream, so any split of the people writes the same files).
 */
export async function writePeople(dir: string, seed: number, people: number[], progress: () => void): Promise<void> {
  const { fs, path } = files('syntheticFaces', 'render faces in memory with facePhotos');
  const labelDirs = new Set<string>();
  const rt = await initRuntime(); // the kernels encode the JPEGs (the bytes jpeg-js' encoder wrote before)
  for (const photo of facePhotos({ seed, people })) {
    const classDir = path.join(dir, 'train', photo.label);
    if (photo.split === 'train' && !labelDirs.has(classDir)) { await fs.mkdir(classDir, { recursive: true }); labelDirs.add(classDir); }
    const number = String(photo.number).padStart(4, '0');
    const file = photo.split === 'train' ? path.join(classDir, `${number}.jpg`) : path.join(dir, 'test', `${photo.label}_${number}.jpg`);
    await fs.writeFile(file, encodeJpeg(photo.image, 90, rt));
    progress();
  }
}

/** The people split into up to `n` groups of about equal photo counts (largest first, each to the lightest group). */
function peopleGroups(counts: number[], n: number): number[][] {
  const groups = Array.from({ length: Math.max(1, n) }, () => ({ people: [] as number[], photos: 0 }));
  for (const i of counts.map((_, i) => i).sort((a, b) => counts[b] - counts[a] || a - b)) {
    const g = groups.reduce((a, b) => (b.photos < a.photos ? b : a));
    g.people.push(i);
    g.photos += counts[i];
  }
  return groups.filter((g) => g.people.length > 0).map((g) => g.people.sort((a, b) => a - b));
}

/**
 * writePeople for each group on its own worker thread (rendering and JPEG encoding are ~80 ms of one core a
 * photo: the set took 48 s on one thread). A failure anywhere — a thread's, or onProgress throwing — stops
 * every thread before it returns, so the caller's clean-up removes a folder no thread still writes to.
 */
async function writeInThreads(dir: string, seed: number, groups: number[][], progress: () => void): Promise<void> {
  const { Worker } = host().workerThreads!;
  const source = workerScript(`
    const { writePeople } = await load('data/synthetic-faces.js');
    try {
      await writePeople(workerData.dir, workerData.seed, workerData.people, () => parentPort.postMessage('photo'));
      parentPort.postMessage('done');
    } catch (e) {
      parentPort.postMessage({ error: e && e.message ? e.message : String(e) });
    }`);
  const workers = groups.map((people) => new Worker(source, { eval: true, workerData: { dir, seed, people } }));
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.on('message', (m: 'photo' | 'done' | { error: string }) => {
        if (m === 'photo') { try { progress(); } catch (e) { reject(e); } }
        else if (m === 'done') resolve();
        else reject(new Error(`syntheticFaces: a rendering thread failed: ${m.error}`));
      });
      w.on('error', (e) => reject(new Error(`syntheticFaces: a rendering thread failed: ${e.message}`)));
      w.on('exit', (code) => reject(new Error(`syntheticFaces: a rendering thread exited (code ${code}) before it finished`)));
    })));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
