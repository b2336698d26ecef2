/**
 * Registers `hashtriage hash` (what it does: hash-run.ts). Loads nothing but commander and its option
 * parsers: the hashing code, the decoder and the worker pool are imported when the command runs.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { HashtriageError } from '../../errors.js';
import { DEFAULT_MAX_PIXELS, defaultConcurrency } from '../../hashing/defaults.js';
import { DEFAULT_MEMORY_BUDGET_MIB } from '../../hashing/memory-budget.js';
import { parseAlgorithmNames, SIGNAL_NAMES } from '../../hashing/signal-names.js';
import type { SignalName } from '../../hashing/signal-type.js';
import type { CommandModule } from '../command-module.js';
import type { HashCommandOptions } from './hash-run.js';

/** commander argument parser for a positive integer option (scientific notation such as 1e8 allowed). */
function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

/** commander parser of --algorithms (names only: the hashing code is loaded when the command runs). */
function algorithmList(value: string): SignalName[] {
  try {
    return parseAlgorithmNames(value);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof HashtriageError ? err.message : String(err));
  }
}

/** Registers `hash` on the program. */
export const register: CommandModule = (program: Command) => {
  program
    .command('hash')
    .description('Hash files (digests, PDQ, blockhash) and print one JSON object per file (NDJSON) in path order.')
    .argument('<paths...>', 'files and directories (directories are walked recursively)')
    .addOption(
      new Option('--algorithms <list>', `comma-separated subset of ${SIGNAL_NAMES.join(',')}`)
        .argParser(algorithmList)
        .default([...SIGNAL_NAMES], 'all'),
    )
    .addOption(new Option('--pdq-flavour <flavour>', "PDQ flavour: 'full' (full image) or 'cli512' (reference CLI's 512×512 resize)").choices(['full', 'cli512']).default('full'))
    .option('--dihedral', "also print PDQ's 7 rotated/flipped variants (pdqDihedral)", false)
    .option('--regions', "also print PDQ's region variants (pdqRegions: content inside uniform borders when there are any, crop regions)", false)
    .addOption(new Option('--max-pixels <n>', 'refuse images with more pixels than this (decompression bombs)').argParser(positiveInteger).default(DEFAULT_MAX_PIXELS))
    .addOption(new Option('--concurrency <n>', 'files processed at once').argParser(positiveInteger).default(defaultConcurrency()))
    .option('--follow-symlinks', 'follow symbolic links under the paths even where they lead outside them (without it, such links are reported as SYMLINK_OUTSIDE and not followed)', false)
    .addOption(new Option('--memory-budget <MiB>', 'memory that file contents and decodes may take at once; images are admitted by decoded size').argParser(positiveInteger).default(DEFAULT_MEMORY_BUDGET_MIB))
    .action(async (paths: string[], options: HashCommandOptions) => {
      const { runHash } = await import('./hash-run.js');
      process.exitCode = await runHash(paths, options);
    });
};
