// Which CPU a benchmark ran on: lscpu's model name, vendor, family and model (Linux), named as a
// microarchitecture where the family / model is one we know. Bench only (node: modules); os.cpus() elsewhere.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface CpuInfo {
  /** lscpu's "Model name" (or os.cpus()'s). */
  model: string;
  vendor: string | null;
  family: number | null;
  modelNumber: number | null;
  /** The microarchitecture, where known: 'Zen 5', 'Ice Lake (server)' ...; null otherwise. */
  kind: string | null;
  cores: number;
  /** lscpu's "Thread(s) per core": 2 means the cores are hyper-thread siblings sharing one core's FMA ports. */
  threadsPerCore: number | null;
  /** One line for a report: `AMD EPYC (AuthenticAMD family 26 model 2 = Zen 5), 2 cores, 1 thread per core`. */
  line: string;
}

/** Microarchitectures by vendor, family and model (AMD: family 25 covers Zen 3 and Zen 4, told by model). */
function kindOf(vendor: string | null, family: number | null, model: number | null): string | null {
  if (family === null || model === null) return null;
  if (vendor === 'AuthenticAMD') {
    if (family === 26) return 'Zen 5';
    if (family === 25) return (model >= 0x10 && model <= 0x1f) || (model >= 0x60 && model <= 0x7f) || (model >= 0xa0 && model <= 0xaf) ? 'Zen 4' : 'Zen 3';
    if (family === 23) return 'Zen / Zen 2';
  }
  if (vendor === 'GenuineIntel' && family === 6) {
    const intel: Record<number, string> = {
      85: 'Skylake / Cascade Lake (server)', 106: 'Ice Lake (server)', 108: 'Ice Lake (server)', 143: 'Sapphire Rapids',
      207: 'Emerald Rapids', 173: 'Granite Rapids', 126: 'Ice Lake (client)', 140: 'Tiger Lake', 151: 'Alder Lake', 183: 'Raptor Lake',
    };
    return intel[model] ?? null;
  }
  return null;
}

export function cpuInfo(): CpuInfo {
  const fields: Record<string, string> = {};
  try {
    const out = execFileSync('lscpu', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, LC_ALL: 'C' } });
    for (const line of out.split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) fields[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
  } catch { /* no lscpu (not Linux): os.cpus() below */ }
  const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : null);
  const model = fields['Model name'] ?? os.cpus()[0]?.model ?? 'unknown CPU';
  const vendor = fields['Vendor ID'] ?? null;
  const family = num(fields['CPU family']), modelNumber = num(fields.Model);
  const kind = kindOf(vendor, family, modelNumber);
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const threadsPerCore = num(fields['Thread(s) per core']);
  const id = vendor ? ` (${vendor} family ${family ?? '?'} model ${modelNumber ?? '?'}${kind ? ` = ${kind}` : ''})` : '';
  const smt = threadsPerCore === null ? '' : `, ${threadsPerCore} thread${threadsPerCore > 1 ? 's' : ''} per core`;
  return { model, vendor, family, modelNumber, kind, cores, threadsPerCore, line: `${model}${id}, ${cores} cores${smt}` };
}
