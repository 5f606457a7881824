// Generates assembly/winograd_transforms.ts: the input, filter and output transforms of Winograd's minimal
// filtering F(m×m, 3×3) (Lavin & Gray 2016) for m = 2, 4, 6, and the transposed ones of the backward passes
// (A on the output gradient, Gᵀ back to the 3×3 taps, B back to the input's pixels), as straight-line f32x4
// code over 4 channels.
//   node scripts/winograd-gen.mjs            writes the file
//   node scripts/winograd-gen.mjs --study    prints the fp32 error of candidate point sets against float64
// The matrices are built exactly (rationals) from the interpolation points: with E_n(p) the α×n evaluation
// matrix (row ξ = [1, p_ξ, …, p_ξ^(n-1)], the point ∞ = [0, …, 0, 1]), the correlation y = g ⋆ d of a
// length-α input with an r-tap filter is y = Aᵀ[(G g) ⊙ (Bᵀ d)] with Aᵀ = E_mᵀ, G = E_r, Bᵀ = E_α⁻ᵀ;
// a diagonal scaling moves each row's fractions from Bᵀ into G (Lavin's form: Bᵀ in small integers).
import { writeFileSync } from 'node:fs';

// ---- exact rationals ---------------------------------------------------------------------------------
const gcd = (a, b) => { a = a < 0n ? -a : a; b = b < 0n ? -b : b; while (b) [a, b] = [b, a % b]; return a; };
function q(n, d = 1n) {
  n = BigInt(n); d = BigInt(d);
  if (d < 0n) { n = -n; d = -d; }
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}
const add = (a, b) => q(a.n * b.d + b.n * a.d, a.d * b.d);
const sub = (a, b) => q(a.n * b.d - b.n * a.d, a.d * b.d);
const mul = (a, b) => q(a.n * b.n, a.d * b.d);
const div = (a, b) => q(a.n * b.d, a.d * b.n);
const isZero = (a) => a.n === 0n;
const eq = (a, b) => a.n === b.n && a.d === b.d;
const neg = (a) => q(-a.n, a.d);
const val = (a) => Number(a.n) / Number(a.d);
const pow = (a, k) => { let r = q(1); for (let i = 0; i < k; i++) r = mul(r, a); return r; };

/** points: finite rationals; the α-th point is ∞. */
function evaluation(points, n) {
  const rows = points.map((p) => Array.from({ length: n }, (_, k) => pow(p, k)));
  rows.push(Array.from({ length: n }, (_, k) => q(k === n - 1 ? 1 : 0)));
  return rows;
}
const transpose = (m) => m[0].map((_, j) => m.map((r) => r[j]));
function inverse(m) {
  const n = m.length;
  const a = m.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => q(i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const p = a.findIndex((r, i) => i >= c && !isZero(r[c]));
    [a[c], a[p]] = [a[p], a[c]];
    const inv = div(q(1), a[c][c]);
    a[c] = a[c].map((v) => mul(v, inv));
    for (let i = 0; i < n; i++) if (i !== c && !isZero(a[i][c])) { const f = a[i][c]; a[i] = a[i].map((v, j) => sub(v, mul(f, a[c][j]))); }
  }
  return a.map((r) => r.slice(n));
}

/** { AT (m×α), G (α×3), BT (α×α) } for the finite points given (∞ is added). */
export function matrices(m, points, scaling = 'lavin') {
  const alpha = m + 2;
  if (points.length !== alpha - 1) throw new Error(`F(${m},3) needs ${alpha - 1} finite points`);
  const AT = transpose(evaluation(points, m));
  let G = evaluation(points, 3);
  let BT = transpose(inverse(evaluation(points, alpha)));
  if (scaling === 'lavin') {
    // scale row ξ of Bᵀ to coprime integers (first non-zero positive), divide row ξ of G by the same
    for (let i = 0; i < alpha; i++) {
      let l = 1n; for (const v of BT[i]) l = l * v.d / gcd(l, v.d);
      let g = 0n; for (const v of BT[i]) g = gcd(g, v.n * (l / v.d));
      const first = BT[i].find((v) => !isZero(v));
      const s = q(first.n < 0n ? -l : l, g);
      BT[i] = BT[i].map((v) => mul(v, s));
      G[i] = G[i].map((v) => div(v, s));
    }
  }
  return { m, alpha, AT, G, BT };
}

