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
