/**
 * The names of the signal types and the words that name them, without their implementations: the command
 * line parses and shows these at start-up without loading the hashing code (signals.ts holds the types
 * themselves, in this order, and checks that it is this order).
 */
import { HashtriageError } from '../errors.js';
import { fieldLookup, type FieldLookup } from '../tabular/header.js';
import type { SignalName } from './signal-type.js';

/** Every signal name, in output order: md5, sha1, sha256, pdq, blockhash (the order of SIGNAL_TYPES). */
export const SIGNAL_NAMES: readonly SignalName[] = ['md5', 'sha1', 'sha256', 'pdq', 'blockhash'];

/** Spellings lists use for each signal type (compared with normalizeName: case and punctuation ignored). */
export const SIGNAL_SYNONYMS: Readonly<Record<SignalName, readonly string[]>> = {
  md5: ['md5', 'md5hash', 'md5sum', 'md5digest', 'hashmd5', 'md5value'],
  sha1: ['sha1', 'sha1hash', 'sha1sum', 'sha1digest', 'hashsha1', 'sha1value'],
  sha256: ['sha256', 'sha256hash', 'sha256sum', 'sha256digest', 'hashsha256', 'sha256value', 'sha2256'],
  pdq: ['pdq', 'pdqhash', 'hashpdq', 'pdqvalue', 'pdqdigest'],
  blockhash: ['blockhash', 'blockhashhash', 'blockhash16', 'blockhash256', 'hashblockhash', 'blockhashvalue'],
};

/** Spellings of PhotoDNA, which lists carry and the index keeps but never compares. */
export const PHOTODNA_SYNONYMS: readonly string[] = ['photodna', 'photodnahash', 'pdna', 'hashphotodna', 'photodnavalue'];

/** Signal type named by a type word such as "MD5", "sha-1", "PDQ hash"; 'photodna' for PhotoDNA; null if unknown. */
export const signalOf: FieldLookup<SignalName | 'photodna'> = fieldLookup<SignalName | 'photodna'>({
  ...SIGNAL_SYNONYMS,
  photodna: PHOTODNA_SYNONYMS,
});

/**
 * Parses a comma-separated list such as "md5,sha256,pdq" (case and spaces ignored, repeats allowed) into
 * signal names in SIGNAL_NAMES order. Throws HashtriageError USAGE naming the unknown entries and the known
 * names, or when the list is empty.
 */
export function parseAlgorithmNames(text: string): SignalName[] {
  const names = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  const known = SIGNAL_NAMES.join(', ');
  if (names.length === 0) throw new HashtriageError('USAGE', `empty algorithm list; choose from ${known}`);
  const unknown = names.filter((n) => !(SIGNAL_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new HashtriageError('USAGE', `unknown algorithm${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; choose from ${known}`);
  const wanted = new Set(names);
  return SIGNAL_NAMES.filter((n) => wanted.has(n));
}
