// The HDF5 reader on files h5py wrote (scripts/h5-fixtures.py: HDF5 1.6 and 1.8 layouts), the writer read
// back by the reader, and the lookup3 checksum against its published test vector. That h5py reads what the
// writer writes is checked in test/io/keras-files.test.ts when python3-h5py is installed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lookup3 } from '../../src/io/h5/format.js';
import { H5Dataset, H5Error, H5Group, readH5 } from '../../src/io/h5/reader.js';
import { H5WriteGroup, writeH5 } from '../../src/io/h5/writer.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'h5');
const open = (name: string) => readH5(fs.readFileSync(path.join(FIXTURES, name)), name);
const dataset = (g: H5Group, p: string) => g.get(p) as H5Dataset;

describe('HDF5 reader on h5py files', () => {
  for (const [file, members] of [['v16.h5', 12], ['v18.h5', 6], ['v18-dense.h5', 120]] as const) {
    it(`${file}: attributes, groups and datasets`, () => {
      const f = open(file);
      const attrs = f.attrs();
      for (const k of Object.keys(attrs).filter((k) => k.startsWith('extra'))) {
        expect(attrs[k]).toEqual([`value ${Number(k.slice(5))}`]);
        delete attrs[k];
      }
      expect(attrs).toEqual({
        vlen: 'a str: variable-length UTF-8, é', fixed: 'bytes: fixed-length', names: ['dense_1', 'flatten'],
        ints: [0, 1, 2], scalar: 1.5, empty: new Float64Array(0),
      });
      expect(f.keys().sort()).toEqual(['big_endian', 'chunked', 'compact', 'group', 'half']);
      const g = f.get('group') as H5Group;
      expect(g.keys().length).toBe(members);
      for (let i = 0; i < members; i++) {
        const d = dataset(g, `sub${i}/kernel:0`);
        expect(d.shape).toEqual([2, 3]);
        expect(d.dtype).toBe('float32');
        expect([...d.value() as Float32Array]).toEqual([0, 1, 2, 3, 4, 5].map((v) => v + i));
      }
      if (file === 'v16.h5') expect([...dataset(f, 'chunked').value() as Float32Array]).toEqual(Array.from({ length: 35 }, (_, i) => i));
      else expect(() => dataset(f, 'chunked').value()).toThrow(/v18(-dense)?\.h5: chunked: chunked datasets of the HDF5 1\.10 format \(data layout version 4\)/);
      expect(dataset(f, 'compact').value()).toEqual(new Float64Array([0, 1, 2, 3]));
      expect(dataset(f, 'half').value()).toEqual(new Float32Array([1.5, -2, 0.25]));
      expect(dataset(f, 'big_endian').value()).toEqual(new Float32Array([0, 1, 2]));
      expect(f.get('group/nothing')).toBeUndefined();
      expect(f.get('chunked/below')).toBeUndefined();
    });
  }

  it('refuses what is not HDF5, truncated files and corrupt checksums, naming the file', () => {
    expect(() => readH5(new TextEncoder().encode('{"format": "layers-model"}'), 'model.h5')).toThrow(/model\.h5 is not an HDF5 file/);
    const bytes = fs.readFileSync(path.join(FIXTURES, 'v18.h5'));
    expect(() => readH5(bytes.subarray(0, 600), 'cut.h5').get('group/sub0')).toThrow(H5Error);
    const bad = Uint8Array.from(bytes);
    bad[20] ^= 1; // inside the superblock
    expect(() => readH5(bad, 'bad.h5')).toThrow(/bad\.h5: the checksum of the superblock/);
  });
});

describe('HDF5 writer', () => {
  it('writes groups, nested dataset paths and attributes that the reader reads back', () => {
    const root = new H5WriteGroup();
    root.attrs.model_config = JSON.stringify({ name: 'é' });
    const g = root.group('model_weights');
    g.attrs.layer_names = ['dense', 'dropout'];
    g.group('dropout').attrs.weight_names = [];
    g.group('dense').attrs.weight_names = ['dense/kernel:0'];
    g.group('dense').dataset('dense/kernel:0', new Float32Array([1, -2, 3.5, 4, 5, 6]), [3, 2]);
    for (let i = 0; i < 40; i++) root.dataset(`many/d${i}`, new Float32Array([i]), [1]);
    root.dataset('empty', new Float32Array(0), [0, 4]);
    const f = readH5(writeH5(root));
    expect(f.attrs()).toEqual({ model_config: '{"name":"é"}' });
    expect(f.get('model_weights')!.attrs()).toEqual({ layer_names: ['dense', 'dropout'] });
    expect(f.get('model_weights/dropout')!.attrs()).toEqual({ weight_names: new Float64Array(0) });
    const k = dataset(f, 'model_weights/dense/dense/kernel:0');
    expect(k.shape).toEqual([3, 2]);
    expect(k.value()).toEqual(new Float32Array([1, -2, 3.5, 4, 5, 6]));
    expect((f.get('many') as H5Group).keys().length).toBe(40);
    expect(dataset(f, 'many/d39').value()).toEqual(new Float32Array([39]));
    expect(dataset(f, 'empty').value()).toEqual(new Float32Array(0));
  });

  it('refuses a dataset whose values do not fill its shape, and a path used twice', () => {
    const root = new H5WriteGroup();
    expect(() => root.dataset('a', new Float32Array(3), [2, 2])).toThrow(/3 values do not fill shape \[2,2\]/);
    root.dataset('a', new Float32Array(4), [2, 2]);
    expect(() => root.dataset('a', new Float32Array(4), [2, 2])).toThrow(/a already exists/);
  });
});

describe('lookup3', () => {
  it('matches the published hashlittle vectors (initval 0)', () => {
    expect(lookup3(new Uint8Array(0))).toBe(0xdeadbeef);
    expect(lookup3(new TextEncoder().encode('Four score and seven years ago'))).toBe(0x17770551);
  });
});
