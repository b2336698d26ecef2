/**
 * Plain-text hash lists: one hash per line, either bare (type from its length: 32 hex = md5, 40 = sha1;
 * 64 needs --type) or typed as `type:value`, `type<TAB>value` or `type value`. Anything after the value
 * (e.g. the file name in `md5sum` output) is kept as the note. `#` comments and blank lines are ignored.
 */
import type { ImportItem } from '../types.js';
import { rowError, rowToItem, splitHashLine, type RawRow, type RowContext } from './fields.js';
import { readLines, tooLongMessage } from '../../tabular/lines.js';

/**
 * Reads one text line into a row of canonical fields; null for blank and comment lines. Pure: the row
 * still has to pass rowToItem's validation.
 */
export function parseTextLine(text: string): RawRow | null {
  if (text.trim().charCodeAt(0) === 0x23 /* # */) return null;
  const parts = splitHashLine(text);
  if (parts === null) return null;
  const row: RawRow = parts.type === null ? {} : { type: parts.type };
  if (parts.hash !== null) row.hash = parts.hash;
  return withNote(row, parts.rest);
}

function withNote(row: RawRow, rest: string): RawRow {
  const note = rest.replace(/^\*/, '').trim(); // md5sum marks binary mode with '*' before the name
  if (note !== '') row.note = note;
  return row;
}

/** Items of a plain-text list, in line order; a line longer than `maxLineBytes` is one error item. */
export async function* readTextList(chunks: AsyncIterable<Buffer>, ctx: RowContext, maxLineBytes?: number): AsyncGenerator<ImportItem> {
  for await (const batch of readLines(chunks, maxLineBytes)) {
    for (const l of batch) {
      if ('tooLong' in l) {
        yield rowError(l.line, tooLongMessage(l.tooLong, maxLineBytes));
        continue;
      }
      const row = parseTextLine(l.text);
      if (row) yield rowToItem(row, l.line, ctx);
    }
  }
}
