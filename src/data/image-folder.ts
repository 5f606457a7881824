// loadImageFolder: the lab's two layouts of labelled photos —
//   one sub-folder per class:        faces/A/0001.jpg, faces/C/0002.pgm ...
//   flat, class before the first _: faces/A_0001.jpg, faces/C_0002.png ...
// JPEG / PNG / PGM mixed; images resized with OpenCV's INTER_LINEAR and scaled to [0, 1]. Symbolic links
// to class folders and images are followed (see listImageFolder).
import { files } from '../host/host.js';
import { readImageUsing, resize, toFloat } from '../io/images.js';
import { Tensor } from '../tensor.js';
import { checkOptions, show, type AllOptions } from '../format.js';

const IMAGE_EXT = /\.(jpe?g|png|pgm|pnm)$/i;

export interface LoadImageFolderOptions {
  /** [height, width] of the model input; default [42, 42]. */
  size?: [number, number];
  /** 3 (grayscale repeated, like OpenCV imread) or 1. */
  channels?: 1 | 3;
  /** Class order (index = label); default: sorted class names found. */
  classNames?: string[];
  /** Where skipped-file warnings go; default console.warn. */
  onWarning?: (message: string) => void;
}

export interface ImageFolder { x: Tensor; y: Int32Array; classNames: string[]; files: string[]; layout: 'folders' | 'flat' }

/** The images of a folder and the class of each, found but not decoded. */
export interface ImageFolderListing {
  files: string[];
  /** The class of each file. */
  labels: string[];
  /** The classes found, sorted: those of the files, and class folders without images (as Keras'). */
  classNames: string[];
  /** The class folders without images (classes no file has; in classNames). */
  emptyClasses: string[];
  layout: 'folders' | 'flat';
}

type Fs = typeof import('node:fs/promises');
type PathMod = typeof import('node:path');
type Kind = 'folder' | 'file' | 'other';

/**
 * What an entry is, symbolic links followed; null (after a warning) for a broken link or a link to a folder
 * that holds `root` — following that one would read the data folder again inside itself.
 */
async function kindOf(fs: Fs, path: PathMod, file: string, entry: import('node:fs').Dirent, root: string,
                      skip: (file: string, why: string) => void): Promise<Kind | null> {
  if (!entry.isSymbolicLink()) return entry.isDirectory() ? 'folder' : entry.isFile() ? 'file' : 'other';
  let real: string;
  try {
    real = await fs.realpath(file);
  } catch {
    skip(file, `a broken symbolic link (to ${await fs.readlink(file).catch(() => '?')})`);
    return null;
  }
  const st = await fs.stat(real);
  const up = path.relative(real, root); // '' or a path down from real when real holds root
  if (st.isDirectory() && up !== '..' && !up.startsWith(`..${path.sep}`) && !path.isAbsolute(up)) {
    skip(file, `a symbolic link to ${real}, which holds the data folder itself`);
    return null;
  }
  return st.isDirectory() ? 'folder' : st.isFile() ? 'file' : 'other';
}

/**
 * Finds the images of a labelled folder (either layout) without decoding them: what loadImageFolder will
 * read. Symbolic links to class folders and to images are followed; only two levels are read, so a link
 * cannot make it loop, and a link to a folder holding the data folder is skipped with a warning.
 */
