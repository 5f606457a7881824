// Winograd convolution F(m×m, 3×3) (Lavin & Gray 2016) for stride-1 3×3 convolutions, NHWC, m = 2, 4 or 6:
// α = m + 2; each m×m output tile needs α×α input pixels and α² multiplies per (ci, co) instead of 9 m².
//   forward        Y = Aᵀ [ Σ_ci U[ξ](ci, co) · V[ξ](tile, ci) ] A, + bias, ReLU
//   backward-data  the forward transposed, on the forward's tiles: dX = Σ_tiles B [ Σ_co U[ξ](ci, co) ·
//                  (A dY Aᵀ)[ξ](tile, co) ] Bᵀ, each α×α tile added into dX where the forward read it
// The products over ci are α² GEMMs per chunk of tiles, through gemm.ts' micro-kernel with B (the
// transformed filter U[ξ], Cin×Cout) packed once per weight version. The tile transforms are generated
// (assembly/winograd_transforms.ts). Shapes: B images; X [B, H, W, Cin]; Y [B, Ho, Wo, Cout]; tiles
// t = (b * TH + ty) * TW + tx, TH = ceil(Ho / m), TW = ceil(Wo / m); tile t reads X rows ty*m - padTop ..
// + α (zero outside X) and writes Y rows ty*m .. + m (clipped to Y).
//
// Each thread works on a range of tiles in chunks of T tiles (winograd_chunk_tiles), inside its
// gemm_pack_floats() floats of scratch laid out as (floats, with Cp = Cin rounded up to 4, Kp likewise Cout):
//   rowOff [T] i32 | redOff [Cin] i32 | tmp [α²·4] | V [T][α²][Cp] | M [T][α²][Kp]
// and a tile's staged window [α²][Cp] and output [m²][Kp], in M and V while those are free, else in one region
// after M (winograd_chunk_tiles)
// Tile-major V and M keep each tile's α² transform points together: the transforms read and write one
// contiguous block per tile (the α² points of a point-major layout are a power-of-two stride apart and
// thrash the cache's sets); the GEMM for point ξ reads rows α²·Cp apart.
// A tile's result depends on its tile only, never on the chunk or range it is computed in: bit-identical
// for any thread count.
import { gemm, gemm_pack_columns, gemm_pack_floats, gemm_packed, gemm_packed_floats, MODE_ACC, MODE_BIAS, MODE_SET, FLAG_RELU, UKERNEL_SHIFT } from './gemm';
import { wino_1d, WINO_DFILTER, WINO_DIN, WINO_DOUT, WINO_FILTER, WINO_INPUT, WINO_OUTPUT } from './winograd_transforms';

// @ts-ignore: decorator
@inline
function round4(n: i32): i32 { return (n + 3) & ~3; }

// ---- the 2D transforms of one tile and 4 channels: the 1D transform down the columns, then along the rows,
// through tmp (α×α vectors). Strides in bytes.

// V[ξ] = (Bᵀ d B)[ξ] at dst + ξ * vs, ξ = row * α + column; d[r][c] at src + r * rs + c * cs.
function input_tile(m: i32, dst: usize, vs: usize, src: usize, rs: usize, cs: usize, tmp: usize): void {
  const a = m + 2;
  for (let c = 0; c < a; c++) wino_1d(WINO_INPUT, m, tmp + (<usize>c << 4), <usize>a << 4, src + <usize>c * cs, rs);
  for (let r = 0; r < a; r++) wino_1d(WINO_INPUT, m, dst + <usize>(r * a) * vs, vs, tmp + (<usize>(r * a) << 4), 16);
}

// U[ξ] = (G g Gᵀ)[ξ] at dst + ξ * us; g[kh][kw] at src + kh * rs + kw * cs.
function filter_tile(m: i32, dst: usize, us: usize, src: usize, rs: usize, cs: usize, tmp: usize): void {
  const a = m + 2;
  for (let c = 0; c < 3; c++) wino_1d(WINO_FILTER, m, tmp + (<usize>c << 4), 48, src + <usize>c * cs, rs);
  for (let r = 0; r < a; r++) wino_1d(WINO_FILTER, m, dst + <usize>(r * a) * us, us, tmp + <usize>(r * 48), 16);
}

// y = Aᵀ M A: y[i][j] at dst + (i * m + j) * ds; M[ξ] at src + ξ * ms.
function output_tile(m: i32, dst: usize, ds: usize, src: usize, ms: usize, tmp: usize): void {
  const a = m + 2;
  for (let c = 0; c < a; c++) wino_1d(WINO_OUTPUT, m, tmp + (<usize>c << 4), <usize>a << 4, src + <usize>c * ms, <usize>a * ms);
  for (let i = 0; i < m; i++) wino_1d(WINO_OUTPUT, m, dst + <usize>(i * m) * ds, ds, tmp + (<usize>(i * a) << 4), 16);
}

