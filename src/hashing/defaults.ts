/**
 * Defaults of the hashing options, in a module that loads nothing else of hashtriage's, so the command
 * line can show them in its help without loading the decoder (sharp) or the worker pool.
 */
import { availableParallelism } from 'node:os';

/** Default pixel limit (width × height of the first frame): larger files are refused as decompression bombs. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/** Default number of files in flight for hashFiles. */
export function defaultConcurrency(): number {
  return 2 * availableParallelism();
}