// ---- straight-line programs for y = R x -------------------------------------------------------------
// A program is a list of steps over named values; the same program is emitted as AssemblyScript and run
// in JS with fp32 rounding (the study). Symmetric points ±p share work: rows of R for ±p are E ± O
// (output pairs), columns for ±p enter as x_p ± x_-p (input pairs).
function program(R) {
  const outs = R.length, ins = R[0].length;
  const steps = [];
  let tmp = 0;
  // input pairs: columns j < j' with R[i][j'] = ±R[i][j] for every i (some + and some -)
  const cols = Array.from({ length: ins }, (_, j) => ({ name: `x${j}`, coef: R.map((r) => r[j]) }));
  const usedC = new Set();
  const terms = []; // [{ name, coef[] }]
  for (let j = 0; j < ins; j++) {
    if (usedC.has(j)) continue;
    let paired = false;
    for (let k = j + 1; k < ins && !paired; k++) {
      if (usedC.has(k)) continue;
      const sig = R.map((r) => (isZero(r[j]) && isZero(r[k]) ? 0 : eq(r[k], r[j]) ? 1 : eq(r[k], neg(r[j])) ? -1 : null));
      if (sig.includes(null) || !sig.includes(1) || !sig.includes(-1) || R.some((r, i) => sig[i] === 0 && !isZero(r[j]))) continue;
      const s = `t${tmp++}`, d = `t${tmp++}`;
      steps.push({ out: s, terms: [[`x${j}`, q(1)], [`x${k}`, q(1)]] });
      steps.push({ out: d, terms: [[`x${j}`, q(1)], [`x${k}`, q(-1)]] });
      terms.push({ name: s, coef: R.map((r, i) => (sig[i] === 1 ? r[j] : q(0))) });
      terms.push({ name: d, coef: R.map((r, i) => (sig[i] === -1 ? r[j] : q(0))) });
      usedC.add(j); usedC.add(k); paired = true;
    }
    if (!paired) terms.push(cols[j]);
  }
  // output pairs: rows a < b with coef_b[t] = ±coef_a[t] for every term t (some + and some -)
  const usedR = new Set();
  const result = new Array(outs);
  const lin = (pick, i) => terms.map((t) => [t.name, t.coef[i]]).filter(([, c], ti) => pick(ti) && !isZero(c));
  for (let a = 0; a < outs; a++) {
    if (usedR.has(a)) continue;
    for (let b = a + 1; b < outs; b++) {
      if (usedR.has(b)) continue;
      const sig = terms.map((t) => (isZero(t.coef[a]) && isZero(t.coef[b]) ? 0 : eq(t.coef[b], t.coef[a]) ? 1 : eq(t.coef[b], neg(t.coef[a])) ? -1 : null));
      if (sig.includes(null) || !sig.includes(1) || !sig.includes(-1)) continue;
      const e = `t${tmp++}`, o = `t${tmp++}`;
      steps.push({ out: e, terms: lin((ti) => sig[ti] === 1, a) });
      steps.push({ out: o, terms: lin((ti) => sig[ti] === -1, a) });
      steps.push({ out: `y${a}`, terms: [[e, q(1)], [o, q(1)]] });
      steps.push({ out: `y${b}`, terms: [[e, q(1)], [o, q(-1)]] });
      usedR.add(a); usedR.add(b); result[a] = result[b] = true;
      break;
    }
    if (!usedR.has(a)) { steps.push({ out: `y${a}`, terms: lin(() => true, a) }); usedR.add(a); }
  }
  return { ins, outs, steps };
}

/** Runs a program on numbers, rounding every operation to fp32 (fused: madd rounds once) or not. */
function run(prog, x, f32 = true, fused = false) {
  const r = f32 ? Math.fround : (v) => v;
  const env = {};
  x.forEach((v, j) => { env[`x${j}`] = v; });
  for (const s of prog.steps) {
    let acc = null;
    for (const [name, c] of s.terms) {
      const cv = r(val(c)), v = env[name];
      if (acc === null) acc = c.n === c.d ? v : c.n === -c.d ? -v : r(cv * v);
      else if (c.n === c.d) acc = r(acc + v);
      else if (c.n === -c.d) acc = r(acc - v);
      else acc = fused ? r(cv * v + acc) : r(acc + r(cv * v));
    }
    env[s.out] = acc ?? 0;
  }
  return Array.from({ length: prog.outs }, (_, i) => env[`y${i}`]);
}

