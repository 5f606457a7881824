// The Studio page: forms, photos, charts and results. Every kernel runs in the training worker
// (worker.ts); this thread only sends requests and draws what comes back.
import { TrainingChart } from './charts.js';
import { StudioWorker } from './client.js';
import { checkClasses, labelFiles } from './folders.js';
import { droppedFiles, modelFiles } from './picks.js';
import {
  DEFAULT_LR, type BatchEvent, type DatasetInfo, type EpochEvent, type ModelInfo, type Prediction, type Recipe, type Replies,
  type SplitInfo, type WorkerEvent,
} from './protocol.js';
import { classGrid, confusionTable, duration, misclassifiedList, thumbnail, topThree } from './render.js';
import { checkRecipe } from './session.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const input = (id: string) => $<HTMLInputElement>(id);
const IDB_TARGET = 'indexeddb://simdnet-studio';

// ---- state ----------------------------------------------------------------------------------------------

let dataset: DatasetInfo | null = null;
let split: SplitInfo | null = null;
let model: ModelInfo | null = null;
let busy = false;
let training = false;
let lastEvaluationDataset: DatasetInfo | null = null;
/** Shared with the worker: the stop button sets it, the worker reads it after every batch. */
const stopBuffer = globalThis.crossOriginIsolated ? new SharedArrayBuffer(4) : null;
/** Milliseconds since the page was opened (performance.now()), for the measurements in the README. */
const timings: { [what: string]: number | number[] } = {};
const mark = (what: string) => { timings[what] ??= Math.round(performance.now()); $('timings').textContent = JSON.stringify(timings); };

function showError(id: string, err: unknown): void {
  const p = $(id);
  if (err === null) { p.hidden = true; p.textContent = ''; return; }
  p.textContent = err instanceof Error ? err.message : String(err);
  p.hidden = false;
}

const worker = new StudioWorker((message) => { showError('page-error', message); busy = false; training = false; refresh(); });

/** Enables what can be done now. */
function refresh(): void {
  const ready = $('env').dataset.ready === 'yes';
  const idle = ready && !busy;
  $<HTMLButtonElement>('generate').disabled = !idle;
  for (const id of ['folder', 'files', 'predict-file', 'load-files']) input(id).disabled = !idle;
  $<HTMLButtonElement>('train').disabled = !idle || !dataset;
  $<HTMLButtonElement>('stop').disabled = !training || !stopBuffer;
  $<HTMLButtonElement>('save').disabled = !idle || !model;
  $<HTMLButtonElement>('download').disabled = !idle || !model;
  $<HTMLButtonElement>('load').disabled = !idle;
  $<HTMLButtonElement>('camera').disabled = !idle;
  $<HTMLButtonElement>('snap').disabled = !idle || !model;
}

/** Runs one thing at a time, its failure shown in errorId. */
async function task(errorId: string, fn: () => Promise<void>): Promise<void> {
  if (busy) return;
  busy = true;
  showError(errorId, null);
  refresh();
  try {
    await fn();
  } catch (e) {
    showError(errorId, e);
  } finally {
    busy = false;
    refresh();
  }
}

// ---- the recipe -----------------------------------------------------------------------------------------

function numberField(id: string, name: string): number {
  const raw = input(id).value.trim();
  if (raw === '') throw new Error(`${name} is empty`);
  const v = Number(raw);
  if (!Number.isFinite(v)) throw new Error(`${name} must be a number, got ${JSON.stringify(raw)}`);
  return v;
}

function readRecipe(): Recipe {
  const recipe: Recipe = {
    optimizer: $<HTMLSelectElement>('optimizer').value as Recipe['optimizer'],
    lr: numberField('lr', 'learning rate'),
    momentum: numberField('momentum', 'momentum'),
    nesterov: input('nesterov').checked,
    lrDrop: numberField('lr-drop', 'learning-rate drop'),
    dropEvery: numberField('drop-every', 'drop every'),
    epochs: numberField('epochs', 'epochs'),
    batchSize: numberField('batch-size', 'batch size'),
    threads: numberField('threads', 'threads'),
    seed: numberField('seed', 'seed'),
    testSize: numberField('test-size', 'validation %') / 100,
  };
  checkRecipe(recipe);
  if (recipe.threads > 1 && !stopBuffer) throw new Error('threads must be 1 here: this page is not cross-origin isolated (served without COOP/COEP headers), so it has no SharedArrayBuffer for worker threads');
  return recipe;
}