// U = A g Aᵀ of an m×m tile g[r][c] at src + r * rs + c * cs (the output gradient's transform): U[ξ] at dst + ξ * us.
function dout_tile(m: i32, dst: usize, us: usize, src: usize, rs: usize, cs: usize, tmp: usize): void {
  const a = m + 2;
  for (let c = 0; c < m; c++) wino_1d(WINO_DOUT, m, tmp + (<usize>c << 4), <usize>m << 4, src + <usize>c * cs, rs);
  for (let r = 0; r < a; r++) wino_1d(WINO_DOUT, m, dst + <usize>(r * a) * us, us, tmp + (<usize>(r * m) << 4), 16);
}

// The first n (1..4) lanes at p, the others 0.
// @ts-ignore: decorator
@inline
function load_lanes(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = v128.load32_zero(p);
  if (n > 1) v = v128.load32_lane(p + 4, v, 1);
  if (n > 2) v = v128.load32_lane(p + 8, v, 2);
  return v;
}

// @ts-ignore: decorator
@inline
function store_lanes(p: usize, v: v128, n: i32): void {
  if (n >= 4) { v128.store(p, v); return; }
  v128.store32_lane(p, v, 0);
  if (n > 1) v128.store32_lane(p + 4, v, 1);
  if (n > 2) v128.store32_lane(p + 8, v, 2);
}

// Where a tile's transforms read the size×size window at (y0, x0) of img [h, w, c]: in img itself (rows w·c floats
// apart, pixels c) when the window lies inside and c is a multiple of 4, else copied once for all channels into
// win [size][size][Cp] (rows size·Cp floats apart, pixels Cp), 0 outside the image and in channels past c: an
// edge tile pays one copy, not one per 4 channels.
// @ts-ignore: decorator
@inline
function tile_window(win: usize, img: usize, y0: i32, x0: i32, size: i32, h: i32, w: i32, c: i32): usize {
  if ((c & 3) == 0 && y0 >= 0 && x0 >= 0 && y0 + size <= h && x0 + size <= w) return img + ((<usize>(y0 * w + x0) * c) << 2);
  stage_tile(win, img, y0, x0, size, h, w, c);
  return win;
}

// tile_window's copy: win zeroed, then the part of the window inside the image copied in, a row at a time.
function stage_tile(win: usize, img: usize, y0: i32, x0: i32, size: i32, h: i32, w: i32, c: i32): void {
  const ps = <usize>round4(c) << 2, cs = <usize>c << 2;
  memory.fill(win, 0, <usize>(size * size) * ps);
  const r0 = max(0, -y0), r1 = min(size, h - y0), s0 = max(0, -x0), s1 = min(size, w - x0);
  for (let r = r0; r < r1; r++) {
    const src = img + ((<usize>((y0 + r) * w + x0 + s0) * c) << 2), dst = win + <usize>(r * size + s0) * ps;
    if (ps == cs) memory.copy(dst, src, <usize>(s1 - s0) * ps);
    else for (let s = 0; s < s1 - s0; s++) memory.copy(dst + <usize>s * ps, src + <usize>s * cs, cs);
  }
}

// Whether a chunk of t tiles lends a tile's staged window and its output the regions of V and M that are free at the
// time (the products' region while the inputs are transformed, the inputs' once the products are done): both fit
// when the larger channel count is at most t times the smaller. Else they take scratch of their own, one region
// for both (they are used in turn).
// @ts-ignore: decorator
@inline
function windows_lent(t: i32, cp: i32, kp: i32): bool { return max(cp, kp) <= t * min(cp, kp); }

// Tiles per chunk that fit in one thread's scratch (gemm_pack_floats() floats) beside the two offset tables and an
// α×α vector buffer: a multiple of 4, at most 256; 0 (or less) when not even 4 fit (the layer then keeps the GEMM
// path). Channel counts more than 4 times apart at the limit lose their 4 tiles to the windows' own scratch.
export function winograd_chunk_tiles(m: i32, cin: i32, cout: i32): i32 {
  const alpha = m + 2, a2 = alpha * alpha, cp = round4(cin), kp = round4(cout);
  const perTile = a2 * (cp + kp) + 1;
  const room = gemm_pack_floats() - cp - a2 * 4 - 256;           // 256: the tiles' offsets (at most 256)
  const t = min(256, (room / perTile) & ~3);
  if (t >= 4 && windows_lent(t, cp, kp)) return t;
  return min(256, ((room - a2 * max(cp, kp)) / perTile) & ~3);
}

