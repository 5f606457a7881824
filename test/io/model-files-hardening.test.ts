// Model files against unlucky or hostile input: class names saved with the model (and tfjs still loading
// it), weights paths that leave the model folder, non-finite weights, empty models, huge declared shapes,
// the saved folder's permissions and the temporary folders an interrupted save leaves behind.
import * as tf from '@tensorflow/tfjs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { loadHooks, loadModel, modelToArtifacts, saveHooks, saveModel, type ModelJson } from '../../src/io/model-files.js';
import { tempFolders } from './temp-folders.js';

const { freshDir, remove } = tempFolders('simdnet-model-hardening-');

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});
afterEach(() => { delete saveHooks.afterStep; });
afterAll(remove);

function tinyModel(units = 3, activation = 'softmax'): sn.Sequential {
  const m = sn.sequential({ seed: 5 });
  m.add(sn.layers.dense({ units, activation: activation as 'softmax', inputShape: [4] }));
  return m;
}

/** The message of what `run` throws or rejects with ('' if nothing). */
async function errorOf(run: () => unknown): Promise<string> {
  try { await run(); } catch (e) { return (e as Error).message; }
  return '';
}

const readJson = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as ModelJson;
const writeJson = (dir: string, json: unknown) => fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
const listing = (dir: string) => fs.readdirSync(dir).sort();

describe('class names travel with the model', () => {
  it('are saved in model.json (userDefinedMetadata) and loaded back; tfjs loads the same file and keeps them', async () => {
    const m = tinyModel();
    m.classNames = ['cat', 'dog', 'eel'];
    m.compile({ optimizer: 'sgd', loss: 'huber' }); // a loss tfjs lacks also goes to userDefinedMetadata
    const dir = freshDir();
    await saveModel(m, dir);
    const json = readJson(dir);
    expect(json.userDefinedMetadata).toEqual({
      simdnet_training_config: expect.objectContaining({ loss: 'huber' }), simdnet_class_names: ['cat', 'dog', 'eel'],
    });
    const again = await loadModel(dir);
    expect(again.classNames).toEqual(['cat', 'dog', 'eel']);
    expect(again.loss).toBe('huber');
    // tfjs reads model.json as tf.io.http / browserFiles do
    const bin = fs.readFileSync(path.join(dir, 'weights.bin'));
    const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
    const artifacts = await tf.io.getModelArtifactsForJSON(json as unknown as tf.io.ModelJSON,
      async (manifest) => [manifest[0].weights, weightData]);
    const t = await tf.loadLayersModel({ load: async () => artifacts });
    expect(t.getUserDefinedMetadata()).toEqual(json.userDefinedMetadata);
    const x = sn.tensor([[0.1, 0.2, 0.3, 0.4]]);
    const theirs = t.predict(tf.tensor([[0.1, 0.2, 0.3, 0.4]])) as tf.Tensor;
    const ours = (await m.predict(x)).data;
    (await theirs.data()).forEach((v, i) => expect(v).toBeCloseTo(ours[i], 6));
    // a model without names saves no names
    const plain = freshDir();
    await saveModel(tinyModel(), plain);
    expect(readJson(plain).userDefinedMetadata).toBeUndefined();
    expect((await loadModel(plain)).classNames).toBeUndefined();
    t.dispose(); m.dispose(); again.dispose();
  });

  it('names that do not fit the model are refused at save, and in model.json at load', async () => {
    const m = tinyModel();
    const dir = freshDir();
    for (const [names, msg] of [
      [['a', 'b'], `saveModel: classNames has 2 names but the model has 3 outputs; give one name per output`],
      [['a', 'a', 'b'], 'saveModel: classNames has duplicates: a'],
      [['a', '', 'c'], 'saveModel: classNames must be non-empty strings, got ["a","","c"]'],
      ['abc', 'saveModel: classNames must be an array of strings, got "abc"'],
    ] as [unknown, string][]) {
      m.classNames = names as string[];
      expect(await errorOf(() => saveModel(m, dir))).toBe(msg);
      expect(fs.existsSync(dir)).toBe(false);
    }
    // one sigmoid output: two names, for 0 and 1
    const binary = tinyModel(1, 'sigmoid');
    binary.classNames = ['no', 'yes'];
    await saveModel(binary, dir);
    expect((await loadModel(dir)).classNames).toEqual(['no', 'yes']);
    const json = readJson(dir);
    (json.userDefinedMetadata as Record<string, unknown>).simdnet_class_names = ['no'];
    writeJson(dir, json);
    expect(await errorOf(() => loadModel(dir))).toBe(
      `loadModel: ${path.join(dir, 'model.json')}: classNames has 1 names but the model has 1 output (sigmoid: 2 names); give one name per output`);
    m.dispose(); binary.dispose();
  });
});

