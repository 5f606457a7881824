// The batch-normalization kernels (assembly/norm.ts) against naive float64 references over awkward
// sizes, a finite-difference check of the backward formula, and bit-identity across channel (or row) splits.
import { describe, expect, it } from 'vitest';
import { maxRelError, rand, rt } from '../helpers.js';

const EPS = 1e-3;

/** x [rows, C] with a different spread and offset per channel, so no channel looks like another. */
function input(rows: number, c: number, seed: number): Float32Array {
  const x = rand(rows * c, seed);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < c; j++) x[r * c + j] = x[r * c + j] * (0.5 + (j % 5)) + ((j % 3) - 1);
  }
  return x;
}

/** max over i of |a − b| / |b|: every element to relative precision (statistics are checked this way). */
function elementRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-30));
  return worst;
}

function put(data: ArrayLike<number>): number {
  const p = rt.arena.alloc(Math.max(data.length, 1) * 4);
  rt.f32(p, data.length).set(data);
  return p;
}

function bits(p: number, n: number): Uint32Array {
  return new Uint32Array(rt.f32(p, n).slice().buffer);
}

interface Stats { mean: Float64Array; variance: Float64Array; invstd: Float64Array }

function naiveStats(x: Float32Array, rows: number, c: number): Stats {
  const mean = new Float64Array(c), variance = new Float64Array(c), invstd = new Float64Array(c);
  for (let j = 0; j < c; j++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[r * c + j];
    mean[j] = s / rows;
    let q = 0;
    for (let r = 0; r < rows; r++) q += (x[r * c + j] - mean[j]) ** 2;
    variance[j] = q / rows;
    invstd[j] = 1 / Math.sqrt(variance[j] + EPS);
  }
  return { mean, variance, invstd };
}

function naiveForward(x: Float32Array, rows: number, c: number, gamma: Float32Array | null, beta: Float32Array | null) {
  const st = naiveStats(x, rows, c);
  const xhat = new Float64Array(rows * c), y = new Float64Array(rows * c);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < c; j++) {
      const h = (x[r * c + j] - st.mean[j]) * st.invstd[j];
      xhat[r * c + j] = h;
      y[r * c + j] = (gamma ? gamma[j] : 1) * h + (beta ? beta[j] : 0);
    }
  }
  return { ...st, xhat, y };
}

/** The forward kernel's buffers; `run` calls it over the given channel ranges. */
class Forward {
  readonly x: number; readonly y: number; readonly xhat: number;
  readonly mean: number; readonly variance: number; readonly invstd: number;
  readonly gamma: number; readonly beta: number;

  constructor(readonly rows: number, readonly c: number, x: Float32Array,
              gamma: Float32Array | null, beta: Float32Array | null) {
    this.x = put(x);
    this.y = rt.arena.alloc(rows * c * 4); this.xhat = rt.arena.alloc(rows * c * 4);
    this.mean = rt.arena.alloc(c * 4); this.variance = rt.arena.alloc(c * 4); this.invstd = rt.arena.alloc(c * 4);
    this.gamma = gamma ? put(gamma) : 0; this.beta = beta ? put(beta) : 0;
  }

  run(ranges: [number, number][] = [[0, this.c]]): void {
    for (const [c0, cCount] of ranges) {
      rt.k.batchnorm_forward(this.y, this.xhat, this.mean, this.variance, this.invstd, this.x, this.gamma, this.beta,
        this.rows, this.c, EPS, c0, cCount);
    }
  }

  get(p: number, n: number): Float32Array { return rt.f32(p, n).slice(); }

  release(): void {
    for (const p of [this.x, this.y, this.xhat, this.mean, this.variance, this.invstd, this.gamma, this.beta]) {
      if (p) rt.arena.release(p);
    }
  }
}

/** Channel ranges as threads would cut them: multiples of 4, the last one ragged. */
function fourRanges(c: number): [number, number][] {
  const out: [number, number][] = [];
  for (let c0 = 0; c0 < c; c0 += 4) out.push([c0, Math.min(4, c - c0)]);
  return out;
}