// ---- filters: once per weight version ------------------------------------------------------------------

// Floats of the transformed, packed filter: α² packed Cin×Cout matrices.
export function winograd_filter_floats(m: i32, cin: i32, cout: i32): i32 {
  return (m + 2) * (m + 2) * gemm_packed_floats(cout, cin);
}

// Output channels transformed and packed at a time: the plain (unpacked) U of one such group is all the
// scratch the transform needs, so it stays small and cache-resident, and a cold start touches no memory
// for a whole layer's plain U (≈ 2.4 MB for a 128→128 layer at F(4×4)) — page faults are most of a cold start.
const FILTER_GROUP: i32 = 8;

// Floats of scratch winograd_filter_transform needs: one group's plain U [Cin][α²][FILTER_GROUP], then staging.
export function winograd_filter_tmp_floats(m: i32, cin: i32): i32 {
  const a2 = (m + 2) * (m + 2);
  return a2 * cin * FILTER_GROUP + 2 * a2 * 4;
}

// u (winograd_filter_floats) = U[ξ] = G w[·, ·, ci, co] Gᵀ, each packed for gemm_packed, for output channels
// [c0, c0 + count) (c0 a multiple of FILTER_GROUP: threads take whole groups). w [3, 3, Cin, Cout];
// tmp: winograd_filter_tmp_floats(m, cin) floats. Output channels go FILTER_GROUP at a time: transformed into
// tmp, then packed into their columns of every U[ξ].
export function winograd_filter_transform(u: usize, w: usize, m: i32, cin: i32, cout: i32, c0: i32, count: i32, tmp: usize): void {
  const alpha = m + 2, a2 = alpha * alpha;
  const plain = tmp;                                             // [Cin][α²][FILTER_GROUP]
  const stage = tmp + (<usize>a2 * cin * FILTER_GROUP << 2);     // [3][3] vectors
  const work = stage + (<usize>a2 << 4);
  const us = <usize>FILTER_GROUP << 2;                           // ξ stride of plain
  const rs = <usize>3 * cin * cout << 2, cs = <usize>cin * cout << 2;
  const packed = gemm_packed_floats(cout, cin);
  const end = min(cout, c0 + count);
  for (let g0 = c0; g0 < end; g0 += FILTER_GROUP) {
    const group = min(FILTER_GROUP, end - g0);
    for (let ci = 0; ci < cin; ci++) {
      for (let co = g0; co < g0 + group; co += 4) {
        const n = min(4, cout - co);
        let src = w + ((<usize>ci * cout + co) << 2), srs = rs, scs = cs;
        if (n < 4) {
          for (let kh = 0; kh < 3; kh++) {
            for (let kw = 0; kw < 3; kw++) {
              v128.store(stage + (<usize>(kh * 3 + kw) << 4), load_lanes(src + <usize>kh * rs + <usize>kw * cs, n));
            }
          }
          src = stage; srs = 48; scs = 16;
        }
        filter_tile(m, plain + ((<usize>ci * a2 * FILTER_GROUP + co - g0) << 2), us, src, srs, scs, work);
      }
    }
    for (let xi = 0; xi < a2; xi++) {
      gemm_pack_columns(u + (<usize>xi * packed << 2), plain + <usize>xi * us, a2 * FILTER_GROUP, 1, cout, cin, g0, group);
    }
  }
}

// ---- the convolution ----------------------------------------------------------------------------------

