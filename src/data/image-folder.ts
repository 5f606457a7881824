// loadImageFolder: the lab's two layouts of labelled photos —
//   one sub-folder per class:        faces/A/0001.jpg, faces/C/0002.pgm ...
//   flat, class before the first _: faces/A_0001.jpg, faces/C_0002.png ...
// JPEG / PNG / PGM mixed; images resized with OpenCV's INTER_LINEAR and scaled to [0, 1].
import { files } from '../host/host.js';
import { readImage, resize, type Image } from '../io/images.js';
import { Tensor } from '../tensor.js';

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

export async function loadImageFolder(dir: string, opts: LoadImageFolderOptions = {}): Promise<ImageFolder> {
  const { fs, path } = files('loadImageFolder', 'fetch each image and use sn.io.decodeImage and sn.io.imageToTensor');
  const [h, w] = opts.size ?? [42, 42];
  const channels = opts.channels ?? 3;
  const warn = opts.onWarning ?? ((m: string) => console.warn(m));
  if (![h, w].every((d) => Number.isInteger(d) && d > 0)) throw new Error(`loadImageFolder: size must be [height, width] of positive integers, got ${JSON.stringify(opts.size)}`);
  if (channels !== 1 && channels !== 3) throw new Error(`loadImageFolder: channels must be 1 or 3, got ${JSON.stringify(opts.channels)}`);
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `loadImageFolder: no such folder ${dir}` : code === 'ENOTDIR' ? `loadImageFolder: ${dir} is not a folder` : `loadImageFolder: cannot read ${dir}: ${(e as Error).message}`);
  }
  entries = entries.filter((e) => !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const found: { file: string; cls: string }[] = [];
  const subdirs = entries.filter((e) => e.isDirectory());
  const layout: 'folders' | 'flat' = subdirs.length > 0 ? 'folders' : 'flat';
  const skip = (file: string, why: string) => warn(`loadImageFolder: skipping ${file}: ${why}`);
  if (layout === 'folders') {
    for (const e of entries) if (!e.isDirectory()) skip(path.join(dir, e.name), 'not inside a class folder');
    for (const sub of subdirs) {
      const files = (await fs.readdir(path.join(dir, sub.name), { withFileTypes: true }))
        .filter((f) => !f.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const f of files) {
        const file = path.join(dir, sub.name, f.name);
        if (!f.isFile()) skip(file, 'not a file');
        else if (!IMAGE_EXT.test(f.name)) skip(file, 'not a JPEG, PNG or PGM image');
        else found.push({ file, cls: sub.name });
      }
    }
  } else {
    for (const e of entries) {
      const file = path.join(dir, e.name);
      if (!e.isFile()) skip(file, 'not a file');
      else if (!IMAGE_EXT.test(e.name)) skip(file, 'not a JPEG, PNG or PGM image');
      else if (!e.name.includes('_')) skip(file, "no class prefix: flat layouts name files <class>_<anything>.jpg");
      else found.push({ file, cls: e.name.slice(0, e.name.indexOf('_')) });
    }
  }
  if (found.length === 0) {
    throw new Error(`loadImageFolder: ${dir} holds no images: expected class folders (A/0001.jpg) or flat files named <class>_<id>.jpg (JPEG, PNG or PGM)`);
  }
  const present = [...new Set(found.map((f) => f.cls))].sort();
  let classNames = present;
  if (opts.classNames) {
    classNames = [...opts.classNames];
    if (new Set(classNames).size !== classNames.length) throw new Error(`loadImageFolder: classNames has duplicates: ${classNames.join(', ')}`);
    const unknown = present.filter((c) => !classNames.includes(c));
    if (unknown.length) throw new Error(`loadImageFolder: ${dir} has classes ${unknown.join(', ')} that are not in classNames (${classNames.join(' ')})`);
    const empty = classNames.filter((c) => !present.includes(c));
    if (empty.length) warn(`loadImageFolder: no images in ${dir} for classes ${empty.join(', ')}`);
  }
  const index = new Map(classNames.map((c, i) => [c, i]));
  const n = found.length, per = h * w * channels;
  const x = new Float32Array(n * per);
  const y = new Int32Array(n);
  // decode a few files at a time: I/O overlaps decoding without holding every photo in memory
  const CONCURRENCY = 8;
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const img: Image = await readImage(found[i].file, { channels });
      const small = resize(img, w, h);
      const out = x.subarray(i * per, (i + 1) * per);
      for (let j = 0; j < per; j++) out[j] = small.data[j] / 255;
      y[i] = index.get(found[i].cls)!;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, worker));
  return { x: new Tensor(x, [n, h, w, channels]), y, classNames, files: found.map((f) => f.file), layout };
}
