/**
 * The exit codes every command shares, and the one mapping from an error that ended a command to its
 * exit code, so that the same failure exits alike whichever command met it.
 */
import { toErrorInfo, type ErrorCode } from '../errors.js';
import { showControlsInLine } from '../tabular/controls.js';

/** Exit codes shared by every command. */
export const EXIT = {
  /** Everything was processed. */
  OK: 0,
  /** Some inputs failed (each reported with its location) and the rest was processed; or output could not be written. */
  SOME_FAILED: 1,
  /** The command could not run: bad usage, or a file or folder it names is missing or unusable. Nothing was changed. */
  USAGE: 2,
  /** A scan stopped by Ctrl-C (128 + SIGINT); it can be resumed. */
  INTERRUPTED: 130,
} as const;

/** Error codes that mean the user must change the command or the files it names. */
const CANNOT_RUN: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['USAGE', 'NOT_FOUND', 'UNREADABLE', 'UNSUPPORTED_FORMAT', 'TOO_LARGE', 'BAD_INPUT', 'BAD_HASH', 'BAD_ROW']);

/**
 * The exit code for an error that ended a whole command: USAGE for errors in what the user named (see
 * CANNOT_RUN), SOME_FAILED for anything else (a failing disk or stdout, an internal error).
 */
export function exitCodeFor(err: unknown): number {
  return CANNOT_RUN.has(toErrorInfo(err).code) ? EXIT.USAGE : EXIT.SOME_FAILED;
}

/** Writes `hashtriage <command>: <message>` to stderr and returns exitCodeFor(err). */
export function reportFailure(command: string, err: unknown): number {
  process.stderr.write(`hashtriage ${command}: ${showControlsInLine(toErrorInfo(err).message)}\n`);
  return exitCodeFor(err);
}
