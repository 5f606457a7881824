// Signatures of the Wasm exports (assembly/index.ts), one line per kernel, grouped by op.
// Pointers are byte offsets into the runtime's memory.
type Ptr = number;
export interface Kernels {
  gemm_pack_floats(): number;
  gemm(c: Ptr, ldc: number, a: Ptr, rowOff: Ptr, redOff: Ptr, b: Ptr, bRs: number, bCs: number,
    m: number, n: number, k: number, mode: number, bias: Ptr, packBuf: Ptr): void;
  strided_offsets(dst: Ptr, n: number, stride: number): void;
  gemm_packed_floats(n: number, k: number): number;
  gemm_pack(dst: Ptr, b: Ptr, bRs: number, bCs: number, n: number, k: number): void;
  gemm_pack_columns(dst: Ptr, b: Ptr, bRs: number, bCs: number, n: number, k: number, c0: number, nc: number): void;
  gemm_packed(c: Ptr, ldc: number, a: Ptr, rowOff: Ptr, redOff: Ptr, packed: Ptr, m: number, n: number, k: number, mode: number,
    bias: Ptr, scratch: Ptr): void;
  // Winograd 3x3 convolutions (assembly/winograd.ts); m = 2, 4 or 6 (F(m x m, 3 x 3))
  winograd_chunk_tiles(m: number, cin: number, cout: number): number;
  winograd_filter_floats(m: number, cin: number, cout: number): number;
  winograd_filter_tmp_floats(m: number, cin: number): number;
  winograd_filter_transform(u: Ptr, w: Ptr, m: number, cin: number, cout: number, c0: number, count: number, tmp: Ptr): void;
  winograd_conv3x3(y: Ptr, x: Ptr, u: Ptr, bias: Ptr, mode: number, h: number, w: number, cin: number,
    ho: number, wo: number, cout: number, padTop: number, padLeft: number, m: number, t0: number, count: number, scratch: Ptr): void;
  winograd_conv3x3_backward_data(dx: Ptr, dy: Ptr, ut: Ptr, mode: number, h: number, w: number, cin: number,
    ho: number, wo: number, cout: number, padTop: number, padLeft: number, m: number, t0: number, count: number, scratch: Ptr): void;
  winograd_grad_chunk_tiles(m: number, cin: number, cout: number): number;
  winograd_grad_groups(m: number, cin: number, cout: number, tiles: number): number;
  winograd_grad_work_floats(m: number, cin: number, cout: number): number;
  winograd_grad_product_floats(m: number, cin: number, cout: number): number;
  winograd_filter_grad(p: Ptr, work: Ptr, x: Ptr, dy: Ptr, mode: number, h: number, w: number, cin: number, ho: number, wo: number,
    cout: number, padTop: number, padLeft: number, m: number, tiles: number, g0: number, count: number, scratch: Ptr): void;
  winograd_filter_grad_output(dw: Ptr, p: Ptr, groups: number, m: number, cin: number, cout: number, c0: number, count: number, tmp: Ptr): void;
  spread_nhwc(dst: Ptr, src: Ptr, b: number, h: number, w: number, c: number, hd: number, wd: number,
    top: number, left: number, stepH: number, stepW: number): void;
  flip_kernel(dst: Ptr, src: Ptr, kh: number, kw: number, cin: number, cout: number, co0: number, count: number): void;
  transpose_kernel(dst: Ptr, src: Ptr, taps: number, cin: number, cout: number, co0: number, count: number): void;
  conv_window_offsets(dst: Ptr, b: number, ho: number, wo: number, hp: number, wp: number, c: number,
    sh: number, sw: number): void;
  conv_tap_offsets(dst: Ptr, kh: number, kw: number, c: number, wp: number): void;
  upsample_nearest_forward(y: Ptr, x: Ptr, b: number, h: number, w: number, c: number, sh: number, sw: number): void;
  upsample_nearest_backward(dx: Ptr, dy: Ptr, b: number, h: number, w: number, c: number, sh: number, sw: number): void;
  maxpool_forward(y: Ptr, argmax: Ptr, x: Ptr, b: number, h: number, w: number, c: number, ho: number, wo: number,
    ph: number, pw: number, sh: number, sw: number, padTop: number, padLeft: number, n0: number): void;
  maxpool_backward(dx: Ptr, dy: Ptr, argmax: Ptr, b: number, h: number, w: number, c: number, ho: number, wo: number,
    ph: number, pw: number, sh: number, sw: number, padTop: number, padLeft: number, n0: number): void;
  avgpool_forward(y: Ptr, x: Ptr, b: number, h: number, w: number, c: number, ho: number, wo: number,
    ph: number, pw: number, sh: number, sw: number, padTop: number, padLeft: number): void;
  avgpool_backward(dx: Ptr, dy: Ptr, b: number, h: number, w: number, c: number, ho: number, wo: number,
    ph: number, pw: number, sh: number, sw: number, padTop: number, padLeft: number): void;
  // global pooling (assembly/global_pool.ts)
  global_avgpool_forward(y: Ptr, x: Ptr, hw: number, c: number, n0: number, count: number): void;
  global_avgpool_backward(dx: Ptr, dy: Ptr, hw: number, c: number, n0: number, count: number): void;
  global_avgpool_masked_forward(y: Ptr, x: Ptr, mask: Ptr, hw: number, c: number, n0: number, count: number): void;
  global_avgpool_masked_backward(dx: Ptr, dy: Ptr, mask: Ptr, hw: number, c: number, n0: number, count: number): void;
  global_maxpool_forward(y: Ptr, argmax: Ptr, x: Ptr, hw: number, c: number, n0: number, count: number): void;
  global_maxpool_backward(dx: Ptr, dy: Ptr, argmax: Ptr, hw: number, c: number, n0: number, count: number): void;
  bias_backward(db: Ptr, dy: Ptr, rows: number, cols: number, ld: number): void;
  relu_bias_backward(db: Ptr, dx: Ptr, dy: Ptr, y: Ptr, rows: number, cols: number, ld: number): void;
  bias_block_sums(part: Ptr, dx: Ptr, dy: Ptr, y: Ptr, rows: number, cols: number, ld: number, blockRows: number, nb: number,
    relu: 0 | 1): void;
  bias_add_blocks(db: Ptr, part: Ptr, nb: number, cols: number): void;
  zero_floats(dst: Ptr, n: number): void;
  gather_rows(dst: Ptr, src: Ptr, idx: Ptr, rows: number, width: number): void;
  count_nonfinite(x: Ptr, n: number): number;
  relu_forward(y: Ptr, x: Ptr, n: number): void;
  relu_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  sigmoid_forward(y: Ptr, x: Ptr, n: number): void;
  sigmoid_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  tanh_forward(y: Ptr, x: Ptr, n: number): void;
  tanh_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  softmax_forward(y: Ptr, x: Ptr, rows: number, cols: number): void;
  softmax_backward(dx: Ptr, dy: Ptr, y: Ptr, rows: number, cols: number): void;
  elu_forward(y: Ptr, x: Ptr, n: number): void;
  elu_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  selu_forward(y: Ptr, x: Ptr, n: number): void;
  selu_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  softplus_forward(y: Ptr, x: Ptr, n: number): void;
  softplus_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  softsign_forward(y: Ptr, x: Ptr, n: number): void;
  softsign_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  relu6_forward(y: Ptr, x: Ptr, n: number): void;
  relu6_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  hard_sigmoid_forward(y: Ptr, x: Ptr, n: number): void;
  hard_sigmoid_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  exponential_forward(y: Ptr, x: Ptr, n: number): void;
  exponential_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number): void;
  swish_forward(y: Ptr, x: Ptr, n: number): void;
  swish_backward(dx: Ptr, dy: Ptr, x: Ptr, n: number): void;
  gelu_forward(y: Ptr, x: Ptr, n: number): void;
  gelu_backward(dx: Ptr, dy: Ptr, x: Ptr, n: number): void;
  gelu_new_forward(y: Ptr, x: Ptr, n: number): void;
  gelu_new_backward(dx: Ptr, dy: Ptr, x: Ptr, n: number): void;
  mish_forward(y: Ptr, x: Ptr, n: number): void;
  mish_backward(dx: Ptr, dy: Ptr, x: Ptr, n: number): void;
  leaky_relu_forward(y: Ptr, x: Ptr, n: number, alpha: number, max: number): void;
  leaky_relu_backward(dx: Ptr, dy: Ptr, y: Ptr, n: number, alpha: number, max: number): void;
  // the Rescaling layer (assembly/rescaling.ts): y = x scale + offset, dx = dy scale
  rescale_forward(y: Ptr, x: Ptr, n: number, scale: number, offset: number): void;
  rescale_backward(dx: Ptr, dy: Ptr, n: number, scale: number): void;
  dropout_forward(y: Ptr, mask: Ptr, x: Ptr, n: number, rate: number, seed: number, start: number): void;
  dropout_backward(dx: Ptr, dy: Ptr, mask: Ptr, n: number): void;
  gaussian_noise_forward(y: Ptr, x: Ptr, n: number, stddev: number, seed: number, start: number): void;
  gaussian_dropout_forward(y: Ptr, mask: Ptr, x: Ptr, n: number, stddev: number, seed: number, start: number): void;
  spatial_dropout_forward(y: Ptr, mask: Ptr, x: Ptr, count: number, positions: number, channels: number, rate: number, seed: number, n0: number): void;
  spatial_dropout_backward(dx: Ptr, dy: Ptr, mask: Ptr, count: number, positions: number, channels: number): void;
  // Keras' Masking (assembly/masking.ts)
  masking_forward(y: Ptr, mask: Ptr, x: Ptr, rows: number, cols: number, maskValue: number): void;
  masking_backward(dx: Ptr, dy: Ptr, mask: Ptr, rows: number, cols: number): void;
  // depthwise convolution (assembly/depthwise.ts)
  depthwise_forward(y: Ptr, xp: Ptr, w: Ptr, bias: Ptr, hp: number, wp: number, c: number, m: number, kh: number, kw: number,
    sh: number, sw: number, ho: number, wo: number, r0: number, count: number): void;
  depthwise_backward_data(dx: Ptr, dy: Ptr, w: Ptr, h: number, wd: number, c: number, m: number, kh: number, kw: number,
    sh: number, sw: number, ho: number, wo: number, top: number, left: number, r0: number, count: number): void;
  depthwise_backward_filter(dw: Ptr, xp: Ptr, dy: Ptr, n: number, hp: number, wp: number, c: number, m: number, kh: number,
    kw: number, sh: number, sw: number, ho: number, wo: number, c0: number, count: number): void;
  // Bidirectional's merge of its two layers' outputs (assembly/merge.ts)
  bidirectional_merge_forward(out: Ptr, yf: Ptr, yb: Ptr, mask: Ptr, maskRev: number, r0: number, count: number, t: number, u: number,
    mode: number, rev: number): void;
  bidirectional_merge_backward(dyf: Ptr, dyb: Ptr, dout: Ptr, yf: Ptr, yb: Ptr, mask: Ptr, maskRev: number, r0: number, count: number,
    t: number, u: number, mode: number, rev: number): void;
  add_floats(dst: Ptr, src: Ptr, n: number): void;
  // batch normalization (assembly/norm.ts)
  layernorm_forward(y: Ptr, xhat: Ptr, invstd: Ptr, x: Ptr, gamma: Ptr, beta: Ptr, c: number, eps: number, r0: number, count: number): void;
  layernorm_backward(dx: Ptr, dy: Ptr, xhat: Ptr, invstd: Ptr, gamma: Ptr, c: number, r0: number, count: number): void;
  batchnorm_forward(y: Ptr, xhat: Ptr, mean: Ptr, variance: Ptr, invstd: Ptr, x: Ptr, gamma: Ptr, beta: Ptr,
    rows: number, c: number, eps: number, c0: number, cCount: number): void;
  batchnorm_backward(dx: Ptr, dgamma: Ptr, dbeta: Ptr, dy: Ptr, xhat: Ptr, invstd: Ptr, gamma: Ptr,
    rows: number, c: number, c0: number, cCount: number): void;
  batchnorm_moving_update(movingMean: Ptr, movingVar: Ptr, mean: Ptr, variance: Ptr, momentum: number, c0: number, cCount: number): void;
  batchnorm_inference_fold(scale: Ptr, shift: Ptr, movingMean: Ptr, movingVar: Ptr, gamma: Ptr, beta: Ptr,
    eps: number, c0: number, cCount: number): void;
  batchnorm_inference_forward(y: Ptr, x: Ptr, scale: Ptr, shift: Ptr, c: number, r0: number, rCount: number): void;
  // image augmentation (assembly/augment.ts): images [n0, n0 + count) of NHWC [b, h, w, c]; codes in wasm.ts
  random_flip_forward(y: Ptr, flips: Ptr, x: Ptr, count: number, h: number, w: number, c: number, mode: number, seed: number, n0: number): void;
  flip_forward(y: Ptr, x: Ptr, flips: Ptr, count: number, h: number, w: number, c: number, n0: number): void;
  flip_backward(dx: Ptr, dy: Ptr, flips: Ptr, count: number, h: number, w: number, c: number, n0: number): void;
  random_translation_forward(y: Ptr, shifts: Ptr, x: Ptr, count: number, h: number, w: number, c: number, hLo: number, hHi: number,
    wLo: number, wHi: number, fillMode: number, interpolation: number, fillValue: number, seed: number, n0: number): void;
  translation_forward(y: Ptr, x: Ptr, shifts: Ptr, count: number, h: number, w: number, c: number, fillMode: number,
    interpolation: number, fillValue: number, n0: number): void;
  translation_backward(dx: Ptr, dy: Ptr, shifts: Ptr, count: number, h: number, w: number, c: number, fillMode: number,
    interpolation: number, n0: number): void;
  softmax_cce(grad: Ptr, p: Ptr, y: Ptr, rows: number, cols: number): number;
  softmax_sparse_cce(grad: Ptr, p: Ptr, labels: Ptr, rows: number, cols: number): number;
  logits_cce(grad: Ptr, z: Ptr, y: Ptr, rows: number, cols: number): number;
  logits_sparse_cce(grad: Ptr, z: Ptr, labels: Ptr, rows: number, cols: number): number;
  logits_bce(grad: Ptr, z: Ptr, y: Ptr, rows: number, cols: number): number;
  cce(grad: Ptr, p: Ptr, y: Ptr, rows: number, cols: number): number;
  bce(grad: Ptr, p: Ptr, y: Ptr, rows: number, cols: number): number;
  sigmoid_bce(grad: Ptr, p: Ptr, y: Ptr, rows: number, cols: number): number;
  mse(grad: Ptr, p: Ptr, y: Ptr, rows: number, cols: number): number;
  mae(grad: Ptr, p: Ptr, y: Ptr, rows: number, cols: number): number;
  huber(grad: Ptr, p: Ptr, y: Ptr, rows: number, cols: number, delta: number): number;
  count_argmax_match(p: Ptr, y: Ptr, rows: number, cols: number): number;
  count_sparse_match(p: Ptr, labels: Ptr, rows: number, cols: number): number;
  count_binary_match(p: Ptr, y: Ptr, n: number, threshold: number): number;
  sgd_update(p: Ptr, g: Ptr, v: Ptr, n: number, lr: number, momentum: number, nesterov: boolean | number): void;
  adam_update(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, lrT: number, beta1: number, beta2: number, eps: number, vScale: number): void;
  adagrad_update(p: Ptr, g: Ptr, a: Ptr, n: number, lr: number, eps: number): void;
  clip_values(g: Ptr, n: number, v: number): void;
  scale_floats(x: Ptr, n: number, s: number): void;
  decay_weights(p: Ptr, n: number, wd: number, lr: number): void;
  regularizer_penalty(w: Ptr, n: number, l1: number, l2: number): number;
  regularizer_backward(g: Ptr, w: Ptr, n: number, l1: number, l2: number): void;
  constrain_norm(w: Ptr, outer: number, red: number, inner: number, lo: number, hi: number, rate: number, unit: number): void;
  constrain_nonneg(w: Ptr, n: number): void;
  peak_probe(iters: number, seed: number): number;
  peak_probe_acc(iters: number, seed: number, buf: Ptr): number;
  adamax_update(p: Ptr, g: Ptr, m: Ptr, u: Ptr, n: number, lrT: number, beta1: number, beta2: number, eps: number): void;
  adadelta_update(p: Ptr, g: Ptr, a: Ptr, s: Ptr, n: number, lr: number, rho: number, eps: number): void;
  nadam_update(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, lr: number, beta1: number, beta2: number, eps: number, cm: number, cg: number, vScale: number): void;
  rmsprop_update(p: Ptr, g: Ptr, a: Ptr, mom: Ptr, n: number, lr: number, rho: number, momentum: number, eps: number): void;
  // recurrent layers (assembly/rnn.ts)
  embedding_forward(y: Ptr, mask: Ptr, ids: Ptr, table: Ptr, n: number, inputDim: number, dim: number): number;
  embedding_backward(dTable: Ptr, dy: Ptr, ids: Ptr, n: number, inputDim: number, dim: number): void;
  seq_row_offsets(dst: Ptr, batch: number, steps: number, stride: number, reverse: number, timeMajor: number): void;
  transpose(dst: Ptr, src: Ptr, rows: number, cols: number): void;
  simple_rnn_step_forward(h: Ptr, z: Ptr, hPrev: Ptr, mask: Ptr, maskRs: number, rows: number, units: number, act: number): void;
  simple_rnn_step_backward(dz: Ptr, dhRun: Ptr, dy: Ptr, dyRs: number, h: Ptr, mask: Ptr, maskRs: number,
    rows: number, units: number, act: number): void;
  // hard: the gates' activation is the hard sigmoid (1) or the sigmoid (0)
  lstm_step_forward(h: Ptr, c: Ptr, gates: Ptr, hPrev: Ptr, cPrev: Ptr, mask: Ptr, maskRs: number, rows: number, units: number, hard: number): void;
  lstm_step_backward(dgates: Ptr, dhRun: Ptr, dcRun: Ptr, dy: Ptr, dyRs: number, gates: Ptr, c: Ptr, cPrev: Ptr,
    mask: Ptr, maskRs: number, rows: number, units: number, hard: number): void;
  gru_step_forward(h: Ptr, gates: Ptr, rec: Ptr, hPrev: Ptr, mask: Ptr, maskRs: number, rows: number, units: number, hard: number): void;
  gru_step_backward(dgx: Ptr, dgr: Ptr, dhRun: Ptr, dy: Ptr, dyRs: number, gates: Ptr, rec: Ptr, hPrev: Ptr,
    mask: Ptr, maskRs: number, rows: number, units: number, hard: number): void;
  gru1_step_gates(gates: Ptr, rec: Ptr, rh: Ptr, hPrev: Ptr, rows: number, units: number, hard: number): void;
  gru1_step_forward(h: Ptr, gates: Ptr, rec: Ptr, hPrev: Ptr, mask: Ptr, maskRs: number, rows: number, units: number): void;
  gru1_step_backward_candidate(dgx: Ptr, dgr: Ptr, dhRun: Ptr, dy: Ptr, dyRs: number, gates: Ptr, hPrev: Ptr,
    mask: Ptr, maskRs: number, rows: number, units: number, hard: number): void;
  gru1_step_backward_reset(dgx: Ptr, dgr: Ptr, dhRun: Ptr, drh: Ptr, gates: Ptr, hPrev: Ptr, mask: Ptr, maskRs: number,
    rows: number, units: number, hard: number): void;
  // baseline JPEG (assembly/jpeg.ts; src/io/jpeg.ts lays out the tables)
  jpeg_huffman_ints(): number;
  jpeg_component_ints(): number;
  jpeg_decode_scan(bytes: Ptr, len: number, start: number, comps: Ptr, ncomp: number, mcus: number, mcusPerLine: number,
    restart: number, scratch: Ptr): number;
  jpeg_to_rgb(out: Ptr, width: number, height: number, ncomp: number, planes: Ptr): void;
  // its encoder (src/io/jpeg-encode.ts makes the tables and the markers)
  jpeg_encode_huffman_entries(): number;
  jpeg_zigzag(k: number): number;
  jpeg_encode_scratch_bytes(): number;
  jpeg_encode_scan(out: Ptr, cap: number, pixels: Ptr, width: number, height: number, channels: number,
    fdtbl: Ptr, huffman: Ptr, scratch: Ptr): number;
}
