// Losses over a batch of `rows` samples with `cols` outputs each. Each returns the mean loss over the
// batch (Keras: mean over the last axis where it applies, then over samples) and writes the gradient of
// that mean with respect to its input into `grad` (which may not alias the inputs).
// Probabilities are clipped to [EPS, 1 - EPS] as Keras / TensorFlow.js do.

const EPS: f32 = 1e-7;

// @ts-ignore: decorator
@inline
function clip(p: f32): f32 { return min(max(p, EPS), <f32>1 - EPS); }

// Softmax output + categorical cross-entropy, fused: grad is with respect to the *logits*: (p - y)/rows.
export function softmax_cce(grad: usize, p: usize, y: usize, rows: i32, cols: i32): f64 {
  let loss: f64 = 0;
  const inv: f32 = <f32>1 / <f32>rows;
  for (let r = 0; r < rows; r++) {
    let s: f32 = 0, t: f32 = 0;
    for (let j = 0; j < cols; j++) {
      const o = (<usize>r * cols + j) << 2;
      s += load<f32>(p + o);
      t += load<f32>(y + o);
    }
    for (let j = 0; j < cols; j++) {
      const o = (<usize>r * cols + j) << 2;
      const pj = load<f32>(p + o), yj = load<f32>(y + o);
      // Keras normalises the probabilities to sum 1 before the log; softmax output already does.
      if (yj != 0) loss -= <f64>yj * Math.log(<f64>clip(pj / s));
      store<f32>(grad + o, (pj * t - yj) * inv);
    }
  }
  return loss / rows;
}

// Same, with integer labels (sparse categorical cross-entropy); labels are i32 class ids.
export function softmax_sparse_cce(grad: usize, p: usize, labels: usize, rows: i32, cols: i32): f64 {
  let loss: f64 = 0;
  const inv: f32 = <f32>1 / <f32>rows;
  for (let r = 0; r < rows; r++) {
    const label = load<i32>(labels + (<usize>r << 2));
    for (let j = 0; j < cols; j++) {
      const o = (<usize>r * cols + j) << 2;
      const pj = load<f32>(p + o);
      if (j == label) loss -= Math.log(<f64>clip(pj));
      store<f32>(grad + o, (pj - (j == label ? <f32>1 : 0)) * inv);
    }
  }
  return loss / rows;
}

// log Σ_j exp(z_j) over one row of `cols` logits, shifted by their maximum (no overflow, in float64).
// @ts-ignore: decorator
@inline
function logSumExp(z: usize, cols: i32): f64 {
  let m: f64 = -Infinity;
  for (let j = 0; j < cols; j++) m = Math.max(m, <f64>load<f32>(z + (<usize>j << 2)));
  let s: f64 = 0;
  for (let j = 0; j < cols; j++) s += Math.exp(<f64>load<f32>(z + (<usize>j << 2)) - m);
  return m + Math.log(s);
}

// Categorical cross-entropy from logits z (Keras' from_logits=True, tf.nn.softmax_cross_entropy_with_logits):
// loss = Σ_j y_j (logsumexp(z) - z_j), log-softmax computed stably and unclipped; grad w.r.t. z =
// (softmax(z) Σy - y) / rows. z is read in full before grad is written row by row (grad may not alias z).
export function logits_cce(grad: usize, z: usize, y: usize, rows: i32, cols: i32): f64 {
  let loss: f64 = 0;
  const inv: f64 = 1 / <f64>rows;
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * cols;
    let t: f64 = 0;
    for (let j = 0; j < cols; j++) t += <f64>load<f32>(y + ((row + j) << 2));
    const lse = logSumExp(z + (row << 2), cols);
    for (let j = 0; j < cols; j++) {
      const o = (row + j) << 2;
      const zj = <f64>load<f32>(z + o), yj = <f64>load<f32>(y + o);
      if (yj != 0) loss += yj * (lse - zj);
      store<f32>(grad + o, <f32>((Math.exp(zj - lse) * t - yj) * inv));
    }
  }
  return loss / rows;
}

// Sparse categorical cross-entropy from logits (i32 class ids): loss = logsumexp(z) - z_label, unclipped;
// grad w.r.t. z = (softmax(z) - onehot) / rows.
export function logits_sparse_cce(grad: usize, z: usize, labels: usize, rows: i32, cols: i32): f64 {
  let loss: f64 = 0;
  const inv: f64 = 1 / <f64>rows;
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * cols;
    const label = load<i32>(labels + (<usize>r << 2));
    const lse = logSumExp(z + (row << 2), cols);
    for (let j = 0; j < cols; j++) {
      const o = (row + j) << 2;
      const zj = <f64>load<f32>(z + o);
      if (j == label) loss += lse - zj;
      store<f32>(grad + o, <f32>((Math.exp(zj - lse) - (j == label ? 1.0 : 0.0)) * inv));
    }
  }
  return loss / rows;
}

// Binary cross-entropy from logits (Keras' from_logits=True, tf.nn.sigmoid_cross_entropy_with_logits):
// loss = max(z, 0) - z y + log(1 + exp(-|z|)), unclipped, mean over all values; grad = (sigmoid(z) - y) / n.
export function logits_bce(grad: usize, z: usize, y: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  let loss: f64 = 0;
  const inv: f64 = 1 / <f64>n;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const zi = <f64>load<f32>(z + o), yi = <f64>load<f32>(y + o);
    loss += Math.max(zi, 0) - zi * yi + Math.log1p(Math.exp(-Math.abs(zi)));
    const e = Math.exp(-Math.abs(zi)), sig = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
    store<f32>(grad + o, <f32>((sig - yi) * inv));
  }
  return loss / n;
}

