// The lab's face CNN, and a small learnable generated task.
import * as sn from '../src/index.js';

export function labCnn(numClasses = 16, inputShape = [42, 42, 3]): sn.Sequential {
  return sn.models.labFaceCnn({ numClasses, inputShape });
}

/**
 * n images [42, 42, 3] in [0, 1]: class c puts a bright 9x9 blob at cell c of a 4x4 grid (jittered by
 * ±2 px) over uniform noise. Learnable by a CNN; chance is 1/16.
 */
export function blobTask(n: number, seed: number, classes = 16): { x: sn.Tensor; y: sn.Tensor; labels: Int32Array } {
  let s = seed >>> 0 || 1;
  const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
  const H = 42, C = 3;
  const x = new Float32Array(n * H * H * C);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    labels[i] = c;
    const base = i * H * H * C;
    for (let j = 0; j < H * H * C; j++) x[base + j] = rnd() * 0.5;
    const cy = 1 + (Math.floor(c / 4) * 10) + Math.floor(rnd() * 5) - 2 + 2;
    const cx = 1 + ((c % 4) * 10) + Math.floor(rnd() * 5) - 2 + 2;
    for (let yy = cy; yy < cy + 9; yy++) for (let xx = cx; xx < cx + 9; xx++) {
      if (yy < 0 || yy >= H || xx < 0 || xx >= H) continue;
      for (let ch = 0; ch < C; ch++) x[base + (yy * H + xx) * C + ch] = 0.9;
    }
  }
  return { x: sn.tensor(x, [n, H, H, C]), y: sn.utils.toCategorical(labels, classes), labels };
}
