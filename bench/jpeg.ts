// JPEG in the kernels against jpeg-js, in one run (tinybench, medians):
//   node dist/bench/jpeg.js [--quick]
// Decoding and encoding one of the lab's 384×286 grey face photos (quality 90, as the face set is written),
// and decoding a 640×480 colour picture (quality 90, 4:4:4, as the kernels and jpeg-js write colour), each
// side by side with jpeg-js (the decoder / encoder simdnet used before, which gives the same pixels / bytes —
// the bench checks that too); then the whole face set generated into a temporary folder, timed.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { Bench } from 'tinybench';
import { p50 } from './stats.js';
import * as sn from '../src/index.js';
import { facePhotos } from '../src/data/synthetic-faces.js';
import { decodeJpegFast } from '../src/io/jpeg.js';
import { encodeJpeg } from '../src/io/jpeg-encode.js';
import { cpuInfo } from './cpu.js';

const quick = process.argv.includes('--quick');


await sn.ready();
console.log(`${cpuInfo().line}; Node ${process.version}; kernels ${sn.backend()}; load average ${os.loadavg()[0].toFixed(1)}`);

const { image } = facePhotos({ perPerson: 1, people: [0] }).next().value!;
const rgba = new Uint8Array(image.width * image.height * 4);
for (let i = 0; i < image.data.length; i++) { rgba.fill(image.data[i], 4 * i, 4 * i + 3); rgba[4 * i + 3] = 255; }
const theirs = () => new Uint8Array(jpeg.encode({ data: rgba, width: image.width, height: image.height }, 90).data);
const file = encodeJpeg(image, 90);
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
if (!same(file, theirs())) throw new Error('the kernels\' JPEG differs from jpeg-js\'');
const decodeTheirs = () => jpeg.decode(file, { useTArray: true, formatAsRGBA: false });
if (!same(decodeJpegFast(file)!.data, decodeTheirs().data)) throw new Error('the kernels\' pixels differ from jpeg-js\'');

// colour: smooth gradients, hard-edged squares and a little deterministic noise, as a photo upload might hold
const cw = 640, ch = 480, rgb = new Uint8Array(cw * ch * 3);
let seed = 7;
const noise = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) >>> 27) - 16;
for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) {
  const square = ((x >> 5) + (y >> 5)) % 2 === 0, p = 3 * (y * cw + x);
  rgb[p] = Math.max(0, Math.min(255, ((x * 255) / cw) + noise()));
  rgb[p + 1] = Math.max(0, Math.min(255, ((y * 255) / ch) + noise()));
  rgb[p + 2] = Math.max(0, Math.min(255, (square ? 200 : 40) + noise()));
}
const colourFile = encodeJpeg({ width: cw, height: ch, channels: 3, data: rgb }, 90);
const decodeColourTheirs = () => jpeg.decode(colourFile, { useTArray: true, formatAsRGBA: false });
if (!same(decodeJpegFast(colourFile)!.data, decodeColourTheirs().data)) throw new Error('the kernels\' colour pixels differ from jpeg-js\'');

const bench = new Bench({ time: quick ? 300 : 2000, warmupIterations: 5 });
bench.add('decode: kernels', () => { decodeJpegFast(file); });
bench.add('decode: jpeg-js', () => { decodeTheirs(); });
bench.add('colour: kernels', () => { decodeJpegFast(colourFile); });
bench.add('colour: jpeg-js', () => { decodeColourTheirs(); });
bench.add('encode: kernels', () => { encodeJpeg(image, 90); });
bench.add('encode: jpeg-js', () => { theirs(); });
await bench.run();
const ms = (name: string) => p50(bench, name);
console.log(`\n${image.width}×${image.height} grey face photo, ${file.length} bytes, medians:`);
console.log('| | kernels | jpeg-js | ratio |\n|---|---|---|---|');
for (const op of ['decode', 'encode', 'colour']) {
  const k = ms(`${op}: kernels`), j = ms(`${op}: jpeg-js`);
  const what = op === 'colour' ? `decode ${cw}×${ch} colour, ${colourFile.length} bytes` : op;
  console.log(`| ${what} | ${k.toFixed(2)} ms | ${j.toFixed(2)} ms | ${(j / k).toFixed(1)}× |`);
}

if (!quick) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'simdnet-bench-faces-'));
  try {
    const t0 = performance.now();
    const info = await sn.data.syntheticFaces({ dir: path.join(dir, 'faces') });
    const photos = Object.values(info.counts).reduce((a, b) => a + b, 0);
    console.log(`\nThe face set (syntheticFaces, ${photos} train photos + the test folder, rendered and encoded on up to 4 threads): ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s on ${os.availableParallelism?.() ?? os.cpus().length} cores`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
