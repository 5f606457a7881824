// TensorFlow.js as the oracle of the parity suites: the cpu backend, and a table of the worst relative
// error seen per case, printed when the file is done.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect } from 'vitest';

/** Selects tfjs' cpu backend for this file and returns record(key, error), reported under `title`. */
export function tfjsOracle(title: string): { tf: typeof tf; record: (key: string, err: number) => void } {
  const worst: Record<string, number> = {};
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
    expect(tf.getBackend()).toBe('cpu');
  });
  afterAll(() => {
    const pad = Math.max(0, ...Object.keys(worst).map((k) => k.length)) + 2;
    const lines = Object.entries(worst).map(([k, v]) => `  ${k.padEnd(pad)} ${v.toExponential(2)}`);
    console.log(`${title}, max relative error vs tfjs:\n${lines.join('\n')}`);
  });
  return { tf, record: (key, err) => { worst[key] = Math.max(worst[key] ?? 0, err); } };
}
