/**
 * The hashtriage command line: one commander program, one module per command under src/cli/commands.
 * Exit codes: see exit.ts.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { toErrorInfo } from '../errors.js';
import { showControlsInLine } from '../tabular/controls.js';
import type { CommandModule } from './command-module.js';
import { EXIT, unexpectedDetail } from './exit.js';

/** Every command by name, in help order, with the module that registers it (loaded only when needed). */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<{ register: CommandModule }>]> = [
  ['hash', () => import('./commands/hash.js')],
  ['scan', () => import('./commands/scan.js')],
  ['index', () => import('./commands/index.js')],
  ['match', () => import('./commands/match.js')],
  ['audit', () => import('./commands/audit.js')],
  ['bench', () => import('./commands/bench.js')],
];

/** The names of every command, in help order. */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map(([name]) => name);

/**
 * The commands a command line needs: the one it names; none for --version/-V first (commander answers it
 * before any command); else all of them (help, suggestions for a mistyped command). `args` = argv after
 * node and the script.
 */
export function commandsFor(args: readonly string[]): string[] {
  const first = args[0];
  if (first === '--version' || first === '-V') return [];
  if (first !== undefined && COMMAND_NAMES.includes(first)) return [first];
  return [...COMMAND_NAMES];
}

/** The program with the named commands registered (default: every command). */
export async function buildProgram(names: readonly string[] = COMMAND_NAMES): Promise<Command> {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const program = new Command('hashtriage')
    .description('Hash, match and triage reported images against known-hash lists.')
    .version(pkg.version)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  const modules = await Promise.all(COMMANDS.filter(([name]) => names.includes(name)).map(([, load]) => load()));
  for (const { register } of modules) register(program);
  return program;
}

export { DEBUG_ENV_VAR } from './exit.js';

/**
 * Runs the CLI on argv and resolves to the process exit code; never throws. Bad usage gives 2; an error
 * a command did not handle gives one line on stderr (its stack only with HASHTRIAGE_DEBUG=1) and 1.
 */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(commandsFor(argv.slice(2)));
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.OK;
      return EXIT.USAGE;
    }
    process.stderr.write(`hashtriage: unexpected error: ${showControlsInLine(toErrorInfo(err).message)}${unexpectedDetail(err)}\n`);
    return EXIT.SOME_FAILED;
  }
  const code = process.exitCode;
  return typeof code === 'number' ? code : EXIT.OK;
}



