// Fuzzing the file readers with a seeded RNG (a failure names its case and repeats): valid JPEG, PNG and PGM
// files (jpeg-js, pngjs, simdnet's own plot and PGM writers) with bytes flipped, cut short, ranges
// inserted or dropped and headers spliced; model folders with model.json and weights.bin mangled. Every
// case must end in a valid result or an Error whose message names the file — never a crash, a hang, a
// thrown non-Error or memory beyond a bound (huge declared sizes are refused before they are allocated).
import * as fs from 'node:fs';
import * as path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { decodeImage, type Image } from '../../src/io/images.js';
import { loadModel, saveModel } from '../../src/io/model-files.js';
import { crc32 } from '../../src/io/png.js';
import { concatBytes, greyRows, pngOf } from './image-bytes.js';
import { tempFolders } from './temp-folders.js';

const SEED = 20261130;
const IMAGE_CASES = 1500;
const MODEL_CASES = 500;
/** Resident memory the worker may reach at any point: every decoder's limits keep far below it. */
const RSS_LIMIT = 1024 * 2 ** 20;
/** Both tests together (each also has a vitest timeout, in case one case hangs). */
const TIME_LIMIT_MS = 30_000;

const { freshDir, remove } = tempFolders('simdnet-fuzz-');
afterAll(remove);

/** mulberry32: small, seeded, good enough to pick mutations. */
function rng(seed: number): { next(): number; int(n: number): number; pick<T>(xs: readonly T[]): T } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: (xs) => xs[int(xs.length)] };
}
type Rng = ReturnType<typeof rng>;

let spentMs = 0;

/** What the fuzzing saw, reported at the end of each test. */
class Tally {
  readonly problems: string[] = [];
  results = 0;
  errors = 0;
  maxRss = 0;
  readonly t0 = performance.now();

  /** Runs one case: `check` validates a result; an error must be an Error naming `name`. */
  async run<T>(label: string, name: string, work: () => T | Promise<T>, check: (r: T) => string | null): Promise<void> {
    try {
      const problem = check(await work());
      if (problem) this.problems.push(`${label}: ${problem}`);
      else this.results++;
    } catch (e) {
      this.errors++;
      if (!(e instanceof Error)) this.problems.push(`${label}: threw a non-Error ${String(e)}`);
      else if (!e.message.includes(name)) this.problems.push(`${label}: error does not name ${name}: ${e.message}`);
    }
    const rss = process.memoryUsage().rss;
    this.maxRss = Math.max(this.maxRss, rss);
    if (rss > RSS_LIMIT) this.problems.push(`${label}: resident memory ${(rss / 2 ** 20).toFixed(0)} MiB`);
  }

  report(what: string): void {
    const ms = performance.now() - this.t0;
    spentMs += ms;
    console.log(`fuzz ${what}: ${this.results + this.errors} cases (${this.results} valid results, ${this.errors} errors) ` +
      `in ${(ms / 1000).toFixed(1)} s, peak RSS ${(this.maxRss / 2 ** 20).toFixed(0)} MiB`);
    expect(this.problems).toEqual([]);
    expect(spentMs).toBeLessThan(TIME_LIMIT_MS);
  }
}

// ---- images -----------------------------------------------------------------------------------------

function card(w: number, h: number, channels: number): Uint8Array {
  const d = new Uint8Array(w * h * channels);
  for (let i = 0; i < d.length; i++) d[i] = (i * 37 + ((i / channels) | 0) * 11) & 255;
  return d;
}

function jpegOf(w: number, h: number, quality: number): Uint8Array {
  return new Uint8Array(jpeg.encode({ data: card(w, h, 4), width: w, height: h }, quality).data);
}

function pngjsOf(w: number, h: number, colorType: 0 | 2 | 4 | 6, bitDepth: 8 | 16): Uint8Array {
  const samples = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType];
  const png = new PNG({ width: w, height: h });
  const data = bitDepth === 16 ? new Uint16Array(card(w, h, samples)) : card(w, h, samples);
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: colorType >= 4, bitDepth }));
}

