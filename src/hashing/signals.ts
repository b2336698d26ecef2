/**
 * The registry of signal types hashtriage computes, in output order, and the parsing of user-given
 * algorithm lists. Code outside src/hashing iterates these instead of naming algorithms.
 */
import { blockhashSignalType } from './blockhash.js';
import { DIGEST_SIGNAL_TYPES } from './digests.js';
import { pdqSignalType } from './pdq.js';
import { parseAlgorithmNames, SIGNAL_NAMES } from './signal-names.js';
import type { DigestSignalType, PerceptualSignalType, SignalName, SignalType } from './signal-type.js';

/** Every signal type, in the order their fields appear in output: md5, sha1, sha256, pdq, blockhash (SIGNAL_NAMES). */
export const SIGNAL_TYPES: readonly SignalType[] = [...DIGEST_SIGNAL_TYPES, pdqSignalType, blockhashSignalType];
if (SIGNAL_TYPES.map((t) => t.name).join() !== SIGNAL_NAMES.join()) throw new Error('signal-names.ts does not list SIGNAL_TYPES in their order');

/** The names of SIGNAL_TYPES, in the same order (a new array each call). */
export function signalNames(): SignalName[] {
  return [...SIGNAL_NAMES];
}

/** The signal type called `name` (exact, lowercase), or undefined. */
export function signalTypeByName(name: string): SignalType | undefined {
  return SIGNAL_TYPES.find((t) => t.name === name);
}

/** The digest types among `types`, order kept. */
export function digestTypesOf(types: readonly SignalType[]): DigestSignalType[] {
  return types.filter((t): t is DigestSignalType => t.source === 'bytes');
}

/** The perceptual types among `types`, order kept. */
export function perceptualTypesOf(types: readonly SignalType[]): PerceptualSignalType[] {
  return types.filter((t): t is PerceptualSignalType => t.source === 'pixels');
}

/**
 * Parses a comma-separated list such as "md5,sha256,pdq" (case and spaces ignored, repeats allowed) into
 * signal types in SIGNAL_TYPES order. Throws HashtriageError USAGE naming the unknown entries and the known
 * names, or when the list is empty.
 */
export function parseAlgorithmList(text: string): SignalType[] {
  const wanted = new Set(parseAlgorithmNames(text));
  return SIGNAL_TYPES.filter((t) => wanted.has(t.name));
}
