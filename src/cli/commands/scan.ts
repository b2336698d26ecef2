/**
 * Registers `hashtriage scan` (what it does: scan-run.ts). Loads nothing but commander and its option
 * parsers: the pipeline is imported when the command runs.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_MAX_PIXELS, defaultConcurrency } from '../../hashing/defaults.js';
import { DEFAULT_MEMORY_BUDGET_MIB } from '../../hashing/memory-budget.js';
import type { CommandModule } from '../command-module.js';
import type { ScanCommandOptions } from './scan-run.js';

/** commander parser of a positive integer option (scientific notation such as 1e8 allowed). */
function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

/** commander accumulator of a repeatable option. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Registers `scan` on the program. */
export const register: CommandModule = (program: Command) => {
  program
    .command('scan')
    .description('Hash, match and deduplicate reported files into prioritised bundles written to --out.')
    .argument('[paths...]', 'files and directories (directories are walked recursively)')
    .option('--manifest <file>', 'report manifest (CSV or NDJSON); repeatable', collect, [])
    .requiredOption('--out <dir>', 'output directory (new or empty; with --resume, the interrupted scan\'s)')
    .option('--db <path>', 'index of known lists, opened read-only (default $HASHTRIAGE_DB or ./hashtriage.db)')
    .option('--no-index', 'scan without known lists: deduplicate and prioritise only')
    .option('--sightings <path>', 'store of what scans saw, read and added to (default: beside the index, NAME.sightings.db)')
    .option('--no-sightings', 'neither look up nor record what earlier scans saw')
    .option('--resume', 'continue an interrupted scan in --out with the same inputs and options', false)
    .option('--dihedral', 'match rotated/flipped PDQ variants (the default)')
    .option('--no-dihedral', 'do not match rotated/flipped PDQ variants')
    .option('--no-regions', 'do not hash PDQ region variants (content inside uniform borders: lists and batch; crops: batch)')
    .option('--include-low-quality', 'also match and group perceptual hashes below the quality a match needs (without it, such files are flagged perceptual_hash_unusable: check by hand)', false)
    .addOption(new Option('--pdq-flavour <flavour>', "PDQ flavour: 'full' or 'cli512'").choices(['full', 'cli512']).default('full'))
    .addOption(new Option('--max-pixels <n>', 'refuse images with more pixels than this (decompression bombs); recorded in the case').argParser(positiveInteger).default(DEFAULT_MAX_PIXELS))
    .option('--follow-symlinks', 'follow symbolic links under the paths even where they lead outside them (without it, such links are reported as SYMLINK_OUTSIDE and not followed)', false)
    .option('--policy <file>', 'priority policy JSON (default: the shipped policy/priority.json)')
    .option('--severity-policy <file>', 'category → severity policy JSON the known matches are rated with (default: the shipped policy/severity.json)')
    .option('--json', 'print the summary as one JSON object', false)
    .addOption(new Option('--concurrency <n>', 'files processed at once').argParser(positiveInteger).default(defaultConcurrency()))
    .addOption(new Option('--memory-budget <MiB>', 'memory that file contents and decodes may take at once; images are admitted by decoded size').argParser(positiveInteger).default(DEFAULT_MEMORY_BUDGET_MIB))
    .action(async (paths: string[], options: ScanCommandOptions, command: Command) => {
      // rawArgs (the arguments as typed) is public in commander but missing from its type declarations
      const rawArgs = (command.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
      const { runScanCommand } = await import('./scan-run.js');
      process.exitCode = await runScanCommand(paths, options, rawArgs);
    });
};