export async function listImageFolder(dir: string, opts: Pick<LoadImageFolderOptions, 'onWarning'> = {},
  fn = 'loadImageFolder'): Promise<ImageFolderListing> {
  const { fs, path } = files(fn, 'fetch each image and use sn.io.decodeImage and sn.io.imageToTensor');
  const warn = opts.onWarning ?? ((m: string) => console.warn(m));
  if (typeof dir !== 'string' || dir === '') {
    const set = dir as { trainDir?: unknown; testDir?: unknown } | null;
    if (typeof set === 'object' && set !== null && typeof set.trainDir === 'string' && typeof set.testDir === 'string') {
      // sn.data.syntheticFaces()' result: its folder holds train/ and test/, so it names the split to load
      throw new Error(`${fn}: dir must be a folder's path; for sn.data.syntheticFaces()' result pass its trainDir ` +
        `(${set.trainDir}) or testDir (${set.testDir})`);
    }
    throw new Error(`${fn}: dir must be a folder's path, got ${show(dir)}`);
  }
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${fn}: no such folder ${dir}` : code === 'ENOTDIR' ? `${fn}: ${dir} is not a folder` : `${fn}: cannot read ${dir}: ${(e as Error).message}`);
  }
  const root = await fs.realpath(dir);
  const skip = (file: string, why: string) => warn(`${fn}: skipping ${file}: ${why}`);
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  /** The visible entries of a folder, sorted, each with its kind (links followed). */
  const visible = async (folder: string, list: import('node:fs').Dirent[]) => {
    const out: { name: string; file: string; kind: Kind }[] = [];
    for (const e of list.filter((f) => !f.name.startsWith('.')).sort(byName)) {
      const file = path.join(folder, e.name);
      const kind = await kindOf(fs, path, file, e, root, skip);
      if (kind) out.push({ name: e.name, file, kind });
    }
    return out;
  };
  const top = await visible(dir, entries);
  const found: { file: string; cls: string }[] = [];
  const layout: 'folders' | 'flat' = top.some((e) => e.kind === 'folder') ? 'folders' : 'flat';
  const empty: string[] = [];
  if (layout === 'folders') {
    for (const e of top) if (e.kind !== 'folder') skip(e.file, 'not inside a class folder');
    for (const sub of top.filter((e) => e.kind === 'folder')) {
      const inside = await visible(sub.file, await fs.readdir(sub.file, { withFileTypes: true }).catch((e: unknown) => {
        throw new Error(`${fn}: cannot read the class folder ${sub.file}: ${(e as Error).message}`);
      }));
      const folders = inside.filter((f) => f.kind === 'folder');
      // a class folder of folders of images, none of its own: a dataset split into folders of classes (train/,
      // test/), one level up. (Folders of other things — a zip's __MACOSX/, a models/ folder — are skipped below.)
      const isImage = (f: { name: string; kind: Kind }) => f.kind === 'file' && IMAGE_EXT.test(f.name);
      const nested = async () => {
        for (const f of folders) if ((await visible(f.file, await fs.readdir(f.file, { withFileTypes: true }))).some(isImage)) return true;
        return false;
      };
      if (folders.length > 0 && !inside.some(isImage) && await nested()) {
        const names = folders.slice(0, 4).map((f) => f.name).join(', ') + (folders.length > 4 ? ', …' : '');
        throw new Error(`${fn}: ${sub.file} holds folders (${names}), not images: ${dir} is not a folder of classes. ` +
          `If those are the classes, pass ${sub.file} itself (a split dataset: one call for each of its parts)`);
      }
      for (const f of inside) {
        if (f.kind !== 'file') skip(f.file, 'not a file');
        else if (!IMAGE_EXT.test(f.name)) skip(f.file, 'not a JPEG, PNG or PGM image');
        else found.push({ file: f.file, cls: sub.name });
      }
      // no images: a class no sample has, unless it holds folders (a zip's __MACOSX/, a models/ folder: not a class)
      if (!inside.some(isImage) && folders.length === 0) empty.push(sub.name);
    }
  } else {
    for (const e of top) {
      if (e.kind !== 'file') skip(e.file, 'not a file');
      else if (!IMAGE_EXT.test(e.name)) skip(e.file, 'not a JPEG, PNG or PGM image');
      else if (e.name.indexOf('_') <= 0) skip(e.file, "no class prefix: flat layouts name files <class>_<anything>.jpg");
      else found.push({ file: e.file, cls: e.name.slice(0, e.name.indexOf('_')) });
    }
  }
  // a class folder without images keeps its class (and so every later class its label), as Keras'
  // image_dataset_from_directory: a train/ and a test/ folder label alike even if one lacks a class
  if (found.length && empty.length) {
    warn(`${fn}: no images in the class folder${empty.length > 1 ? 's' : ''} ${empty.map((c) => path.join(dir, c)).join(', ')}: ` +
      `${empty.length > 1 ? 'they keep their classes' : 'it keeps its class'} (a label no sample has), as Keras' image_dataset_from_directory`);
  }
  return {
    files: found.map((f) => f.file), labels: found.map((f) => f.cls),
    classNames: [...new Set([...found.map((f) => f.cls), ...(found.length ? empty : [])])].sort(),
    emptyClasses: found.length ? empty : [], layout,
  };
}

