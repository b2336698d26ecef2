/**
 * NDJSON hash lists: one JSON object per line (read with the shared tabular reader) with the same field
 * names (and synonyms) as the CSV columns, e.g. {"pdq":"…","category":"A1","victim_identified":"true"}.
 */
import type { ImportItem } from '../types.js';
import { fieldOf, rowError, rowToItem, type FieldName, type RawRow, type RowContext } from './fields.js';
import { readNdjson } from '../../tabular/ndjson.js';

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
  for await (const event of readNdjson(chunks, maxLineBytes)) {
    if (event.kind === 'error') {
      yield rowError(event.line, event.message);
      continue;
    }
    const row = objectToRow(event.value, cache);
    yield typeof row === 'string' ? rowError(event.line, row) : rowToItem(row, event.line, ctx);
  }
}