// ---- emission ------------------------------------------------------------------------------------------
const lit = (c) => { const v = val(c); const s = Number.isInteger(v) ? v.toFixed(1) : String(Math.fround(v)); return s; };
function emitSteps(prog) {
  const lines = [];
  for (const s of prog.steps) {
    let expr = null;
    for (const [name, c] of s.terms) {
      if (expr === null) expr = c.n === c.d ? name : c.n === -c.d ? `f32x4.neg(${name})` : `f32x4.mul(${name}, f32x4.splat(${lit(c)}))`;
      else if (c.n === c.d) expr = `f32x4.add(${expr}, ${name})`;
      else if (c.n === -c.d) expr = `f32x4.sub(${expr}, ${name})`;
      else expr = `madd(${name}, f32x4.splat(${lit(c)}), ${expr})`;
    }
    lines.push(`  const ${s.out} = ${expr ?? 'f32x4.splat(0)'};`);
  }
  return lines;
}

/** An inline 1D transform: loads `ins` vectors at src + j*ss, stores `outs` vectors at dst + i*ds. */
function emit1d(name, R, comment) {
  const prog = program(R);
  const L = [`// ${comment}`, '// @ts-ignore: decorator', '@inline',
    `function ${name}(dst: usize, ds: usize, src: usize, ss: usize): void {`];
  L.push(`  const ${Array.from({ length: prog.ins }, (_, j) => `x${j} = v128.load(src${j ? ` + ${j} * ss` : ''})`).join(', ')};`);
  L.push(...emitSteps(prog));
  L.push(`  ${Array.from({ length: prog.outs }, (_, i) => `v128.store(dst${i ? ` + ${i} * ds` : ''}, y${i});`).join(' ')}`);
  L.push('}');
  return L.join('\n');
}

/** One entry for all: the 1D transform `kind` of tile size m (inlined with constants, the branches fold away). */
function emitDispatch() {
  const kinds = ['input', 'filter', 'output', 'dout', 'dfilter', 'din'];
  const L = ['// kind: WINO_INPUT (Bᵀ), WINO_FILTER (G), WINO_OUTPUT (Aᵀ), WINO_DOUT (A), WINO_DFILTER (Gᵀ) or WINO_DIN (B);',
    '// m: 2, 4 or 6.',
    '// @ts-ignore: decorator', '@inline',
    'export function wino_1d(kind: i32, m: i32, dst: usize, ds: usize, src: usize, ss: usize): void {'];
  kinds.forEach((kind, k) => {
    L.push(`  ${k ? 'else ' : ''}if (kind == ${k}) {`);
    L.push(`    if (m == 2) wino2_${kind}_1d(dst, ds, src, ss); else if (m == 4) wino4_${kind}_1d(dst, ds, src, ss); else wino6_${kind}_1d(dst, ds, src, ss);`);
    L.push('  }');
  });
  L.push('}');
  return ['export const WINO_INPUT = 0, WINO_FILTER = 1, WINO_OUTPUT = 2, WINO_DOUT = 3, WINO_DFILTER = 4, WINO_DIN = 5;', L.join('\n')].join('\n\n');
}

const fmt = (M) => M.map((r) => `//   [${r.map((v) => (v.d === 1n ? String(v.n) : `${v.n}/${v.d}`).padStart(6)).join(' ')} ]`).join('\n');

/** The transform points used (chosen with --study: see README's speed section). */
export const POINTS = {
  2: [q(0), q(1), q(-1)],
  4: [q(0), q(1), q(-1), q(2), q(-2)],
  6: [q(0), q(1), q(-1), q(2), q(-2), q(1, 2), q(-1, 2)],
};

function generate() {
  const parts = [
    '// GENERATED by scripts/winograd-gen.mjs — do not edit; change the generator and run it again.\n' +
    '// The 1D transforms of Winograd F(m×m, 3×3) over 4 channels at a time (one f32x4 per tap), for\n' +
    '// assembly/winograd.ts, which applies each down the columns, then along the rows of a tile. Strides are\n' +
    '// in bytes. The last transform point is ∞.',
    "import { madd } from './simd';",
  ];
  for (const m of [2, 4, 6]) {
    const M = matrices(m, POINTS[m]);
    const pts = POINTS[m].map((p) => (p.d === 1n ? String(p.n) : `${p.n}/${p.d}`)).join(', ');
    parts.push(`// ---- F(${m}x${m}, 3x3), α = ${M.alpha}, points ${pts}, ∞`);
    parts.push(`// Bᵀ (${M.alpha}×${M.alpha}):\n${fmt(M.BT)}\n// G (${M.alpha}×3):\n${fmt(M.G)}\n// Aᵀ (${m}×${M.alpha}):\n${fmt(M.AT)}`);
    parts.push(emit1d(`wino${m}_input_1d`, M.BT, `Bᵀ x: ${M.alpha} taps of the input -> ${M.alpha} transform points`));
    parts.push(emit1d(`wino${m}_filter_1d`, M.G, `G g: 3 filter taps -> ${M.alpha} transform points`));
    parts.push(emit1d(`wino${m}_output_1d`, M.AT, `Aᵀ x: ${M.alpha} transform points -> ${m} outputs`));
    // the filter gradient dW = Gᵀ [(A dY Aᵀ) ⊙ (Bᵀ X B)] G: the transposes of the output and filter transforms
    parts.push(emit1d(`wino${m}_dout_1d`, transpose(M.AT), `A x: ${m} taps of the output gradient -> ${M.alpha} transform points`));
    parts.push(emit1d(`wino${m}_dfilter_1d`, transpose(M.G), `Gᵀ x: ${M.alpha} transform points -> 3 filter-gradient taps`));
    // the input gradient dX = Σ_tiles B [U ⊙ (A dY Aᵀ)] Bᵀ: the input transform's transpose
    parts.push(emit1d(`wino${m}_din_1d`, transpose(M.BT), `B x: ${M.alpha} transform points -> ${M.alpha} input-gradient pixels`));

  }
  parts.push('// ---- by kind and tile size', emitDispatch());
  return parts.join('\n\n').replace(/\n{3,}/g, '\n\n');
}

