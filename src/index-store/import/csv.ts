/**
 * CSV and TSV hash lists with a header row, read with csv-parse as a stream: quoted fields with commas
 * and line breaks, BOM, CRLF, `#` comment lines. Columns are recognised by name (any case, synonyms:
 * "MD5 Hash", "sha-1", "pdq_hash", "Victim Identified", "date_added", "comment", …); unknown columns are
 * ignored. Every error names the real file line where its record starts.
 */
import { Readable, pipeline } from 'node:stream';
import { Parser as CsvParser, type CsvError } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { HashtriageError } from '../../errors.js';
import type { ImportItem, RowError } from '../types.js';
import { fieldOf, rowError, rowToItem, SIGNAL_NAMES, type FieldName, type RawRow, type RowContext } from './fields.js';
import { DEFAULT_MAX_LINE_BYTES, readLines, tooLongMessage } from './lines.js';

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

/** Parses one header line (quoted cells allowed); used to check a list's header before reading it. */
export function parseHeaderLine(line: string, delimiter: string): string[] {
  const rows = parseSync(line, { delimiter, relax_quotes: true, relax_column_count: true, trim: true }) as string[][];
  return rows[0] ?? [];
}

/**
 * csv-parse's Parser emitting each record with the line it ends on. Records are pushed synchronously as
 * they are parsed, so `info.lines` at push time is their last line; reading it here avoids the per-record
 * context object that csv-parse builds for `on_record` (a fifth of the CSV parse time).
 */
class LineNumberedParser extends CsvParser {
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    return super.push(chunk === null ? null : { record: chunk as string[], end: this.info.lines }, encoding);
  }
}

function isBlank(record: readonly string[]): boolean {
  for (let i = 0; i < record.length; i++) if (record[i] !== '') return false;
  return true;
}

function countLF(record: readonly string[]): number {
  let n = 0;
  for (const f of record) {
    let i = -1;
    while ((i = f.indexOf('\n', i + 1)) >= 0) n++;
  }
  return n;
}

/**
 * Items of a CSV/TSV list in file order. Bad rows (wrong field count, bad values, broken quoting, a line
 * over the size limit) are error items with their line; a quoted field that never closes ends the read
 * with one error item. Throws BAD_INPUT for an unusable header and rethrows read errors.
 */
export async function* readCsvList(chunks: AsyncIterable<Buffer>, ctx: RowContext, opts: CsvOptions): AsyncGenerator<ImportItem> {
  const maxLine = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  // Problems found outside the record stream, kept in line order and merged with the records.
  const pending: ImportItem[] = [];
  const longLines: number[] = [];
  let fatal: ImportItem | null = null;
  let lastEnd = 0;

  // Physical lines, CRLF → LF, BOM dropped; over-long lines are replaced by empty lines (so csv-parse
  // never holds them and line numbers stay right) and reported.
  async function* guarded(): AsyncGenerator<string> {
    for await (const batch of readLines(chunks, maxLine)) {
      if (fatal) return;
      let text = '';
      for (const l of batch) {
        if ('tooLong' in l) {
          pending.push(rowError(l.line, tooLongMessage(l.tooLong, maxLine)));
          longLines.push(l.line);
          text += '\n';
        } else text += l.text + '\n';
      }
      yield text;
    }
  }

  const parser = new LineNumberedParser({
    delimiter: opts.delimiter,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    trim: true,
    comment: '#',
    comment_no_infix: true,
    max_record_size: 4 * maxLine,
    skip_records_with_error: true,
    on_skip: (err: CsvError | undefined) => {
      if (!err || fatal) return undefined;
      const from = lastEnd + 1;
      if (err.code === 'CSV_MAX_RECORD_SIZE') {
        fatal = rowError(from, `the record starting after line ${lastEnd} is longer than ${4 * maxLine} bytes (a quoted field that never closes?); the rest of the file was not read`);
      } else if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
        fatal = rowError(from, `a quoted field in the record starting after line ${lastEnd} is not closed before the end of the file`);
      } else {
        const line = typeof (err as { lines?: unknown }).lines === 'number' ? (err as unknown as { lines: number }).lines : from;
        pending.push(rowError(line, `CSV: ${err.message.replace(/ at line \d+/, '')}`));
      }
      return undefined;
    },
  });
  pipeline(Readable.from(guarded()), parser, () => {
    /* errors surface through the iteration below */
  });

  let header: CsvHeader | null = null;
  let headerLine = 0;
  const isPendingBefore = (line: number): boolean => pending.length > 0 && (pending[0] as { error: RowError }).error.line < line;

  for await (const { record, end } of parser as AsyncIterable<{ record: string[]; end: number }>) {
    const start = end - countLF(record);
    while (isPendingBefore(start)) yield pending.shift()!;
    lastEnd = end;
    if (isBlank(record)) continue;
    if (!header) {
      header = mapHeader(record, `${opts.label}:${start}`);
      headerLine = start;
      continue;
    }
    if (longLines.length > 0) {
      const spansLong = longLines.find((l) => l >= start && l <= end);
      if (spansLong !== undefined) {
        yield rowError(start, `record includes line ${spansLong}, which is over the size limit; skipped`);
        continue;
      }
      if (longLines.length > 64) longLines.splice(0, longLines.findIndex((l) => l >= start) >>> 0);
    }
    if (record.length !== header.width && !(record.length > header.width && isBlank(record.slice(header.width)))) {
      yield rowError(start, `row has ${record.length} field${record.length === 1 ? '' : 's'}, the header (line ${headerLine}) has ${header.width}`);
      continue;
    }
    const row: RawRow = {};
    const fields = header.fields;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      if (f !== null) row[f] = record[i];
    }
    yield rowToItem(row, start, ctx);
  }
  yield* pending.splice(0);
  if (fatal) yield fatal;
}