// Categorical cross-entropy on probabilities from any layer: grad w.r.t. p.
// Keras: p /= Σp; loss = -Σ y log clip(p). Gradient of the clip is zero outside [EPS, 1-EPS].
export function cce(grad: usize, p: usize, y: usize, rows: i32, cols: i32): f64 {
  let loss: f64 = 0;
  const inv: f32 = <f32>1 / <f32>rows;
  for (let r = 0; r < rows; r++) {
    let s: f32 = 0;
    for (let j = 0; j < cols; j++) s += load<f32>(p + ((<usize>r * cols + j) << 2));
    // d/dp_k of -Σ_j y_j log(p_j / s) = -y_k/p_k + (Σ_j y_j)/s, with clipped terms dropping out
    let ysumUnclipped: f32 = 0;
    for (let j = 0; j < cols; j++) {
      const o = (<usize>r * cols + j) << 2;
      const q = load<f32>(p + o) / s, yj = load<f32>(y + o);
      if (yj != 0) loss -= <f64>yj * Math.log(<f64>clip(q));
      if (q > EPS && q < <f32>1 - EPS) ysumUnclipped += yj;
    }
    for (let j = 0; j < cols; j++) {
      const o = (<usize>r * cols + j) << 2;
      const pj = load<f32>(p + o), yj = load<f32>(y + o);
      const q = pj / s;
      const inside = q > EPS && q < <f32>1 - EPS;
      store<f32>(grad + o, ((inside ? -yj / pj : 0) + ysumUnclipped / s) * inv);
    }
  }
  return loss / rows;
}

// Binary cross-entropy on probabilities, mean over all rows*cols elements.
export function bce(grad: usize, p: usize, y: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  let loss: f64 = 0;
  const inv: f32 = <f32>1 / <f32>n;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const pj = load<f32>(p + o), yj = load<f32>(y + o);
    const q = clip(pj);
    loss -= <f64>yj * Math.log(<f64>q) + <f64>(1 - yj) * Math.log(<f64>(1 - q));
    const inside = pj > EPS && pj < <f32>1 - EPS;
    store<f32>(grad + o, inside ? (q - yj) / (q * (<f32>1 - q)) * inv : 0);
  }
  return loss / n;
}

// Sigmoid output + binary cross-entropy, fused: grad w.r.t. the logits is (p - y)/n.
export function sigmoid_bce(grad: usize, p: usize, y: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  let loss: f64 = 0;
  const inv: f32 = <f32>1 / <f32>n;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const pj = load<f32>(p + o), yj = load<f32>(y + o);
    const q = clip(pj);
    loss -= <f64>yj * Math.log(<f64>q) + <f64>(1 - yj) * Math.log(<f64>(1 - q));
    store<f32>(grad + o, (pj - yj) * inv);
  }
  return loss / n;
}

export function mse(grad: usize, p: usize, y: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  let loss: f64 = 0;
  const g: f32 = <f32>2 / <f32>n;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(p + o) - load<f32>(y + o);
    loss += <f64>d * d;
    store<f32>(grad + o, g * d);
  }
  return loss / n;
}

export function mae(grad: usize, p: usize, y: usize, rows: i32, cols: i32): f64 {
  const n = rows * cols;
  let loss: f64 = 0;
  const g: f32 = <f32>1 / <f32>n;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(p + o) - load<f32>(y + o);
    loss += Math.abs(<f64>d);
    store<f32>(grad + o, d > 0 ? g : d < 0 ? -g : 0);
  }
  return loss / n;
}

// Huber with threshold delta: 0.5 d² for |d| ≤ delta, else delta (|d| - 0.5 delta).
export function huber(grad: usize, p: usize, y: usize, rows: i32, cols: i32, delta: f32): f64 {
  const n = rows * cols;
  let loss: f64 = 0;
  const inv: f32 = <f32>1 / <f32>n;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(p + o) - load<f32>(y + o);
    const a = Mathf.abs(d);
    if (a <= delta) {
      loss += 0.5 * <f64>d * d;
      store<f32>(grad + o, d * inv);
    } else {
      loss += <f64>delta * (<f64>a - 0.5 * delta);
      store<f32>(grad + o, (d > 0 ? delta : -delta) * inv);
    }
  }
  return loss / n;
}

// Metrics: number of correct predictions in the batch.

// argmax(p) == argmax(y) per row (one-hot labels).
export function count_argmax_match(p: usize, y: usize, rows: i32, cols: i32): i32 {
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    let bp = 0, by = 0;
    for (let j = 1; j < cols; j++) {
      const o = (<usize>r * cols + j) << 2;
      if (load<f32>(p + o) > load<f32>(p + ((<usize>r * cols + bp) << 2))) bp = j;
      if (load<f32>(y + o) > load<f32>(y + ((<usize>r * cols + by) << 2))) by = j;
    }
    if (bp == by) correct++;
  }
  return correct;
}

// argmax(p) == label per row (integer labels).
export function count_sparse_match(p: usize, labels: usize, rows: i32, cols: i32): i32 {
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    let bp = 0;
    for (let j = 1; j < cols; j++) {
      if (load<f32>(p + ((<usize>r * cols + j) << 2)) > load<f32>(p + ((<usize>r * cols + bp) << 2))) bp = j;
    }
    if (bp == load<i32>(labels + (<usize>r << 2))) correct++;
  }
  return correct;
}

// (p > threshold) == (y > 0.5) elementwise (binary accuracy: threshold 0.5 on probabilities, 0 on logits);
// returns the count over rows*cols elements.
export function count_binary_match(p: usize, y: usize, n: i32, threshold: f32): i32 {
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    if ((load<f32>(p + o) > threshold ? 1 : 0) == (load<f32>(y + o) > 0.5 ? 1 : 0)) correct++;
  }
  return correct;
}
