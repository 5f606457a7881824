#!/usr/bin/env python3
"""Expected outputs of OpenCV's cv2.resize(..., interpolation=cv2.INTER_LINEAR) on 8-bit images, for
test/io/images.test.ts.

    python3 scripts/resize-fixtures.py > test/io/fixtures/resize.json

Pure Python (no numpy): an independent re-implementation of OpenCV's 8-bit INTER_LINEAR path
(modules/imgproc/src/resize.cpp, cv::hal::resize + resizeGeneric_ + HResizeLinear + VResizeLinear<uchar>):

  * scale = 1 / (dst / src) in double; fx = float((dx + 0.5) * scale - 0.5); sx = floor(fx); fx -= sx.
  * x: if sx < 0 then fx = 0, sx = 0; if sx >= src_w - 1 then fx = 0, sx = src_w - 1.
    y: fy keeps its fraction; only the two row indices sy, sy + 1 are clipped to [0, src_h - 1].
  * weights are saturate_cast<short>(w * 2048) (INTER_RESIZE_COEF_BITS = 11), i.e. cvRound: nearest,
    ties to even, of the float32 values 1 - f and f.
  * horizontal: h = S[sx] * a0 + S[sx + 1] * a1 (or S[sx] * 2048 where sx + 1 is past the edge).
  * vertical:   dst = (((b0 * (h0 >> 4)) >> 16) + ((b1 * (h1 >> 4)) >> 16) + 2) >> 2.
  * an exact 2x shrink in both directions goes to INTER_AREA's fast path: (a + b + c + d + 2) >> 2.

Float32 rounding is emulated with struct. Nothing here is taken from src/io/images.ts.

When `import cv2` works (Debian: apt-get install python3-opencv, then run /usr/bin/python3), every case is
also run through real OpenCV and the script fails on any difference. The committed fixtures were
generated that way, against OpenCV 4.6.0 (Debian bookworm's python3-opencv), with no difference; the
"opencv" field of the JSON records the version that was checked, or null when cv2 was not available.
"""
import json
import math
import struct
import sys

COEF_BITS = 11
COEF_SCALE = 1 << COEF_BITS


def f32(x):
    """Round a Python float (double) to the nearest float32, as a C (float) cast does."""
    return struct.unpack('<f', struct.pack('<f', x))[0]


def cv_round(x):
    """cvRound: nearest integer, ties to even (Python's round() on floats does exactly that)."""
    return int(round(x))


def x_tables(src_w, dst_w):
    scale_x = 1.0 / (dst_w / src_w)
    xofs, alpha = [], []
    xmax = dst_w
    for dx in range(dst_w):
        fx = f32((dx + 0.5) * scale_x - 0.5)
        sx = math.floor(fx)
        fx = f32(fx - sx)
        if sx < 0:
            fx, sx = 0.0, 0
        if sx + 1 >= src_w:
            xmax = min(xmax, dx)
            if sx >= src_w - 1:
                fx, sx = 0.0, src_w - 1
        xofs.append(sx)
        alpha.append((cv_round(f32(1.0 - fx) * COEF_SCALE), cv_round(fx * COEF_SCALE)))
    return xofs, alpha, xmax


def y_tables(src_h, dst_h):
    scale_y = 1.0 / (dst_h / src_h)
    yofs, beta = [], []
    for dy in range(dst_h):
        fy = f32((dy + 0.5) * scale_y - 0.5)
        sy = math.floor(fy)
        fy = f32(fy - sy)
        yofs.append(sy)
        beta.append((cv_round(f32(1.0 - fy) * COEF_SCALE), cv_round(fy * COEF_SCALE)))
    return yofs, beta


def clip(v, lo, hi):
    return lo if v < lo else (hi - 1 if v >= hi else v)


def pixel(img, x, y, c):
    return img['data'][(y * img['width'] + x) * img['channels'] + c]


def resize_area_fast_2x(img, dst_w, dst_h):
    cn = img['channels']
    out = []
    for dy in range(dst_h):
        for dx in range(dst_w):
            for c in range(cn):
                s = (pixel(img, 2 * dx, 2 * dy, c) + pixel(img, 2 * dx + 1, 2 * dy, c)
                     + pixel(img, 2 * dx, 2 * dy + 1, c) + pixel(img, 2 * dx + 1, 2 * dy + 1, c))
                out.append((s + 2) >> 2)
    return out


