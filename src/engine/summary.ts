// model.summary(): Keras' table (layer, output shape, parameter count, totals).
import type { Layer } from '../layers/layer.js';

/**
 * Each layer's output shape as Keras shows it (without the batch axis): null for a time axis of any length — a
 * model whose first layer takes sequences of any length keeps it while its layers keep a time axis (rank 2 and
 * more). The input shape comes first.
 */
export function keptShapes(layers: readonly Layer[]): (number | null)[][] {
  let steps = layers[0]?.variableSteps ?? false;
  const shown = (shape: readonly number[]): (number | null)[] => (steps ? [null, ...shape.slice(1)] : [...shape]);
  const out = [shown(layers[0]?.inputShape ?? [])];
  for (const l of layers) {
    steps &&= l.outputShape.length >= 2;
    out.push(shown(l.outputShape));
  }
  return out;
}

interface Summarisable { name: string; layers: readonly Layer[] }

function bytes(n: number): string {
  const b = n * 4;
  if (b < 1024) return `${b.toFixed(2)} Byte`;
  if (b < 1024 ** 2) return `${(b / 1024).toFixed(2)} KB`;
  return `${(b / 1024 ** 2).toFixed(2)} MB`;
}

export function summary(model: Summarisable, lineLength = 65): string {
  const cols = [Math.floor(lineLength * 0.45), Math.floor(lineLength * 0.85), lineLength];
  const row = (fields: string[]): string => {
    let line = '';
    fields.forEach((f, i) => {
      line = (line + ' ' + f).slice(0, cols[i] - 1);
      line = line.padEnd(cols[i]);
    });
    return line.trimEnd();
  };
  const lines = [`Model: "${model.name}"`, '_'.repeat(lineLength), row(['Layer (type)', 'Output Shape', 'Param #']), '='.repeat(lineLength)];
  let total = 0, trainable = 0;
  const shapes = keptShapes(model.layers);
  model.layers.forEach((l, i) => {
    const shape = shapes[i + 1].map((d) => d ?? 'None');
    const n = l.countParams();
    total += n;
    trainable += l.params.reduce((t, p) => t + (l.isTrainable(p) ? p.size : 0), 0);
    lines.push(row([`${l.name} (${l.className})`, `(None, ${shape.join(', ')})`, String(n)]));
    lines.push(i === model.layers.length - 1 ? '=' .repeat(lineLength) : '');
  });
  if (model.layers.length === 0) lines.push('='.repeat(lineLength));
  lines.push(`Total params: ${total.toLocaleString('en-US')} (${bytes(total)})`);
  lines.push(`Trainable params: ${trainable.toLocaleString('en-US')} (${bytes(trainable)})`);
  lines.push(`Non-trainable params: ${(total - trainable).toLocaleString('en-US')} (${bytes(total - trainable)})`);
  lines.push('_'.repeat(lineLength));
  return lines.join('\n');
}
