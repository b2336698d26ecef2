/**
 * Column names as people write them: "Report ID", "report_id", "REPORT-ID" and "ReportId" are one name.
 * Each reader brings its own vocabulary (canonical field → accepted spellings); the comparison rule is
 * shared, so every tabular input accepts the same spellings of a name.
 */

const NOT_LETTER_OR_DIGIT = /[^\p{L}\p{N}]+/gu;

/** The form in which names are compared: byte-order mark, case, spaces, dashes, underscores and other punctuation dropped. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(NOT_LETTER_OR_DIGIT, '');
}

/** Finds the canonical field of a name; null when the vocabulary does not know it. */
export type FieldLookup<F extends string> = (name: string) => F | null;

/**
 * A lookup over `synonyms` (field → spellings, compared with normalizeName). Throws when two fields claim
 * the same normalised spelling: a vocabulary has to be unambiguous.
 */
export function fieldLookup<F extends string>(synonyms: Readonly<Record<F, readonly string[]>>): FieldLookup<F> {
  const byName = new Map<string, F>();
  for (const [field, spellings] of Object.entries(synonyms) as Array<[F, readonly string[]]>) {
    for (const spelling of spellings) {
      const key = normalizeName(spelling);
      const other = byName.get(key);
      if (other !== undefined && other !== field) throw new Error(`column vocabulary: "${spelling}" names both ${other} and ${field}`);
      byName.set(key, field);
    }
  }
  return (name) => byName.get(normalizeName(name)) ?? null;
}
