// Whether Debian's python3 has h5py (.ci/run installs python3-h5py): the Keras-file tests read simdnet's files
// through it where it is, and skip that check, saying so in the test name, where it is not.
import { execFileSync } from 'node:child_process';

export const h5py = (() => {
  try { execFileSync('/usr/bin/python3', ['-c', 'import h5py'], { stdio: 'ignore' }); return true; } catch { return false; }
})();
