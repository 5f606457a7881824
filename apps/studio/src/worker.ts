// The Studio's training worker: it owns simdnet (kernels, helper threads, the photos as tensors, the model)
// so that the page never runs a kernel. Requests are handled one at a time, in order. The same file, started
// under the name RENDER_ROLE, is a render worker: it renders some people of the face set, in parallel with
// the others (each person's photos come from their own random stream, so the pixels are the same).
import * as sn from 'simdnet';
import { SIDE, type Answer, type DatasetInfo, type Envelope, type ModelInfo, type Prediction, type Replies, type Request, type SplitInfo, type WorkerEvent } from './protocol.js';
import { buildModel, checkRecipe, evaluatePhotos, photosFrom, renderPeople, splitIndices, steadyRate, trainModel, type PersonPhotos, type Photos } from './session.js';

const scope = self as unknown as {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
  crossOriginIsolated?: boolean;
  name: string;
};
const RENDER_ROLE = 'simdnet-studio-render';

interface RenderJob { seed: number; perPerson: number | null; people: number[] }
type RenderNews = { done: number; total: number } | { parts: PersonPhotos[] } | { error: string };

/** The face set rendered by one render worker per core, each taking every cores-th person. */
async function renderInParallel(seed: number, perPerson: number | null, send: (e: WorkerEvent) => void): Promise<Photos> {
  const k = sn.LAB_LABELS.length;
  const workers = Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 8));
  const progress = new Array<{ done: number; total: number }>(workers).fill({ done: 0, total: 0 });
  const jobs = Array.from({ length: workers }, (_, w) => Array.from({ length: k }, (_, i) => i).filter((i) => i % workers === w));
  const parts = await Promise.all(jobs.map((people, w) => new Promise<PersonPhotos[]>((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { type: 'module', name: RENDER_ROLE });
    worker.onmessage = (e: MessageEvent<RenderNews>) => {
      const m = e.data;
      if ('done' in m) {
        progress[w] = m;
        const done = progress.reduce((s, p) => s + p.done, 0), total = progress.reduce((s, p) => s + p.total, 0);
        if (progress.every((p) => p.total > 0)) send({ kind: 'progress', what: 'rendering faces', done, total });
        return;
      }
      worker.terminate();
      if ('error' in m) reject(new Error(`rendering the faces failed: ${m.error}`)); else resolve(m.parts);
    };
    worker.onerror = (e) => { worker.terminate(); reject(new Error(`a render worker failed: ${e.message || 'it could not start'}`)); };
    worker.postMessage({ seed, perPerson, people } satisfies RenderJob);
  })));
  return photosFrom(sn, parts.flat());
}

/** The render role: one job, then the photos (their buffers transferred). */
function renderRole(): void {
  scope.onmessage = (e: MessageEvent<RenderJob>) => {
    try {
      const { seed, perPerson, people } = e.data;
      const parts = renderPeople(sn, seed, perPerson, people, (done, total) => { if (done % 4 === 0 || done === total) scope.postMessage({ done, total } satisfies RenderNews); });
      scope.postMessage({ parts } satisfies RenderNews, parts.map((p) => p.x.buffer as ArrayBuffer));
    } catch (err) {
      scope.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies RenderNews);
    }
  };
}

let photos: Photos | null = null;
let source = '';
let skipped: string[] = [];
let split: SplitInfo | null = null;
let model: sn.Sequential | null = null;
let modelSource = '';
/** Set to 1 by the page's stop button (shared memory: read between batches, while fit holds this thread). */
let stopFlag: Int32Array | null = null;

const thumbnailsOf = (x: sn.Tensor) => Uint8Array.from(x.data, (v) => Math.round(v * 255));

function datasetInfo(): DatasetInfo {
  const p = photos!;
  return { source, classNames: p.classNames, labels: p.labels, names: p.names, thumbnails: thumbnailsOf(p.x), skipped };
}

function makeSplit(seed: number, testSize: number): SplitInfo {
  if (!photos) throw new Error('no photos yet: generate the face set or pick your photos first');
  if (split && split.seed === seed && split.testSize === testSize) return split;
  const s = splitIndices(sn, photos.labels, photos.classNames.length, testSize, seed);
  split = { ...s, seed, testSize };
  return split;
}

