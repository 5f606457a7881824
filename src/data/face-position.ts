// A small regression task on the generated faces: where is the face? Photos of the 16 people of the embedded
// set, rendered straight at a small size, with the face's centre moved left or right; the target is that
// horizontal position, scaled to [-1, 1]. Made in memory, deterministically from a seed (no files).
import { Random } from '../random.js';
import { Tensor } from '../tensor.js';
import { makePerson, makeShot, PHOTO_WIDTH, renderFace } from './face-renderer.js';
import { LAB_LABELS } from './labels.js';

/** Half the range of the face centre's horizontal shift, in pixels of the 384-pixel-wide photo. */
const SHIFT = 60;

export interface FacePositionOptions {
  /** Number of photos (default 600). */
  count?: number;
  /** Side of the square photos (default 32). */
  size?: number;
  seed?: number;
}

/** x: [count, size, size, 1] grey in [0, 1]; y: [count, 1] the face centre's horizontal offset in [-1, 1]. */
export function facePositions(opts: FacePositionOptions = {}): { x: Tensor; y: Tensor } {
  const count = opts.count ?? 600, size = opts.size ?? 32, seed = opts.seed ?? 0;
  if (!Number.isInteger(count) || count < 1) throw new Error(`facePositions: count must be a positive integer, got ${JSON.stringify(opts.count)}`);
  if (!Number.isInteger(size) || size < 4) throw new Error(`facePositions: size must be an integer >= 4, got ${JSON.stringify(opts.size)}`);
  const rng = new Random(seed ^ 0x7ace);
  const people = LAB_LABELS.map((_, i) => makePerson(rng, i));
  const x = new Float32Array(count * size * size);
  const y = new Float32Array(count);
  for (let n = 0; n < count; n++) {
    const shot = makeShot(rng);
    y[n] = rng.uniform(-1, 1);
    shot.cx = PHOTO_WIDTH / 2 + SHIFT * y[n];
    const img = renderFace(people[n % people.length], shot, rng, size, size);
    for (let i = 0; i < img.length; i++) x[n * size * size + i] = img[i] / 255;
  }
  return { x: new Tensor(x, [count, size, size, 1]), y: new Tensor(y, [count, 1]) };
}