function pgmOf(w: number, h: number, maxval: number, ascii: boolean): Uint8Array {
  const values = Array.from(card(w, h, 1), (v) => Math.round((v * maxval) / 255));
  const head = new TextEncoder().encode(`${ascii ? 'P2' : 'P5'}\n# fuzz\n${w} ${h}\n${maxval}\n`);
  if (ascii) return concatBytes(head, new TextEncoder().encode(values.join(' ')));
  const body = maxval > 255 ? Uint8Array.from(values.flatMap((v) => [v >> 8, v & 255])) : Uint8Array.from(values);
  return concatBytes(head, body);
}

/** Valid files of every kind the decoders read, small, with their extension. */
async function seedImages(): Promise<[string, Uint8Array][]> {
  const plot = await sn.io.plotHistory({ loss: [1, 0.6, 0.4], accuracy: [0.3, 0.6, 0.8] }); // simdnet's PNG writer
  const adam7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]]
    .map(([x0, y0, dx, dy]) => greyRows(Math.ceil((9 - x0) / dx), Math.ceil((7 - y0) / dy), 99));
  return [
    ['jpg', jpegOf(24, 16, 90)], ['jpg', jpegOf(17, 9, 40)], ['jpg', jpegOf(64, 48, 75)],
    ['png', pngjsOf(12, 8, 0, 8)], ['png', pngjsOf(12, 8, 2, 8)], ['png', pngjsOf(7, 5, 4, 8)], ['png', pngjsOf(9, 9, 6, 8)],
    ['png', pngjsOf(6, 4, 0, 16)], ['png', pngjsOf(5, 3, 6, 16)], ['png', pngOf({ width: 9, height: 7, interlace: 1 }, concatBytes(...adam7))],
    ['png', plot],
    ['pgm', pgmOf(10, 6, 255, false)], ['pgm', pgmOf(10, 6, 255, true)], ['pgm', pgmOf(5, 4, 65535, false)], ['pgm', pgmOf(5, 4, 1023, true)],
  ];
}

/** Where the header ends: the PNG's IHDR, the JPEG's segments before the scan, the PGM's text. */
function headerEnd(kind: string, b: Uint8Array): number {
  if (kind === 'png') return Math.min(b.length, 33);
  if (kind === 'pgm') return Math.min(b.length, 20);
  for (let i = 2; i + 1 < b.length; i++) if (b[i] === 0xff && b[i + 1] === 0xda) return i;
  return Math.min(b.length, 100);
}

const HUGE = [0, 1, 2, 255, 256, 65535, 65536, 10001, 2 ** 31 - 1, 2 ** 32 - 1];

/** A PNG with IHDR's fields replaced (CRC fixed, so the decoder gets past it). */
function withIhdr(b: Uint8Array, r: Rng): Uint8Array {
  const out = Uint8Array.from(b);
  const view = new DataView(out.buffer);
  if (r.next() < 0.6) view.setUint32(16, r.next() < 0.5 ? r.pick(HUGE) : r.int(5000));
  if (r.next() < 0.6) view.setUint32(20, r.next() < 0.5 ? r.pick(HUGE) : r.int(5000));
  if (r.next() < 0.4) out[24] = r.pick([0, 1, 2, 4, 7, 8, 16, 255]);
  if (r.next() < 0.4) out[25] = r.pick([0, 1, 2, 3, 4, 5, 6, 7]);
  if (r.next() < 0.2) out[26 + r.int(3)] = r.int(3);
  view.setUint32(29, crc32(out.subarray(12, 29)));
  return out;
}

/** A JPEG with its frame size replaced. */
function withSof(b: Uint8Array, r: Rng): Uint8Array {
  const out = Uint8Array.from(b);
  for (let i = 2; i + 8 < out.length;) {
    if (out[i + 1] === 0xc0) {
      const h = r.pick([0, 1, 8, 255, 4096, 65535, r.int(65536)]), w = r.pick([0, 1, 8, 255, 4096, 65535, r.int(65536)]);
      out.set([h >> 8, h & 255, w >> 8, w & 255], i + 5);
      return out;
    }
    i += 2 + ((out[i + 2] << 8) | out[i + 3]);
  }
  return out;
}