// y [B, Ho, Wo, Cout] (=, or = bias + with MODE_BIAS; FLAG_RELU clamps at 0; the products run the micro-kernel
// named in mode's UKERNEL bits, as gemm's) = the valid 3×3 correlation
// of x [B, H, W, Cin] read at row - padTop, column - padLeft (0 outside) with the filter transformed into u,
// for tiles [t0, t0 + count). scratch: gemm_pack_floats() floats.
export function winograd_conv3x3(y: usize, x: usize, u: usize, bias: usize, mode: i32,
                                 h: i32, w: i32, cin: i32, ho: i32, wo: i32, cout: i32, padTop: i32, padLeft: i32,
                                 m: i32, t0: i32, count: i32, scratch: usize): void {
  const alpha = m + 2, a2 = alpha * alpha;
  const T = winograd_chunk_tiles(m, cin, cout);
  if (T < 4) unreachable();                                       // the layer checks that the pass fits first
  const cp = round4(cin), kp = round4(cout);
  const th = (ho + m - 1) / m, tw = (wo + m - 1) / m;
  const rowOff = scratch;
  const redOff = rowOff + (<usize>round4(T) << 2);
  const tmp = redOff + (<usize>round4(cin) << 2);
  const V = tmp + (<usize>a2 << 4);
  const M = V + (<usize>a2 * T * cp << 2);
  const lent = windows_lent(T, cp, kp), own = M + (<usize>a2 * T * kp << 2);
  const out = lent ? V : own;                                     // [m·m][Kp]: one tile's output (after the products)
  const win = lent ? M : own;                                     // [α·α][Cp]: an edge tile's input window (before)
  const vs = <usize>cp << 2, ms = <usize>kp << 2, os = ms;      // ξ strides of V and M, pixel stride of out
  for (let i = 0; i < T; i++) store<i32>(rowOff + (<usize>i << 2), i * a2 * cp);
  for (let r = 0; r < cin; r++) store<i32>(redOff + (<usize>r << 2), r);
  const packed = <usize>gemm_packed_floats(cout, cin) << 2;
  const xrs = <usize>w * cin << 2, xcs = <usize>cin << 2;
  const relu = (mode & FLAG_RELU) != 0;
  const useBias = (mode & 3) == MODE_BIAS;
  const gemmMode = MODE_SET | ((mode >> UKERNEL_SHIFT) << UKERNEL_SHIFT);   // the products: the micro-kernel asked for
  for (let c0 = t0; c0 < t0 + count; c0 += T) {
    const cnt = min(T, t0 + count - c0);
    // input transform: V[ξ][i][ci]
    for (let i = 0; i < cnt; i++) {
      const t = c0 + i;
      const b = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
      const iy0 = ty * m - padTop, ix0 = tx * m - padLeft;
      const src = tile_window(win, x + (<usize>b * h * w * cin << 2), iy0, ix0, alpha, h, w, cin);
      const rs = src == win ? <usize>alpha * cp << 2 : xrs, cs = src == win ? <usize>cp << 2 : xcs;
      for (let ci = 0; ci < cin; ci += 4) input_tile(m, V + ((<usize>i * a2 * cp + ci) << 2), vs, src + (<usize>ci << 2), rs, cs, tmp);
    }
    // the α² products M[ξ] [cnt, Cout] = V[ξ] [cnt, Cin] · U[ξ] [Cin, Cout]
    for (let xi = 0; xi < a2; xi++) {
      gemm_packed(M + <usize>xi * ms, a2 * kp, V + <usize>xi * vs, rowOff, redOff, u + <usize>xi * packed, cnt, cout, cin, gemmMode, 0, 0);
    }
    // output transform, bias and ReLU: Y tile (clipped)
    for (let i = 0; i < cnt; i++) {
      const t = c0 + i;
      const b = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
      const oy0 = ty * m, ox0 = tx * m;
      const rows = min(m, ho - oy0), cols = min(m, wo - ox0);
      // the output transform of all channels into out [m·m][Kp]
      for (let co = 0; co < cout; co += 4) {
        const src = M + ((<usize>i * a2 * kp + co) << 2);
        output_tile(m, out + (<usize>co << 2), os, src, ms, tmp);
      }
      // then into Y a row of pixels at a time, all their channels (contiguous in Y: whole cache lines in order;
      // four channels at a time, Y's pixels 16 bytes of a line per store and the rows far apart, measured 3×
      // slower on conv2d_1 of the lab CNN)
      for (let r = 0; r < rows; r++) {
        const row = y + ((((<usize>b * ho + oy0 + r) * wo + ox0) * cout) << 2);
        for (let s = 0; s < cols; s++) {
          const src = out + <usize>(r * m + s) * os, dst = row + (<usize>s * cout << 2);
          let co = 0;
          for (; co + 4 <= cout; co += 4) {
            let v = v128.load(src + (<usize>co << 2));
            if (useBias) v = f32x4.add(v, v128.load(bias + (<usize>co << 2)));
            if (relu) v = f32x4.max(v, f32x4.splat(0));
            v128.store(dst + (<usize>co << 2), v);
          }
          if (co < cout) {
            let v = v128.load(src + (<usize>co << 2));
            if (useBias) v = f32x4.add(v, load_lanes(bias + (<usize>co << 2), cout - co));
            if (relu) v = f32x4.max(v, f32x4.splat(0));
            store_lanes(dst + (<usize>co << 2), v, cout - co);
          }
        }
      }
    }
  }
}

// ---- the input gradient -------------------------------------------------------------------------------

