/**
 * `hashtriage hash <paths...>`: one NDJSON line per file on stdout, in path order, with the digests and
 * perceptual hashes of issue 2's stable field order; a file that fails gives an error line and the rest
 * go on. Exit 0 when every file hashed, 1 when some failed, 2 for usage errors.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { HashtriageError } from '../../errors.js';
import { walkPaths } from '../../files/walk.js';
import { DEFAULT_MAX_PIXELS, defaultConcurrency } from '../../hashing/defaults.js';
import { DEFAULT_MEMORY_BUDGET_MIB } from '../../hashing/memory-budget.js';
import type { FileHashResult } from '../../hashing/record.js';
import { hashRecordToFields } from '../../hashing/record-fields.js';
import { parseAlgorithmList, perceptualTypesOf, signalNames, SIGNAL_TYPES } from '../../hashing/signals.js';
import type { SignalType } from '../../hashing/signal-type.js';
import type { CommandModule } from '../command-module.js';
import { EXIT } from '../exit.js';
import { flushOutput, outputClosed, StdoutError, writeOutputNow } from '../stdout.js';

interface HashCommandOptions {
  algorithms: SignalType[];
  pdqFlavour: 'full' | 'cli512';
  dihedral: boolean;
  regions: boolean;
  maxPixels: number;
  concurrency: number;
  followSymlinks: boolean;
  memoryBudget: number;
}

/** commander argument parser for a positive integer option (scientific notation such as 1e8 allowed). */
function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

function algorithmList(value: string): SignalType[] {
  try {
    return parseAlgorithmList(value);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof HashtriageError ? err.message : String(err));
  }
}

/** One output line: the result's output fields in their stable order. */
function toLine(result: FileHashResult): string {
  return `${JSON.stringify(hashRecordToFields(result))}\n`;
}

async function runHash(paths: string[], options: HashCommandOptions): Promise<number> {
  if (options.regions && !perceptualTypesOf(options.algorithms).some((t) => t.supportsRegions)) {
    const capable = perceptualTypesOf(SIGNAL_TYPES).filter((t) => t.supportsRegions).map((t) => t.name);
    process.stderr.write(`hashtriage hash: --regions needs one of ${capable.join(', ')} among --algorithms\n`);
    return EXIT.USAGE;
  }
  if (options.dihedral && !perceptualTypesOf(options.algorithms).some((t) => t.supportsDihedral)) {
    const capable = perceptualTypesOf(SIGNAL_TYPES).filter((t) => t.supportsDihedral).map((t) => t.name);
    process.stderr.write(`hashtriage hash: --dihedral needs one of ${capable.join(', ')} among --algorithms\n`);
    return EXIT.USAGE;
  }
  const [{ hashFiles }, { createProgress }] = await Promise.all([import('../../hashing/hash-file.js'), import('../progress.js')]);
  const entries = await walkPaths(paths, {}, { followSymlinks: options.followSymlinks });
  const progress = createProgress('hashing', entries.length);
  let failures = 0;
  try {
    await hashFiles(entries, { ...options, memoryBudget: options.memoryBudget * 1024 * 1024 }, (_index, result) => {
      if (!result.ok) failures++;
      if (!writeOutputNow(toLine(result))) throw new Error('stdout was closed by the reader');
      progress.increment();
    });
    await flushOutput();
  } catch (err) {
    if (err instanceof StdoutError) {
      process.stderr.write(`hashtriage hash: ${err.message}\n`);
      return EXIT.SOME_FAILED;
    }
    if (!outputClosed()) throw err;
  } finally {
    progress.stop();
  }
  if (entries.length === 0) process.stderr.write('hashtriage hash: no files found under the given paths\n');
  return failures > 0 ? EXIT.SOME_FAILED : EXIT.OK;
}

/** Registers `hash` on the program. */
export const register: CommandModule = (program: Command) => {
  program
    .command('hash')
    .description('Hash files (digests, PDQ, blockhash) and print one JSON object per file (NDJSON) in path order.')
    .argument('<paths...>', 'files and directories (directories are walked recursively)')
    .addOption(
      new Option('--algorithms <list>', `comma-separated subset of ${signalNames().join(',')}`)
        .argParser(algorithmList)
        .default(SIGNAL_TYPES, 'all'),
    )
    .addOption(new Option('--pdq-flavour <flavour>', "PDQ flavour: 'full' (full image) or 'cli512' (reference CLI's 512×512 resize)").choices(['full', 'cli512']).default('full'))
    .option('--dihedral', "also print PDQ's 7 rotated/flipped variants (pdqDihedral)", false)
    .option('--regions', "also print PDQ's region variants (pdqRegions: content inside uniform borders when there are any, crop regions)", false)
    .addOption(new Option('--max-pixels <n>', 'refuse images with more pixels than this (decompression bombs)').argParser(positiveInteger).default(DEFAULT_MAX_PIXELS))
    .addOption(new Option('--concurrency <n>', 'files processed at once').argParser(positiveInteger).default(defaultConcurrency()))
    .option('--follow-symlinks', 'follow symbolic links under the paths even where they lead outside them (without it, such links are reported as SYMLINK_OUTSIDE and not followed)', false)
    .addOption(new Option('--memory-budget <MiB>', 'memory that file contents and decodes may take at once; images are admitted by decoded size').argParser(positiveInteger).default(DEFAULT_MEMORY_BUDGET_MIB))
    .action(async (paths: string[], options: HashCommandOptions) => {
      process.exitCode = await runHash(paths, options);
    });
};