function describeModel(m: sn.Sequential, from: string): ModelInfo {
  return { summary: m.summary(undefined, () => undefined), classNames: outputNames(m), inputShape: photoShape(m), params: m.countParams(), source: from };
}

function outputNames(m: sn.Sequential): string[] {
  const k = m.outputShape[m.outputShape.length - 1] ?? 0;
  if (m.classNames?.length === k) return [...m.classNames];
  if (photos?.classNames.length === k) return [...photos.classNames];
  return Array.from({ length: k }, (_, i) => `class ${i}`);
}

/** The photo shape [height, width, channels] of a model checkFits let in. */
const photoShape = (m: sn.Sequential): [number, number, number] => m.inputShape as [number, number, number];

/** A loaded model must take photos: [height, width, 1 or 3] in, one probability per class out. */
function checkFits(m: sn.Sequential, from: string): sn.Sequential {
  const input = m.inputShape, output = m.outputShape;
  const fits = input.length === 3 && input.every((d) => d !== null && Number.isInteger(d) && d > 0) && (input[2] === 1 || input[2] === 3) &&
    output.length === 1 && (output[0] ?? 0) >= 2;
  if (!fits) {
    m.dispose();
    const show = (s: (number | null)[]) => s.map((d) => d ?? 'None').join(', ');
    throw new Error(`${from} does not fit the Studio: it takes inputs of shape [${show(input)}] and gives [${show(output)}]; ` +
      'the Studio needs photos in ([height, width, 1 or 3]) and one probability per class out');
  }
  return m;
}

function replaceModel(m: sn.Sequential, from: string): ModelInfo {
  if (model && model !== m) model.dispose();
  model = m;
  modelSource = from;
  return describeModel(m, from);
}

async function loadPhotos(files: { name: string; label: string; bytes: ArrayBuffer }[], send: (e: WorkerEvent) => void): Promise<void> {
  const per = SIDE * SIDE * 3;
  const kept: { x: Float32Array; label: string; name: string }[] = [];
  const bad: string[] = [];
  files.forEach((f, i) => {
    try {
      const img = sn.io.decodeImage(new Uint8Array(f.bytes), f.name);
      kept.push({ x: sn.io.imageToTensor(img, { size: [SIDE, SIDE], channels: 3 }).data as Float32Array, label: f.label, name: f.name });
    } catch (e) {
      bad.push((e as Error).message);
    }
    if (i % 8 === 7 || i === files.length - 1) send({ kind: 'progress', what: 'decoding photos', done: i + 1, total: files.length });
  });
  const classNames = [...new Set(kept.map((k) => k.label))].sort();
  if (kept.length === 0) throw new Error(`none of the ${files.length} photos could be read:\n${bad.slice(0, 5).join('\n')}`);
  if (classNames.length < 2) {
    throw new Error(`the photos that could be read hold one class only (${classNames[0]}); classification needs at least two` +
      (bad.length ? `\n${bad.length} unreadable: ${bad.slice(0, 3).join('; ')}` : ''));
  }
  const x = new Float32Array(kept.length * per);
  kept.forEach((k, i) => x.set(k.x, i * per));
  photos = { x: sn.tensor(x, [kept.length, SIDE, SIDE, 3]), labels: Int32Array.from(kept, (k) => classNames.indexOf(k.label)), classNames, names: kept.map((k) => k.name) };
  skipped = bad;
}