// d = B M Bᵀ: d[r][c] at dst + (r * α + c) * ds; M[ξ] at src + ξ * ms.
function din_tile(m: i32, dst: usize, ds: usize, src: usize, ms: usize, tmp: usize): void {
  const a = m + 2;
  for (let c = 0; c < a; c++) wino_1d(WINO_DIN, m, tmp + (<usize>c << 4), <usize>a << 4, src + <usize>c * ms, <usize>a * ms);
  for (let r = 0; r < a; r++) wino_1d(WINO_DIN, m, dst + <usize>(r * a) * ds, ds, tmp + (<usize>(r * a) << 4), 16);
}

// dx [B, H, W, Cin] = the input gradient of the forward winograd_conv3x3 with the same geometry, from
// dy [B, Ho, Wo, Cout], for tiles [t0, t0 + count), which must be whole images (t0 and count multiples of
// TH·TW): the forward's own tiles, run backwards. Per tile, the m×m tile of dY (0 past Ho, Wo) becomes
// A dY Aᵀ, the α² products M[ξ] [cnt, Cin] = that [cnt, Cout] · Uᵀ[ξ] [Cout, Cin] (ut: the filter transformed
// from the kernel with its channels swapped, [3, 3, Cout, Cin], as winograd_filter_transform makes it), and
// B M Bᵀ is the α×α window of dX the forward read (clipped to the image). Neighbouring windows overlap by
// two pixels: a tile stores the pixels no earlier tile of its image reached and adds to the others, in tile
// order, so every pixel's sum runs in the same order for any split of the images. scratch: gemm_pack_floats()
// floats, laid out as the forward's with the channels swapped.
export function winograd_conv3x3_backward_data(dx: usize, dy: usize, ut: usize, mode: i32,
                                               h: i32, w: i32, cin: i32, ho: i32, wo: i32, cout: i32, padTop: i32, padLeft: i32,
                                               m: i32, t0: i32, count: i32, scratch: usize): void {
  const alpha = m + 2, a2 = alpha * alpha;
  const T = winograd_chunk_tiles(m, cout, cin);
  if (T < 4) unreachable();                                       // the layer checks that the pass fits first
  const cp = round4(cin), kp = round4(cout);
  const th = (ho + m - 1) / m, tw = (wo + m - 1) / m;
  const rowOff = scratch;
  const redOff = rowOff + (<usize>round4(T) << 2);
  const tmp = redOff + (<usize>round4(cout) << 2);
  const V = tmp + (<usize>a2 << 4);                              // [T][α²][Kp]: A dY Aᵀ
  const M = V + (<usize>a2 * T * kp << 2);                       // [T][α²][Cp]: the products
  const lent = windows_lent(T, kp, cp), own = M + (<usize>a2 * T * cp << 2);
  const win = lent ? V : own;                                     // [α²][Cp]: one tile's B M Bᵀ (after the products)
  const dwin = lent ? M : own;                                    // [m·m][Kp]: an edge tile's dY window (before)
  const vs = <usize>kp << 2, ms = <usize>cp << 2;               // ξ strides of V and M (and pixels of win)
  for (let i = 0; i < T; i++) store<i32>(rowOff + (<usize>i << 2), i * a2 * kp);
  for (let r = 0; r < cout; r++) store<i32>(redOff + (<usize>r << 2), r);
  const packed = <usize>gemm_packed_floats(cin, cout) << 2;
  const drs = <usize>wo * cout << 2, dcs = <usize>cout << 2;
  const xcs = <usize>cin << 2;
  const gemmMode = MODE_SET | ((mode >> UKERNEL_SHIFT) << UKERNEL_SHIFT);
  for (let c0 = t0; c0 < t0 + count; c0 += T) {
    const cnt = min(T, t0 + count - c0);
    // the output-gradient tiles: V[ξ][i][co] = A dY Aᵀ
    for (let i = 0; i < cnt; i++) {
      const t = c0 + i;
      const b = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
      const src = tile_window(dwin, dy + (<usize>b * ho * wo * cout << 2), ty * m, tx * m, m, ho, wo, cout);
      const rs = src == dwin ? <usize>m * kp << 2 : drs, cs = src == dwin ? <usize>kp << 2 : dcs;
      for (let co = 0; co < cout; co += 4) dout_tile(m, V + ((<usize>i * a2 * kp + co) << 2), vs, src + (<usize>co << 2), rs, cs, tmp);
    }
    // M[ξ] [cnt, Cin] = V[ξ] [cnt, Cout] · Uᵀ[ξ] [Cout, Cin]
    for (let xi = 0; xi < a2; xi++) {
      gemm_packed(M + <usize>xi * ms, a2 * cp, V + <usize>xi * vs, rowOff, redOff, ut + <usize>xi * packed, cnt, cin, cout, gemmMode, 0, 0);
    }
    // B M Bᵀ into the tile's window of dX: rows (columns) 0 and 1 were reached by the tile above (to the left)
    for (let i = 0; i < cnt; i++) {
      const t = c0 + i;
      const b = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
      const iy0 = ty * m - padTop, ix0 = tx * m - padLeft;
      const r0 = max(0, -iy0), r1 = min(alpha, h - iy0), s0 = max(0, -ix0), s1 = min(alpha, w - ix0);
      const above = ty > 0 ? 2 : 0, left = tx > 0 ? 2 : 0;
      // every channel's transform into win first, then each pixel's channels into dX together (whole cache
      // lines, as the forward writes Y)
      for (let ci = 0; ci < cin; ci += 4) din_tile(m, win + (<usize>ci << 2), ms, M + ((<usize>i * a2 * cp + ci) << 2), ms, tmp);
      for (let r = r0; r < r1; r++) {
        const row = dx + ((((<usize>b * h + iy0 + r) * w + ix0) * cin) << 2);
        const from = r < above ? s1 : left;       // pixels [s0, from) are added to, [from, s1) stored
        for (let s = s0; s < s1; s++) {
          const p = row + <usize>s * xcs, src = win + <usize>(r * alpha + s) * ms;
          let ci = 0;
          if (s < from) {
            for (; ci + 4 <= cin; ci += 4) v128.store(p + (<usize>ci << 2), f32x4.add(v128.load(p + (<usize>ci << 2)), v128.load(src + (<usize>ci << 2))));
            if (ci < cin) store_lanes(p + (<usize>ci << 2), f32x4.add(load_lanes(p + (<usize>ci << 2), cin - ci), v128.load(src + (<usize>ci << 2))), cin - ci);
          } else {
            for (; ci + 4 <= cin; ci += 4) v128.store(p + (<usize>ci << 2), v128.load(src + (<usize>ci << 2)));
            if (ci < cin) store_lanes(p + (<usize>ci << 2), v128.load(src + (<usize>ci << 2)), cin - ci);
          }
        }
      }
    }
  }
}

