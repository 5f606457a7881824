#!/usr/bin/env python3
"""Weights quantized as tensorflowjs_converter quantizes them, for test/io/quantize.test.ts.

    python3 scripts/quantize-fixtures.py > test/io/fixtures/quantize.json     # a Python with numpy >= 2

numpy does the arithmetic, following the converter's documented procedure (tensorflowjs/quantization.py,
quantize_weights). Under numpy >= 2 (NEP 50) the converter's float64 scalars keep that arithmetic in float64, as
simdnet's; numpy 1.x cast them to float32 first, so a converter run under numpy 1.x may put a value within
float32 rounding of the midpoint between two levels on the other level (the script refuses to run there):

  * float16: data.astype(np.float16) (IEEE round to nearest, ties to even).
  * uint8 / uint16: min and max of the tensor as float64; a single value stores zeros with scale 1 and that
    min; else scale = (max - min) / levels (255 or 65535) and, when min <= 0 <= max, the range is nudged so
    that 0 is a level: zero_point = round(-min / scale), min = -zero_point * scale, max = levels * scale + min.
    q = round((clip(x, min, max) - min) / scale), np.round (ties to even).

Nothing here is taken from src/io/quantize.ts. Each case: the float32 inputs (little-endian bytes, base64), the
stored bytes (base64) and, for the affine ones, scale and min as JSON numbers (Python's repr: round-trip exact).
"""
import base64
import json
import sys

import numpy as np

LEVELS = {'uint8': (np.uint8, 255), 'uint16': (np.uint16, 65535)}


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a).astype(a.dtype.newbyteorder('<')).tobytes()).decode()


def affine(x, dtype):
    np_type, levels = LEVELS[dtype]
    lo = x.min().astype(np.float64)
    hi = x.max().astype(np.float64)
    if lo == hi:
        return np.zeros_like(x, dtype=np_type), 1.0, float(lo)
    scale = (hi - lo) / levels
    mn, mx = lo, hi
    if lo <= 0 <= hi:
        zero = np.round((0 - lo) / scale)
        mn = -zero * scale
        mx = levels * scale + mn
    q = np.round((x.clip(mn, mx) - mn) / scale)
    return q.astype(np_type), float(scale), float(mn)


def main():
    if (np.ones(1, np.float32) - np.float64(0.1)).dtype != np.float64:
        sys.exit(f'numpy {np.__version__} computes float32 - float64 scalar in float32 (before NEP 50): run with numpy >= 2')
    rng = np.random.default_rng(20261203)
    f32 = np.float32
    cases = []
    arrays = {
        'kernel-like normal(0, 0.05)': rng.normal(0, 0.05, 600).astype(f32),
        'all positive uniform(0.1, 2)': rng.uniform(0.1, 2, 300).astype(f32),
        'all negative uniform(-3, -0.5)': rng.uniform(-3, -0.5, 300).astype(f32),
        'constant 0.3': np.full(17, 0.3, f32),
        'holds exact zeros and wide range': np.concatenate([np.zeros(5, f32), rng.normal(0, 40, 300).astype(f32)]),
        'one value': np.array([-1.25], f32),
        'two values, zero at the top': np.array([-0.7, 0], f32),
        'uint8 levels of exactly 1, ties between them': np.array([0, 255, 2.5, 3.5, 100.5, 101.5, 254.5], f32),
    }
    for name, x in arrays.items():
        for dtype in LEVELS:
            q, scale, mn = affine(x, dtype)
            cases.append({'name': name, 'dtype': dtype, 'values': b64(x), 'stored': b64(q), 'scale': scale, 'min': mn})
    # float16 over every exponent float32 values of weights reach and past half precision's ends
    mags = np.concatenate([2.0 ** rng.uniform(-30, 16.2, 3000), rng.normal(0, 0.05, 1000)])
    signs = np.where(rng.uniform(size=mags.size) < 0.5, -1, 1)
    x = (mags * signs).astype(f32)
    x = x[np.abs(x) < 65504]  # beyond: an infinity, which simdnet refuses to write
    with np.errstate(over='ignore'):
        cases.append({'name': 'float16 across exponents', 'dtype': 'float16', 'values': b64(x), 'stored': b64(x.astype(np.float16))})
    json.dump({'numpy': np.__version__, 'cases': cases}, sys.stdout, indent=1)
    sys.stdout.write('\n')


main()