function onOptimizerChange(previous: { value: Recipe['optimizer'] }): void {
  const now = $<HTMLSelectElement>('optimizer').value as Recipe['optimizer'];
  // a learning rate still at the previous optimizer's default follows the new one's
  if (Number(input('lr').value) === DEFAULT_LR[previous.value]) input('lr').value = String(DEFAULT_LR[now]);
  for (const e of document.querySelectorAll<HTMLElement>('.sgd-only')) e.hidden = now !== 'sgd';
  previous.value = now;
}

// ---- photos ---------------------------------------------------------------------------------------------

function showDataset(d: DatasetInfo, s: SplitInfo): void {
  dataset = d; split = s;
  classGrid($('classes'), d, s);
  const skipped = d.skipped.length ? ` ${d.skipped.length} file(s) left out: ${d.skipped.slice(0, 8).join('; ')}${d.skipped.length > 8 ? '; …' : ''}` : '';
  $('data-status').textContent = `${d.labels.length} photos of ${d.classNames.length} classes (${d.source}).${skipped}`;
  showSplit();
  mark('dataReady');
}

function showSplit(): void {
  if (!split || !dataset) return;
  $('split').textContent = `Split: ${split.train.length} train / ${split.val.length} validation photos ` +
    `(${+(split.testSize * 100).toFixed(2)} %, stratified by class, seed ${split.seed}).`;
}

function progress(e: WorkerEvent): void {
  if (e.kind !== 'progress') return;
  const bar = $<HTMLProgressElement>('data-progress');
  bar.hidden = e.done >= e.total;
  bar.value = e.done / e.total;
  $('data-status').textContent = `${e.what}: ${e.done} / ${e.total}`;
}

async function summaryFor(numClasses: number): Promise<void> {
  showModel(await worker.call({ type: 'summary', numClasses }), false);
}

function showModel(m: ModelInfo, trained: boolean): void {
  $('summary').textContent = m.summary;
  $('params').textContent = m.params.toLocaleString('en');
  if (trained) model = m;
}

async function generate(): Promise<void> {
  const raw = input('per-person').value.trim();
  const perPerson = raw === '' ? null : Number(raw);
  // one photo per person leaves none to validate on (the split keeps each person's photos in both sets)
  if (perPerson !== null && !(Number.isInteger(perPerson) && perPerson >= 2 && perPerson <= 50)) {
    throw new Error(`photos per person must be a whole number from 2 to 50 (or empty for all), got ${JSON.stringify(raw)}`);
  }
  const seed = numberField('seed', 'seed');
  if (!Number.isInteger(seed)) throw new Error(`seed must be a whole number, got ${seed}`);
  $('data-status').textContent = 'rendering faces…';
  const r = await worker.call({ type: 'generate', seed, perPerson, testSize: numberField('test-size', 'validation %') / 100 }, progress);
  showDataset(r.dataset, r.split);
  await summaryFor(r.dataset.classNames.length);
}

/** Photos picked or dropped: classes from their paths, then decoded in the worker. */
async function usePhotos(files: File[], paths: string[], picked: boolean, source: string): Promise<void> {
  if (files.length === 0) throw new Error('no files were picked');
  const labelled = labelFiles(paths, picked);
  checkClasses(labelled, files.length);
  $('data-status').textContent = `reading ${labelled.files.length} photos…`;
  const chosen = await Promise.all(labelled.files.map(async (i, j) => ({ name: paths[i], label: labelled.labels[j], bytes: await files[i].arrayBuffer() })));
  const seed = numberField('seed', 'seed');
  const r = await worker.call({ type: 'photos', files: chosen, source, seed, testSize: numberField('test-size', 'validation %') / 100 },
    progress, chosen.map((c) => c.bytes));
  r.dataset.skipped = [...labelled.skipped, ...r.dataset.skipped];
  showDataset(r.dataset, r.split);
  await summaryFor(r.dataset.classNames.length);
}

