/**
 * Registers `hashtriage bench` (what it does: bench-run.ts), which is imported when it runs.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { QUERY_MIXES } from '../../bench/hamming-workload.js';
import type { CommandModule } from '../command-module.js';
import type { BenchCommandOptions } from './bench-run.js';

/** Largest generated index size accepted (memory: about 100 bytes per value in the temporary index and matcher). */
const MAX_SIZE = 50_000_000;
/** commander parser of an integer from min to max: decimal digits only ('' or '0x10' are refused), `_` separators allowed. */
function intArg(min: number, max: number) {
  return (value: string): number => {
    const n = /^\s*\d[\d_]*\s*$/.test(value) ? Number(value.replaceAll('_', '')) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}.`);
    return n;
  };
}

/** commander parser of --sizes: comma-separated integers from 1 to MAX_SIZE. */
function sizesArg(value: string): number[] {
  const parse = intArg(1, MAX_SIZE);
  const sizes = value.split(',').map((s) => parse(s.trim()));
  if (sizes.length === 0) throw new InvalidArgumentError('expected at least one size.');
  return sizes;
}

/** Registers `bench` on the program. */
export const register: CommandModule = (program: Command) => {
  program
    .command('bench')
    .description('Measure matching speed on this machine: lookups per second in memory and through SQLite, against a brute-force scan; or with --accuracy DIR, how often edited copies of your pictures are found.')
    .addOption(new Option('--sizes <list>', 'index sizes to generate, comma-separated (default 100000,1000000)').argParser(sizesArg))
    .addOption(new Option('--radius <n>', 'match threshold (Hamming distance)').argParser(intArg(0, 256)).default(31))
    .addOption(new Option('--queries <n>', 'most queries per path per round').argParser(intArg(1, 1_000_000)).default(1000))
    .addOption(new Option('--rounds <n>', 'measurement rounds (the median is reported)').argParser(intArg(1, 100)).default(3))
    .addOption(new Option('--mix <mix>', 'query mix').choices(Object.keys(QUERY_MIXES)).default('mixed'))
    .option('--db <path>', 'measure your own index file instead (read-only; queries are near-duplicates of its values)')
    .option('--json', 'print the report as JSON', false)
    .option('--accuracy <dir>', 'instead: recall of transformed copies (JPEG, resize, borders, crops, turns…) of the pictures in <dir>, per matching method')
    .addOption(new Option('--sample <n>', 'with --accuracy: only the first n pictures by name').argParser(intArg(2, 1_000_000)))
    .action(async (opts: BenchCommandOptions) => {
      const { runBench } = await import('./bench-run.js');
      process.exitCode = await runBench(opts);
    });
};