const CHANNELS = [1, 3, 5, 17, 64];
const ROWS = [1, 7, 1000, 50000];

describe('batchnorm_forward', () => {
  for (const c of CHANNELS) {
    for (const rows of ROWS) {
      it(`N=${rows} C=${c}: statistics, xhat and y match float64`, () => {
        const x = input(rows, c, rows * 100 + c);
        const gamma = rand(c, c + 1, 0.5, 1.5), beta = rand(c, c + 2);
        const f = new Forward(rows, c, x, gamma, beta);
        f.run();
        const want = naiveForward(x, rows, c, gamma, beta);
        expect(elementRelError(f.get(f.mean, c), want.mean)).toBeLessThan(1e-5);
        expect(elementRelError(f.get(f.invstd, c), want.invstd)).toBeLessThan(1e-5);
        // with one row the variance is exactly 0
        if (rows === 1) expect(Array.from(f.get(f.variance, c))).toEqual(new Array(c).fill(0));
        else expect(elementRelError(f.get(f.variance, c), want.variance)).toBeLessThan(1e-5);
        expect(maxRelError(f.get(f.xhat, rows * c), want.xhat)).toBeLessThan(1e-6);
        expect(maxRelError(f.get(f.y, rows * c), want.y)).toBeLessThan(1e-6);
        f.release();
      });
    }
  }

  it('keeps the variance accurate when the mean is far from zero (N=50000, mean 100, std 0.06)', () => {
    const rows = 50000, c = 5;
    const x = rand(rows * c, 7).map((v) => 100 + 0.1 * v);
    const f = new Forward(rows, c, x, null, null);
    f.run();
    const want = naiveStats(x, rows, c);
    expect(elementRelError(f.get(f.mean, c), want.mean)).toBeLessThan(1e-6);
    expect(elementRelError(f.get(f.variance, c), want.variance)).toBeLessThan(1e-5);
    f.release();
  });

  it('gamma = 0 means scale off and beta = 0 center off', () => {
    const rows = 37, c = 23;
    const x = input(rows, c, 3), gamma = rand(c, 4, 0.5, 1.5), beta = rand(c, 5);
    for (const [g, b] of [[null, null], [gamma, null], [null, beta]] as const) {
      const f = new Forward(rows, c, x, g, b);
      f.run();
      expect(maxRelError(f.get(f.y, rows * c), naiveForward(x, rows, c, g, b).y)).toBeLessThan(1e-6);
      if (!g && !b) expect(bits(f.y, rows * c)).toEqual(bits(f.xhat, rows * c));
      f.release();
    }
  });

  for (const c of CHANNELS) {
    it(`C=${c}: channel ranges give the same bits as one call`, () => {
      const rows = 301;
      const x = input(rows, c, 11 + c), gamma = rand(c, 12), beta = rand(c, 13);
      const whole = new Forward(rows, c, x, gamma, beta);
      whole.run();
      const split = new Forward(rows, c, x, gamma, beta);
      // the threads' cut, and a cut that puts SIMD channels in scalar tails and the reverse
      for (const ranges of [fourRanges(c), [[0, 1], [1, c - 1]] as [number, number][]]) {
        rt.f32(split.y, rows * c).fill(NaN);
        split.run(ranges);
        for (const p of ['y', 'xhat'] as const) expect(bits(split[p], rows * c)).toEqual(bits(whole[p], rows * c));
        for (const p of ['mean', 'variance', 'invstd'] as const) expect(bits(split[p], c)).toEqual(bits(whole[p], c));
      }
      whole.release(); split.release();
    });
  }
});

/**
 * dgamma0 + Σ dy·xhat, dbeta0 + Σ dy and dx = gamma·invstd/N · (N·dy − Σdy − xhat·Σ(dy·xhat)) in float64,
 * from given xhat [N, C] and invstd [C] (the kernel's saved f32 ones, or float64 ones from naiveForward).
 */