async function onDrop(ev: DragEvent): Promise<void> {
  const { found, oneFolder } = await droppedFiles(ev);
  await usePhotos(found.map((f) => f.file), found.map((f) => f.path), oneFolder, `your photos (${found.length} files dropped)`);
}

// ---- training -------------------------------------------------------------------------------------------

const lossChart = new TrainingChart($('loss-chart'), 'loss');
const accuracyChart = new TrainingChart($('accuracy-chart'), 'accuracy');

async function train(): Promise<void> {
  const recipe = readRecipe();
  if (!dataset) throw new Error('no photos yet: generate the face set or pick your photos first');
  lossChart.reset(); accuracyChart.reset();
  $('results').hidden = true;
  $('history').textContent = '';
  const history: Record<string, number[]> = {};
  const epochSeconds: number[] = [];
  training = true;
  refresh();
  $('status').textContent = `training on ${recipe.threads} thread${recipe.threads > 1 ? 's' : ''}…`;
  const bar = $<HTMLProgressElement>('train-progress');
  bar.value = 0;
  if (stopBuffer) Atomics.store(new Int32Array(stopBuffer), 0, 0);
  mark('trainStart');
  // the figures of the latest batch, shown at most four times a second (painting competes with training)
  let latest: BatchEvent | null = null, shown = true;
  const showBatch = () => {
    shown = true;
    if (!training) return; // the final figures are already shown
    const e = latest!;
    const x = e.epoch + (e.batch + 1) / e.steps;
    bar.value = x / recipe.epochs;
    const perEpoch = epochSeconds.length ? epochSeconds.reduce((a, b) => a + b) / epochSeconds.length : (e.seconds / (e.batch + 1)) * e.steps;
    const leftInEpoch = (e.seconds / (e.batch + 1)) * (e.steps - e.batch - 1);
    $('stat-epoch').textContent = `${e.epoch + 1} / ${recipe.epochs} (batch ${e.batch + 1} / ${e.steps})`;
    $('stat-eta').textContent = duration(leftInEpoch + perEpoch * (recipe.epochs - e.epoch - 1));
    $('stat-rate').textContent = e.imgPerSec.toFixed(0);
  };
  const onEvent = (e: WorkerEvent) => {
    if (e.kind === 'batch') {
      const x = e.epoch + (e.batch + 1) / e.steps;
      lossChart.addBatch(x, e.loss);
      accuracyChart.addBatch(x, e.accuracy);
      latest = e;
      if (shown) { shown = false; setTimeout(showBatch, 250); }
    } else if (e.kind === 'epoch') {
      onEpoch(e, history, epochSeconds);
    }
  };
  try {
    const r = await worker.call({ type: 'train', recipe }, onEvent);
    $('history').textContent = JSON.stringify(r.history);
    showModel(r.model, true);
    lastEvaluationDataset = dataset;
    showResults(r.evaluation);
    $('stat-rate').textContent = r.imgPerSec.toFixed(0);
    $('stat-eta').textContent = '–';
    const stopped = r.stopped ? ` (stopped after ${r.epochs} of ${recipe.epochs} epochs)` : '';
    $('status').textContent = `done${stopped}: ${r.epochs} epochs in ${duration(r.seconds)}, validation accuracy ` +
      `${(r.evaluation.accuracy * 100).toFixed(1)} %, ${r.imgPerSec.toFixed(0)} training images/s on ${recipe.threads} thread${recipe.threads > 1 ? 's' : ''}`;
    $('model-status').textContent = `Model: the lab CNN ${model?.source ?? ''}, classes ${r.model.classNames.join(' ')}. Not saved yet.`;
    showError('model-error', null);
    mark('trainEnd');
  } catch (e) {
    $('status').textContent = `training failed: ${(e as Error).message}`;
    throw e;
  } finally {
    training = false;
  }
}

