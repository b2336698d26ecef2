/**
 * Counting reporters. A named reporter is one person however the name is spelt (spaces, case); an
 * anonymous or blank one is a different person on every report, since at a hotline most reports are
 * anonymous and folding them together would hide how many people sent the same content.
 */
import { isPlaceholder, normalizePlaceholder } from './placeholders.js';

/** How a blank or missing reporter is shown in `reporters`. */
export const BLANK_REPORTER = '(anonymous)';

/** The name as counted: trimmed, case-folded, inner white space collapsed to one space (Unicode NFKC first). */
export function normalizeReporter(name: string): string {
  return normalizePlaceholder(name);
}

/** True when the reporter value names nobody: null, blank, or a placeholder ("anonymous", "n/a" … PLACEHOLDER_VALUES). */
export function isAnonymousReporter(name: string | null): boolean {
  return isPlaceholder(name);
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
 * then each distinct anonymous spelling as given (trimmed), and BLANK_REPORTER when a report gave none, sorted:
 * every reporter counted is shown under some name.
 */
export function shownReporters(reporters: ReadonlyArray<string | null>): string[] {
  const byKey = new Map<string, string>();
  for (const r of reporters) {
    if (r === null || r.trim() === '') {
      byKey.set('\u0000', BLANK_REPORTER);
      continue;
    }
    const key = isAnonymousReporter(r) ? `\u0000${r.trim()}` : normalizeReporter(r);
    const shown = r.trim().replace(/\s+/gu, ' ');
    const prev = byKey.get(key);
    if (prev === undefined || shown < prev) byKey.set(key, shown);
  }
  return [...byKey.values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
