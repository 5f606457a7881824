// The messages between the Studio page and its training worker. The page never runs a kernel: it sends a
// request, the worker answers with events while it works and then exactly one reply (a result or an error).

/** How to train: the lab's recipe by default (SGD 0.01, momentum 0.9 with Nesterov, halved every 10 epochs). */
export interface Recipe {
  optimizer: 'sgd' | 'adam' | 'adagrad' | 'rmsprop';
  lr: number;
  /** SGD only. */
  momentum: number;
  nesterov: boolean;
  /** The learning rate is multiplied by lrDrop every dropEvery epochs (the lab: 0.5 every 10). */
  lrDrop: number;
  dropEvery: number;
  epochs: number;
  batchSize: number;
  threads: number;
  seed: number;
  /** The stratified validation share (the lab: 0.15). */
  testSize: number;
}

export const OPTIMIZERS: Recipe['optimizer'][] = ['sgd', 'adam', 'adagrad', 'rmsprop'];

/** Keras' default learning rates, which the page proposes when the optimizer changes. */
export const DEFAULT_LR: Record<Recipe['optimizer'], number> = { sgd: 0.01, adam: 0.001, adagrad: 0.01, rmsprop: 0.001 };

/** The side of the photos the model sees (and the thumbnails show). */
export const SIDE = 42;

/** The photos loaded in the worker, as the page shows them. */
export interface DatasetInfo {
  source: string;
  classNames: string[];
  /** The class of each photo. */
  labels: Int32Array;
  /** A name per photo (file name, or the generated photo's label and number). */
  names: string[];
  /** n x SIDE x SIDE x 3 bytes: each photo as the model sees it. */
  thumbnails: Uint8Array;
  /** Files left out, each with the reason. */
  skipped: string[];
}

/** The stratified split, as photo indices. */
export interface SplitInfo { train: Int32Array; val: Int32Array; seed: number; testSize: number }

export interface ModelInfo { summary: string; classNames: string[]; inputShape: number[]; params: number; source: string }

export interface BatchEvent { kind: 'batch'; epoch: number; batch: number; steps: number; loss: number; accuracy: number; imgPerSec: number; seconds: number }
export interface EpochEvent { kind: 'epoch'; epoch: number; epochs: number; logs: Record<string, number>; seconds: number; imgPerSec: number; lr: number }
export interface ProgressEvent { kind: 'progress'; what: string; done: number; total: number }
export type WorkerEvent = BatchEvent | EpochEvent | ProgressEvent;

/** The validation photos judged by the trained model. */
export interface Evaluation {
  classNames: string[];
  /** confusion[truth][predicted] counts. */
  confusion: number[][];
  accuracy: number;
  loss: number;
  misclassified: { index: number; truth: number; predicted: number; probability: number }[];
}

export interface TrainResult {
  history: Record<string, number[]>;
  epochs: number;
  stopped: boolean;
  /** Training images per second, the epochs after the first (the first when only one ran). */
  imgPerSec: number;
  seconds: number;
  evaluation: Evaluation;
  model: ModelInfo;
}

export interface Prediction {
  top: { name: string; probability: number }[];
  probabilities: number[];
  /** The photo as the model saw it: h x w x channels bytes. */
  seen: { width: number; height: number; channels: number; data: Uint8Array };
}

export type Request =
  | { type: 'init'; stop: SharedArrayBuffer | null }
  | { type: 'generate'; seed: number; perPerson: number | null; testSize: number }
  | { type: 'photos'; files: { name: string; label: string; bytes: ArrayBuffer }[]; source: string; seed: number; testSize: number }
  | { type: 'split'; seed: number; testSize: number }
  | { type: 'summary'; numClasses: number }
  | { type: 'train'; recipe: Recipe }
  | { type: 'predict'; bytes: ArrayBuffer; name: string }
  | { type: 'save'; target: string }
  | { type: 'load'; target: string }
  | { type: 'artifacts' }
  | { type: 'loadFiles'; modelJson: string; weights: ArrayBuffer; name: string };

/** What each request replies. */
export interface Replies {
  init: { backend: string; isolated: boolean; cores: number };
  generate: { dataset: DatasetInfo; split: SplitInfo };
  photos: { dataset: DatasetInfo; split: SplitInfo };
  split: SplitInfo;
  summary: ModelInfo;
  train: TrainResult;
  predict: Prediction;
  save: { target: string };
  load: ModelInfo;
  artifacts: { modelJson: string; weights: ArrayBuffer };
  loadFiles: ModelInfo;
}

export type Envelope = { id: number; request: Request };
export type Answer = { id: number; event: WorkerEvent } | { id: number; result: unknown } | { id: number; error: string };
