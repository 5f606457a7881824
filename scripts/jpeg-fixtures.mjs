// JPEG fixtures for test/io/jpeg.test.ts: small synthetic pictures (gradients, sharp edges, noise) encoded
// by libjpeg-turbo's cjpeg in the variants cameras and encoders write — every chroma sampling, restart
// intervals by rows and by blocks, optimized Huffman tables, 16-bit quantization tables, the float DCT,
// grey — and two the kernels leave to jpeg-js (progressive, arithmetic coding). The fixtures are committed;
// re-make them with (Debian: apt-get install libjpeg-turbo-progs):
//   node scripts/jpeg-fixtures.mjs        -> test/io/fixtures/jpeg/*.jpg
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OUT = new URL('../test/io/fixtures/jpeg/', import.meta.url).pathname;

/** A PPM (or grey PGM) picture, deterministic in its seed. */
function picture(w, h, seed, grey) {
  let s = seed >>> 0;
  const rand = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const c = grey ? 1 : 3, px = Buffer.alloc(w * h * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) {
        let v = grey ? ((x + y) % 32 < 16 ? 200 : 30) : [x * 255 / Math.max(1, w - 1), y * 255 / Math.max(1, h - 1), (x + y) % 32 < 16 ? 200 : 30][k];
        if ((x >> 3) % 3 === 0 && (y >> 2) % 2 === 0) v = 255 - v;
        px[(y * w + x) * c + k] = Math.max(0, Math.min(255, Math.round(v + (rand() - 0.5) * 60)));
      }
    }
  }
  return Buffer.concat([Buffer.from(`P${grey ? 5 : 6}\n${w} ${h}\n255\n`), px]);
}

const tmp = mkdtempSync(join(tmpdir(), 'jpeg-fixtures-'));
try {
  mkdirSync(OUT, { recursive: true });
  const variants = [];
  for (const [w, h] of [[1, 1], [7, 13], [17, 9], [33, 65]]) {
    for (const samp of ['1x1', '2x1', '2x2', '1x2', '4x1', '4x2']) variants.push([w, h, false, `s${samp}`, ['-sample', samp, '-quality', '75']]);
  }
  for (const [w, h] of [[33, 65], [97, 40]]) {
    variants.push(
      [w, h, false, 'restart-1-row', ['-sample', '2x2', '-restart', '1']],
      [w, h, false, 'restart-3-blocks', ['-sample', '2x2', '-restart', '3B']],
      [w, h, false, 'restart-1-block-optimized', ['-sample', '1x1', '-restart', '1B', '-optimize']],
      [w, h, false, 'optimized', ['-optimize']],
      [w, h, false, 'q100', ['-quality', '100']],
      [w, h, false, 'q1-16bit-tables', ['-quality', '1']],
      [w, h, false, 'float-dct', ['-dct', 'float', '-quality', '95']],
      [w, h, false, 'progressive', ['-progressive']],
      [w, h, false, 'arithmetic', ['-arithmetic']],
      [w, h, true, 'grey-q50', ['-quality', '50']],
      [w, h, true, 'grey-restart-2-blocks', ['-restart', '2B']],
      [w, h, true, 'grey-optimized-restart-1-row', ['-optimize', '-restart', '1']],
      [w, h, true, 'grey-q1-16bit-tables', ['-quality', '1']],
      [w, h, true, 'grey-progressive', ['-progressive']],
    );
  }
  for (const [w, h, grey, name, args] of variants) {
    const src = join(tmp, `${w}x${h}.${grey ? 'pgm' : 'ppm'}`);
    writeFileSync(src, picture(w, h, w * 31 + h, grey));
    const jpg = execFileSync('cjpeg', [...args, src], { stdio: ['ignore', 'pipe', 'ignore'] });
    writeFileSync(join(OUT, `${w}x${h}-${name}.jpg`), jpg);
  }
  console.log(`jpeg-fixtures: ${variants.length} files in ${OUT}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
