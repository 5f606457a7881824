// The classes of photos a person picked: a folder (<input webkitdirectory>: paths under the picked folder)
// or dropped files. The two layouts of sn.data.loadImageFolder, read from paths alone:
//   one sub-folder per class   faces/A/0001.jpg     (a folder holding train/ and test/: its train/)
//   flat, class before the _   A_0001.jpg
// Pure: the page calls it before any byte is read, and the tests call it in Node.

const IMAGE_EXT = /\.(jpe?g|png|pgm|pnm)$/i;

export interface LabelledFiles {
  /** Indices (into the given paths) of the photos kept, and the class of each. */
  files: number[];
  labels: string[];
  /** The classes, sorted. */
  classNames: string[];
  layout: 'folders' | 'flat';
  /** Paths left out, each with the reason. */
  skipped: string[];
}

/** Path parts below the picked folder: webkitRelativePath starts with that folder's own name. */
function relativeParts(path: string, picked: boolean): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  return picked ? parts.slice(1) : parts;
}

/**
 * Classes from paths. `picked`: the paths are webkitRelativePath values (first part = the picked folder);
 * otherwise they are bare file names (dropped or picked files: the flat layout).
 */
export function labelFiles(paths: string[], picked: boolean): LabelledFiles {
  let parts = paths.map((p) => relativeParts(p, picked));
  const hidden = (ps: string[]) => ps.some((p) => p.startsWith('.'));
  const skipped: string[] = [];
  const tops = new Set(parts.filter((ps) => ps.length > 1 && !hidden(ps)).map((ps) => ps[0]));
  // the lab's own layout: train/<class>/... beside a flat test/ folder; train on train/, as simdnet train does
  if (tops.has('train') && tops.has('test')) {
    parts = parts.map((ps) => (ps[0] === 'train' ? ps.slice(1) : []));
    paths.forEach((p, i) => { if (parts[i].length === 0 && !hidden(relativeParts(p, picked))) skipped.push(`${p}: outside train/ (the folder holds train/ and test/; training uses train/)`); });
  }
  const layout: 'folders' | 'flat' = parts.some((ps) => ps.length > 1 && !hidden(ps)) ? 'folders' : 'flat';
  const files: number[] = [], labels: string[] = [];
  parts.forEach((ps, i) => {
    if (ps.length === 0 || hidden(ps)) return;
    const name = ps[ps.length - 1];
    const why = !IMAGE_EXT.test(name) ? 'not a JPEG, PNG or PGM image'
      : layout === 'folders' && ps.length === 1 ? 'not inside a class folder'
      : layout === 'folders' && ps.length > 2 ? 'in a folder below a class folder'
      : layout === 'flat' && !name.includes('_') ? 'no class prefix: flat layouts name files <class>_<anything>.jpg'
      : null;
    if (why) { skipped.push(`${paths[i]}: ${why}`); return; }
    files.push(i);
    labels.push(layout === 'folders' ? ps[0] : name.slice(0, name.indexOf('_')));
  });
  return { files, labels, classNames: [...new Set(labels)].sort(), layout, skipped };
}

/** Refuses what cannot train a classifier, in words a person can act on. */
export function checkClasses(l: LabelledFiles, count: number): void {
  if (l.files.length === 0) {
    throw new Error(`none of the ${count} files is a photo in a layout the Studio reads: pick a folder with one sub-folder per person ` +
      '(A/0001.jpg) or photos named <person>_<number>.jpg (JPEG, PNG or PGM)');
  }
  if (l.classNames.length < 2) {
    throw new Error(`the photos hold one class only (${l.classNames[0]}); classification needs at least two: ` +
      'add a sub-folder (or a name prefix) per person');
  }
}