// ---- the filter gradient ------------------------------------------------------------------------------
// dW[kh, kw, ci, co] += (Gᵀ [ Σ_tiles (A dY Aᵀ)[ξ](tile, co) · (Bᵀ X B)[ξ](tile, ci) ] G)[kh, kw]: the
// correlation dW = Σ X ⋆ dY read as F(3×3, m×m), the transpose of the forward's F(m×m, 3×3) — the same tiles,
// the same input transform, A (the output transform's transpose) on each m×m tile of dY and Gᵀ (the filter
// transform's transpose) back to the 3×3 taps. The products are α² GEMMs P[ξ] [Cin, Cout] whose reduction
// runs over the tiles, in chunks of winograd_grad_chunk_tiles tiles.
//
// The batch's tiles fall into `groups` ranges of whole chunks, a number fixed by the geometry and the call size
// (winograd_grad_groups), each summed into its own P; the output transform adds the groups' P in order. A
// thread takes whole groups, so every sum runs in the same order for any thread count (bit-identical results)
// and no tile is transformed twice.
// work (winograd_grad_work_floats per group a thread starts at): [T] tiles of [α²][Cp] transformed input, then
// [T] of [α²][Kp] transformed dY, tile-major as the forward's (a tile's points together), each tile padded by a
// cache line: the products read one float quad per tile, and tiles a power of two apart (α²·Cp = 16·64) would
// all fall in the same cache sets.

// Floats of one tile's transformed input (or dY, c = Cout) in work, with its cache-line pad.
// @ts-ignore: decorator
@inline
function grad_tile_floats(a2: i32, c: i32): i32 { return a2 * round4(c) + 16; }

// Tiles per chunk: about 2^GRAD_CHUNK_LOG2 floats of transformed tiles (512 KB: in L2 with the products it
// feeds; 1 MB and 256 KB measured slower on conv2d_1), a multiple of 4, 4..256.
const GRAD_CHUNK_LOG2: i32 = 17;
export function winograd_grad_chunk_tiles(m: i32, cin: i32, cout: i32): i32 {
  const a2 = (m + 2) * (m + 2);
  const t = (1 << GRAD_CHUNK_LOG2) / (grad_tile_floats(a2, cin) + grad_tile_floats(a2, cout));
  return max(4, min(256, t & ~3));
}

// Chunks per group: the call's chunks over up to GRAD_GROUPS groups, rounded up.
const GRAD_GROUPS: i32 = 4;
function grad_group_chunks(m: i32, cin: i32, cout: i32, tiles: i32): i32 {
  const T = winograd_grad_chunk_tiles(m, cin, cout);
  const chunks = max(1, (tiles + T - 1) / T);
  return (chunks + GRAD_GROUPS - 1) / GRAD_GROUPS;
}

