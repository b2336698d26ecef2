/** The shape of one command's module under src/cli/commands. */
import type { Command } from 'commander';

/**
 * A command module (commands/NAME.ts): adds its command, options and help to the program and loads only
 * commander and its option parsers. Its action imports the command's work (commands/NAME-run.ts, which
 * loads SQLite, sharp, list parsers as it needs them) and sets process.exitCode; main.ts loads only the
 * modules of the command a command line names, so --version and each command start without the others.
 */
export type CommandModule = (program: Command) => void;