// ---- the error study --------------------------------------------------------------------------------
function study() {
  let s = 7;
  const rnd = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
  const cin = 64, tiles = 200;
  const cands = {
    2: [[0, 1, -1]],
    4: [[0, 1, -1, 2, -2], [0, 1, -1, [1, 2], [-1, 2]], [0, 1, -1, [1, 2], -2]],
    6: [[0, 1, -1, 2, -2, [1, 2], [-1, 2]], [0, 1, -1, 2, -2, 3, -3], [0, 1, -1, [1, 2], [-1, 2], [1, 4], [-1, 4]], [0, 1, -1, 2, -2, [1, 2], [-1, 2]]],
  };
  for (const m of [2, 4, 6]) {
    for (const [ci, raw] of cands[m].entries()) {
      for (const scaling of ['lavin', 'none']) {
        const pts = raw.map((p) => (Array.isArray(p) ? q(p[0], p[1]) : q(p)));
        const M = matrices(m, pts, scaling);
        const a = M.alpha;
        const pin = program(M.BT), pf = program(M.G), pout = program(M.AT);
        const t2 = (prog, X, rows, cols, f32) => { // X rows×cols -> apply along rows then columns
          const c1 = []; for (let c = 0; c < cols; c++) c1.push(run(prog, X.map((r) => r[c]), f32)); // c1[c][i]
          const outs = c1[0].length;
          const res = []; for (let i = 0; i < outs; i++) res.push(run(prog, c1.map((col) => col[i]), f32));
          return res; // res[i][j]
        };
        let maxErr = 0, maxRef = 0, se = 0, sr = 0;
        for (let t = 0; t < tiles; t++) {
          // ReLU-like activations in [0, 1), He-scaled weights
          const d = Array.from({ length: cin }, () => Array.from({ length: a }, () => Array.from({ length: a }, () => (rnd() < 0.5 ? 0 : rnd()))));
          const g = Array.from({ length: cin }, () => Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => (rnd() * 2 - 1) * Math.sqrt(6 / (9 * cin)))));
          const acc = Array.from({ length: a }, () => new Array(a).fill(0));
          for (let c = 0; c < cin; c++) {
            const V = t2(pin, d[c], a, a, true), U = t2(pf, g[c], 3, 3, true);
            for (let i = 0; i < a; i++) for (let j = 0; j < a; j++) acc[i][j] = Math.fround(acc[i][j] + Math.fround(V[i][j] * U[i][j]));
          }
          const y = t2(pout, acc, a, a, true);
          for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
            let ref = 0;
            for (let c = 0; c < cin; c++) for (let u = 0; u < 3; u++) for (let v = 0; v < 3; v++) ref += d[c][i + u][j + v] * g[c][u][v];
            const e = Math.abs(y[i][j] - ref);
            maxErr = Math.max(maxErr, e); maxRef = Math.max(maxRef, Math.abs(ref)); se += e * e; sr += ref * ref;
          }
        }
        console.log(`F(${m}x${m},3x3) points ${JSON.stringify(raw)} scaling ${scaling}: max |err| / max |y| ${(maxErr / maxRef).toExponential(2)}, rms rel ${Math.sqrt(se / sr).toExponential(2)}`);
      }
    }
  }
  // fp32 direct conv (sequential f32 sum over 9*cin taps) for comparison
}

if (process.argv.includes('--study')) study();
else {
  const out = new URL('../assembly/winograd_transforms.ts', import.meta.url);
  writeFileSync(out, generate() + '\n');
  console.log(`wrote ${out.pathname}`);
}
