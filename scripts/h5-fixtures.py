#!/usr/bin/env python3
"""HDF5 files written by h5py that test simdnet's HDF5 reader (src/io/h5/reader.ts) on the structures h5py
and Keras produce: the HDF5 1.6 layout h5py writes by default (symbol-table groups, version-1 object
headers, variable-length strings in the global heap) and the 1.8 layout of libver='latest' (link messages,
version-2 object headers with checksums; past 8 members or attributes, dense storage in a fractal heap
indexed by a version-2 B-tree), plus chunked, compact, float16 and float64 datasets.

Run: /usr/bin/python3 scripts/h5-fixtures.py   (Debian's python3-h5py); writes test/io/fixtures/h5/.
The expected values are in test/io/h5.test.ts: arange-based, so they need no reference file.
"""
import os

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'io', 'fixtures', 'h5')


def write(name, libver, members, extra_attrs=0):
    with h5py.File(os.path.join(OUT, name), 'w', libver=libver) as f:
        for i in range(extra_attrs):
            f.attrs[f'extra{i:03d}'] = [f'value {i}'.encode('utf8')]
        f.attrs['vlen'] = 'a str: variable-length UTF-8, é'
        f.attrs['fixed'] = 'bytes: fixed-length'.encode('utf8')
        f.attrs['names'] = [b'dense_1', b'flatten']
        f.attrs['ints'] = np.arange(3, dtype='int64')
        f.attrs['scalar'] = 1.5
        f.attrs['empty'] = []
        g = f.create_group('group')
        for i in range(members):
            d = g.create_dataset(f'sub{i}/kernel:0', (2, 3), dtype='float32')
            d[:] = np.arange(6).reshape(2, 3) + i
        f.create_dataset('chunked', data=np.arange(35, dtype='float32').reshape(5, 7), chunks=(2, 3))
        f.create_dataset('compact', data=np.arange(4, dtype='float64'))
        f.create_dataset('half', data=np.array([1.5, -2, 0.25], dtype='float16'))
        f.create_dataset('big_endian', data=np.arange(3, dtype='>f4'))


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    write('v16.h5', 'earliest', 12)  # 12 members: the group B-tree has several symbol table nodes
    write('v18.h5', 'latest', 6)     # up to 8 members stay in compact link storage
    write('v18-dense.h5', 'latest', 120, extra_attrs=40)  # dense links (a multi-level B-tree), dense attributes
