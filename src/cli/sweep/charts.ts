// The report's charts: Vega-Lite specifications, rendered to SVG here with Vega (no browser, no canvas), so
// the report is a page of inline pictures that opens offline. Vega is loaded only when a report is drawn.
import type { SettingStats, StudyStats } from './stats.js';
import { higherIsBetter, valKey } from './stats.js';

type Spec = Record<string, unknown>;

const WIDTH = 520, HEIGHT = 240;
const metricName = (s: SettingStats) => (higherIsBetter(s.params) ? 'accuracy' : 'MAE');

/** Renders a Vega-Lite specification to an SVG string. */
export async function toSvg(spec: Spec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: WIDTH, height: HEIGHT, ...spec } as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Validation figure per epoch, one line per setting (mean over seeds) in a band from the lowest to the highest seed. */
export function curvesSpec(st: StudyStats): Spec {
  const first = st.settings[0];
  const rows = st.settings.flatMap((s) => s.curve(valKey(s.params)).map((p) => ({ setting: s.label, epoch: p.epoch, mean: p.mean, min: p.min, max: p.max })));
  const color = { field: 'setting', type: 'nominal', sort: st.settings.map((s) => s.label), title: null,
    legend: { symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1, labelLimit: 260 } };
  return {
    title: `${st.name}: validation ${metricName(first)} per epoch (line: mean over seeds; band: min–max)`,
    data: { values: rows },
    encoding: { x: { field: 'epoch', type: 'quantitative', title: 'epoch' }, color },
    layer: [
      { mark: { type: 'area', opacity: 0.15 }, encoding: { y: { field: 'min', type: 'quantitative', title: `validation ${metricName(first)}` }, y2: { field: 'max' } } },
      { mark: { type: 'line', strokeWidth: 2 }, encoding: { y: { field: 'mean', type: 'quantitative' } } },
    ],
  };
}

/** Train, validation and test curves of a one-setting study (the epochs question): where they part. */
export function fitCurvesSpec(st: StudyStats): Spec {
  const s = st.settings[0];
  const faces = higherIsBetter(s.params);
  const keys: [string, string][] = faces
    ? [['accuracy', 'train accuracy'], ['val_accuracy', 'validation accuracy'], ['test_accuracy', 'test accuracy'], ['loss', 'train loss'], ['val_loss', 'validation loss']]
    : [['val_mae', 'validation MAE'], ['test_mae', 'test MAE'], ['loss', 'train loss'], ['val_loss', 'validation loss']];
  const rows = keys.flatMap(([k, name]) => s.curve(k).map((p) => ({ curve: name, panel: k.includes('loss') ? 'loss' : faces ? 'accuracy' : 'error', epoch: p.epoch, mean: p.mean })));
  return {
    title: `${st.name}: ${s.label}, mean over ${s.trials.length} seed${s.trials.length === 1 ? '' : 's'}`,
    data: { values: rows },
    facet: { column: { field: 'panel', type: 'nominal', title: null } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: WIDTH / 2 - 20, height: HEIGHT,
      mark: { type: 'line', strokeWidth: 2 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative' }, y: { field: 'mean', type: 'quantitative', title: null },
        color: { field: 'curve', type: 'nominal', title: null, sort: keys.map(([, n]) => n) },
      },
    },
  };
}

/** The test figure (mean, with each seed as a dot) against one numeric parameter; log axis when it spans 10x. */
export function versusSpec(st: StudyStats, key: string, title: string): Spec {
  const first = st.settings[0];
  const xs = st.settings.map((s) => s.params[key as keyof typeof s.params] as number);
  const log = Math.max(...xs) / Math.min(...xs) >= 10;
  const rows = st.settings.flatMap((s) => s.trials.map((t) => ({ x: s.params[key as keyof typeof s.params], seed: t.seed,
    value: higherIsBetter(s.params) ? t.testAccuracy : t.testMae })));
  const means = st.settings.map((s) => ({ x: s.params[key as keyof typeof s.params], value: s.test.mean }));
  const x = { field: 'x', type: 'quantitative', title, scale: log ? { type: 'log' } : { zero: false }, axis: log ? { values: xs } : {} };
  const y = { field: 'value', type: 'quantitative', title: `test ${metricName(first)}` };
  return {
    title: `${st.name}: test ${metricName(first)} vs ${title}`,
    layer: [
      { data: { values: means }, mark: { type: 'line', point: true, strokeWidth: 2 }, encoding: { x, y } },
      { data: { values: rows }, mark: { type: 'point', opacity: 0.6 }, encoding: { x, y } },
    ],
  };
}

/** Seconds per epoch against batch size (each trial's median epoch). */
export function timeSpec(st: StudyStats): Spec {
  const rows = st.settings.map((s) => ({ batch: s.params.batchSize, seconds: s.secondsPerEpoch.mean }));
  const clock = st.settings.every((s) => s.epochClock === 'cpu') ? 'CPU' : 'wall';
  return {
    title: `${st.name}: ${clock} seconds per epoch vs batch size (one thread)`,
    data: { values: rows },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { field: 'batch', type: 'quantitative', title: 'batch size', scale: { type: 'log', base: 2 }, axis: { values: rows.map((r) => r.batch) } },
      y: { field: 'seconds', type: 'quantitative', title: `${clock} seconds per epoch`, scale: { zero: true } },
    },
  };
}

/** The test figure per setting: a bar at the mean, a rule from the lowest to the highest seed. */
export function barsSpec(st: StudyStats): Spec {
  const first = st.settings[0];
  const rows = st.settings.map((s) => ({ setting: s.label, mean: s.test.mean, min: s.test.min, max: s.test.max }));
  const x = { field: 'setting', type: 'nominal', sort: null, title: null, axis: { labelAngle: -20, labelLimit: 220 } };
  return {
    title: `${st.name}: test ${metricName(first)} per setting (bar: mean; line: min–max over seeds)`,
    data: { values: rows },
    encoding: { x },
    layer: [
      { mark: { type: 'bar', opacity: 0.8 }, encoding: { y: { field: 'mean', type: 'quantitative', title: `test ${metricName(first)}` }, color: { field: 'setting', type: 'nominal', legend: null, sort: null } } },
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' } } },
    ],
  };
}

const AXIS_TITLES: Record<string, string> = { lr: 'learning rate', batchSize: 'batch size', epochs: 'epochs', momentum: 'momentum', lrDrop: 'lr factor every 10 epochs', labelNoise: 'outlier fraction', testSize: 'validation fraction', epsilon: 'epsilon' };

/** The charts that fit a study: curves always; a one-setting study its train/validation/test curves; one
 * numeric parameter over 3+ values a line against it (and seconds per epoch for batch size); else bars. */
export function studySpecs(st: StudyStats): Spec[] {
  if (st.settings.length === 1) return [fitCurvesSpec(st)];
  const specs = [curvesSpec(st)];
  const numeric = st.varied.length === 1 && AXIS_TITLES[st.varied[0]] && st.settings.length >= 3;
  if (numeric) specs.push(versusSpec(st, st.varied[0], AXIS_TITLES[st.varied[0]]));
  else specs.push(barsSpec(st));
  if (st.varied.includes('batchSize')) specs.push(timeSpec(st));
  return specs;
}