/** Checks the size / channels options shared by the folder loaders. */
export function checkImageOptions(fn: string, size: unknown, channels: unknown): { h: number; w: number; channels: 1 | 3 } {
  const [h, w] = (Array.isArray(size) && size.length === 2 ? size : size === undefined ? [42, 42] : []) as number[];
  const c = channels ?? 3;
  if (![h, w].every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${fn}: size must be [height, width] of positive integers, got ${show(size)}`);
  }
  if (c !== 1 && c !== 3) throw new Error(`${fn}: channels must be 1 or 3, got ${show(channels)}`);
  return { h, w, channels: c };
}

/**
 * The class order of a listing: the classes found, sorted, or the given classNames (checked against what
 * the folder holds). Refuses a folder with no images.
 */
export function classOrder(listing: ImageFolderListing, dir: string, classNames: string[] | undefined,
  warn: (m: string) => void, fn: string): string[] {
  if (listing.files.length === 0) {
    throw new Error(`${fn}: ${dir} holds no images: expected class folders (A/0001.jpg) or flat files named <class>_<id>.jpg (JPEG, PNG or PGM)`);
  }
  const present = listing.classNames;
  if (!classNames) return present;
  const names = [...classNames];
  if (new Set(names).size !== names.length) throw new Error(`${fn}: classNames has duplicates: ${names.join(', ')}`);
  const unknown = present.filter((c) => !names.includes(c) && !listing.emptyClasses.includes(c));
  if (unknown.length) throw new Error(`${fn}: ${dir} has classes ${unknown.join(', ')} that are not in classNames (${names.join(' ')})`);
  // a class folder without images that classNames does not name: no sample needs it, and the order is classNames'
  const left = listing.emptyClasses.filter((c) => !names.includes(c));
  if (left.length) warn(`${fn}: the empty class folder${left.length > 1 ? 's' : ''} ${left.join(', ')} of ${dir} ${left.length > 1 ? 'are' : 'is'} not in classNames: left out`);
  const empty = names.filter((c) => !present.includes(c));
  if (empty.length) warn(`${fn}: no images in ${dir} for classes ${empty.join(', ')}`);
  return names;
}

const LOAD_IMAGE_FOLDER_OPTIONS = ['size', 'channels', 'classNames', 'onWarning'] as const;

export async function loadImageFolder(dir: string, opts: LoadImageFolderOptions = {}): Promise<ImageFolder> {
  checkOptions('loadImageFolder', opts, LOAD_IMAGE_FOLDER_OPTIONS satisfies AllOptions<LoadImageFolderOptions, typeof LOAD_IMAGE_FOLDER_OPTIONS>);
  opts ??= {};
  const { h, w, channels } = checkImageOptions('loadImageFolder', opts.size, opts.channels);
  const warn = opts.onWarning ?? ((m: string) => console.warn(m));
  const listing = await listImageFolder(dir, { onWarning: warn });
  const { files, labels, layout } = listing;
  const classNames = classOrder(listing, dir, opts.classNames, warn, 'loadImageFolder');
  const index = new Map(classNames.map((c, i) => [c, i]));
  const n = files.length, per = h * w * channels;
  if (n * per > 2 ** 32) { // a typed array's limit in V8 (Node 20+): 16 GiB of float32
    throw new Error(`loadImageFolder: ${n} images of [${h}, ${w}, ${channels}] need ${(n * per * 4 / 2 ** 30).toFixed(1)} GiB as float32, ` +
      'over the 16 GiB one array holds: use a smaller size, or stream the folder with sn.data.imageDataset');
  }
  const x = new Float32Array(n * per);
  const y = new Int32Array(n);
  // decode a few files at a time: I/O overlaps decoding without holding every photo in memory
  const CONCURRENCY = 8;
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      x.set(await readPixels(files[i], h, w, channels), i * per);
      y[i] = index.get(labels[i])!;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, worker));
  return { x: new Tensor(x, [n, h, w, channels]), y, classNames, files, layout };
}

/** One photo as the loaders see it: decoded, resized with OpenCV's INTER_LINEAR, scaled to [0, 1]. */
export async function readPixels(file: string, h: number, w: number, channels: 1 | 3): Promise<Float32Array> {
  // resized straight from the decoder's pixels (no copy of the full-size photo)
  return readImageUsing(file, { channels }, (img) => toFloat(resize(img, w, h)));
}