// Groups of the call's tiles: every one holds at least one chunk (5 chunks make 3 groups of 2, 2 and 1).
export function winograd_grad_groups(m: i32, cin: i32, cout: i32, tiles: i32): i32 {
  const T = winograd_grad_chunk_tiles(m, cin, cout);
  const chunks = max(1, (tiles + T - 1) / T);
  const per = grad_group_chunks(m, cin, cout, tiles);
  return (chunks + per - 1) / per;
}

// Floats of one group's work buffer (a chunk's transformed tiles).
export function winograd_grad_work_floats(m: i32, cin: i32, cout: i32): i32 {
  const a2 = (m + 2) * (m + 2);
  return winograd_grad_chunk_tiles(m, cin, cout) * (grad_tile_floats(a2, cin) + grad_tile_floats(a2, cout));
}

// Floats of one group's products P [α²][Cin][Cout].
export function winograd_grad_product_floats(m: i32, cin: i32, cout: i32): i32 {
  return (m + 2) * (m + 2) * cin * cout;
}

// For groups [g0, g0 + count) of the `tiles` = B·TH·TW tiles (winograd_grad_groups of them): P_g
// (winograd_grad_product_floats each, from p) = Σ over group g's tiles, of x [B, H, W, Cin] (read at row - padTop,
// column - padLeft, 0 outside) and dy [B, Ho, Wo, Cout] (0 past Ho, Wo). work: the work buffers of every group,
// this call using group g0's. mode: the micro-kernel bits (as gemm's). scratch: gemm_pack_floats() floats.
export function winograd_filter_grad(p: usize, work: usize, x: usize, dy: usize, mode: i32,
                                     h: i32, w: i32, cin: i32, ho: i32, wo: i32, cout: i32, padTop: i32, padLeft: i32,
                                     m: i32, tiles: i32, g0: i32, count: i32, scratch: usize): void {
  const alpha = m + 2, a2 = alpha * alpha;
  const T = winograd_grad_chunk_tiles(m, cin, cout);
  const perGroup = grad_group_chunks(m, cin, cout, tiles) * T;   // tiles per group: whole chunks
  const cp = round4(cin), kp = round4(cout);
  const th = (ho + m - 1) / m, tw = (wo + m - 1) / m;
  const vt = grad_tile_floats(a2, cin), ut = grad_tile_floats(a2, cout);   // tile strides of V and U
  const V = work + (<usize>g0 * winograd_grad_work_floats(m, cin, cout) << 2);
  const U = V + (<usize>T * vt << 2);
  const rowOff = scratch;                                         // [Cin] i32: ci
  const redOff = rowOff + (<usize>round4(cin) << 2);              // [T] i32: tile · vt
  const tmp = redOff + (<usize>round4(T) << 2);                   // [α][α] vectors
  const packBuf = tmp + (<usize>a2 << 4);                         // T × min(Cout, 256) floats, 8-padded
  // an edge tile's input window [α²][Cp], then its dY window [m·m][Kp] (in turn: one region)
  const xwin = packBuf + (<usize>T * ((min(cout, 256) + 7) & ~7) << 2), dwin = xwin;
  for (let i = 0; i < cin; i++) store<i32>(rowOff + (<usize>i << 2), i);
  for (let i = 0; i < T; i++) store<i32>(redOff + (<usize>i << 2), i * vt);
  const xrs = <usize>w * cin << 2, xcs = <usize>cin << 2;
  const drs = <usize>wo * cout << 2, dcs = <usize>cout << 2;
  const vs = <usize>cp << 2, us = <usize>kp << 2;                // ξ strides of V and U
  const gemmMode = (mode >> UKERNEL_SHIFT) << UKERNEL_SHIFT;
  for (let g = g0; g < g0 + count; g++) {
    const P = p + (<usize>g * a2 * cin * cout << 2);
    const first = g * perGroup, last = min(tiles, first + perGroup);
    for (let c0 = first; c0 < last; c0 += T) {
      const cnt = min(T, last - c0);
      for (let i = 0; i < cnt; i++) {
        const t = c0 + i;
        const b = t / (th * tw), ty = (t / tw) % th, tx = t % tw;
        // the input tile: Bᵀ X B
        const iy0 = ty * m - padTop, ix0 = tx * m - padLeft;
        const xs = tile_window(xwin, x + (<usize>b * h * w * cin << 2), iy0, ix0, alpha, h, w, cin);
        const xr = xs == xwin ? <usize>alpha * cp << 2 : xrs, xc = xs == xwin ? <usize>cp << 2 : xcs;
        for (let ci = 0; ci < cin; ci += 4) input_tile(m, V + ((<usize>i * vt + ci) << 2), vs, xs + (<usize>ci << 2), xr, xc, tmp);
        // the output-gradient tile: A dY Aᵀ (dY 0 past the edges)
        const ds = tile_window(dwin, dy + (<usize>b * ho * wo * cout << 2), ty * m, tx * m, m, ho, wo, cout);
        const dr = ds == dwin ? <usize>m * kp << 2 : drs, dc = ds == dwin ? <usize>kp << 2 : dcs;
        for (let co = 0; co < cout; co += 4) dout_tile(m, U + ((<usize>i * ut + co) << 2), us, ds + (<usize>co << 2), dr, dc, tmp);
      }
      // P[ξ] [Cin, Cout] (+)= V[ξ]ᵀ [Cin, cnt] · U[ξ] [cnt, Cout]
      const gm = gemmMode | (c0 == first ? MODE_SET : MODE_ACC);
      for (let xi = 0; xi < a2; xi++) {
        gemm(P + (<usize>xi * cin * cout << 2), cout, V + <usize>xi * vs, rowOff, redOff,
             U + <usize>xi * us, ut, 1, cin, cout, cnt, gm, 0, packBuf);
      }
    }
  }
}

