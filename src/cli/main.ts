/**
 * The hashtriage command line: one commander program, one module per command under src/cli/commands.
 * Exit codes: see exit.ts.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { toErrorInfo } from '../errors.js';
import { showControlsInLine } from '../tabular/controls.js';
import { register as registerAudit } from './commands/audit.js';
import { register as registerBench } from './commands/bench.js';
import { register as registerHash } from './commands/hash.js';
import { register as registerIndex } from './commands/index.js';
import { register as registerMatch } from './commands/match.js';
import { register as registerScan } from './commands/scan.js';
import type { CommandModule } from './command-module.js';
import { EXIT } from './exit.js';

const commandModules: CommandModule[] = [registerHash, registerScan, registerIndex, registerMatch, registerAudit, registerBench];

/** The program with every command registered (exported for tests). */
export function buildProgram(): Command {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const program = new Command('hashtriage')
    .description('Hash, match and triage reported images against known-hash lists.')
    .version(pkg.version)
    .showHelpAfterError()
    .exitOverride();
  for (const add of commandModules) add(program);
  return program;
}

/** Environment variable that adds the stack trace to the message of an unexpected error. */
export const DEBUG_ENV_VAR = 'HASHTRIAGE_DEBUG';

/**
 * Runs the CLI on argv and resolves to the process exit code; never throws. Bad usage gives 2; an error
 * a command did not handle gives one line on stderr (its stack only with HASHTRIAGE_DEBUG=1) and 1.
 */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
      return EXIT.USAGE;
    }
    const debug = (process.env[DEBUG_ENV_VAR] ?? '') !== '' && process.env[DEBUG_ENV_VAR] !== '0';
    const detail = debug && err instanceof Error && err.stack ? `\n${err.stack}` : ` (set ${DEBUG_ENV_VAR}=1 for details)`;
    process.stderr.write(`hashtriage: unexpected error: ${showControlsInLine(toErrorInfo(err).message)}${detail}\n`);
    return EXIT.SOME_FAILED;
  }
  const code = process.exitCode;
  return typeof code === 'number' ? code : EXIT.OK;
}



