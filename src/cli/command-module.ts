/** The shape of one command's module under src/cli/commands. */
import type { Command } from 'commander';

/** A command module: adds itself to the program; its action sets process.exitCode. */
export type CommandModule = (program: Command) => void;
