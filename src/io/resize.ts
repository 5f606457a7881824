// Images in memory, and resizing them exactly as OpenCV's cv2.resize(INTER_LINEAR) does (checked byte
// for byte by scripts/resize-fixtures.py). No dependencies, so it runs in browsers as well as Node.

export interface Image {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array; // (height, width, channels)
}

export function checkImage(fn: string, img: Image): void {
  if (img === null || typeof img !== 'object') throw new Error(`${fn}: img must be an Image, got ${String(img)}`);
  const { width, height, channels, data } = img;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new Error(`${fn}: img size must be positive integers, got ${width}x${height}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new Error(`${fn}: img.channels must be 1, 3 or 4, got ${channels}`);
  if (!(data instanceof Uint8Array) || data.length !== width * height * channels) {
    throw new Error(`${fn}: img.data must be a Uint8Array of ${width}*${height}*${channels} = ${width * height * channels} bytes, got ${data?.length}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Resize

// OpenCV's INTER_RESIZE_COEF_BITS: 8-bit resize weights are integers out of 2048.
const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

/** cvRound: to nearest, ties to even (what saturate_cast<short>(float) does on x86 and ARM). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * For each destination index along one axis: the two source indices and their 11-bit weights, as
 * cv::resize computes them. `clampWeights` is true for x: OpenCV zeroes the fraction for destination
 * pixels whose source position falls outside [0, size-1]; along y it keeps the fraction and clamps only
 * the row indices, which matters because its vertical pass rounds each weighted term separately.
 */
function linearTaps(srcSize: number, dstSize: number, clampWeights: boolean) {
  const i0 = new Int32Array(dstSize), i1 = new Int32Array(dstSize);
  const w0 = new Int32Array(dstSize), w1 = new Int32Array(dstSize);
  const scale = 1 / (dstSize / srcSize); // OpenCV: scale_x = 1./inv_scale_x, in double
  for (let d = 0; d < dstSize; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5); // pixel centres; OpenCV rounds to float here
    let s = Math.floor(f);
    f -= s;
    if (clampWeights && s < 0) { f = 0; s = 0; }
    if (clampWeights && s >= srcSize - 1) { f = 0; s = srcSize - 1; }
    i0[d] = Math.min(Math.max(s, 0), srcSize - 1);
    i1[d] = Math.min(Math.max(s + 1, 0), srcSize - 1);
    w0[d] = roundHalfEven(Math.fround(1 - f) * COEF_SCALE);
    w1[d] = roundHalfEven(f * COEF_SCALE);
  }
  return { i0, i1, w0, w1 };
}

/**
 * Bilinear resize, byte for byte cv2.resize(img, (width, height), interpolation=INTER_LINEAR):
 * source position (dst + 0.5) * (src / dst) - 0.5, edges clamped, no antialiasing when shrinking.
 * OpenCV's 8-bit path is fixed point and so is this one: weights are rounded to multiples of 1/2048,
 * a horizontal pass keeps sums of pixel * weight as integers (< 2^20), and the vertical pass computes
 *   ((b0 * (h0 >> 4)) >> 16) + ((b1 * (h1 >> 4)) >> 16) + 2) >> 2
 * exactly as OpenCV's VResizeLinear<uchar> does (with its truncations, not an exact rounding).
 * OpenCV sends an exact 2x shrink to INTER_AREA; that gives the same bytes as this formula.
 */
export function resize(img: Image, width: number, height: number): Image {
  checkImage('resize', img);
  if (!Number.isInteger(width) || width <= 0) throw new Error(`resize: width must be a positive integer, got ${width}`);
  if (!Number.isInteger(height) || height <= 0) throw new Error(`resize: height must be a positive integer, got ${height}`);
  const cn = img.channels, src = img.data;
  if (width === img.width && height === img.height) return { width, height, channels: cn, data: src.slice() };

  const { xs, ys, slot, rows } = resizePlan(img.width, img.height, width, height);
  const rowLen = width * cn;
  const horiz = horizontalScratch(rows * rowLen), out = new Uint8Array(height * rowLen);
  for (let y = 0; y < img.height; y++) {
    if (slot[y] < 0) continue;
    const sRow = y * img.width * cn, hRow = slot[y] * rowLen;
    for (let x = 0; x < width; x++) {
      const p0 = sRow + xs.i0[x] * cn, p1 = sRow + xs.i1[x] * cn, a0 = xs.w0[x], a1 = xs.w1[x];
      for (let c = 0; c < cn; c++) horiz[hRow + x * cn + c] = src[p0 + c] * a0 + src[p1 + c] * a1;
    }
  }
  for (let y = 0; y < height; y++) {
    const r0 = slot[ys.i0[y]] * rowLen, r1 = slot[ys.i1[y]] * rowLen, b0 = ys.w0[y], b1 = ys.w1[y], o = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      out[o + i] = (((b0 * (horiz[r0 + i] >> 4)) >> 16) + ((b1 * (horiz[r1 + i] >> 4)) >> 16) + 2) >> 2;
    }
  }
  return { width, height, channels: cn, data: out };
}

interface ResizePlan { xs: Taps; ys: Taps; slot: Int32Array; rows: number }
type Taps = ReturnType<typeof linearTaps>;

// The last few geometries' taps (the least recently used dropped first), kept: a service resizes every upload from the same few sizes to its model's.
const PLANS_KEPT = 8;
const plans = new Map<string, ResizePlan>();

/**
 * The taps of both axes, and the source rows the vertical taps read, each once (a 286-row photo made 42 rows
 * high reads 84 of them): slot[y] is row y's place in the horizontal pass's output, -1 if unread.
 */
function resizePlan(srcWidth: number, srcHeight: number, width: number, height: number): ResizePlan {
  const key = `${srcWidth}x${srcHeight}>${width}x${height}`;
  let plan = plans.get(key);
  if (plan) {
    plans.delete(key); // the most recently used last: the first one is the one dropped
    plans.set(key, plan);
    return plan;
  }
  const xs = linearTaps(srcWidth, width, true), ys = linearTaps(srcHeight, height, false);
  const slot = new Int32Array(srcHeight).fill(-1);
  let rows = 0;
  for (let y = 0; y < height; y++) {
    if (slot[ys.i0[y]] < 0) slot[ys.i0[y]] = rows++;
    if (slot[ys.i1[y]] < 0) slot[ys.i1[y]] = rows++;
  }
  plan = { xs, ys, slot, rows };
  if (plans.size >= PLANS_KEPT) plans.delete(plans.keys().next().value!);
  plans.set(key, plan);
  return plan;
}

// The horizontal pass's sums (rows, width, cn), values pixel * 2048 at most, go to one buffer kept between calls
// (up to SCRATCH_MAX values; a larger one is made for its call). With a fresh buffer and fresh taps per call, a
// 384×286 photo made 42×42 (the serverless example's upload) took 230–320 µs a call from about the 50th call to
// the 400th of a process, 45 µs after; with both kept, 60 µs from the first calls (2026-12-02, AMD EPYC).
const SCRATCH_MAX = 1 << 18;
let scratch = new Int32Array(0);

function horizontalScratch(n: number): Int32Array {
  if (n > SCRATCH_MAX) return new Int32Array(n);
  if (scratch.length < n) scratch = new Int32Array(Math.max(n, Math.min(SCRATCH_MAX, 2 * scratch.length)));
  return scratch;
}

/** Pixels as float32 in [0, 1], HWC order: v / 255, rounded as numpy's `img.astype(np.float32) / 255`. */
export function toFloat(img: Image): Float32Array {
  checkImage('toFloat', img);
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i] / 255;
  return out;
}