function onEpoch(e: EpochEvent, history: Record<string, number[]>, epochSeconds: number[]): void {
  epochSeconds.push(e.seconds);
  for (const [k, v] of Object.entries(e.logs)) (history[k] ??= []).push(v);
  $('history').textContent = JSON.stringify(history);
  lossChart.addEpoch(e.epoch, e.logs.loss, e.logs.val_loss);
  accuracyChart.addEpoch(e.epoch, e.logs.accuracy, e.logs.val_accuracy);
  $('stat-lr').textContent = String(+e.lr.toPrecision(4));
  $<HTMLProgressElement>('train-progress').value = (e.epoch + 1) / e.epochs;
  $('stat-epoch').textContent = `${e.epoch + 1} / ${e.epochs}`;
  $('status').textContent = `training: epoch ${e.epoch + 1} / ${e.epochs} done, loss ${e.logs.loss.toFixed(4)}` +
    (e.logs.val_accuracy === undefined ? '' : `, validation accuracy ${(e.logs.val_accuracy * 100).toFixed(1)} %`);
  if (e.epoch === 0) mark('firstEpoch');
  ((timings.imgPerSec ??= []) as number[]).push(Math.round(e.imgPerSec));
  $('timings').textContent = JSON.stringify(timings);
}

function showResults(e: Replies['train']['evaluation']): void {
  $('results').hidden = false;
  const right = e.confusion.reduce((s, row, t) => s + row[t], 0), n = e.confusion.flat().reduce((a, b) => a + b, 0);
  $('results-headline').textContent = `Validation accuracy ${(e.accuracy * 100).toFixed(1)} % (${right} of ${n} photos), cross-entropy ${e.loss.toFixed(4)}.`;
  confusionTable($<HTMLTableElement>('confusion'), e);
  misclassifiedList($('misclassified'), lastEvaluationDataset, e);
}

// ---- testing a photo --------------------------------------------------------------------------------------

async function predictBytes(bytes: ArrayBuffer, name: string): Promise<void> {
  $('prediction').textContent = 'predicting…';
  let p: Prediction;
  try {
    p = await worker.call({ type: 'predict', bytes, name }, undefined, [bytes]);
  } catch (e) {
    $('prediction').textContent = 'No prediction.';
    $('prediction').removeAttribute('data-probabilities');
    throw e;
  }
  const best = p.top[0];
  $('prediction').textContent = `${best.name} (${(best.probability * 100).toFixed(1)} %)`;
  $('prediction').dataset.probabilities = JSON.stringify(p.probabilities);
  topThree($<HTMLOListElement>('top3'), p);
  const seen = thumbnail(p.seen.data, 0, p.seen.width, p.seen.height, p.seen.channels, 'the photo as the model sees it');
  seen.id = 'seen';
  $('seen').replaceWith(seen);
}

let stream: MediaStream | null = null;
async function startCamera(): Promise<void> {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error('no camera here: this browser gives pages a camera only over HTTPS or on localhost');
  stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } }).catch((e: Error) => {
    throw new Error(`the camera could not be opened: ${e.message}`);
  });
  const video = $<HTMLVideoElement>('video');
  video.srcObject = stream;
  video.hidden = false;
  $('snap').hidden = false;
  await video.play();
}

async function snap(): Promise<void> {
  const video = $<HTMLVideoElement>('video');
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  canvas.getContext('2d')!.drawImage(video, 0, 0);
  const blob = await new Promise<Blob | null>((res) => canvas.toBlob(res, 'image/png'));
  if (!blob) throw new Error('the camera gave no picture');
  await predictBytes(await blob.arrayBuffer(), 'camera.png');
}

// ---- keeping the model ------------------------------------------------------------------------------------

function modelLoaded(m: ModelInfo): void {
  showModel(m, true);
  $('model-status').textContent = `Loaded ${m.source}: input ${m.inputShape.join('×')}, ${m.params.toLocaleString('en')} parameters, classes ${m.classNames.join(' ')}.`;
}

