// The Studio's reading of picked photos (apps/studio/src/folders.ts): classes from paths alone, in the two
// layouts of sn.data.loadImageFolder, and clear refusals.
import { describe, expect, it } from 'vitest';
import { checkClasses, labelFiles } from '../../apps/studio/src/folders.js';

describe('studio: classes of picked photos', () => {
  it('reads one sub-folder per class from a picked folder (its own name first), skipping what is not a photo', () => {
    const l = labelFiles(['faces/B/2.png', 'faces/A/1.jpg', 'faces/A/notes.txt', 'faces/readme.md', 'faces/.DS_Store', 'faces/A/.hidden.jpg', 'faces/B/x/3.jpg'], true);
    expect(l.layout).toBe('folders');
    expect(l.classNames).toEqual(['A', 'B']);
    expect(l.files).toEqual([0, 1]);
    expect(l.labels).toEqual(['B', 'A']);
    expect(l.skipped).toEqual([
      'faces/A/notes.txt: not a JPEG, PNG or PGM image', 'faces/readme.md: not a JPEG, PNG or PGM image',
      'faces/B/x/3.jpg: in a folder below a class folder']);
  });

  it('reads the flat layout, class before the first _, from file names', () => {
    const l = labelFiles(['C_0001.jpg', 'A_x_2.PGM', 'photo.jpg'], false);
    expect(l.layout).toBe('flat');
    expect(l.labels).toEqual(['C', 'A']);
    expect(l.skipped).toEqual(['photo.jpg: no class prefix: flat layouts name files <class>_<anything>.jpg']);
  });

  it('trains on train/ of a folder holding train/ and test/, as simdnet train does', () => {
    const l = labelFiles(['lab/train/A/1.jpg', 'lab/train/C/1.jpg', 'lab/test/A_0001.jpg'], true);
    expect(l.classNames).toEqual(['A', 'C']);
    expect(l.files).toEqual([0, 1]);
    expect(l.skipped).toEqual(['lab/test/A_0001.jpg: outside train/ (the folder holds train/ and test/; training uses train/)']);
  });

  it('refuses one class and no photos, saying what to do', () => {
    expect(() => checkClasses(labelFiles(['me/A/1.jpg', 'me/A/2.jpg'], true), 2)).toThrow('the photos hold one class only (A); classification needs at least two');
    expect(() => checkClasses(labelFiles(['a.txt'], false), 1)).toThrow('none of the 1 files is a photo in a layout the Studio reads');
    expect(() => checkClasses(labelFiles(['A_1.jpg', 'B_1.jpg'], false), 2)).not.toThrow();
  });
});
