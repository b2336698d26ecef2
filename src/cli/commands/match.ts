/**
 * Registers `hashtriage match` (what it does: match-run.ts). Loads nothing but commander and its option
 * parsers: the index, SQLite and the hashing code are imported when the command runs.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { SIGNAL_NAMES } from '../../hashing/signal-names.js';
import type { CommandModule } from '../command-module.js';
import { signalArg } from '../signal-arg.js';
import type { MatchCommandOptions } from './match-run.js';

/** commander parser for --threshold: decimal digits only (so '' or '0x10' are refused, not read as 0 or 16), 0–256. */
function thresholdArg(value: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new InvalidArgumentError('expected an integer from 0 to 256.');
  return n;
}

/** Registers `match` on the program. */
export const register: CommandModule = (program: Command) => {
  program
    .command('match')
    .description('Look hashes up in the index; one JSON line per query with its matches sorted by distance.')
    .argument('[hashes...]', 'hashes to look up: hex (type from its length) or type:value, e.g. pdq:… or MD5:…')
    .option('--algorithm <name>', `look up only this hash type (${SIGNAL_NAMES.join(', ')}; any case); default: every type a query can be`, signalArg)
    .option('--threshold <n>', "largest distance that matches for perceptual types (default: each type's own, 31 for pdq, 12 for blockhash)", thresholdArg)
    .option('--dihedral', 'also match the rotated/flipped variants carried by `hash --dihedral` records (with --stdin)', false)
    .option('--stdin', 'read queries from stdin: hashes or `hashtriage hash` JSON lines (every hash a record carries is looked up)', false)
    .option('--severity-policy <file>', 'category → severity policy JSON the entries are rated with (default: the shipped policy/severity.json)')
    .option('--include-low-quality', 'also match queries and known values below the quality a match needs (flagged)', false)
    .option('--include-seen', 'also report hits on the sightings store (files earlier scans looked at, not known material) as "seen"', false)
    .option('--sightings <path>', 'sightings store for --include-seen (default: beside the index, NAME.sightings.db)')
    .option('--db <path>', 'index database (default $HASHTRIAGE_DB or ./hashtriage.db)')
    .action(async (hashes: string[], opts: MatchCommandOptions) => {
      const { runMatch } = await import('./match-run.js');
      process.exitCode = await runMatch(hashes, opts);
    });
};
