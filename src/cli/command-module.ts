/** The shape of one command's module under src/cli/commands. */
import type { Command } from 'commander';

/**
 * A command module: adds itself to the program; its action sets process.exitCode. Modules that are slow
 * to load (sharp, SQLite, list parsers, the progress bar) are imported by the action, so that --version,
 * --help and the other commands start without them.
 */
export type CommandModule = (program: Command) => void;
