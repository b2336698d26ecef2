/**
 * Registers `hashtriage index import|stats|export|remove|verify` (what they do: index-run.ts). Loads
 * nothing but commander and its option parsers: SQLite and the list readers are imported when a
 * subcommand runs.
 */
import { Option, type Command } from 'commander';
import { SIGNAL_NAMES } from '../../hashing/signal-names.js';
import type { ExportFormat } from '../../index-store/index-admin.js';
import { LIST_FORMATS } from '../../index-store/import/list-formats.js';
import type { CommandModule } from '../command-module.js';
import { signalArg } from '../signal-arg.js';
import type { ImportOptions } from './index-run.js';

const DB_HELP = 'index database (default $HASHTRIAGE_DB or ./hashtriage.db)';

/** Registers `index` and its subcommands on the program. */
export const register: CommandModule = (program: Command) => {
  const index = program.command('index').description('Manage the known-hash index: import lists, stats, export, remove, verify.');

  index
    .command('import')
    .description('Import a known-hash list (text, CSV/TSV, NDJSON or Project VIC VICS JSON) under a list name.')
    .argument('<file>', 'list file')
    .requiredOption('--list <name>', 'name of the list (re-importing the same file under the same name changes nothing, unless rows were rejected last time)')
    .addOption(new Option('--format <format>', 'list format (auto detects it from the content)').choices(['auto', ...LIST_FORMATS]).default('auto'))
    .addOption(new Option('--type <type>', `hash type of values whose type the list does not give (needed for 64-digit hashes): ${SIGNAL_NAMES.join(', ')}, any case`).argParser(signalArg))
    .option('--replace', "replace the list's contents with this file's (atomically)", false)
    .option('--severity-policy <path>', 'category → severity policy file (default: the shipped policy)')
    .option('--scheme <name>', 'category scheme of the list, over any scheme column (a scheme of the policy, or "none" to rate no label; default: the rows\' scheme column, else inferred per label)')
    .option('--json', 'print the summary as JSON', false)
    .option('--db <path>', DB_HELP)
    .action(async (file: string, opts: ImportOptions) => {
      const { runImport } = await import('./index-run.js');
      process.exitCode = await runImport(file, opts);
    });

  index
    .command('stats')
    .description('Show lists, counts per signal type, band layout, bucket sizes and size on disk.')
    .option('--json', 'print as JSON', false)
    .option('--db <path>', DB_HELP)
    .action(async (opts: { json: boolean; db?: string }) => {
      const { runStats } = await import('./index-run.js');
      process.exitCode = await runStats(opts);
    });

  index
    .command('export')
    .description('Write the entries of one list (or all known lists) to stdout as CSV or NDJSON (re-importable).')
    .option('--list <name>', 'only this list')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'ndjson']).default('csv'))
    .option('--db <path>', DB_HELP)
    .action(async (opts: { list?: string; format: ExportFormat; db?: string }) => {
      const { runExport } = await import('./index-run.js');
      process.exitCode = await runExport(opts);
    });

  index
    .command('remove')
    .description('Remove a list and every value no other list holds.')
    .requiredOption('--list <name>', 'list to remove')
    .option('--db <path>', DB_HELP)
    .action(async (opts: { list: string; db?: string }) => {
      const { runRemove } = await import('./index-run.js');
      process.exitCode = await runRemove(opts);
    });

  index
    .command('verify')
    .description('Check the database: SQLite integrity, foreign keys, band and packed tables against the stored values.')
    .option('--json', 'print the report as JSON', false)
    .option('--db <path>', DB_HELP)
    .action(async (opts: { json: boolean; db?: string }) => {
      const { runVerify } = await import('./index-run.js');
      process.exitCode = await runVerify(opts);
    });
};
