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
  /** A command stopped by Ctrl-C (128 + SIGINT): a scan can be resumed, an import was rolled back. */
  INTERRUPTED: 130,
  /** A command stopped by SIGTERM (128 + 15: `timeout`, `docker stop`, a service manager), after the same clean stop as Ctrl-C. */
  TERMINATED: 143,
} as const;

/** The signals a long command stops cleanly on, with the exit code each gives (128 + its number). */
export const STOP_SIGNALS = { SIGINT: EXIT.INTERRUPTED, SIGTERM: EXIT.TERMINATED } as const;

/** A signal in STOP_SIGNALS. */
export type StopSignal = keyof typeof STOP_SIGNALS;

/**
 * Calls `onFirst(signal)` on the first SIGINT or SIGTERM, and exits at once with that signal's code on a
 * second one; returns the function that removes the handlers. Replaces Node's default (immediate death),
 * so a command can finish or roll back what it is writing.
 */
export function onStopSignals(onFirst: (signal: StopSignal) => void): () => void {
  let received = 0;
  const handlers = (Object.keys(STOP_SIGNALS) as StopSignal[]).map((signal) => {
    const handler = () => {
      received++;
      if (received > 1) process.exit(STOP_SIGNALS[signal]);
      onFirst(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

/** Error codes that mean the user must change the command or the files it names. */
const CANNOT_RUN: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['USAGE', 'NOT_FOUND', 'UNREADABLE', 'UNSUPPORTED_FORMAT', 'TOO_LARGE', 'BAD_INPUT', 'BAD_HASH', 'BAD_ROW']);

/**
 * The exit code for an error that ended a whole command: USAGE for errors in what the user named (see
 * CANNOT_RUN), SOME_FAILED for anything else (a failing disk or stdout, an internal error).
 */
export function exitCodeFor(err: unknown): number {
  return CANNOT_RUN.has(toErrorInfo(err).code) ? EXIT.USAGE : EXIT.SOME_FAILED;
}

/** Environment variable that adds the stack trace to the message of an unexpected error. */
export const DEBUG_ENV_VAR = 'HASHTRIAGE_DEBUG';

/** True when HASHTRIAGE_DEBUG is set to anything but '' or '0'. */
export function debugRequested(): boolean {
  const v = process.env[DEBUG_ENV_VAR] ?? '';
  return v !== '' && v !== '0';
}

/**
 * What follows the message of an unexpected (INTERNAL) error: its stack with HASHTRIAGE_DEBUG=1, else a
 * hint to set it; empty for the expected errors, whose message is all a user needs.
 */
export function internalDetail(err: unknown): string {
  return toErrorInfo(err).code === 'INTERNAL' ? unexpectedDetail(err) : '';
}

/** What follows the message of an error nobody expected: its stack with HASHTRIAGE_DEBUG=1, else a hint to set it. */
export function unexpectedDetail(err: unknown): string {
  return debugRequested() && err instanceof Error && err.stack ? `\n${err.stack}` : ` (set ${DEBUG_ENV_VAR}=1 for details)`;
}

/**
 * Writes `hashtriage <command>: <message>` to stderr (for an unexpected error, with internalDetail) and
 * returns exitCodeFor(err).
 */
export function reportFailure(command: string, err: unknown): number {
  process.stderr.write(`hashtriage ${command}: ${showControlsInLine(toErrorInfo(err).message)}${internalDetail(err)}\n`);
  return exitCodeFor(err);
}
