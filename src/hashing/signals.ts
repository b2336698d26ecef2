/**
 * The registry of signal types hashtriage computes, in output order, and the parsing of user-given
 * algorithm lists. Code outside src/hashing iterates these instead of naming algorithms.
 */
import { HashtriageError } from '../errors.js';
import { blockhashSignalType } from './blockhash.js';
import { DIGEST_SIGNAL_TYPES } from './digests.js';
import { pdqSignalType } from './pdq.js';
import type { DigestSignalType, PerceptualSignalType, SignalName, SignalType } from './signal-type.js';

/** Every signal type, in the order their fields appear in output: md5, sha1, sha256, pdq, blockhash. */
export const SIGNAL_TYPES: readonly SignalType[] = [...DIGEST_SIGNAL_TYPES, pdqSignalType, blockhashSignalType];

/** The names of SIGNAL_TYPES, in the same order (a new array each call). */
export function signalNames(): SignalName[] {
  return SIGNAL_TYPES.map((t) => t.name);
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
  const names = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw new HashtriageError('USAGE', `empty algorithm list; choose from ${signalNames().join(', ')}`);
  const unknown = names.filter((n) => signalTypeByName(n) === undefined);
  if (unknown.length > 0)
    throw new HashtriageError(
      'USAGE',
      `unknown algorithm${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; choose from ${signalNames().join(', ')}`,
    );
  const wanted = new Set(names);
  return SIGNAL_TYPES.filter((t) => wanted.has(t.name));
}