function naiveBackward(xhat: ArrayLike<number>, invstd: ArrayLike<number>, dy: Float32Array, rows: number, c: number,
                       gamma: Float32Array | null, dgamma0: Float32Array, dbeta0: Float32Array) {
  const dgamma = Float64Array.from(dgamma0), dbeta = Float64Array.from(dbeta0), dx = new Float64Array(rows * c);
  for (let j = 0; j < c; j++) {
    let sd = 0, sx = 0;
    for (let r = 0; r < rows; r++) { sd += dy[r * c + j]; sx += dy[r * c + j] * xhat[r * c + j]; }
    dgamma[j] += sx; dbeta[j] += sd;
    const k = (gamma ? gamma[j] : 1) * invstd[j] / rows;
    for (let r = 0; r < rows; r++) dx[r * c + j] = k * (rows * dy[r * c + j] - sd - xhat[r * c + j] * sx);
  }
  return { dgamma, dbeta, dx };
}

/** Forward then backward through the kernels over the given ranges. */
function runBackward(rows: number, c: number, x: Float32Array, dy: Float32Array, gamma: Float32Array | null,
                     dgamma0: Float32Array | null, dbeta0: Float32Array | null, ranges: [number, number][] = [[0, c]]) {
  const f = new Forward(rows, c, x, gamma, null);
  f.run();
  const pdy = put(dy), pdx = rt.arena.alloc(rows * c * 4);
  rt.f32(pdx, rows * c).fill(NaN);
  const pdg = dgamma0 ? put(dgamma0) : 0, pdb = dbeta0 ? put(dbeta0) : 0;
  for (const [c0, cCount] of ranges) {
    rt.k.batchnorm_backward(pdx, pdg, pdb, pdy, f.xhat, f.invstd, f.gamma, rows, c, c0, cCount);
  }
  const out = {
    xhat: f.get(f.xhat, rows * c), invstd: f.get(f.invstd, c),
    dx: rt.f32(pdx, rows * c).slice(),
    dgamma: pdg ? rt.f32(pdg, c).slice() : null,
    dbeta: pdb ? rt.f32(pdb, c).slice() : null,
  };
  for (const p of [pdy, pdx, pdg, pdb]) if (p) rt.arena.release(p);
  f.release();
  return out;
}