// dw [3, 3, Cin, Cout] += Gᵀ (Σ_g P_g) G for input channels [c0, c0 + count), the groups' P (winograd_filter_grad)
// added in order. Per input channel and block of up to GRAD_OUT_BLOCK output channels, each group's α² runs of
// the block are read whole (contiguous), summed into tmp, then transformed 4 output channels at a time.
// tmp: α²·GRAD_OUT_BLOCK + 12·α + 36 floats (≤ 33,000: within gemm_pack_floats()).
const GRAD_OUT_BLOCK: i32 = 512;
export function winograd_filter_grad_output(dw: usize, p: usize, groups: i32, m: i32, cin: i32, cout: i32, c0: i32, count: i32, tmp: usize): void {
  const alpha = m + 2, a2 = alpha * alpha;
  const ps = <usize>cin * cout << 2;                              // ξ stride of P
  const gs = <usize>a2 * ps;                                      // group stride
  const sum = tmp;                                                // [α²][GRAD_OUT_BLOCK]
  const ss = <usize>GRAD_OUT_BLOCK << 2;
  const mid = sum + <usize>a2 * ss;                               // [3][α] vectors
  const out = mid + (<usize>(3 * alpha) << 4);                    // [3][3] vectors
  const rs = <usize>3 * cin * cout << 2, cs = <usize>cin * cout << 2;
  for (let ci = c0; ci < c0 + count; ci++) {
    for (let b0 = 0; b0 < cout; b0 += GRAD_OUT_BLOCK) {
      const bn = min(GRAD_OUT_BLOCK, cout - b0);
      const row = p + ((<usize>ci * cout + b0) << 2);
      for (let xi = 0; xi < a2; xi++) {
        const dst = sum + <usize>xi * ss, src = row + <usize>xi * ps;
        for (let j = 0; j < bn; j += 4) {
          const n = min(4, bn - j);
          let v = load_lanes(src + (<usize>j << 2), n);
          for (let g = 1; g < groups; g++) v = f32x4.add(v, load_lanes(src + <usize>g * gs + (<usize>j << 2), n));
          v128.store(dst + (<usize>j << 2), v);
        }
      }
      for (let j = 0; j < bn; j += 4) {
        const n = min(4, bn - j);
        const src = sum + (<usize>j << 2);
        // down the columns: mid [3][α]; then along each of the 3 rows
        for (let c = 0; c < alpha; c++) wino_1d(WINO_DFILTER, m, mid + (<usize>c << 4), <usize>alpha << 4, src + <usize>c * ss, <usize>alpha * ss);
        for (let kh = 0; kh < 3; kh++) wino_1d(WINO_DFILTER, m, out + (<usize>(kh * 3) << 4), 16, mid + (<usize>(kh * alpha) << 4), 16);
        for (let kh = 0; kh < 3; kh++) {
          for (let kw = 0; kw < 3; kw++) {
            const q = dw + (<usize>kh * rs + <usize>kw * cs) + ((<usize>ci * cout + b0 + j) << 2);
            store_lanes(q, f32x4.add(load_lanes(q, n), v128.load(out + (<usize>(kh * 3 + kw) << 4))), n);
          }
        }
      }
    }
  }
}