function withPgmHeader(b: Uint8Array, r: Rng): Uint8Array {
  const magic = r.pick(['P5', 'P2', 'P5', 'P6', 'P1']);
  const num = () => r.pick([String(r.pick(HUGE)), String(r.int(100)), '-3', '99999999999', 'x', '']);
  const text = `${magic}${r.pick([' ', '\n', '#c\n', ''])}${num()} ${num()}${r.pick([' ', '\n'])}${num()}${r.pick(['\n', ' ', ''])}`;
  let i = 2, fields = 0; // skip the original header's three numbers
  while (i < b.length && fields < 3) {
    while (i < b.length && (b[i] < 0x30 || b[i] > 0x39)) i++;
    while (i < b.length && b[i] >= 0x30 && b[i] <= 0x39) i++;
    fields++;
  }
  return concatBytes(new TextEncoder().encode(text), b.subarray(Math.min(i + 1, b.length)));
}

/** One mutation of `b`; its name says which, for the report. */
function mutate(kind: string, b: Uint8Array, others: Uint8Array[], r: Rng): [string, Uint8Array] {
  const at = () => r.int(b.length + 1);
  switch (r.int(8)) {
    case 0: {
      const out = Uint8Array.from(b);
      const n = 1 + r.int(8);
      for (let k = 0; k < n; k++) out[r.int(out.length)] = r.int(256);
      return [`flip ${n}`, out];
    }
    case 1: {
      const n = r.next() < 0.3 ? r.int(Math.min(b.length, 40)) : at();
      return [`truncate to ${n}`, b.subarray(0, n)];
    }
    case 2: {
      const p = at(), n = 1 + r.int(64);
      return [`insert ${n} at ${p}`, concatBytes(b.subarray(0, p), Uint8Array.from({ length: n }, () => r.int(256)), b.subarray(p))];
    }
    case 3: {
      const p = at(), n = 1 + r.int(64);
      return [`drop ${n} at ${p}`, concatBytes(b.subarray(0, p), b.subarray(p + n))];
    }
    case 4: {
      const p = at(), q = p + r.int(b.length - p + 1);
      return [`repeat ${p}..${q}`, concatBytes(b.subarray(0, q), b.subarray(p, q), b.subarray(q))];
    }
    case 5: { // another file's header on this file's data
      const o = r.pick(others);
      return ['splice headers', concatBytes(o.subarray(0, headerEnd(kind, o)), b.subarray(headerEnd(kind, b)))];
    }
    default: {
      const header = kind === 'png' ? withIhdr(b, r) : kind === 'jpg' ? withSof(b, r) : withPgmHeader(b, r);
      return ['rewrite header', r.next() < 0.3 ? header.subarray(0, r.int(header.length + 1)) : header];
    }
  }
}

function checkImage(img: Image, channels: number): string | null {
  if (!(img.data instanceof Uint8Array)) return 'data is not a Uint8Array';
  if (!(Number.isInteger(img.width) && img.width > 0 && Number.isInteger(img.height) && img.height > 0)) return `size ${img.width}x${img.height}`;
  if (img.channels !== channels) return `channels ${img.channels}, asked for ${channels}`;
  if (img.data.length !== img.width * img.height * channels) return `data holds ${img.data.length} bytes for ${img.width}x${img.height}x${channels}`;
  return null;
}

// ---- models -----------------------------------------------------------------------------------------

type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

const ODD_VALUES: JsonValue[] = [null, true, 0, -1, 3.5, 1e308, 2 ** 31, 1e9, '', 'x', 'float16', 'int32', '../weights.bin',
  '/etc/hostname', [], [1e9, 1e9], [-1], {}, { class_name: 'Mystery', config: {} }];

/** Every place in a JSON tree, as a path of keys. */
function places(v: JsonValue, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => places(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) places(v[k], [...at, k], out);
  return out;
}