describe('batchnorm_backward', () => {
  for (const c of CHANNELS) {
    for (const rows of ROWS) {
      it(`N=${rows} C=${c}: dx, and dgamma / dbeta accumulated, match float64`, () => {
        const x = input(rows, c, rows + c), dy = rand(rows * c, rows + c + 1);
        const gamma = rand(c, 3, 0.5, 1.5), dgamma0 = rand(c, 4), dbeta0 = rand(c, 5);
        const got = runBackward(rows, c, x, dy, gamma, dgamma0, dbeta0);
        // the kernel's arithmetic, from the xhat and invstd it is handed
        const want = naiveBackward(got.xhat, got.invstd, dy, rows, c, gamma, dgamma0, dbeta0);
        expect(maxRelError(got.dx, want.dx)).toBeLessThan(1e-6);
        expect(maxRelError(got.dgamma!, want.dgamma)).toBeLessThan(1e-6);
        expect(maxRelError(got.dbeta!, want.dbeta)).toBeLessThan(1e-6);
        // end to end from x: dgamma = Σ dy·xhat cancels (random signs), magnifying xhat's f32 rounding
        const exact = naiveForward(x, rows, c, null, null);
        const ideal = naiveBackward(exact.xhat, exact.invstd, dy, rows, c, gamma, dgamma0, dbeta0);
        expect(maxRelError(got.dx, ideal.dx)).toBeLessThan(1e-6);
        expect(maxRelError(got.dgamma!, ideal.dgamma)).toBeLessThan(1e-5);
      });
    }
  }

  it('gamma = 0 means scale off; dgamma = 0 and dbeta = 0 are skipped', () => {
    const rows = 29, c = 21;
    const x = input(rows, c, 1), dy = rand(rows * c, 2);
    const got = runBackward(rows, c, x, dy, null, null, null);
    const want = naiveBackward(got.xhat, got.invstd, dy, rows, c, null, new Float32Array(c), new Float32Array(c));
    expect(maxRelError(got.dx, want.dx)).toBeLessThan(1e-6);
    expect(got.dgamma).toBeNull();
  });

  it('dx may overwrite dy', () => {
    const rows = 50, c = 37;
    const x = input(rows, c, 21), dy = rand(rows * c, 22), gamma = rand(c, 23);
    const f = new Forward(rows, c, x, gamma, null);
    f.run();
    const pdy = put(dy);
    rt.k.batchnorm_backward(pdy, 0, 0, pdy, f.xhat, f.invstd, f.gamma, rows, c, 0, c);
    expect(rt.f32(pdy, rows * c).slice()).toEqual(runBackward(rows, c, x, dy, gamma, null, null).dx);
    rt.arena.release(pdy); f.release();
  });

  for (const c of CHANNELS) {
    it(`C=${c}: channel ranges give the same bits as one call`, () => {
      const rows = 333;
      const x = input(rows, c, 31), dy = rand(rows * c, 32), gamma = rand(c, 33);
      const dgamma0 = rand(c, 34), dbeta0 = rand(c, 35);
      const whole = runBackward(rows, c, x, dy, gamma, dgamma0, dbeta0);
      for (const ranges of [fourRanges(c), [[0, 1], [1, c - 1]] as [number, number][]]) {
        const split = runBackward(rows, c, x, dy, gamma, dgamma0, dbeta0, ranges);
        for (const k of ['dx', 'dgamma', 'dbeta'] as const) {
          expect(new Uint32Array(split[k]!.buffer)).toEqual(new Uint32Array(whole[k]!.buffer));
        }
      }
    });
  }

  // loss = Σ w·y; its gradient with respect to y is w, so backward with dy = w gives dL/dx, dL/dgamma, dL/dbeta
  for (const [rows, c] of [[7, 5], [18, 3], [4, 17]]) {
    it(`N=${rows} C=${c}: dx, dgamma and dbeta match central finite differences of the forward kernel`, () => {
      const x = input(rows, c, 41 + c), w = rand(rows * c, 42), gamma = rand(c, 43, 0.5, 1.5), beta = rand(c, 44);
      const f = new Forward(rows, c, x, gamma, beta);
      const loss = (): number => {
        f.run();
        const y = rt.f32(f.y, rows * c);
        let s = 0;
        for (let i = 0; i < y.length; i++) s += w[i] * y[i];
        return s;
      };
      const h = 1e-2;
      const fd = (buf: number, n: number): Float64Array => {
        const v = rt.f32(buf, n), out = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const keep = v[i];
          v[i] = keep + h; const up = loss();
          v[i] = keep - h; const down = loss();
          v[i] = keep;
          out[i] = (up - down) / (2 * h);
        }
        return out;
      };
      const fdx = fd(f.x, rows * c), fdg = fd(f.gamma, c), fdb = fd(f.beta, c);
      f.release();
      const got = runBackward(rows, c, x, w, gamma, new Float32Array(c), new Float32Array(c));
      expect(maxRelError(got.dx, fdx)).toBeLessThan(1e-2);
      expect(maxRelError(got.dgamma!, fdg)).toBeLessThan(1e-2);
      expect(maxRelError(got.dbeta!, fdb)).toBeLessThan(1e-2);
    });
  }
});

describe('batchnorm_moving_update', () => {
  for (const c of CHANNELS) {
    it(`C=${c}: moving = moving·momentum + batch·(1 − momentum), same bits over channel ranges`, () => {
      const momentum = 0.99;
      const mm = rand(c, 1), mv = rand(c, 2, 0.1, 2), mean = rand(c, 3), variance = rand(c, 4, 0.1, 2);
      const run = (ranges: [number, number][]) => {
        const pmm = put(mm), pmv = put(mv), pm = put(mean), pv = put(variance);
        for (const [c0, cCount] of ranges) rt.k.batchnorm_moving_update(pmm, pmv, pm, pv, momentum, c0, cCount);
        const out = { mm: rt.f32(pmm, c).slice(), mv: rt.f32(pmv, c).slice() };
        for (const p of [pmm, pmv, pm, pv]) rt.arena.release(p);
        return out;
      };
      const got = run([[0, c]]);
      const m = Math.fround(momentum);
      expect(maxRelError(got.mm, Array.from(mm, (v, j) => v * m + mean[j] * (1 - m)))).toBeLessThan(1e-6);
      expect(maxRelError(got.mv, Array.from(mv, (v, j) => v * m + variance[j] * (1 - m)))).toBeLessThan(1e-6);
      const split = run(fourRanges(c));
      expect(new Uint32Array(split.mm.buffer)).toEqual(new Uint32Array(got.mm.buffer));
      expect(new Uint32Array(split.mv.buffer)).toEqual(new Uint32Array(got.mv.buffer));
    });
  }
});

