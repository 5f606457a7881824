#!/usr/bin/env node
// The simdnet command: train | evaluate | predict | synth | convert | bench | sweep. `simdnet train` without --data runs the
// lab's whole experiment on the embedded (generated) face set.
import { existsSync } from 'node:fs';
import * as sn from '../index.js';
import { UsageError } from './args.js';
import { convertCommand, evaluateCommand, predictCommand, synthCommand, trainCommand } from './commands.js';
import { sweepCommand } from './sweep-command.js';

// `simdnet bench` runs the benchmarks of a checkout (dist/bench, with TensorFlow.js beside): the published
// package ships no bench, so there the command is not offered.
const BENCH = new URL('../../bench/run.js', import.meta.url);
const benchShipped = existsSync(BENCH);

const USAGE = `Usage:
  simdnet train    [--data DIR] [--epochs 20] [--batch-size 32] [--optimizer sgd|adam|adamw|adamax|nadam|adadelta|adagrad|rmsprop]
                   [--lr LR]                         # default 0.01 for sgd and adagrad, 0.001 for the others
                   [--threads auto|N] [--seed S] [--out model-dir|m.h5|m.keras] [--plot curves.png] [--test-size 0.15] [--verbose 0|1|2]
                   [--lr-drop 0.5] [--epsilon E] [--backup DIR] [--class-weight balanced]
  simdnet evaluate --model DIR|M.h5|M.keras --data DIR
  simdnet predict  --model DIR|M.h5|M.keras IMAGE...
  simdnet synth    --out DIR [--seed S]
  simdnet convert  --model DIR|M.h5|M.keras --out DIR|M.h5|M.keras [--quantize float16|uint8|uint16] [--include-optimizer]
${benchShipped ? '  simdnet bench    [--json] [--quick] [--no-peers]\n' : ''}  simdnet sweep    (--config sweep.json | --preset lab) --out DIR [--data DIR] [--parallel N] [--prune median]
                   [--prune-startup 5] [--prune-warmup 0]
  simdnet sweep plan   (--config sweep.json | --preset lab) [--data DIR] [--out DIR]    the trials as JSON lines
  simdnet sweep trial  [--results FILE] [--prune median] [LINE...]   runs plan lines (arguments or standard input)
  simdnet sweep report DIR [RESULTS.jsonl...]                        merges result files into DIR, writes the report
Without --data, train runs the lab's experiment on the embedded synthetic face set.`;

/** The usage lines of one command (its line and the continuation lines under it). */
function usageOf(command: string): string {
  const lines = USAGE.split('\n'), at = lines.findIndex((l) => l.startsWith(`  simdnet ${command} `));
  if (at < 0) return USAGE;
  let end = at + 1;
  while (end < lines.length && /^ {5,}/.test(lines[end])) end++;
  return ['Usage:', ...lines.slice(at, end)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // `simdnet <command> --help`: that command's usage (sweep and bench print their own)
  if (['train', 'evaluate', 'predict', 'synth', 'convert'].includes(command) && rest.some((a) => a === '--help' || a === '-h')) {
    console.log(usageOf(command) + (command === 'train' ? '\nWithout --data, train runs the lab\'s experiment on the embedded synthetic face set.' : ''));
    return 0;
  }
  switch (command) {
    case 'train': return trainCommand(rest);
    case 'evaluate': return evaluateCommand(rest);
    case 'predict': return predictCommand(rest);
    case 'synth': return synthCommand(rest);
    case 'convert': return convertCommand(rest);
    case 'sweep': return sweepCommand(rest);
    case 'bench': {
      if (!benchShipped) throw new UsageError('simdnet: bench is not part of the installed package; run `npm run bench` in a checkout of simdnet');
      process.argv = [process.argv[0], process.argv[1], ...rest];
      await import(BENCH.href);
      return 0;
    }
    case undefined: case '--help': case '-h': case 'help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    case '--version':
      console.log(`simdnet ${sn.version}`);
      return 0;
    default:
      throw new UsageError(`simdnet: unknown command '${command}'; valid: train, evaluate, predict, synth, convert${benchShipped ? ', bench' : ''}, sweep`);
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: Error) => {
  if (e instanceof UsageError) console.error(`${e.message}\n\n${USAGE}`);
  else console.error(`simdnet: ${e.message}`);
  if (process.env.SIMDNET_DEBUG) console.error(e.stack);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
