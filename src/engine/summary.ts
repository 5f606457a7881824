// model.summary(): Keras' table (layer, output shape, parameter count, totals).
import type { Layer } from '../layers/layer.js';

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
  // sequences of any length: the time axis is None while layers keep it (rank 2 and more)
  let steps = model.layers[0]?.variableSteps ?? false;
  model.layers.forEach((l, i) => {
    steps &&= l.outputShape.length >= 2;
    const shape = steps ? ['None', ...l.outputShape.slice(1)] : l.outputShape;
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