describe('batchnorm_inference_fold + batchnorm_inference_forward', () => {
  const run = (x: Float32Array, rows: number, c: number, mm: Float32Array, mv: Float32Array,
               gamma: Float32Array | null, beta: Float32Array | null, rowRanges: [number, number][]) => {
    const px = put(x), py = rt.arena.alloc(rows * c * 4), pmm = put(mm), pmv = put(mv);
    const pg = gamma ? put(gamma) : 0, pb = beta ? put(beta) : 0;
    const scale = rt.arena.alloc(c * 4), shift = rt.arena.alloc(c * 4);
    rt.k.batchnorm_inference_fold(scale, shift, pmm, pmv, pg, pb, EPS, 0, c);
    for (const [r0, rCount] of rowRanges) rt.k.batchnorm_inference_forward(py, px, scale, shift, c, r0, rCount);
    const y = rt.f32(py, rows * c).slice();
    for (const p of [px, py, pmm, pmv, pg, pb, scale, shift]) if (p) rt.arena.release(p);
    return y;
  };
  const naive = (x: Float32Array, rows: number, c: number, mm: Float32Array, mv: Float32Array,
                 gamma: Float32Array | null, beta: Float32Array | null) => {
    const y = new Float64Array(rows * c);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < c; j++) {
        y[r * c + j] = (x[r * c + j] - mm[j]) * (gamma ? gamma[j] : 1) / Math.sqrt(mv[j] + EPS) + (beta ? beta[j] : 0);
      }
    }
    return y;
  };

  for (const c of CHANNELS) {
    for (const rows of [1, 7, 1000]) {
      it(`N=${rows} C=${c}: y = (x − movingMean)·gamma/sqrt(movingVar + eps) + beta`, () => {
        const x = input(rows, c, rows + 7 * c), mm = rand(c, 1, -1, 1), mv = rand(c, 2, 0.2, 4);
        const gamma = rand(c, 3, 0.5, 1.5), beta = rand(c, 4);
        expect(maxRelError(run(x, rows, c, mm, mv, gamma, beta, [[0, rows]]), naive(x, rows, c, mm, mv, gamma, beta)))
          .toBeLessThan(1e-6);
      });
    }
  }

  it('gamma = 0 means scale off and beta = 0 center off', () => {
    const rows = 20, c = 6;
    const x = input(rows, c, 8), mm = rand(c, 9), mv = rand(c, 10, 0.2, 4), gamma = rand(c, 11), beta = rand(c, 12);
    for (const [g, b] of [[null, null], [gamma, null], [null, beta]] as const) {
      expect(maxRelError(run(x, rows, c, mm, mv, g, b, [[0, rows]]), naive(x, rows, c, mm, mv, g, b))).toBeLessThan(1e-6);
    }
  });

  for (const c of CHANNELS) {
    it(`C=${c}: row ranges give the same bits as one call`, () => {
      const rows = 101;
      const x = input(rows, c, 5), mm = rand(c, 6), mv = rand(c, 7, 0.2, 4), gamma = rand(c, 8), beta = rand(c, 9);
      const whole = run(x, rows, c, mm, mv, gamma, beta, [[0, rows]]);
      const split = run(x, rows, c, mm, mv, gamma, beta, [[0, 1], [1, 50], [51, 50]]);
      expect(new Uint32Array(split.buffer)).toEqual(new Uint32Array(whole.buffer));
    });
  }
});
