/**
 * Known matches read through the severity policy in force: the index keeps each entry's label as the
 * list wrote it and the scheme recorded at import; rank, category name and kind (non-pertinent,
 * uncategorised) are decided here, at scan or match time, so an edited policy takes effect without
 * importing the lists again. Pure functions.
 */
import { rateCategory, type SeverityPolicy } from '../policy/severity.js';
import type { KnownMatch } from './types.js';

/** The match with severity, scheme, category name and kind from `policy`; everything else unchanged. */
export function rateKnown(k: KnownMatch, policy: SeverityPolicy): KnownMatch {
  const r = rateCategory(policy, k.category, k.scheme);
  return { ...k, severity: r.severity, scheme: r.scheme, categoryName: r.name, pertinent: r.pertinent, uncategorised: r.uncategorised };
}

/** Every match of `known` rated by rateKnown, same order. */
export function rateKnownMatches(known: readonly KnownMatch[], policy: SeverityPolicy): KnownMatch[] {
  return known.map((k) => rateKnown(k, policy));
}

/** False only for a match the severity policy rated non-pertinent (known-innocent, e.g. Project VIC 5). */
export function isPertinentMatch(k: KnownMatch): boolean {
  return k.pertinent !== false;
}

/** What is known of some content: 'known' with a pertinent match, 'known_non_pertinent' with non-pertinent matches only, else 'unknown'. */
export type ContentStatus = 'known' | 'known_non_pertinent' | 'unknown';

/** The ContentStatus of a bundle's or a file's known matches. */
export function contentStatus(known: readonly KnownMatch[]): ContentStatus {
  if (known.length === 0) return 'unknown';
  return known.some(isPertinentMatch) ? 'known' : 'known_non_pertinent';
}