def resize_linear_u8(img, dst_w, dst_h):
    src_w, src_h, cn = img['width'], img['height'], img['channels']
    if (src_w, src_h) == (dst_w, dst_h):
        return list(img['data'])  # cv::resize copies
    scale_x, scale_y = 1.0 / (dst_w / src_w), 1.0 / (dst_h / src_h)
    if scale_x == 2.0 and scale_y == 2.0:
        return resize_area_fast_2x(img, dst_w, dst_h)
    xofs, alpha, xmax = x_tables(src_w, dst_w)
    yofs, beta = y_tables(src_h, dst_h)

    def hrow(sy):
        row = []
        for dx in range(dst_w):
            sx = xofs[dx]
            a0, a1 = alpha[dx]
            for c in range(cn):
                if dx < xmax:
                    row.append(pixel(img, sx, sy, c) * a0 + pixel(img, sx + 1, sy, c) * a1)
                else:
                    row.append(pixel(img, sx, sy, c) * COEF_SCALE)
        return row

    out = []
    for dy in range(dst_h):
        h0 = hrow(clip(yofs[dy], 0, src_h))
        h1 = hrow(clip(yofs[dy] + 1, 0, src_h))
        b0, b1 = beta[dy]
        for v0, v1 in zip(h0, h1):
            out.append((((b0 * (v0 >> 4)) >> 16) + ((b1 * (v1 >> 4)) >> 16) + 2) >> 2)
    return out


def lcg_bytes(n, seed):
    """Deterministic pseudo-random bytes (Numerical Recipes LCG, top byte)."""
    out, s = [], seed
    for _ in range(n):
        s = (1664525 * s + 1013904223) & 0xFFFFFFFF
        out.append(s >> 24)
    return out


def image(width, height, channels, data):
    assert len(data) == width * height * channels
    return {'width': width, 'height': height, 'channels': channels, 'data': data}


CASES = [
    # (name, source image, dst width, dst height)
    ('down 4x4 -> 2x2, 1 channel (exact 2x: OpenCV takes INTER_AREA)',
     image(4, 4, 1, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 255]), 2, 2),
    ('down 6x4 -> 3x2, 3 channels (exact 2x)', image(6, 4, 3, lcg_bytes(72, 7)), 3, 2),
    ('up 2x2 -> 4x4, 1 channel', image(2, 2, 1, [0, 64, 128, 255]), 4, 4),
    ('up 2x2 -> 4x4, 3 channels', image(2, 2, 3, [255, 0, 0, 0, 255, 0, 0, 0, 255, 17, 99, 201]), 4, 4),
    ('3x5 -> 7x2 (wider, shorter), 3 channels', image(3, 5, 3, lcg_bytes(45, 1)), 7, 2),
    ('3x5 -> 7x2 (wider, shorter), 1 channel', image(3, 5, 1, lcg_bytes(15, 2)), 7, 2),
    ('down 9x7 -> 4x3, 1 channel', image(9, 7, 1, lcg_bytes(63, 3)), 4, 3),
    ('up 3x2 -> 8x5, 1 channel', image(3, 2, 1, lcg_bytes(6, 4)), 8, 5),
    ('up 1x1 -> 3x2, 3 channels', image(1, 1, 3, [12, 34, 56]), 3, 2),
    ('1x6 -> 4x3, 1 channel (one source column)', image(1, 6, 1, lcg_bytes(6, 5)), 4, 3),
    ('up 3x3 -> 5x4, 4 channels', image(3, 3, 4, lcg_bytes(36, 6)), 5, 4),
    ('same size 5x4, 1 channel (a copy)', image(5, 4, 1, lcg_bytes(20, 8)), 5, 4),
    ('lab shape 92x112 -> 42x42, 1 channel', image(92, 112, 1, lcg_bytes(92 * 112, 9)), 42, 42),
]


def check_with_opencv(cases):
    """Run every case through real OpenCV; returns its version, or None when cv2 is missing."""
    try:
        import cv2
        import numpy as np
    except ImportError:
        print('resize-fixtures: cv2 not available, fixtures come from the re-implementation only', file=sys.stderr)
        return None
    for case in cases:
        src = case['src']
        arr = np.array(src['data'], dtype=np.uint8).reshape(src['height'], src['width'], src['channels'])
        got = cv2.resize(arr, (case['dst']['width'], case['dst']['height']), interpolation=cv2.INTER_LINEAR)
        got = got.reshape(-1).tolist()
        if got != case['expected']:
            diffs = [(i, a, b) for i, (a, b) in enumerate(zip(got, case['expected'])) if a != b]
            sys.exit(f"resize-fixtures: OpenCV {cv2.__version__} differs on '{case['name']}': "
                     f"{len(diffs)} values, first (index, opencv, ours) {diffs[:5]}")
    print(f'resize-fixtures: all {len(cases)} cases equal OpenCV {cv2.__version__}', file=sys.stderr)
    return cv2.__version__


def main():
    cases = [{'name': name, 'src': src, 'dst': {'width': w, 'height': h},
              'expected': resize_linear_u8(src, w, h)} for name, src, w, h in CASES]
    opencv = check_with_opencv(cases)
    doc = {
        'generator': 'scripts/resize-fixtures.py (re-implementation of OpenCV 8-bit INTER_LINEAR)',
        'opencv': opencv,
        'cases': cases,
    }
    json.dump(doc, sys.stdout, separators=(',', ':'))
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
