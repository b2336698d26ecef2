/**
 * Values complaint forms put in a field that was left empty ("n/a", "none", "-", "unknown" …). One list for
 * every manifest field that can hold them (reporter, url), so that "N/A" means "not given" everywhere.
 */

/** Placeholder values, as compared: trimmed, case-folded, inner white space collapsed (see normalizePlaceholder). */
export const PLACEHOLDER_VALUES: readonly string[] = [
  '',
  '-',
  '--',
  '?',
  'anon',
  'anonymous',
  'n/a',
  'na',
  'nil',
  'none',
  'not given',
  'null',
  'unknown',
  'unnamed',
  'withheld',
];

const PLACEHOLDERS = new Set(PLACEHOLDER_VALUES);

/** A field value as compared with the placeholders: Unicode NFKC, trimmed, inner white space collapsed to one space, lowercase. */
export function normalizePlaceholder(value: string): string {
  return value.normalize('NFKC').trim().replace(/\s+/gu, ' ').toLowerCase();
}

/** True when the value says "not given": null, blank, or one of PLACEHOLDER_VALUES in any case or spacing. */
export function isPlaceholder(value: string | null): boolean {
  return value === null || PLACEHOLDERS.has(normalizePlaceholder(value));
}
