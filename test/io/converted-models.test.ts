// Layers-model folders as TensorFlow.js and its converters write them (scripts/tfjs-fixtures.mjs): Functional
// chains, [null, null] inputs (each predict call with its own sequence length), Keras 3's inbound_nodes
// spelling, weight names with the model's name in front; and clear errors for what is not a chain.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sn from '../../src/index.js';
import { modelFromArtifacts, type ModelJson } from '../../src/io/model-files.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'tfjs');
const TOL = 1e-5;

interface Case { shape: number[]; x: number[]; y: number[] }
const reference = (name: string): Case[] => JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'reference.json'), 'utf8'));
const modelJson = (name: string): ModelJson => JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'model.json'), 'utf8'));
const weights = (name: string): Uint8Array => fs.readFileSync(path.join(FIXTURES, name, 'weights.bin'));

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function expectReference(model: sn.Sequential, name: string): Promise<void> {
  for (const c of reference(name)) {
    const y = await model.predict(sn.tensor(Float32Array.from(c.x), c.shape));
    expect(maxDiff(y.data, c.y), `${name} on [${c.shape}]`).toBeLessThan(TOL);
  }
}

/** Keras 3's spelling of a Functional config: class Functional, nodes as { args: [__keras_tensor__], kwargs }. */
function keras3Spelling(json: ModelJson): ModelJson {
  const copy = structuredClone(json) as ModelJson & { modelTopology: { class_name: string; config: { layers: Record<string, unknown>[] } } };
  copy.modelTopology.class_name = 'Functional';
  for (const l of copy.modelTopology.config.layers) {
    const nodes = l.inbound_nodes as [string, number, number, object][][];
    l.inbound_nodes = nodes.map((node) => ({
      args: node.map(([name, n, t]) => ({ class_name: '__keras_tensor__', config: { shape: null, dtype: 'float32', keras_history: [name, n, t] } })),
      kwargs: { training: false },
    }));
  }
  return copy;
}

const load = (json: ModelJson, data: Uint8Array, context = 'test') =>
  modelFromArtifacts(json.modelTopology, json.weightsManifest.flatMap((g) => g.weights), data, { context });

describe('layers-model folders written by TensorFlow.js', () => {
  for (const name of ['functional-cnn', 'text-lstm', 'text-rnn-sequential']) {
    it(`${name} loads and predicts as tfjs does`, async () => {
      const model = await sn.loadModel(path.join(FIXTURES, name));
      await expectReference(model, name);
    });
  }

  it('a Functional chain loads as a Sequential model of its layers (the InputLayer gives the input shape)', async () => {
    const model = await sn.loadModel(path.join(FIXTURES, 'functional-cnn'));
    expect(model.name).toBe('functional_cnn');
    expect(model.layers.map((l) => l.name)).toEqual(['conv', 'pool', 'drop', 'flat', 'hidden', 'probs']);
    expect(model.inputShape).toEqual([8, 8, 3]);
  });

  it('[null, null] input: each predict call takes its own sequence length, and the summary says None', async () => {
    const model = await sn.loadModel(path.join(FIXTURES, 'text-lstm'));
    const [short, long] = reference('text-lstm');
    // long, short, long again: the memory plan follows each call's length
    for (const c of [long, short, long]) {
      const y = await model.predict(sn.tensor(Float32Array.from(c.x), c.shape));
      expect(maxDiff(y.data, c.y)).toBeLessThan(TOL);
    }
    expect(model.summary(65, () => {})).toMatch(/embed \(Embedding\)\s+\(None, None, 5\)/);
    expect(() => model.layers[0].checkInput([31], 'predict', 'x')).toThrow(/is ≥ inputDim 30/);
  });

  it("Keras 3's inbound_nodes spelling ({ args: [__keras_tensor__], kwargs }) and class Functional", async () => {
    for (const name of ['functional-cnn', 'text-lstm']) await expectReference(load(keras3Spelling(modelJson(name)), weights(name)), name);
  });

  it("weight names with the model's name in front (sequential_1/dense/kernel) are matched too", async () => {
    const json = modelJson('text-rnn-sequential');
    for (const w of json.weightsManifest[0].weights) w.name = `sequential_1/${w.name}`;
    await expectReference(load(json, weights('text-rnn-sequential')), 'text-rnn-sequential');
  });

  it('refuses branches, several inputs, shared layers and nested models, naming the layers', () => {
    const base = modelJson('functional-cnn');
    const data = weights('functional-cnn');
    type Entry = { name: string; class_name: string; inbound_nodes: unknown[] };
    const edit = (fn: (layers: Entry[], config: Record<string, unknown>) => void): ModelJson => {
      const json = structuredClone(base);
      const config = (json.modelTopology as { config: Record<string, unknown> }).config;
      fn(config.layers as Entry[], config);
      return json;
    };
    const at = (layers: Entry[], name: string) => layers.find((l) => l.name === name)!;
    // hidden also reads pool: two inputs
    expect(() => load(edit((ls) => { at(ls, 'hidden').inbound_nodes = [[['flat', 0, 0, {}], ['pool', 0, 0, {}]]]; }), data, 'm/model.json'))
      .toThrow(/m\/model\.json: layer 'hidden' \(\"Dense\"\) takes 2 inputs \(flat, pool\); simdnet loads only a chain of single-input layers/);
    // probs reads flat: hidden is off the chain, flat feeds two layers
    expect(() => load(edit((ls) => { at(ls, 'probs').inbound_nodes = [[['flat', 0, 0, {}]]]; }), data))
      .toThrow(/not a chain: layer 'flat' feeds hidden, probs/);
    expect(() => load(edit((_, c) => { c.output_layers = [['probs', 0, 0], ['hidden', 0, 0]]; }), data))
      .toThrow(/has 1 inputs and 2 outputs; simdnet loads only a chain with one input and one output/);
    expect(() => load(edit((ls) => { at(ls, 'hidden').inbound_nodes.push([['flat', 0, 0, {}]]); }), data))
      .toThrow(/layer 'hidden' is called 2 times \(a shared layer\)/);
    expect(() => load(edit((ls) => { at(ls, 'drop').class_name = 'Sequential'; }), data))
      .toThrow(/layer 'drop' is a nested Sequential model/);
    expect(() => load(edit((ls) => { at(ls, 'hidden').class_name = 'Conv3D'; }), data))
      .toThrow(/layer 4: unknown layer class "Conv3D"/);
  });
});
