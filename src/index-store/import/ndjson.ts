/**
 * NDJSON hash lists: one JSON object per line with the same field names (and synonyms) as the CSV
 * columns, e.g. {"pdq":"…","category":"A1","victim_identified":"true"}. Blank lines are ignored.
 */
import type { ImportItem } from '../types.js';
import { fieldOf, rowError, rowToItem, type FieldName, type RawRow, type RowContext } from './fields.js';
import { readLines, tooLongMessage } from './lines.js';

/**
 * Maps an object's keys to canonical fields (unknown keys ignored). Returns the row, or a message when two
 * keys name the same field. `cache` remembers key → field across rows (lists repeat their keys).
 */
export function objectToRow(obj: Record<string, unknown>, cache: Map<string, FieldName | null>): RawRow | string {
  const row: RawRow = {};
  const from: Partial<Record<FieldName, string>> = {};
  for (const key of Object.keys(obj)) {
    let field = cache.get(key);
    if (field === undefined) {
      field = fieldOf(key);
      if (cache.size < 1000) cache.set(key, field);
    }
    if (field === null) continue;
    if (from[field] !== undefined) return `keys '${from[field]}' and '${key}' both give ${field}`;
    from[field] = key;
    row[field] = obj[key];
  }
  return row;
}

/** Items of an NDJSON list, in line order; a line that is not a JSON object is one error item. */
export async function* readNdjsonList(chunks: AsyncIterable<Buffer>, ctx: RowContext, maxLineBytes?: number): AsyncGenerator<ImportItem> {
  const cache = new Map<string, FieldName | null>();
  for await (const batch of readLines(chunks, maxLineBytes)) {
    for (const l of batch) {
      if ('tooLong' in l) {
        yield rowError(l.line, tooLongMessage(l.tooLong, maxLineBytes));
        continue;
      }
      const text = l.text.trim();
      if (text === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        yield rowError(l.line, `not valid JSON: ${(err as Error).message}`);
        continue;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        yield rowError(l.line, `expected a JSON object, got ${Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value}`);
        continue;
      }
      const row = objectToRow(value as Record<string, unknown>, cache);
      yield typeof row === 'string' ? rowError(l.line, row) : rowToItem(row, l.line, ctx);
    }
  }
}