describe('loading refuses what it should not read or use', () => {
  it('a weights path that leaves the model folder, or is absolute, is refused without reading it', async () => {
    const dir = freshDir();
    await saveModel(tinyModel(), dir);
    const outside = path.join(path.dirname(dir), 'secret.bin');
    fs.copyFileSync(path.join(dir, 'weights.bin'), outside); // readable and the right size: only the path is wrong
    const json = readJson(dir);
    const jsonPath = path.join(dir, 'model.json');
    for (const p of ['../secret.bin', 'sub/../../secret.bin', outside]) {
      json.weightsManifest[0].paths = [p];
      writeJson(dir, json);
      expect(await errorOf(() => loadModel(dir))).toBe(
        `loadModel: ${jsonPath}: weights path ${JSON.stringify(p)} ${path.isAbsolute(p) ? 'is absolute' : 'leads outside the model folder'}; ` +
        `weights files must be inside ${dir}`);
    }
    // a sub-folder inside is fine
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.renameSync(path.join(dir, 'weights.bin'), path.join(dir, 'sub', 'w.bin'));
    json.weightsManifest[0].paths = ['sub/w.bin'];
    writeJson(dir, json);
    expect((await loadModel(dir)).countParams()).toBe(15);
  });

  it('NaN or Infinity in weights.bin is refused, naming model.json, the weight and the index', async () => {
    const dir = freshDir();
    await saveModel(tinyModel(), dir);
    const bin = path.join(dir, 'weights.bin');
    const good = fs.readFileSync(bin);
    for (const [value, at, name, index] of [[NaN, 5, 'dense/kernel', 5], [-Infinity, 13, 'dense/bias', 1]] as const) {
      const bad = Buffer.from(good);
      bad.writeFloatLE(value, at * 4);
      fs.writeFileSync(bin, bad);
      expect(await errorOf(() => loadModel(dir))).toBe(
        `loadModel: ${path.join(dir, 'model.json')}: weight ${name} holds ${value} at flat index ${index}; a model with non-finite weights cannot be used`);
    }
  });

  it('a refused load gives back the memory it took (non-finite weights, a file that shrinks while read); a weights path that is a folder is named', async () => {
    const dir = freshDir();
    await saveModel(tinyModel(), dir);
    const bin = path.join(dir, 'weights.bin');
    const good = fs.readFileSync(bin);
    await (await loadModel(dir)).dispose(); // the kernels and the arena's first growth, out of the count
    const used = sn.memory().usedBytes;
    const bad = Buffer.from(good);
    bad.writeFloatLE(NaN, 0);
    fs.writeFileSync(bin, bad);
    expect(await errorOf(() => loadModel(dir))).toMatch(/holds NaN at flat index 0/);
    expect(sn.memory().usedBytes).toBe(used);
    // a weights file that shrinks once the model's memory is taken: named, and the memory given back
    fs.writeFileSync(bin, good);
    loadHooks.beforeRead = () => fs.truncateSync(bin, 20);
    try {
      expect(await errorOf(() => loadModel(dir))).toBe(
        `loadModel: cannot read ${bin}: it ended at byte 20, but it held ${good.length} bytes when loadModel began`);
    } finally { delete loadHooks.beforeRead; }
    expect(sn.memory().usedBytes).toBe(used);
    fs.rmSync(bin);
    fs.mkdirSync(bin);
    expect(await errorOf(() => loadModel(dir))).toBe(`loadModel: cannot read ${bin}: not a file`);
    expect(sn.memory().usedBytes).toBe(used);
  });

  it('weights read straight into Wasm memory land right when the memory grows during the reads', async () => {
    // fillWeights (what loadModel reads a folder through) makes its views again if the memory grew meanwhile
    const dir = freshDir();
    const src = tinyModel();
    await saveModel(src, dir);
    const want = src.getWeights();
    const model = await loadModel(dir);
    model.setWeights(want.map((w) => new sn.Tensor(new Float32Array(w.size), w.shape))); // what the reads must overwrite
    const rt = (await import('../../src/runtime/wasm.js')).runtime();
    let grown = 0, calls = 0;
    const bad = await model.fillWeights(async (i, bytes) => {
      calls++;
      await new Promise((r) => setTimeout(r, 1));
      if (grown === 0) grown = rt.arena.alloc(rt.memory.buffer.byteLength + 65536, 'test: growth'); // forces a grow
      bytes.set(new Uint8Array(want[i].data.buffer, want[i].data.byteOffset, bytes.byteLength)); // throws on a detached view
    });
    rt.arena.release(grown);
    expect(bad).toBe(-1);
    expect(calls).toBe(2 * want.length); // once into the views made before the growth, once again after
    model.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(want[i].data)));
    model.dispose();
  });

  it('huge shapes declared in model.json are refused before anything is allocated', async () => {
    const dir = freshDir();
    const m = tinyModel();
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await saveModel(m, dir);
    const jsonPath = path.join(dir, 'model.json');
    const rss0 = process.memoryUsage().rss;
    // the topology asks for a 4 x 200 000 000 kernel (3.2 GB) and an optimizer for it
    const json = readJson(dir);
    (json.modelTopology as { config: { layers: { config: { units: number } }[] } }).config.layers[0].config.units = 200_000_000;
    writeJson(dir, json);
    expect(await errorOf(() => loadModel(dir))).toBe(
      `loadModel: ${jsonPath}: dense/kernel has shape [4,3] in the manifest but the layer needs [4,200000000]`);
    // the manifest declares 10^18 floats
    const json2 = readJson(dir);
    json2.weightsManifest[0].weights[0].shape = [1e9, 1e9];
    writeJson(dir, json2);
    expect(await errorOf(() => loadModel(dir))).toBe(
      `loadModel: ${path.join(dir, 'weights.bin')} holds 60 bytes but the manifest needs 4000000000000000000`);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(200 * 2 ** 20);
    m.dispose();
  });
});

