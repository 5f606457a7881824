// Temporary folders for file tests: one root per test file, and fresh model paths inside it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TempFolders {
  readonly root: string;
  /** A not yet existing folder path `<root>/case-N/model`, alone in its parent (so leftovers are easy to see). */
  freshDir(): string;
  remove(): void;
}

export function tempFolders(prefix: string): TempFolders {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  let counter = 0;
  return {
    root,
    freshDir() {
      const parent = path.join(root, `case-${counter++}`);
      fs.mkdirSync(parent);
      return path.join(parent, 'model');
    },
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