function mutateJson(text: string, r: Rng): [string, string] {
  const choice = r.int(6);
  if (choice === 0) { const n = r.int(text.length); return [`model.json cut to ${n}`, text.slice(0, n)]; }
  if (choice === 1) {
    const chars = text.split('');
    for (let k = 0; k < 1 + r.int(4); k++) chars[r.int(chars.length)] = r.pick(['{', '"', ']', '9', ',', ':', 'x', '-']);
    return ['model.json characters flipped', chars.join('')];
  }
  const json = JSON.parse(text) as JsonValue;
  const all = places(json).filter((p) => p.length > 0);
  const target = r.pick(all);
  const parent = target.slice(0, -1).reduce((o, k) => (o as Record<string, JsonValue>)[k], json) as Record<string | number, JsonValue>;
  const key = target[target.length - 1];
  if (choice === 2 && !Array.isArray(parent)) {
    delete parent[key];
    return [`deleted ${target.join('.')}`, JSON.stringify(json)];
  }
  const value = choice === 3 && typeof parent[key] === 'number' ? (parent[key] as number) * r.pick([1000, 1e6, -1, 0]) : r.pick(ODD_VALUES);
  parent[key] = value;
  return [`${target.join('.')} = ${JSON.stringify(value)}`, JSON.stringify(json)];
}

function mutateWeights(bin: Uint8Array, r: Rng): [string, Uint8Array] {
  switch (r.int(4)) {
    case 0: { const n = r.int(bin.length); return [`weights.bin cut to ${n}`, bin.subarray(0, n)]; }
    case 1: return ['weights.bin longer', concatBytes(bin, new Uint8Array(4 * (1 + r.int(8))))];
    case 2: {
      const out = Uint8Array.from(bin);
      const view = new DataView(out.buffer);
      const v = r.pick([NaN, Infinity, -Infinity, 3.4e38]);
      view.setFloat32(4 * r.int(out.length / 4), v, true);
      return [`weights.bin holds ${v}`, out];
    }
    default: {
      const out = Uint8Array.from(bin);
      for (let k = 0; k < 8; k++) out[r.int(out.length)] = r.int(256);
      return ['weights.bin bytes flipped', out];
    }
  }
}

// ---- the tests --------------------------------------------------------------------------------------

describe('fuzz: the readers end every mangled file in a result or an Error naming it', () => {
  it(`${IMAGE_CASES} mutated JPEG / PNG / PGM files`, async () => {
    const tally = new Tally();
    const seeds = await seedImages();
    const r = rng(SEED);
    for (let c = 0; c < IMAGE_CASES; c++) {
      const [kind, bytes] = seeds[c % seeds.length];
      const others = seeds.filter(([k]) => k === kind).map(([, b]) => b);
      const [how, mutated] = mutate(kind, bytes, others, r);
      const name = `case-${c}.${kind}`;
      const channels = r.pick([1, 3] as const);
      await tally.run(`image case ${c} (${kind} seed ${c % seeds.length}, ${how})`, name,
        () => decodeImage(mutated, name, { channels }), (img) => checkImage(img, channels));
    }
    tally.report('images');
  }, 60_000);

  it(`${MODEL_CASES} mangled model folders (model.json, weights.bin)`, async () => {
    const model = sn.sequential({ seed: 2 });
    model.add(sn.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1] }));
    model.add(sn.layers.flatten());
    model.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    model.classNames = ['a', 'b', 'c'];
    const good = freshDir();
    await saveModel(model, good);
    const text = fs.readFileSync(path.join(good, 'model.json'), 'utf8');
    const bin = new Uint8Array(fs.readFileSync(path.join(good, 'weights.bin')));
    const r = rng(SEED + 1);
    const tally = new Tally();
    for (let c = 0; c < MODEL_CASES; c++) {
      const dir = freshDir();
      fs.mkdirSync(dir);
      const [jsonHow, json] = r.next() < 0.7 ? mutateJson(text, r) : ['model.json intact', text];
      const [binHow, weights] = r.next() < 0.5 || jsonHow === 'model.json intact' ? mutateWeights(bin, r) : ['weights.bin intact', bin];
      fs.writeFileSync(path.join(dir, 'model.json'), json);
      fs.writeFileSync(path.join(dir, 'weights.bin'), weights);
      await tally.run(`model case ${c} (${jsonHow}; ${binHow})`, dir, () => loadModel(dir), (m) => {
        const ok = m instanceof sn.Sequential && m.layers.length > 0 ? null : 'not a model with layers';
        m.dispose();
        return ok;
      });
    }
    model.dispose();
    tally.report('model folders');
  }, 60_000);
});
