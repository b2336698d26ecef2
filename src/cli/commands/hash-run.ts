/**
 * `hashtriage hash <paths...>`: one NDJSON line per file on stdout, in path order, with the digests and
 * perceptual hashes of issue 2's stable field order; a file that fails gives an error line and the rest
 * go on. Exit 0 when every file hashed, 1 when some failed, 2 for usage errors.
 */
import { walkPaths } from '../../files/walk.js';
import type { FileHashResult } from '../../hashing/record.js';
import { hashRecordToFields } from '../../hashing/record-fields.js';
import { perceptualTypesOf, signalTypeByName, SIGNAL_TYPES } from '../../hashing/signals.js';
import type { SignalName } from '../../hashing/signal-type.js';
import { EXIT } from '../exit.js';
import { flushOutput, outputClosed, StdoutError, writeOutputNow } from '../stdout.js';
import { showControlsInLine } from '../../tabular/controls.js';

/** The options of `hash` as commander parsed them. */
export interface HashCommandOptions {
  /** In SIGNAL_NAMES order. */
  algorithms: SignalName[];
  pdqFlavour: 'full' | 'cli512';
  dihedral: boolean;
  regions: boolean;
  maxPixels: number;
  concurrency: number;
  followSymlinks: boolean;
  memoryBudget: number;
}

/** One output line: the result's output fields in their stable order. */
/** Failures named one by one on stderr; the rest are counted at the end (every one is on stdout). */
const STDERR_FAILURES = 100;

function toLine(result: FileHashResult): string {
  return `${JSON.stringify(hashRecordToFields(result))}\n`;
}

/** Runs `hash` on its arguments and resolves to the exit code. */
export async function runHash(paths: string[], cli: HashCommandOptions): Promise<number> {
  const options = { ...cli, algorithms: cli.algorithms.map((name) => signalTypeByName(name)!) };
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
      if (!writeOutputNow(toLine(result))) throw new Error('stdout was closed by the reader');
      if (!result.ok) {
        // also on stderr, so that a user whose stdout goes to a file sees what failed and where
        if (++failures <= STDERR_FAILURES) progress.note(`hashtriage hash: ${showControlsInLine(`${result.path}: ${result.error.code}: ${result.error.message}`)}\n`);
      }
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
  if (failures > STDERR_FAILURES) process.stderr.write(`hashtriage hash: … and ${failures - STDERR_FAILURES} more failed files (each is a line with "ok":false on stdout)\n`);
  return failures > 0 ? EXIT.SOME_FAILED : EXIT.OK;
}
