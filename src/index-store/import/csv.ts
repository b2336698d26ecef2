/**
 * CSV and TSV hash lists with a header row, read with the shared tabular reader (src/tabular/csv-read.ts:
 * quoting, BOM, CRLF, `#` comments, line numbers). Columns are recognised by name through the lists'
 * vocabulary ("MD5 Hash", "sha-1", "pdq_hash", "Victim Identified", "date_added", "comment", …); unknown
 * columns are ignored. Every error names the real file line where its record starts.
 */
import { HashtriageError } from '../../errors.js';
import { readCsvTableBatches } from '../../tabular/csv-read.js';
import type { ImportItem } from '../types.js';
import { fieldOf, rowError, rowToItem, SIGNAL_NAMES, type FieldName, type RawRow, type RowContext } from './fields.js';

/** How to read one CSV/TSV list. */
export interface CsvOptions {
  /** Field separator: ',' (csv), '\t' (tsv) or ';'. */
  readonly delimiter: string;
  readonly maxLineBytes?: number;
  /** Name of the input in file-level error messages (usually its path). */
  readonly label: string;
}

/** Column → field mapping of a header row. */
export interface CsvHeader {
  readonly fields: readonly (FieldName | null)[];
  readonly width: number;
}

/**
 * Maps header cells to fields. Throws HashtriageError BAD_INPUT (naming `where`) when two columns mean
 * the same field or no column holds a comparable hash; unknown columns map to null and are ignored.
 */
export function mapHeader(cells: readonly string[], where: string): CsvHeader {
  const fields = cells.map((c) => fieldOf(c));
  const firstAt = new Map<FieldName, number>();
  fields.forEach((f, i) => {
    if (f === null) return;
    const prev = firstAt.get(f);
    if (prev !== undefined)
      throw new HashtriageError('BAD_INPUT', `${where}: header columns ${prev + 1} ("${cells[prev]}") and ${i + 1} ("${cells[i]}") both mean ${f}`);
    firstAt.set(f, i);
  });
  if (!fields.some((f) => f === 'hash' || (f !== null && (SIGNAL_NAMES as readonly string[]).includes(f)))) {
    throw new HashtriageError(
      'BAD_INPUT',
      `${where}: the header (${cells.map((c) => JSON.stringify(c)).join(', ')}) names no hash column; expected one of ${SIGNAL_NAMES.join(', ')} or hash (PhotoDNA alone is kept but never compared)`,
    );
  }
  return { fields, width: cells.length };
}

/**
 * Items of a CSV/TSV list in file order. Bad rows (wrong field count, bad values, broken quoting, a line
 * over the size limit) are error items with their line; a record with broken quoting (a quoted field that
 * never closes included) costs its first line, and the lines after it are read as rows. Throws BAD_INPUT for an unusable
 * header and rethrows read errors.
 */
export async function* readCsvList(chunks: AsyncIterable<Buffer>, ctx: RowContext, opts: CsvOptions): AsyncGenerator<ImportItem> {
  let header: CsvHeader | null = null;
  const dialect = { delimiter: opts.delimiter, comments: true, strictWidth: true };
  for await (const events of readCsvTableBatches(chunks, dialect, { maxLineBytes: opts.maxLineBytes })) {
    for (const event of events) {
      if (event.kind === 'error') {
        yield rowError(event.line, event.message);
      } else if (event.kind === 'header') {
        header = mapHeader(event.cells, `${opts.label}:${event.line}`);
      } else {
        const row: RawRow = {};
        const fields = header!.fields;
        for (let i = 0; i < fields.length; i++) {
          const f = fields[i];
          if (f !== null) row[f] = event.cells[i];
        }
        yield rowToItem(row, event.line, ctx);
      }
    }
  }
}