const handlers: { [T in Request['type']]: (r: Extract<Request, { type: T }>, send: (e: WorkerEvent) => void) => Promise<Replies[T]> } = {
  async init(r) {
    stopFlag = r.stop ? new Int32Array(r.stop) : null;
    await sn.ready({ wasm: (file) => new URL(`./wasm/${file}`, import.meta.url) });
    return { backend: sn.backend(), isolated: scope.crossOriginIsolated === true, cores: navigator.hardwareConcurrency ?? 1 };
  },

  async generate(r, send) {
    const perPerson = r.perPerson;
    photos = await renderInParallel(r.seed, perPerson, send);
    source = `generated faces, seed ${r.seed}${perPerson ? `, first ${perPerson} per person` : ''}`;
    skipped = [];
    split = null;
    return { dataset: datasetInfo(), split: makeSplit(r.seed, r.testSize) };
  },

  async photos(r, send) {
    await loadPhotos(r.files, send);
    source = r.source;
    split = null;
    return { dataset: datasetInfo(), split: makeSplit(r.seed, r.testSize) };
  },

  async split(r) { return makeSplit(r.seed, r.testSize); },

  async summary(r) {
    const m = sn.models.labFaceCnn({ numClasses: r.numClasses });
    const info = describeModel(m, 'the lab CNN (untrained)');
    m.dispose();
    return info;
  },

  async train(r, send) {
    checkRecipe(r.recipe);
    if (!photos) throw new Error('no photos yet: generate the face set or pick your photos first');
    const s = makeSplit(r.recipe.seed, r.recipe.testSize);
    if (stopFlag) Atomics.store(stopFlag, 0, 0);
    const m = buildModel(sn, photos.classNames.length, r.recipe);
    m.classNames = [...photos.classNames];
    replaceModel(m, `trained here on ${source}`);
    const outcome = await trainModel(sn, m, photos, s, r.recipe, {
      onBatch: send, onEpoch: send,
      shouldStop: () => stopFlag !== null && Atomics.load(stopFlag, 0) === 1,
    });
    const evaluation = await evaluatePhotos(sn, m, photos, s.val, r.recipe.threads);
    return {
      history: outcome.history, epochs: outcome.history.loss?.length ?? 0, stopped: outcome.stopped,
      imgPerSec: steadyRate(outcome.epochRates), seconds: outcome.seconds, evaluation, model: describeModel(m, modelSource),
    };
  },

  async predict(r) {
    if (!model) throw new Error('no model yet: train one, or load one from this browser or from files');
    const [h, w, c] = photoShape(model);
    const img = sn.io.decodeImage(new Uint8Array(r.bytes), r.name);
    const x = sn.io.imageToTensor(img, { size: [h, w], channels: c as 1 | 3 });
    const probabilities = Array.from((await model.predict(x, { threads: 1 })).data);
    const names = outputNames(model);
    const top = probabilities.map((probability, i) => ({ name: names[i], probability })).sort((a, b) => b.probability - a.probability).slice(0, 3);
    const seen: Prediction['seen'] = { width: w, height: h, channels: c, data: thumbnailsOf(x) };
    return { top, probabilities, seen };
  },

  async save(r) {
    if (!model) throw new Error('no model to save yet: train one first');
    await model.save(r.target);
    return { target: r.target };
  },

  async load(r) { return replaceModel(checkFits(await sn.loadModel(r.target), r.target), `${r.target} (saved in this browser)`); },

  async artifacts() {
    if (!model) throw new Error('no model to download yet: train one first');
    const a = await model.toArtifacts();
    const weights = a.weights.slice().buffer as ArrayBuffer;
    return { modelJson: JSON.stringify(a.modelJson), weights };
  },

  async loadFiles(r) {
    const m = await sn.loadModel({ modelJson: r.modelJson, weights: r.weights });
    return replaceModel(checkFits(m, r.name), r.name);
  },
};

/** Transferable buffers of a reply (sent, not copied). */
function transfers(result: unknown): Transferable[] {
  const r = result as { dataset?: DatasetInfo; weights?: ArrayBuffer; seen?: { data: Uint8Array } };
  const list: Transferable[] = [];
  if (r?.dataset) list.push(r.dataset.thumbnails.buffer as ArrayBuffer);
  if (r?.weights) list.push(r.weights);
  if (r?.seen) list.push(r.seen.data.buffer as ArrayBuffer);
  return list;
}

let queue: Promise<void> = Promise.resolve();
const trainingRole = (e: MessageEvent<Envelope>) => {
  const { id, request } = e.data;
  const send = (event: WorkerEvent) => scope.postMessage({ id, event } satisfies Answer);
  queue = queue.then(async () => {
    try {
      const handler = handlers[request.type] as (r: Request, s: typeof send) => Promise<unknown>;
      if (!handler) throw new Error(`unknown request ${JSON.stringify(request.type)}`);
      const result = await handler(request, send);
      scope.postMessage({ id, result } satisfies Answer, transfers(result));
    } catch (err) {
      scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) } satisfies Answer);
    }
  });
};

if (scope.name === RENDER_ROLE) renderRole(); else scope.onmessage = trainingRole;