async function download(): Promise<void> {
  const a = await worker.call({ type: 'artifacts' });
  const files: [string, BlobPart, string][] = [['model.json', a.modelJson, 'application/json'], ['weights.bin', a.weights, 'application/octet-stream']];
  for (const [name, body, type] of files) {
    const link = document.createElement('a');
    link.download = name;
    link.href = URL.createObjectURL(new Blob([body], { type }));
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 30_000);
  }
  $('model-status').textContent = 'Downloaded model.json and weights.bin (TensorFlow.js layers-model format: sn.loadModel and tf.loadLayersModel read them).';
}

/** model.json and its weight files, picked together, loaded in the worker. */
async function loadFiles(files: File[]): Promise<void> {
  const m = await modelFiles(files);
  modelLoaded(await worker.call({ type: 'loadFiles', ...m }, undefined, [m.weights]));
}

// ---- wiring -----------------------------------------------------------------------------------------------

function wire(): void {
  const optimizer = { value: 'sgd' as Recipe['optimizer'] };
  $('optimizer').addEventListener('change', () => onOptimizerChange(optimizer));
  $('generate').addEventListener('click', () => task('data-error', generate));
  input('folder').addEventListener('change', () => {
    const files = [...(input('folder').files ?? [])];
    void task('data-error', () => usePhotos(files, files.map((f) => f.webkitRelativePath || f.name), files.some((f) => f.webkitRelativePath), `your folder (${files.length} files)`));
    input('folder').value = '';
  });
  input('files').addEventListener('change', () => {
    const files = [...(input('files').files ?? [])];
    void task('data-error', () => usePhotos(files, files.map((f) => f.name), false, `your photos (${files.length} files)`));
    input('files').value = '';
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); void task('data-error', () => onDrop(e)); });
  drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input('files').click(); } });
  for (const id of ['seed', 'test-size']) {
    input(id).addEventListener('change', () => {
      if (!dataset || busy) return;
      void task('recipe-error', async () => {
        split = await worker.call({ type: 'split', seed: numberField('seed', 'seed'), testSize: numberField('test-size', 'validation %') / 100 });
        classGrid($('classes'), dataset!, split);
        showSplit();
      });
    });
  }
  $('train').addEventListener('click', () => task('recipe-error', train));
  $('stop').addEventListener('click', () => {
    if (!stopBuffer) return;
    Atomics.store(new Int32Array(stopBuffer), 0, 1);
    $('status').textContent = 'stopping after this batch…';
  });
  input('predict-file').addEventListener('change', () => {
    const file = input('predict-file').files?.[0];
    input('predict-file').value = '';
    if (file) void task('predict-error', async () => predictBytes(await file.arrayBuffer(), file.name));
  });
  $('camera').addEventListener('click', () => task('predict-error', startCamera));
  $('snap').addEventListener('click', () => task('predict-error', snap));
  $('save').addEventListener('click', () => task('model-error', async () => {
    await worker.call({ type: 'save', target: IDB_TARGET });
    $('model-status').textContent = `Saved in this browser (IndexedDB, ${IDB_TARGET}) at ${new Date().toLocaleTimeString()}.`;
  }));
  $('load').addEventListener('click', () => task('model-error', async () => modelLoaded(await worker.call({ type: 'load', target: IDB_TARGET }))));
  $('download').addEventListener('click', () => task('model-error', download));
  input('load-files').addEventListener('change', () => {
    const files = [...(input('load-files').files ?? [])];
    input('load-files').value = '';
    void task('model-error', () => loadFiles(files));
  });
  window.addEventListener('error', (e) => showError('page-error', e.message));
  window.addEventListener('unhandledrejection', (e) => showError('page-error', e.reason));
}

async function start(): Promise<void> {
  wire();
  const cores = navigator.hardwareConcurrency || 1;
  input('threads').value = String(stopBuffer ? cores : 1);
  refresh();
  const info = await worker.call({ type: 'init', stop: stopBuffer });
  const env = $('env');
  env.textContent = `Kernels: ${info.backend}, ${cores} core${cores > 1 ? 's' : ''}; ` +
    (info.isolated ? 'threads: one training worker plus helpers on shared memory.' : 'this page is not cross-origin isolated, so training runs on one thread.');
  env.dataset.ready = 'yes';
  mark('kernelsReady');
  refresh();
  await summaryFor(16);
}

start().catch((e) => showError('page-error', e));
