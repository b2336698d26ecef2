/**
 * Counting reporters. A named reporter is one person however the name is spelt (spaces, case); an
 * anonymous or blank one is a different person on every report, since at a hotline most reports are
 * anonymous and folding them together would hide how many people sent the same content.
 */

/** Reporter values (after normalisation) that mean "nobody named": each report from one counts once. */
export const ANONYMOUS_REPORTERS: readonly string[] = [
  '',
  '-',
  '--',
  '?',
  'anon',
  'anonymous',
  'n/a',
  'na',
  'none',
  'not given',
  'unknown',
  'unnamed',
  'withheld',
];

const ANONYMOUS = new Set(ANONYMOUS_REPORTERS);

/** The name as counted: trimmed, case-folded, inner white space collapsed to one space (Unicode NFKC first). */
export function normalizeReporter(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/gu, ' ').toLowerCase();
}

/** True when the reporter value names nobody: null, blank, or one of ANONYMOUS_REPORTERS. */
export function isAnonymousReporter(name: string | null): boolean {
  return name === null || ANONYMOUS.has(normalizeReporter(name));
}

/**
 * Distinct reporters of a set of reports (each report given once): named ones by normalised name, plus
 * one per report whose reporter is anonymous or blank.
 */
export function countReporters(reporters: ReadonlyArray<string | null>): number {
  const named = new Set<string>();
  let anonymous = 0;
  for (const r of reporters) {
    if (isAnonymousReporter(r)) anonymous++;
    else named.add(normalizeReporter(r as string));
  }
  return named.size + anonymous;
}

/**
 * The reporter names to show: one spelling per named reporter (the first in code-unit order, trimmed),
 * then each distinct anonymous spelling as given (trimmed; blank ones left out), sorted.
 */
export function shownReporters(reporters: ReadonlyArray<string | null>): string[] {
  const byKey = new Map<string, string>();
  for (const r of reporters) {
    if (r === null || r.trim() === '') continue;
    const key = isAnonymousReporter(r) ? `\u0000${r.trim()}` : normalizeReporter(r);
    const shown = r.trim().replace(/\s+/gu, ' ');
    const prev = byKey.get(key);
    if (prev === undefined || shown < prev) byKey.set(key, shown);
  }
  return [...byKey.values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
