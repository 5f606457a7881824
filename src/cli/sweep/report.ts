// report.md and report.html from the results: per study its charts (HTML only, inline SVG), one table row per
// setting, and, when the sweep has them (the lab preset), written answers computed from the same numbers.
import type { ParamKey } from './config.js';
import { describeParam, num } from './describe.js';
import { studySpecs, toSvg } from './charts.js';
import type { SettingStats, StudyStats } from './stats.js';
import { higherIsBetter } from './stats.js';
import type { TrialResult } from './trial.js';

export interface ReportInput {
  title: string;
  studies: StudyStats[];
  results: TrialResult[];
  /** Written answers per study name (markdown-light: plain sentences), and an introduction. */
  answers?: { intro?: string; byStudy: Record<string, string> };
  /** Wall time of the run that produced the report, when known. */
  wallSeconds?: number;
}

const pct = (v: number) => (Number.isFinite(v) ? (v * 100).toFixed(1) : '—');
const fix = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '—');

/** The table of one study: header cells and rows of cells. */
export function studyTable(st: StudyStats): { head: string[]; rows: string[][] } {
  const faces = higherIsBetter(st.settings[0].params);
  const fixedKeys = (['optimizer', 'lr', 'batchSize', 'epochs', 'momentum', 'activation', 'loss'] as ParamKey[]).filter((k) => !st.varied.includes(k));
  const head = ['setting', 'seeds',
    ...(faces ? ['test acc % (mean ± sd)', 'min–max', 'best val acc %'] : ['test MAE (mean ± sd)', 'test RMSE', 'best val MAE']),
    'epochs run', st.settings.every((s) => s.epochClock === 'cpu') ? 'CPU s / epoch' : 'wall s / epoch', 's / trial', 'notes'];
  const rows = st.settings.map((s) => {
    const notes = [s.pruned ? `${s.pruned} pruned` : '', s.diverged ? `${s.diverged} diverged` : ''].filter(Boolean).join(', ');
    return [s.label || fixedKeys.map((k) => describeParam(k, s.params)).join(', '), String(s.trials.length),
      ...(faces
        ? [`${pct(s.test.mean)} ± ${pct(s.test.sd)}`, `${pct(s.test.min)}–${pct(s.test.max)}`, pct(s.bestVal.mean)]
        : [`${fix(s.test.mean)} ± ${fix(s.test.sd)}`, fix(s.testRmse.mean), fix(s.bestVal.mean)]),
      num(s.epochsRun.mean), fix(s.secondsPerEpoch.mean, 2), fix(s.seconds.mean, 0), notes];
  });
  return { head, rows };
}

/** What every setting of a study shares, as a phrase ("sgd, lr 0.01, batch 32, relu, ..."). */
export function sharedSettings(st: StudyStats): string {
  const p = st.settings[0].params;
  const keys = (['task', 'optimizer', 'lr', 'lrDrop', 'momentum', 'nesterov', 'batchSize', 'epochs', 'activation', 'loss', 'labelNoise'] as ParamKey[])
    .filter((k) => !st.varied.includes(k) && !(k === 'labelNoise' && p.task === 'faces') && !((k === 'momentum' || k === 'nesterov') && p.optimizer !== 'sgd'));
  return keys.map((k) => describeParam(k, p)).filter(Boolean).join(', ');
}

const mdRow = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;

export function markdownReport(input: ReportInput): string {
  const out = [`# ${input.title}`, '', headerLine(input), ''];
  if (input.answers?.intro) out.push(input.answers.intro, '');
  for (const st of input.studies) {
    out.push(`## ${st.name}`, '', `Shared: ${sharedSettings(st)}.`, '');
    const a = input.answers?.byStudy[st.name];
    if (a) out.push(a, '');
    const t = studyTable(st);
    out.push(mdRow(t.head), mdRow(t.head.map(() => '---')), ...t.rows.map(mdRow), '');
  }
  return out.join('\n');
}

function headerLine(input: ReportInput): string {
  const rs = input.results;
  const busy = rs.reduce((a, r) => a + r.seconds, 0);
  const hosts = [...new Set(rs.map((r) => r.host))].join(', ');
  const backends = [...new Set(rs.map((r) => r.backend))].join(', ');
  const wall = input.wallSeconds === undefined ? '' : `, ${(input.wallSeconds / 60).toFixed(1)} min wall time for this run`;
  const pruned = rs.filter((r) => r.status === 'pruned').length, diverged = rs.filter((r) => r.status === 'diverged').length;
  return `${rs.length} trial${rs.length === 1 ? '' : 's'} (${pruned} pruned, ${diverged} diverged), ${(busy / 60).toFixed(1)} trial-minutes on ${hosts} (${backends} kernels, one thread per trial)${wall}. ` +
    'Accuracy is on the held-out test photos after the last epoch run; "best val" is the best epoch on the validation split.';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function htmlReport(input: ReportInput): Promise<string> {
  const parts: string[] = [];
  for (const st of input.studies) {
    const svgs = await Promise.all(studySpecs(st).map(toSvg));
    const t = studyTable(st);
    const a = input.answers?.byStudy[st.name];
    parts.push(`<section><h2>${esc(st.name)}</h2><p class="shared">Shared: ${esc(sharedSettings(st))}.</p>` +
      (a ? `<p class="answer">${esc(a)}</p>` : '') +
      `<div class="charts">${svgs.map((s) => `<figure>${s}</figure>`).join('')}</div>` +
      `<table><thead><tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>` +
      t.rows.map((r) => `<tr>${r.map((c, i) => `<td${i ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('') +
      '</tbody></table></section>');
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1180px;margin:24px auto;padding:0 16px;color:#222}
h1{font-size:24px}h2{font-size:19px;margin-top:36px;border-bottom:1px solid #ddd;padding-bottom:4px}
.shared{color:#555;font-size:13px}.answer{background:#f4f7fb;border-left:4px solid #4c78a8;padding:8px 12px}
.charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}
table{border-collapse:collapse;font-size:13px;margin-top:8px}th,td{border:1px solid #ddd;padding:3px 8px}th{background:#f6f6f6}td.n{text-align:right}
</style></head><body><h1>${esc(input.title)}</h1><p>${esc(headerLine(input))}</p>
${input.answers?.intro ? `<p class="answer">${esc(input.answers.intro)}</p>` : ''}
${parts.join('\n')}
</body></html>
`;
}

/** Writes DIR/report.md and DIR/report.html, each atomically (temporary file, then rename). */
export async function writeReport(dir: string, input: ReportInput): Promise<{ md: string; html: string }> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const files = { md: path.join(dir, 'report.md'), html: path.join(dir, 'report.html') };
  const texts = { md: markdownReport(input), html: await htmlReport(input) };
  for (const k of ['md', 'html'] as const) {
    const tmp = `${files[k]}.tmp-${process.pid}`;
    await fs.writeFile(tmp, texts[k]);
    await fs.rename(tmp, files[k]);
  }
  return files;
}

export type { SettingStats };
