/**
 * Writing the commands' machine-readable output to stdout. A reader that goes away early (`| head -1`,
 * EPIPE) is not an error: writing stops quietly. Any other write failure (disk full, I/O error) is kept
 * and thrown from the next write as a StdoutError, so it reaches the command's error handling instead of
 * escaping as an uncaught 'error' event with a stack trace.
 */
import type { Writable } from 'node:stream';

/** A write to stdout failed for a reason other than the reader closing it (e.g. ENOSPC). */
export class StdoutError extends Error {
  constructor(readonly reason: NodeJS.ErrnoException) {
    super(`cannot write the output: ${reason.message}`);
    this.name = 'StdoutError';
  }
}

interface StreamState {
  closed: boolean;
  failure: NodeJS.ErrnoException | null;
}

const states = new WeakMap<Writable, StreamState>();

/** The watched state of `stream`: an 'error' listener is attached once, so no write error is ever unhandled. */
function stateOf(stream: Writable): StreamState {
  let state = states.get(stream);
  if (state === undefined) {
    const created: StreamState = { closed: false, failure: null };
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') created.closed = true;
      else created.failure ??= err;
    });
    states.set(stream, created);
    state = created;
  }
  return state;
}

/** True once nothing more written to `stream` can be read (the reader closed the pipe, or the stream ended). */
export function outputClosed(stream: Writable = process.stdout): boolean {
  const state = stateOf(stream);
  return state.closed || stream.destroyed || stream.writableEnded;
}

function throwIfFailed(state: StreamState): void {
  if (state.failure !== null) throw new StdoutError(state.failure);
}

/** stream.write, with a synchronous throw (a file on a full disk) recorded like an 'error' event; false = buffer full. */
function writeChunk(stream: Writable, state: StreamState, text: string): boolean {
  try {
    return stream.write(text);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EPIPE') state.closed = true;
    else state.failure ??= e;
    return true;
  }
}

/**
 * Writes `text` without waiting. Returns false (writing nothing) once the reader has gone; throws
 * StdoutError when an earlier write failed otherwise. For synchronous callers; prefer writeOutput.
 */
export function writeOutputNow(text: string, stream: Writable = process.stdout): boolean {
  const state = stateOf(stream);
  throwIfFailed(state);
  if (outputClosed(stream)) return false;
  writeChunk(stream, state, text);
  throwIfFailed(state);
  return !outputClosed(stream);
}

/**
 * Writes `text`, waiting while the pipe is full. Resolves true while the reader takes output, false once
 * it has gone (EPIPE; nothing more should be written). Rejects with StdoutError on any other write failure.
 */
export async function writeOutput(text: string, stream: Writable = process.stdout): Promise<boolean> {
  const state = stateOf(stream);
  throwIfFailed(state);
  if (outputClosed(stream)) return false;
  if (!writeChunk(stream, state, text)) await settled(stream);
  throwIfFailed(state);
  return !outputClosed(stream);
}

/**
 * Resolves once everything written so far has been handed to the system (or the reader has gone);
 * rejects with StdoutError when a write failed for another reason. Call before choosing the exit code.
 */
export async function flushOutput(stream: Writable = process.stdout): Promise<boolean> {
  const state = stateOf(stream);
  if (!outputClosed(stream) && state.failure === null) {
    await new Promise<void>((resolve) => {
      try {
        stream.write('', () => resolve());
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EPIPE') state.closed = true;
        else state.failure ??= e;
        resolve();
      }
    });
  }
  throwIfFailed(state);
  return !outputClosed(stream);
}

/** Waits for 'drain', 'close' or 'error', whichever comes first, and removes the other listeners. */
function settled(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}