describe('saving', () => {
  it('an empty model is refused at save, naming the problem, and nothing is written', async () => {
    const dir = freshDir();
    const msg = "model 'sequential' has no layers: a model without layers cannot be loaded again; add layers before saving";
    expect(await errorOf(() => saveModel(sn.sequential(), dir))).toBe(`saveModel: ${msg}`);
    expect(await errorOf(() => modelToArtifacts(sn.sequential()))).toBe(`modelToArtifacts: ${msg}`);
    expect(listing(path.dirname(dir))).toEqual([]);
  });

  it.skipIf(process.platform === 'win32')('the saved folder and files get the umask\'s permissions, not mkdtemp\'s 0700', async () => {
    const old = process.umask(0o027);
    try {
      const dir = freshDir();
      await saveModel(tinyModel(), dir);
      expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe('750');
      expect((fs.statSync(path.join(dir, 'weights.bin')).mode & 0o777).toString(8)).toBe('640');
    } finally {
      process.umask(old);
    }
  });

  it('the next save removes temporary folders of interrupted saves; those of live saves are kept', async () => {
    const dir = freshDir();
    const parent = path.dirname(dir);
    await saveModel(tinyModel(), dir);
    const dead = 999_999_999; // above any pid_max: no such process
    const live = process.ppid;
    const now = Date.now().toString(36), hourAgo = (Date.now() - 3600_000).toString(36);
    const make = (name: string, oldMtime = false) => {
      const p = path.join(parent, name);
      fs.mkdirSync(p);
      fs.writeFileSync(path.join(p, 'model.json'), '{}');
      if (oldMtime) fs.utimesSync(p, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    };
    make(`model.saving-${dead}-${now}-a1b2c3`); // its process is gone
    make(`model.replaced-${dead}-${now}-d4e5f6`);
    make(`model.saving-${live}-${hourAgo}-g7h8i9`); // a live pid, but an hour old: the pid was reused
    make(`model.saving-${live}-${now}-j1k2l3`); // a save in progress in another process
    make('model.saving-Xy12Ab'); // older simdnet's mkdtemp name, no pid: recent, kept
    make('model.saving-Qr34Cd', true); // ... modified an hour ago, removed
    make(`other.saving-${dead}-${now}-zz`); // another model's
    fs.writeFileSync(path.join(parent, `model.saving-${dead}-${now}-file`), 'not a folder simdnet made');
    await saveModel(tinyModel(), dir);
    expect(listing(parent)).toEqual(['model', `model.saving-${dead}-${now}-file`, `model.saving-${live}-${now}-j1k2l3`,
      'model.saving-Xy12Ab', `other.saving-${dead}-${now}-zz`].sort());
  });

  it('saves to one path in this process run one after the other: the second waits, the first\'s folder is kept, the last one wins', async () => {
    const dir = freshDir();
    const parent = path.dirname(dir);
    await saveModel(tinyModel(), dir);
    const second = tinyModel();
    second.classNames = ['x', 'y', 'z'];
    saveHooks.staleAfterMs = 0; // every folder counts as old: only being in progress here keeps one
    let inner: Promise<void> | null = null;
    saveHooks.afterStep = async (step) => {
      if (step !== 'weights.bin' || inner) return;
      const mine = listing(parent).filter((n) => n.startsWith('model.saving-'));
      expect(mine).toHaveLength(1);
      inner = saveModel(second, dir);
      await new Promise((r) => setTimeout(r, 50));
      // the second save has not started: the first's folder is the only one, and it is still there
      expect(listing(parent).filter((n) => n.startsWith('model.saving-'))).toEqual(mine);
    };
    try {
      await saveModel(tinyModel(), dir);
      expect(inner).not.toBeNull();
      await inner;
    } finally {
      delete saveHooks.staleAfterMs;
    }
    expect(listing(parent)).toEqual(['model']);
    expect((await loadModel(dir)).classNames).toEqual(['x', 'y', 'z']); // the second save came last
  });
});
