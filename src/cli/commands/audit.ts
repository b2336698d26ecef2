/**
 * Registers `hashtriage audit verify` (what it does: audit-run.ts), which is imported when it runs.
 */
import type { Command } from 'commander';
import type { CommandModule } from '../command-module.js';

/** Registers `audit` and its subcommand on the program. */
export const register: CommandModule = (program: Command) => {
  const audit = program.command('audit').description("Check a scan's audit log.");
  audit
    .command('verify')
    .description('Verify the hash chain of a scan output folder\'s audit.ndjson (exit 1 naming the first bad line).')
    .argument('<dir>', 'scan output folder, or the audit log file itself')
    .option('--head <hash>', 'the head hash printed when the scan ended: also detects a log cut back since')
    .option('--json', 'print the result as JSON', false)
    .action(async (dir: string, opts: { head?: string; json: boolean }) => {
      const { runVerify } = await import('./audit-run.js');
      process.exitCode = await runVerify(dir, opts);
    });
};
