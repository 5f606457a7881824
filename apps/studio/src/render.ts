// What the page draws from the worker's figures: thumbnails, the per-class photo grid, the confusion
// matrix heat map with per-class accuracy, the misclassified photos and the top-3 prediction. DOM only.
import { SIDE, type DatasetInfo, type Evaluation, type Prediction, type SplitInfo } from './protocol.js';

/** Shorthand for building elements. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) (k === 'text' ? (e.textContent = v) : e.setAttribute(k, v));
  e.append(...children);
  return e;
}

/** A photo (h x w x channels bytes, channels 1 or 3) as a canvas, labelled for screen readers. */
export function thumbnail(data: Uint8Array, offset: number, width: number, height: number, channels: number, label: string): HTMLCanvasElement {
  const canvas = el('canvas', { width: String(width), height: String(height), role: 'img', 'aria-label': label, title: label });
  const img = new ImageData(width, height);
  for (let p = 0; p < width * height; p++) {
    const src = offset + p * channels;
    img.data[4 * p] = data[src];
    img.data[4 * p + 1] = data[src + (channels === 3 ? 1 : 0)];
    img.data[4 * p + 2] = data[src + (channels === 3 ? 2 : 0)];
    img.data[4 * p + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(img, 0, 0);
  return canvas;
}

export const photoThumb = (d: DatasetInfo, i: number, label: string) => thumbnail(d.thumbnails, i * SIDE * SIDE * 3, SIDE, SIDE, 3, label);

const SHOWN_PER_CLASS = 12;

/** One card per class: its name, photo count, the split, and the first photos. */
export function classGrid(box: HTMLElement, d: DatasetInfo, split: SplitInfo): void {
  const k = d.classNames.length;
  const total = new Array<number>(k).fill(0), val = new Array<number>(k).fill(0);
  d.labels.forEach((c) => total[c]++);
  split.val.forEach((i) => val[d.labels[i]]++);
  const cards = d.classNames.map((name, c) => {
    const thumbs = el('div', { class: 'thumbs' });
    let shown = 0;
    for (let i = 0; i < d.labels.length && shown < SHOWN_PER_CLASS; i++) {
      if (d.labels[i] === c) { thumbs.append(photoThumb(d, i, `${name}: ${d.names[i]}`)); shown++; }
    }
    const more = total[c] > shown ? ` (first ${shown} shown)` : '';
    return el('article', { class: 'class-card' },
      el('h3', { text: `${name}: ${total[c]} photos` }),
      el('p', { class: 'muted', text: `${total[c] - val[c]} train, ${val[c]} validation${more}` }), thumbs);
  });
  box.replaceChildren(...cards);
}

/** The confusion matrix as a table whose cells are shaded by their share of the row, with per-class accuracy. */
export function confusionTable(table: HTMLTableElement, e: Evaluation): void {
  const names = e.classNames;
  const head = el('tr', {}, el('th', { scope: 'col', text: 'true ↓ / predicted →' }), ...names.map((n) => el('th', { scope: 'col', text: n })), el('th', { scope: 'col', text: 'accuracy' }));
  const rows = e.confusion.map((row, t) => {
    const n = row.reduce((a, b) => a + b, 0);
    const cells = row.map((count, p) => {
      const share = n ? count / n : 0;
      const td = el('td', { text: count ? String(count) : '', class: t === p ? 'diag' : '', title: `true ${names[t]}, predicted ${names[p]}: ${count}` });
      const hue = t === p ? '10, 88, 202' : '217, 72, 15';
      td.style.background = count ? `rgba(${hue}, ${(0.15 + 0.85 * share).toFixed(3)})` : '';
      td.style.color = share > 0.5 ? '#fff' : '';
      return td;
    });
    const acc = n ? `${((100 * row[t]) / n).toFixed(0)} %` : '–';
    return el('tr', {}, el('th', { scope: 'row', text: names[t] }), ...cells, el('td', { text: acc, title: `${names[t]}: ${row[t]} of ${n} right` }));
  });
  table.replaceChildren(el('caption', { class: 'muted', text: 'Confusion matrix: rows are the true person, columns the predicted one; the last column is the per-class accuracy.' }), el('thead', {}, head), el('tbody', {}, ...rows));
}

/** The validation photos the model got wrong, each with truth, prediction and probability. */
export function misclassifiedList(box: HTMLElement, d: DatasetInfo | null, e: Evaluation): void {
  if (e.misclassified.length === 0) { box.replaceChildren(el('p', { text: 'None: every validation photo was recognised.' })); return; }
  const more = e.misclassified.length - SHOWN_MISCLASSIFIED;
  box.replaceChildren(...e.misclassified.slice(0, SHOWN_MISCLASSIFIED).map((m) => {
    const caption = `${e.classNames[m.truth]} → ${e.classNames[m.predicted]} (${(m.probability * 100).toFixed(0)} %)`;
    const label = `a photo of ${e.classNames[m.truth]} taken for ${e.classNames[m.predicted]} with probability ${(m.probability * 100).toFixed(0)} %`;
    return el('figure', { class: 'thumb' }, ...(d ? [photoThumb(d, m.index, label)] : []), el('figcaption', { text: caption }));
  }), ...(more > 0 ? [el('p', { class: 'muted', text: `and ${more} more` })] : []));
}

const SHOWN_MISCLASSIFIED = 40;

/** The three most likely classes, with bars. */
export function topThree(list: HTMLOListElement, p: Prediction): void {
  list.replaceChildren(...p.top.map((t) => {
    const bar = el('span', { class: 'bar', 'aria-hidden': 'true' });
    bar.style.width = `${Math.max(1, Math.round(t.probability * 120))}px`;
    return el('li', {}, `${t.name}: ${(t.probability * 100).toFixed(1)} %`, bar);
  }));
}

/** Seconds as "1 min 05 s" or "12 s". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
}
