/** Giving the event loop of a test worker a turn in the middle of long synchronous work. */
import { setImmediate } from 'node:timers';

/**
 * Resolves after one whole turn of the event loop, its I/O poll included, so vitest's replies to the
 * worker are read: vitest gives up on a reply after a fixed 60 seconds and then fails a green run with
 * "Timeout calling onTaskUpdate". Long synchronous tests await it every few seconds of work.
 */
export function nextLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
